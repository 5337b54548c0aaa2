//! The process's scratch directory: every temporary file of one `wafer`
//! command lives in `$TMPDIR/wafer-<pid>.<random>/`, so that it can be
//! removed as a whole on every exit path.
//!
//! A normal exit or an error drops it, SIGINT/SIGTERM remove it (see
//! `runner::signals`), `wafer run` removes it before starting the image
//! (which then runs from memory). SIGKILL cannot be caught: the next
//! `wafer` to start removes the scratch directories of processes that no
//! longer exist.

use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Name prefix of scratch directories; the pid follows.
const PREFIX: &str = "wafer-";

static SCRATCH: Mutex<Option<tempfile::TempDir>> = Mutex::new(None);

/// Removes the scratch directory when dropped (the end of a command, or
/// unwinding from a panic).
#[must_use]
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        release();
    }
}

/// Creates this process's scratch directory and makes it the default
/// directory of every temporary file, after removing those left behind by
/// killed processes.
///
/// # Errors
/// The temporary directory is not writable.
pub fn start() -> Result<Guard> {
    let base = std::env::temp_dir();
    sweep_dead(&base, PREFIX);
    // Held while the directory is made, so that a signal arriving meanwhile
    // (`release` from the signal thread) waits and then finds it.
    let mut slot = lock();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}.", std::process::id()))
        .tempdir_in(&base)
        .with_context(|| format!("cannot create a temporary directory in {}", base.display()))?;
    // Only the first call in a process takes effect; a second `start`
    // (tests calling the CLI in-process) keeps using the first directory.
    let _ = tempfile::env::override_temp_dir(dir.path());
    *slot = Some(dir);
    Ok(Guard(()))
}

/// Removes the scratch directory now (idempotent).
pub fn release() {
    let dir = lock().take();
    drop(dir);
}

fn lock() -> std::sync::MutexGuard<'static, Option<tempfile::TempDir>> {
    // A panic while holding the lock cannot leave the Option inconsistent.
    SCRATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes the entries of `dir` named `<prefix><pid>.<random>` whose
/// process is gone: files or directories a killed `wafer` left behind.
pub fn sweep_dead(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = owner_pid(&name.to_string_lossy(), prefix) else {
            continue;
        };
        if process_exists(pid) {
            continue;
        }
        // Another wafer may be sweeping the same directory: losing that
        // race is fine.
        let _ = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(entry.path()),
            _ => std::fs::remove_file(entry.path()),
        };
    }
}

/// The pid in a name `<prefix><pid>.<random>`.
fn owner_pid(name: &str, prefix: &str) -> Option<i32> {
    let (pid, random) = name.strip_prefix(prefix)?.split_once('.')?;
    if random.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok().filter(|&pid| pid > 0)
}

fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scratch_names_carry_a_pid() {
        assert_eq!(owner_pid("wafer-1234.AbC9zq", PREFIX), Some(1234));
        assert_eq!(owner_pid(".wafer-1234.AbC9zq", ".wafer-"), Some(1234));
        assert_eq!(owner_pid(".wafer-1234.AbC9zq", PREFIX), None);
        assert_eq!(owner_pid("wafer-1234.", PREFIX), None);
        assert_eq!(owner_pid("wafer-12a4.x", PREFIX), None);
        assert_eq!(owner_pid("wafer-mutant-3.wasm", PREFIX), None);
        assert_eq!(owner_pid(".tmpXYZ", PREFIX), None);
        assert_eq!(owner_pid("wafer-0.x", PREFIX), None);
    }

    #[test]
    fn directories_of_dead_processes_are_swept_and_live_ones_kept() {
        let base = tempfile::tempdir().unwrap();
        // A child that has exited and been reaped: its pid is free.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = base.path().join(format!("wafer-{dead}.abc"));
        let live = base
            .path()
            .join(format!("wafer-{}.abc", std::process::id()));
        let unrelated = base.path().join("wafer-notes.d");
        for dir in [&stale, &live, &unrelated] {
            std::fs::create_dir(dir).unwrap();
            std::fs::write(dir.join("f"), "x").unwrap();
        }
        let stale_file = base.path().join(format!("wafer-{dead}.out"));
        std::fs::write(&stale_file, "x").unwrap();
        sweep_dead(base.path(), PREFIX);
        let reused = process_exists(dead as i32);
        assert!(!stale.exists() || reused, "stale directory kept");
        assert!(!stale_file.exists() || reused, "stale file kept");
        assert!(live.exists());
        assert!(unrelated.exists());
    }
}
