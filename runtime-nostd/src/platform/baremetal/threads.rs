//! Wasm threads on the cores of a bare-metal board (wasi-threads, see
//! `crate::threads::spawn`): the same interface as the Linux platform's
//! `threads.rs`, with a core in place of an OS thread.
//!
//! - A thread is a core the boot code left parked: [`spawn`] takes a free
//!   one (the board record's `cores`, boot core excluded), hands it a start
//!   record and wakes it through the ISA's `start_core`; when the thread
//!   returns the core marks itself free and powers off again
//!   ([`exit_thread`]). No free core: the spawn fails (-1), as `clone`
//!   refusing a thread does on Linux.
//! - A stack per thread, carved from the heap (never reclaimed, as on
//!   Linux): the thread's budget, `trap::HOST_RESERVE` below it for host
//!   calls at the edge, and a little slack above for the entry frame.
//! - `memory.atomic.wait/notify` ([`futex_wait`], [`futex_wake`]): one wait
//!   slot per core, taken and released under a spin lock, and a waiting
//!   core spins on its slot (with the board timer for a timeout). The value
//!   is compared under the same lock a notify takes, so a notify that
//!   follows a store cannot slip between a waiter's compare and its sleep.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use wafer_abi::descriptor::MAX_CORES;

use crate::threads::lock::SpinLock;

#[cfg(target_arch = "aarch64")]
use super::aarch64 as isa;
#[cfg(target_arch = "riscv64")]
use super::riscv64 as isa;
#[cfg(not(any(target_arch = "aarch64", target_arch = "riscv64")))]
use no_secondary_cores as isa;

/// What a woken core needs: where its stack is and what to call. Read by
/// the secondary entry in assembly (`stack_top` first).
#[repr(C)]
pub struct CoreStart {
    pub stack_top: usize,
    pub entry: usize,
    pub arg: usize,
}

const MAX: usize = MAX_CORES as usize;

/// One start record per core, written by the spawner that claimed the
/// core in [`BUSY`] and read by that core only after it was woken.
static mut STARTS: [CoreStart; MAX] = [const {
    CoreStart {
        stack_top: 0,
        entry: 0,
        arg: 0,
    }
}; MAX];

/// Whether a core runs a thread (claimed by a spawner, freed by the core
/// itself when its thread ends).
static BUSY: [AtomicBool; MAX] = [const { AtomicBool::new(false) }; MAX];

/// The cores threads may use: the board's `cores` (0 in older records: 1).
fn cores() -> usize {
    (super::board().cores as usize).clamp(1, MAX)
}

/// The calling core's number (`MPIDR_EL1.Aff0`, `mhartid`).
fn core() -> usize {
    isa::current_core()
}

/// An id for the calling thread that is never 0 (the spawner's "none").
pub fn thread_id() -> usize {
    core() + 1
}

/// Whether the caller runs on a core other than the boot core.
pub fn on_other_thread() -> bool {
    core() != super::board().boot_core as usize
}

/// Starts `entry(arg)` on a free core with the stack whose top is `top`;
/// returns the core's number, or -1 when every core is busy or the core
/// could not be started.
///
/// # Safety
/// `top` must be the 16-byte aligned top of a stack nothing else uses,
/// and `entry` must never return.
pub unsafe fn spawn(top: usize, entry: extern "C" fn(*mut u8) -> !, arg: *mut u8) -> isize {
    let boot = super::board().boot_core as usize;
    let Some(core) = (0..cores()).filter(|&c| c != boot).find(|&c| {
        BUSY[c]
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }) else {
        return -1;
    };
    // SAFETY: the core is claimed (BUSY), so this record is ours until it
    // is woken; it lives in a static.
    let record = unsafe {
        let record = &mut (*core::ptr::addr_of_mut!(STARTS))[core];
        record.stack_top = top;
        record.entry = entry as usize;
        record.arg = arg as usize;
        record as *const CoreStart
    };
    // SAFETY: the core is parked or powering off, and `record` is ready.
    if unsafe { isa::start_core(core, record) } {
        core as isize
    } else {
        BUSY[core].store(false, Ordering::Release);
        -1
    }
}

/// Runs the thread a woken core was started for (called by the ISA's
/// secondary entry once the core's MMU, vectors and stack are set up).
///
/// # Safety
/// `start` must be the record [`spawn`] filled for this core.
pub unsafe fn run_core(start: *const CoreStart) -> ! {
    // SAFETY: as the caller guarantees; `entry` was an
    // `extern "C" fn(*mut u8) -> !`.
    unsafe {
        let start = &*start;
        let entry: extern "C" fn(*mut u8) -> ! = core::mem::transmute(start.entry);
        entry(start.arg as *mut u8)
    }
}

/// Ends the calling thread: frees its core and powers it off. Its stack
/// and instance stay allocated.
pub fn exit_thread() -> ! {
    crate::console::flush();
    BUSY[core()].store(false, Ordering::Release);
    isa::stop_core()
}

/// How a wait ended.
pub enum Wake {
    Woken,
    NotEqual,
    TimedOut,
}

/// A core's wait slot: the address it waits on (0: none) and whether a
/// notify woke it.
struct WaitSlot {
    address: AtomicUsize,
    woken: AtomicBool,
}

static WAITERS: [WaitSlot; MAX] = [const {
    WaitSlot {
        address: AtomicUsize::new(0),
        woken: AtomicBool::new(false),
    }
}; MAX];
static WAIT_LOCK: SpinLock = SpinLock::new();

/// Waits while the word at `address` is `expected`, until a notify of the
/// address or `timeout_ns` (none: forever) passes on the board timer.
///
/// # Safety
/// `address` must point at a live, 4-byte-aligned word.
pub unsafe fn futex_wait(address: *const u32, expected: u32, timeout_ns: Option<u64>) -> Wake {
    let deadline = timeout_ns.map(|t| super::monotonic_ns().saturating_add(t));
    let slot = &WAITERS[core()];
    {
        let _held = WAIT_LOCK.lock();
        // SAFETY: as the caller guarantees.
        let word = unsafe { &*(address as *const core::sync::atomic::AtomicU32) };
        if word.load(Ordering::SeqCst) != expected {
            return Wake::NotEqual;
        }
        slot.woken.store(false, Ordering::Relaxed);
        slot.address.store(address as usize, Ordering::Relaxed);
    }
    loop {
        if slot.woken.load(Ordering::Acquire) {
            return Wake::Woken;
        }
        if deadline.is_some_and(|d| super::monotonic_ns() >= d) {
            let _held = WAIT_LOCK.lock();
            if slot.woken.load(Ordering::Acquire) {
                return Wake::Woken;
            }
            slot.address.store(0, Ordering::Relaxed);
            return Wake::TimedOut;
        }
        core::hint::spin_loop();
    }
}

/// Wakes up to `count` waiters on the word at `address`; returns how many.
pub fn futex_wake(address: *const u32, count: u32) -> u32 {
    let _held = WAIT_LOCK.lock();
    let mut woken = 0;
    for slot in &WAITERS[..cores()] {
        if woken == count {
            break;
        }
        if slot.address.load(Ordering::Relaxed) == address as usize {
            slot.address.store(0, Ordering::Relaxed);
            slot.woken.store(true, Ordering::Release);
            woken += 1;
        }
    }
    woken
}

/// Room above a thread's budget for the frames before Wasm runs.
const ENTRY_SLACK: usize = 4096;

/// Allocates a thread's stack for `budget` bytes of Wasm stack, with
/// `trap::HOST_RESERVE` below the limit: `(top, stack limit)`.
pub fn map_thread_stack(budget: u64) -> Option<(usize, usize)> {
    let budget = usize::try_from(budget)
        .ok()?
        .checked_next_multiple_of(4096)?;
    let size = budget.checked_add(ENTRY_SLACK + crate::trap::HOST_RESERVE)?;
    let base = crate::alloc::alloc_zeroed(size, 4096);
    if base.is_null() {
        return None;
    }
    let top = base as usize + size;
    Some((top, top - ENTRY_SLACK - budget))
}

/// ISAs whose boards run the runtime on one core (`cores = 1`, so the
/// compiler refuses modules that spawn): no core ever starts.
#[cfg(not(any(target_arch = "aarch64", target_arch = "riscv64")))]
mod no_secondary_cores {
    pub fn current_core() -> usize {
        super::super::board().boot_core as usize
    }

    /// # Safety
    /// Nothing to uphold: it starts nothing.
    pub unsafe fn start_core(_core: usize, _start: *const super::CoreStart) -> bool {
        false
    }

    pub fn stop_core() -> ! {
        loop {
            core::hint::spin_loop();
        }
    }
}
