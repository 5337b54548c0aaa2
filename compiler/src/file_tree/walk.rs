//! Reading a host directory into a tree of entries, refusing what a baked
//! tree cannot hold: anything that is not a regular file or directory,
//! and any symlink that leads out of the directory or into a cycle.
//!
//! Symlinks inside the tree are resolved: a link to a file becomes a
//! file with the target's contents (stored once, however many links
//! point at it), a link to a directory a copy of that directory.

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wafer_abi::file_tree::NAME_MAX;

/// One name in a directory.
#[derive(Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    pub kind: EntryKind,
}

#[derive(Debug)]
pub enum EntryKind {
    /// A regular file: its canonical host path (links to one file share it).
    File(PathBuf),
    /// A directory's entries, sorted by name bytes.
    Dir(Vec<Entry>),
}

/// The entries of directory `host`, recursively; `shown` (the `--dir`
/// value as written) names it in errors.
pub fn walk(host: &Path, shown: &str) -> Result<Vec<Entry>> {
    let meta = std::fs::metadata(host).with_context(|| format!("--dir {shown}"))?;
    if !meta.is_dir() {
        bail!("--dir {shown}: not a directory");
    }
    let root = std::fs::canonicalize(host).with_context(|| format!("--dir {shown}"))?;
    let mut walker = Walker {
        root: &root,
        shown,
        ancestors: vec![root.clone()],
        nodes: 1,
    };
    walker.dir(&root, Path::new(""))
}

struct Walker<'a> {
    root: &'a Path,
    shown: &'a str,
    /// Canonical paths of the directories being walked, outermost first:
    /// a symlink to one of them would make the tree infinite.
    ancestors: Vec<PathBuf>,
    nodes: usize,
}

impl Walker<'_> {
    /// The entries of canonical directory `dir`, at `rel` inside the tree.
    fn dir(&mut self, dir: &Path, rel: &Path) -> Result<Vec<Entry>> {
        let shown = self.shown;
        let mut names = Vec::new();
        let listing = std::fs::read_dir(dir)
            .with_context(|| format!("--dir {shown}: cannot read {}", dir.display()))?;
        for item in listing {
            let item =
                item.with_context(|| format!("--dir {shown}: cannot read {}", dir.display()))?;
            names.push(item.file_name());
        }
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut entries = Vec::with_capacity(names.len());
        for name in names {
            let rel = rel.join(&name);
            if name.len() > NAME_MAX {
                bail!(
                    "--dir {shown}: the name of {} is {} bytes long, more than the {NAME_MAX} a baked file tree allows",
                    rel.display(),
                    name.len()
                );
            }
            self.nodes += 1;
            if self.nodes > super::MAX_NODES {
                bail!(
                    "--dir {shown}: more than {} files and directories (symlinks to directories count each copy); bake a smaller directory",
                    super::MAX_NODES
                );
            }
            let kind = self.entry(&dir.join(&name), &rel)?;
            entries.push(Entry {
                name: name.as_bytes().to_vec(),
                kind,
            });
        }
        Ok(entries)
    }

    /// What `path` (at `rel` inside the tree) becomes in the baked tree.
    fn entry(&mut self, path: &Path, rel: &Path) -> Result<EntryKind> {
        let shown = self.shown;
        let meta = std::fs::symlink_metadata(path)
            .with_context(|| format!("--dir {shown}: cannot read {}", rel.display()))?;
        let target = if meta.file_type().is_symlink() {
            let target = std::fs::canonicalize(path).map_err(|e| {
                anyhow::anyhow!(
                    "--dir {shown}: symlink {} cannot be followed: {e}",
                    rel.display()
                )
            })?;
            if !target.starts_with(self.root) {
                bail!(
                    "--dir {shown}: symlink {} leads out of the directory (to {}); a baked file tree holds only what is inside it",
                    rel.display(),
                    target.display()
                );
            }
            target
        } else {
            path.to_path_buf()
        };
        let meta = std::fs::metadata(&target)
            .with_context(|| format!("--dir {shown}: cannot read {}", rel.display()))?;
        if meta.is_file() {
            return Ok(EntryKind::File(target));
        }
        if !meta.is_dir() {
            bail!(
                "--dir {shown}: {} is not a regular file or directory; a baked file tree holds only those",
                rel.display()
            );
        }
        if self.ancestors.contains(&target) {
            bail!(
                "--dir {shown}: symlink {} leads to a directory that contains it (a cycle)",
                rel.display()
            );
        }
        self.ancestors.push(target.clone());
        let entries = self.dir(&target, rel);
        self.ancestors.pop();
        Ok(EntryKind::Dir(entries?))
    }
}
