//! Loops too short to version.
//!
//! A versioned loop (`loop_version.rs`) pays its entry test each time it
//! is entered and saves the checks of the turns it then makes. clang
//! finishes an unrolled loop with a remainder loop of at most `unroll - 1`
//! turns (hashmap's FNV-1a: `len & 3` bytes after four per turn), and
//! there the test costs more than it saves: on x86_64 it computes the
//! range's last address and the length less the end before comparing
//! them, values the core must hold while it waits on memory, where the
//! one or two checks it replaces are a compare and a branch each
//! (docs/benchmarks.md, "What a check costs"). So a loop whose turns the
//! IR before it bounds by [`MAX_SHORT_TURNS`] is translated once, every
//! access checked: hashmap's two remainder loops ran 0.17 % fewer
//! instructions on x86_64, 0.57 % on aarch64 and 0.55 % on riscv64
//! (explicit mode; the other programs and CoreMark within 25
//! instructions, guard mode unchanged). Packed loops (`lane_pairs.rs`)
//! are versioned for their lanes and keep it.
//!
//! The bound is a heuristic, never a safety matter: either translation is
//! exact. It reads the exit test the scan found (`counter + t * step +
//! compared_plus != limit` first fails at `t_last`, so a loop makes
//! `t_last + 1` turns, see `loop_version.rs`) with the bounds
//! `address_bound.rs` gives the counter's or the limit's value.

use cranelift_codegen::ir::{self, Function};

use super::address_bound::address_bound;
use super::ir_match::iconst_imm;
use super::loop_scan::{ExitTest, Invariant};

/// Most turns a loop may make per entry and still be translated once,
/// checked: the remainder of a loop unrolled four times, or fewer.
pub const MAX_SHORT_TURNS: u64 = 4;

/// At most how many turns a loop with exit test `exit` makes when entered
/// with `counter` (its counter local's value) and, for a limit held in a
/// local, `limit` (that local's value), as far as the IR before it shows;
/// `None` when it does not. When the distance the exit test computes
/// would wrap, the loop may run for 2^32 turns (and its entry test would
/// fail): also `None`.
pub fn max_turns(
    func: &Function,
    exit: &ExitTest,
    counter: ir::Value,
    limit: Option<ir::Value>,
) -> Option<u64> {
    let (limit_low, limit_high) = match exit.limit {
        Invariant::Const(c) => (Some(i64::from(c)), Some(i64::from(c as u32))),
        Invariant::Local(_) => {
            let value = limit?;
            let high = address_bound(&func.dfg, value).and_then(|b| i64::try_from(b).ok());
            (constant(func, value), high)
        }
    };
    // The distance the entry test shifts: `limit - (counter + c)` when
    // counting up, `(counter + c) - limit` when counting down, at most:
    let distance = if exit.step > 0 {
        limit_high? - constant(func, counter)? - exit.compared_plus
    } else {
        i64::try_from(address_bound(&func.dfg, counter)?).ok()? + exit.compared_plus - limit_low?
    };
    let distance = u64::try_from(distance).ok()?;
    Some((distance >> exit.shift) + 1)
}

/// The value of an i32 `iconst`, sign-extended as the exit test reads it.
fn constant(func: &Function, value: ir::Value) -> Option<i64> {
    iconst_imm(func, value).map(|bits| i64::from(bits as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::test_ir;
    use cranelift_codegen::ir::{InstBuilder, types};
    use cranelift_frontend::FunctionBuilder;

    fn exit(step: i64, compared_plus: i64, limit: Invariant) -> ExitTest {
        ExitTest {
            counter: 0,
            step,
            shift: step.unsigned_abs().trailing_zeros(),
            compared_plus,
            limit,
        }
    }

    /// A limit held in a local.
    const LOCAL: Invariant = Invariant::Local(1);

    /// What `max_turns` says of the counter and limit values `make`
    /// defines from the parameter `x` of a function `f(x: i32)`.
    fn turns(
        exit: &ExitTest,
        make: impl FnOnce(&mut FunctionBuilder, ir::Value) -> (ir::Value, Option<ir::Value>),
    ) -> Option<u64> {
        let mut values = None;
        let func = test_ir::function(&[types::I32], &[], |b, params| {
            values = Some(make(b, params[0]));
            b.ins().return_(&[]);
        });
        let (counter, limit) = values.expect("the body ran");
        max_turns(&func, exit, counter, limit)
    }

    /// `x & mask`.
    fn masked(b: &mut FunctionBuilder, x: ir::Value, mask: i64) -> ir::Value {
        let mask = b.ins().iconst(types::I32, mask);
        b.ins().band(x, mask)
    }

    fn int(b: &mut FunctionBuilder, value: i64) -> ir::Value {
        b.ins().iconst(types::I32, value)
    }

    #[test]
    fn a_countdown_from_a_masked_value_makes_at_most_the_mask_turns() {
        // clang's remainder: `n = len & 3; do { ... } while (--n != 0);`
        let got = turns(&exit(-1, -1, Invariant::Const(0)), |b, x| {
            (masked(b, x, 3), None)
        });
        assert_eq!(got, Some(3));
    }

    #[test]
    fn counting_up_from_zero_to_a_masked_limit() {
        // `for (i = 0; i != (n & 7); i++)`, compared after the increment.
        let got = turns(&exit(1, 1, LOCAL), |b, x| {
            (int(b, 0), Some(masked(b, x, 7)))
        });
        assert_eq!(got, Some(7));
    }

    #[test]
    fn counting_up_to_a_constant_limit() {
        let got = turns(&exit(1, 1, Invariant::Const(4)), |b, _| (int(b, 1), None));
        assert_eq!(got, Some(3));
        let got = turns(&exit(1, 1, Invariant::Const(100)), |b, _| (int(b, 0), None));
        assert_eq!(got, Some(100));
    }

    #[test]
    fn a_step_of_four_divides_the_distance() {
        // `for (i = 0; i != (n & 15); i += 4)`: 4, 8, 12 end it after at
        // most three turns (a limit that is no multiple of 4 never does).
        let got = turns(&exit(4, 4, LOCAL), |b, x| {
            (int(b, 0), Some(masked(b, x, 15)))
        });
        assert_eq!(got, Some(3));
    }

    #[test]
    fn an_unknown_counter_or_limit_gives_no_bound() {
        let down_to_zero = exit(-1, -1, Invariant::Const(0));
        assert_eq!(turns(&down_to_zero, |_, x| (x, None)), None);
        assert_eq!(turns(&exit(1, 1, LOCAL), |b, x| (int(b, 0), Some(x))), None);
        // Counting up needs the counter's start, not only its bound.
        let up_to_three = exit(1, 1, Invariant::Const(3));
        assert_eq!(turns(&up_to_three, |b, x| (masked(b, x, 3), None)), None);
        // Counting down to a limit held in a local needs its value.
        let down_to_local = exit(-1, -1, LOCAL);
        assert_eq!(
            turns(&down_to_local, |b, x| (masked(b, x, 3), Some(x))),
            None
        );
    }

    #[test]
    fn a_distance_that_would_wrap_gives_no_bound() {
        // Counting down from at most 3 to 8: the first exit test passes
        // and the counter wraps.
        let got = turns(&exit(-1, 0, Invariant::Const(8)), |b, x| {
            (masked(b, x, 3), None)
        });
        assert_eq!(got, None);
    }
}
