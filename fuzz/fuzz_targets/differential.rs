//! Target (2): a `wasm-smith` module run under wasmi (linked in) and under
//! wafer — compiled for the ISA in `$WAFER_FUZZ_ISA` (default x86_64), in a
//! serving image run natively or under qemu-user. Results, traps, exported
//! memories and globals must agree (`wafer_fuzz::compare`). Bounds checks:
//! `$WAFER_FUZZ_BOUNDS` (`guard` or `explicit`, default the board's).
//!
//! One image per input: libFuzzer hands inputs over one at a time, so this
//! target trades throughput for coverage guidance; the batch driver
//! (`fuzz/run`) links many modules per image instead.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wafer_fuzz::compare::{Verdict, compare};
use wafer_fuzz::generate::TestCase;
use wafer_fuzz::reference;
use wafer_fuzz::under_wafer::{self, WaferRun};

struct Setup {
    board: wafer_fuzz::Board,
    bounds: wafer_fuzz::BoundsChecks,
    work: wafer_fuzz::TempDir,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let isa = std::env::var("WAFER_FUZZ_ISA").unwrap_or_else(|_| "x86_64".into());
        let isa = wafer_fuzz::Isa::from_name(&isa).expect("WAFER_FUZZ_ISA: x86_64, aarch64 or riscv64");
        let board = under_wafer::board_for(isa).expect("the ISA's Linux board");
        let requested = std::env::var("WAFER_FUZZ_BOUNDS").ok().map(|mode| match mode.as_str() {
            "guard" => wafer_fuzz::BoundsChecks::Guard,
            "explicit" => wafer_fuzz::BoundsChecks::Explicit,
            _ => panic!("WAFER_FUZZ_BOUNDS: guard or explicit"),
        });
        let bounds = board.bounds_checks(requested).expect("a mode the board supports");
        Setup {
            board,
            bounds,
            work: wafer_fuzz::TempDir::new().expect("a temporary directory"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(case) = TestCase::generate(data) else {
        return;
    };
    let want = reference::run(&case).expect("wasmi loads every wasm-smith module");
    let setup = setup();
    let mut runs = under_wafer::run_batch(std::slice::from_ref(&case), &setup.board, setup.bounds, setup.work.path());
    match runs.pop() {
        Some(WaferRun::Ran(got)) => {
            if let Verdict::Mismatch(what) = compare(&case, &want, &got) {
                panic!("mismatch: {what}");
            }
        }
        other => panic!("wafer failed: {other:?}"),
    }
});
