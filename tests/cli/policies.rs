//! Per-module policies (`--allow-import`, `--max-memory`) on the boards
//! issue 10 names (`host`, `qemu-virt-aarch64`, `qemu-virt-riscv64`,
//! `qemu-x86_64`), and the bad input around them: one `error:` line, a
//! non-zero exit, no output file.

use std::path::Path;
use std::process::Output;

use super::{assert_clean_error, example, module_file, stderr, stdout, wafer};

/// The boards issue 10's policies are tested on.
const POLICY_BOARDS: [&str; 4] = [
    "host",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
];

/// Grows its memory by `up` pages, then by `past` pages, writes and reads
/// back the last byte below the size it reached; returns both grow results,
/// the size in pages and the byte read back.
const GROW: &str = r#"(module
  (memory 1)
  (func (export "grow") (param $up i32) (param $past i32) (result i32 i32 i32 i32)
    (local $first i32) (local $second i32) (local $end i32)
    (local.set $first (memory.grow (local.get $up)))
    (local.set $second (memory.grow (local.get $past)))
    (local.set $end (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
    (i32.store8 (local.get $end) (i32.const 7))
    (local.get $first) (local.get $second) (memory.size) (i32.load8_u (local.get $end))))"#;

/// `wafer run` of `GROW`'s export on `board` with `extra` flags.
fn grow(board: &str, module: &str, extra: &[&str], up: &str, past: &str) -> Output {
    let mut args = vec!["run", module, "--board", board];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--invoke", "grow", up, past]);
    wafer(&args)
}

#[test]
fn memory_grows_up_to_the_cap_and_not_past_it_on_every_policy_board() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", GROW);
    // Declared maximum 2 pages: the smaller of maximum and cap wins.
    let small = module_file(
        dir.path(),
        "small.wat",
        &GROW.replace("(memory 1)", "(memory 1 2)"),
    );
    std::thread::scope(|scope| {
        for board in POLICY_BOARDS {
            let (app, small) = (&app, &small);
            scope.spawn(move || {
                let check = |o: Output, expected: &str, what: &str| {
                    assert!(o.status.success(), "{board} {what}: {}", stderr(&o));
                    assert_eq!(stdout(&o), expected, "{board} {what}");
                };
                // memory.grow returns the old size in pages, or -1.
                check(
                    grow(board, app, &["--max-memory", "4"], "3", "1"),
                    "1\n-1\n4\n7\n",
                    "up to the cap, then one page past it",
                );
                check(
                    grow(board, app, &["--max-memory", "app:4"], "4", "0"),
                    "-1\n1\n1\n7\n",
                    "one page past the named module's cap at once",
                );
                // Without a cap the same module grows past 4 pages.
                check(grow(board, app, &[], "3", "1"), "1\n4\n5\n7\n", "no cap");
                check(
                    grow(board, small, &["--max-memory", "4"], "2", "1"),
                    "-1\n1\n2\n7\n",
                    "declared maximum below the cap",
                );
            });
        }
    });
}

#[test]
fn the_cap_holds_in_both_bounds_check_modes() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", GROW);
    // A board's explicit-mode memory takes the free heap; its guard-mode
    // memory is a window: the cap must hold for both.
    for board in ["host", "qemu-virt-riscv64"] {
        for mode in ["explicit", "guard"] {
            let o = grow(
                board,
                &app,
                &["--max-memory", "2", "--bounds-checks", mode],
                "1",
                "1",
            );
            assert!(o.status.success(), "{board} {mode}: {}", stderr(&o));
            assert_eq!(stdout(&o), "1\n-1\n2\n7\n", "{board} {mode}");
        }
    }
}

/// Imports two WASI functions; `_start` prints nothing and exits 0.
const TWO_WASI_IMPORTS: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory 1)
  (func (export "_start")))"#;

#[test]
fn a_forbidden_import_is_refused_and_allowed_ones_run_on_every_policy_board() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", TWO_WASI_IMPORTS);
    let hello = example("hello.wat");
    std::thread::scope(|scope| {
        for board in POLICY_BOARDS {
            let (dir, app, hello) = (dir.path(), &app, &hello);
            scope.spawn(move || {
                let out = dir.join(format!("{board}.elf"));
                let o = wafer(&[
                    "build",
                    app,
                    "--board",
                    board,
                    "--allow-import",
                    "wasi_snapshot_preview1.fd_*",
                    "-o",
                    out.to_str().unwrap(),
                ]);
                assert_clean_error(
                    &o,
                    "module `app` imports `wasi_snapshot_preview1.proc_exit`, which no --allow-import pattern allows (patterns: `wasi_snapshot_preview1.fd_*`)",
                );
                assert!(!out.exists(), "{board}: no image after the error");

                let o = wafer(&[
                    "run",
                    hello,
                    "--board",
                    board,
                    "--allow-import",
                    "hello:wasi_snapshot_preview1.fd_wri?e",
                ]);
                assert!(o.status.success(), "{board}: {}", stderr(&o));
                assert_eq!(stdout(&o), "Hello from wafer!\n", "{board}");
            });
        }
    });
}

#[test]
fn compile_applies_both_policies_to_its_object() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", TWO_WASI_IMPORTS);
    let out = dir.path().join("app.o");
    let out_s = out.to_str().unwrap();
    let compile = |extra: &[&str]| {
        let mut args = vec!["compile", app.as_str(), "--target", "aarch64", "-o", out_s];
        args.extend_from_slice(extra);
        wafer(&args)
    };
    assert_clean_error(
        &compile(&["--allow-import", "*.fd_write"]),
        "module `app` imports `wasi_snapshot_preview1.proc_exit`",
    );
    assert!(!out.exists());
    assert_clean_error(
        &compile(&["--max-memory", "0"]),
        "module `app` needs 1 page of memory at start, more than --max-memory 0",
    );
    assert!(!out.exists());
    let o = compile(&[
        "--allow-import",
        "*.fd_write",
        "--allow-import",
        "*exit",
        "--max-memory",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
}

#[test]
fn size_shows_each_modules_memory_cap() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", GROW);
    let image = dir.path().join("app.elf");
    let image_s = image.to_str().unwrap();
    let size = |extra: &[&str]| {
        let mut args = vec![
            "build",
            app.as_str(),
            "--board",
            "qemu-virt-riscv64",
            "-o",
            image_s,
        ];
        args.extend_from_slice(extra);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&wafer(&["size", image_s]))
    };
    let capped = size(&["--max-memory", "app:3"]);
    assert!(
        capped.contains("memory cap (app): 3 pages = 192.0 KiB (--max-memory)"),
        "{capped}"
    );
    let uncapped = size(&[]);
    assert!(
        uncapped.contains("memory cap (app): none (--max-memory not given)"),
        "{uncapped}"
    );
}

/// Asserts a refused command line: non-zero exit, one `error:` line
/// naming `needle`, no output file and nothing else left in `dir`.
fn assert_refused(o: &Output, needle: &str, dir: &Path, inputs: usize) {
    assert_ne!(o.status.code(), Some(0), "{}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "`{needle}` not in: {err}");
    let left = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(left, inputs, "only the inputs remain in {}", dir.display());
}

#[test]
fn bad_policies_get_one_clear_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", TWO_WASI_IMPORTS);
    let out = dir.path().join("fw.elf");
    let out_s = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--max-memory", "other:4"],
            "--max-memory other:4: there is no module `other` (modules: `app`)",
        ),
        (
            &["--allow-import", "lib:env.*"],
            "--allow-import lib:env.*: there is no module `lib` (modules: `app`)",
        ),
        (
            &["--max-memory", "lots"],
            "`lots` is not a number of 64 KiB pages",
        ),
        (
            &["--max-memory", "-1"],
            "`-1` is not a number of 64 KiB pages",
        ),
        (&["--max-memory", "65537"], "65537 pages is more than 65536"),
        (
            &["--max-memory", "app:"],
            "`` is not a number of 64 KiB pages",
        ),
        (
            &["--max-memory", ":4"],
            "the module name before `:` is empty",
        ),
        (
            &["--max-memory", "4", "--max-memory", "5"],
            "--max-memory is given twice for every module (4 and 5)",
        ),
        (&["--allow-import", ""], "an empty pattern allows no import"),
        (
            &["--allow-import", "app:"],
            "an empty pattern allows no import",
        ),
        (
            &[
                "--allow-import",
                "wasi_snapshot_preview1.*",
                "--allow-import",
                "env.sensr_*",
            ],
            "--allow-import env.sensr_* matches no import of module `app` (its imports: `wasi_snapshot_preview1.fd_write`, `wasi_snapshot_preview1.proc_exit`)",
        ),
        (
            &["--allow-import", "wasi_snapshot_preview1.fd_write"],
            "module `app` imports `wasi_snapshot_preview1.proc_exit`, which no --allow-import pattern allows",
        ),
    ];
    for (flags, needle) in cases {
        for command in ["build", "run"] {
            let mut args = vec![command, app.as_str()];
            args.extend_from_slice(flags);
            if command == "build" {
                args.extend_from_slice(&["-o", out_s]);
            }
            let o = wafer(&args);
            assert_refused(&o, needle, dir.path(), 1);
        }
    }
}

/// The bytes of every code section of an object, by section name.
fn code_sections(path: &Path) -> Vec<(String, Vec<u8>)> {
    use object::{Object, ObjectSection, SectionKind};
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .map(|s| (s.name().unwrap().to_string(), s.data().unwrap().to_vec()))
        .collect()
}

#[test]
fn policies_leave_the_generated_code_unchanged() {
    // The cap lives in the descriptor and the allow-list is checked at
    // build time: neither may cost compiled code an instruction.
    let dir = tempfile::tempdir().unwrap();
    let app = module_file(dir.path(), "app.wat", GROW);
    for target in ["x86_64", "aarch64", "riscv64"] {
        let object = |name: &str, extra: &[&str]| {
            let out = dir.path().join(name);
            let mut args = vec!["compile", app.as_str(), "--target", target];
            args.extend_from_slice(&["-o", out.to_str().unwrap()]);
            args.extend_from_slice(extra);
            let o = wafer(&args);
            assert!(o.status.success(), "{target}: {}", stderr(&o));
            code_sections(&out)
        };
        let plain = object("plain.o", &[]);
        assert!(!plain.is_empty(), "{target}: the object has code");
        assert_eq!(
            plain,
            object("capped.o", &["--max-memory", "3"]),
            "{target}"
        );
        for mode in ["explicit", "guard"] {
            let with_mode = |extra: &[&str]| {
                let mut all = vec!["--bounds-checks", mode];
                all.extend_from_slice(extra);
                object(&format!("{mode}.o"), &all)
            };
            assert_eq!(
                with_mode(&[]),
                with_mode(&["--max-memory", "1"]),
                "{target} {mode}"
            );
        }
    }
}
