//! WASI files on bare-metal boards: the trees `wafer build --dir HOST::GUEST`
//! (read-only) and `--dir-rw HOST::GUEST` bake into flash (format:
//! `wafer_abi::file_tree`), served from where they lie: reads copy straight
//! from flash into the guest.
//!
//! Only images built with `--dir`/`--dir-rw` link this file: `wafer build`
//! points the console's hooks (`wafer_fs_<op>` → `wafer_baked_fs_<op>`)
//! and each file function the module imports (`wafer_wasi_<name>` →
//! `wafer_baked_<name>`) here with `--defsym`; every other image keeps
//! `none.rs` and its static RAM stays what it was.
//!
//! Preopens are fds 3, 4, … in order; opened files and directories take
//! the lowest free slot of a table of [`SLOTS`] fds. Paths are walked
//! component by component inside the fd they start from: an absolute path
//! or a `..` above it is `ENOTCAPABLE`, as on Linux. The trees hold no
//! symlinks (`wafer build` resolves them). In a read-only tree every change
//! is `EROFS` once the path is known to stay inside; a `--dir-rw` tree is
//! served from a RAM overlay (`overlay.rs`) that takes changes until its
//! budget is spent (`ENOSPC`). See docs/files.md.

use wafer_abi::file_tree::{Corrupt, DIRECTORY, MAX_PREOPENS, NAME_MAX, Node, REGULAR_FILE, Tree};

use super::errno::*;
use super::front::{check_transfer, guest_path, put_fdstat, put_prestat, status, through_iovecs};
use super::overlay::{Info, Ram, UNLINKED};
use crate::host::wasi::{guest, in_memory, put_u32, put_u64};

/// Errnos only this backend uses.
const EXIST: i32 = 20;
const NOTEMPTY: i32 = 55;
const NOTSUP: i32 = 58;
const ROFS: i32 = 69;
const XDEV: i32 = 75;

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
    pub const FD_FILESTAT_SET_TIMES: u32 = 1 << 23;
    pub const POLL_FD_READWRITE: u32 = 1 << 27;
    /// What a read-only file allows.
    pub const FILE: u32 =
        FD_READ | FD_SEEK | FD_SYNC | FD_TELL | FD_ADVISE | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// What a read-only directory allows.
    pub const DIR: u32 =
        PATH_OPEN | FD_READDIR | PATH_READLINK | PATH_FILESTAT_GET | FD_FILESTAT_GET | FD_SYNC;
    /// What a file of a `--dir-rw` tree allows beyond [`FILE`].
    pub const WRITING: u32 = FD_WRITE | FD_DATASYNC | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
    /// What a file of a `--dir-rw` tree allows.
    pub const FILE_RW: u32 = FILE | WRITING | FD_FILESTAT_SET_TIMES;
    /// What a directory of a `--dir-rw` tree allows: every right preview1
    /// defines (each call checks what it does itself).
    pub const ALL: u32 = (1 << 30) - 1;
}

/// One open fd: a node of preopen `tree`'s file tree.
#[derive(Clone, Copy)]
struct Open {
    kind: u8,
    /// 1 + the preopen's index when this fd is the preopen itself.
    preopen: u8,
    /// The preopen whose tree holds `node`.
    tree: u8,
    /// Opened with fdflag `append`: writes go to the end.
    append: bool,
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
    append: false,
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
/// The RAM overlay of each `--dir-rw` preopen (null: read-only).
static mut OVERLAYS: [*mut Ram; MAX_PREOPENS] = [core::ptr::null_mut(); MAX_PREOPENS];

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
            let Ok(tree) = Tree::parse(blob) else {
                fatal(name, ": the file tree baked into the image is corrupt\n")
            };
            if i >= MAX_PREOPENS {
                fatal(name, ": more baked directories than the runtime's table\n")
            }
            let writable = tree.overlay_bytes() > 0;
            if writable {
                match Ram::new(&tree) {
                    // SAFETY: as above.
                    Some(ram) => unsafe { (*core::ptr::addr_of_mut!(OVERLAYS))[i] = ram },
                    None => fatal(name, ": no RAM for its --dir-rw overlay\n"),
                }
            }
            let (base, inheriting) = if writable {
                (rights::ALL, rights::ALL)
            } else {
                (rights::DIR, rights::DIR | rights::FILE)
            };
            t[i] = Open {
                kind: DIR,
                preopen: i as u8 + 1,
                tree: i as u8,
                append: false,
                node: 0,
                pos: 0,
                base,
                inheriting,
            };
            i += 1;
        }
    }
    t
}

/// A baked tree the program cannot have (damaged, or no RAM for its
/// overlay): it was promised the directory, so it does not run.
fn fatal(name: &[u8], why: &str) -> ! {
    use crate::text::Sink as _;
    let mut w = crate::console::Stderr;
    w.str("error: --dir ");
    w.name(name);
    w.str(why);
    crate::platform::exit(crate::EXIT_FATAL)
}

fn io(_: Corrupt) -> i32 {
    IO
}

// ---------------------------------------------------------------- stores

/// Where an fd's nodes live: a tree in flash, or its RAM overlay.
enum Store {
    Flash(Tree<'static>),
    Ram(&'static mut Ram),
}

fn store(tree: u8) -> Result<Store, i32> {
    // SAFETY: single-threaded; set once, at the first call.
    let ram = unsafe { (*core::ptr::addr_of!(OVERLAYS)).get(tree as usize).copied() };
    if let Some(ram) = ram.filter(|r| !r.is_null()) {
        // SAFETY: the overlay lives for the whole run; no reference to it
        // outlives a call.
        return Ok(Store::Ram(unsafe { &mut *ram }));
    }
    let (blob, _) = preopen(tree as usize).ok_or(BADF)?;
    Tree::parse(blob).map(Store::Flash).map_err(io)
}

fn info_of(node: Node) -> Info {
    Info {
        index: node.index,
        kind: node.kind,
        parent: node.parent,
        len: if node.is_dir() { 0 } else { node.len },
    }
}

impl Store {
    fn info(&self, i: u32) -> Result<Info, i32> {
        match self {
            Store::Flash(t) => t.node(i).map(info_of).map_err(io),
            Store::Ram(r) => r.info(i),
        }
    }

    fn name(&self, i: u32) -> &[u8] {
        match self {
            Store::Flash(t) => t.node(i).map(|n| t.name(&n)).unwrap_or(&[]),
            Store::Ram(r) => r.name(i),
        }
    }

    fn contents(&self, i: u32) -> &[u8] {
        match self {
            Store::Flash(t) => t.node(i).map(|n| t.contents(&n)).unwrap_or(&[]),
            Store::Ram(r) => r.contents(i),
        }
    }

    fn lookup(&self, dir: &Info, name: &[u8]) -> Result<Option<Info>, i32> {
        match self {
            Store::Flash(t) => {
                let node = t.node(dir.index).map_err(io)?;
                Ok(t.lookup(&node, name).map_err(io)?.map(info_of))
            }
            Store::Ram(r) => r.lookup(dir.index, name).map(|i| r.info(i)).transpose(),
        }
    }

    /// Child number `k` of `dir`, `None` past the last.
    fn child(&self, dir: &Info, k: u32) -> Result<Option<Info>, i32> {
        match self {
            Store::Flash(t) => {
                let node = t.node(dir.index).map_err(io)?;
                if k >= node.len {
                    return Ok(None);
                }
                t.child(&node, k).map(|n| Some(info_of(n))).map_err(io)
            }
            Store::Ram(r) => r.child(dir.index, k).map(|i| r.info(i)).transpose(),
        }
    }

    /// The overlay, or `EROFS` for a tree in flash.
    fn ram(&mut self) -> Result<&mut Ram, i32> {
        match self {
            Store::Flash(_) => Err(ROFS),
            Store::Ram(r) => Ok(r),
        }
    }
}

// ------------------------------------------------------------- the table

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

fn file_node(e: &Open) -> Result<(Store, Info), i32> {
    let store = store(e.tree)?;
    let node = store.info(e.node)?;
    Ok((store, node))
}

/// Whether an open fd has node `node` of tree `tree`.
fn is_open(tree: u8, node: u32) -> bool {
    table()
        .iter()
        .any(|o| o.kind != FREE && o.tree == tree && o.node == node)
}

fn allocate(e: Open) -> Result<i32, i32> {
    let t = table();
    let i = t.iter().position(|o| o.kind == FREE).ok_or(MFILE)?;
    t[i] = e;
    Ok(FIRST + i as i32)
}

/// Takes node `node` out of its directory: freed now, or when the last fd
/// that has it open is closed.
fn unlink(ram: &mut Ram, tree: u8, node: u32) {
    if is_open(tree, node) {
        ram.set_parent(node, UNLINKED);
    } else {
        ram.remove(node);
    }
}

// ---------------------------------------------------------------- paths

/// Where a path leads inside a tree.
enum Walk {
    Found(Info),
    /// Everything but the last component exists, and that is missing:
    /// the directory and name a create would make.
    Missing(Info, &'static [u8]),
}

/// Walks `path` from directory `start`, never above it: an absolute path
/// or a `..` past `start` is `ENOTCAPABLE`.
fn walk(store: &Store, start: Info, path: &'static [u8]) -> Result<Walk, i32> {
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
                if node.parent == UNLINKED {
                    return Err(NOENT);
                }
                node = store.info(node.parent)?;
            }
            _ if name.len() > NAME_MAX => return Err(NAMETOOLONG),
            _ => match store.lookup(&node, name)? {
                Some(child) => {
                    node = child;
                    depth += 1;
                }
                None if parts.peek().is_none() => return Ok(Walk::Missing(node, name)),
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
fn at(vmctx: *mut u8, fd: i32, ptr: u32, len: u32) -> Result<(Open, Store, Walk), i32> {
    let dir = dir_entry(fd)?;
    let path = guest_path(vmctx, ptr, len)?;
    let (store, start) = file_node(&dir)?;
    let walked = walk(&store, start, path)?;
    Ok((dir, store, walked))
}

/// The node the path names, `ENOENT` if it does not exist.
fn existing(vmctx: *mut u8, fd: i32, ptr: u32, len: u32) -> Result<(Open, Store, Info), i32> {
    match at(vmctx, fd, ptr, len)? {
        (dir, store, Walk::Found(node)) => Ok((dir, store, node)),
        (_, _, Walk::Missing(..)) => Err(NOENT),
    }
}

/// Where a call that creates the path would create it: `EEXIST` if it
/// exists, `EROFS` in a read-only tree.
fn to_create(
    vmctx: *mut u8,
    fd: i32,
    ptr: u32,
    len: u32,
) -> Result<(Open, Store, Info, &'static [u8]), i32> {
    match at(vmctx, fd, ptr, len)? {
        (_, _, Walk::Found(_)) => Err(EXIST),
        (_, Store::Flash(_), Walk::Missing(..)) => Err(ROFS),
        // A removed directory (still open) takes no new names, as on Linux.
        (_, _, Walk::Missing(parent, _)) if parent.parent == UNLINKED => Err(NOENT),
        (dir, store, Walk::Missing(parent, name)) => Ok((dir, store, parent, name)),
    }
}

// ---------------------------------------------- functions the console shares

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

/// `EROFS` in a read-only tree, `EISDIR` on a directory; a file of a
/// `--dir-rw` tree takes the bytes.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_write(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    len: u32,
    out: u32,
) -> i32 {
    status(store_write(vmctx, fd, iovs, len, out, None))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_close(fd: i32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        table()[slot(fd)?] = CLOSED;
        release(&e);
        Ok(())
    })())
}

/// After `e` left the table: frees its node if it was unlinked and no fd
/// has it open any more.
fn release(e: &Open) {
    if let Ok(Store::Ram(ram)) = store(e.tree)
        && ram.info(e.node).is_ok_and(|n| n.parent == UNLINKED)
        && !is_open(e.tree, e.node)
    {
        ram.remove(e.node);
    }
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
    status((|| {
        let e = entry(fd)?;
        let filetype = if e.kind == DIR {
            DIRECTORY as u8
        } else {
            REGULAR_FILE as u8
        };
        put_fdstat(
            vmctx,
            out,
            filetype,
            e.append as u16,
            e.base as u64,
            e.inheriting as u64,
        )
    })())
}

/// `fd_fdstat_set_flags`: `append` is the one flag a baked file keeps,
/// and only a `--dir-rw` file may change it (writes then go to the end);
/// any change on a read-only file or a directory, and every other flag,
/// is `ENOTSUP`. Setting the flags it has already succeeds.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_fdstat_set_flags(fd: i32, flags: i32) -> i32 {
    const APPEND: i32 = 1;
    status((|| {
        let e = entry(fd)?;
        if flags & !APPEND != 0 {
            return Err(NOTSUP);
        }
        let append = flags & APPEND != 0;
        if append == e.append {
            return Ok(());
        }
        if e.kind == DIR || matches!(store(e.tree)?, Store::Flash(_)) {
            return Err(NOTSUP);
        }
        table()[slot(fd)?].append = append;
        Ok(())
    })())
}

/// `poll_oneoff` on a baked fd: a file is always ready, for reading with
/// the bytes from its position to its end (0 for writing: a read-only
/// file's write answers `EROFS` itself); a directory is `EBADF`.
///
/// # Safety
/// `nbytes` must be writable (the caller, `none.rs`, passes its own).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_baked_fs_poll_ready(fd: i32, reading: i32, nbytes: *mut u64) -> i32 {
    status((|| {
        let e = entry(fd)?;
        if e.kind == DIR {
            return Err(BADF);
        }
        let (_, node) = file_node(&e)?;
        let left = if reading != 0 {
            (node.len as u64).saturating_sub(e.pos)
        } else {
            0
        };
        // SAFETY: guaranteed by the caller.
        unsafe { nbytes.write(left) };
        Ok(())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| put_prestat(vmctx, out, preopen_name(fd)?))())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_baked_fs_filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        let (_, node) = file_node(&e)?;
        put_filestat(vmctx, out, e.tree, &node)
    })())
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
    check_transfer(vmctx, iovs, iovs_len, done_ptr)?;
    let (store, node) = file_node(&e)?;
    let contents = store.contents(node.index);
    let start = offset.unwrap_or(e.pos);
    let read = through_iovecs(vmctx, iovs, iovs_len, |buf, moved| {
        let from = (start + moved).min(contents.len() as u64) as usize;
        let rest = contents.get(from..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    })?;
    let at = start + read;
    if offset.is_none() {
        table()[slot(fd)?].pos = at;
    }
    put_u32(vmctx, done_ptr, (at - start) as u32);
    Ok(())
}

/// Writes the iovecs into a file of a `--dir-rw` tree, at its position
/// (moved on), at `offset`, or at its end (append).
fn store_write(
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
    let (mut store, node) = file_node(&e)?;
    let ram = store.ram()?;
    if e.base & rights::FD_WRITE == 0 {
        return Err(NOTCAPABLE);
    }
    check_transfer(vmctx, iovs, iovs_len, done_ptr)?;
    let start = match offset {
        _ if e.append => node.len as u64,
        Some(o) => o,
        None => e.pos,
    };
    // Once the overlay fills up, what was written before is reported.
    let written = through_iovecs(vmctx, iovs, iovs_len, |buf, moved| {
        ram.write(node.index, start + moved, buf)
            .map(|()| buf.len())
    })?;
    let at = start + written;
    if offset.is_none() || e.append {
        table()[slot(fd)?].pos = at;
    }
    put_u32(vmctx, done_ptr, (at - start) as u32);
    Ok(())
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

fn preopen_name(fd: i32) -> Result<&'static [u8], i32> {
    let e = entry(fd)?;
    let index = (e.preopen as usize).checked_sub(1).ok_or(BADF)?;
    preopen(index).map(|(_, name)| name).ok_or(BADF)
}

/// A preview1 `filestat`: device = 1 + the preopen's index, inode = 1 +
/// the node's index, one link, a file's size (0 for a directory), times 0
/// (a baked tree keeps none).
fn put_filestat(vmctx: *mut u8, out: u32, tree: u8, node: &Info) -> Result<(), i32> {
    let b = guest(vmctx, out, 64).ok_or(FAULT)?;
    b.fill(0);
    b[0..8].copy_from_slice(&(tree as u64 + 1).to_le_bytes());
    b[8..16].copy_from_slice(&(node.index as u64 + 1).to_le_bytes());
    b[16] = node.kind as u8;
    b[24..32].copy_from_slice(&1u64.to_le_bytes());
    b[32..40].copy_from_slice(&(node.len as u64).to_le_bytes());
    Ok(())
}

// The file functions.
#[path = "baked_calls.rs"]
mod calls;
