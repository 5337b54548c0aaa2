//! Differential fuzzing of wafer against a reference interpreter (wasmi).
//!
//! One library for both ways of running it: the libFuzzer targets in
//! `fuzz/fuzz_targets/` (nightly, coverage-guided, `cargo +nightly fuzz run`)
//! and the stable batch driver `wafer-fuzz` (CI, long throughput runs).
//!
//! - [`generate`]: bytes → a `wasm-smith` module wafer must accept, plus the
//!   calls to make (every exported function, several argument sets)
//! - [`canonicalize`]: NaN canonicalisation after the two float
//!   conversions wasm-smith leaves alone
//! - [`digest`]: the memory digest (`memhash`'s FNV-1a), fast on zero pages
//! - [`reference`]: runs a test case in wasmi → a [`trace::Trace`]
//! - [`under_wafer`]: compiles a batch of test cases, links them into one
//!   serving image per ISA, runs it (natively or under qemu-user) → traces
//! - [`compare`]: where two traces disagree, with the stack-exhaustion and
//!   NaN allowances
//! - [`compile_check`]: any bytes → `wafer::compile` on every ISA must
//!   return (success or error), never panic
//! - [`seeds`]: modules of the spec suite's `.wast` scripts, as seeds
//! - [`rng`]: the driver's deterministic byte source

pub mod canonicalize;
pub mod compare;
pub mod compile_check;
pub mod digest;
pub mod generate;
pub mod reference;
pub mod rng;
pub mod seeds;
pub mod trace;
pub mod under_wafer;
pub mod value;

/// Re-exported for the cargo-fuzz targets, which depend on this crate only.
pub use tempfile::TempDir;
pub use wafer::{Board, BoundsChecks, Isa};
