//! Exception handling as a user sees it: an uncaught exception is a trap
//! naming its tag on Linux and bare-metal boards, exceptions keep working
//! under `--fuel`/`--timeout-ms` (and never swallow their traps), and a
//! module without exception operators compiles to the same code as before,
//! unless another module of its image uses exceptions.

use std::time::Duration;

use super::{assert_clean_error, module_file, stderr, stdout, wafer, wafer_within};

/// Linux and the two bare-metal boards the issue names.
const BOARDS: [&str; 3] = ["host", "qemu-virt-aarch64", "qemu-virt-riscv64"];

/// `_start` throws the exported tag `boom`; `quiet` throws a tag that is
/// not exported; `caught` catches its own throw and returns the payload.
const THROWER: &str = r#"(module
  (tag $boom (export "boom") (param i32))
  (tag $quiet)
  (func (export "_start") (throw $boom (i32.const 1)))
  (func (export "quiet") (throw $quiet))
  (func $throw (param i32) (throw $boom (local.get 0)))
  (func (export "caught") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $boom $h) (call $throw (local.get 0)))
      (i32.const -1))))"#;

#[test]
fn an_uncaught_exception_is_a_trap_naming_its_tag_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "thrower.wat", THROWER);
    for board in BOARDS {
        let limit = Duration::from_secs(120);
        let o = wafer_within(&["run", &module, "--board", board], limit)
            .unwrap_or_else(|| panic!("{board}: did not finish"));
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("trap: uncaught exception (tag thrower.boom)"),
            "{board}: {}",
            stderr(&o)
        );

        let o = wafer_within(
            &["run", &module, "--board", board, "--invoke", "quiet"],
            limit,
        )
        .unwrap_or_else(|| panic!("{board}: did not finish"));
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        // Tag 1 is the second tag, which has no export name.
        assert!(
            stderr(&o).contains("trap: uncaught exception (tag 1 of thrower)"),
            "{board}: {}",
            stderr(&o)
        );

        let o = wafer_within(
            &["run", &module, "--board", board, "--invoke", "caught", "77"],
            limit,
        )
        .unwrap_or_else(|| panic!("{board}: did not finish"));
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "77\n", "{board}");
    }
}

/// Throws and catches `n` times through a direct call, a `call_indirect`
/// and a `return_call_indirect` (which keeps the budget counter in the
/// vmctx): returns 3 * (0 + 1 + ... + n-1). A trap inside the try body
/// (`fuel exhausted` too) is not caught by its `catch_all`.
const LOOP: &str = r#"(module
  (tag $e (param i32))
  (type $t (func (param i32) (result i32)))
  (table funcref (elem $throw $via_tail))
  (func $throw (param i32) (result i32) (throw $e (local.get 0)))
  (func $via_tail (param i32) (result i32)
    (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
  (func $catch_all_wrap (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $catch_one (local.get 0)))))
    (i32.const -1000000))
  (func $catch_one (param i32) (result i32)
    (local $sum i32)
    (block $h (result i32)
      (try_table (catch $e $h) (drop (call $throw (local.get 0))))
      (unreachable))
    (local.set $sum)
    (block $h (result i32)
      (try_table (catch $e $h)
        (drop (call_indirect (type $t) (local.get 0) (i32.const 0))))
      (unreachable))
    (local.set $sum (i32.add (local.get $sum)))
    (block $h (result i32)
      (try_table (catch $e $h)
        (drop (call_indirect (type $t) (local.get 0) (i32.const 1))))
      (unreachable))
    (i32.add (local.get $sum)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (loop $again
      (local.set $sum (i32.add (local.get $sum) (call $catch_all_wrap (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum)))"#;

#[test]
fn exceptions_work_under_fuel_and_a_deadline_and_never_swallow_their_traps() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "loop.wat", LOOP);
    // 3 * (0 + 1 + ... + 999) = 3 * 499500 = 1498500.
    let expected = "1498500\n";
    for budget in [
        &[][..],
        &["--fuel", "100000000"][..],
        &["--timeout-ms", "600000"][..],
        &["--fuel", "100000000", "--timeout-ms", "600000"][..],
    ] {
        let mut args = vec!["run", &module, "--invoke", "run", "1000"];
        args.extend_from_slice(budget);
        let o = wafer(&args);
        assert!(o.status.success(), "{budget:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), expected, "{budget:?}");
    }
    // Too little fuel: the trap comes out through the catch_all.
    let o = wafer(&["run", &module, "--invoke", "run", "1000", "--fuel", "5000"]);
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("trap: fuel exhausted"),
        "{}",
        stderr(&o)
    );
}

/// The code of `wafer compile` of `wat` for `target`: every code
/// section's bytes, in the object's order.
fn text_of(dir: &std::path::Path, name: &str, wat: &str, target: &str) -> Vec<u8> {
    use object::{Object as _, ObjectSection as _, SectionKind};
    let input = module_file(dir, &format!("{name}.wat"), wat);
    let out = dir.join(format!("{name}-{target}.o"));
    let o = wafer(&[
        "compile",
        &input,
        "--target",
        target,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let code: Vec<u8> = file
        .sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .flat_map(|s| s.data().unwrap().to_vec())
        .collect();
    assert!(!code.is_empty(), "{name}: no code");
    code
}

#[test]
fn modules_without_exception_operators_pay_nothing_for_exception_support() {
    let dir = tempfile::tempdir().unwrap();
    let calls = r#"(func $g (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "f") (param i32) (result i32) (call $g (call $g (local.get 0))))"#;
    let plain = format!("(module {calls})");
    // Tags alone change no function's code: only throw/throw_ref/try_table
    // do. (A defined tag adds one store to the module's `instantiate`,
    // which writes its identity word; an imported one adds nothing.)
    let with_tags = format!(r#"(module (import "lib" "t" (tag $t (param i32))) {calls})"#);
    // The same module plus a function without calls, first with a
    // plain block, then with a try_table: only the second makes `f`
    // check for exceptions after its calls.
    let with_block = format!(
        r#"(module (tag $t (param i32)) {calls}
             (func (export "h") (block $x (block))))"#
    );
    let with_try = format!(
        r#"(module (tag $t (param i32)) {calls}
             (func (export "h") (block $x (try_table (catch_all $x)))))"#
    );
    for target in ["x86_64", "aarch64", "riscv64"] {
        let a = text_of(dir.path(), "plain", &plain, target);
        let b = text_of(dir.path(), "tags", &with_tags, target);
        assert_eq!(a, b, "{target}: a tag changed the code");
        let block = text_of(dir.path(), "block", &with_block, target);
        let try_table = text_of(dir.path(), "try", &with_try, target);
        assert!(
            try_table.len() > block.len(),
            "{target}: the checks after calls are missing ({} vs {} bytes)",
            try_table.len(),
            block.len()
        );
    }
}

/// `lib` throws; `mid` has no exception operator and calls `lib.fail`,
/// then counts in a global if it is resumed; `app` catches.
const LIB: &str = r#"(module
  (tag $oops (export "oops") (param i32))
  (func (export "fail") (param i32) (throw $oops (local.get 0))))"#;
const MID: &str = r#"(module
  (import "lib" "fail" (func $fail (param i32)))
  (global $resumed (mut i32) (i32.const 0))
  (func (export "relay") (param i32) (result i32)
    (call $fail (local.get 0))
    (global.set $resumed (i32.add (global.get $resumed) (i32.const 1)))
    (i32.const 1000))
  (func (export "resumed") (result i32) (global.get $resumed)))"#;
const APP: &str = r#"(module
  (import "lib" "oops" (tag $oops (param i32)))
  (import "mid" "relay" (func $relay (param i32) (result i32)))
  (import "mid" "resumed" (func $resumed (result i32)))
  (func (export "run") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $oops $h) (drop (call $relay (local.get 0))))
      (i32.const -1))
    (i32.add (i32.mul (call $resumed) (i32.const 100)))))"#;

#[test]
fn an_image_with_exceptions_unwinds_the_frames_of_modules_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let lib = module_file(dir.path(), "lib.wat", LIB);
    let mid = module_file(dir.path(), "mid.wat", MID);
    let app = module_file(dir.path(), "app.wat", APP);
    std::thread::scope(|scope| {
        for board in BOARDS {
            let (lib, mid, app) = (&lib, &mid, &app);
            scope.spawn(move || {
                let o = wafer_within(
                    &[
                        "run", lib, mid, app, "--board", board, "--invoke", "app.run", "7",
                    ],
                    Duration::from_secs(120),
                )
                .unwrap_or_else(|| panic!("{board}: did not finish"));
                assert!(o.status.success(), "{board}: {}", stderr(&o));
                // Caught with its payload 7, and `mid` was not resumed
                // (that would add 100).
                assert_eq!(stdout(&o), "7\n", "{board}");
            });
        }
    });
}

#[test]
fn the_invoke_server_answers_an_uncaught_exception_with_a_trap_naming_the_tag() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "thrower.wat", THROWER);
    for board in ["host", "qemu-virt-riscv64"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wafer"))
            .args(["run", &module, "--board", board, "--serve"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wafer runs");
        // An uncaught exception, then the same instance still serves.
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"call thrower.quiet\ncall thrower.caught 5\nquit 0\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "wafer-serve 1\ntrap uncaught exception (tag 1 of thrower)\nok 5\nok\n",
            "{board}"
        );
    }
}

#[test]
fn exceptions_in_a_module_that_spawns_threads_are_refused_with_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "threaded.wat",
        r#"(module
          (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
          (import "env" "memory" (memory 1 1 shared))
          (tag $e)
          (func (export "wasi_thread_start") (param i32 i32))
          (func (export "_start") (block $h (try_table (catch_all $h) (throw $e)))))"#,
    );
    let out = dir.path().join("threaded");
    let o = wafer(&["build", &module, "-o", out.to_str().unwrap()]);
    assert_clean_error(&o, "exception handling in a module that spawns threads");
    assert!(!out.exists(), "no output is left behind");
}

#[test]
fn an_exception_out_of_the_start_function_fails_instantiation_naming_the_tag() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "starter.wat",
        r#"(module
          (tag $t (export "at_start"))
          (func $s (throw $t))
          (start $s)
          (func (export "_start")))"#,
    );
    for board in ["host", "qemu-virt-aarch64"] {
        let o = wafer_within(
            &["run", &module, "--board", board],
            Duration::from_secs(120),
        )
        .unwrap_or_else(|| panic!("{board}: did not finish"));
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("trap: uncaught exception (tag starter.at_start)"),
            "{board}: {}",
            stderr(&o)
        );
    }
}
