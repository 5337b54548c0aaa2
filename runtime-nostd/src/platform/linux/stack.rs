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
//! `[signal stack][guard][reserve][budget][entry slack]`.
//! The top of the budget is the stack base; what lies below it depends on
//! how the image's code checks the stack (`ImageManifest::stack_checks`):
//!
//! - prologue checks: the budget's bottom is the stack limit every prologue
//!   compares SP with; below it `trap::HOST_RESERVE` (64 KiB) stays usable
//!   for host functions and builtins called at the very edge, and the guard
//!   below that turns anything deeper into a fault rather than a write into
//!   other memory.
//! - guard checks (Linux boards' default): no reserve. Compiled code has no
//!   stack check at all, so the guard sits right below the budget: the first
//!   access past `--stack-size` bytes faults in the guard, and the fault
//!   handler ([`in_guard`]) makes it `call stack exhausted`. A host function
//!   or builtin called at the edge shares the budget and ends the same way
//!   when it runs out. Frames larger than a page are probed page by page
//!   from the top (Cranelift's inline stack probes,
//!   `compiler/src/emit/isa.rs`), so no frame can step over the 64 KiB
//!   guard; riscv64 functions whose frames Cranelift would probe bottom-up
//!   keep the prologue check, against a limit at the guard's top.
//!
//! `--stack-size` therefore means the same in both modes: the bytes of stack
//! Wasm code gets before `call stack exhausted`.
//!
//! The signal stack at the bottom of the same mapping is where the fault
//! handler runs for the thread on this stack (a guard fault leaves nothing
//! of the thread's own stack usable). Putting it at a fixed distance below
//! the guard lets the handler find the faulting thread's guard from its
//! own `sigaltstack`, with no list of threads: threads made with `CLONE_VM`
//! start without a signal stack, and each sets its own ([`enter`]).

use core::sync::atomic::{AtomicBool, Ordering};

use super::syscall::{nr, syscall6};

/// Inaccessible bytes below the budget (or the reserve).
const GUARD: usize = 64 * 1024;

/// The fault handler's stack, at the bottom of each stack mapping.
const SIGNAL_STACK: usize = 64 * 1024;

/// Room above the budget for the entry frame that records the stack base.
const ENTRY_SLACK: usize = 4096;

/// Whether Wasm stacks of this process carry their signal stack and guard
/// as above; false in firmware that embeds the runtime, whose signal stack
/// (`signals::install`) has no guard next to it.
static GUARDED_STACKS: AtomicBool = AtomicBool::new(false);

/// A stack mapped by [`map_stack`].
#[derive(Clone, Copy, Debug)]
pub struct WasmStack {
    /// The 16-byte aligned top.
    pub top: usize,
    /// The lowest address of the mapping (its signal stack).
    base: usize,
}

/// The bytes below the budget that stay usable: the host reserve with
/// prologue checks, none with guard checks.
fn reserve(guard_checks: bool) -> usize {
    if guard_checks {
        0
    } else {
        crate::trap::HOST_RESERVE
    }
}

/// Bytes to map for a Wasm stack budget of `budget` bytes, or `None` when
/// that does not fit the address space.
pub fn mapping_size(budget: u64, guard_checks: bool) -> Option<usize> {
    let budget = usize::try_from(budget)
        .ok()?
        .checked_next_multiple_of(4096)?;
    budget.checked_add(ENTRY_SLACK + reserve(guard_checks) + GUARD + SIGNAL_STACK)
}

/// Maps the stack for `budget` bytes of Wasm stack (with the image's stack
/// checks), or `None` when the kernel refuses the mapping.
pub fn map_stack(budget: u64) -> Option<WasmStack> {
    let size = mapping_size(budget, guard_checks())?;
    let base = super::map_zeroed(size);
    if base.is_null() {
        return None;
    }
    const PROT_NONE: usize = 0;
    let guard = base as usize + SIGNAL_STACK;
    // SAFETY: the guard lies inside the mapping just made.
    let r = unsafe { syscall6(nr::MPROTECT, [guard, GUARD, PROT_NONE, 0, 0, 0]) };
    if r < 0 {
        return None;
    }
    GUARDED_STACKS.store(true, Ordering::Relaxed);
    Some(WasmStack {
        top: base as usize + size,
        base: base as usize,
    })
}

/// Whether the image's code relies on the guard instead of prologue checks.
fn guard_checks() -> bool {
    crate::instance::manifest().stack_checks == wafer_abi::descriptor::StackChecks::Guard as u32
}

impl WasmStack {
    /// The stack [`map_stack`] mapped for `budget` whose top is `top`.
    pub fn at(top: usize, budget: u64) -> Option<WasmStack> {
        let size = mapping_size(budget, guard_checks())?;
        Some(WasmStack {
            top,
            base: top.checked_sub(size)?,
        })
    }

    /// The stack limit prologue checks compare with: the bottom of the
    /// budget (`budget` as given to [`map_stack`]).
    pub fn budget_bottom(&self, budget: u64) -> usize {
        self.top - ENTRY_SLACK - (budget as usize).next_multiple_of(4096)
    }

    /// Makes this stack's signal stack the calling thread's: call it on the
    /// thread that will run on this stack, before any Wasm code runs there.
    pub fn enter(&self) {
        let stack = [self.base, 0usize, SIGNAL_STACK];
        // SAFETY: a valid `stack_t`; the signal stack is part of this
        // thread's own mapping, which is never unmapped.
        unsafe { syscall6(nr::SIGALTSTACK, [stack.as_ptr() as usize, 0, 0, 0, 0, 0]) };
    }
}

/// Whether `address` (of a faulting access) lies in the guard of the stack
/// the calling thread runs on: read from the thread's signal stack, which
/// [`WasmStack::enter`] put at a fixed distance below that guard.
pub fn in_guard(address: usize) -> bool {
    if !GUARDED_STACKS.load(Ordering::Relaxed) {
        return false;
    }
    const SS_DISABLE: usize = 2;
    // `stack_t`: sp, flags (int, padded), size.
    let mut current = [0usize; 3];
    // SAFETY: a query only: a null new stack and a valid `stack_t` to fill.
    let r = unsafe {
        syscall6(
            nr::SIGALTSTACK,
            [0, current.as_mut_ptr() as usize, 0, 0, 0, 0],
        )
    };
    let [sp, flags, size] = current;
    if r < 0 || flags as u32 as usize & SS_DISABLE != 0 || size != SIGNAL_STACK {
        return false;
    }
    guard_range(sp).contains(&address)
}

/// The guard of a stack mapping whose signal stack starts at `signal_stack`.
fn guard_range(signal_stack: usize) -> core::ops::Range<usize> {
    let start = signal_stack + SIGNAL_STACK;
    start..start + GUARD
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
    fn the_mapping_holds_budget_reserve_guard_and_signal_stack() {
        let reserve = crate::trap::HOST_RESERVE;
        let extra = ENTRY_SLACK + GUARD + SIGNAL_STACK;
        assert_eq!(
            mapping_size(1 << 20, false),
            Some((1 << 20) + extra + reserve)
        );
        // Guard checks: the guard right below the budget, no reserve.
        assert_eq!(mapping_size(1 << 20, true), Some((1 << 20) + extra));
        // Budgets are rounded up to whole pages.
        assert_eq!(mapping_size(5000, true), Some(8192 + extra));
        assert_eq!(mapping_size(u64::MAX, false), None);
    }

    #[test]
    fn with_guard_checks_the_guard_ends_where_the_budget_begins() {
        let budget = 5000;
        let size = mapping_size(budget, true).unwrap();
        let stack = WasmStack {
            top: 0x10_0000 + size,
            base: 0x10_0000,
        };
        let guard = guard_range(stack.base);
        assert_eq!(guard.end, stack.budget_bottom(budget));
        assert_eq!(guard.end - guard.start, GUARD);
    }
}
