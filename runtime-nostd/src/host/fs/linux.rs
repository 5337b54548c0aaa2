//! WASI files on Linux: a fixed table of open fds (3..[`MAX_FDS`]), each
//! a host fd, and paths resolved inside their preopen component by
//! component (see [`resolve`]), never by handing the guest's string to the
//! kernel.

use super::errno::*;
use super::from_linux;
use super::front::{
    check_transfer, guest_path, put_dirent, put_fdstat, put_prestat, put_prestat_dir_name,
    readdir_buffer, status, through_iovecs,
};
use crate::host::wasi::{guest, in_memory, put_u32, put_u64};
use crate::platform::fs as sys;

/// WASI fds 0-2 are the console; 3.. are preopens (`wafer` allows at
/// most 32), then opened files.
pub const MAX_FDS: usize = 64;
const FIRST: usize = 3;

const FREE: u8 = 0;
const FILE: u8 = 1;
const DIR: u8 = 2;

/// Preview1 rights bits used here.
mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    /// Every right preview1 defines (bits 0-29).
    pub const ALL: u64 = (1 << 30) - 1;
}

#[derive(Clone, Copy)]
struct Entry {
    host: i32,
    kind: u8,
    /// WASI fdflags the fd was opened with (only `append` is kept).
    flags: u16,
    /// 1 + index in the manifest's preopens; 0 for an opened path.
    preopen: u8,
    base: u64,
    inheriting: u64,
}

/// All zero, so the table is `.bss` and costs the image no bytes.
const CLOSED: Entry = Entry {
    host: 0,
    kind: FREE,
    flags: 0,
    preopen: 0,
    base: 0,
    inheriting: 0,
};

static mut TABLE: [Entry; MAX_FDS] = [CLOSED; MAX_FDS];

fn table() -> &'static mut [Entry; MAX_FDS] {
    // SAFETY: the runtime runs one thread; no reference outlives a call.
    unsafe { &mut *core::ptr::addr_of_mut!(TABLE) }
}

/// The open entry of WASI fd `fd` (3 and above).
fn entry(fd: i32) -> Result<Entry, i32> {
    let i = usize::try_from(fd).map_err(|_| BADF)?;
    match table().get(i) {
        Some(e) if i >= FIRST && e.kind != FREE => Ok(*e),
        _ => Err(BADF),
    }
}

fn dir_entry(fd: i32) -> Result<Entry, i32> {
    let e = entry(fd)?;
    if e.kind == DIR { Ok(e) } else { Err(NOTDIR) }
}

/// Puts `e` in the lowest free slot; its WASI fd.
fn allocate(e: Entry) -> Result<i32, i32> {
    let t = table();
    let i = (FIRST..MAX_FDS).find(|&i| t[i].kind == FREE).ok_or(MFILE)?;
    t[i] = e;
    Ok(i as i32)
}

/// The preopen pairs (host path, guest name) baked into the image.
fn preopens() -> impl Iterator<Item = (&'static [u8], &'static [u8])> {
    // SAFETY: manifest strings are static.
    let items = unsafe { crate::instance::manifest().preopens.items() };
    items.chunks_exact(2).map(|pair| {
        // SAFETY: as above.
        unsafe { (pair[0].bytes(), pair[1].bytes()) }
    })
}

/// Opens every preopened directory of the manifest as fds 3, 4, …; on a
/// failure prints one `error:` line and exits (the program cannot run
/// with a directory it was promised missing).
pub fn open_preopens() {
    for (i, (host, _)) in preopens().enumerate() {
        let opened = sys::openat(
            -100, // AT_FDCWD: a relative --dir is relative to where we run
            host,
            sys::o::RDONLY | sys::o::DIRECTORY | sys::o::CLOEXEC,
            0,
        );
        let result = opened.map_err(from_linux).and_then(|fd| {
            allocate(Entry {
                host: fd,
                kind: DIR,
                flags: 0,
                preopen: i as u8 + 1,
                base: rights::ALL,
                inheriting: rights::ALL,
            })
        });
        if let Err(e) = result {
            use crate::text::Sink as _;
            let mut w = crate::console::Stderr;
            w.str("error: --dir ");
            w.name(host);
            w.str(": cannot open the directory (WASI errno ");
            w.dec(e as u64);
            w.str(")\n");
            crate::platform::exit(crate::EXIT_FATAL);
        }
    }
}

fn linux<T>(r: Result<T, i32>) -> Result<T, i32> {
    r.map_err(from_linux)
}

// ---------------------------------------------------------------- paths

/// The deepest nesting of directories one path may walk through.
const MAX_DEPTH: usize = 64;
/// Symlinks one resolution may follow before `ELOOP` (Linux's limit).
const MAX_SYMLINKS: usize = 40;
const NAME_MAX: usize = 255;

/// Where a path leads: a directory (a host fd, owned unless it is the
/// preopen's) and the last component's name in it.
struct Resolved {
    fds: [i32; MAX_DEPTH],
    depth: usize,
    name: [u8; NAME_MAX],
    name_len: usize,
}

impl Resolved {
    fn dir(&self) -> i32 {
        self.fds[self.depth - 1]
    }
    fn name(&self) -> &[u8] {
        &self.name[..self.name_len]
    }
    fn set_name(&mut self, name: &[u8]) {
        self.name[..name.len()].copy_from_slice(name);
        self.name_len = name.len();
    }
}

impl Drop for Resolved {
    fn drop(&mut self) {
        for &fd in &self.fds[1..self.depth] {
            let _ = sys::close(fd);
        }
    }
}

/// Resolves `path` inside directory `base` (a host fd) without leaving it.
///
/// Components are walked one at a time: each intermediate directory is
/// opened with `O_NOFOLLOW`, each symlink met is read and its target
/// walked in its place (the last component's only if `follow_last`), and
/// `..` pops the walk's own stack of opened directories. So an absolute
/// path, a `..` above `base`, or a symlink whose target does either (at
/// any depth) is refused with `ENOTCAPABLE`; a symlink cycle ends in
/// `ELOOP`.
fn resolve(base: i32, path: &[u8], follow_last: bool) -> Result<Resolved, i32> {
    if path.is_empty() {
        return Err(NOENT);
    }
    if path[0] == b'/' {
        return Err(NOTCAPABLE);
    }
    if path.contains(&0) {
        return Err(INVAL);
    }
    // The unwalked rest of the path sits at the end of `buf`, so a
    // symlink's target can be put in front of it.
    let mut buf = [0u8; sys::PATH_MAX];
    let n = buf.len();
    if path.len() > n {
        return Err(NAMETOOLONG);
    }
    let mut start = n - path.len();
    buf[start..].copy_from_slice(path);
    let mut out = Resolved {
        fds: [-1; MAX_DEPTH],
        depth: 1,
        name: [0; NAME_MAX],
        name_len: 0,
    };
    out.fds[0] = base;
    let mut links = 0;
    loop {
        while start < n && buf[start] == b'/' {
            start += 1;
        }
        if start == n {
            out.set_name(b".");
            return Ok(out);
        }
        let end = buf[start..]
            .iter()
            .position(|&c| c == b'/')
            .map_or(n, |p| start + p);
        let mut name = [0u8; NAME_MAX];
        let len = end - start;
        if len > NAME_MAX {
            return Err(NAMETOOLONG);
        }
        name[..len].copy_from_slice(&buf[start..end]);
        let name = &name[..len];
        let trailing_slash = end < n;
        start = end;
        let last = buf[start..].iter().all(|&c| c == b'/');
        if name == b"." {
            if last {
                out.set_name(b".");
                return Ok(out);
            }
            continue;
        }
        if name == b".." {
            if out.depth == 1 {
                return Err(NOTCAPABLE);
            }
            out.depth -= 1;
            let _ = sys::close(out.fds[out.depth]);
            if last {
                out.set_name(b".");
                return Ok(out);
            }
            continue;
        }
        if last && !follow_last && !trailing_slash {
            out.set_name(name);
            return Ok(out);
        }
        let stat = match sys::statx(out.dir(), name, sys::AT_SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            // A path to create: the caller's call says what is missing.
            Err(2) if last => {
                out.set_name(name);
                return Ok(out);
            }
            Err(e) => return Err(from_linux(e)),
        };
        match stat.mode & sys::S_IFMT {
            sys::S_IFLNK => {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(LOOP);
                }
                let mut target = [0u8; sys::PATH_MAX];
                let t = linux(sys::readlinkat(out.dir(), name, &mut target))?;
                if t == 0 {
                    return Err(NOENT);
                }
                if target[0] == b'/' {
                    return Err(NOTCAPABLE);
                }
                if t + 1 > start {
                    return Err(NAMETOOLONG);
                }
                start -= 1;
                buf[start] = b'/';
                start -= t;
                buf[start..start + t].copy_from_slice(&target[..t]);
            }
            _ if last => {
                out.set_name(name);
                return Ok(out);
            }
            sys::S_IFDIR => {
                if out.depth == MAX_DEPTH {
                    return Err(NAMETOOLONG);
                }
                let fd = linux(sys::openat(
                    out.dir(),
                    name,
                    sys::o::PATH | sys::o::DIRECTORY | sys::o::NOFOLLOW | sys::o::CLOEXEC,
                    0,
                ))?;
                out.fds[out.depth] = fd;
                out.depth += 1;
            }
            _ => return Err(NOTDIR),
        }
    }
}

/// Resolves the guest path at `ptr` inside directory fd `fd`.
fn at(vmctx: *mut u8, fd: i32, ptr: u32, len: u32, follow: bool) -> Result<Resolved, i32> {
    let dir = dir_entry(fd)?;
    let path = guest_path(vmctx, ptr, len)?;
    resolve(dir.host, path, follow)
}

// ---------------------------------------------- functions the console shares

/// `fd_read` for fds above 2.
pub fn read(vmctx: *mut u8, fd: i32, iovs: u32, iovs_len: u32, nread: u32) -> i32 {
    status(transfer(vmctx, fd, iovs, iovs_len, nread, None, false))
}

/// `fd_write` for fds above 2.
pub fn write(vmctx: *mut u8, fd: i32, iovs: u32, iovs_len: u32, nwritten: u32) -> i32 {
    status(transfer(vmctx, fd, iovs, iovs_len, nwritten, None, true))
}

/// Reads or writes the iovecs, at the file position or at `offset`.
fn transfer(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    done_ptr: u32,
    offset: Option<u64>,
    writing: bool,
) -> Result<(), i32> {
    let e = entry(fd)?;
    if e.kind == DIR {
        return Err(ISDIR);
    }
    let right = if writing {
        rights::FD_WRITE
    } else {
        rights::FD_READ
    };
    if e.base & right == 0 {
        return Err(NOTCAPABLE);
    }
    check_transfer(vmctx, iovs, iovs_len, done_ptr)?;
    let total = through_iovecs(vmctx, iovs, iovs_len, |buf, moved| {
        linux(match (writing, offset) {
            (true, None) => sys::write(e.host, buf),
            (true, Some(o)) => sys::pwrite(e.host, buf, o + moved),
            (false, None) => sys::read(e.host, buf),
            (false, Some(o)) => sys::pread(e.host, buf, o + moved),
        })
    })?;
    put_u32(vmctx, done_ptr, total as u32);
    Ok(())
}

/// `fd_close` for fds above 2.
pub fn close(fd: i32) -> i32 {
    let e = match entry(fd) {
        Ok(e) => e,
        Err(e) => return e,
    };
    table()[fd as usize] = CLOSED;
    status(linux(sys::close(e.host)).map(|_| ()))
}

/// `fd_seek` for fds above 2.
pub fn seek(vmctx: *mut u8, fd: i32, offset: i64, whence: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        if e.kind == DIR {
            return Err(BADF);
        }
        // preview1 whence: set 0, cur 1, end 2, as Linux.
        if !(0..=2).contains(&whence) {
            return Err(INVAL);
        }
        if !in_memory(vmctx, out, 8) {
            return Err(FAULT);
        }
        let pos = linux(sys::lseek(e.host, offset, whence as usize))?;
        put_u64(vmctx, out, pos as u64);
        Ok(())
    })())
}

/// `fd_fdstat_get` for fds above 2.
pub fn fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        // The memory is checked before the host is asked.
        guest(vmctx, out, 24).ok_or(FAULT)?;
        let filetype = if e.kind == DIR {
            FILETYPE_DIRECTORY
        } else {
            filetype(linux(sys::statx(e.host, b"", sys::AT_EMPTY_PATH))?.mode)
        };
        put_fdstat(vmctx, out, filetype, e.flags, e.base, e.inheriting)
    })())
}

/// `fd_fdstat_set_flags` for fds above 2: `append` is turned on or off
/// on the host fd (`fcntl`) and kept in the entry for `fd_fdstat_get`.
/// `dsync`, `rsync` and `sync` are `ENOTSUP`: Linux's `F_SETFL` ignores
/// them, so they could not be honoured after the open; `nonblock` is
/// `ENOTSUP` too, as a regular file never blocks and the runtime's reads
/// are blocking ones. A directory takes no flag.
pub fn fdstat_set_flags(fd: i32, flags: i32) -> i32 {
    const APPEND: i32 = 1;
    status((|| {
        let e = entry(fd)?;
        if flags & !APPEND != 0 || (e.kind == DIR && flags != 0) {
            return Err(NOTSUP);
        }
        if e.kind == FILE {
            linux(sys::set_append(e.host, flags & APPEND != 0))?;
        }
        table()[fd as usize].flags = (flags & APPEND) as u16;
        Ok(())
    })())
}

/// `poll_oneoff` on fd `fd` above 2: a file is always ready (POSIX), for
/// reading with the bytes between its position and its end; writing
/// reports 0 bytes (no limit known). A directory is `EBADF`: it is not
/// read nor written through these calls.
pub fn poll_ready(fd: i32, reading: bool) -> Result<u64, i32> {
    let e = entry(fd)?;
    if e.kind == DIR {
        return Err(BADF);
    }
    if !reading {
        return Ok(0);
    }
    let size = linux(sys::statx(e.host, b"", sys::AT_EMPTY_PATH))?.size;
    // SEEK_CUR: where the next read starts.
    let position = linux(sys::lseek(e.host, 0, 1))? as u64;
    Ok(size.saturating_sub(position))
}

/// `fd_prestat_get` for fds above 2: `EBADF` for an fd that is not a
/// preopen (wasi-libc scans fds from 3 until it gets `EBADF`).
pub fn prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| put_prestat(vmctx, out, preopen_name(fd)?))())
}

fn preopen_name(fd: i32) -> Result<&'static [u8], i32> {
    let e = entry(fd)?;
    let index = (e.preopen as usize).checked_sub(1).ok_or(BADF)?;
    preopens().nth(index).map(|(_, guest)| guest).ok_or(BADF)
}

// ------------------------------------------------------------ file types

const FILETYPE_UNKNOWN: u8 = 0;
const FILETYPE_DIRECTORY: u8 = 3;

/// The preview1 filetype of an `st_mode`.
fn filetype(mode: u32) -> u8 {
    match mode & sys::S_IFMT {
        sys::S_IFBLK => 1,
        sys::S_IFCHR => 2,
        sys::S_IFDIR => FILETYPE_DIRECTORY,
        sys::S_IFREG => 4,
        sys::S_IFSOCK => 6,
        sys::S_IFLNK => 7,
        _ => FILETYPE_UNKNOWN,
    }
}

/// The preview1 filetype of a `getdents64` `d_type`.
fn dirent_type(d_type: u8) -> u8 {
    match d_type {
        2 => 2,
        4 => FILETYPE_DIRECTORY,
        6 => 1,
        8 => 4,
        10 => 7,
        12 => 6,
        _ => FILETYPE_UNKNOWN,
    }
}

/// Writes a preview1 `filestat` (64 bytes) at `out`.
fn put_filestat(vmctx: *mut u8, out: u32, s: &sys::Stat) -> Result<(), i32> {
    let b = guest(vmctx, out, 64).ok_or(FAULT)?;
    b.fill(0);
    b[0..8].copy_from_slice(&s.dev.to_le_bytes());
    b[8..16].copy_from_slice(&s.ino.to_le_bytes());
    b[16] = filetype(s.mode);
    b[24..32].copy_from_slice(&s.nlink.to_le_bytes());
    b[32..40].copy_from_slice(&s.size.to_le_bytes());
    b[40..48].copy_from_slice(&s.atime.to_le_bytes());
    b[48..56].copy_from_slice(&s.mtime.to_le_bytes());
    b[56..64].copy_from_slice(&s.ctime.to_le_bytes());
    Ok(())
}

/// `utimensat` times from preview1 timestamps and `fstflags`.
fn times(atim: u64, mtim: u64, fst: i32) -> Result<[[i64; 2]; 2], i32> {
    let one = |value: u64, set: i32, now: i32| -> Result<[i64; 2], i32> {
        match (fst & set != 0, fst & now != 0) {
            (true, true) => Err(INVAL),
            (true, false) => Ok([
                (value / 1_000_000_000) as i64,
                (value % 1_000_000_000) as i64,
            ]),
            (false, true) => Ok([0, sys::UTIME_NOW]),
            (false, false) => Ok([0, sys::UTIME_OMIT]),
        }
    };
    if fst & !0xf != 0 {
        return Err(INVAL);
    }
    Ok([one(atim, 1, 2)?, one(mtim, 4, 8)?])
}

// ------------------------------------------------------- the functions

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_open(
    vmctx: *mut u8,
    fd: i32,
    dirflags: i32,
    path: u32,
    path_len: u32,
    oflags: i32,
    base: i64,
    inheriting: i64,
    fdflags: i32,
    out: u32,
) -> i32 {
    status((|| {
        let parent = dir_entry(fd)?;
        if !in_memory(vmctx, out, 4) {
            return Err(FAULT);
        }
        let r = at(vmctx, fd, path, path_len, dirflags & 1 != 0)?;
        let base = base as u64 & parent.inheriting;
        let inheriting = inheriting as u64 & parent.inheriting;
        let reads = base & (rights::FD_READ | rights::FD_READDIR) != 0;
        let writes = base
            & (rights::FD_WRITE
                | rights::FD_ALLOCATE
                | rights::FD_FILESTAT_SET_SIZE
                | rights::FD_DATASYNC)
            != 0
            || fdflags & 1 != 0;
        let mut flags = match (reads, writes) {
            (_, false) => sys::o::RDONLY,
            (false, true) => sys::o::WRONLY,
            (true, true) => sys::o::RDWR,
        };
        // The last component was resolved already: a symlink left there
        // was not to be followed.
        flags |= sys::o::NOFOLLOW | sys::o::CLOEXEC;
        if oflags & !0xf != 0 {
            return Err(INVAL);
        }
        // WASI's oflags and fdflags bits, and the Linux open flag for each
        // (rsync and sync both become O_SYNC).
        let oflag_bits = [
            (1, sys::o::CREAT),
            (2, sys::o::DIRECTORY),
            (4, sys::o::EXCL),
            (8, sys::o::TRUNC),
        ];
        let fdflag_bits = [
            (1, sys::o::APPEND),
            (2, sys::o::DSYNC),
            (4, sys::o::NONBLOCK),
            (8 | 16, sys::o::SYNC),
        ];
        for (bits, flag) in oflag_bits {
            if oflags & bits != 0 {
                flags |= flag;
            }
        }
        for (bits, flag) in fdflag_bits {
            if fdflags & bits != 0 {
                flags |= flag;
            }
        }
        let host = linux(sys::openat(r.dir(), r.name(), flags, 0o666))?;
        let kind = match sys::statx(host, b"", sys::AT_EMPTY_PATH) {
            Ok(s) if s.mode & sys::S_IFMT == sys::S_IFDIR => DIR,
            Ok(_) => FILE,
            Err(e) => {
                let _ = sys::close(host);
                return Err(from_linux(e));
            }
        };
        let opened = allocate(Entry {
            host,
            kind,
            flags: (fdflags & 1) as u16,
            preopen: 0,
            base,
            inheriting,
        });
        match opened {
            Ok(new) => {
                put_u32(vmctx, out, new as u32);
                Ok(())
            }
            Err(e) => {
                let _ = sys::close(host);
                Err(e)
            }
        }
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_pread(
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
        false,
    ))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_pwrite(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    offset: i64,
    nwritten: u32,
) -> i32 {
    status(transfer(
        vmctx,
        fd,
        iovs,
        iovs_len,
        nwritten,
        Some(offset as u64),
        true,
    ))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_tell(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    super::front::tell(vmctx, fd, out, seek)
}

/// Runs `f` on the host fd of an open WASI fd above 2.
fn on_host(fd: i32, f: impl FnOnce(i32) -> Result<usize, i32>) -> i32 {
    status(entry(fd).and_then(|e| linux(f(e.host)).map(|_| ())))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_sync(_vmctx: *mut u8, fd: i32) -> i32 {
    on_host(fd, sys::fsync)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_datasync(_vmctx: *mut u8, fd: i32) -> i32 {
    on_host(fd, sys::fdatasync)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_advise(
    _vmctx: *mut u8,
    fd: i32,
    offset: i64,
    len: i64,
    advice: i32,
) -> i32 {
    // preview1: normal, sequential, random, willneed, dontneed, noreuse;
    // Linux swaps sequential (2) and random (1).
    let linux_advice = match advice {
        0 => 0,
        1 => 2,
        2 => 1,
        3..=5 => advice as usize,
        _ => return INVAL,
    };
    on_host(fd, |h| {
        sys::fadvise(h, offset as u64, len as u64, linux_advice)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_allocate(_vmctx: *mut u8, fd: i32, offset: i64, len: i64) -> i32 {
    on_host(fd, |h| sys::fallocate(h, offset as u64, len as u64))
}

/// `fd_filestat_get` for fds above 2 (the standard streams' answer is in
/// `wasi.rs`, which calls this for the rest).
pub fn filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    status((|| {
        let e = entry(fd)?;
        let s = linux(sys::statx(e.host, b"", sys::AT_EMPTY_PATH))?;
        put_filestat(vmctx, out, &s)
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_filestat_set_size(_vmctx: *mut u8, fd: i32, size: i64) -> i32 {
    on_host(fd, |h| sys::ftruncate(h, size as u64))
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_filestat_set_times(
    _vmctx: *mut u8,
    fd: i32,
    atim: i64,
    mtim: i64,
    fst: i32,
) -> i32 {
    status((|| {
        let e = entry(fd)?;
        let t = times(atim as u64, mtim as u64, fst)?;
        linux(sys::utimensat(e.host, b"", t, 0)).map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_filestat_get(
    vmctx: *mut u8,
    fd: i32,
    flags: i32,
    path: u32,
    path_len: u32,
    out: u32,
) -> i32 {
    status((|| {
        let r = at(vmctx, fd, path, path_len, flags & 1 != 0)?;
        let s = linux(sys::statx(r.dir(), r.name(), sys::AT_SYMLINK_NOFOLLOW))?;
        put_filestat(vmctx, out, &s)
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_filestat_set_times(
    vmctx: *mut u8,
    fd: i32,
    flags: i32,
    path: u32,
    path_len: u32,
    atim: i64,
    mtim: i64,
    fst: i32,
) -> i32 {
    status((|| {
        let t = times(atim as u64, mtim as u64, fst)?;
        let r = at(vmctx, fd, path, path_len, flags & 1 != 0)?;
        linux(sys::utimensat(
            r.dir(),
            r.name(),
            t,
            sys::AT_SYMLINK_NOFOLLOW,
        ))
        .map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_create_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let r = at(vmctx, fd, path, path_len, false)?;
        linux(sys::mkdirat(r.dir(), r.name())).map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_remove_directory(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let r = at(vmctx, fd, path, path_len, false)?;
        linux(sys::unlinkat(r.dir(), r.name(), sys::AT_REMOVEDIR)).map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_unlink_file(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let r = at(vmctx, fd, path, path_len, false)?;
        linux(sys::unlinkat(r.dir(), r.name(), 0)).map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_rename(
    vmctx: *mut u8,
    fd: i32,
    old: u32,
    old_len: u32,
    new_fd: i32,
    new: u32,
    new_len: u32,
) -> i32 {
    status((|| {
        let from = at(vmctx, fd, old, old_len, false)?;
        let to = at(vmctx, new_fd, new, new_len, false)?;
        linux(sys::renameat(from.dir(), from.name(), to.dir(), to.name())).map(|_| ())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_link(
    vmctx: *mut u8,
    fd: i32,
    old_flags: i32,
    old: u32,
    old_len: u32,
    new_fd: i32,
    new: u32,
    new_len: u32,
) -> i32 {
    status((|| {
        let from = at(vmctx, fd, old, old_len, old_flags & 1 != 0)?;
        let to = at(vmctx, new_fd, new, new_len, false)?;
        linux(sys::linkat(from.dir(), from.name(), to.dir(), to.name())).map(|_| ())
    })())
}

/// The target is stored as given: following it later is what the
/// sandbox checks (an absolute or escaping target is refused then).
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_symlink(
    vmctx: *mut u8,
    target: u32,
    target_len: u32,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status((|| {
        let target = guest_path(vmctx, target, target_len)?;
        let r = at(vmctx, fd, path, path_len, false)?;
        linux(sys::symlinkat(target, r.dir(), r.name())).map(|_| ())
    })())
}

/// Copies the link's target into `buf`, truncated to `buf_len` as the
/// spec allows; `bufused` is the bytes copied.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_path_readlink(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> i32 {
    status((|| {
        let r = at(vmctx, fd, path, path_len, false)?;
        let dst = guest(vmctx, buf, buf_len).ok_or(FAULT)?;
        if !in_memory(vmctx, bufused, 4) {
            return Err(FAULT);
        }
        let mut target = [0u8; sys::PATH_MAX];
        let n = linux(sys::readlinkat(r.dir(), r.name(), &mut target))?;
        let copied = n.min(dst.len());
        dst[..copied].copy_from_slice(&target[..copied]);
        put_u32(vmctx, bufused, copied as u32);
        Ok(())
    })())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_prestat_dir_name(
    vmctx: *mut u8,
    fd: i32,
    path: u32,
    path_len: u32,
) -> i32 {
    status(preopen_name(fd).and_then(|name| put_prestat_dir_name(vmctx, name, path, path_len)))
}

/// Moves fd `from` onto `to` (both open, above 2), closing what `to` was.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_renumber(_vmctx: *mut u8, from: i32, to: i32) -> i32 {
    status((|| {
        let moved = entry(from)?;
        let replaced = entry(to)?;
        if from == to {
            return Ok(());
        }
        let _ = sys::close(replaced.host);
        table()[to as usize] = moved;
        table()[from as usize] = CLOSED;
        Ok(())
    })())
}

/// Fills `buf` with preview1 dirents from entry number `cookie` on (each
/// entry's `d_next` is the number of the one after it); a full `buf`
/// (`bufused == buf_len`, the last entry possibly cut) means "call again".
/// The directory is reread from its start on each call, so cookies stay
/// valid across calls.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_readdir(
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
        linux(sys::lseek(e.host, 0, 0))?;
        let mut index: u64 = 0;
        let mut used = 0usize;
        let mut raw = [0u8; 4096];
        'read: loop {
            let n = linux(sys::getdents64(e.host, &mut raw))?;
            if n == 0 {
                break;
            }
            let mut at = 0;
            while at + 19 <= n {
                // linux_dirent64: ino u64, off i64, reclen u16, type u8, name.
                let field = |from: usize, len: usize| &raw[at + from..at + from + len];
                let ino = u64::from_le_bytes(field(0, 8).try_into().unwrap_or([0; 8]));
                let reclen = u16::from_le_bytes([raw[at + 16], raw[at + 17]]) as usize;
                if reclen == 0 || at + reclen > n {
                    return Err(IO);
                }
                let d_type = raw[at + 18];
                let name_area = &raw[at + 19..at + reclen];
                let name_len = name_area
                    .iter()
                    .position(|&c| c == 0)
                    .unwrap_or(name_area.len());
                let name = &name_area[..name_len];
                at += reclen;
                index += 1;
                if index <= cookie as u64 {
                    continue;
                }
                put_dirent(out, &mut used, index, ino, name, dirent_type(d_type));
                if used == out.len() {
                    break 'read;
                }
            }
        }
        put_u32(vmctx, bufused, used as u32);
        Ok(())
    })())
}

/// The host function for preview1 function `field`, if it is a file
/// function.
pub fn symbol(field: &[u8]) -> Option<usize> {
    let code = match field {
        b"fd_advise" => wafer_wasi_fd_advise as *const () as usize,
        b"fd_allocate" => wafer_wasi_fd_allocate as *const () as usize,
        b"fd_datasync" => wafer_wasi_fd_datasync as *const () as usize,
        b"fd_filestat_set_size" => wafer_wasi_fd_filestat_set_size as *const () as usize,
        b"fd_filestat_set_times" => wafer_wasi_fd_filestat_set_times as *const () as usize,
        b"fd_pread" => wafer_wasi_fd_pread as *const () as usize,
        b"fd_prestat_dir_name" => wafer_wasi_fd_prestat_dir_name as *const () as usize,
        b"fd_pwrite" => wafer_wasi_fd_pwrite as *const () as usize,
        b"fd_readdir" => wafer_wasi_fd_readdir as *const () as usize,
        b"fd_renumber" => wafer_wasi_fd_renumber as *const () as usize,
        b"fd_sync" => wafer_wasi_fd_sync as *const () as usize,
        b"fd_tell" => wafer_wasi_fd_tell as *const () as usize,
        b"path_create_directory" => wafer_wasi_path_create_directory as *const () as usize,
        b"path_filestat_get" => wafer_wasi_path_filestat_get as *const () as usize,
        b"path_filestat_set_times" => wafer_wasi_path_filestat_set_times as *const () as usize,
        b"path_link" => wafer_wasi_path_link as *const () as usize,
        b"path_open" => wafer_wasi_path_open as *const () as usize,
        b"path_readlink" => wafer_wasi_path_readlink as *const () as usize,
        b"path_remove_directory" => wafer_wasi_path_remove_directory as *const () as usize,
        b"path_rename" => wafer_wasi_path_rename as *const () as usize,
        b"path_symlink" => wafer_wasi_path_symlink as *const () as usize,
        b"path_unlink_file" => wafer_wasi_path_unlink_file as *const () as usize,
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_fstflags() {
        assert_eq!(
            times(1_500_000_000, 7, 1 | 8),
            Ok([[1, 500_000_000], [0, sys::UTIME_NOW]])
        );
        assert_eq!(times(0, 0, 0), Ok([[0, sys::UTIME_OMIT]; 2]));
        assert_eq!(times(0, 0, 1 | 2), Err(INVAL));
        assert_eq!(times(0, 0, 16), Err(INVAL));
    }
}
