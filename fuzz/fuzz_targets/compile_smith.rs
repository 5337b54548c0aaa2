//! Target (1b): any `wasm-smith` module (Wasm 2.0 without SIMD, the
//! configuration of `wafer_fuzz::generate`) → `wafer::compile` for every
//! ISA must succeed: these modules are valid, so an error is a bug too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wafer_fuzz::generate::TestCase;

fuzz_target!(|data: &[u8]| {
    let Ok(case) = TestCase::generate(data) else {
        return;
    };
    let accepted = wafer_fuzz::compile_check::compile_on_every_isa(&case.wasm);
    assert_eq!(accepted, 3, "wafer rejects a valid wasm-smith module");
});
