//! `wafer run` leaves nothing behind: killed with SIGTERM, SIGINT or
//! SIGKILL while the image runs, its child (the image itself, or QEMU) is
//! gone and its temporary directory too. Each test has a private TMPDIR,
//! so "nothing left" means an empty directory.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::module_file;

/// A command that never returns.
const SPIN: &str = r#"(module (func (export "_start") (loop (br 0))))"#;

/// `wafer run` of `module` on `board`, with `tmp` as its TMPDIR.
fn spawn_run(module: &str, board: &str, tmp: &Path) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wafer"));
    command
        .args(["run", module, "--board", board])
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // A test run started in the background by a non-interactive shell
    // inherits SIGINT ignored, and an ignored signal never reaches wafer
    // (as with `nohup`, which wafer respects): give wafer the default
    // disposition the test is about.
    // SAFETY: `signal` is async-signal-safe, as `pre_exec` requires.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    command.spawn().expect("wafer runs")
}

/// (parent pid, state, command name) from `/proc/<pid>/stat`.
fn stat(pid: i32) -> Option<(i32, char, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_string();
    let mut rest = text[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((ppid, state, comm))
}

/// The child of `parent` once it runs the image or QEMU (not the linker,
/// and not yet-to-exec `wafer`).
pub(super) fn started_child(parent: u32, within: Duration) -> i32 {
    child_process(parent, within, &["wafer", "ld.lld", "lld", "rust-lld"])
}

/// The first child of `parent` whose command name is not in `skip`,
/// waiting up to `within` for one to appear.
pub(super) fn child_process(parent: u32, within: Duration, skip: &[&str]) -> i32 {
    let deadline = Instant::now() + within;
    loop {
        let found = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .find(|&pid| {
                stat(pid).is_some_and(|(ppid, _, comm)| {
                    ppid == parent as i32 && !skip.contains(&comm.as_str())
                })
            });
        if let Some(pid) = found {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "process {parent} started no child"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `pid` no longer runs (gone, or a zombie nobody reaps yet).
fn assert_ends(pid: i32, within: Duration) {
    let deadline = Instant::now() + within;
    while stat(pid).is_some_and(|(_, state, _)| state != 'Z' && state != 'X') {
        assert!(Instant::now() < deadline, "process {pid} still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(super) fn wait_bounded(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wafer did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Kills `wafer run` of a never-ending module on `board` with `signal` and
/// checks what remains.
fn kill_while_running(board: &str, signal: i32) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let module = module_file(dir.path(), "spin.wat", SPIN);
    let mut wafer = spawn_run(&module, board, &tmp);
    let child = started_child(wafer.id(), Duration::from_secs(60));
    // SAFETY: signalling the process we started.
    assert_eq!(unsafe { libc::kill(wafer.id() as i32, signal) }, 0);
    let status = wait_bounded(&mut wafer, Duration::from_secs(20));
    if signal == libc::SIGKILL {
        assert_eq!(status.signal(), Some(libc::SIGKILL), "{board}");
    } else {
        assert_eq!(status.code(), Some(128 + signal), "{board}: {status:?}");
    }
    assert_ends(child, Duration::from_secs(10));
    assert_empty(&tmp);
}

#[test]
fn sigterm_ends_the_image_and_removes_temporaries() {
    kill_while_running("host", libc::SIGTERM);
}

#[test]
fn sigint_ends_the_image_and_removes_temporaries() {
    kill_while_running("host", libc::SIGINT);
}

#[test]
fn sigkill_of_wafer_kills_the_image_and_leaves_no_temporaries() {
    kill_while_running("host", libc::SIGKILL);
}

#[test]
fn qemu_dies_with_wafer_too() {
    kill_while_running("linux-riscv64", libc::SIGKILL);
    kill_while_running("qemu-virt-riscv64", libc::SIGKILL);
    kill_while_running("qemu-virt-aarch64", libc::SIGTERM);
}

#[test]
fn a_signal_while_compiling_removes_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Big enough that compiling takes a while (0.7 s for a debug build),
    // so the signal comes while wafer works.
    let body = "(drop (i32.add (i32.const 1) (i32.const 2)))".repeat(100_000);
    let module = module_file(
        dir.path(),
        "big.wat",
        &format!(r#"(module (func (export "_start") {body}))"#),
    );
    let mut wafer = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(["build", &module, "-o"])
        .arg(out.join("app"))
        .env("TMPDIR", &tmp)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Signal as soon as wafer has made its scratch directory.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&tmp).unwrap().next().is_none() {
        assert!(Instant::now() < deadline, "no scratch directory");
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: signalling the process we started.
    unsafe { libc::kill(wafer.id() as i32, libc::SIGTERM) };
    let status = wait_bounded(&mut wafer, Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_empty(&out);
    assert_empty(&tmp);
}

#[test]
fn scratch_directories_of_killed_runs_are_swept_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // A pid that is free: a child that has been reaped.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let stale = tmp.join(format!("wafer-{pid}.AbCdEf"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("module0.o"), "left by SIGKILL").unwrap();
    let mine = tmp.join("notes.txt");
    std::fs::write(&mine, "not wafer's").unwrap();

    let module = module_file(dir.path(), "m.wat", "(module)");
    let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(["compile", &module, "--target", "x86_64", "-o"])
        .arg(dir.path().join("m.o"))
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!stale.exists(), "the stale scratch directory was swept");
    assert!(mine.exists(), "other files are left alone");
}

#[test]
fn temporary_outputs_of_killed_builds_are_swept_by_the_next_build_there() {
    let dir = tempfile::tempdir().unwrap();
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    // What `wafer build -o app` killed with SIGKILL mid-write leaves.
    let stale = dir.path().join(format!(".wafer-{pid}.XyZ123"));
    std::fs::write(&stale, "half an image").unwrap();
    let module = module_file(dir.path(), "m.wat", "(module)");
    let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(["compile", &module, "--target", "x86_64", "-o"])
        .arg(dir.path().join("m.o"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!stale.exists(), "swept");
    assert!(dir.path().join("m.o").exists());
}

#[test]
fn the_image_runs_from_memory_but_sees_its_module_name_as_argv0() {
    // Prints WASI argv[0] (the only argument: its length is the buffer
    // size minus the NUL).
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "prog.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 256)))
    (i32.store (i32.const 8) (i32.load (i32.const 16)))
    (i32.store (i32.const 12) (i32.sub (i32.load (i32.const 4)) (i32.const 1)))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)))))"#,
    );
    for board in ["host", "linux-riscv64"] {
        let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
            .args(["run", &module, "--board", board])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{board}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&o.stdout), "prog", "{board}");
    }
}

#[test]
fn an_image_written_into_a_pipe_leaves_the_pipe_as_it_was() {
    // `-o /dev/null` stands for every device or pipe: written into, never
    // replaced or made executable (root would chmod the system's device).
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.pipe");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let module = module_file(dir.path(), "m.wat", r#"(module (func (export "_start")))"#);
    let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(["build", &module, "--board", "linux-x86_64", "-o"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let image = reader.join().unwrap();
    assert_eq!(&image[..4], b"\x7fELF", "the image came through the pipe");
    let metadata = std::fs::metadata(&fifo).unwrap();
    assert!(metadata.file_type().is_fifo());
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
}
