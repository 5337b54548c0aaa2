//! Inlined callees (compiler/src/emit/inline.rs): a trap inside an inlined
//! body reports the Wasm offset of the callee's instruction and the
//! callee's name, on every ISA and in both bounds modes, and a budget
//! turns inlining off.

use super::*;

/// `main` calls each small callee in a loop, so every call is inlined;
/// `which` picks the callee that traps: 0 a division by zero, 1 a load out
/// of bounds, 2 `unreachable`.
const TRAPS: &str = r#"(module
  (memory 1)
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $load (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (global $trapped (mut i32) (i32.const 0))
  ;; The store keeps Cranelift from turning the branch to the trap into a
  ;; conditional trap, which would carry the `if`'s location instead.
  (func $boom (param i32) (result i32)
    (if (local.get 0) (then (global.set $trapped (i32.const 1)) unreachable))
    (i32.const 7))
  (func (export "main") (param $which i32) (result i32)
    (local $n i32) (local $sum i32)
    (local.set $n (i32.const 3))
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set $sum (i32.add (local.get $sum)
        (call $div (i32.const 100)
          (select (local.get $n) (i32.const 1) (i32.eqz (local.get $which))))))
      (local.set $sum (i32.add (local.get $sum)
        (call $load
          (select (i32.const 65532) (i32.const 0) (i32.eq (local.get $which) (i32.const 1))))))
      (local.set $sum (i32.add (local.get $sum)
        (call $boom (i32.and (i32.eq (local.get $which) (i32.const 2)) (i32.eqz (local.get $n))))))
      (br_if $l (local.get $n)))
    (local.get $sum)))"#;

/// Byte offset in `wasm` of the first operator of defined function `func`
/// that `is_it` accepts: where the Wasm location of a trap there points,
/// read from the binary independently of the compiler.
pub(super) fn operator_offset(
    wasm: &[u8],
    func: usize,
    is_it: impl Fn(&wasmparser::Operator<'_>) -> bool,
) -> u64 {
    let mut bodies = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            if bodies == func {
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    let (op, offset) = ops.read_with_offset().unwrap();
                    if is_it(&op) {
                        return offset;
                    }
                }
            }
            bodies += 1;
        }
    }
    panic!("no such operator in function {func}");
}

#[test]
fn traps_in_inlined_callees_report_the_callees_wasm_offset() {
    use wasmparser::Operator as Op;
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "inl.wat", TRAPS);
    let wasm = wat::parse_str(TRAPS).unwrap();
    let cases = [
        (
            "0",
            "integer divide by zero",
            "div",
            operator_offset(&wasm, 0, |op| matches!(op, Op::I32DivS)),
        ),
        (
            "1",
            "out of bounds memory access",
            "load",
            operator_offset(&wasm, 1, |op| matches!(op, Op::I32Load { .. })),
        ),
        (
            "2",
            "unreachable",
            "boom",
            operator_offset(&wasm, 2, |op| matches!(op, Op::Unreachable)),
        ),
    ];
    std::thread::scope(|scope| {
        for board in ["host", "linux-aarch64", "linux-riscv64"] {
            for mode in ["guard", "explicit"] {
                let (wat, cases) = (&wat, &cases);
                scope.spawn(move || {
                    for (which, message, callee, offset) in cases {
                        let o = wafer(&[
                            "run",
                            wat,
                            "--board",
                            board,
                            "--bounds-checks",
                            mode,
                            "--invoke",
                            "main",
                            which,
                        ]);
                        // The machine code that ran is main's, with the
                        // callee inlined; the trap names the function whose
                        // instruction trapped, at that instruction.
                        let expected = format!(
                            "trap: {message}\n  at inl!{callee} (wasm offset {offset:#x})\n"
                        );
                        assert_eq!(stderr(&o), expected, "{board} {mode} case {which}");
                        assert_eq!(o.status.code(), Some(134), "{board} {mode} case {which}");
                    }
                });
            }
        }
    });
}

#[test]
fn with_a_budget_callees_are_not_inlined() {
    // Inlined, main's code calls none of its callees; with a budget each
    // call stays (fuel is charged in the callee's own body).
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "inl.wat", TRAPS);
    let calls_in = |extra: &[&str]| {
        let object = dir.path().join("inl.o");
        let out = object.to_string_lossy().into_owned();
        let mut args = vec!["compile", &wat, "--target", "x86_64", "-o", &out];
        args.extend_from_slice(extra);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        ["div", "load", "boom"]
            .map(|callee| code_relocations_to(&object, &format!("inl::{callee}")))
    };
    assert_eq!(calls_in(&[]), [0, 0, 0]);
    assert_eq!(calls_in(&["--fuel", "1000000"]), [1, 1, 1]);
    assert_eq!(calls_in(&["--timeout-ms", "1000"]), [1, 1, 1]);
    // And the trap names the callee, with its instruction's offset.
    let wasm = wat::parse_str(TRAPS).unwrap();
    let offset = operator_offset(&wasm, 0, |op| matches!(op, wasmparser::Operator::I32DivS));
    let o = wafer(&["run", &wat, "--fuel", "1000000", "--invoke", "main", "0"]);
    assert_eq!(
        stderr(&o),
        format!("trap: integer divide by zero\n  at inl!div (wasm offset {offset:#x})\n")
    );
}
