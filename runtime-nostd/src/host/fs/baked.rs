//! WASI files on bare-metal boards: the read-only trees `wafer build --dir
//! HOST::GUEST` bakes into flash (format: `wafer_abi::file_tree`), served
//! from where they lie: reads copy straight from flash into the guest.
//!
//! Only images built with `--dir` link this file: `wafer build` points
//! the console's hooks (`wafer_fs_<op>` → `wafer_baked_fs_<op>`) and each file function
//! the module imports (`wafer_wasi_<name>` → `wafer_baked_<name>`) here
//! with `--defsym`; every other image keeps `none.rs` and its static RAM
//! stays what it was.
//!
//! Preopens are fds 3, 4, … in `--dir` order; opened files and directories
//! take the lowest free slot of a table of [`SLOTS`] fds. Paths are walked
//! component by component inside the fd they start from: an absolute path
//! or a `..` above it is `ENOTCAPABLE`, as on Linux. The trees hold no
//! symlinks (`wafer build` resolves them). Every change is `EROFS` once
//! the path is known to stay inside; see docs/files.md.

use wafer_abi::file_tree::{Corrupt, NAME_MAX, Node, Tree};

use super::errno::*;
use crate::host::wasi::{guest, in_memory, iovec, iovecs_valid, put_u32, put_u64};

/// Errnos only this backend uses.
const EXIST: i32 = 20;
const ROFS: i32 = 69;

/// Open fds beyond the console: 3 .. 3 + SLOTS (24 bytes each in `.bss`).
pub const SLOTS: usize = 16;
const FIRST: i32 = 3;

const FREE: u8 = 0;
const FILE: u8 = 1;
const DIR: u8 = 2;

/// Preview1 rights bits.
mod rights {
    pub const FD_DATASYNC: u32 = 1 << 0;
    pub const FD_READ: u32 = 1 << 1;
    pub const FD_SEEK: u32 = 1 << 2;
    pub const FD_SYNC: u32 = 1 << 4;
    pub const FD_TELL: u32 = 1 << 5;
    pub const FD_WRITE: u32 = 1 << 6;
    pub const FD_ADVISE: u32 = 1 << 7;
    pub const FD_ALLOCATE: u32 = 1 << 8;
    pub const PATH_OPEN: u32 = 1 << 13;
    pub const FD_READDIR: u32 = 1 << 14;
    pub const PATH_READLINK: u32 = 1 << 15;
    pub const PATH_FILESTAT_GET: u32 = 1 << 18;
    pub const FD_FILESTAT_GET: u32 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u32 = 1 << 22;
    pub const POLL_FD_READWRITE: u32 = 1 << 27;
    /// What a read-only file allows.
    pub const FILE: u32 =
        FD_READ | FD_SEEK | FD_SYNC | FD_TELL | FD_ADVISE | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// What a read-only directory allows.
    pub const DIR: u32 =
        PATH_OPEN | FD_READDIR | PATH_READLINK | PATH_FILESTAT_GET | FD_FILESTAT_GET | FD_SYNC;
    /// Rights that ask to change a file: `EROFS` at `path_open`.
    pub const WRITING: u32 = FD_WRITE | FD_DATASYNC | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
}

/// One open fd: a node of preopen `tree`'s file tree.
#[derive(Clone, Copy)]
struct Open {
    kind: u8,
    /// 1 + the preopen's index when this fd is the preopen itself.
    preopen: u8,
    /// The preopen whose tree holds `node`.
    tree: u8,
    node: u32,
    /// A file's position (may lie past its end, as on Linux).
    pos: u64,
    base: u32,
    inheriting: u32,
}

const CLOSED: Open = Open {
    kind: FREE,
    preopen: 0,
    tree: 0,
    node: 0,
    pos: 0,
    base: 0,
    inheriting: 0,
};

/// All zero, so `.bss`. The preopens are put in at the first call. Named
/// (`wafer_abi::file_tree::FD_TABLE_SYMBOL`) for `wafer size`.
#[unsafe(export_name = "wafer_baked_fds")]
static mut TABLE: [Open; SLOTS] = [CLOSED; SLOTS];
static mut READY: bool = false;

/// The baked tree of preopen `i` and its guest name.
fn preopen(i: usize) -> Option<(&'static [u8], &'static [u8])> {
    // SAFETY: manifest strings are static; `wafer build` writes pairs
    // (file tree, guest name) on bare-metal boards.
    let items = unsafe { crate::instance::manifest().preopens.items() };
    let pair = items.get(2 * i..2 * i + 2)?;
    // SAFETY: as above.
    unsafe { Some((pair[0].bytes(), pair[1].bytes())) }
}

fn table() -> &'static mut [Open; SLOTS] {
    // SAFETY: the runtime runs one thread; no reference outlives a call.
    let t = unsafe { &mut *core::ptr::addr_of_mut!(TABLE) };
    // SAFETY: as above.
    let ready = unsafe { &mut *core::ptr::addr_of_mut!(READY) };
    if !*ready {
        *ready = true;
        let mut i = 0;
        while let Some((blob, name)) = preopen(i) {
            if Tree::parse(blob).is_err() || i >= SLOTS {
                corrupt(name);
            }
            t[i] = Open {
                kind: DIR,
                preopen: i as u8 + 1,
                tree: i as u8,
                node: 0,
                pos: 0,
                base: rights::DIR,
                inheriting: rights::DIR | rights::FILE,
            };
            i += 1;
        }
    }
    t
}

/// A baked tree that does not parse: the image is damaged, and the program
/// cannot have the directory it was promised.
fn corrupt(name: &[u8]) -> ! {
    use crate::text::Sink as _;
    let mut w = crate::console::Stderr;
    w.str("error: --dir ");
    w.name(name);
    w.str(": the file tree baked into the image is corrupt\n");
    crate::platform::exit(crate::EXIT_FATAL)
}

fn tree(open: &Open) -> Result<Tree<'static>, i32> {
    let (blob, _) = preopen(open.tree as usize).ok_or(BADF)?;
    Tree::parse(blob).map_err(io)
}

fn io(_: Corrupt) -> i32 {
    IO
}

fn slot(fd: i32) -> Result<usize, i32> {
    let i = fd.checked_sub(FIRST).ok_or(BADF)?;
    usize::try_from(i).ok().filter(|&i| i < SLOTS).ok_or(BADF)
}

fn entry(fd: i32) -> Result<Open, i32> {
    let e = table()[slot(fd)?];
    if e.kind == FREE { Err(BADF) } else { Ok(e) }
}

fn dir_entry(fd: i32) -> Result<Open, i32> {
    let e = entry(fd)?;
    if e.kind == DIR { Ok(e) } else { Err(NOTDIR) }
}

fn file_node(e: &Open) -> Result<(Tree<'static>, Node), i32> {
    let t = tree(e)?;
    let node = t.node(e.node).map_err(io)?;
    Ok((t, node))
}

fn allocate(e: Open) -> Result<i32, i32> {
    let t = table();
    let i = t.iter().position(|o| o.kind == FREE).ok_or(MFILE)?;
    t[i] = e;
    Ok(FIRST + i as i32)
}

fn status(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => SUCCESS,
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- paths

/// Where a path leads inside a tree.
enum Walk {
    Found(Node),
    /// Everything but the last component exists, and that is missing:
    /// the name a create would make.
    Missing,
}

/// Walks `path` from directory `start`, never above it: an absolute path
/// or a `..` past `start` is `ENOTCAPABLE`.
fn walk(tree: &Tree, start: Node, path: &[u8]) -> Result<Walk, i32> {
    if path.is_empty() {
        return Err(NOENT);
    }
    if path[0] == b'/' {
        return Err(NOTCAPABLE);
    }
    if path.contains(&0) {
        return Err(INVAL);
    }
    let mut node = start;
    let mut depth = 0usize;
    let mut parts = path
        .split(|&c| c == b'/')
        .filter(|p| !p.is_empty())
        .peekable();
    while let Some(name) = parts.next() {
        if !node.is_dir() {
            return Err(NOTDIR);
        }
        match name {
            b"." => {}
            b".." => {
                depth = depth.checked_sub(1).ok_or(NOTCAPABLE)?;
                node = tree.node(node.parent).map_err(io)?;
            }
            _ if name.len() > NAME_MAX => return Err(NAMETOOLONG),
            _ => match tree.lookup(&node, name).map_err(io)? {
                Some(child) => {
                    node = child;
                    depth += 1;
                }
                None if parts.peek().is_none() => return Ok(Walk::Missing),
                None => return Err(NOENT),
            },
        }
    }
    if path.ends_with(b"/") && !node.is_dir() {
        return Err(NOTDIR);
    }
    Ok(Walk::Found(node))
}

/// Walks the guest's path at `ptr` from directory fd `fd`.
fn at(vmctx: *mut u8, fd: i32, ptr: u32, len: u32) -> Result<(Open, Tree<'static>, Walk), i32> {
    let dir = dir_entry(fd)?;
    let path = guest(vmctx, ptr, len).ok_or(FAULT)?;
    let (tree, start) = file_node(&dir)?;
    let walked = walk(&tree, start, path)?;
    Ok((dir, tree, walked))
}

/// The node the path names, `ENOENT` if it does not exist.
fn existing(vmctx: *mut u8, fd: i32, ptr: u32, len: u32) -> Result<(Open, Node), i32> {
    match at(vmctx, fd, ptr, len)? {
        (dir, _, Walk::Found(node)) => Ok((dir, node)),
        (_, _, Walk::Missing) => Err(NOENT),
    }
}

/// A call that would create the path: `EEXIST` if it exists, else `EROFS`.
fn create(vmctx: *mut u8, fd: i32, ptr: u32, len: u32) -> i32 {
    match at(vmctx, fd, ptr, len) {
        Ok((_, _, Walk::Found(_))) => EXIST,
        Ok((_, _, Walk::Missing)) => ROFS,
        Err(e) => e,
    }
}

// ---------------------------------------------- functions the console shares

// The console's operations on fds above 2 (the hooks of `none.rs`).

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_read(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    len: u32,
    out: u32,
) -> i32 {
    status(transfer(vmctx, fd, iovs, len, out, None))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_write(fd: i32) -> i32 {
    status(refuse_write(fd))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_close(fd: i32) -> i32 {
    status(entry(fd).and_then(|_| {
        table()[slot(fd)?] = CLOSED;
        Ok(())
    }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_seek(
    vmctx: *mut u8,
    fd: i32,
    offset: i64,
    whence: i32,
    out: u32,
) -> i32 {
    seek(vmctx, fd, offset, whence, out)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    fdstat_get(vmctx, fd, out)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    prestat_get(vmctx, fd, out)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    filestat_get(vmctx, fd, out)
}

/// Copies from the file into the iovecs, at its position (moved on) or at
/// `offset`.
fn transfer(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    done_ptr: u32,
    offset: Option<u64>,
) -> Result<(), i32> {
    let e = entry(fd)?;
    if e.kind == DIR {
        return Err(ISDIR);
    }
    if e.base & rights::FD_READ == 0 {
        return Err(NOTCAPABLE);
    }
    if !iovecs_valid(vmctx, iovs, iovs_len) || !in_memory(vmctx, done_ptr, 4) {
        return Err(FAULT);
    }
    let (tree, node) = file_node(&e)?;
    let contents = tree.contents(&node);
    let start = offset.unwrap_or(e.pos);
    let mut at = start;
    for i in 0..iovs_len {
        let buf = iovec(vmctx, iovs, i).ok_or(FAULT)?;
        let rest = contents
            .get(at.min(contents.len() as u64) as usize..)
            .unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        at += n as u64;
        if n < buf.len() {
            break;
        }
    }
    if offset.is_none() {
        table()[slot(fd)?].pos = at;
    }
    put_u32(vmctx, done_ptr, (at - start) as u32);
    Ok(())
}

/// `fd_write`/`fd_pwrite`: nothing in a baked tree can change.
fn refuse_write(fd: i32) -> Result<(), i32> {
    match entry(fd)?.kind {
        DIR => Err(ISDIR),
        _ => Err(ROFS),
    }
}

fn seek(vmctx: *mut u8, fd: i32, offset: i64, whence: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        if e.kind == DIR {
            return Err(BADF);
        }
        if !in_memory(vmctx, out, 8) {
            return Err(FAULT);
        }
        let (_, node) = file_node(&e)?;
        let base = match whence {
            0 => 0,
            1 => e.pos as i64,
            2 => node.len as i64,
            _ => return Err(INVAL),
        };
        let pos = base.checked_add(offset).filter(|&p| p >= 0).ok_or(INVAL)?;
        table()[slot(fd)?].pos = pos as u64;
        put_u64(vmctx, out, pos as u64);
        Ok(())
    })())
}

fn fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        let b = guest(vmctx, out, 24).ok_or(FAULT)?;
        b.fill(0);
        b[0] = filetype(e.kind);
        b[8..16].copy_from_slice(&(e.base as u64).to_le_bytes());
        b[16..24].copy_from_slice(&(e.inheriting as u64).to_le_bytes());
        Ok(())
    })())
}

fn prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let name = preopen_name(fd)?;
        let b = guest(vmctx, out, 8).ok_or(FAULT)?;
        b.fill(0); // tag 0: a directory
        b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
        Ok(())
    })())
}

fn preopen_name(fd: i32) -> Result<&'static [u8], i32> {
    let e = entry(fd)?;
    let index = (e.preopen as usize).checked_sub(1).ok_or(BADF)?;
    preopen(index).map(|(_, name)| name).ok_or(BADF)
}

fn filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        let (_, node) = file_node(&e)?;
        put_filestat(vmctx, out, e.tree, &node)
    })())
}

fn filetype(kind: u8) -> u8 {
    if kind == DIR {
        wafer_abi::file_tree::DIRECTORY as u8
    } else {
        wafer_abi::file_tree::REGULAR_FILE as u8
    }
}

/// A preview1 `filestat`: device = 1 + the preopen's index, inode = 1 +
/// the node's index, one link, a file's size (0 for a directory), times 0
/// (a baked tree keeps none).
fn put_filestat(vmctx: *mut u8, out: u32, tree: u8, node: &Node) -> Result<(), i32> {
    let b = guest(vmctx, out, 64).ok_or(FAULT)?;
    b.fill(0);
    b[0..8].copy_from_slice(&(tree as u64 + 1).to_le_bytes());
    b[8..16].copy_from_slice(&(node.index as u64 + 1).to_le_bytes());
    b[16] = node.kind as u8;
    b[24..32].copy_from_slice(&1u64.to_le_bytes());
    let size = if node.is_dir() { 0 } else { node.len as u64 };
    b[32..40].copy_from_slice(&size.to_le_bytes());
    Ok(())
}

// ------------------------------------------------------- the functions

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
    const DIRECTORY: i32 = 2;
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
        let node = match at(vmctx, fd, path, path_len)?.2 {
            Walk::Found(node) => node,
            Walk::Missing if oflags & CREAT != 0 => return Err(ROFS),
            Walk::Missing => return Err(NOENT),
        };
        if oflags & (CREAT | EXCL) == CREAT | EXCL {
            return Err(EXIST);
        }
        if oflags & DIRECTORY != 0 && !node.is_dir() {
            return Err(NOTDIR);
        }
        let writes = base as u64 & rights::WRITING as u64 != 0
            || fdflags & APPEND != 0
            || oflags & TRUNC != 0;
        if writes {
            return Err(if node.is_dir() { ISDIR } else { ROFS });
        }
        let (kind, allowed) = if node.is_dir() {
            (DIR, rights::DIR)
        } else {
            (FILE, rights::FILE)
        };
        let new = allocate(Open {
            kind,
            preopen: 0,
            tree: parent.tree,
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
    _vmctx: *mut u8,
    fd: i32,
    _iovs: u32,
    _iovs_len: u32,
    _offset: i64,
    _nwritten: u32,
) -> i32 {
    status(refuse_write(fd))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_tell(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    seek(vmctx, fd, 0, 1, out)
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

/// `fd_allocate`, `fd_filestat_set_size`, `fd_filestat_set_times`: `EROFS`
/// on any open fd.
fn change_fd(fd: i32) -> i32 {
    status(entry(fd).and(Err(ROFS)))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_allocate(_vmctx: *mut u8, fd: i32, _o: i64, _l: i64) -> i32 {
    change_fd(fd)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_filestat_set_size(_vmctx: *mut u8, fd: i32, _size: i64) -> i32 {
    change_fd(fd)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_filestat_set_times(
    _vmctx: *mut u8,
    fd: i32,
    _atim: i64,
    _mtim: i64,
    _fst: i32,
) -> i32 {
    change_fd(fd)
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
        let (dir, node) = existing(vmctx, fd, path, path_len)?;
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
    status(existing(vmctx, fd, path, path_len).and(Err(ROFS)))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_create_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    create(vmctx, fd, path, path_len)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_remove_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status(
        existing(vmctx, fd, path, path_len)
            .and_then(|(_, node)| Err(if node.is_dir() { ROFS } else { NOTDIR })),
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_unlink_file(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status(
        existing(vmctx, fd, path, path_len)
            .and_then(|(_, node)| Err(if node.is_dir() { ISDIR } else { ROFS })),
    )
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
        existing(vmctx, fd, old, old_len)?;
        at(vmctx, new_fd, new, new_len)?;
        Err(ROFS)
    })())
}

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
    match existing(vmctx, fd, old, old_len) {
        Ok(_) => create(vmctx, new_fd, new, new_len),
        Err(e) => e,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_path_symlink(
    vmctx: *mut u8,
    target: u32,
    target_len: u32,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    if guest(vmctx, target, target_len).is_none() {
        return FAULT;
    }
    create(vmctx, fd, path, path_len)
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
    status((|| {
        let name = preopen_name(fd)?;
        if (path_len as usize) < name.len() {
            return Err(NAMETOOLONG);
        }
        let dst = guest(vmctx, path, name.len() as u32).ok_or(FAULT)?;
        dst.copy_from_slice(name);
        Ok(())
    })())
}

/// Moves fd `from` onto `to` (both open, above 2).
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fd_renumber(_vmctx: *mut u8, from: i32, to: i32) -> i32 {
    status((|| {
        let moved = entry(from)?;
        entry(to)?;
        if from != to {
            table()[slot(to)?] = moved;
            table()[slot(from)?] = CLOSED;
        }
        Ok(())
    })())
}

/// Fills `buf` with preview1 dirents from entry number `cookie` on: `.`,
/// `..`, then the children in name order; each entry's `d_next` is the
/// number of the one after it. A full `buf` (the last entry possibly cut)
/// means "call again".
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
        let out = guest(vmctx, buf, buf_len).ok_or(FAULT)?;
        if !in_memory(vmctx, bufused, 4) {
            return Err(FAULT);
        }
        let (tree, dir) = file_node(&e)?;
        let total = dir.len as u64 + 2;
        let mut used = 0usize;
        let mut index = cookie as u64;
        while index < total && used < out.len() {
            let (name, node): (&[u8], Node) = match index {
                0 => (b".", dir),
                1 => (b"..", tree.node(dir.parent).map_err(io)?),
                i => {
                    let child = tree.child(&dir, (i - 2) as u32).map_err(io)?;
                    (tree.name(&child), child)
                }
            };
            index += 1;
            let mut header = [0u8; 24];
            header[0..8].copy_from_slice(&index.to_le_bytes());
            header[8..16].copy_from_slice(&(node.index as u64 + 1).to_le_bytes());
            header[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
            header[20] = node.kind as u8;
            for part in [&header[..], name] {
                let take = part.len().min(out.len() - used);
                out[used..used + take].copy_from_slice(&part[..take]);
                used += take;
            }
        }
        put_u32(vmctx, bufused, used as u32);
        Ok(())
    })())
}
