//! `memory.atomic.wait32/64` and `memory.atomic.notify` (threads proposal)
//! for compiled code (`wafer_abi::builtins`).
//!
//! Compiled code has already checked the address (in bounds, aligned) and
//! that the memory is shared, so each builtin gets a native pointer to the
//! word.
//!
//! With one thread — every board, and a Linux image that has not spawned
//! a thread — nobody can notify a waiter: a wait whose value matches
//! sleeps out its timeout on the board's monotonic clock and returns 2
//! ("timed-out"), and a wait without a timeout (negative) would never
//! return, so it traps `wait would deadlock` instead of hanging.
//! `notify` wakes nobody and returns 0.
//!
//! Once `thread-spawn` started a thread (Linux boards), waits and notifies
//! go through the kernel's futex on the word's address: a wait sleeps
//! until a notify of that address or its timeout, and a wait without
//! timeout may then sleep forever, as a native program would. `wait64`
//! compares all 8 bytes, then sleeps on the low 4 (the futex word).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use wafer_abi::trap::TrapCode;

use crate::trap::{Trap, raise};

/// `wait`'s result: the value differed from the expected one.
const NOT_EQUAL: u32 = 1;
/// `wait`'s result: the timeout passed without a notify.
const TIMED_OUT: u32 = 2;

/// `wait`'s result: woken by a notify.
const WOKEN: u32 = 0;

/// Blocks a waiter whose value matched (`low` is the word's low 4 bytes
/// as they were compared): through the futex when threads exist.
fn block(address: u64, low: u32, timeout_ns: i64) -> u32 {
    if crate::threads::started() {
        use crate::platform::threads::{Wake, futex_wait};
        let timeout = u64::try_from(timeout_ns).ok();
        // SAFETY: compiled code checked the word (bounds, alignment).
        return match unsafe { futex_wait(address as usize as *const u32, low, timeout) } {
            Wake::Woken => WOKEN,
            Wake::NotEqual => NOT_EQUAL,
            Wake::TimedOut => TIMED_OUT,
        };
    }
    wait_alone(timeout_ns)
}

/// Blocks a waiter whose value matched, with no other thread to wake it.
fn wait_alone(timeout_ns: i64) -> u32 {
    if timeout_ns < 0 {
        raise(Trap::new(TrapCode::WaitDeadlock));
    }
    let deadline = crate::platform::monotonic_ns().saturating_add(timeout_ns as u64);
    crate::platform::sleep_until_monotonic_ns(deadline);
    TIMED_OUT
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `address` must point at a 4-byte-aligned word of a live shared memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_atomic_wait32(
    _vmctx: *mut u8,
    address: u64,
    expected: u32,
    timeout_ns: i64,
) -> u32 {
    // SAFETY: the caller checked bounds and alignment.
    let word = unsafe { &*(address as usize as *const AtomicU32) };
    if word.load(Ordering::SeqCst) != expected {
        return NOT_EQUAL;
    }
    block(address, expected, timeout_ns)
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `address` must point at an 8-byte-aligned word of a live shared memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_atomic_wait64(
    _vmctx: *mut u8,
    address: u64,
    expected: u64,
    timeout_ns: i64,
) -> u32 {
    // SAFETY: the caller checked bounds and alignment.
    let word = unsafe { &*(address as usize as *const AtomicU64) };
    if word.load(Ordering::SeqCst) != expected {
        return NOT_EQUAL;
    }
    block(address, expected as u32, timeout_ns)
}

/// A builtin called by compiled code (see `wafer_abi::builtins`): with one
/// thread there is never a waiter to wake.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_atomic_notify(_vmctx: *mut u8, address: u64, count: u32) -> u32 {
    if crate::threads::started() {
        return crate::platform::threads::futex_wake(address as usize as *const u32, count);
    }
    0
}

/// A builtin called by compiled code (see `wafer_abi::builtins`): a wait
/// on a memory that is not shared.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_atomic_wait_unshared(_vmctx: *mut u8) {
    raise(Trap::new(TrapCode::ExpectedSharedMemory))
}
