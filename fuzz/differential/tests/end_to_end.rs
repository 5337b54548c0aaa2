//! The whole differential path on a hand-written module whose every
//! outcome is known: wasmi and wafer (natively and under qemu-user) must
//! both produce exactly the expected trace — results, trap kinds, the
//! memory digest served by `memhash`, the exported global — and the
//! comparison must call them equal, up to the stack exhaustion at the end.

use wafer::{BoundsChecks, Isa};
use wafer_abi::serve::fnv1a64;
use wafer_fuzz::compare::{Verdict, compare};
use wafer_fuzz::generate::{Call, TestCase, exports_of};
use wafer_fuzz::trace::{MemoryDigest, Outcome, Trace, Trap};
use wafer_fuzz::under_wafer::{self, WaferRun};
use wafer_fuzz::value::Value;

const MODULE: &str = r#"(module
  (memory (export "mem") 1 1)
  (global (export "g") (mut i32) (i32.const 7))
  (data (i32.const 0) "\01\02")
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1))
    (global.set 0 (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32)
    (f32.div (f32.const 0) (f32.const 0)))
  (func $rec (export "rec") (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1)))))"#;

fn call(export: &str, args: &[Value]) -> Call {
    Call {
        export: export.into(),
        args: args.to_vec(),
    }
}

fn case() -> TestCase {
    let wasm = wat::parse_str(MODULE).unwrap();
    let exports = exports_of(&wasm).unwrap();
    TestCase {
        wasm,
        exports,
        calls: vec![
            call("store", &[Value::I32(4), Value::I32(0x1122_3344)]),
            call("div", &[Value::I32(7), Value::I32(2)]),
            call("div", &[Value::I32(1), Value::I32(0)]),
            call("div", &[Value::I32(0x8000_0000), Value::I32(u32::MAX)]),
            call("store", &[Value::I32(65534), Value::I32(1)]),
            call("nan", &[]),
            call("rec", &[Value::I32(0)]),
        ],
    }
}

/// Checks `trace` against the outcomes worked out by hand.
fn check_expected(engine: &str, trace: &Trace) {
    let outcomes: Vec<&Outcome> = trace.steps.iter().map(|s| &s.outcome).collect();
    let returned = |values: Vec<Value>| Outcome::Returned(values);
    assert_eq!(outcomes.len(), 8, "{engine}: instantiation + 7 calls");
    assert_eq!(*outcomes[0], returned(vec![]), "{engine}");
    assert_eq!(*outcomes[1], returned(vec![]), "{engine}");
    assert_eq!(*outcomes[2], returned(vec![Value::I32(3)]), "{engine}");
    assert_eq!(
        *outcomes[3],
        Outcome::Trapped(Trap::IntegerDivideByZero),
        "{engine}"
    );
    assert_eq!(
        *outcomes[4],
        Outcome::Trapped(Trap::IntegerOverflow),
        "{engine}"
    );
    assert_eq!(
        *outcomes[5],
        Outcome::Trapped(Trap::MemoryOutOfBounds),
        "{engine}"
    );
    let Outcome::Returned(nan) = outcomes[6] else {
        panic!("{engine}: nan trapped")
    };
    assert!(
        matches!(nan[..], [Value::F32(bits)] if f32::from_bits(bits).is_nan()),
        "{engine}"
    );
    assert_eq!(
        *outcomes[7],
        Outcome::Trapped(Trap::CallStackExhausted),
        "{engine}"
    );

    // After instantiation: the data segment and the global's initialiser.
    let mut memory = vec![0u8; 65536];
    memory[..2].copy_from_slice(&[1, 2]);
    let state = trace.steps[0].state.as_ref().unwrap();
    assert_eq!(state.memories, [digest(&memory)], "{engine}");
    assert_eq!(state.globals, [Value::I32(7)], "{engine}");
    // After the first store: little-endian bytes at 4, and the global.
    memory[4..8].copy_from_slice(&[0x44, 0x33, 0x22, 0x11]);
    let state = trace.steps[1].state.as_ref().unwrap();
    assert_eq!(state.memories, [digest(&memory)], "{engine}");
    assert_eq!(state.globals, [Value::I32(0x1122_3344)], "{engine}");
    // The out-of-bounds store changed nothing (no partial write).
    let state = trace.steps[5].state.as_ref().unwrap();
    assert_eq!(state.memories, [digest(&memory)], "{engine}");
}

fn digest(bytes: &[u8]) -> MemoryDigest {
    MemoryDigest {
        length: bytes.len() as u64,
        hash: fnv1a64(bytes),
    }
}

#[test]
fn wasmi_and_wafer_on_every_isa_produce_the_hand_computed_trace() {
    let case = case();
    let reference = wafer_fuzz::reference::run(&case).unwrap();
    check_expected("wasmi", &reference);
    let work = tempfile::tempdir().unwrap();
    for isa in Isa::ALL {
        let board = under_wafer::board_for(isa).unwrap();
        for bounds in [BoundsChecks::Guard, BoundsChecks::Explicit] {
            let mut runs =
                under_wafer::run_batch(std::slice::from_ref(&case), &board, bounds, work.path());
            let Some(WaferRun::Ran(trace)) = runs.pop() else {
                panic!("{isa} {bounds:?}: wafer did not run the case")
            };
            check_expected(&format!("wafer {isa} {bounds:?}"), &trace);
            // Everything agrees up to the exhausted call, the last step.
            assert_eq!(
                compare(&case, &reference, &trace),
                Verdict::Inconclusive { step: 7 },
                "{isa} {bounds:?}"
            );
        }
    }
}

#[test]
fn a_batch_keeps_cases_apart_and_reports_an_instantiation_trap() {
    // Two modules in one image: the second traps while instantiating (its
    // data segment is out of bounds); the first must still run normally.
    let first = case();
    let wasm = wat::parse_str(r#"(module (memory (export "m") 1) (data (i32.const 65535) "ab"))"#)
        .unwrap();
    let second = TestCase {
        exports: exports_of(&wasm).unwrap(),
        wasm,
        calls: Vec::new(),
    };
    let cases = [second.clone(), first];
    let board = under_wafer::board_for(Isa::X86_64).unwrap();
    let work = tempfile::tempdir().unwrap();
    let runs = under_wafer::run_batch(&cases, &board, BoundsChecks::Guard, work.path());
    let [WaferRun::Ran(trapped), WaferRun::Ran(ran)] = &runs[..] else {
        panic!("{runs:?}")
    };
    assert_eq!(trapped.steps.len(), 1);
    assert_eq!(
        trapped.steps[0].outcome,
        Outcome::Trapped(Trap::MemoryOutOfBounds)
    );
    assert_eq!(trapped.steps[0].state, None);
    check_expected("wafer x86_64 in a batch", ran);
    let reference = wafer_fuzz::reference::run(&second).unwrap();
    assert_eq!(compare(&second, &reference, trapped), Verdict::Agree);
}
