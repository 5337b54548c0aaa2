//! The stack compiled code runs on: mapped by the runtime at entry, sized
//! from the image's `--stack-size`, with a guard below it.
//!
//! The process's main stack is not used for Wasm: its real size is
//! `RLIMIT_STACK` (1 MiB under `ulimit -s 1024`; under qemu-user a fixed
//! mapping of the host's limit, 8 MiB by default, or `-s`/`QEMU_STACK_SIZE`),
//! and a budget larger than that ran into the end of the stack before the
//! prologues' stack-limit check could fire: a fatal SIGSEGV instead of
//! `call stack exhausted`. On a stack of its own the budget is exactly what
//! is mapped, whatever the rlimits say, and the only way to fail is a
//! mapping refused at start (said in one line).
//!
//! Layout, from low to high addresses:
//! `[guard][trap::HOST_RESERVE][budget][entry slack]` — the top of the budget is the
//! stack base, the budget's bottom the stack limit compiled code checks,
//! host functions and builtins called at the limit use the reserve, and the
//! guard (never mapped accessible) turns anything deeper into a fault
//! rather than a write into other memory.

use super::syscall::{nr, syscall6};

/// Inaccessible bytes below the reserve.
const GUARD: usize = 64 * 1024;

/// Room above the budget for the entry frame that records the stack base.
const ENTRY_SLACK: usize = 4096;

/// Bytes to map for a Wasm stack budget of `budget` bytes, or `None` when
/// that does not fit the address space.
pub fn mapping_size(budget: u64) -> Option<usize> {
    let budget = usize::try_from(budget)
        .ok()?
        .checked_next_multiple_of(4096)?;
    budget.checked_add(ENTRY_SLACK + crate::trap::HOST_RESERVE + GUARD)
}

/// Maps the stack for `budget` bytes of Wasm stack; returns its top
/// (16-byte aligned), or `None` when the kernel refuses the mapping.
pub fn map_stack(budget: u64) -> Option<usize> {
    let size = mapping_size(budget)?;
    let base = super::map_zeroed(size);
    if base.is_null() {
        return None;
    }
    const PROT_NONE: usize = 0;
    // SAFETY: the guard lies at the bottom of the mapping just made.
    let r = unsafe { syscall6(nr::MPROTECT, [base as usize, GUARD, PROT_NONE, 0, 0, 0]) };
    if r < 0 {
        return None;
    }
    Some(base as usize + size)
}

/// The stack limit of a stack mapped by [`map_stack`] for `budget` bytes
/// whose top is `top`: the bottom of the budget, above the reserve.
pub fn budget_bottom(top: usize, budget: u64) -> usize {
    top - ENTRY_SLACK - (budget as usize).next_multiple_of(4096)
}

/// Moves to the stack whose top is `top` and calls `f` there.
///
/// # Safety
/// `top` must be the 16-byte aligned top of a mapped, writable stack that
/// nothing else uses.
pub unsafe fn switch_to(top: usize, f: extern "C" fn() -> !) -> ! {
    // SAFETY: the caller guarantees the stack; `f` never returns, so
    // nothing of the old stack is needed again (args/env pointers into it
    // stay valid: the old stack stays mapped).
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "mov rsp, {top}",
            "xor ebp, ebp",
            "call {f}",
            "ud2",
            top = in(reg) top,
            f = in(reg) f,
            options(noreturn),
        );
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!(
            "mov sp, {top}",
            "mov x29, xzr",
            "blr {f}",
            "brk #1",
            top = in(reg) top,
            f = in(reg) f,
            options(noreturn),
        );
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!(
            "mv sp, {top}",
            "li s0, 0",
            "jalr {f}",
            "unimp",
            top = in(reg) top,
            f = in(reg) f,
            options(noreturn),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_holds_budget_reserve_and_guard() {
        let reserve = crate::trap::HOST_RESERVE;
        let extra = ENTRY_SLACK + reserve + GUARD;
        assert_eq!(mapping_size(1 << 20), Some((1 << 20) + extra));
        // Budgets are rounded up to whole pages.
        assert_eq!(mapping_size(5000), Some(8192 + extra));
        assert_eq!(mapping_size(u64::MAX), None);
    }
}
