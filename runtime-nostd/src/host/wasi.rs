//! `wasi_snapshot_preview1`: the first WASI subset, on the platform's
//! console, clocks and entropy.
//!
//! Implemented: `fd_write` (1, 2), `fd_read` (0), `proc_exit`, `args_*`,
//! `environ_*`, `clock_time_get`, `clock_res_get`, `random_get`,
//! `fd_fdstat_get`, `fd_prestat_get` (no preopens), `fd_close`, `fd_seek`,
//! `sched_yield`. Every other preview1 function that returns an errno
//! resolves to a stub returning `ENOSYS`.
//!
//! Every function receives the importing instance's vmctx and reaches its
//! memory 0 through it; guest pointers are bounds-checked (`EFAULT`).

use crate::instance::Extern;

const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const EIO: i32 = 29;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;

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
fn guest(vmctx: *mut u8, ptr: u32, len: u32) -> Option<&'static mut [u8]> {
    let mem = memory(vmctx)?;
    let end = (ptr as usize).checked_add(len as usize)?;
    mem.get_mut(ptr as usize..end)
}

fn put_u32(vmctx: *mut u8, ptr: u32, value: u32) -> bool {
    guest(vmctx, ptr, 4)
        .map(|b| b.copy_from_slice(&value.to_le_bytes()))
        .is_some()
}

fn put_u64(vmctx: *mut u8, ptr: u32, value: u64) -> bool {
    guest(vmctx, ptr, 8)
        .map(|b| b.copy_from_slice(&value.to_le_bytes()))
        .is_some()
}

fn get_u32(vmctx: *mut u8, ptr: u32) -> Option<u32> {
    let b = guest(vmctx, ptr, 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The guest buffer described by iovec `index` of the array at `iovs`
/// (`{ base: u32, len: u32 }` each); `None` if anything is out of bounds.
fn iovec(vmctx: *mut u8, iovs: u32, index: u32) -> Option<&'static mut [u8]> {
    let at = iovs.wrapping_add(index.wrapping_mul(8));
    let base = get_u32(vmctx, at)?;
    let len = get_u32(vmctx, at.wrapping_add(4))?;
    guest(vmctx, base, len)
}

extern "C" fn fd_write(vmctx: *mut u8, fd: i32, iovs: u32, iovs_len: u32, nwritten: u32) -> i32 {
    if fd != 1 && fd != 2 {
        return EBADF;
    }
    let mut total = 0u32;
    for i in 0..iovs_len {
        let Some(bytes) = iovec(vmctx, iovs, i) else {
            return EFAULT;
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

extern "C" fn fd_read(vmctx: *mut u8, fd: i32, iovs: u32, iovs_len: u32, nread: u32) -> i32 {
    if fd != 0 {
        return EBADF;
    }
    let mut total = 0u32;
    for i in 0..iovs_len {
        let Some(buf) = iovec(vmctx, iovs, i) else {
            return EFAULT;
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

extern "C" fn proc_exit(_vmctx: *mut u8, code: i32) {
    crate::platform::exit(code)
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

fn sizes_get(vmctx: *mut u8, count_ptr: u32, size_ptr: u32, each: EachString) -> i32 {
    let (mut count, mut size) = (0u32, 0u32);
    each(&mut |s| {
        count += 1;
        size += s.len() as u32 + 1;
    });
    if put_u32(vmctx, count_ptr, count) && put_u32(vmctx, size_ptr, size) {
        SUCCESS
    } else {
        EFAULT
    }
}

fn strings_get(vmctx: *mut u8, ptrs: u32, buf: u32, each: EachString) -> i32 {
    let (mut i, mut at, mut ok) = (0u32, buf, true);
    each(&mut |s| {
        ok &= put_u32(vmctx, ptrs.wrapping_add(i * 4), at);
        if let Some(dst) = guest(vmctx, at, s.len() as u32 + 1) {
            dst[..s.len()].copy_from_slice(s);
            dst[s.len()] = 0;
        } else {
            ok = false;
        }
        at = at.wrapping_add(s.len() as u32 + 1);
        i += 1;
    });
    if ok { SUCCESS } else { EFAULT }
}

fn args(f: &mut dyn FnMut(&[u8])) {
    for_each_arg(f)
}
fn envs(f: &mut dyn FnMut(&[u8])) {
    for_each_env(f)
}

extern "C" fn args_sizes_get(vmctx: *mut u8, count: u32, size: u32) -> i32 {
    sizes_get(vmctx, count, size, args)
}
extern "C" fn args_get(vmctx: *mut u8, ptrs: u32, buf: u32) -> i32 {
    strings_get(vmctx, ptrs, buf, args)
}
extern "C" fn environ_sizes_get(vmctx: *mut u8, count: u32, size: u32) -> i32 {
    sizes_get(vmctx, count, size, envs)
}
extern "C" fn environ_get(vmctx: *mut u8, ptrs: u32, buf: u32) -> i32 {
    strings_get(vmctx, ptrs, buf, envs)
}

extern "C" fn clock_time_get(vmctx: *mut u8, id: i32, _precision: i64, out: u32) -> i32 {
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

extern "C" fn clock_res_get(vmctx: *mut u8, id: i32, out: u32) -> i32 {
    if !(0..=3).contains(&id) {
        return EINVAL;
    }
    if put_u64(vmctx, out, 1) {
        SUCCESS
    } else {
        EFAULT
    }
}

extern "C" fn random_get(vmctx: *mut u8, buf: u32, len: u32) -> i32 {
    let Some(bytes) = guest(vmctx, buf, len) else {
        return EFAULT;
    };
    if crate::platform::random_fill(bytes) {
        SUCCESS
    } else {
        EIO
    }
}

extern "C" fn fd_fdstat_get(vmctx: *mut u8, fd: i32, out: u32) -> i32 {
    if !(0..=2).contains(&fd) {
        return EBADF;
    }
    // struct fdstat: u8 filetype (2 = character device), u16 flags, then
    // two u64 rights sets; all rights granted.
    let Some(b) = guest(vmctx, out, 24) else {
        return EFAULT;
    };
    b.fill(0);
    b[0] = 2;
    b[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    SUCCESS
}

extern "C" fn fd_prestat_get(_vmctx: *mut u8, _fd: i32, _out: u32) -> i32 {
    EBADF // no preopened directories
}

extern "C" fn fd_close(_vmctx: *mut u8, fd: i32) -> i32 {
    if (0..=2).contains(&fd) {
        SUCCESS
    } else {
        EBADF
    }
}

extern "C" fn fd_seek(_vmctx: *mut u8, fd: i32, _offset: i64, _whence: i32, _out: u32) -> i32 {
    if (0..=2).contains(&fd) { ESPIPE } else { EBADF }
}

extern "C" fn sched_yield(_vmctx: *mut u8) -> i32 {
    SUCCESS
}

extern "C" fn not_implemented() -> i32 {
    ENOSYS
}

/// Resolves `wasi_snapshot_preview1.<field>` for an import of signature `sig`.
pub fn resolve(field: &[u8], sig: &[u8]) -> Option<Extern> {
    let (code, own_sig): (usize, &'static [u8]) = match field {
        b"fd_write" => (fd_write as *const () as usize, b"iiii>i"),
        b"fd_read" => (fd_read as *const () as usize, b"iiii>i"),
        b"proc_exit" => (proc_exit as *const () as usize, b"i>"),
        b"args_sizes_get" => (args_sizes_get as *const () as usize, b"ii>i"),
        b"args_get" => (args_get as *const () as usize, b"ii>i"),
        b"environ_sizes_get" => (environ_sizes_get as *const () as usize, b"ii>i"),
        b"environ_get" => (environ_get as *const () as usize, b"ii>i"),
        b"clock_time_get" => (clock_time_get as *const () as usize, b"iIi>i"),
        b"clock_res_get" => (clock_res_get as *const () as usize, b"ii>i"),
        b"random_get" => (random_get as *const () as usize, b"ii>i"),
        b"fd_fdstat_get" => (fd_fdstat_get as *const () as usize, b"ii>i"),
        b"fd_prestat_get" => (fd_prestat_get as *const () as usize, b"ii>i"),
        b"fd_close" => (fd_close as *const () as usize, b"i>i"),
        b"fd_seek" => (fd_seek as *const () as usize, b"iIii>i"),
        b"sched_yield" => (sched_yield as *const () as usize, b">i"),
        // Every other preview1 function returns an errno; extra arguments
        // are ignored by the C calling convention.
        _ if sig.ends_with(b">i") => {
            return Some(Extern::HostFunc {
                code: not_implemented as *const () as usize,
                sig: static_sig(sig)?,
            });
        }
        _ => return None,
    };
    Some(Extern::HostFunc { code, sig: own_sig })
}

/// The import's own signature string, which lives in static descriptor data.
fn static_sig(sig: &[u8]) -> Option<&'static [u8]> {
    // SAFETY: `sig` points into a module descriptor, which is static data.
    Some(unsafe { core::slice::from_raw_parts(sig.as_ptr(), sig.len()) })
}
