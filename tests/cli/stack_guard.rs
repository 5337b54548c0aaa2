//! `--stack-checks`: on Linux boards stack overflow is caught by the guard
//! below the runtime's stack (no check in the prologues), on bare-metal
//! boards and in `wafer compile` objects by the prologue check. Either way
//! it is the trap `call stack exhausted`.

use super::serve::serve_with;
use super::*;

/// Bytes each frame of [`big_frames`] spills: more than the runtime's 64 KiB
/// stack guard, so a frame allocated without probes could step over it.
const LOADS: usize = 12_000;

/// Values [`padded`] keeps live across each of its calls: with 8-byte
/// spill slots its frame is a few hundred bytes on every ISA.
const PAD_VALUES: usize = 24;

/// `big(n)`: recurses first, then loads `LOADS` bytes, keeps them all live
/// across a call (so each is spilled into the frame) and adds them up.
/// Recursing before any spill is written means nothing touches a frame
/// between the return address pushed at its bottom and the callee's
/// frame: without stack probes a frame that ends below the guard goes
/// unnoticed until something writes far below it.
///
/// `padded(levels, n)`: `levels` calls deep in frames of about
/// [`PAD_VALUES`] words, then `big(n)`, so one compiled image can place
/// `big`'s frames anywhere relative to the guard (the server calls it
/// with many `levels`; a compile of `big` takes seconds, a call does not).
fn big_frames() -> String {
    let data: String = (0..LOADS).map(|k| format!("\\{:02x}", k % 251)).collect();
    let loads: String = (0..LOADS)
        .map(|k| format!("(i32.load8_u offset={k} (i32.const 0))\n"))
        .collect();
    let adds = "i32.add\n".repeat(LOADS);
    let pad_loads: String = (0..PAD_VALUES)
        .map(|k| format!("(i32.load8_u offset={k} (i32.const 0))\n"))
        .collect();
    let pad_adds = "i32.add\n".repeat(PAD_VALUES);
    format!(
        r#"(module
  (memory 1)
  (data (i32.const 0) "{data}")
  (func $nop)
  (func $big (export "big") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (call $big (i32.sub (local.get 0) (i32.const 1)))
        {loads}
        (call $nop)
        {adds})))
  (func $padded (export "padded") (param $levels i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $levels))
      (then (call $big (local.get $n)))
      (else
        {pad_loads}
        (call $padded (i32.sub (local.get $levels) (i32.const 1)) (local.get $n))
        {pad_adds}))))"#
    )
}

/// What `big(n)` returns: `n` times the sum of the data bytes.
fn big_result(n: u32) -> u32 {
    n * (0..LOADS as u32).map(|k| k % 251).sum::<u32>()
}

/// `depth(n)`: `n` calls deep, a frame of a few words each.
const DEPTH: &str = r#"(module
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
              (call $depth (i32.sub (local.get 0) (i32.const 1))))))))"#;

/// Asserts `o` is the trap `call stack exhausted` (status 134).
fn assert_stack_exhausted(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(134), "{what}: {}", stderr(o));
    assert!(
        stderr(o).starts_with("trap: call stack exhausted\n"),
        "{what}: {}",
        stderr(o)
    );
}

#[test]
fn frames_larger_than_the_stack_guard_are_caught_on_linux_boards() {
    let dir = tempfile::tempdir().unwrap();
    let big = module_file(dir.path(), "big.wat", &big_frames());
    // Paddings about 7 KiB apart (32 levels of 224 bytes on x86_64 and
    // riscv64) over more than a frame of `big` (about 96 KiB): the last frame that fits ends anywhere
    // relative to the guard, including so far above it that the next
    // frame's bottom lies below the guard (without probes some of these
    // end in a fatal SIGSEGV and the server dies). The server answers each
    // call, so every trap was caught and left the image working.
    let paddings: Vec<u32> = (0..16).map(|k| k * 32).collect();
    let mut script = String::from("call big.big 3\n");
    for levels in &paddings {
        script.push_str(&format!("call big.padded {levels} 100000\n"));
    }
    script.push_str("call big.big 3\n");
    std::thread::scope(|scope| {
        for board in LINUX_BOARDS {
            let (big, paddings, script) = (&big, &paddings, &script);
            scope.spawn(move || {
                let o = serve_with(board, &[big], &[], script);
                let out = stdout(&o);
                let lines: Vec<&str> = out.lines().collect();
                let what = format!("{board}: {out}\nstderr: {}", stderr(&o));
                assert_eq!(lines.len(), paddings.len() + 3, "{what}");
                let sum = format!("ok {}", big_result(3));
                assert_eq!(lines[1], sum, "{what}");
                // The guard fault is placed like the prologue's trap: in
                // the function, no byte offset.
                for line in &lines[2..lines.len() - 1] {
                    assert_eq!(*line, "trap call stack exhausted at big!big", "{what}");
                }
                assert_eq!(lines[lines.len() - 1], sum, "{what}");

                // And `wafer run` reports it as a trap with its status.
                let o = wafer(&[
                    "run",
                    big,
                    "--board",
                    board,
                    "--stack-size",
                    "73728",
                    "--invoke",
                    "big",
                    "100000",
                ]);
                let what = format!("{board}, --stack-size 73728");
                assert_stack_exhausted(&o, &what);
                assert_eq!(
                    stderr(&o),
                    "trap: call stack exhausted\n  at big!big\n",
                    "{what}"
                );
            });
        }
    });
}

#[test]
fn a_host_function_out_of_stack_at_the_edge_is_the_same_trap() {
    // Each level calls a WASI function, whose frames are larger than the
    // Wasm function's: at the edge of the budget it is usually the
    // runtime's code that touches the guard first.
    let dir = tempfile::tempdir().unwrap();
    let edge = module_file(
        dir.path(),
        "edge.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        ;; Writes nothing: no iovecs.
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 8)))
        (i32.add (i32.const 1)
          (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#,
    );
    for board in LINUX_BOARDS {
        let o = wafer(&["run", &edge, "--board", board, "--invoke", "down", "100"]);
        assert_eq!(stdout(&o), "100\n", "{board}: {}", stderr(&o));
        let mut in_runtime_code = 0;
        for budget in ["16384", "20480", "24576", "28672"] {
            let o = wafer(&[
                "run",
                &edge,
                "--board",
                board,
                "--stack-size",
                budget,
                "--invoke",
                "down",
                "100000000",
            ]);
            assert_stack_exhausted(&o, &format!("{board}, --stack-size {budget}"));
            // No Wasm location: the fault was not in compiled code.
            if !stderr(&o).contains("  at ") {
                in_runtime_code += 1;
            }
        }
        assert!(
            in_runtime_code > 0,
            "{board}: Wasm code hit the guard every time; this test no longer covers a host function at the edge"
        );
    }
}

#[test]
fn bare_metal_boards_keep_the_prologue_check() {
    let dir = tempfile::tempdir().unwrap();
    let big = module_file(dir.path(), "big.wat", &big_frames());
    for board in ["qemu-virt-riscv64", "qemu-virt-aarch64"] {
        // No guard below a bare-metal stack: only the prologue check can
        // stop these frames.
        let o = wafer(&["run", &big, "--board", board, "--invoke", "big", "100000"]);
        assert_stack_exhausted(&o, board);
        let o = wafer(&[
            "run",
            &big,
            "--board",
            board,
            "--stack-checks",
            "guard",
            "--invoke",
            "big",
            "3",
        ]);
        assert_clean_error(&o, "does not support --stack-checks guard");
    }
}

/// The size of the function symbol `name` in the object at `path`.
fn function_size(path: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("no symbol {name}"))
        .size()
}

#[test]
fn wafer_compile_checks_the_stack_in_prologues_unless_asked() {
    // An object may be linked into firmware whose stack has no guard.
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    let compile = |extra: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut args = vec!["compile", &depth, "--target", "x86_64", "-o"];
        let out_str = out.to_string_lossy().into_owned();
        args.push(&out_str);
        args.extend_from_slice(extra);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        function_size(&out, "depth::depth")
    };
    let default = compile(&[], "default.o");
    let prologue = compile(&["--stack-checks", "prologue"], "prologue.o");
    let guard = compile(&["--stack-checks", "guard"], "guard.o");
    assert_eq!(default, prologue);
    // x86_64's check is a load, an add, a compare, a branch and a `ud2`.
    assert!(guard + 16 <= prologue, "guard {guard}, prologue {prologue}");
}

/// Instantiates `app` and prints the status and message.
const INSTANTIATE_PROGRAM: &str = r#"#include <stdio.h>
#include "app.h"
void env_led_set(void *vmctx, int32_t on) { (void)vmctx; (void)on; }
int main(void) {
    wafer_instance *app;
    wafer_trap trap;
    wafer_status s = app_instantiate(&app, &trap);
    printf("status %d: %.*s\n", s, s == WAFER_OK ? 0 : (int)trap.message_len,
           s == WAFER_OK ? "" : trap.message);
    return 0;
}
"#;

#[test]
fn embedding_refuses_an_object_compiled_for_the_stack_guard() {
    // Firmware (here a Linux program) calls the module on its own stack,
    // which has no guard of the runtime's: the module must check itself.
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let app = example("embed-c/app.wat");
    let runtime = wafer(&["runtime", "--target", "x86_64", "-o", &d("libwafer_rt.a")]);
    assert!(runtime.status.success(), "{}", stderr(&runtime));
    let source = module_file(dir.path(), "main.c", INSTANTIATE_PROGRAM);
    let include = format!("-I{}", dir.path().display());
    let run_with = |checks: &str| {
        let o = wafer(&[
            "compile",
            &app,
            "--target",
            "x86_64",
            "--stack-checks",
            checks,
            "-o",
            &d("app.o"),
            "--header",
            &d("app.h"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let gcc = Command::new("gcc")
            .args(["-no-pie", "-std=c11", &include, &source, &d("app.o")])
            .args([&d("libwafer_rt.a"), "-o", &d("program")])
            .output()
            .expect("gcc runs");
        assert!(gcc.status.success(), "{}", stderr(&gcc));
        Command::new(d("program"))
            .output()
            .expect("the program runs")
    };
    assert_eq!(stdout(&run_with("prologue")), "status 0: \n");
    let o = run_with("guard");
    assert!(
        stdout(&o).contains("compiled with --stack-checks guard"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).starts_with("status 0"), "{}", stdout(&o));
}

/// The trap instructions (`ud2`, `udf`, `unimp`) in function `name` of the
/// object at `path`, by llvm-objdump.
fn trap_instructions(path: &str, name: &str) -> usize {
    let body = disassembly_of(path, name);
    body.lines()
        .filter(|line| ["ud2", "udf", "unimp"].iter().any(|t| line.contains(t)))
        .count()
}

#[test]
fn riscv64_keeps_the_prologue_check_for_frames_its_probes_cannot_bound() {
    // riscv64 probes large frames from the bottom up, so the first probe of
    // a frame larger than the guard could land below it: such functions
    // keep the stack-limit check (`emit::isa::largest_guarded_frame`). With
    // guard bounds checks the loads have no check, so a trap instruction
    // in `big` is the stack check's.
    let dir = tempfile::tempdir().unwrap();
    let big = module_file(dir.path(), "big.wat", &big_frames());
    for (isa, checks) in [("riscv64", 1), ("aarch64", 0), ("x86_64", 0)] {
        let object = dir
            .path()
            .join(format!("{isa}.o"))
            .to_string_lossy()
            .into_owned();
        let o = wafer(&[
            "compile",
            &big,
            "--target",
            isa,
            "--stack-checks",
            "guard",
            "--bounds-checks",
            "guard",
            "-o",
            &object,
        ]);
        assert!(o.status.success(), "{isa}: {}", stderr(&o));
        let traps = trap_instructions(&object, "big::big");
        assert_eq!(traps.min(1), checks, "{isa}: {traps} trap instructions");
    }
    // A small frame needs no check on riscv64 either.
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    let object = dir.path().join("depth.o").to_string_lossy().into_owned();
    let o = wafer(&[
        "compile",
        &depth,
        "--target",
        "riscv64",
        "--stack-checks",
        "guard",
        "-o",
        &object,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(trap_instructions(&object, "depth::depth"), 0);
}
