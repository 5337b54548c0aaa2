//! File system calls for WASI preopens (`--dir`): thin wrappers over the
//! `*at` system calls. Each returns the non-negative result, or `Err` with
//! the positive Linux errno. Names are passed as byte slices and copied
//! into a NUL-terminated buffer here.
//!
//! Only calls that qemu-user 7.2 emulates are used (no `openat2`): path
//! resolution is done component by component by the caller.

use super::syscall::{nr, syscall6};

/// The longest path the kernel accepts, terminator included.
pub const PATH_MAX: usize = 4096;

/// `open` flags. `O_DIRECTORY` and `O_NOFOLLOW` differ on aarch64.
pub mod o {
    pub const RDONLY: usize = 0;
    pub const WRONLY: usize = 1;
    pub const RDWR: usize = 2;
    pub const CREAT: usize = 0o100;
    pub const EXCL: usize = 0o200;
    pub const TRUNC: usize = 0o1000;
    pub const APPEND: usize = 0o2000;
    pub const NONBLOCK: usize = 0o4000;
    pub const DSYNC: usize = 0o10000;
    pub const SYNC: usize = 0o4010000;
    pub const CLOEXEC: usize = 0o2000000;
    pub const PATH: usize = 0o10000000;
    #[cfg(target_arch = "aarch64")]
    pub const DIRECTORY: usize = 0o40000;
    #[cfg(target_arch = "aarch64")]
    pub const NOFOLLOW: usize = 0o100000;
    #[cfg(not(target_arch = "aarch64"))]
    pub const DIRECTORY: usize = 0o200000;
    #[cfg(not(target_arch = "aarch64"))]
    pub const NOFOLLOW: usize = 0o400000;
}

pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;
pub const AT_REMOVEDIR: usize = 0x200;
pub const AT_EMPTY_PATH: usize = 0x1000;

/// `statx` result fields (the struct is 256 bytes, the same on every ISA).
#[derive(Clone, Copy, Default)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u64,
    pub size: u64,
    /// Nanoseconds since 1970.
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
}

/// File type bits of `st_mode`.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFSOCK: u32 = 0o140000;

fn check(r: isize) -> Result<usize, i32> {
    if r < 0 {
        Err(-r as i32)
    } else {
        Ok(r as usize)
    }
}

fn call(n: usize, a: [usize; 6]) -> Result<usize, i32> {
    // SAFETY: callers pass valid pointers and lengths for each call.
    check(unsafe { syscall6(n, a) })
}

/// `name` NUL-terminated in a stack buffer; `ENAMETOOLONG` if it does not
/// fit, `EINVAL` if it contains a NUL.
struct CName([u8; PATH_MAX]);

impl CName {
    fn new(name: &[u8]) -> Result<CName, i32> {
        const ENAMETOOLONG: i32 = 36;
        const EINVAL: i32 = 22;
        if name.len() >= PATH_MAX {
            return Err(ENAMETOOLONG);
        }
        if name.contains(&0) {
            return Err(EINVAL);
        }
        let mut buf = [0u8; PATH_MAX];
        buf[..name.len()].copy_from_slice(name);
        Ok(CName(buf))
    }
    fn ptr(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

pub fn openat(dir: i32, name: &[u8], flags: usize, mode: usize) -> Result<i32, i32> {
    let n = CName::new(name)?;
    call(nr::OPENAT, [dir as usize, n.ptr(), flags, mode, 0, 0]).map(|fd| fd as i32)
}

pub fn close(fd: i32) -> Result<usize, i32> {
    call(nr::CLOSE, [fd as usize, 0, 0, 0, 0, 0])
}

/// `statx(dir, name, flags)`; with `AT_EMPTY_PATH` and an empty name, the
/// file `dir` itself.
pub fn statx(dir: i32, name: &[u8], flags: usize) -> Result<Stat, i32> {
    const STATX_BASIC_STATS: usize = 0x7ff;
    let n = CName::new(name)?;
    let mut buf = [0u64; 32];
    call(
        nr::STATX,
        [
            dir as usize,
            n.ptr(),
            flags,
            STATX_BASIC_STATS,
            buf.as_mut_ptr() as usize,
            0,
        ],
    )?;
    let bytes: &[u8; 256] = {
        // SAFETY: 32 u64s are 256 initialised bytes.
        unsafe { &*(buf.as_ptr() as *const [u8; 256]) }
    };
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]));
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    let time_at = |at: usize| {
        (u64_at(at))
            .wrapping_mul(1_000_000_000)
            .wrapping_add(u32_at(at + 8) as u64)
    };
    let dev = ((u32_at(136) as u64) << 32) | u32_at(140) as u64;
    Ok(Stat {
        dev,
        ino: u64_at(32),
        mode: u32_at(28) & 0xffff,
        nlink: u32_at(16) as u64,
        size: u64_at(40),
        atime: time_at(64),
        mtime: time_at(112),
        ctime: time_at(96),
    })
}

/// Reads symlink `name` in `dir` into `buf`; its length.
pub fn readlinkat(dir: i32, name: &[u8], buf: &mut [u8]) -> Result<usize, i32> {
    let n = CName::new(name)?;
    call(
        nr::READLINKAT,
        [
            dir as usize,
            n.ptr(),
            buf.as_mut_ptr() as usize,
            buf.len(),
            0,
            0,
        ],
    )
}

pub fn mkdirat(dir: i32, name: &[u8]) -> Result<usize, i32> {
    let n = CName::new(name)?;
    call(nr::MKDIRAT, [dir as usize, n.ptr(), 0o777, 0, 0, 0])
}

pub fn unlinkat(dir: i32, name: &[u8], flags: usize) -> Result<usize, i32> {
    let n = CName::new(name)?;
    call(nr::UNLINKAT, [dir as usize, n.ptr(), flags, 0, 0, 0])
}

pub fn renameat(from_dir: i32, from: &[u8], to_dir: i32, to: &[u8]) -> Result<usize, i32> {
    let (a, b) = (CName::new(from)?, CName::new(to)?);
    call(
        nr::RENAMEAT2,
        [from_dir as usize, a.ptr(), to_dir as usize, b.ptr(), 0, 0],
    )
}

pub fn linkat(from_dir: i32, from: &[u8], to_dir: i32, to: &[u8]) -> Result<usize, i32> {
    let (a, b) = (CName::new(from)?, CName::new(to)?);
    call(
        nr::LINKAT,
        [from_dir as usize, a.ptr(), to_dir as usize, b.ptr(), 0, 0],
    )
}

pub fn symlinkat(target: &[u8], dir: i32, name: &[u8]) -> Result<usize, i32> {
    let (t, n) = (CName::new(target)?, CName::new(name)?);
    call(nr::SYMLINKAT, [t.ptr(), dir as usize, n.ptr(), 0, 0, 0])
}

/// `utimensat(dir, name, [atime, mtime], flags)`; each time is
/// `(seconds, nanoseconds)` or a `UTIME_NOW` / `UTIME_OMIT` nanoseconds.
/// An empty `name` means the file `dir` itself.
pub fn utimensat(dir: i32, name: &[u8], times: [[i64; 2]; 2], flags: usize) -> Result<usize, i32> {
    let n = CName::new(name)?;
    let path = if name.is_empty() { 0 } else { n.ptr() };
    call(
        nr::UTIMENSAT,
        [dir as usize, path, times.as_ptr() as usize, flags, 0, 0],
    )
}

pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

pub fn pread(fd: i32, buf: &mut [u8], offset: u64) -> Result<usize, i32> {
    call(
        nr::PREAD64,
        [
            fd as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
            offset as usize,
            0,
            0,
        ],
    )
}

pub fn pwrite(fd: i32, buf: &[u8], offset: u64) -> Result<usize, i32> {
    call(
        nr::PWRITE64,
        [
            fd as usize,
            buf.as_ptr() as usize,
            buf.len(),
            offset as usize,
            0,
            0,
        ],
    )
}

pub fn lseek(fd: i32, offset: i64, whence: usize) -> Result<usize, i32> {
    call(nr::LSEEK, [fd as usize, offset as usize, whence, 0, 0, 0])
}

pub fn fsync(fd: i32) -> Result<usize, i32> {
    call(nr::FSYNC, [fd as usize, 0, 0, 0, 0, 0])
}

pub fn fdatasync(fd: i32) -> Result<usize, i32> {
    call(nr::FDATASYNC, [fd as usize, 0, 0, 0, 0, 0])
}

pub fn ftruncate(fd: i32, size: u64) -> Result<usize, i32> {
    call(nr::FTRUNCATE, [fd as usize, size as usize, 0, 0, 0, 0])
}

pub fn getdents64(fd: i32, buf: &mut [u8]) -> Result<usize, i32> {
    call(
        nr::GETDENTS64,
        [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0],
    )
}

pub fn fadvise(fd: i32, offset: u64, len: u64, advice: usize) -> Result<usize, i32> {
    call(
        nr::FADVISE64,
        [fd as usize, offset as usize, len as usize, advice, 0, 0],
    )
}

pub fn fallocate(fd: i32, offset: u64, len: u64) -> Result<usize, i32> {
    call(
        nr::FALLOCATE,
        [fd as usize, 0, offset as usize, len as usize, 0, 0],
    )
}

pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, i32> {
    check(super::read(fd, buf))
}

pub fn write(fd: i32, buf: &[u8]) -> Result<usize, i32> {
    check(super::write(fd, buf))
}

/// Turns `O_APPEND` on or off on `fd` (`fcntl` `F_GETFL`, then `F_SETFL`
/// with the other flags kept), for `fd_fdstat_set_flags`.
pub fn set_append(fd: i32, append: bool) -> Result<usize, i32> {
    const F_GETFL: usize = 3;
    const F_SETFL: usize = 4;
    let flags = call(nr::FCNTL, [fd as usize, F_GETFL, 0, 0, 0, 0])?;
    let flags = if append {
        flags | o::APPEND
    } else {
        flags & !o::APPEND
    };
    call(nr::FCNTL, [fd as usize, F_SETFL, flags, 0, 0, 0])
}
