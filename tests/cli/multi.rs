//! Several modules in one image (`wafer build/run a.wasm b.wasm`, issue
//! 10) on `host` and the three QEMU boards issue 10 names: imports of
//! every kind bound between modules, instantiation in dependency order,
//! `--main`, `--invoke MODULE.EXPORT`, per-module policies, and the bad
//! input around them (one `error:` line, exit 1, no image).

use std::path::Path;
use std::process::Output;

use super::{assert_clean_error, example, module_file, stderr, stdout, wafer};

/// The boards issue 10's several-module images are tested on.
const MULTI_BOARDS: [&str; 4] = [
    "host",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
];

/// `wafer run` of `modules` on `board`, then `rest` (flags, `--invoke`).
fn run(board: &str, modules: &[&str], rest: &[&str]) -> Output {
    let mut args = vec!["run"];
    args.extend_from_slice(modules);
    args.extend_from_slice(&["--board", board]);
    args.extend_from_slice(rest);
    wafer(&args)
}

/// Runs `check(board)` on every board at once (QEMU boots dominate).
fn on_every_board(check: impl Fn(&str) + Sync) {
    std::thread::scope(|scope| {
        for board in MULTI_BOARDS {
            let check = &check;
            scope.spawn(move || check(board));
        }
    });
}

fn assert_prints(o: &Output, expected: &str, what: &str) {
    assert!(o.status.success(), "{what}: {}", stderr(o));
    assert_eq!(stdout(o), expected, "{what}");
}

#[test]
fn imports_of_every_kind_are_bound_between_modules_on_every_board() {
    let lib = example("multi/lib.wat");
    let app = example("multi/app.wat");
    on_every_board(|board| {
        // Memory: app's `_start` prints what lib's start function wrote
        // into the memory they share.
        let o = run(board, &[&lib, &app], &[]);
        assert_prints(&o, "hello from lib\n", &format!("{board}: _start"));
        // The order on the command line does not matter: lib is an
        // exporter, so it is instantiated first either way.
        let o = run(board, &[&app, &lib], &[]);
        assert_prints(&o, "hello from lib\n", &format!("{board}: app first"));
        // Table: app's call_indirect through lib's table (1 squares).
        let o = run(board, &[&lib, &app], &["--invoke", "app.apply", "1", "7"]);
        assert_prints(&o, "49\n", &format!("{board}: table"));
        let o = run(board, &[&lib, &app], &["--invoke", "app.apply", "0", "21"]);
        assert_prints(&o, "42\n", &format!("{board}: table, entry 0"));
        // Function and mutable global: app calls lib's `bump` twice (2),
        // adds 100 to lib's counter (102), bumps again: 103 from lib's
        // own `global.get`.
        let o = run(board, &[&lib, &app], &["--invoke", "app.count", "2"]);
        assert_prints(&o, "103\n", &format!("{board}: function + global"));
        // Any module's export: lib's own, never called before.
        let o = run(board, &[&lib, &app], &["--invoke", "lib.bump"]);
        assert_prints(&o, "1\n", &format!("{board}: lib.bump"));
    });
}

/// Its start function stores 21 at address 8 of its memory.
const EARLY: &str = r#"(module
  (memory (export "mem") 1)
  (func $init (i32.store (i32.const 8) (i32.const 21)))
  (start $init))"#;

/// Its start function doubles what `early`'s start function stored, into
/// a global of its own: 42 only if `early` was instantiated first.
const LATE: &str = r#"(module
  (import "early" "mem" (memory 1))
  (global $seen (mut i32) (i32.const -1))
  (func $init (global.set $seen (i32.mul (i32.load (i32.const 8)) (i32.const 2))))
  (start $init)
  (func (export "seen") (result i32) (global.get $seen)))"#;

#[test]
fn the_exporters_start_function_runs_before_the_importers_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let early = module_file(dir.path(), "early.wat", EARLY);
    let late = module_file(dir.path(), "late.wat", LATE);
    on_every_board(|board| {
        // Given last, `early` still comes first.
        let o = run(board, &[&late, &early], &["--invoke", "late.seen"]);
        assert_prints(&o, "42\n", board);
    });
}

/// A `_start` that prints `text` (at most 16 bytes) through WASI.
fn greeter(text: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "{text}\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const {len}))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        len = text.len() + 1
    )
}

#[test]
fn main_chooses_whose_start_runs_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let one = module_file(dir.path(), "one.wat", &greeter("one"));
    let two = module_file(dir.path(), "two.wat", &greeter("two"));
    let quiet = module_file(dir.path(), "quiet.wat", "(module)");
    on_every_board(|board| {
        let o = run(board, &[&one, &two], &["--main", "two"]);
        assert_prints(&o, "two\n", &format!("{board}: --main two"));
        let o = run(board, &[&one, &two], &["--main", "one"]);
        assert_prints(&o, "one\n", &format!("{board}: --main one"));
        // The only module with `_start` needs no --main; NAME=PATH names it.
        let chosen = format!("solo={two}");
        let o = run(board, &[&quiet, &chosen], &[]);
        assert_prints(&o, "two\n", &format!("{board}: the only _start"));
        let o = run(board, &[&quiet, &chosen], &["--main", "solo"]);
        assert_prints(&o, "two\n", &format!("{board}: --main by chosen name"));
    });
}

/// `grow(up)`: `memory.grow` of its own memory (no declared maximum).
const GROWER: &str = r#"(module
  (memory (export "mem") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

#[test]
fn each_module_keeps_its_own_memory_cap_on_every_board_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let first = module_file(dir.path(), "first.wat", GROWER);
    let second = module_file(dir.path(), "second.wat", GROWER);
    on_every_board(|board| {
        for mode in ["explicit", "guard"] {
            let what = format!("{board} {mode}");
            let flags = |invoke: &str, up: &str| {
                vec![
                    "--bounds-checks",
                    mode,
                    "--max-memory",
                    "first:4",
                    "--invoke",
                    invoke,
                    up,
                ]
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<String>>()
            };
            let go = |invoke: &str, up: &str| {
                let rest = flags(invoke, up);
                let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
                run(board, &[&first, &second], &rest)
            };
            // `first` is capped at 4 pages: it grows to 4 (old size 1)...
            assert_prints(
                &go("first.grow", "3"),
                "1\n",
                &format!("{what}: to the cap"),
            );
            // ... and not to 5; `second`, uncapped, does. Before each memory
            // reserved only up to its cap, a board gave `first` (instantiated
            // first, no declared maximum) the rest of the heap, and lost it
            // when `second` was instantiated: it could not grow at all.
            assert_prints(
                &go("first.grow", "4"),
                "-1\n",
                &format!("{what}: past the cap"),
            );
            assert_prints(&go("second.grow", "4"), "1\n", &format!("{what}: uncapped"));
        }
    });
}

/// Asserts that `wafer build` of `args` fails with one line containing
/// `needle`, and leaves no image.
fn assert_build_refused(dir: &Path, args: &[&str], needle: &str) {
    let out = dir.join("fw");
    let out_text = out.to_string_lossy().into_owned();
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", &out_text]);
    let o = wafer(&all);
    assert_clean_error(&o, needle);
    assert!(!out.exists(), "no image after: {needle}");
}

#[test]
fn bad_combinations_of_modules_are_refused_naming_both_modules_and_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lib = example("multi/lib.wat");
    let app = example("multi/app.wat");
    let file = |name: &str, text: &str| module_file(d, name, text);
    let missing = file("missing.wat", r#"(module (import "lib" "nope" (func)))"#);
    let signature = file(
        "signature.wat",
        r#"(module (import "lib" "bump" (func (param i32) (result i32))))"#,
    );
    let memory = file(
        "memory.wat",
        r#"(module (import "lib" "memory" (memory 2)))"#,
    );
    let global = file(
        "global.wat",
        r#"(module (import "lib" "calls" (global i32)))"#,
    );
    let kind = file("kind.wat", r#"(module (import "lib" "ops" (memory 1)))"#);
    let a = file(
        "a.wat",
        r#"(module (import "b" "g" (func)) (func (export "f")))"#,
    );
    let b = file(
        "b.wat",
        r#"(module (import "a" "f" (func)) (func (export "g")))"#,
    );
    let one = file("one.wat", &greeter("one"));
    let two = file("two.wat", &greeter("two"));
    let renamed = format!("library={lib}");
    let dash = format!("a-b={lib}");
    let underscore = format!("a_b={}", file("empty.wat", "(module)"));
    let cases: &[(&[&str], &str)] = &[
        (
            &[&lib, &missing],
            "module `missing` imports `lib.nope`, but module `lib` exports no `nope`",
        ),
        (
            &[&lib, &signature],
            "module `signature` imports `lib.bump` as (func (param i32) (result i32)), but module `lib` exports it as (func (result i32))",
        ),
        (
            &[&lib, &memory],
            "module `memory` imports `lib.memory` as (memory 2), but module `lib` exports it as (memory 1)",
        ),
        (
            &[&lib, &global],
            "module `global` imports `lib.calls` as (global i32), but module `lib` exports it as (global (mut i32))",
        ),
        (
            &[&lib, &kind],
            "module `kind` imports `lib.ops` as a memory, but module `lib` exports `ops` as a table",
        ),
        (
            &[&a, &b],
            "in a cycle, so none can be instantiated first: module `a` imports `b.g`, module `b` imports `a.f`",
        ),
        (&[&lib, &app, &lib], "two modules are named `lib`"),
        (
            &[&one, &two],
            "several modules export `_start` (`one`, `two`): choose the one to run with --main NAME",
        ),
        (
            &[&lib, &app, "--main", "nope"],
            "--main nope: there is no module `nope`",
        ),
        (
            &[&dash, &underscore],
            "modules `a-b` and `a_b` would both have the symbol prefix `a_b`",
        ),
        (
            &[&lib, &app, "--main", "lib"],
            "module `lib` exports no `_start`",
        ),
        (
            &[&lib, &app, "--max-memory", "nope:4"],
            "--max-memory nope:4: there is no module `nope` (modules: `lib`, `app`)",
        ),
        (
            &[&lib, &app, "--allow-import", "nope:env.*"],
            "there is no module `nope`",
        ),
        // An import from a module that is not in the image (renamed away)
        // stays a C symbol, and the error says the module may be misnamed.
        (
            &[&renamed, &app],
            "or name a module of the image `lib`; its modules: `library`, `app`",
        ),
    ];
    for (args, needle) in cases {
        assert_build_refused(d, args, needle);
    }
}

#[test]
fn invoke_and_main_name_modules_that_exist() {
    let lib = example("multi/lib.wat");
    let app = example("multi/app.wat");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--invoke", "nope.bump"],
            "--invoke nope.bump: there is no module `nope` (modules: `lib`, `app`)",
        ),
        (
            &["--invoke", "bump"],
            "the image has several modules; write --invoke MODULE.EXPORT",
        ),
        (
            &["--invoke", "lib.nope"],
            "module `lib` exports no function `nope`; its exported functions: bump",
        ),
        (
            &["--invoke", "app.apply", "1"],
            "`apply` takes 2 argument(s)",
        ),
        (
            &["--main", "app", "--invoke", "lib.bump"],
            "give one of them",
        ),
    ];
    for (rest, needle) in cases {
        let o = run("host", &[&lib, &app], rest);
        assert_clean_error(&o, needle);
        assert_eq!(stdout(&o), "", "{needle}");
    }
}

#[test]
fn arguments_after_the_modules_and_after_a_separator_reach_the_program() {
    let dir = tempfile::tempdir().unwrap();
    // Exits with its argument count (argv[0] included).
    let counter = module_file(
        dir.path(),
        "counter.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (call $exit (i32.load (i32.const 0)))))"#,
    );
    let other = module_file(dir.path(), "other.wat", "(module)");
    // `other.wat` right after the first module is a module; after a plain
    // argument or after `--` it is an argument.
    let o = wafer(&["run", &counter, &other, "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = wafer(&["run", &counter, "x", &other]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = wafer(&["run", &counter, "--", &other, "--", "y"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
}

/// Calls `one`'s `_start` (which prints through WASI from `one`'s memory)
/// twice, divides through `one`'s `boom`, and re-exports `boom`.
const CALLER: &str = r#"(module
  (import "one" "_start" (func $say))
  (import "one" "boom" (func $boom (param i32) (result i32)))
  (export "boom" (func $boom))
  (memory 1)
  (data (i32.const 16) "XXXX\n")
  (func (export "go") (call $say) (call $say))
  (func (export "divide") (param i32) (result i32) (call $boom (local.get 0))))"#;

#[test]
fn a_callee_runs_in_its_own_instance_and_traps_there_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let one = greeter("one").replace(
        "(func (export \"_start\")",
        "(func (export \"boom\") (param i32) (result i32) (i32.div_u (i32.const 12) (local.get 0)))\n  (func (export \"_start\")",
    );
    let one = module_file(dir.path(), "one.wat", &one);
    let two = module_file(dir.path(), "two.wat", &greeter("two"));
    let caller = module_file(dir.path(), "caller.wat", CALLER);
    on_every_board(|board| {
        // `one`'s `_start` called from `caller` runs with `one`'s vmctx:
        // WASI reads the iovec and text from `one`'s memory, not caller's
        // (which holds "XXXX" at the same address).
        let o = run(board, &[&one, &caller], &["--invoke", "caller.go"]);
        assert_prints(&o, "one\none\n", &format!("{board}: WASI in the callee"));
        // A re-exported import calls the original.
        let o = run(board, &[&one, &caller], &["--invoke", "caller.boom", "4"]);
        assert_prints(&o, "3\n", &format!("{board}: re-export"));
        // A trap in the callee is reported at the callee's function.
        let o = run(board, &[&one, &caller], &["--invoke", "caller.divide", "0"]);
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("trap: integer divide by zero\n  at one!boom"),
            "{board}: {err}"
        );
        // --invoke needs no --main, however many modules have `_start`.
        let o = run(board, &[&one, &two], &["--invoke", "two._start"]);
        assert_prints(&o, "two\n", &format!("{board}: invoke a _start"));
    });
}

#[test]
fn imports_between_modules_work_with_explicit_checks_on_every_board() {
    let lib = example("multi/lib.wat");
    let app = example("multi/app.wat");
    on_every_board(|board| {
        let explicit = ["--bounds-checks", "explicit"];
        let o = run(board, &[&lib, &app], &explicit);
        assert_prints(&o, "hello from lib\n", &format!("{board}: _start"));
        let mut rest = explicit.to_vec();
        rest.extend_from_slice(&["--invoke", "app.count", "0"]);
        let o = run(board, &[&lib, &app], &rest);
        assert_prints(&o, "101\n", &format!("{board}: count"));
    });
}

#[test]
fn any_name_can_be_imported_from_even_one_that_is_not_an_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let user = module_file(
        dir.path(),
        "user.wat",
        r#"(module
  (import "my-lib.v2" "bump" (func $bump (result i32)))
  (func (export "twice") (result i32) (drop (call $bump)) (call $bump)))"#,
    );
    let lib = format!("my-lib.v2={}", example("multi/lib.wat"));
    on_every_board(|board| {
        let o = run(board, &[&user, &lib], &["--invoke", "user.twice"]);
        assert_prints(&o, "2\n", &format!("{board}: named my-lib.v2"));
        // `--invoke` finds the module name before the export's `.`.
        let o = run(board, &[&user, &lib], &["--invoke", "my-lib.v2.bump"]);
        assert_prints(&o, "1\n", &format!("{board}: invoke my-lib.v2.bump"));
    });
}
