//! The console on every board (issue 11, docs/console.md): under `wafer
//! run`, stdout and stderr arrive apart, stdin is read to its end (also an
//! empty one, a terminal closed with Ctrl-D, and bytes QEMU or the framing
//! would otherwise take for their own), `poll_oneoff` sleeps and reports
//! the standard streams ready, they describe themselves as character
//! devices, and AssemblyScript's `env.abort` reports and traps. An image
//! from `wafer build` keeps a plain UART and no framing code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::stderr;

/// `host`, one qemu-user board and every bare-metal board.
const CONSOLE_BOARDS: [&str; 7] = [
    "host",
    "linux-aarch64",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
    "raspi3b",
    "sifive-u",
];

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs")
        .join(name)
}

/// `wafer run PROGRAM --board BOARD` with `input` on stdin (`None`: no
/// stdin at all, `/dev/null`); killed after two minutes so that a guest
/// waiting for an end of input that never comes fails instead of hanging.
fn run(board: &str, name: &str, input: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wafer"));
    command
        .arg("run")
        .arg(program(name))
        .args(["--board", board])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = command.spawn().expect("wafer starts");
    let writer = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        // Dropping `stdin` at the end closes it: the end of the input.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait works").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{board}: {name} did not end within two minutes");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    child.wait_with_output().expect("output is read")
}

#[test]
fn stdin_is_read_to_its_end_and_stderr_arrives_apart_on_every_board() {
    // Ctrl-A (QEMU's console command key), EOT (what ends the input on the
    // UART) and the framing's escape byte are data like any other.
    let input: &[u8] = b"first line\nsecond \x01x \x04 \x10 line\n\xff\x00last, no newline";
    for board in CONSOLE_BOARDS {
        let o = run(board, "cat.wat", Some(input));
        assert_eq!(o.stdout, input, "{board}: stderr {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("copied {} bytes\n", input.len()),
            "{board}"
        );
        assert_eq!(o.status.code(), Some(3), "{board}");
    }
}

#[test]
fn an_empty_stdin_is_an_immediate_end_of_file_on_every_board() {
    for board in CONSOLE_BOARDS {
        let o = run(board, "cat.wat", None);
        assert_eq!(o.stdout, b"", "{board}: stderr {}", stderr(&o));
        assert_eq!(stderr(&o), "copied 0 bytes\n", "{board}");
        assert_eq!(o.status.code(), Some(3), "{board}");
    }
}

#[test]
fn poll_oneoff_sleeps_for_relative_and_absolute_clock_subscriptions() {
    // The program measures its own waits with clock_time_get (100 ms
    // relative, then 50 ms to an absolute deadline) and exits non-zero if
    // one was short or its event wrong; the run as a whole takes as long.
    for board in CONSOLE_BOARDS {
        let started = Instant::now();
        let o = run(board, "sleep.wat", None);
        let took = started.elapsed();
        assert_eq!(o.status.code(), Some(0), "{board}: stderr {}", stderr(&o));
        assert_eq!(o.stdout, b"slept\n", "{board}");
        assert!(took >= Duration::from_millis(150), "{board}: {took:?}");
    }
}

#[test]
fn poll_oneoff_reports_the_standard_streams_ready_without_waiting_for_a_clock() {
    // After reading stdin to its end, subscriptions: 1 a 10 s clock, 2
    // stdin readable, 3 stdout writable, 4 fd 9 readable; events
    // "<userdata> <type> <errno>": the streams ready (stdin at its end is
    // readable), fd 9 EBADF (8), the clock not yet due.
    for board in CONSOLE_BOARDS {
        let started = Instant::now();
        let o = run(board, "poll_fd.wat", None);
        assert_eq!(o.status.code(), Some(0), "{board}: stderr {}", stderr(&o));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "2 1 00\n3 2 00\n4 1 08\n",
            "{board}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{board}");
    }
}

#[test]
fn the_standard_streams_are_character_devices_with_their_rights() {
    // fd, fdstat filetype, filestat filetype (2: character device), then
    // the fd_read and fd_write rights; EBADF (8) for fd 7; append accepted,
    // nonblock ENOTSUP (58).
    let expected = "0 2 2 10\n1 2 2 01\n2 2 2 01\n7:08 append:00 nonblock:58\n";
    for board in CONSOLE_BOARDS {
        let o = run(board, "stdio_types.wat", None);
        assert_eq!(String::from_utf8_lossy(&o.stdout), expected, "{board}");
        assert_eq!(o.status.code(), Some(0), "{board}: stderr {}", stderr(&o));
    }
}

#[test]
fn assemblyscript_abort_reports_the_message_and_traps() {
    for board in CONSOLE_BOARDS {
        let o = run(board, "abort.wat", None);
        assert_eq!(o.stdout, b"before\n", "{board}: stderr {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "abort: boom at assembly/index.ts:7:3\ntrap: abort\n",
            "{board}"
        );
        assert_eq!(o.status.code(), Some(134), "{board}");
    }
}

#[test]
fn env_abort_with_another_type_is_not_bound_to_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let module = super::module_file(
        dir.path(),
        "abort2.wat",
        r#"(module (import "env" "abort" (func (param i32)))
             (func (export "_start")))"#,
    );
    let out = dir.path().join("app");
    let o = super::wafer(&["build", &module, "-o", out.to_str().unwrap()]);
    super::assert_clean_error(&o, "env.abort");
    assert!(!out.exists());
}

#[test]
fn an_image_from_wafer_build_writes_plain_text_to_its_uart() {
    // Flashed to a board, the image talks to a terminal: no framing bytes
    // around stderr, and stdin's end is not waited for in vain here, as
    // the program is given no input it would read.
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("kernel8.img");
    let o = super::wafer(&[
        "build",
        program("abort.wat").to_str().unwrap(),
        "--board",
        "raspi3b",
        "--format",
        "bin",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // As tests/cli/boards.rs boots a Pi image.
    let run = Command::new("qemu-system-aarch64")
        .args(["-M", "raspi3b", "-nographic", "-semihosting", "-kernel"])
        .arg(&image)
        .stdin(Stdio::null())
        .output()
        .expect("qemu-system-aarch64 runs");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "before\nabort: boom at assembly/index.ts:7:3\ntrap: abort\n"
    );
    assert_eq!(run.status.code(), Some(134));
}

#[test]
fn a_terminal_closed_with_ctrl_d_ends_the_input_on_a_board() {
    // wafer's stdin is a terminal (a pseudo-terminal here) in its usual
    // line mode: a typed line reaches the guest, and Ctrl-D at the start of
    // a line is the end of file, also for a board behind QEMU.
    let (mut master, slave) = {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors into the given integers;
        // the name, termios and window-size arguments may be null.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors are new and owned by nobody else.
        unsafe {
            use std::os::fd::FromRawFd;
            (
                std::fs::File::from_raw_fd(master),
                std::os::fd::OwnedFd::from_raw_fd(slave),
            )
        }
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .arg("run")
        .arg(program("cat.wat"))
        .args(["--board", "qemu-virt-riscv64"])
        .stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wafer starts");
    master.write_all(b"typed line\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    master.write_all(&[0x04]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait works").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Ctrl-D did not end the input");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let o = child.wait_with_output().expect("output is read");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "typed line\n");
    assert_eq!(stderr(&o), "copied 11 bytes\n");
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn an_image_from_wafer_build_does_not_carry_the_framed_console() {
    // Only `wafer run` links the framing: hello's flash budget is tight.
    let dir = tempfile::tempdir().unwrap();
    for board in ["qemu-virt-aarch64", "qemu-virt-riscv64", "qemu-x86_64"] {
        let image = dir.path().join(format!("{board}.elf"));
        let o = super::wafer(&[
            "build",
            program("cat.wat").to_str().unwrap(),
            "--board",
            board,
            "-o",
            image.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        let bytes = std::fs::read(&image).unwrap();
        // Symbol names stay in images (`nm` speaks Wasm): the runtime's
        // UART functions are there, the framed console is not.
        let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
        assert!(has(b"wafer_board"), "{board}: symbols were stripped");
        assert!(!has(b"wafer_framed_console"), "{board}");
    }
}
