//! The preview1 file functions of the baked backend (`baked.rs`), each the
//! symbol `wafer_baked_<name>` that `wafer build --dir` binds the module's
//! import to.

use wafer_abi::file_tree::{DIRECTORY, NAME_MAX, REGULAR_FILE};

use super::*;
use crate::host::wasi::put_u32;
use crate::host::wasi_fs::front::{put_dirent, put_prestat_dir_name, readdir_buffer, tell};
use crate::host::wasi_fs::overlay::UNLINKED;

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_open(
    vmctx: *mut u8,
    fd: i32,
    _dirflags: i32,
    path: u32,
    path_len: u32,
    oflags: i32,
    base: i64,
    inheriting: i64,
    fdflags: i32,
    out: u32,
) -> i32 {
    const CREAT: i32 = 1;
    const DIRECTORY_FLAG: i32 = 2;
    const EXCL: i32 = 4;
    const TRUNC: i32 = 8;
    const APPEND: i32 = 1;
    status((|| {
        let parent = dir_entry(fd)?;
        if !in_memory(vmctx, out, 4) {
            return Err(FAULT);
        }
        if oflags & !0xf != 0 {
            return Err(INVAL);
        }
        let (_, mut store, walked) = at(vmctx, fd, path, path_len)?;
        // Asking for `fd_write` is asking to write (`EROFS` in a read-only
        // tree); other rights a tree cannot grant are left out silently,
        // as the spec allows: Go's read-only open asks for
        // `fd_filestat_set_size`, wasi-libc's for `path_create_*`.
        let writes = base as u64 & rights::FD_WRITE as u64 != 0
            || fdflags & APPEND != 0
            || oflags & TRUNC != 0;
        let node = match walked {
            Walk::Found(node) if oflags & (CREAT | EXCL) == CREAT | EXCL => {
                let _ = node;
                return Err(EXIST);
            }
            Walk::Found(node) => node,
            Walk::Missing(dir, name) if oflags & CREAT != 0 => {
                if oflags & DIRECTORY_FLAG != 0 {
                    return Err(INVAL);
                }
                if dir.parent == UNLINKED {
                    return Err(NOENT);
                }
                let ram = store.ram()?;
                let i = ram.create(dir.index, name, REGULAR_FILE)?;
                ram.info(i)?
            }
            Walk::Missing(..) => return Err(NOENT),
        };
        if oflags & DIRECTORY_FLAG != 0 && !node.is_dir() {
            return Err(NOTDIR);
        }
        if writes && node.is_dir() {
            return Err(ISDIR);
        }
        if writes {
            store.ram()?;
        }
        if oflags & TRUNC != 0 {
            store.ram()?.set_len(node.index, 0)?;
        }
        let allowed = match (&store, node.is_dir()) {
            (Store::Flash(_), true) => rights::DIR,
            (Store::Flash(_), false) => rights::FILE,
            (Store::Ram(_), true) => rights::ALL,
            (Store::Ram(_), false) => rights::FILE_RW,
        };
        let new = allocate(Open {
            kind: if node.is_dir() { DIR } else { FILE },
            preopen: 0,
            tree: parent.tree,
            append: fdflags & APPEND != 0,
            node: node.index,
            pos: 0,
            base: base as u32 & parent.inheriting & allowed,
            inheriting: inheriting as u32 & parent.inheriting,
        })?;
        put_u32(vmctx, out, new as u32);
        Ok(())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_pread(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    offset: i64,
    nread: u32,
) -> i32 {
    status(transfer(
        vmctx,
        fd,
        iovs,
        iovs_len,
        nread,
        Some(offset as u64),
    ))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_pwrite(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    offset: i64,
    nwritten: u32,
) -> i32 {
    status(store_write(
        vmctx,
        fd,
        iovs,
        iovs_len,
        nwritten,
        Some(offset as u64),
    ))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_tell(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    tell(vmctx, fd, out, seek)
}

/// `fd_sync`, `fd_datasync`: nothing is ever unwritten.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_sync(_vmctx: *mut u8, fd: i32) -> i32 {
    status(entry(fd).map(|_| ()))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_datasync(_vmctx: *mut u8, fd: i32) -> i32 {
    status(entry(fd).map(|_| ()))
}

/// Accepted and ignored (flash needs no read-ahead), once checked.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_advise(
    _vmctx: *mut u8,
    fd: i32,
    _offset: i64,
    _len: i64,
    advice: i32,
) -> i32 {
    status(entry(fd).and_then(|_| {
        if (0..=5).contains(&advice) {
            Ok(())
        } else {
            Err(INVAL)
        }
    }))
}

/// The overlay and node of file fd `fd` with right `right` (`EROFS` in a
/// read-only tree).
fn writable_file(fd: i32, right: u32) -> Result<(Store, Info), i32> {
    let e = entry(fd)?;
    let (mut store, node) = file_node(&e)?;
    store.ram()?;
    if e.kind == DIR {
        return Err(ISDIR);
    }
    if e.base & right == 0 {
        return Err(NOTCAPABLE);
    }
    Ok((store, node))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_allocate(_vmctx: *mut u8, fd: i32, offset: i64, len: i64) -> i32 {
    status((|| {
        let (mut store, node) = writable_file(fd, rights::FD_ALLOCATE)?;
        let end = (offset as u64).checked_add(len as u64).ok_or(INVAL)?;
        if end > node.len as u64 {
            store.ram()?.set_len(node.index, end)?;
        }
        Ok(())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_filestat_set_size(_vmctx: *mut u8, fd: i32, size: i64) -> i32 {
    status((|| {
        let (mut store, node) = writable_file(fd, rights::FD_FILESTAT_SET_SIZE)?;
        store.ram()?.set_len(node.index, size as u64)
    })())
}

/// Times are not kept: accepted on a `--dir-rw` tree (stat reads 0).
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_filestat_set_times(
    _vmctx: *mut u8,
    fd: i32,
    _atim: i64,
    _mtim: i64,
    _fst: i32,
) -> i32 {
    status(entry(fd).and_then(|e| file_node(&e)?.0.ram().map(|_| ())))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_filestat_get(
    vmctx: *mut u8,
    fd: i32,
    _flags: i32,
    path: u32,
    path_len: u32,
    out: u32,
) -> i32 {
    status((|| {
        let (dir, _, node) = existing(vmctx, fd, path, path_len)?;
        put_filestat(vmctx, out, dir.tree, &node)
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_filestat_set_times(
    vmctx: *mut u8,
    fd: i32,
    _flags: i32,
    path: u32,
    path_len: u32,
    _atim: i64,
    _mtim: i64,
    _fst: i32,
) -> i32 {
    status(
        existing(vmctx, fd, path, path_len).and_then(|(_, mut store, _)| store.ram().map(|_| ())),
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_create_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let (_, mut store, parent, name) = to_create(vmctx, fd, path, path_len)?;
        store
            .ram()?
            .create(parent.index, name, DIRECTORY)
            .map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_remove_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let (dir, mut store, node) = existing(vmctx, fd, path, path_len)?;
        if !node.is_dir() {
            return Err(NOTDIR);
        }
        let ram = store.ram()?;
        if node.index == 0 || node.index == dir.node {
            return Err(INVAL); // the preopen itself, or `.`
        }
        if ram.child(node.index, 0).is_some() {
            return Err(NOTEMPTY);
        }
        unlink(ram, dir.tree, node.index);
        Ok(())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_unlink_file(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let (dir, mut store, node) = existing(vmctx, fd, path, path_len)?;
        if node.is_dir() {
            return Err(ISDIR);
        }
        unlink(store.ram()?, dir.tree, node.index);
        Ok(())
    })())
}

/// Whether `node` is `ancestor` or lies below it.
fn is_within(store: &Store, mut node: u32, ancestor: u32) -> bool {
    // A node's depth is bounded by the table, so is this walk.
    for _ in 0..=u16::MAX {
        if node == ancestor {
            return true;
        }
        match store.info(node) {
            Ok(i) if i.parent != node && i.parent != UNLINKED => node = i.parent,
            _ => return false,
        }
    }
    false
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_rename(
    vmctx: *mut u8,
    fd: i32,
    old: u32,
    old_len: u32,
    new_fd: i32,
    new: u32,
    new_len: u32,
) -> i32 {
    status((|| {
        let (from_dir, _, source) = existing(vmctx, fd, old, old_len)?;
        let (to_dir, mut store, target) = at(vmctx, new_fd, new, new_len)?;
        store.ram()?;
        if from_dir.tree != to_dir.tree {
            return Err(XDEV);
        }
        if source.index == 0 {
            return Err(INVAL);
        }
        let (parent, name, replaced) = match target {
            Walk::Found(t) if t.index == source.index => return Ok(()),
            Walk::Found(t) => {
                match (source.is_dir(), t.is_dir()) {
                    (false, true) => return Err(ISDIR),
                    (true, false) => return Err(NOTDIR),
                    (true, true) if store.child(&t, 0)?.is_some() => return Err(NOTEMPTY),
                    _ => {}
                }
                if t.index == 0 {
                    return Err(INVAL);
                }
                (store.info(t.parent)?, store.name(t.index), Some(t))
            }
            Walk::Missing(parent, _) if parent.parent == UNLINKED => return Err(NOENT),
            Walk::Missing(parent, name) => (parent, name, None),
        };
        if source.is_dir() && is_within(&store, parent.index, source.index) {
            return Err(INVAL);
        }
        // The name may be the replaced node's, which goes away below.
        let mut copy = [0u8; NAME_MAX];
        let name_len = name.len().min(NAME_MAX);
        copy[..name_len].copy_from_slice(&name[..name_len]);
        let ram = store.ram()?;
        ram.rename(source.index, parent.index, &copy[..name_len])?;
        if let Some(t) = replaced {
            unlink(ram, to_dir.tree, t.index);
        }
        Ok(())
    })())
}

/// Hard links are not kept by a baked tree or its overlay.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_link(
    vmctx: *mut u8,
    fd: i32,
    _old_flags: i32,
    old: u32,
    old_len: u32,
    new_fd: i32,
    new: u32,
    new_len: u32,
) -> i32 {
    status((|| {
        existing(vmctx, fd, old, old_len)?;
        to_create(vmctx, new_fd, new, new_len)?;
        Err(NOTSUP)
    })())
}

/// Symlinks are not kept by a baked tree or its overlay.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_symlink(
    vmctx: *mut u8,
    target: u32,
    target_len: u32,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        guest_path(vmctx, target, target_len)?;
        to_create(vmctx, fd, path, path_len)?;
        Err(NOTSUP)
    })())
}

/// A baked tree holds no symlinks: `EINVAL` for what exists (Linux's
/// answer for a path that is not a symlink), `ENOENT` for what does not.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_readlink(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
    _buf: u32,
    _buf_len: u32,
    _bufused: u32,
) -> i32 {
    status(existing(vmctx, fd, path, path_len).and(Err(INVAL)))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_prestat_dir_name(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status(preopen_name(fd).and_then(|name| put_prestat_dir_name(vmctx, name, path, path_len)))
}

/// Moves fd `from` onto `to` (both open, above 2), closing what `to` was.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_renumber(_vmctx: *mut u8, from: i32, to: i32) -> i32 {
    status((|| {
        let moved = entry(from)?;
        let replaced = entry(to)?;
        if from != to {
            table()[slot(to)?] = moved;
            table()[slot(from)?] = CLOSED;
            release(&replaced);
        }
        Ok(())
    })())
}

/// Fills `buf` with preview1 dirents from entry number `cookie` on: `.`,
/// `..`, then the children (in name order in flash, in creation order in
/// an overlay); each entry's `d_next` is the number of the one after it.
/// A full `buf` (the last entry possibly cut) means "call again".
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_readdir(
    vmctx: *mut u8,
    fd: i32,
    buf: u32,
    buf_len: u32,
    cookie: i64,
    bufused: u32,
) -> i32 {
    status((|| {
        let e = entry(fd)?;
        if e.kind != DIR {
            return Err(NOTDIR);
        }
        let out = readdir_buffer(vmctx, buf, buf_len, bufused)?;
        let (store, dir) = file_node(&e)?;
        let mut used = 0usize;
        let mut index = cookie as u64;
        while used < out.len() {
            let node = match index {
                0 => dir,
                1 if dir.parent == UNLINKED => dir,
                1 => store.info(dir.parent)?,
                i => match u32::try_from(i - 2) {
                    Ok(k) => match store.child(&dir, k)? {
                        Some(child) => child,
                        None => break,
                    },
                    // Past any directory's end: nothing more.
                    Err(_) => break,
                },
            };
            let name: &[u8] = match index {
                0 => b".",
                1 => b"..",
                _ => store.name(node.index),
            };
            index += 1;
            let inode = node.index as u64 + 1;
            put_dirent(out, &mut used, index, inode, name, node.kind as u8);
        }
        put_u32(vmctx, bufused, used as u32);
        Ok(())
    })())
}
