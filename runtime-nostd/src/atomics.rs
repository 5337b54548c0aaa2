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

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use wafer_abi::trap::TrapCode;

use crate::trap::{Trap, raise};

/// `wait`'s result: the value differed from the expected one.
const NOT_EQUAL: u32 = 1;
/// `wait`'s result: the timeout passed without a notify.
const TIMED_OUT: u32 = 2;

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
    wait_alone(timeout_ns)
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
    wait_alone(timeout_ns)
}

/// A builtin called by compiled code (see `wafer_abi::builtins`): with one
/// thread there is never a waiter to wake.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_atomic_notify(_vmctx: *mut u8, _address: u64, _count: u32) -> u32 {
    0
}

/// A builtin called by compiled code (see `wafer_abi::builtins`): a wait
/// on a memory that is not shared.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_atomic_wait_unshared(_vmctx: *mut u8) {
    raise(Trap::new(TrapCode::ExpectedSharedMemory))
}
