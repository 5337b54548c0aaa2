//! Fault signals → Wasm traps.
//!
//! SIGILL (trap instructions), SIGFPE (x86_64 `idiv` overflow), SIGSEGV,
//! SIGBUS and SIGTRAP run [`on_fault`] on an alternate stack. It passes the
//! faulting PC to [`crate::trap::handle_fault`], which either returns the
//! address to resume at (the trap landing stub) or ends the process. The
//! resume address is written into the saved context, so the kernel's
//! `rt_sigreturn` continues there with every other register intact.

use super::syscall::{nr, syscall6};

const SIGILL: usize = 4;
const SIGTRAP: usize = 5;
const SIGBUS: usize = 7;
const SIGFPE: usize = 8;
const SIGSEGV: usize = 11;

const SA_SIGINFO: u64 = 0x4;
const SA_ONSTACK: u64 = 0x0800_0000;
#[cfg(target_arch = "x86_64")]
const SA_RESTORER: u64 = 0x0400_0000;

/// Offset of the saved PC in the `ucontext_t` the kernel passes.
#[cfg(target_arch = "x86_64")]
const UCONTEXT_PC: usize = 168;
#[cfg(target_arch = "aarch64")]
const UCONTEXT_PC: usize = 440;
#[cfg(target_arch = "riscv64")]
const UCONTEXT_PC: usize = 176;

/// The kernel's `struct sigaction` (riscv64 has no restorer field).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    #[cfg(not(target_arch = "riscv64"))]
    restorer: usize,
    mask: u64,
}

/// The alternate signal stack, mapped at start rather than kept in
/// `.bss`: the image's static RAM stays a few KiB, and the kernel backs
/// only the pages a handler touches.
const ALT_STACK_SIZE: usize = 64 * 1024;

/// Offset of `si_addr` (the faulting data address of SIGSEGV/SIGBUS) in
/// the `siginfo_t` the kernel passes: after three ints and padding on
/// every 64-bit Linux ISA.
const SIGINFO_ADDR: usize = 16;

/// Rust part of the fault handler (reached through the ISA's entry stub).
#[unsafe(no_mangle)]
pub extern "C" fn wafer_on_fault(signal: i32, info: *mut u8, context: *mut u8) {
    // SAFETY: the kernel passes a valid siginfo_t and ucontext_t;
    // UCONTEXT_PC is the offset of its saved PC for this ISA.
    unsafe {
        let pc_slot = context.add(UCONTEXT_PC) as *mut usize;
        let resume = if signal as usize == SIGSEGV || signal as usize == SIGBUS {
            let address = *(info.add(SIGINFO_ADDR) as *const usize);
            crate::trap::handle_memory_fault(signal, *pc_slot, address)
        } else {
            crate::trap::handle_fault(signal, *pc_slot)
        };
        *pc_slot = resume;
    }
}

/// Installs the fault handlers and the alternate signal stack.
pub fn install() {
    // SAFETY: the alternate stack is a fresh mapping used only by signal
    // handlers; the sigaltstack and sigaction structs are valid for the
    // calls.
    unsafe {
        let alt_stack = super::map_zeroed(ALT_STACK_SIZE);
        // Without it (address space exhausted already) handlers run on the
        // stack in use: SA_ONSTACK asks for a stack only where one is set.
        if !alt_stack.is_null() {
            let stack = [alt_stack as usize, 0usize, ALT_STACK_SIZE];
            syscall6(nr::SIGALTSTACK, [stack.as_ptr() as usize, 0, 0, 0, 0, 0]);
        }
        let handler = crate::arch::signal_entry();
        #[cfg(target_arch = "x86_64")]
        let action = KernelSigaction {
            handler,
            flags: SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
            restorer: crate::arch::signal_restorer(),
            mask: 0,
        };
        #[cfg(target_arch = "aarch64")]
        let action = KernelSigaction {
            handler,
            flags: SA_SIGINFO | SA_ONSTACK,
            restorer: 0,
            mask: 0,
        };
        #[cfg(target_arch = "riscv64")]
        let action = KernelSigaction {
            handler,
            flags: SA_SIGINFO | SA_ONSTACK,
            mask: 0,
        };
        for signal in [SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV] {
            syscall6(
                nr::RT_SIGACTION,
                [signal, &action as *const _ as usize, 0, 8, 0, 0],
            );
        }
    }
}
