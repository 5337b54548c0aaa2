//! The baked file tree: a read-only directory tree that `wafer build --dir
//! HOST::GUEST` serialises into a bare-metal image's flash and the
//! runtime's `host/fs/baked.rs` serves through the WASI file functions.
//!
//! # Format (version 1)
//! One position-independent blob: every reference inside it is an offset
//! from its start or a node index, so it can sit anywhere in flash. All
//! numbers are little-endian `u32`; the header and the node table are
//! 4-byte aligned and each file's contents 8-byte aligned (the blob
//! itself is linked 8-byte aligned), so reads copy straight from flash.
//!
//! ```text
//! header   magic "WFTR", version, blob length, node count, node table offset,
//!          RAM overlay bytes (0: read-only; `--dir-rw`: the overlay's budget)
//! nodes    node_count × 24 bytes: name offset, name length, kind, parent,
//!          start, length
//! names    the names' bytes, unterminated
//! data     the files' contents, each 8-byte aligned
//! ```
//!
//! Node 0 is the root directory (empty name, its own parent). A
//! directory's children are the contiguous nodes `start..start + length`,
//! sorted by name bytes, so a lookup is a binary search; a file's contents
//! are the blob's bytes `start..start + length`. `kind` is the preview1
//! filetype ([`DIRECTORY`] or [`REGULAR_FILE`]).
//!
//! The runtime trusts nothing in the blob: [`Tree::parse`] checks the
//! header and every accessor checks the offsets and indices it reads, so a
//! corrupt blob yields [`Corrupt`], never a read outside it.

/// "WFTR", little-endian.
pub const MAGIC: u32 = u32::from_le_bytes(*b"WFTR");
/// The format version this crate reads and writes.
pub const VERSION: u32 = 1;
/// Bytes of the header.
pub const HEADER_BYTES: usize = 24;
/// Bytes of one node record.
pub const NODE_BYTES: usize = 24;
/// Alignment of each file's contents inside the blob (and of the blob).
pub const DATA_ALIGN: usize = 8;
/// The longest name of a file or directory (Linux's `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// Node kinds: the preview1 `filetype` of the node.
pub const DIRECTORY: u32 = 3;
pub const REGULAR_FILE: u32 = 4;

/// The blob breaks the format: an offset or index outside it, an unknown
/// kind or version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// One node, as read (and checked) from the node table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub index: u32,
    pub kind: u32,
    pub parent: u32,
    name_offset: u32,
    name_len: u32,
    /// Directory: first child's index. File: contents' offset.
    start: u32,
    /// Directory: number of children. File: bytes of contents.
    pub len: u32,
}

impl Node {
    pub fn is_dir(&self) -> bool {
        self.kind == DIRECTORY
    }
}

/// A checked view of a blob.
#[derive(Clone, Copy, Debug)]
pub struct Tree<'a> {
    bytes: &'a [u8],
    node_count: u32,
    nodes_offset: usize,
    overlay_bytes: u32,
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, Corrupt> {
    let end = at.checked_add(4).ok_or(Corrupt)?;
    let b = bytes.get(at..end).ok_or(Corrupt)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Tree<'a> {
    /// Checks the header: magic, version, the blob's length, a node table
    /// inside the blob, and a directory at the root.
    pub fn parse(bytes: &'a [u8]) -> Result<Tree<'a>, Corrupt> {
        let field = |i: usize| u32_at(bytes, i * 4);
        if field(0)? != MAGIC || field(1)? != VERSION || field(2)? as usize != bytes.len() {
            return Err(Corrupt);
        }
        let node_count = field(3)?;
        let nodes_offset = field(4)? as usize;
        let table_end = (node_count as usize)
            .checked_mul(NODE_BYTES)
            .and_then(|n| n.checked_add(nodes_offset))
            .ok_or(Corrupt)?;
        if node_count == 0 || nodes_offset < HEADER_BYTES || table_end > bytes.len() {
            return Err(Corrupt);
        }
        let tree = Tree {
            bytes,
            node_count,
            nodes_offset,
            overlay_bytes: field(5)?,
        };
        if !tree.node(0)?.is_dir() {
            return Err(Corrupt);
        }
        Ok(tree)
    }

    /// Number of nodes (the root included).
    pub fn len(&self) -> u32 {
        self.node_count
    }

    /// Always false: a tree has its root.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Bytes of RAM the runtime may use to let the program change this
    /// tree during one boot (`--dir-rw`); 0 for a read-only tree.
    pub fn overlay_bytes(&self) -> u32 {
        self.overlay_bytes
    }

    /// Node `index`, its kind, parent and ranges checked.
    pub fn node(&self, index: u32) -> Result<Node, Corrupt> {
        if index >= self.node_count {
            return Err(Corrupt);
        }
        let at = self.nodes_offset + index as usize * NODE_BYTES;
        let field = |i: usize| u32_at(self.bytes, at + i * 4);
        let node = Node {
            index,
            name_offset: field(0)?,
            name_len: field(1)?,
            kind: field(2)?,
            parent: field(3)?,
            start: field(4)?,
            len: field(5)?,
        };
        let (limit, kind_ok) = match node.kind {
            DIRECTORY => (self.node_count as u64, true),
            REGULAR_FILE => (self.bytes.len() as u64, true),
            _ => (0, false),
        };
        let name_end = node.name_offset as u64 + node.name_len as u64;
        if !kind_ok
            || node.parent >= self.node_count
            || node.start as u64 + node.len as u64 > limit
            || name_end > self.bytes.len() as u64
            || node.name_len as usize > NAME_MAX
        {
            return Err(Corrupt);
        }
        Ok(node)
    }

    /// The node's name (checked by [`Tree::node`]).
    pub fn name(&self, node: &Node) -> &'a [u8] {
        let start = node.name_offset as usize;
        self.bytes
            .get(start..start + node.name_len as usize)
            .unwrap_or(&[])
    }

    /// A file's contents (empty for a directory).
    pub fn contents(&self, node: &Node) -> &'a [u8] {
        if node.is_dir() {
            return &[];
        }
        let start = node.start as usize;
        self.bytes
            .get(start..start + node.len as usize)
            .unwrap_or(&[])
    }

    /// The `i`th child of directory `dir` (in name order).
    pub fn child(&self, dir: &Node, i: u32) -> Result<Node, Corrupt> {
        if !dir.is_dir() || i >= dir.len {
            return Err(Corrupt);
        }
        self.node(dir.start + i)
    }

    /// The child of directory `dir` named `name`, by binary search.
    pub fn lookup(&self, dir: &Node, name: &[u8]) -> Result<Option<Node>, Corrupt> {
        let (mut low, mut high) = (0, dir.len);
        while low < high {
            let mid = low + (high - low) / 2;
            let child = self.child(dir, mid)?;
            match self.name(&child).cmp(name) {
                core::cmp::Ordering::Less => low = mid + 1,
                core::cmp::Ordering::Greater => high = mid,
                core::cmp::Ordering::Equal => return Ok(Some(child)),
            }
        }
        Ok(None)
    }
}

/// The console's operations on fds above 2 on bare-metal boards: the
/// runtime's `wafer_wasi_fd_<op>` hands them to the hook `wafer_fs_<op>`, a
/// weak alias of its `EBADF` answer, which `wafer build --dir` redefines as
/// `wafer_baked_fs_<op>` (`--defsym`) when a module imports `fd_<op>`.
pub const CONSOLE_HOOKS: &[&str] = &[
    "read",
    "write",
    "close",
    "seek",
    "fdstat_get",
    "prestat_get",
    "filestat_get",
    "fdstat_set_flags",
];

/// The hook `poll_oneoff` asks about an fd above 2 (`wafer_fs_<this>`),
/// bound to `wafer_baked_fs_<this>` when a module with `--dir` imports
/// `poll_oneoff`.
pub const POLL_HOOK: &str = "poll_ready";

/// The preview1 file functions the baked backend defines, each as
/// `wafer_baked_<name>`: an image with `--dir` on a bare-metal board binds
/// `wafer_wasi_<name>` to it for each one its modules import.
pub const FUNCTIONS: &[&str] = &[
    "fd_advise",
    "fd_allocate",
    "fd_datasync",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_readdir",
    "fd_renumber",
    "fd_sync",
    "fd_tell",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
];

/// Prefix of the image's data object holding preopen `i`'s tree
/// (`wafer_file_tree.<i>`); `wafer size` counts these.
pub const TREE_SYMBOL_PREFIX: &str = "wafer_file_tree.";

/// Symbol of the baked backend's fd table (`.bss`), for `wafer size`.
pub const FD_TABLE_SYMBOL: &str = "wafer_baked_fds";

/// The most baked trees (`--dir` and `--dir-rw`) one image may have: the
/// runtime's table holds 16 open fds, and a program needs a few for its
/// own files.
pub const MAX_PREOPENS: usize = 8;

/// `--dir-rw`: nodes a program may create beyond the baked ones.
pub const OVERLAY_EXTRA_NODES: u32 = 64;
/// `--dir-rw`: bytes of the runtime's RAM record per node (checked there).
pub const OVERLAY_NODE_BYTES: u32 = 32;
/// `--dir-rw`: bytes the program's changes may take (names and contents),
/// beyond the node table.
pub const OVERLAY_FREE_BYTES: u32 = 64 << 10;

/// The overlay budget `wafer build --dir-rw` bakes into a tree of `nodes`
/// nodes: its node table, the runtime's record of it, and
/// [`OVERLAY_FREE_BYTES`]; `None` past `u32`.
pub const fn overlay_budget(nodes: u32) -> Option<u32> {
    let Some(all) = nodes.checked_add(OVERLAY_EXTRA_NODES) else {
        return None;
    };
    let Some(table) = all.checked_mul(OVERLAY_NODE_BYTES) else {
        return None;
    };
    table.checked_add(OVERLAY_FREE_BYTES + 64)
}
