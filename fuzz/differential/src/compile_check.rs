//! Target (1): any bytes through `wafer::compile` for every ISA. The
//! compiler must return — a module or an error — and never panic. (Hangs
//! are libFuzzer's `-timeout`; the batch driver reports slow compiles.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use wafer::{CompileOptions, ImportBinding, Isa, Target};

use crate::under_wafer::panic_message;

/// A compile that takes longer than this is reported as a hang: the
/// largest spec-suite module compiles in well under a second.
pub const SLOW_COMPILE: Duration = Duration::from_secs(10);

/// Compiles `bytes` for every ISA, returning how many ISAs accepted the
/// module. Panics propagate: this is what the libFuzzer target calls.
pub fn compile_on_every_isa(bytes: &[u8]) -> usize {
    let mut accepted = 0;
    for isa in Isa::ALL {
        let Ok(target) = Target::new(isa) else {
            continue;
        };
        let options = CompileOptions {
            target,
            prefix: "m".into(),
            imports: ImportBinding::Static,
            bounds_checks: wafer::BoundsChecks::Explicit,
            stack_checks: wafer::StackChecks::Prologue,
            budget: Default::default(),
            exception_checks: false,
        };
        accepted += usize::from(wafer::compile(bytes, &options).is_ok());
    }
    accepted
}

/// What the batch driver found wrong with one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileFinding {
    Panicked(String),
    Slow(Duration),
}

/// [`compile_on_every_isa`], with panics caught and slow compiles flagged.
/// Returns whether the module was accepted (by every ISA).
pub fn check(bytes: &[u8]) -> Result<bool, CompileFinding> {
    let start = Instant::now();
    let accepted = catch_unwind(AssertUnwindSafe(|| compile_on_every_isa(bytes)))
        .map_err(|panic| CompileFinding::Panicked(panic_message(&*panic)))?;
    let took = start.elapsed();
    if took > SLOW_COMPILE {
        return Err(CompileFinding::Slow(took));
    }
    Ok(accepted == Isa::ALL.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_rejected_and_a_valid_module_accepted_on_every_isa() {
        assert_eq!(check(b"\0asm\x01\0\0\0\xff"), Ok(false));
        assert_eq!(check(b""), Ok(false));
        let wasm =
            wat::parse_str("(module (func (export \"f\") (result i32) i32.const 1))").unwrap();
        assert_eq!(check(&wasm), Ok(true));
    }
}
