//! Fuel and deadlines: the runtime half (see `wafer_abi::budget`).
//!
//! Each top-level call ([`start_call`]) gets a full budget; compiled code
//! spends it and calls [`wafer_budget_refill`] when its counter goes
//! negative. The deadline is polled there, with the same clock as WASI's
//! `clock_time_get(monotonic)`, so it works the same on Linux and on every
//! board, without a timer interrupt, even in a loop with no calls.

use wafer_abi::budget::{Policy, State};
use wafer_abi::descriptor::ModuleDescriptor;
use wafer_abi::vmctx::{BUDGET, BUDGET_DEADLINE, BUDGET_RESERVE, DESCRIPTOR};

/// The budget words of `vmctx`.
///
/// # Safety
/// `vmctx` must be an instance's context.
unsafe fn words(vmctx: *mut u8) -> (*mut i64, *mut i64, *mut u64) {
    // SAFETY: the header offsets lie inside every vmctx.
    unsafe {
        (
            vmctx.add(BUDGET as usize) as *mut i64,
            vmctx.add(BUDGET_RESERVE as usize) as *mut i64,
            vmctx.add(BUDGET_DEADLINE as usize) as *mut u64,
        )
    }
}

/// # Safety
/// `vmctx` must be an instance's context.
unsafe fn policy(vmctx: *mut u8) -> Policy {
    // SAFETY: the descriptor pointer is set at instantiation and static.
    unsafe {
        (*(*(vmctx.add(DESCRIPTOR as usize) as *const *const ModuleDescriptor))).budget_policy()
    }
}

/// # Safety
/// `vmctx` must be an instance's context.
unsafe fn store(vmctx: *mut u8, state: State) {
    // SAFETY: as for `words`; single-threaded.
    unsafe {
        let (counter, reserve, deadline) = words(vmctx);
        *counter = state.counter;
        *reserve = state.reserve;
        *deadline = state.deadline;
    }
}

/// Gives the instance with context `vmctx` a full budget for a call that
/// starts now. Nothing for a module without a budget.
///
/// # Safety
/// `vmctx` must be an instance's context, not in a running call.
pub unsafe fn start_call(vmctx: *mut u8) {
    // SAFETY: per the contract.
    unsafe {
        let policy = policy(vmctx);
        if policy.enabled() {
            store(vmctx, policy.arm(crate::platform::monotonic_ns()));
        }
    }
}

/// Called by compiled code whose budget counter is negative: the new
/// counter, or `FUEL_EXHAUSTED` / `DEADLINE_EXCEEDED` (the caller traps).
/// A budget never armed (a start function, a callee entered from another
/// instance) is armed here, at its first refill.
///
/// # Safety
/// Only compiled code calls this, with its own vmctx.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_budget_refill(vmctx: *mut u8, counter: i64) -> i64 {
    // SAFETY: per the contract; single-threaded.
    unsafe {
        let policy = policy(vmctx);
        let (_, reserve, deadline) = words(vmctx);
        let mut counter = counter;
        if *deadline == 0 {
            let armed = policy.arm(crate::platform::monotonic_ns());
            // What was spent before arming counts against the new budget.
            counter = armed.counter.saturating_add(counter);
            store(vmctx, State { counter, ..armed });
            if counter >= 0 {
                return counter;
            }
        }
        let state = State {
            counter,
            reserve: *reserve,
            deadline: *deadline,
        };
        match policy.refill(state, crate::platform::monotonic_ns) {
            Ok(next) => {
                store(vmctx, next);
                next.counter
            }
            Err(code) => code,
        }
    }
}
