//! Range tests on bytes without their mask: `icmp cc (band (iadd x, d),
//! 0xff), C`, with `x` a byte, becomes one unsigned compare of `x - lo`.
//!
//! C's `(unsigned char)(c - '0') <= 9` (isdigit, json's number scanner)
//! reaches Wasm as `i32.add c -48; i32.and 255; i32.le_u 9`, and clang
//! also writes the same test as `((c - 58) & 255) >= 246` (CoreMark's
//! state machine). Cranelift narrowed the `add` to 8 bits and compiled it
//! to a copy, an 8-bit add and a `movzbl` before the compare; the rewrite
//! is one `lea` and the compare (native code's form). On aarch64 the
//! `add` + `uxtb` pair becomes one `sub` (json −2.0 %, CoreMark −1.0 %
//! executed instructions under qemu-user).
//!
//! Why the result is the same: with the mask `M - 1` (M = 2^8 or 2^16)
//! and `x` in `[0, M)`, the bytes that pass `cc C` are those whose masked
//! sum lies in an interval `[p, q]` of `[0, M)` (or outside one, for
//! `ne`), i.e. the `x` in the cyclic interval `[p - d, q - d] mod M`. When
//! that interval does not wrap past `M - 1` it is `[lo, lo + n]`, and `x`
//! lies in it exactly when `x - lo`, computed at the full width, is at
//! most `n` (below `lo` it wraps to a huge number). When it wraps, its
//! complement does not, and the test is the negation. Compares that
//! cannot fail or cannot pass (a limit of `M` or more) are left alone.
//!
//! Runs on the finished IR after [`super::known_bits`] (which bounds `x`)
//! and before [`super::mask_extend`] turns the mask into an extension.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, Value, ValueDef};

use super::known_bits::{Bounds, find_with_bounds};

/// A range test on `x`: `x - lo <= span` at full width, negated when
/// `outside`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interval {
    lo: u64,
    span: u64,
    outside: bool,
}

/// Rewrites the masked range tests of `func` (see the module comment).
pub fn unmask_range_compares(func: &mut Function) {
    let range_test = |bounds: &Bounds, inst, data: &InstructionData| {
        let InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond,
            args: [masked, limit],
        } = *data
        else {
            return None;
        };
        let limit = bounds.constant(limit)?;
        let (x, interval) = masked_range_test(func, bounds, masked, cond, limit)?;
        Some((inst, x, interval))
    };
    for (inst, x, interval) in find_with_bounds(func, range_test) {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let ty = cursor.func.dfg.value_type(x);
        let shifted = if interval.lo == 0 {
            x
        } else {
            let minus_lo = cursor.ins().iconst(ty, interval.lo.wrapping_neg() as i64);
            cursor.ins().iadd(x, minus_lo)
        };
        let span = cursor.ins().iconst(ty, interval.span as i64);
        let cond = if interval.outside {
            IntCC::UnsignedGreaterThan
        } else {
            IntCC::UnsignedLessThanOrEqual
        };
        cursor.func.replace(inst).icmp(cond, shifted, span);
    }
}

/// `x` and the interval test on it equivalent to `cond(masked, limit)`,
/// when `masked` is `band(iadd(x, d), 2^n - 1)` with `x` below `2^n`.
fn masked_range_test(
    func: &Function,
    bounds: &Bounds,
    masked: Value,
    cond: IntCC,
    limit: u64,
) -> Option<(Value, Interval)> {
    let (sum, mask) = binary_with_constant(func, bounds, masked, Opcode::Band)?;
    let bits = match mask {
        0xff => 8,
        0xffff => 16,
        _ => return None,
    };
    let (x, addend) = binary_with_constant(func, bounds, sum, Opcode::Iadd)?;
    if bounds.bits_of(x) > bits {
        return None;
    }
    let interval = interval_of(cond, addend, limit, 1 << bits)?;
    Some((x, interval))
}

/// The `x` in `[0, modulus)` for which `cond((x + addend) mod modulus,
/// limit)` holds, as an [`Interval`]; `None` for conditions that are not
/// unsigned or equality tests and for tests every `x` passes or fails.
fn interval_of(cond: IntCC, addend: u64, limit: u64, modulus: u64) -> Option<Interval> {
    if limit >= modulus {
        return None;
    }
    // The masked values that pass, as [p, q], or outside [p, q] for `ne`.
    let (p, q, outside) = match cond {
        IntCC::UnsignedLessThan => (0, limit.checked_sub(1)?, false),
        IntCC::UnsignedLessThanOrEqual => (0, limit, false),
        IntCC::UnsignedGreaterThan => (limit + 1, modulus - 1, false),
        IntCC::UnsignedGreaterThanOrEqual => (limit, modulus - 1, false),
        IntCC::Equal => (limit, limit, false),
        IntCC::NotEqual => (limit, limit, true),
        _ => return None,
    };
    if p > q || q - p + 1 == modulus {
        return None;
    }
    let lo = p.wrapping_sub(addend) % modulus;
    let span = q - p;
    if lo + span < modulus {
        return Some(Interval { lo, span, outside });
    }
    // [lo, modulus) and [0, lo + span - modulus]: the complement is
    // [lo + span - modulus + 1, lo - 1], which does not wrap.
    let complement_lo = lo + span - modulus + 1;
    Some(Interval {
        lo: complement_lo,
        span: lo - 1 - complement_lo,
        outside: !outside,
    })
}

/// `(other, k)` when `v` is `opcode(other, k)` or `opcode(k, other)` with
/// `k` an integer constant (zero-extended from its width).
fn binary_with_constant(
    func: &Function,
    bounds: &Bounds,
    v: Value,
    opcode: Opcode,
) -> Option<(Value, u64)> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    let InstructionData::Binary {
        opcode: found,
        args: [a, b],
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    if found != opcode {
        return None;
    }
    [(a, b), (b, a)]
        .into_iter()
        .find_map(|(other, k)| Some((other, bounds.constant(k)?)))
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;

    use super::{Interval, interval_of};

    const CONDITIONS: [IntCC; 6] = [
        IntCC::UnsignedLessThan,
        IntCC::UnsignedLessThanOrEqual,
        IntCC::UnsignedGreaterThan,
        IntCC::UnsignedGreaterThanOrEqual,
        IntCC::Equal,
        IntCC::NotEqual,
    ];

    /// `cond` on two unsigned numbers, written out independently of the
    /// code under test.
    fn holds(cond: IntCC, a: u64, b: u64) -> bool {
        match cond {
            IntCC::UnsignedLessThan => a < b,
            IntCC::UnsignedLessThanOrEqual => a <= b,
            IntCC::UnsignedGreaterThan => a > b,
            IntCC::UnsignedGreaterThanOrEqual => a >= b,
            IntCC::Equal => a == b,
            IntCC::NotEqual => a != b,
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_byte_gets_the_masked_answer() {
        // All bytes, addends of every residue (as the i32 constants Wasm
        // has: -48 is 0xffff_ffd0), every limit below 256.
        for cond in CONDITIONS {
            for addend in (0..256u64).map(|d| d.wrapping_sub(128) & 0xffff_ffff) {
                for limit in 0..256u64 {
                    let Some(Interval { lo, span, outside }) =
                        interval_of(cond, addend, limit, 256)
                    else {
                        continue;
                    };
                    for x in 0..256u64 {
                        let masked = x.wrapping_add(addend) & 0xff;
                        // The rewrite computes x - lo at 32 bits.
                        let shifted = x.wrapping_sub(lo) & 0xffff_ffff;
                        let rewritten = (shifted <= span) != outside;
                        assert_eq!(
                            rewritten,
                            holds(cond, masked, limit),
                            "{cond:?} ((x + {addend:#x}) & 0xff), {limit} at x = {x}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_halfword_gets_the_masked_answer() {
        let addends = [0, 1, 0xffff_ffd0, 0xffff_8000, 0xffff_ff00, 0x1_0005];
        let limits = [0, 1, 9, 255, 256, 32767, 65487, 65488, 65534, 65535];
        for cond in CONDITIONS {
            for addend in addends {
                for limit in limits {
                    let Some(Interval { lo, span, outside }) =
                        interval_of(cond, addend, limit, 1 << 16)
                    else {
                        continue;
                    };
                    for x in 0..1u64 << 16 {
                        let masked = x.wrapping_add(addend) & 0xffff;
                        let shifted = x.wrapping_sub(lo) & 0xffff_ffff;
                        assert_eq!(
                            (shifted <= span) != outside,
                            holds(cond, masked, limit),
                            "{cond:?} ((x + {addend:#x}) & 0xffff), {limit} at x = {x}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_digit_test_is_one_compare_from_zero() {
        // (c - 48) & 255 <= 9 and (c - 58) & 255 >= 246 are both c in 48..=57.
        let digits = Some(Interval {
            lo: 48,
            span: 9,
            outside: false,
        });
        assert_eq!(
            interval_of(IntCC::UnsignedLessThanOrEqual, 0xffff_ffd0, 9, 256),
            digits
        );
        assert_eq!(
            interval_of(IntCC::UnsignedGreaterThanOrEqual, 0xffff_ffc6, 246, 256),
            digits
        );
    }

    #[test]
    fn tests_that_cannot_fail_or_pass_are_left_alone() {
        assert_eq!(interval_of(IntCC::UnsignedLessThan, 0, 0, 256), None);
        assert_eq!(interval_of(IntCC::UnsignedGreaterThan, 0, 255, 256), None);
        assert_eq!(
            interval_of(IntCC::UnsignedGreaterThanOrEqual, 7, 0, 256),
            None
        );
        assert_eq!(interval_of(IntCC::UnsignedLessThan, 7, 256, 256), None);
        assert_eq!(interval_of(IntCC::SignedLessThan, 0, 9, 256), None);
    }
}
