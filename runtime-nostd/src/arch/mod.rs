//! Per-ISA assembly behind one interface.
//!
//! Each ISA file defines, in assembly:
//! - `_start`: passes the initial SP to `wafer_linux_entry`;
//! - `wafer_call_protected(buf, f, a, b) -> u32`: saves the callee-saved
//!   registers and SP in `buf`, calls `f(a, b)`, returns 0;
//! - `wafer_longjmp(buf, code)`: restores `buf`, making the matching
//!   `wafer_call_protected` return `code`;
//! - `wafer_trap_landing`: where a faulting PC is redirected; it longjmps
//!   to the innermost protected call with code 1;
//! - on x86_64, the signal entry stub (realigns the stack, which
//!   qemu-x86_64 7.2 leaves misaligned) and the `rt_sigreturn` restorer.

#[cfg(target_arch = "aarch64")]
mod aarch64;
// The bare-metal boot code places these in its vector table's gaps.
#[cfg(all(target_arch = "aarch64", wafer_platform = "baremetal"))]
pub(crate) use aarch64::{call_protected_asm, longjmp_asm};
#[cfg(target_arch = "riscv64")]
mod riscv64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

/// Saved registers of a protected call (large enough for every ISA).
#[repr(C, align(16))]
pub struct JmpBuf {
    pub words: [u64; 32],
}

impl JmpBuf {
    pub const fn new() -> JmpBuf {
        JmpBuf { words: [0; 32] }
    }
}

impl Default for JmpBuf {
    fn default() -> Self {
        JmpBuf::new()
    }
}

unsafe extern "C" {
    /// See the module docs.
    pub fn wafer_call_protected(
        buf: *mut JmpBuf,
        f: unsafe extern "C" fn(*mut u8, *mut u8),
        a: *mut u8,
        b: *mut u8,
    ) -> u32;
    /// See the module docs.
    pub fn wafer_longjmp(buf: *mut JmpBuf, code: u32) -> !;
    fn wafer_trap_landing();
    #[cfg(all(target_arch = "x86_64", not(wafer_platform = "baremetal")))]
    fn wafer_signal_entry();
    #[cfg(all(target_arch = "x86_64", not(wafer_platform = "baremetal")))]
    fn wafer_signal_restorer();
}

/// Address execution resumes at after a trap was recorded.
pub fn trap_landing() -> usize {
    wafer_trap_landing as *const () as usize
}

/// Address the kernel enters for fault signals.
#[cfg(not(wafer_platform = "baremetal"))]
pub fn signal_entry() -> usize {
    #[cfg(target_arch = "x86_64")]
    return wafer_signal_entry as *const () as usize;
    #[cfg(not(target_arch = "x86_64"))]
    return crate::platform::fault_handler_address();
}

/// The `rt_sigreturn` trampoline (x86_64 requires one).
#[cfg(all(target_arch = "x86_64", not(wafer_platform = "baremetal")))]
pub fn signal_restorer() -> usize {
    wafer_signal_restorer as *const () as usize
}

/// The current stack pointer.
#[inline(always)]
pub fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack));
    }
    sp
}
