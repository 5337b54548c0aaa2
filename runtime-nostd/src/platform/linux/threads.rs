//! OS threads for wasi-threads (`crate::threads`): `clone` into a fresh
//! stack, thread ids, `futex` wait and wake, thread exit.

use super::syscall::syscall6;

/// System call numbers used only here.
#[cfg(target_arch = "x86_64")]
mod nr {
    pub const CLONE: usize = 56;
    pub const EXIT: usize = 60;
    pub const FUTEX: usize = 202;
    pub const GETTID: usize = 186;
    pub const GETPID: usize = 39;
}
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
mod nr {
    pub const CLONE: usize = 220;
    pub const EXIT: usize = 93;
    pub const FUTEX: usize = 98;
    pub const GETTID: usize = 178;
    pub const GETPID: usize = 172;
}

const FUTEX_WAIT_PRIVATE: usize = 128;
const FUTEX_WAKE_PRIVATE: usize = 1 | 128;
const EAGAIN: isize = -11;
const EINTR: isize = -4;
const ETIMEDOUT: isize = -110;

/// A thread sharing everything with its creator, as pthreads makes them.
const CLONE_FLAGS: usize = 0x100 // CLONE_VM
    | 0x200 // CLONE_FS
    | 0x400 // CLONE_FILES
    | 0x800 // CLONE_SIGHAND
    | 0x10000 // CLONE_THREAD
    | 0x40000; // CLONE_SYSVSEM

/// The calling thread's OS thread id.
pub fn thread_id() -> usize {
    // SAFETY: no arguments.
    unsafe { syscall6(nr::GETTID, [0; 6]) as usize }
}

/// Whether the calling thread is not the process's first thread.
pub fn on_other_thread() -> bool {
    // SAFETY: neither call takes arguments.
    unsafe { syscall6(nr::GETTID, [0; 6]) != syscall6(nr::GETPID, [0; 6]) }
}

/// Starts a thread running `entry(arg)` on the stack whose top is `top`;
/// returns its OS thread id or -errno.
///
/// # Safety
/// `top` must be the top of a stack [`map_thread_stack`] mapped that
/// nothing else uses, and `entry` must never return.
pub unsafe fn spawn(top: usize, entry: extern "C" fn(*mut u8) -> !, arg: *mut u8) -> isize {
    let ret: isize;
    let start = thread_start as *const () as usize;
    // SAFETY: the child starts on `top` with the registers of this call:
    // it calls `thread_start(arg, entry, top)` (kept in registers the
    // system call preserves) and never comes back into this function's
    // frame; the parent returns the thread id normally.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov rdi, r12",
            "mov rsi, r13",
            "mov rdx, r14",
            "call r15",
            "ud2",
            "2:",
            inlateout("rax") nr::CLONE as isize => ret,
            in("rdi") CLONE_FLAGS, in("rsi") top, in("rdx") 0usize,
            in("r10") 0usize, in("r8") 0usize,
            in("r12") arg, in("r13") entry, in("r14") top, in("r15") start,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!(
            "svc 0",
            "cbnz x0, 2f",
            "mov x29, xzr",
            "mov x0, x9",
            "mov x1, x10",
            "mov x2, x11",
            "blr x12",
            "brk #1",
            "2:",
            in("x8") nr::CLONE,
            inlateout("x0") CLONE_FLAGS as isize => ret,
            in("x1") top, in("x2") 0usize, in("x3") 0usize, in("x4") 0usize,
            in("x9") arg, in("x10") entry, in("x11") top, in("x12") start,
            options(nostack),
        );
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!(
            "ecall",
            "bnez a0, 2f",
            "li s0, 0",
            "mv a0, t0",
            "mv a1, t1",
            "mv a2, t2",
            "jalr t3",
            "unimp",
            "2:",
            in("a7") nr::CLONE,
            inlateout("a0") CLONE_FLAGS as isize => ret,
            in("a1") top, in("a2") 0usize, in("a3") 0usize, in("a4") 0usize,
            in("t0") arg, in("t1") entry, in("t2") top, in("t3") start,
            options(nostack),
        );
    }
    ret
}

/// The new thread's first Rust code: a thread made with `CLONE_VM` starts
/// without a signal stack, so it takes the one of its stack's mapping
/// (which also tells the fault handler where its guard is) before
/// `entry(arg)` runs any Wasm.
extern "C" fn thread_start(arg: *mut u8, entry: extern "C" fn(*mut u8) -> !, top: usize) -> ! {
    if let Some(stack) = super::stack::WasmStack::at(top, crate::instance::manifest().stack_size) {
        stack.enter();
    }
    entry(arg)
}

/// Ends the calling thread (not the process). Its stack stays mapped.
pub fn exit_thread() -> ! {
    // SAFETY: `exit` takes a plain integer and does not return.
    unsafe {
        syscall6(nr::EXIT, [0; 6]);
    }
    loop {
        core::hint::spin_loop();
    }
}

/// How a futex wait ended.
pub enum Wake {
    Woken,
    NotEqual,
    TimedOut,
}

/// Sleeps while the word at `address` is `expected`, until woken or
/// `timeout_ns` (none: forever) passes on the monotonic clock.
///
/// # Safety
/// `address` must point at a live, 4-byte-aligned word.
pub unsafe fn futex_wait(address: *const u32, expected: u32, timeout_ns: Option<u64>) -> Wake {
    let deadline = timeout_ns.map(|t| super::monotonic_ns().saturating_add(t));
    loop {
        // The relative timeout left until the deadline (null: forever).
        let ts = deadline.map(|deadline| {
            let left = deadline.saturating_sub(super::monotonic_ns());
            [(left / 1_000_000_000) as i64, (left % 1_000_000_000) as i64]
        });
        let ts_ptr = ts.as_ref().map_or(0, |ts| ts.as_ptr() as usize);
        // SAFETY: the caller guarantees the word; `ts` is a timespec.
        let r = unsafe {
            syscall6(
                nr::FUTEX,
                [
                    address as usize,
                    FUTEX_WAIT_PRIVATE,
                    expected as usize,
                    ts_ptr,
                    0,
                    0,
                ],
            )
        };
        match r {
            0 => return Wake::Woken,
            EAGAIN => return Wake::NotEqual,
            ETIMEDOUT => return Wake::TimedOut,
            // A signal: wait out the rest.
            EINTR => continue,
            _ => return Wake::TimedOut,
        }
    }
}

/// Wakes up to `count` waiters on the word at `address`; returns how many.
pub fn futex_wake(address: *const u32, count: u32) -> u32 {
    let count = count.min(i32::MAX as u32) as usize;
    // SAFETY: FUTEX_WAKE only compares addresses.
    let r = unsafe {
        syscall6(
            nr::FUTEX,
            [address as usize, FUTEX_WAKE_PRIVATE, count, 0, 0, 0],
        )
    };
    r.max(0) as u32
}

/// Maps a thread's stack for `budget` bytes of Wasm stack, with the same
/// guard and reserve as the first thread's: `(top, stack limit)`.
pub fn map_thread_stack(budget: u64) -> Option<(usize, usize)> {
    let stack = super::stack::map_stack(budget)?;
    Some((stack.top, stack.budget_bottom(budget)))
}
