//! Wasm threads: wasi-threads' `thread-spawn` on the Linux boards
//! ([`spawn`]), the shared memories the runtime creates for imports no
//! module provides ([`shared_memory`]), and what the rest of the runtime
//! needs once a second thread exists ([`lock`], [`on_spawned_thread`]).
//!
//! The runtime was written single-threaded, and stays so until the first
//! `thread-spawn`: every check here is one relaxed load of [`STARTED`]
//! before that. After it:
//! - the console buffer and the allocator are behind spin locks;
//! - a trap in a spawned thread reports itself and ends the process with
//!   the trap exit status (wasi-threads: a trap in any thread ends all of
//!   them), so protected calls (`trap::catch`) stay the first thread's;
//! - `memory.atomic.wait/notify` go through the kernel's futex
//!   (`crate::atomics`).
//!
//! See docs/threads.md.

pub mod lock;
pub mod shared_memory;
pub mod spawn;

use core::sync::atomic::{AtomicBool, Ordering};

/// Set (for good) by the first `thread-spawn`, before the thread starts.
static STARTED: AtomicBool = AtomicBool::new(false);

/// Whether a second thread was ever started.
#[inline]
pub fn started() -> bool {
    STARTED.load(Ordering::Acquire)
}

/// Records that threads exist from now on.
pub fn mark_started() {
    STARTED.store(true, Ordering::Release);
}

/// Whether the caller runs on a thread `thread-spawn` made (not the
/// process's first thread). Cheap until the first spawn; out of line, as
/// every trap path asks.
#[inline(never)]
pub fn on_spawned_thread() -> bool {
    started() && crate::platform::threads::on_other_thread()
}

/// Reports `trap` and ends the process, for a trap on a spawned thread.
pub fn trap_on_spawned_thread(trap: &crate::trap::Trap) -> ! {
    crate::trap::report(trap);
    crate::platform::exit(crate::EXIT_TRAP)
}
