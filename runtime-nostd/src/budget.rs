//! Fuel and deadlines: the runtime half (see `wafer_abi::budget`).
//!
//! Each top-level call ([`start_call`]) gets a fresh budget; compiled code
//! spends it and calls `wafer_budget_refill` ([`entry`]) when its counter goes
//! negative. The deadline is polled there, with the same clock as WASI's
//! `clock_time_get(monotonic)`, so it works the same on Linux and on every
//! board, without a timer interrupt, even in a loop with no calls.

mod entry;

use wafer_abi::budget::{FUEL_EXHAUSTED, Policy, State};
use wafer_abi::trap::TrapCode;

use crate::trap::Trap;
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

/// Gives every instance with a budget a fresh one for a top-level call
/// that starts now — the called module and any it reaches through its
/// imports: the counter at 0 and the budget unarmed, so each instance's
/// first check, after its first operators in this call, arms it in
/// [`wafer_budget_refill_inner`] (counting those operators). A few stores
/// per instance and nothing else, so images without a budget link none of
/// the refill.
pub fn start_call() {
    for inst in crate::instance::all() {
        if inst.desc.budget_policy().enabled() {
            // SAFETY: a live instance's vmctx, between calls.
            unsafe {
                let (counter, _, deadline) = words(inst.vmctx);
                *counter = 0;
                *deadline = 0;
            }
        }
    }
}

/// Called (through [`entry`]) by compiled code whose budget counter in
/// the vmctx is negative: stores the refilled counter, or raises `fuel
/// exhausted` / `deadline exceeded` located in the function containing
/// `return_address`. A budget never armed (a start function, a callee
/// entered from another instance) is armed here, at its first refill.
///
/// # Safety
/// Only the entry stub calls this, for compiled code with its own vmctx.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_budget_refill_inner(vmctx: *mut u8, return_address: usize) {
    // SAFETY: per the contract; single-threaded.
    unsafe {
        let policy = policy(vmctx);
        let (counter, reserve, deadline) = words(vmctx);
        let mut spent = *counter;
        if *deadline == 0 {
            let armed = policy.arm(crate::platform::monotonic_ns());
            // What ran before arming counts against the new budget.
            spent = armed.counter.saturating_add(spent);
            store(
                vmctx,
                State {
                    counter: spent,
                    ..armed
                },
            );
            if spent >= 0 {
                return;
            }
        }
        let state = State {
            counter: spent,
            reserve: *reserve,
            deadline: *deadline,
        };
        match policy.refill(state, crate::platform::monotonic_ns) {
            Ok(next) => store(vmctx, next),
            Err(code) => {
                let code = if code == FUEL_EXHAUSTED {
                    TrapCode::FuelExhausted
                } else {
                    TrapCode::DeadlineExceeded
                };
                crate::trap::raise(located(code, return_address))
            }
        }
    }
}

/// A trap of `code` in the compiled function containing `pc` (no Wasm
/// offset: the check is a call, not a trap site).
fn located(code: TrapCode, pc: usize) -> Trap {
    let mut trap = Trap::new(code);
    for desc in crate::instance::descriptors() {
        // SAFETY: descriptors are static data emitted by the compiler.
        let functions = unsafe { desc.functions() };
        if let Some(f) = functions
            .iter()
            .find(|f| (f.ptr as usize..f.ptr as usize + f.code_size as usize).contains(&pc))
        {
            trap.module = Some(desc);
            trap.function = Some(f);
        }
    }
    trap
}
