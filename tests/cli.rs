//! The `wafer` command line, run as a user would: every command, the three
//! Linux boards, and bad input (one clear error line, non-zero exit, no
//! output file left behind).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasi_c::build_wasi_c_program;

#[path = "cli/bad_input.rs"]
mod bad_input;
#[path = "cli/baked_files.rs"]
mod baked_files;
#[path = "cli/boards.rs"]
mod boards;
#[path = "cli/bounds.rs"]
mod bounds;
#[path = "cli/budget.rs"]
mod budget;
#[path = "cli/codegen.rs"]
mod codegen;
#[path = "cli/console.rs"]
mod console;
#[path = "cli/embed.rs"]
mod embed;
#[path = "cli/exceptions.rs"]
mod exceptions;
#[path = "cli/files.rs"]
mod files;
#[path = "cli/footprint.rs"]
mod footprint;
#[path = "cli/hygiene.rs"]
mod hygiene;
#[path = "cli/inline.rs"]
mod inline;
#[path = "cli/limits.rs"]
mod limits;
#[path = "cli/measure.rs"]
mod measure;
#[path = "cli/memories.rs"]
mod memories;
#[path = "cli/multi.rs"]
mod multi;
#[path = "cli/mutated_input.rs"]
mod mutated_input;
#[path = "cli/options.rs"]
mod options;
#[path = "cli/policies.rs"]
mod policies;
#[path = "cli/poll.rs"]
mod poll;
#[path = "cli/programs.rs"]
mod programs;
#[path = "cli/programs_io.rs"]
mod programs_io;
#[path = "cli/runtime_limits.rs"]
mod runtime_limits;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/simd.rs"]
mod simd;
#[path = "cli/stack_guard.rs"]
mod stack_guard;
#[path = "cli/static_imports.rs"]
mod static_imports;
#[path = "cli/tail_calls.rs"]
mod tail_calls;
#[path = "cli/threads.rs"]
mod threads;
#[path = "cli/wasi_c.rs"]
mod wasi_c;
#[path = "cli/wasi_calls.rs"]
mod wasi_calls;
#[path = "cli/wasi_examples.rs"]
mod wasi_examples;
#[path = "cli/wasm_bytes.rs"]
mod wasm_bytes;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn wafer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(args)
        .output()
        .expect("wafer runs")
}

/// Runs `wafer args` with no input, killing it after `limit`; `None` if it
/// had to be killed: a regression that blocks or spins (a broken deadline,
/// input that never comes) fails the test instead of hanging it.
fn wafer_within(args: &[&str], limit: std::time::Duration) -> Option<Output> {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("wafer runs");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
            child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
            return Some(Output {
                status,
                stdout: out,
                stderr: err,
            });
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// llvm-objdump's disassembly of function `name` in the object at `path`:
/// its label line and instructions, up to the blank line after them.
fn disassembly_of(path: &str, name: &str) -> String {
    let o = Command::new("llvm-objdump")
        .args(["-d", "--no-show-raw-insn", path])
        .output()
        .expect("llvm-objdump runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = stdout(&o);
    let start = listing
        .find(&format!("<{name}>:"))
        .unwrap_or_else(|| panic!("no {name} in {listing}"));
    listing[start..]
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// How many relocations in `object`'s code reach the symbol `name`: the
/// calls its machine code makes to it.
fn code_relocations_to(object: &Path, name: &str) -> usize {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget, SectionKind};
    let bytes = std::fs::read(object).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .flat_map(|s| s.relocations().collect::<Vec<_>>())
        .filter(|(_, r)| match r.target() {
            RelocationTarget::Symbol(index) => file
                .symbol_by_index(index)
                .and_then(|sym| sym.name())
                .is_ok_and(|symbol| symbol == name),
            _ => false,
        })
        .count()
}

/// Writes `text` to `name` in `dir`; returns the path as a string.
fn module_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn example(name: &str) -> String {
    examples().join(name).to_string_lossy().into_owned()
}

const LINUX_BOARDS: [&str; 3] = ["linux-x86_64", "linux-aarch64", "linux-riscv64"];

fn invoke(board: &str, export: &str, args: &[&str]) -> Output {
    let arith = example("arith.wat");
    let mut all = vec!["run", arith.as_str(), "--board", board, "--invoke", export];
    all.extend_from_slice(args);
    wafer(&all)
}

/// Asserts a clean failure: exit 1, one `error:` line naming `needle`.
fn assert_clean_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "`{needle}` not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn hello_prints_the_same_greeting_on_every_linux_board() {
    let hello = example("hello.wat");
    for board in ["host"].iter().chain(LINUX_BOARDS.iter()) {
        let o = wafer(&["run", &hello, "--board", board]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "Hello from wafer!\n", "{board}");
    }
}

#[test]
fn invoke_prints_results_on_every_linux_board() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("add", &["1", "2"], "3\n"),
        ("add", &["-5", "2"], "-3\n"),
        ("add", &["2147483647", "1"], "-2147483648\n"),
        ("mul64", &["-3", "1000000000000"], "-3000000000000\n"),
        ("quarter", &["1"], "0.25\n"),
        ("quarter", &["inf"], "inf\n"),
        ("quarter", &["nan"], "nan\n"),
        ("neg", &["0"], "-0\n"),
        ("neg", &["-inf"], "inf\n"),
        ("divmod", &["7", "2"], "3\n1\n"),
        ("fac", &["20"], "2432902008176640000\n"),
    ];
    for board in LINUX_BOARDS {
        for (export, args, expected) in cases {
            let o = invoke(board, export, args);
            assert!(o.status.success(), "{board} {export}: {}", stderr(&o));
            assert_eq!(stdout(&o), *expected, "{board} {export} {args:?}");
        }
    }
}

#[test]
fn traps_print_the_spec_message_and_exit_non_zero() {
    for board in LINUX_BOARDS {
        let o = invoke(board, "div", &["1", "0"]);
        assert_eq!(o.status.code(), Some(134), "{board}");
        assert!(
            stderr(&o).starts_with("trap: integer divide by zero\n"),
            "{board}: {}",
            stderr(&o)
        );
        assert_eq!(stdout(&o), "");

        let o = invoke(board, "div", &["-2147483648", "-1"]);
        assert!(
            stderr(&o).starts_with("trap: integer overflow\n"),
            "{board}: {}",
            stderr(&o)
        );

        let o = invoke(board, "forever", &["1"]);
        assert_eq!(o.status.code(), Some(134), "{board}");
        assert!(
            stderr(&o).starts_with("trap: call stack exhausted\n"),
            "{board}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn module_arguments_and_exit_code_pass_through() {
    let args = example("args.wat");
    for board in LINUX_BOARDS {
        let o = wafer(&[
            "run",
            &args,
            "--board",
            board,
            "--",
            "one",
            "two words",
            "-3",
        ]);
        assert_eq!(o.status.code(), Some(3), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "one\ntwo words\n-3\n", "{board}");
    }
}

#[test]
fn proc_exit_code_becomes_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("exit.wat");
    std::fs::write(
        &module,
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_start") (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    let o = wafer(&["run", module.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
}

#[test]
fn flags_may_follow_or_precede_the_input() {
    let hello = example("hello.wat");
    let o = wafer(&["run", "--board", "linux-riscv64", &hello]);
    assert_eq!(stdout(&o), "Hello from wafer!\n");
}

/// ELF header fields: (e_type, e_machine).
fn elf_kind(path: &Path) -> (u16, u16) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    let half = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    (half(16), half(18))
}

#[test]
fn compile_writes_a_relocatable_object_for_each_target() {
    let dir = tempfile::tempdir().unwrap();
    for (target, machine) in [
        ("x86_64", 62),
        ("aarch64", 183),
        ("riscv64", 243),
        ("riscv64:rva22", 243),
    ] {
        let out = dir.path().join("arith.o");
        let o = wafer(&[
            "compile",
            &example("arith.wat"),
            "--target",
            target,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{target}: {}", stderr(&o));
        assert_eq!(
            elf_kind(&out),
            (1, machine),
            "{target}: ET_REL for the right machine"
        );
    }
}

#[test]
fn build_writes_a_static_executable_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hello");
    let o = wafer(&[
        "build",
        &example("hello.wat"),
        "--board",
        "linux-x86_64",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(elf_kind(&out), (2, 62), "ET_EXEC, x86_64");
    if cfg!(target_arch = "x86_64") {
        let run = Command::new(&out).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello from wafer!\n");
    }
}

#[test]
fn targets_and_boards_list_what_is_supported() {
    let targets = stdout(&wafer(&["targets"]));
    for isa in ["x86_64", "aarch64", "riscv64"] {
        assert!(targets.lines().any(|l| l.starts_with(isa)), "{targets}");
    }
    let boards = stdout(&wafer(&["boards"]));
    for board in ["host", "linux-x86_64", "linux-aarch64", "linux-riscv64"] {
        assert!(boards.lines().any(|l| l.starts_with(board)), "{boards}");
    }
}

/// Runs `wafer compile` on `bytes` and checks the failure is clean.
fn assert_compile_rejects(name: &str, bytes: &[u8], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    std::fs::write(&input, bytes).unwrap();
    let out = dir.path().join("out.o");
    let o = wafer(&[
        "compile",
        input.to_str().unwrap(),
        "--target",
        "x86_64",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_clean_error(&o, needle);
    assert!(!out.exists(), "no output file after an error");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the input remains: {leftovers:?}");
}

#[test]
fn bad_modules_get_one_clear_error_and_no_output() {
    assert_compile_rejects(
        "garbage.wasm",
        &[0xde, 0xad, 0xbe, 0xef, 0xff, 0x00],
        "is not a WebAssembly binary (expected \\0asm, found de ad be ef)",
    );
    let valid = std::fs::read_to_string(example("arith.wat")).unwrap();
    let binary = wat::parse_str(&valid).unwrap();
    assert_compile_rejects(
        "truncated.wasm",
        &binary[..binary.len() / 2],
        "invalid module",
    );
    assert_compile_rejects("bad.wat", b"(module (func (result i32)))", "type mismatch");
    assert_compile_rejects("syntax.wat", b"(module (func", "syntax.wat");
}

#[test]
fn a_missing_import_is_named_before_linking() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("needs.wat");
    std::fs::write(
        &input,
        r#"(module (import "env" "sensor_read" (func (result i32))))"#,
    )
    .unwrap();
    let out = dir.path().join("app");
    let o = wafer(&[
        "build",
        input.to_str().unwrap(),
        "--board",
        "linux-x86_64",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_clean_error(&o, "env.sensor_read");
    assert!(
        stderr(&o).contains("env_sensor_read"),
        "names the C symbol: {}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn unknown_targets_boards_and_directories_are_clean_errors() {
    let hello = example("hello.wat");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.o");
    assert_clean_error(
        &wafer(&[
            "compile",
            &hello,
            "--target",
            "mips",
            "-o",
            out.to_str().unwrap(),
        ]),
        "unknown target `mips`",
    );
    assert_clean_error(
        &wafer(&["run", &hello, "--board", "pdp11"]),
        "unknown board `pdp11`",
    );
    assert_clean_error(
        &wafer(&[
            "compile",
            &hello,
            "--target",
            "riscv64",
            "--cpu",
            "z80",
            "-o",
            out.to_str().unwrap(),
        ]),
        "unknown CPU `z80`",
    );
    let missing = dir.path().join("no/such/dir/app");
    let o = wafer(&["build", &hello, "-o", missing.to_str().unwrap()]);
    assert_clean_error(&o, "does not exist");
    assert!(!out.exists());
    assert_clean_error(&wafer(&["run", "/no/such/file.wasm"]), "cannot read");
}

#[test]
fn invoke_mistakes_are_explained() {
    let o = invoke("host", "nope", &[]);
    assert_clean_error(&o, "exported functions: add");
    let o = invoke("host", "add", &["1"]);
    assert_clean_error(&o, "takes 2 argument(s) (i32, i32)");
    let o = invoke("host", "add", &["1", "x"]);
    assert_clean_error(&o, "`x` is not a valid i32");

    // Running a library module (no `_start`) would do nothing: say so.
    let o = wafer(&["run", &example("arith.wat")]);
    assert_clean_error(&o, "exports no `_start` function");
    assert!(stderr(&o).contains("--invoke NAME (its exported functions: add, div"));
    // Building one is allowed (its start function and data still run), with
    // a warning.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lib");
    let o = wafer(&["build", &example("arith.wat"), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("warning: the module exports no `_start`"));
    assert!(out.exists());
}
