//! Running a program with a wall-clock bound and measuring its peak memory,
//! for the bad-input catalog and the input-size limits.
//!
//! The peak is the resident-set high-water mark of the program and of the
//! children it waited for (lld, QEMU, the image), as GNU `time` reports it
//! (`%M`). It is not read with `wait4` from this process: Linux starts a
//! forked child's high-water mark at the parent's resident size, and this
//! test process holds every module that parallel tests generate (100 MiB
//! and more), which then showed up as every child's "peak". `time` is a
//! small process of its own, so the mark it reads is the program's.
//!
//! Each run is its own process group, so a run past its bound is killed
//! with everything it started.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const TIME: &str = "/usr/bin/time";

/// A finished run.
pub struct Measured {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set, bytes.
    pub peak_rss: u64,
    pub elapsed: Duration,
}

/// A started run: the program under `time`, output going to files beside
/// `scratch` (`<scratch>.stdout`, `.stderr`, `.time`).
pub struct Running {
    time: Child,
    scratch: PathBuf,
    started: Instant,
}

/// Starts `command` (its program, arguments, environment and directory;
/// stdin is empty) under `time`.
pub fn spawn(command: &Command, scratch: &Path) -> Running {
    assert!(
        Path::new(TIME).exists(),
        "{TIME} is missing: install the Debian package `time` (.ci/setup does)"
    );
    let mut time = Command::new(TIME);
    time.args(["--quiet", "-f", "%M", "-o"])
        .arg(scratch.with_extension("time"))
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(scratch.with_extension("stdout")).unwrap())
        .stderr(std::fs::File::create(scratch.with_extension("stderr")).unwrap())
        .process_group(0);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => time.env(key, value),
            None => time.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        time.current_dir(dir);
    }
    Running {
        time: time.spawn().expect("time starts"),
        scratch: scratch.to_path_buf(),
        started: Instant::now(),
    }
}

/// Runs `command` to its end, or kills it after `bound`.
pub fn run(command: &Command, scratch: &Path, bound: Duration) -> Result<Measured, String> {
    spawn(command, scratch).wait(bound)
}

impl Running {
    /// The measured program's process id (`time`'s only child).
    pub fn program_pid(&self, within: Duration) -> i32 {
        super::hygiene::child_process(self.time.id(), within, &[])
    }

    /// Kills the whole run: `time`, the program, and what it started.
    fn kill(&mut self) {
        let group = self.time.id() as i32;
        // SAFETY: signalling our own process group.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.time.wait();
    }

    /// Waits for the end, or kills the whole run after `bound` (measured
    /// from the start).
    pub fn wait(mut self, bound: Duration) -> Result<Measured, String> {
        let deadline = self.started + bound;
        let status = loop {
            if let Some(status) = self.time.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!("no result within {bound:?}: killed"));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let elapsed = self.started.elapsed();
        let read = |ext: &str| {
            let bytes = std::fs::read(self.scratch.with_extension(ext)).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let report = read("time");
        // The last line is `%M` (KiB). Before it, `time` notes a death by
        // signal, which it otherwise turns into its own exit status.
        let peak_kib: u64 = report
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("no measurement from {TIME}: {report:?}"))?;
        let signal = report
            .lines()
            .find_map(|l| l.strip_prefix("Command terminated by signal "))
            .and_then(|n| n.trim().parse::<i32>().ok());
        Ok(Measured {
            status: match signal {
                Some(signal) => ExitStatus::from_raw(signal),
                None => status,
            },
            stdout: read("stdout"),
            stderr: read("stderr"),
            peak_rss: peak_kib * 1024,
            elapsed,
        })
    }
}

impl Drop for Running {
    /// A test that fails between start and `wait` (a panicking assertion)
    /// must not leave a spinning image or QEMU behind.
    fn drop(&mut self) {
        if let Ok(None) = self.time.try_wait() {
            self.kill();
        }
    }
}
