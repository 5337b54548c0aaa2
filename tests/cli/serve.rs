//! The invoke server (`wafer build/run --serve`, docs/serve.md) on `host`
//! and the three QEMU boards issue 10 names: a two-module image answers
//! `list` and calls into both modules, a trap in one leaves both working,
//! malformed requests get one `error` line each and the server goes on,
//! and the end of input (or `quit`) ends it with the right exit code.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{assert_clean_error, module_file, stderr, stdout, wafer};

const SERVE_BOARDS: [&str; 4] = [
    "host",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
];

/// Arithmetic that can trap, and a function that never stops recursing.
const MATH: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64 i64)
    (f64.mul (local.get 0) (f64.const 0.5)) (i64.const -3))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (local.get 0)) (i32.const 1))))"#;

/// State that must survive the other module's traps and its own.
const COUNTER: &str = r#"(module
  (memory 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n))
  (func (export "bump_then_poke") (param i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store (local.get 0) (i32.const 1))))"#;

/// Writes both modules to `dir`.
fn modules(dir: &Path) -> [String; 2] {
    [
        module_file(dir, "math.wat", MATH),
        module_file(dir, "counter.wat", COUNTER),
    ]
}

/// Runs `command` with `input` on stdin; kills it after two minutes, so a
/// server that stops answering fails the test instead of hanging it.
fn run_with_input(mut command: Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let shown = String::from_utf8_lossy(input).into_owned();
    let input = input.to_vec();
    // Written from a thread: the server may answer before it has read all.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait works").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no end after two minutes with input {shown:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = writer.join();
    child.wait_with_output().expect("output is read")
}

/// `wafer run MODULES --serve --board BOARD` fed `input`.
fn serve(board: &str, modules: &[&str], input: &str) -> Output {
    serve_with(board, modules, &[], input)
}

/// `wafer run MODULES --serve --board BOARD FLAGS` fed `input` (other
/// suites drive servers too: one compile, many calls).
pub(super) fn serve_with(board: &str, modules: &[&str], flags: &[&str], input: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wafer"));
    command
        .arg("run")
        .args(modules)
        .args(["--serve", "--board", board])
        .args(flags);
    run_with_input(command, input.as_bytes())
}

/// Compares a transcript with the expected lines; an expected line ending
/// in `…` only has to start the actual one (trap locations: the Wasm
/// offset is the compiler's business, the function is checked).
fn assert_transcript(o: &Output, expected: &[&str], what: &str) {
    let out = stdout(o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "{what}: got\n{out}\nstderr: {}",
        stderr(o)
    );
    for (line, want) in lines.iter().zip(expected) {
        match want.strip_suffix('…') {
            Some(prefix) => assert!(
                line.starts_with(prefix),
                "{what}: `{line}` should start with `{prefix}`"
            ),
            None => assert_eq!(line, want, "{what}: whole transcript\n{out}"),
        }
    }
}

#[test]
fn a_two_module_server_lists_calls_and_survives_traps_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let [math, counter] = modules(dir.path());
    // A long bad argument is quoted to 64 characters.
    let long_token = format!("call math.add 1 {}", "9".repeat(100));
    let long_token_reply = format!(
        "error argument 2 of math.add: `{}…` is not a valid i32",
        "9".repeat(64)
    );
    let too_long = format!("call math.add {}\n", "1 ".repeat(3000));
    let script = [
        "list",
        "call math.add 2 3",
        "call counter.bump",
        // A trap in math, then both modules answer.
        "call math.div 7 0",
        "call counter.bump",
        "call math.div -7 2",
        // A trap in counter after it changed its global: the instance stays
        // usable and keeps what the call did before the trap (3, then 4).
        "call counter.bump_then_poke 65536",
        "call counter.bump",
        // Stack exhaustion unwinds too.
        "call math.deep 0",
        "call math.add 0x10 -1",
        "call math.half 3.5",
        // Malformed requests.
        "frobnicate",
        // Quoted request text cannot reach the client's terminal raw.
        "\u{1b}[2J",
        "call",
        "call nowhere.add 1 2",
        "call math.sub 1 2",
        "call math.add 1",
        "call math.add 1 2 3",
        "call math.add 1 x",
        &long_token,
        "call math.add 4294967296 0",
        "list everything",
        "quit now",
        too_long.trim_end(),
        // Blank lines and comments get no reply; tabs and CR LF are fine.
        "",
        "# a comment",
        "call\tmath.add  20   22\r",
        "call counter.bump",
    ]
    .join("\n")
        + "\n";
    let expected = [
        "wafer-serve 1",
        "module math",
        "func math.add i32 i32 -> i32",
        "func math.div i32 i32 -> i32",
        "func math.half f64 -> f64 i64",
        "func math.deep i32 -> i32",
        "module counter",
        "func counter.bump -> i32",
        "func counter.bump_then_poke i32 ->",
        "ok",
        "ok 5",
        "ok 1",
        "trap integer divide by zero at math!div…",
        "ok 2",
        "ok -3",
        "trap out of bounds memory access at counter!bump_then_poke…",
        "ok 4",
        "trap call stack exhausted…",
        "ok 15",
        "ok 1.75 -3",
        "error unknown command `frobnicate` (commands: call, list, help, quit)",
        "error unknown command `\\x1b[2J` (commands: call, list, help, quit)",
        "error call needs MODULE.EXPORT and its arguments",
        "error unknown module `nowhere` (`list` shows the modules)",
        "error module `math` exports no function `sub`",
        "error math.add takes 2 argument(s) (i32 i32), 1 given",
        "error math.add takes 2 argument(s) (i32 i32), 3 given",
        "error argument 2 of math.add: `x` is not a valid i32",
        &long_token_reply,
        "error argument 1 of math.add: `4294967296` is not a valid i32",
        "error list takes no arguments",
        "error quit takes one exit code from 0 to 255",
        "error line too long (at most 4095 bytes)",
        "ok 42",
        "ok 5",
    ];
    std::thread::scope(|scope| {
        for board in SERVE_BOARDS {
            let (math, counter, script) = (&math, &counter, &script);
            scope.spawn(move || {
                let o = serve(board, &[math, counter], script);
                assert_transcript(&o, &expected, board);
                // End of input ends the server: exit 0, nothing on stderr.
                assert_eq!(o.status.code(), Some(0), "{board}: {}", stderr(&o));
                assert_eq!(stderr(&o), "", "{board}");
            });
        }
    });
}

#[test]
fn help_then_quit_ends_the_server_with_its_code_and_reads_no_further() {
    let dir = tempfile::tempdir().unwrap();
    let [math, counter] = modules(dir.path());
    for board in ["host", "qemu-virt-riscv64"] {
        let o = serve(
            board,
            &[&math, &counter],
            "help\ncall math.add 1 1\nquit 7\ncall math.add 2 2\n",
        );
        // `help`: lines that cannot be taken for a reply, then `ok`.
        let expected = [
            "wafer-serve 1",
            "call MODULE.EXPORT ARG…",
            "list …",
            "help …",
            "quit [CODE] …",
            "ok",
            "ok 2",
            "ok",
        ];
        assert_transcript(&o, &expected, board);
        assert_eq!(o.status.code(), Some(7), "{board}: {}", stderr(&o));
    }
}

#[test]
fn a_last_line_without_newline_is_answered_and_no_input_is_a_clean_end() {
    let dir = tempfile::tempdir().unwrap();
    let [math, counter] = modules(dir.path());
    for board in ["host", "qemu-virt-aarch64"] {
        let o = serve(board, &[&math, &counter], "call math.add 2 2");
        assert_transcript(&o, &["wafer-serve 1", "ok 4"], board);
        assert_eq!(o.status.code(), Some(0), "{board}");
        let o = serve(board, &[&math, &counter], "");
        assert_transcript(&o, &["wafer-serve 1"], board);
        assert_eq!(o.status.code(), Some(0), "{board}");
    }
}

#[test]
fn a_built_server_image_serves_by_itself_and_dotted_module_names_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let [math, counter] = modules(dir.path());
    let image = dir.path().join("server");
    let image_arg = image.to_string_lossy().into_owned();
    // `my.math` and `my`: the longest module name before a `.` wins.
    let dotted = format!("my.math={math}");
    let short = format!("my={counter}");
    let o = wafer(&["build", &dotted, &short, "--serve", "-o", &image_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_with_input(
        Command::new(&image),
        b"call my.math.add 40 2\ncall my.bump\ncall my.add 1 1\n",
    );
    assert_transcript(
        &o,
        &[
            "wafer-serve 1",
            "ok 42",
            "ok 1",
            "error module `my` exports no function `add`",
        ],
        "built image",
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn serve_flag_mistakes_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let [math, counter] = modules(dir.path());
    let o = wafer(&["run", &math, &counter, "--serve", "--", "extra"]);
    assert_clean_error(&o, "--serve takes no arguments after the modules");
    // Conflicting flags are usage errors (exit 2) naming both.
    for conflicting in [["--invoke", "math.add"], ["--main", "math"]] {
        let mut args = vec!["run", &math, &counter, "--serve"];
        args.extend_from_slice(&conflicting);
        let o = wafer(&args);
        assert_eq!(o.status.code(), Some(2), "{conflicting:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--serve"), "{}", stderr(&o));
    }
    let out = dir.path().join("img").to_string_lossy().into_owned();
    let o = wafer(&["build", &math, "--serve", "--main", "math", "-o", &out]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!Path::new(&out).exists());
}

#[test]
fn a_module_that_traps_at_start_ends_the_server_before_the_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let [math, _] = modules(dir.path());
    let bad = module_file(
        dir.path(),
        "bad.wat",
        r#"(module (func $init unreachable) (start $init) (func (export "f")))"#,
    );
    for board in ["host", "qemu-virt-riscv64"] {
        let o = serve(board, &[&math, &bad], "list\n");
        // No greeting: a client never sees a server with a module missing.
        assert_eq!(stdout(&o), "", "{board}");
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("trap: unreachable\n"),
            "{board}: {}",
            stderr(&o)
        );
    }
}
