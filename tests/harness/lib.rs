//! The spec-suite harness: runs `.wast` scripts through wafer.
//!
//! Like wasm2c's AOT harness, every module of a script is compiled ahead of
//! time and linked into one serving image ([`wafer::ImageMode::Serve`]);
//! the script's commands are then sent to that image over the serve
//! protocol (`wafer_abi::serve`), natively or under QEMU.
//!
//! - [`script`]: `.wast` → compiled modules + a list of steps
//! - [`expect`]: expected results and how replies are matched
//! - [`client`]: the serve-protocol client (with timeouts)
//! - [`runner`]: one script on one target → outcomes
//! - [`skips`]: the skip list, `tests/expected-failures.toml`
//! - [`legacy_try`]: the folded legacy `try` syntax, unfolded for `wast`
//!
//! Tests only: `gdb` (writes a board's memory from outside),
//! `canary_proof` (a damaged canary fails the check), `mixed_modes`
//! (guard-mode code refuses memories without a guard window) and
//! `guard_windows` (the riscv64 boards' 63 windows run out cleanly, and
//! dropped instances give theirs back).

#[cfg(test)]
mod canary_proof;
pub mod client;
pub mod expect;
#[cfg(test)]
mod gdb;
#[cfg(test)]
mod guard_windows;
pub mod legacy_try;
#[cfg(test)]
mod mixed_modes;
pub mod runner;
pub mod script;
pub mod skips;
pub mod v128;

/// The result of one script step.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// 1-based line in the script.
    pub line: usize,
    pub status: Status,
}

/// Whether a step passed. There is no "skipped": the harness runs every
/// step, and only `tests/expected-failures.toml` may excuse a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail(String),
}
