//! `--fuel` and `--timeout-ms`: a call-free infinite loop and endless
//! recursion stopped by the deadline on Linux and bare-metal boards, fuel
//! running out at the same operator on every board and run, modules within
//! their budget unaffected, and bad values refused.

use std::process::Output;
use std::time::{Duration, Instant};

use super::serve::serve_with;
use super::{
    assert_clean_error, code_relocations_to, example, module_file, stderr, stdout, wafer,
    wafer_within,
};

/// The boards of the issue: Linux (native) and the three bare-metal ISAs.
const BOARDS: [&str; 4] = [
    "host",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
];

/// No calls, no memory accesses: only the loop-header check can stop it.
const SPIN: &str = r#"(module (func (export "_start") (loop br 0)))"#;

/// Prints `k mod 10` for k = 0, 1, 2, ... forever.
///
/// Fuel per turn of `_start`'s loop (block/loop/else/end/nop are free):
/// `global.get`, `call` = 2, then `$print`'s 22 operators (store8 of the
/// digit: 7, store8 of the newline: 3, two iovec stores: 3 + 3, `drop`,
/// `call` and its 4 constants: 6), then `global.get`, `i32.const`,
/// `i32.add`, `global.set`, `br` = 5: 29 in all. Checks run at `$print`'s
/// entry (after 29k + 2 operators, before printing line k) and at the loop
/// header (after 29k). With fuel F, line k is printed when 29k + 2 <= F
/// and every earlier header check passed.
const COUNTER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func $print (param $v i32)
    (i32.store8 (i32.const 100) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
    (i32.store8 (i32.const 101) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (loop
      (call $print (global.get $n))
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (br 0))))"#;

/// The first `lines` lines the counter prints.
fn counter_output(lines: usize) -> String {
    (0..lines).map(|k| format!("{}\n", k % 10)).collect()
}

/// Recursion with no loop: only the function-entry check can stop it.
const FIB: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

/// Many integer and float values live across every loop-header check: the
/// refill is called with Cranelift's `preserve_all` convention, so the
/// runtime's stub must give every register back intact.
const LIVE_VALUES: &str = r#"(module
  (func (export "mix") (param $n i32) (result f64)
    (local $i i32) (local $c i32) (local $a i64) (local $b i64)
    (local $x f64) (local $y f64) (local $z f32)
    (loop
      (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
      (local.set $b (i64.xor (local.get $b) (i64.mul (local.get $a) (i64.const 3))))
      (local.set $x (f64.add (local.get $x) (f64.mul (f64.convert_i32_u (local.get $i)) (f64.const 0.5))))
      (local.set $y (f64.add (f64.mul (local.get $y) (f64.const 0.999)) (local.get $x)))
      (local.set $z (f32.add (local.get $z) (f32.const 1)))
      (local.set $c (i32.add (i32.mul (local.get $c) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (local.get $n))))
    (f64.add
      (f64.add (f64.add (local.get $x) (local.get $y))
               (f64.add (f64.convert_i64_s (local.get $a)) (f64.convert_i64_s (local.get $b))))
      (f64.add (f64.promote_f32 (local.get $z)) (f64.convert_i32_s (local.get $c))))))"#;

/// 100 + 99 + ... + 1, the sum travelling as the loop's parameter.
const LOOP_WITH_PARAMS: &str = r#"(module
  (func (export "sum_to") (param $n i32) (result i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.add (local.get $n))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))))"#;

fn assert_trap(o: &Output, message: &str, context: &str) {
    assert_eq!(o.status.code(), Some(134), "{context}: {}", stderr(o));
    assert!(
        stderr(o).starts_with(&format!("trap: {message}\n")),
        "{context}: {}",
        stderr(o)
    );
}

#[test]
fn a_call_free_infinite_loop_is_stopped_by_the_deadline_on_linux_and_bare_metal() {
    let dir = tempfile::tempdir().unwrap();
    let spin = module_file(dir.path(), "spin.wat", SPIN);
    for board in BOARDS {
        let start = Instant::now();
        // Generous: a loaded 2-core machine builds and boots slowly; what
        // matters is that the loop stops at all.
        let o = wafer_within(
            &["run", &spin, "--board", board, "--timeout-ms", "200"],
            Duration::from_secs(120),
        )
        .unwrap_or_else(|| panic!("{board}: the deadline did not stop the loop"));
        assert_trap(&o, "deadline exceeded", board);
        assert!(
            stderr(&o).contains("  at spin!_start"),
            "{board}: {}",
            stderr(&o)
        );
        // Never before the deadline (the clock is only read, never guessed).
        assert!(start.elapsed() >= Duration::from_millis(200), "{board}");
    }
}

#[test]
fn values_live_across_hundreds_of_refills_are_intact_on_every_isa() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "live.wat", LIVE_VALUES);
    // 2^22 turns of ~50 counted operators: about 800 refills of a 2^18
    // slice, each reading the clock.
    let turns = "4194304";
    for board in ["host", "linux-aarch64", "linux-riscv64"] {
        let plain = wafer(&["run", &module, "--board", board, "--invoke", "mix", turns]);
        assert!(plain.status.success(), "{board}: {}", stderr(&plain));
        let checked = wafer(&[
            "run",
            &module,
            "--board",
            board,
            "--timeout-ms",
            "600000",
            "--invoke",
            "mix",
            turns,
        ]);
        assert!(checked.status.success(), "{board}: {}", stderr(&checked));
        assert_eq!(stdout(&checked), stdout(&plain), "{board}");
    }
}

#[test]
fn recursion_without_loops_is_stopped_by_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let fib = module_file(dir.path(), "fib.wat", FIB);
    for board in ["host", "qemu-virt-riscv64"] {
        // fib(60) makes ~10^12 calls: it would run for hours.
        let o = wafer_within(
            &[
                "run",
                &fib,
                "--board",
                board,
                "--timeout-ms",
                "300",
                "--invoke",
                "fib",
                "60",
            ],
            Duration::from_secs(120),
        )
        .unwrap_or_else(|| panic!("{board}: the deadline did not stop the recursion"));
        assert_trap(&o, "deadline exceeded", board);
        assert_eq!(stdout(&o), "", "{board}");
    }
}

#[test]
fn fuel_runs_out_at_the_same_operator_on_every_board_and_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let counter = module_file(dir.path(), "counter.wat", COUNTER);
    // Fuel 1000: lines 0..=34 (29*34 + 2 = 988 <= 1000), then the header
    // check after 29*35 = 1015 operators traps.
    let expected = counter_output(35);
    for board in ["host", "host", "qemu-virt-aarch64", "qemu-virt-riscv64"] {
        let o = wafer_within(
            &["run", &counter, "--board", board, "--fuel", "1000"],
            Duration::from_secs(120),
        )
        .unwrap_or_else(|| panic!("{board}: fuel did not stop the loop"));
        assert_trap(&o, "fuel exhausted", board);
        assert_eq!(stdout(&o), expected, "{board}");
    }
    // The exact edge: line 35 needs 29*35 + 2 = 1017 operators of fuel.
    // With a deadline too the counter is refilled in slices, which must
    // not move the point.
    for (fuel, lines) in [("1016", 35), ("1017", 36)] {
        for timeout in [None, Some("60000")] {
            let mut args = vec!["run", &counter, "--fuel", fuel];
            if let Some(ms) = timeout {
                args.extend(["--timeout-ms", ms]);
            }
            let o = wafer(&args);
            assert_trap(&o, "fuel exhausted", fuel);
            assert_eq!(
                stdout(&o),
                counter_output(lines),
                "--fuel {fuel} {timeout:?}"
            );
        }
    }
}

/// `down(a)` = a + down(a - 1), calling itself directly when `a` is odd
/// and through the table (the Wasm-signature entry point) when it is even.
/// Before its call a level with `a` > 0 runs 11 operators (odd: `local.get`,
/// `if`, `local.get` x2, `i32.const`, `i32.and`, `if`, `local.get`,
/// `i32.const`, `i32.sub`, `call`) or 12 (even: one more `i32.const` and
/// `call_indirect`), and 1 (`i32.add`) after it; `down(0)` runs 3. So
/// `down(10)` costs 128 in all, and its entry checks see 0, 12, 23, 35,
/// 46, 58, 69, 81, 92, 104 and 115 operators more than were spent before
/// it (a = 10 down to 0). `run` calls it twice (`i32.const` + `call`
/// before each): the second call's deepest check, the last of all, sees
/// 2 + 128 + 2 + 115 = 247 spent; it needs the counter the first call
/// handed back to be right.
const MIXED_RECURSION: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $down)
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then
        (i32.add
          (local.get 0)
          (if (result i32) (i32.and (local.get 0) (i32.const 1))
            (then (call $down (i32.sub (local.get 0) (i32.const 1))))
            (else (call_indirect (type $t)
              (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))))
      (else (i32.const 0))))
  (func (export "run") (result i32)
    (i32.add (call $down (i32.const 10)) (call $down (i32.const 10)))))"#;

#[test]
fn fuel_is_exact_across_direct_and_indirect_calls_of_the_same_function() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "mixed.wat", MIXED_RECURSION);
    for board in ["host", "qemu-virt-aarch64", "qemu-virt-riscv64"] {
        let run = |fuel: &str| {
            wafer_within(
                &[
                    "run", &module, "--board", board, "--fuel", fuel, "--invoke", "run",
                ],
                Duration::from_secs(120),
            )
            .unwrap_or_else(|| panic!("{board} --fuel {fuel}: did not finish"))
        };
        let o = run("247");
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "110\n", "{board}");
        let o = run("246");
        assert_trap(&o, "fuel exhausted", board);
        assert_eq!(stdout(&o), "", "{board}");
    }
}

#[test]
fn a_module_within_its_budget_runs_normally() {
    let hello = example("hello.wat");
    let arith = example("arith.wat");
    for board in ["host", "qemu-virt-aarch64"] {
        let o = wafer(&[
            "run",
            &hello,
            "--board",
            board,
            "--fuel",
            "100000",
            "--timeout-ms",
            "60000",
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "Hello from wafer!\n", "{board}");
    }
    // A loop with parameters (the check must not disturb them).
    let dir = tempfile::tempdir().unwrap();
    let sum = module_file(dir.path(), "sum.wat", LOOP_WITH_PARAMS);
    for board in ["host", "linux-riscv64"] {
        let o = wafer(&[
            "run", &sum, "--board", board, "--fuel", "100000", "--invoke", "sum_to", "100",
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "5050\n", "{board}");
    }
    // A budget is per call: the plain value and the module's own name.
    for fuel in ["100000", "arith:100000"] {
        let o = wafer(&["run", &arith, "--fuel", fuel, "--invoke", "fac", "20"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "2432902008176640000\n");
    }
}

#[test]
fn bad_budget_values_are_one_error_line_on_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let spin = module_file(dir.path(), "spin.wat", SPIN);
    let out = dir.path().join("out").to_string_lossy().into_owned();
    let cases: &[(&[&str], &str)] = &[
        (&["--timeout-ms", "0"], "--timeout-ms `0` is out of range"),
        (
            &["--timeout-ms", "-5"],
            "--timeout-ms `-5` is not a whole number",
        ),
        (&["--timeout-ms", "soon"], "is not a whole number"),
        (&["--fuel", "0"], "--fuel `0` is out of range"),
        (&["--fuel", "1e6"], "--fuel `1e6` is not a whole number"),
        (
            &["--fuel", "other:10"],
            "names module `other`, but the image has only module `spin`",
        ),
        (&["--fuel", "10", "--fuel", "20"], "given twice"),
    ];
    for (flags, needle) in cases {
        let commands: [Vec<&str>; 3] = [
            vec!["compile", &spin, "--target", "x86_64", "-o", &out],
            vec!["build", &spin, "-o", &out],
            vec!["run", &spin],
        ];
        for mut command in commands {
            command.extend_from_slice(flags);
            let o = wafer(&command);
            assert_clean_error(&o, needle);
            assert!(
                !std::path::Path::new(&out).exists(),
                "{command:?} left output"
            );
        }
    }
}

#[test]
fn compile_accepts_a_budget_and_its_object_holds_the_checks() {
    let dir = tempfile::tempdir().unwrap();
    let spin = module_file(dir.path(), "spin.wat", SPIN);
    let plain = dir.path().join("plain.o");
    let budget = dir.path().join("budget.o");
    let compile = |out: &std::path::Path, extra: &[&str]| {
        let out = out.to_string_lossy().into_owned();
        let mut args = vec!["compile", &spin, "--target", "aarch64", "-o", &out];
        args.extend_from_slice(extra);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    compile(&plain, &[]);
    compile(&budget, &["--timeout-ms", "5"]);
    assert_eq!(refill_calls(&plain), 0, "no flag, no checks");
    // One check at the loop header; a function that calls nothing needs
    // none at its entry.
    assert_eq!(refill_calls(&budget), 1);
    let fib = module_file(dir.path(), "fib.wat", FIB);
    let fib_object = dir.path().join("fib.o");
    let out = fib_object.to_string_lossy().into_owned();
    let o = wafer(&[
        "compile", &fib, "--target", "riscv64", "--fuel", "9", "-o", &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Recursion without a loop: the entry check.
    assert_eq!(refill_calls(&fib_object), 1);
}

/// Relocations in `object`'s code that reach the runtime's refill.
fn refill_calls(object: &std::path::Path) -> usize {
    code_relocations_to(object, wafer_abi::budget::REFILL_SYMBOL)
}

#[test]
fn an_image_without_a_budget_links_none_of_the_refill() {
    use object::{Object, ObjectSymbol};
    let dir = tempfile::tempdir().unwrap();
    let hello = example("hello.wat");
    let has_refill = |flags: &[&str]| {
        let image = dir.path().join("hello.elf");
        let out = image.to_string_lossy().into_owned();
        let mut args = vec!["build", &hello, "--board", "qemu-virt-aarch64", "-o", &out];
        args.extend_from_slice(flags);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(&image).unwrap();
        let file = object::File::parse(&*bytes).unwrap();
        file.symbols()
            .any(|s| s.name().is_ok_and(|n| n.starts_with("wafer_budget_refill")))
    };
    // Flash is counted in bytes on boards: no budget, no refill code.
    assert!(!has_refill(&[]));
    assert!(has_refill(&["--fuel", "1000"]));
}

#[test]
fn a_budget_for_one_module_of_several_applies_to_that_module_only() {
    let dir = tempfile::tempdir().unwrap();
    let spin = module_file(
        dir.path(),
        "spin.wat",
        r#"(module (func (export "spin") (loop br 0)))"#,
    );
    let answer = module_file(
        dir.path(),
        "answer.wat",
        // Three turns of 8 counted operators; the header checks after the
        // first and second turns see 8 and 16 spent.
        r#"(module (func (export "answer") (result i32) (local $i i32)
             (loop
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if 0 (i32.lt_u (local.get $i) (i32.const 3))))
             (i32.const 42)))"#,
    );
    for board in ["host", "qemu-virt-riscv64"] {
        let run = |export: &str, fuel: &str| {
            wafer_within(
                &[
                    "run",
                    &spin,
                    &answer,
                    "--board",
                    board,
                    "--timeout-ms",
                    "spin:200",
                    "--fuel",
                    fuel,
                    "--invoke",
                    export,
                ],
                Duration::from_secs(120),
            )
            .unwrap_or_else(|| panic!("{board} {export}: not stopped"))
        };
        let o = run("spin.spin", "answer:16");
        assert_trap(&o, "deadline exceeded", board);
        assert!(
            stderr(&o).contains("  at spin!spin"),
            "{board}: {}",
            stderr(&o)
        );
        // The other module runs under its own fuel, and no deadline.
        let o = run("answer.answer", "answer:16");
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "42\n", "{board}");
        // ... which 15 does not cover: the second check sees 16 spent.
        let o = run("answer.answer", "answer:15");
        assert_trap(&o, "fuel exhausted", board);
    }
    let o = wafer(&["run", &spin, &answer, "--fuel", "other:5"]);
    assert_clean_error(
        &o,
        "--fuel `other:5` names module `other`, but the image has modules `spin`, `answer`",
    );
}

/// Burns 8 turns of 8 counted operators, in its start function and in
/// `work`.
const BURNER: &str = r#"(module
  (func $burn (local $i i32)
    (loop
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 8)))))
  (func $start (call $burn))
  (start $start)
  (func (export "work") (result i32) (call $burn) (i32.const 7)))"#;

#[test]
fn every_call_gives_modules_reached_through_imports_a_fresh_budget() {
    let dir = tempfile::tempdir().unwrap();
    let lib = module_file(dir.path(), "lib.wat", BURNER);
    let app = module_file(
        dir.path(),
        "app.wat",
        r#"(module (import "lib" "work" (func $work (result i32)))
             (func (export "run") (result i32) (call $work)))"#,
    );
    // lib's start function spends 65 of its 100 (armed at its loop's first
    // check); the call into `app`, which has no budget, must give lib a
    // fresh 100 for `work` (66): with the 35 left over, `work`'s loop would
    // trap at its fifth check.
    for board in ["host", "qemu-virt-aarch64"] {
        let o = wafer(&[
            "run", &lib, &app, "--board", board, "--fuel", "lib:100", "--invoke", "app.run",
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "7\n", "{board}");
    }
}

#[test]
fn a_server_stops_a_call_at_its_deadline_and_keeps_answering_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let spin = module_file(
        dir.path(),
        "spin.wat",
        r#"(module (func (export "spin") (loop br 0)))"#,
    );
    let answer = module_file(
        dir.path(),
        "answer.wat",
        r#"(module (global $n (mut i32) (i32.const 41))
             (func (export "answer") (result i32)
               (global.set $n (i32.add (global.get $n) (i32.const 1)))
               (global.get $n)))"#,
    );
    let script = "call spin.spin\ncall answer.answer\ncall spin.spin\ncall answer.answer\n";
    for board in BOARDS {
        let o = serve_with(
            board,
            &[&spin, &answer],
            &["--timeout-ms", "spin:200"],
            script,
        );
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{board}: {out}\nstderr: {}", stderr(&o));
        assert!(lines[0].starts_with("wafer-serve "), "{board}: {out}");
        // Each call gets its own deadline, and the other module (and its
        // state) is untouched by the trap.
        assert!(
            lines[1].starts_with("trap deadline exceeded at spin!spin"),
            "{board}: {out}"
        );
        assert_eq!(lines[2], "ok 42", "{board}");
        assert!(
            lines[3].starts_with("trap deadline exceeded at spin!spin"),
            "{board}: {out}"
        );
        assert_eq!(lines[4], "ok 43", "{board}");
    }
}
