//! Starting a core through the Raspberry Pi's spin table (raspi3b:
//! `core-start = "spin-table"`; there is no PSCI).
//!
//! Cores 1-3 come out of reset polling a 64-bit mailbox each, at
//! `0xd8 + 8 * core`, with the MMU off: in the firmware's armstub on the
//! board, in `_start`'s park loop under QEMU (which starts every core at the
//! ELF entry). A first start writes [`wafer_aarch64_spin_entry`] there: the
//! core leaves EL2/EL3 for EL1 as the boot core did and joins the PSCI path's
//! secondary entry (FP, vectors, MMU, stack) with its `CoreStart`.
//!
//! A core cannot power off and the mailbox cannot take it back (its line
//! is shared with the other cores' mailboxes, which a core with caches off
//! must not write), so a core whose thread ended waits in [`park`] instead,
//! with caches and MMU on, for the next start record in [`RESTART`].

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use wafer_abi::descriptor::MAX_CORES;

use super::super::threads::CoreStart;

const MAX: usize = MAX_CORES as usize;

/// The first mailbox (core 0's); core `n`'s is 8 bytes per core up.
const MAILBOX_BASE: usize = 0xd8;

/// The start record of a core leaving the spin table, read by
/// [`wafer_aarch64_spin_entry`] with the MMU (so the caches) still off.
#[unsafe(no_mangle)]
static WAFER_SPIN_STARTS: [AtomicUsize; MAX] = [const { AtomicUsize::new(0) }; MAX];

/// Whether a core has left the spin table (then it waits in [`park`]).
/// Only the spawner that claimed the core touches its entry.
static RELEASED: [AtomicBool; MAX] = [const { AtomicBool::new(false) }; MAX];

/// The next start record of a core waiting in [`park`] (0: none).
static RESTART: [AtomicUsize; MAX] = [const { AtomicUsize::new(0) }; MAX];

// A core leaving the spin table enters here with the MMU off, at whatever
// EL it was parked in. Its own section, so an image that never spawns
// drops it (--gc-sections).
core::arch::global_asm!(
    ".section .text.wafer_aarch64_spin_entry,\"ax\",%progbits",
    ".balign 4",
    ".globl wafer_aarch64_spin_entry",
    "wafer_aarch64_spin_entry:",
    "bl wafer_aarch64_enter_el1",
    "mrs x0, mpidr_el1",
    "and x0, x0, #0xff",
    "adrp x1, WAFER_SPIN_STARTS",
    "add x1, x1, :lo12:WAFER_SPIN_STARTS",
    "ldr x0, [x1, x0, lsl #3]",
    "b wafer_aarch64_secondary_entry",
);

/// Pushes the cache line holding `address` out to memory, where a core
/// with its caches off reads.
fn clean_to_memory(address: usize) {
    // SAFETY: a cache maintenance instruction on a mapped address.
    unsafe { core::arch::asm!("dc cvac, {}", in(reg) address, options(nostack)) };
}

/// Starts `core` on `start`: the first time through its mailbox, later
/// through [`RESTART`] where [`park`] waits. Always succeeds (nothing
/// answers a mailbox write).
///
/// # Safety
/// `core` must be claimed by the caller and `start` filled for it.
pub unsafe fn start_core(core: usize, start: *const CoreStart) -> bool {
    if RELEASED[core].swap(true, Ordering::Relaxed) {
        RESTART[core].store(start as usize, Ordering::Release);
    } else {
        unsafe extern "C" {
            fn wafer_aarch64_spin_entry();
        }
        WAFER_SPIN_STARTS[core].store(start as usize, Ordering::Relaxed);
        clean_to_memory(WAFER_SPIN_STARTS[core].as_ptr() as usize);
        let mailbox = (MAILBOX_BASE + 8 * core) as *mut u64;
        // SAFETY: the mailbox is the board's, in RAM the image never uses
        // (it starts at 32 MiB), and only this claimed core polls it.
        unsafe { mailbox.write_volatile(wafer_aarch64_spin_entry as *const () as usize as u64) };
        clean_to_memory(mailbox as usize);
    }
    // SAFETY: orders the writes above before the event that wakes the core.
    unsafe { core::arch::asm!("dsb sy", "sev", options(nostack)) };
    true
}

/// Where a core whose thread ended waits for its next thread: it starts
/// that one through the secondary entry, on the new thread's stack.
pub fn park(core: usize) -> ! {
    loop {
        let start = RESTART[core].swap(0, Ordering::Acquire);
        if start != 0 {
            // SAFETY: `start` is the record a spawner filled for this core;
            // the secondary entry never returns and this stack is done.
            unsafe {
                core::arch::asm!(
                    "b wafer_aarch64_secondary_entry",
                    in("x0") start,
                    options(noreturn)
                )
            }
        }
        // SAFETY: waits for an event (a spawner's `sev`); touches nothing.
        unsafe { core::arch::asm!("wfe", options(nomem, nostack)) };
    }
}
