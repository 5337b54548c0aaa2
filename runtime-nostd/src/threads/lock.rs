//! A spin lock for the few runtime structures threads share (console
//! buffer, allocator). It is taken only once threads exist
//! ([`super::started`]); critical sections are short and never block.

use core::sync::atomic::{AtomicBool, Ordering};

pub struct SpinLock {
    held: AtomicBool,
}

/// Holds a [`SpinLock`] (if threads exist) until dropped.
pub struct Guard<'a> {
    lock: Option<&'a SpinLock>,
}

impl SpinLock {
    pub const fn new() -> SpinLock {
        SpinLock {
            held: AtomicBool::new(false),
        }
    }

    /// Takes the lock once threads exist; a no-op before. Out of line:
    /// a lock site costs a call, which matters more in a 12 KiB image than
    /// the call does in the short sections it guards.
    #[inline(never)]
    pub fn lock(&self) -> Guard<'_> {
        if !super::started() {
            return Guard { lock: None };
        }
        // `swap` rather than a compare-exchange: the shortest loop on every
        // ISA (one exclusive pair on aarch64, `amoswap` on riscv64).
        while self.held.swap(true, Ordering::Acquire) {
            core::hint::spin_loop();
        }
        Guard { lock: Some(self) }
    }
}

impl Default for SpinLock {
    fn default() -> Self {
        SpinLock::new()
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock {
            lock.held.store(false, Ordering::Release);
        }
    }
}
