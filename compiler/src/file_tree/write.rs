//! Serialising a walked tree into the `wafer_abi::file_tree` format.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use anyhow::{Context, Result, bail};
use wafer_abi::file_tree::{
    DATA_ALIGN, DIRECTORY, HEADER_BYTES, MAGIC, NODE_BYTES, REGULAR_FILE, VERSION,
};

use super::{Entry, EntryKind};

/// A node before layout.
struct Node<'a> {
    name: &'a [u8],
    kind: u32,
    parent: u32,
    /// Directory: first child and count (filled when its children are
    /// placed). File: filled at layout.
    start: u32,
    len: u32,
    file: Option<&'a Path>,
}

/// The blob for a root directory holding `root`, with an overlay budget
/// if `writable` (`--dir-rw`); `shown` (the `--dir` value) names the tree
/// in errors.
pub fn serialise(root: &[Entry], shown: &str, writable: bool) -> Result<Vec<u8>> {
    // Breadth first, so each directory's children are contiguous nodes.
    let mut nodes = vec![Node {
        name: b"",
        kind: DIRECTORY,
        parent: 0,
        start: 0,
        len: 0,
        file: None,
    }];
    let mut queue: VecDeque<(usize, &[Entry])> = VecDeque::from([(0, root)]);
    while let Some((dir, entries)) = queue.pop_front() {
        let first = nodes.len();
        nodes[dir].start = index(first)?;
        nodes[dir].len = index(entries.len())?;
        for entry in entries {
            let (kind, file) = match &entry.kind {
                EntryKind::File(path) => (REGULAR_FILE, Some(path.as_path())),
                EntryKind::Dir(_) => (DIRECTORY, None),
            };
            nodes.push(Node {
                name: &entry.name,
                kind,
                parent: index(dir)?,
                start: 0,
                len: 0,
                file,
            });
        }
        for (i, entry) in entries.iter().enumerate() {
            if let EntryKind::Dir(children) = &entry.kind {
                queue.push_back((first + i, children));
            }
        }
    }

    let names_at = HEADER_BYTES + nodes.len() * NODE_BYTES;
    let mut names = Vec::new();
    let mut name_offsets = Vec::with_capacity(nodes.len());
    for node in &nodes {
        name_offsets.push(names_at + names.len());
        names.extend_from_slice(node.name);
    }
    let mut blob = vec![0u8; names_at];
    blob.extend_from_slice(&names);
    // File contents, each aligned, stored once per host file.
    let mut stored: HashMap<&Path, (u32, u32)> = HashMap::new();
    for node in nodes.iter_mut() {
        let Some(path) = node.file else { continue };
        if let Some(&(start, len)) = stored.get(path) {
            (node.start, node.len) = (start, len);
            continue;
        }
        let contents = std::fs::read(path)
            .with_context(|| format!("--dir {shown}: cannot read {}", path.display()))?;
        while !blob.len().is_multiple_of(DATA_ALIGN) {
            blob.push(0);
        }
        let start = size(blob.len(), shown)?;
        let len = size(contents.len(), shown)?;
        blob.extend_from_slice(&contents);
        stored.insert(path, (start, len));
        (node.start, node.len) = (start, len);
    }
    // The image places the blob 8-aligned; keep its length a multiple too.
    while !blob.len().is_multiple_of(DATA_ALIGN) {
        blob.push(0);
    }
    let total = size(blob.len(), shown)?;

    let overlay = if writable {
        wafer_abi::file_tree::overlay_budget(index(nodes.len())?)
            .context("BUG: overlay budget beyond u32 for MAX_NODES")?
    } else {
        0
    };
    let header = [
        MAGIC,
        VERSION,
        total,
        index(nodes.len())?,
        HEADER_BYTES as u32,
        overlay,
    ];
    put_u32s(&mut blob[..HEADER_BYTES], &header);
    for (i, node) in nodes.iter().enumerate() {
        let at = HEADER_BYTES + i * NODE_BYTES;
        let record = [
            size(name_offsets[i], shown)?,
            index(node.name.len())?,
            node.kind,
            node.parent,
            node.start,
            node.len,
        ];
        put_u32s(&mut blob[at..at + NODE_BYTES], &record);
    }
    Ok(blob)
}

fn put_u32s(out: &mut [u8], values: &[u32]) {
    for (chunk, v) in out.chunks_exact_mut(4).zip(values) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
}

/// A node index or count (bounded by `MAX_NODES`, so it fits).
fn index(n: usize) -> Result<u32> {
    u32::try_from(n).context("BUG: node index beyond u32")
}

/// A byte offset or length: the format's offsets are 32-bit.
fn size(n: usize, shown: &str) -> Result<u32> {
    match u32::try_from(n) {
        Ok(n) => Ok(n),
        Err(_) => bail!(
            "--dir {shown}: the baked file tree would exceed 4 GiB, the format's limit; bake a smaller directory"
        ),
    }
}
