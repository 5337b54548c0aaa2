//! SIGINT, SIGTERM and SIGHUP while `wafer` works: forwarded to the running
//! image, or, before there is one, the end of `wafer` after removing its
//! temporary files. Either way `wafer` exits with 128 + the signal number.
//!
//! The signals are blocked in every thread and taken by one thread with
//! `sigwait`, so the reaction is ordinary code (locks, file removal), not a
//! signal handler. A child gets the default mask back before `exec`.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signals `wafer` cleans up after.
const HANDLED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The pid of the running image or QEMU, 0 when there is none.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The last signal received, 0 when none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

fn handled_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset reads it.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        for signal in HANDLED {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

/// Blocks the handled signals and starts the thread that takes them. Call
/// it before any other thread exists, so that every thread inherits the
/// mask.
///
/// # Errors
/// The thread cannot be started.
pub fn install() -> anyhow::Result<()> {
    let set = handled_set();
    // SAFETY: a valid set; blocking signals in the calling thread.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    std::thread::Builder::new()
        .name("wafer-signals".into())
        .spawn(move || {
            loop {
                let mut signal = 0;
                // SAFETY: a valid set and out-pointer.
                if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                    on_signal(signal);
                }
            }
        })
        .map(drop)
        .map_err(|e| anyhow::anyhow!("cannot start the signal thread: {e}"))
}

fn on_signal(signal: libc::c_int) {
    RECEIVED.store(signal, Ordering::SeqCst);
    let child = CHILD.load(Ordering::SeqCst);
    if child > 0 {
        // The waiting thread sees the child end, then exits 128 + signal.
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(child, signal) };
        return;
    }
    // Still compiling or linking: nothing worth finishing.
    crate::output::remove_unfinished();
    crate::scratch::release();
    std::process::exit(128 + signal);
}

/// Unblocks the handled signals; for a child between `fork` and `exec`.
/// Only async-signal-safe calls.
pub fn unblock_in_child() {
    let set = handled_set();
    // SAFETY: a valid set; sigprocmask is async-signal-safe.
    unsafe { libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
}

/// Signals from now on go to the child `pid`.
pub fn forward_to(pid: u32) {
    CHILD.store(pid as i32, Ordering::SeqCst);
}

/// The child is gone: signals end `wafer` again.
pub fn stop_forwarding() {
    CHILD.store(0, Ordering::SeqCst);
}

/// The signal received since `wafer` started, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}
