//! `--dir HOST::GUEST` on bare-metal boards: the host directory read at
//! build time ([`walk`]) and serialised ([`serialise`]) into the baked
//! file tree format of `wafer_abi::file_tree`, which the image carries in
//! flash.

mod walk;
mod write;

pub use walk::{Entry, EntryKind, walk};
pub use write::serialise;

/// The most nodes (files and directories) one tree may hold: a guard
/// against symlinks that copy a large directory many times over.
pub const MAX_NODES: usize = 1 << 20;

/// Reads directory `host` and serialises it, read-only or (`writable`,
/// `--dir-rw`) with a RAM overlay budget; `host` as the user wrote it
/// names it in errors.
pub fn bake(host: &str, writable: bool) -> anyhow::Result<Vec<u8>> {
    let root = walk(std::path::Path::new(host), host)?;
    serialise(&root, host, writable)
}

#[cfg(test)]
mod tests;
