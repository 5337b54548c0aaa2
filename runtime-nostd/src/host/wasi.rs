//! `wasi_snapshot_preview1`: the first WASI subset, on the platform's
//! console, clocks and entropy.
//!
//! Implemented: `fd_write` (1, 2), `fd_read` (0), `proc_exit`, `args_*`,
//! `environ_*`, `clock_time_get`, `clock_res_get`, `random_get`,
//! `fd_fdstat_get`, `fd_fdstat_set_flags` and `fd_filestat_get` (the
//! standard streams: character devices; fds above 2 go to `wasi_fs.rs`),
//! `fd_prestat_get`, `fd_close`, `fd_seek`, `sched_yield`, `poll_oneoff`
//! (`wasi_poll`); the file functions are in `wasi_fs.rs`. Every other
//! preview1 function that returns an errno
//! resolves to a stub returning `ENOSYS`.
//!
//! Each function is the C symbol `wafer_wasi_<name>`: `wafer build` binds
//! a command or invoke image's WASI imports to these symbols, so the linker
//! keeps only the functions a module imports. Serving images (the spec
//! harness) resolve imports by name at instantiation with [`resolve`].
//!
//! Every function receives the importing instance's vmctx and reaches its
//! memory 0 through it. Every guest pointer a call uses is bounds-checked
//! before the call has any effect (output, input, a write to memory): a bad
//! one anywhere returns `EFAULT` and nothing happened. Names and signatures
//! come from `wafer_abi::wasi`, which `wafer build` checks imports against.

use crate::instance::Extern;

pub(crate) const SUCCESS: i32 = 0;
pub(crate) const EBADF: i32 = 8;
pub(crate) const EFAULT: i32 = 21;
pub(crate) const EINVAL: i32 = 28;
const EIO: i32 = 29;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;
const ENOTSUP: i32 = 58;

/// The importing instance's memory 0 as a byte slice.
fn memory(vmctx: *mut u8) -> Option<&'static mut [u8]> {
    // SAFETY: host functions are only called by compiled code with its vmctx.
    unsafe {
        let desc = &**(vmctx.add(wafer_abi::vmctx::DESCRIPTOR as usize)
            as *const *const wafer_abi::descriptor::ModuleDescriptor);
        let counts = desc.counts;
        if counts.imported_memories + counts.defined_memories == 0 {
            return None;
        }
        let m = &*crate::builtins::memory(vmctx, 0);
        Some(core::slice::from_raw_parts_mut(m.base, m.length as usize))
    }
}

/// `len` bytes of guest memory at `ptr`, or `None` if out of bounds.
pub(crate) fn guest(vmctx: *mut u8, ptr: u32, len: u32) -> Option<&'static mut [u8]> {
    let mem = memory(vmctx)?;
    let end = (ptr as usize).checked_add(len as usize)?;
    mem.get_mut(ptr as usize..end)
}

pub(crate) fn put_u32(vmctx: *mut u8, ptr: u32, value: u32) -> bool {
    guest(vmctx, ptr, 4)
        .map(|b| b.copy_from_slice(&value.to_le_bytes()))
        .is_some()
}

pub(super) fn put_u64(vmctx: *mut u8, ptr: u32, value: u64) -> bool {
    guest(vmctx, ptr, 8)
        .map(|b| b.copy_from_slice(&value.to_le_bytes()))
        .is_some()
}

fn get_u32(vmctx: *mut u8, ptr: u32) -> Option<u32> {
    let b = guest(vmctx, ptr, 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Whether `len` bytes at `ptr` lie inside the importing instance's
/// memory 0 (`len` may exceed `u32`: an array of many records).
pub(crate) fn in_memory(vmctx: *mut u8, ptr: u32, len: u64) -> bool {
    memory(vmctx).is_some_and(|mem| {
        (ptr as u64)
            .checked_add(len)
            .is_some_and(|end| end <= mem.len() as u64)
    })
}

/// The guest buffer described by iovec `index` of the array at `iovs`
/// (`{ base: u32, len: u32 }` each); `None` if anything is out of bounds.
pub(super) fn iovec(vmctx: *mut u8, iovs: u32, index: u32) -> Option<&'static mut [u8]> {
    let at = iovs.checked_add(index.checked_mul(8)?)?;
    let base = get_u32(vmctx, at)?;
    let len = get_u32(vmctx, at.checked_add(4)?)?;
    guest(vmctx, base, len)
}

/// Whether the iovec array at `iovs` and every buffer it describes lie in
/// memory: checked in full before a single byte moves, so a bad pointer
/// anywhere means `EFAULT` and no effect at all.
pub(super) fn iovecs_valid(vmctx: *mut u8, iovs: u32, iovs_len: u32) -> bool {
    in_memory(vmctx, iovs, iovs_len as u64 * 8)
        && (0..iovs_len).all(|i| iovec(vmctx, iovs, i).is_some())
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_write(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::write(vmctx, fd, iovs, iovs_len, nwritten);
    }
    if fd != 1 && fd != 2 {
        return EBADF;
    }
    if !iovecs_valid(vmctx, iovs, iovs_len) || !in_memory(vmctx, nwritten, 4) {
        return EFAULT;
    }
    let mut total = 0u32;
    for i in 0..iovs_len {
        let Some(bytes) = iovec(vmctx, iovs, i) else {
            return EFAULT; // not reached: checked above
        };
        let len = bytes.len() as u32;
        if fd == 1 {
            crate::console::stdout(bytes);
        } else {
            crate::console::stderr(bytes);
        }
        total = total.wrapping_add(len);
    }
    if fd == 1 {
        crate::console::flush();
    }
    if put_u32(vmctx, nwritten, total) {
        SUCCESS
    } else {
        EFAULT
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_read(
    vmctx: *mut u8,
    fd: i32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::read(vmctx, fd, iovs, iovs_len, nread);
    }
    if fd != 0 {
        return EBADF;
    }
    // Before reading: on boards the read blocks on the UART, and input it
    // consumed could not be given back.
    if !iovecs_valid(vmctx, iovs, iovs_len) || !in_memory(vmctx, nread, 4) {
        return EFAULT;
    }
    let mut total = 0u32;
    for i in 0..iovs_len {
        let Some(buf) = iovec(vmctx, iovs, i) else {
            return EFAULT; // not reached: checked above
        };
        let len = buf.len() as u32;
        let n = crate::platform::read(0, buf);
        if n < 0 {
            return EIO;
        }
        total = total.wrapping_add(n as u32);
        if (n as u32) < len {
            break;
        }
    }
    if put_u32(vmctx, nread, total) {
        SUCCESS
    } else {
        EFAULT
    }
}

/// Ends the program with `proc_exit_status(code)` (see `wafer_abi::exit`):
/// codes beyond 0–125 become 125, with a note on stderr saying so.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_proc_exit(_vmctx: *mut u8, code: u32) {
    let status = wafer_abi::exit::proc_exit_status(code);
    if status as u32 != code {
        use crate::text::Sink;
        let mut w = crate::console::Stderr;
        w.str("wafer: proc_exit(");
        w.dec(code.into());
        w.str(") is outside 0-");
        w.dec(wafer_abi::exit::MAX_PROC_EXIT as u64);
        w.str("; exiting with ");
        w.signed(status.into());
        w.str("\n");
    }
    crate::platform::exit(status)
}

/// WASI's argv: the program name, arguments baked into the image, then
/// the process's own arguments.
fn for_each_arg(mut f: impl FnMut(&[u8])) {
    let mut process = crate::platform::args();
    f(process.next().unwrap_or(b"wafer"));
    // SAFETY: manifest strings are static.
    unsafe {
        for s in crate::instance::manifest().args.items() {
            f(s.bytes());
        }
    }
    for arg in process {
        f(arg);
    }
}

fn for_each_env(mut f: impl FnMut(&[u8])) {
    // SAFETY: manifest strings are static.
    unsafe {
        for s in crate::instance::manifest().env.items() {
            f(s.bytes());
        }
    }
    for var in crate::platform::env() {
        f(var);
    }
}

/// Visits each string of a list (arguments or environment).
type EachString = fn(&mut dyn FnMut(&[u8]));

/// The number of strings and their total size with NUL terminators.
fn count_strings(each: EachString) -> (u64, u64) {
    let (mut count, mut size) = (0u64, 0u64);
    each(&mut |s| {
        count += 1;
        size += s.len() as u64 + 1;
    });
    (count, size)
}

fn sizes_get(vmctx: *mut u8, count_ptr: u32, size_ptr: u32, each: EachString) -> i32 {
    let (count, size) = count_strings(each);
    if !in_memory(vmctx, count_ptr, 4) || !in_memory(vmctx, size_ptr, 4) {
        return EFAULT;
    }
    put_u32(vmctx, count_ptr, count as u32);
    put_u32(vmctx, size_ptr, size as u32);
    SUCCESS
}

fn strings_get(vmctx: *mut u8, ptrs: u32, buf: u32, each: EachString) -> i32 {
    // Both arrays are checked whole first, so a bad pointer writes nothing.
    let (count, size) = count_strings(each);
    if !in_memory(vmctx, ptrs, count * 4) || !in_memory(vmctx, buf, size) {
        return EFAULT;
    }
    let (mut i, mut at) = (0u32, buf);
    each(&mut |s| {
        put_u32(vmctx, ptrs.wrapping_add(i * 4), at);
        if let Some(dst) = guest(vmctx, at, s.len() as u32 + 1) {
            dst[..s.len()].copy_from_slice(s);
            dst[s.len()] = 0;
        }
        at = at.wrapping_add(s.len() as u32 + 1);
        i += 1;
    });
    SUCCESS
}

fn args(f: &mut dyn FnMut(&[u8])) {
    for_each_arg(f)
}
fn envs(f: &mut dyn FnMut(&[u8])) {
    for_each_env(f)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_args_sizes_get(vmctx: *mut u8, count: u32, size: u32) -> i32 {
    sizes_get(vmctx, count, size, args)
}
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_args_get(vmctx: *mut u8, ptrs: u32, buf: u32) -> i32 {
    strings_get(vmctx, ptrs, buf, args)
}
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_environ_sizes_get(vmctx: *mut u8, count: u32, size: u32) -> i32 {
    sizes_get(vmctx, count, size, envs)
}
#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_environ_get(vmctx: *mut u8, ptrs: u32, buf: u32) -> i32 {
    strings_get(vmctx, ptrs, buf, envs)
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_clock_time_get(
    vmctx: *mut u8,
    id: i32,
    _precision: i64,
    out: u32,
) -> i32 {
    let now = match id {
        0 => crate::platform::realtime_ns(),
        1..=3 => crate::platform::monotonic_ns(),
        _ => return EINVAL,
    };
    if put_u64(vmctx, out, now) {
        SUCCESS
    } else {
        EFAULT
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_clock_res_get(vmctx: *mut u8, id: i32, out: u32) -> i32 {
    if !(0..=3).contains(&id) {
        return EINVAL;
    }
    if put_u64(vmctx, out, 1) {
        SUCCESS
    } else {
        EFAULT
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_random_get(vmctx: *mut u8, buf: u32, len: u32) -> i32 {
    let Some(bytes) = guest(vmctx, buf, len) else {
        return EFAULT;
    };
    if crate::platform::random_fill(bytes) {
        SUCCESS
    } else {
        EIO
    }
}

/// `rights` bits (preview 1) the standard streams have.
mod rights {
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
}

/// `filetype`: the standard streams are a console (or stand for one).
const FILETYPE_CHARACTER_DEVICE: u8 = 2;

/// The rights of standard stream `fd` (0, 1 or 2): reading stdin, writing
/// stdout and stderr; never seeking nor telling (wasi-libc's `isatty`
/// looks for that with the character-device type).
fn stdio_rights(fd: i32) -> u64 {
    let common = rights::FD_FDSTAT_SET_FLAGS | rights::FD_FILESTAT_GET | rights::POLL_FD_READWRITE;
    common
        | if fd == 0 {
            rights::FD_READ
        } else {
            rights::FD_WRITE
        }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::fdstat_get(vmctx, fd, out);
    }
    if !(0..=2).contains(&fd) {
        return EBADF;
    }
    // struct fdstat: u8 filetype, u16 flags (none), then the rights and
    // the inheriting rights (none: nothing is opened from a stream).
    let Some(b) = guest(vmctx, out, 24) else {
        return EFAULT;
    };
    b.fill(0);
    b[0] = FILETYPE_CHARACTER_DEVICE;
    b[8..16].copy_from_slice(&stdio_rights(fd).to_le_bytes());
    SUCCESS
}

/// `fdflags` a standard stream accepts: `append` (a console only ever
/// appends). `nonblock`, `dsync`, `rsync` and `sync` are `ENOTSUP`: the
/// runtime's reads block and its writes are unbuffered at the stream.
const FDFLAGS_APPEND: i32 = 1;

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_fdstat_set_flags(_vmctx: *mut u8, fd: i32, flags: i32) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::fdstat_set_flags(fd, flags);
    }
    if !(0..=2).contains(&fd) {
        EBADF
    } else if flags & !FDFLAGS_APPEND != 0 {
        ENOTSUP
    } else {
        SUCCESS
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_filestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::filestat_get(vmctx, fd, out);
    }
    if !(0..=2).contains(&fd) {
        return EBADF;
    }
    // struct filestat (64 bytes): dev, ino, u8 filetype at 16, nlink,
    // size, atim, mtim, ctim; a stream has no size nor times: zeros.
    let Some(b) = guest(vmctx, out, 64) else {
        return EFAULT;
    };
    b.fill(0);
    b[16] = FILETYPE_CHARACTER_DEVICE;
    b[24..32].copy_from_slice(&1u64.to_le_bytes());
    SUCCESS
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_prestat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::prestat_get(vmctx, fd, out);
    }
    EBADF // the console is not a preopened directory
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_close(_vmctx: *mut u8, fd: i32) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::close(fd);
    }
    if (0..=2).contains(&fd) {
        SUCCESS
    } else {
        EBADF
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_fd_seek(
    vmctx: *mut u8,
    fd: i32,
    offset: i64,
    whence: i32,
    out: u32,
) -> i32 {
    if fd > 2 {
        return super::wasi_fs::fd::seek(vmctx, fd, offset, whence, out);
    }
    if (0..=2).contains(&fd) { ESPIPE } else { EBADF }
}

#[unsafe(no_mangle)]
pub extern "C" fn wafer_wasi_sched_yield(_vmctx: *mut u8) -> i32 {
    SUCCESS
}

extern "C" fn not_implemented() -> i32 {
    ENOSYS
}

/// Defines each symbol as a function returning `ENOSYS` (its arguments are
/// ignored; the C calling convention allows it). One symbol per preview1
/// function, so statically bound imports each have their own.
macro_rules! not_implemented {
    ($($symbol:ident),* $(,)?) => {
        $(
            #[unsafe(no_mangle)]
            pub extern "C" fn $symbol() -> i32 {
                ENOSYS
            }
        )*
    };
}

not_implemented!(
    wafer_wasi_fd_fdstat_set_rights,
    wafer_wasi_proc_raise,
    wafer_wasi_sock_accept,
    wafer_wasi_sock_recv,
    wafer_wasi_sock_send,
    wafer_wasi_sock_shutdown,
);

/// Resolves `wasi_snapshot_preview1.<field>` to its host function, with
/// the signature from `wafer_abi::wasi` (the importer's linker compares it
/// with the import's); `None` if preview1 has no such function.
pub fn resolve(field: &[u8]) -> Option<Extern> {
    let sig = wafer_abi::wasi::signature(field)?.as_bytes();
    let code = match field {
        b"fd_write" => wafer_wasi_fd_write as *const () as usize,
        b"fd_read" => wafer_wasi_fd_read as *const () as usize,
        b"proc_exit" => wafer_wasi_proc_exit as *const () as usize,
        b"args_sizes_get" => wafer_wasi_args_sizes_get as *const () as usize,
        b"args_get" => wafer_wasi_args_get as *const () as usize,
        b"environ_sizes_get" => wafer_wasi_environ_sizes_get as *const () as usize,
        b"environ_get" => wafer_wasi_environ_get as *const () as usize,
        b"clock_time_get" => wafer_wasi_clock_time_get as *const () as usize,
        b"clock_res_get" => wafer_wasi_clock_res_get as *const () as usize,
        b"random_get" => wafer_wasi_random_get as *const () as usize,
        b"fd_fdstat_get" => wafer_wasi_fd_fdstat_get as *const () as usize,
        b"fd_prestat_get" => wafer_wasi_fd_prestat_get as *const () as usize,
        b"fd_close" => wafer_wasi_fd_close as *const () as usize,
        b"fd_seek" => wafer_wasi_fd_seek as *const () as usize,
        b"sched_yield" => wafer_wasi_sched_yield as *const () as usize,
        b"fd_fdstat_set_flags" => wafer_wasi_fd_fdstat_set_flags as *const () as usize,
        b"fd_filestat_get" => wafer_wasi_fd_filestat_get as *const () as usize,
        b"poll_oneoff" => super::wasi_poll::wafer_wasi_poll_oneoff as *const () as usize,
        // The file functions (`wasi_fs.rs`); every other preview1
        // function returns an errno, its arguments ignored (the C calling
        // convention allows it).
        _ => super::wasi_fs::fd::symbol(field).unwrap_or(not_implemented as *const () as usize),
    };
    Some(Extern::HostFunc { code, sig })
}
