//! Implementation limits of the translator, beyond those wasmparser
//! enforces for every engine (the JS API limits: function body ≤ 7 654 321
//! bytes, ≤ 50 000 locals, ≤ 1 000 000 functions, …).
//!
//! Cranelift's memory and time grow with every value live at once and with
//! every nested `if`/`loop` (each is a Cranelift block, one level deeper in
//! the dominator tree). Within the body-size limit, a body of nothing but
//! `i32.const` or nested `if`s would need several GiB, so wafer caps both.
//! The caps are far above what compilers emit (their operand stacks stay in
//! the tens, their nesting in the thousands even for huge `switch`es);
//! `docs/limits.md` gives the memory and time at each limit.

use anyhow::{Result, bail};

/// Deepest nesting of `block`/`loop`/`if` in one function.
pub const MAX_NESTING_DEPTH: usize = 100_000;

/// Most values on one function's operand stack at once.
pub const MAX_OPERAND_STACK: usize = 100_000;

/// Checks the translator's stacks after an operator.
pub fn check(control_depth: usize, operand_stack: usize) -> Result<()> {
    // The function's own frame is not a nesting level.
    let nesting = control_depth.saturating_sub(1);
    if nesting > MAX_NESTING_DEPTH {
        bail!(
            "blocks, loops and ifs nested more than {MAX_NESTING_DEPTH} deep; that is wafer's \
             limit (docs/limits.md)"
        );
    }
    if operand_stack > MAX_OPERAND_STACK {
        bail!(
            "more than {MAX_OPERAND_STACK} values on the operand stack; that is wafer's limit \
             (docs/limits.md)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_themselves_are_accepted() {
        check(MAX_NESTING_DEPTH + 1, MAX_OPERAND_STACK).unwrap();
    }

    #[test]
    fn one_more_is_refused_with_the_limit_named() {
        let err = check(MAX_NESTING_DEPTH + 2, 0).unwrap_err().to_string();
        assert!(err.contains("100000 deep"), "{err}");
        let err = check(1, MAX_OPERAND_STACK + 1).unwrap_err().to_string();
        assert!(err.contains("100000 values"), "{err}");
    }
}
