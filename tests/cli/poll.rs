//! `poll_oneoff` on stdin (issue 11, docs/console.md): a program waiting
//! for input or a 200 ms clock (`tests/programs/poll_stdin.wat`) wakes for
//! whichever comes first, on `host`, a qemu-user board and two bare-metal
//! boards under `wafer run`. The input comes from a real writer: the test
//! writes to the program's stdin only after the program reported a clock
//! event, so the assertions are on the order of events, never on timings.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const POLL_BOARDS: [&str; 4] = [
    "host",
    "linux-aarch64",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
];

/// Boards whose stdin is the host's own fd 0 (no framed console between).
fn is_linux(board: &str) -> bool {
    board == "host" || board.starts_with("linux-")
}

/// How long a run may take before the test calls it hung: generous, as
/// the machine may be loaded and QEMU boots first.
const LIMIT: Duration = Duration::from_secs(120);

fn program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/poll_stdin.wat")
}

/// What the program reported, in order (its stdout, parsed).
#[derive(Debug, PartialEq)]
enum Event {
    Clock,
    Data(String),
    End,
}

/// Parses the program's lines: `clock\n`, `end\n`, or `got:` followed by
/// the bytes of one `fd_read` (the test's input holds none of the three
/// markers, so a chunk ends where the next marker starts).
fn events(stdout: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut rest = stdout;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("clock\n") {
            out.push(Event::Clock);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("end\n") {
            out.push(Event::End);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("got:") {
            let next = ["got:", "clock\n", "end\n"]
                .iter()
                .filter_map(|m| r.find(m))
                .min()
                .unwrap_or(r.len());
            out.push(Event::Data(r[..next].to_string()));
            rest = &r[next..];
        } else {
            panic!("unexpected output {rest:?} (all: {stdout:?})");
        }
    }
    out
}

/// The events without the clock ones, with consecutive data chunks (one
/// line may arrive in several reads on a UART) joined.
fn input_events(all: &[Event]) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in all {
        match (e, out.last_mut()) {
            (Event::Clock, _) => {}
            (Event::Data(d), Some(Event::Data(prev))) => prev.push_str(d),
            (Event::Data(d), _) => out.push(Event::Data(d.clone())),
            (Event::End, _) => out.push(Event::End),
        }
    }
    out
}

/// `wafer run poll_stdin.wat --board BOARD` with `stdin`; its stdout
/// arrives on the returned channel as it is written.
fn start(board: &str, stdin: Stdio) -> (Child, Receiver<Vec<u8>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .arg("run")
        .arg(program())
        .args(["--board", board])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wafer starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (send, receive) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || send.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (child, receive)
}

/// Collects stdout until it ends (or until `until` holds for what came
/// so far), within [`LIMIT`]; kills the child if it takes longer.
fn collect(
    board: &str,
    child: &mut Child,
    output: &Receiver<Vec<u8>>,
    got: &mut Vec<u8>,
    until: impl Fn(&[u8]) -> bool,
) {
    let deadline = Instant::now() + LIMIT;
    while !until(got) {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.recv_timeout(left) {
            Ok(chunk) => got.extend_from_slice(&chunk),
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!(
                    "{board}: no end within {LIMIT:?}; stdout so far {:?}",
                    String::from_utf8_lossy(got)
                );
            }
        }
    }
}

/// Waits for the exit (the output has ended); its stderr and exit code.
fn finish(child: Child) -> (String, Option<i32>) {
    let o = child.wait_with_output().expect("wafer ends");
    (
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code(),
    )
}

fn write_and_close(mut stdin: ChildStdin, bytes: &[u8]) {
    stdin
        .write_all(bytes)
        .expect("the program's stdin takes input");
    drop(stdin); // the end of the input
}

#[test]
fn a_clock_fires_first_while_no_input_has_come_then_the_input_and_its_end() {
    for board in POLL_BOARDS {
        let (mut child, output) = start(board, Stdio::piped());
        let stdin = child.stdin.take().expect("piped stdin");
        let mut got = Vec::new();
        // Nothing is written before the program says its clock fired.
        collect(board, &mut child, &output, &mut got, |g| {
            g.windows(6).any(|w| w == b"clock\n")
        });
        write_and_close(stdin, b"hello\n");
        collect(board, &mut child, &output, &mut got, |_| false);
        let (stderr, code) = finish(child);
        let all = events(&String::from_utf8_lossy(&got));
        assert_eq!(all.first(), Some(&Event::Clock), "{board}: {all:?}");
        assert_eq!(
            input_events(&all),
            [Event::Data("hello\n".into()), Event::End],
            "{board}: {all:?}, stderr {stderr}"
        );
        assert_eq!(all.last(), Some(&Event::End), "{board}: {all:?}");
        assert_eq!(code, Some(0), "{board}: stderr {stderr}");
    }
}

#[test]
fn piped_input_is_reported_readable_with_its_bytes_then_the_end_with_hangup() {
    for board in POLL_BOARDS {
        let (mut child, output) = start(board, Stdio::piped());
        write_and_close(child.stdin.take().expect("piped stdin"), b"two words\n");
        let mut got = Vec::new();
        collect(board, &mut child, &output, &mut got, |_| false);
        let (stderr, code) = finish(child);
        let all = events(&String::from_utf8_lossy(&got));
        // A clock event may come first if the machine is slow to pass the
        // input on; after the input, only its end.
        assert_eq!(
            input_events(&all),
            [Event::Data("two words\n".into()), Event::End],
            "{board}: {all:?}, stderr {stderr}"
        );
        assert_eq!(all.last(), Some(&Event::End), "{board}: {all:?}");
        assert_eq!(code, Some(0), "{board}: stderr {stderr}");
    }
}

#[test]
fn stdin_from_a_file_is_ready_at_once_with_its_size_on_linux_boards() {
    // A regular file is always ready (POSIX): no clock event can come
    // first, and its end follows its bytes.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "from a file\n").unwrap();
    for board in POLL_BOARDS.into_iter().filter(|b| is_linux(b)) {
        let file = std::fs::File::open(&input).unwrap();
        let (mut child, output) = start(board, Stdio::from(file));
        let mut got = Vec::new();
        collect(board, &mut child, &output, &mut got, |_| false);
        let (stderr, code) = finish(child);
        assert_eq!(
            events(&String::from_utf8_lossy(&got)),
            [Event::Data("from a file\n".into()), Event::End],
            "{board}: stderr {stderr}"
        );
        assert_eq!(code, Some(0), "{board}");
    }
}

#[test]
fn a_closed_stdin_is_readable_with_hangup_and_no_bytes() {
    for board in POLL_BOARDS {
        let (mut child, output) = start(board, Stdio::null());
        let mut got = Vec::new();
        collect(board, &mut child, &output, &mut got, |_| false);
        let (stderr, code) = finish(child);
        let all = events(&String::from_utf8_lossy(&got));
        // `/dev/null` is at its end from the start on Linux; on a board the
        // end-of-input byte may still be on its way when the clock fires.
        if is_linux(board) {
            assert_eq!(all, [Event::End], "{board}: stderr {stderr}");
        } else {
            assert_eq!(input_events(&all), [Event::End], "{board}: {all:?}");
        }
        assert_eq!(code, Some(0), "{board}: stderr {stderr}");
    }
}

/// `tests/programs/file_flags.wat` on `board` with `dir_flag`
/// (`--dir`/`--dir-rw`) `HOST::/data`, `f.txt` holding 10 bytes.
fn file_flags(board: &str, dir_flag: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "0123456789").unwrap();
    let tree = format!("{}::/data", dir.path().display());
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/file_flags.wat");
    let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .arg("run")
        .arg(program)
        .args(["--board", board, dir_flag, &tree])
        .stdin(Stdio::null())
        .output()
        .expect("wafer runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{board}: stderr {stderr}");
    // The file itself is never changed: it was opened read-only.
    assert_eq!(
        std::fs::read(dir.path().join("f.txt")).unwrap(),
        b"0123456789"
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_file_is_ready_with_the_bytes_left_and_takes_append_where_it_can_change() {
    // poll: ready (errno 0) with all 10 bytes, then 6 after a read of 4;
    // append: set (0) and reported by fd_fdstat_get (flags 1); cleared
    // again; nonblock ENOTSUP (58).
    let changeable = "poll 0 10\nread 4\npoll 0 6\nappend 0 1\nnone 0 0\nnonblock 58\n";
    for board in ["host", "linux-aarch64"] {
        assert_eq!(file_flags(board, "--dir"), changeable, "{board}");
    }
    assert_eq!(
        file_flags("qemu-virt-aarch64", "--dir-rw"),
        changeable,
        "qemu-virt-aarch64 --dir-rw"
    );
    // A read-only baked file: append is a change it cannot take (ENOTSUP),
    // no flag (what it has) is accepted.
    assert_eq!(
        file_flags("qemu-virt-riscv64", "--dir"),
        "poll 0 10\nread 4\npoll 0 6\nappend 58 0\nnone 0 0\nnonblock 58\n",
        "qemu-virt-riscv64 --dir"
    );
}
