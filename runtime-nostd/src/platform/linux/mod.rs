//! The Linux platform: raw system calls behind the runtime's platform
//! interface.
//!
//! ## The platform interface
//! Every platform module provides the same functions, and the rest of the
//! runtime uses nothing else of the machine:
//! 1. console: [`write`], [`read`];
//! 2. lifetime: [`exit`];
//! 3. time and entropy: [`realtime_ns`], [`monotonic_ns`], [`random_fill`];
//! 4. memory: [`map_zeroed`] (zeroed, page-granular, never freed);
//! 5. faults: [`install_fault_handlers`] — CPU faults go to
//!    [`crate::trap::handle_fault`] with the faulting PC, and execution
//!    resumes wherever it returns;
//! 6. the process: [`args`], [`env`] (from the initial stack);
//! 7. guard-region memories (`--bounds-checks guard`): [`GUARD_REGIONS`],
//!    [`reserve_guarded`], [`commit_guarded`] — the contract is in
//!    `guard.rs`.

pub mod fs;
mod guard;
mod signals;
// The entry that uses it is not compiled for unit tests.
#[cfg_attr(test, allow(dead_code))]
mod stack;
mod stdin;
mod syscall;
pub mod threads;

pub use guard::{GUARD_REGIONS, commit_guarded, release_guarded, reserve_guarded};
pub use stack::in_guard as in_stack_guard;
pub use stdin::wait_stdin;
use syscall::{nr, syscall6};

/// Writes `bytes` to file descriptor `fd`; returns bytes written or -errno.
pub fn write(fd: i32, bytes: &[u8]) -> isize {
    // SAFETY: the buffer is valid for its length.
    unsafe {
        syscall6(
            nr::WRITE,
            [fd as usize, bytes.as_ptr() as usize, bytes.len(), 0, 0, 0],
        )
    }
}

/// Reads into `buf` from `fd`; returns bytes read (0 at end) or -errno.
pub fn read(fd: i32, buf: &mut [u8]) -> isize {
    // SAFETY: the buffer is valid and writable for its length.
    unsafe {
        syscall6(
            nr::READ,
            [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0],
        )
    }
}

/// Ends the process with `code`.
pub fn exit(code: i32) -> ! {
    crate::console::flush();
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        syscall6(nr::EXIT_GROUP, [code as usize, 0, 0, 0, 0, 0]);
    }
    loop {
        core::hint::spin_loop();
    }
}

fn clock(id: usize) -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a valid `struct timespec`.
    let r = unsafe {
        syscall6(
            nr::CLOCK_GETTIME,
            [id, ts.as_mut_ptr() as usize, 0, 0, 0, 0],
        )
    };
    if r < 0 {
        return 0;
    }
    (ts[0] as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts[1] as u64)
}

/// Wall-clock time in nanoseconds since 1970.
pub fn realtime_ns() -> u64 {
    clock(0)
}

/// A monotonic clock in nanoseconds.
pub fn monotonic_ns() -> u64 {
    clock(1)
}

/// Sleeps until [`monotonic_ns`] reaches `deadline` (`poll_oneoff`).
pub fn sleep_until_monotonic_ns(deadline: u64) {
    const CLOCK_MONOTONIC: usize = 1;
    const TIMER_ABSTIME: usize = 1;
    const EINTR: isize = -4;
    let ts = [
        (deadline / 1_000_000_000) as i64,
        (deadline % 1_000_000_000) as i64,
    ];
    loop {
        // SAFETY: `ts` is a valid `struct timespec`; no remainder wanted.
        let r = unsafe {
            syscall6(
                nr::CLOCK_NANOSLEEP,
                [
                    CLOCK_MONOTONIC,
                    TIMER_ABSTIME,
                    ts.as_ptr() as usize,
                    0,
                    0,
                    0,
                ],
            )
        };
        // An absolute deadline: a signal's interruption just sleeps again.
        if r != EINTR {
            return;
        }
    }
}

/// Fills `buf` with random bytes from the kernel; false on failure.
pub fn random_fill(buf: &mut [u8]) -> bool {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is writable for its length.
        let r = unsafe {
            syscall6(
                nr::GETRANDOM,
                [rest.as_mut_ptr() as usize, rest.len(), 0, 0, 0, 0],
            )
        };
        if r <= 0 {
            return false;
        }
        done += r as usize;
    }
    true
}

/// Fresh mappings are zero-filled by the kernel.
pub const MAPPED_MEMORY_IS_ZERO: bool = true;

/// Address space is not the limit on Linux: the image's cap is.
pub fn available(_reserve: usize) -> usize {
    usize::MAX
}

/// Maps `bytes` of memory (zeroed on Linux); see [`map_zeroed`].
pub fn map(bytes: usize) -> *mut u8 {
    map_zeroed(bytes)
}

/// Maps `bytes` of zeroed, readable and writable memory that is only
/// backed when touched (so reserving a 4 GiB linear memory is cheap).
/// Returns null on failure.
pub fn map_zeroed(bytes: usize) -> *mut u8 {
    const PROT_READ_WRITE: usize = 3;
    map_anonymous(bytes.max(1).next_multiple_of(4096), PROT_READ_WRITE)
}

/// A private anonymous mapping of `bytes` with protection `prot`, without
/// swap reservation (`MAP_NORESERVE`: address space is all it costs until
/// touched); null on failure.
pub(super) fn map_anonymous(bytes: usize, prot: usize) -> *mut u8 {
    const MAP_PRIVATE_ANONYMOUS_NORESERVE: usize = 0x02 | 0x20 | 0x4000;
    // SAFETY: an anonymous mapping touches no existing memory.
    let r = unsafe {
        syscall6(
            nr::MMAP,
            [
                0,
                bytes,
                prot,
                MAP_PRIVATE_ANONYMOUS_NORESERVE,
                usize::MAX,
                0,
            ],
        )
    };
    if r < 0 {
        core::ptr::null_mut()
    } else {
        r as *mut u8
    }
}

/// Routes CPU faults (SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP) to the
/// runtime's trap handling.
pub fn install_fault_handlers() {
    signals::install();
}

static mut ARGC: usize = 0;
static mut ARGV: *const *const u8 = core::ptr::null();
static mut ENVP: *const *const u8 = core::ptr::null();

/// Iterates over NUL-terminated C strings in a null-terminated array.
pub struct CStrings {
    next: *const *const u8,
    remaining: usize,
}

impl Iterator for CStrings {
    type Item = &'static [u8];
    fn next(&mut self) -> Option<&'static [u8]> {
        if self.remaining == 0 || self.next.is_null() {
            return None;
        }
        // SAFETY: the kernel's argv/envp arrays are null-terminated arrays
        // of NUL-terminated strings that live for the whole process.
        unsafe {
            let s = *self.next;
            if s.is_null() {
                return None;
            }
            self.next = self.next.add(1);
            self.remaining -= 1;
            let mut len = 0;
            while *s.add(len) != 0 {
                len += 1;
            }
            Some(core::slice::from_raw_parts(s, len))
        }
    }
}

/// The process arguments, argv[0] first.
pub fn args() -> CStrings {
    // SAFETY: written once at entry, before anything reads them.
    unsafe {
        CStrings {
            next: ARGV,
            remaining: ARGC,
        }
    }
}

/// The process environment (`KEY=VALUE`).
pub fn env() -> CStrings {
    // SAFETY: written once at entry.
    unsafe {
        CStrings {
            next: ENVP,
            remaining: usize::MAX,
        }
    }
}

/// Called by the ISA's `_start` with the initial stack pointer, which points
/// at `argc`, then `argv[]`, NULL, `envp[]`, NULL.
///
/// # Safety
/// `sp` must be the process's initial stack pointer.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_linux_entry(sp: *const usize) -> ! {
    // SAFETY: the kernel's initial stack layout.
    unsafe {
        ARGC = *sp;
        ARGV = sp.add(1) as *const *const u8;
        ENVP = sp.add(2 + ARGC) as *const *const u8;
    }
    install_fault_handlers();
    crate::host::wasi_fs::fd::open_preopens();
    let budget = crate::instance::manifest().stack_size;
    let Some(stack) = stack::map_stack(budget) else {
        use crate::text::Sink as _;
        let mut w = crate::console::Stderr;
        w.str("error: cannot map a stack of ");
        w.dec(budget);
        w.str(" bytes for Wasm code (--stack-size): the address space is limited (ulimit -v); raise the limit or use a smaller --stack-size\n");
        exit(crate::EXIT_FATAL)
    };
    // Faults on this thread from now on are handled on the signal stack of
    // the Wasm stack's mapping, which also locates its guard.
    stack.enter();
    // SAFETY: `top` is the top of a fresh stack mapping nothing else uses.
    unsafe { stack::switch_to(stack.top, run_on_wasm_stack) }
}

/// The rest of the entry, on the runtime's own stack (see [`stack`]).
#[cfg(not(test))]
extern "C" fn run_on_wasm_stack() -> ! {
    crate::trap::set_stack_base(crate::arch::stack_pointer());
    // SAFETY: `wafer_main` is one of the mode entry points, chosen by the
    // image linker with --defsym.
    unsafe extern "C" {
        fn wafer_main() -> !;
    }
    // SAFETY: see above.
    unsafe { wafer_main() }
}

/// The Rust fault handler, entered directly by the kernel where the ISA
/// needs no entry stub.
pub fn fault_handler_address() -> usize {
    signals::wafer_on_fault as *const () as usize
}
