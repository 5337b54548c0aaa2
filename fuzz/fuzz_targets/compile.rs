//! Target (1a): any bytes → `wafer::compile` for x86_64, aarch64 and
//! riscv64 must return (a module or an error) and never panic; libFuzzer's
//! `-timeout` catches hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    wafer_fuzz::compile_check::compile_on_every_isa(data);
});
