//! "Is zero" as a number by arithmetic: `uextend(icmp eq x, 0)`, with `x`
//! an i32 known to be below 2^31 (a byte or halfword, see
//! [`super::known_bits`]), becomes `(x - 1) >> 31` (unsigned).
//!
//! Cranelift's x86_64 backend computes a comparison as a value with
//! `test; sete; movzbl` and then adds it; the sieve's count (`primes +=
//! !composite[i]`) paid that for every byte. For `x` below 2^31, `x - 1`
//! has its top bit set exactly when `x` is zero (it wraps to 2^32 - 1;
//! otherwise it stays below 2^31 - 1), so the shift leaves the answer:
//! `lea -1(%rax),%edx; shr $31,%edx`. A 32-bit shift zeroes the upper
//! half, so the i64 extension the sum needs is free. The result is the
//! same 0 or 1.
//!
//! Only a test that is summed changes: the extension's every use is an
//! `iadd`/`isub` (or an extension to i64 that only those read). Wasm also
//! extends the comparisons that `br_if`, `select` and `if` read, and
//! those are `test; jcc` or `cmov` already: rewritten too, they cost
//! hashmap 3.7 % and CoreMark 1.6 % more instructions.

use std::cell::OnceCell;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Function, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

use super::ir_match::is_zero;
use super::known_bits::{Bounds, find_with_bounds};

/// Rewrites the zero tests of `func` used as numbers (see the module
/// comment).
///
/// Returns whether it changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn zero_tests_by_arithmetic(func: &mut Function) -> bool {
    // An extended zero test whose operand has at most 31 bits: the readers
    // are asked only after this shape is found.
    let narrow_test = |bounds: &Bounds, inst, data: &InstructionData| {
        let InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } = *data
        else {
            return None;
        };
        let result_ty = func.dfg.value_type(func.dfg.first_result(inst));
        if !matches!(result_ty, types::I32 | types::I64) {
            return None;
        }
        let tested = tested_for_zero(func, arg)?;
        (bounds.bits_of(tested) <= 31).then_some((tested, result_ty))
    };
    // The readers only once a test has that shape, and the fixed point
    // only once one is summed: a test summed somewhere is rare, and the
    // readers' walk is cheaper than the fixed point.
    let summed = OnceCell::new();
    let rewrites = find_with_bounds(func, |bounds, inst, data| {
        let (tested, result_ty) = narrow_test(bounds, inst, data)?;
        summed
            .get_or_init(|| SummedOnly::of(func))
            .contains(func.dfg.first_result(inst))
            .then_some((inst, tested, result_ty))
    });
    let changed = !rewrites.is_empty();
    for (inst, tested, result_ty) in rewrites {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let minus_one = cursor.ins().iconst(types::I32, -1);
        let below = cursor.ins().iadd(tested, minus_one);
        let sign = cursor.ins().iconst(types::I32, 31);
        if result_ty == types::I32 {
            cursor.func.replace(inst).ushr(below, sign);
        } else {
            let bit = cursor.ins().ushr(below, sign);
            cursor.func.replace(inst).uextend(types::I64, bit);
        }
    }
    changed
}

/// The values whose every reader (and there is one) is an `iadd` or
/// `isub`, or an extension that only those read: the extended tests worth
/// rewriting. Flags per value from one walk, where the readers map
/// ([`super::ir_match::users`]) sorts a list per value.
struct SummedOnly {
    flags: SecondaryMap<Value, u8>,
}

/// Some instruction reads the value.
const READ: u8 = 1;
/// An instruction other than `iadd`/`isub` reads it.
const NOT_BY_SUM: u8 = 2;
/// An instruction other than `iadd`/`isub`/`uextend` reads it.
const NOT_BY_SUM_OR_EXTENSION: u8 = 4;
/// A `uextend` reads it whose result is not read by sums only.
const BY_UNSUMMED_EXTENSION: u8 = 8;

impl SummedOnly {
    fn of(func: &Function) -> Self {
        let mut flags: SecondaryMap<Value, u8> = SecondaryMap::with_capacity(func.dfg.num_values());
        let mut extensions = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let opcode = func.dfg.insts[inst].opcode();
                let mark = READ
                    | match opcode {
                        Opcode::Iadd | Opcode::Isub => 0,
                        Opcode::Uextend => NOT_BY_SUM,
                        _ => NOT_BY_SUM | NOT_BY_SUM_OR_EXTENSION,
                    };
                for v in func.dfg.inst_values(inst) {
                    flags[func.dfg.resolve_aliases(v)] |= mark;
                }
                if opcode == Opcode::Uextend {
                    extensions.push(inst);
                }
            }
        }
        // An extension's readers are all known only after the whole walk.
        for inst in extensions {
            let wide = func.dfg.first_result(inst);
            if flags[wide] & (READ | NOT_BY_SUM) != READ {
                for v in func.dfg.inst_values(inst) {
                    flags[func.dfg.resolve_aliases(v)] |= BY_UNSUMMED_EXTENSION;
                }
            }
        }
        SummedOnly { flags }
    }

    fn contains(&self, v: Value) -> bool {
        self.flags[v] & (READ | NOT_BY_SUM_OR_EXTENSION | BY_UNSUMMED_EXTENSION) == READ
    }
}

/// `x` when `v` is `icmp eq x, 0` (or `icmp eq 0, x`) with `x` an i32.
fn tested_for_zero(func: &Function, v: Value) -> Option<Value> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(def, _) = func.dfg.value_def(v) else {
        return None;
    };
    let InstructionData::IntCompare {
        opcode: Opcode::Icmp,
        cond: IntCC::Equal,
        args: [a, b],
    } = func.dfg.insts[def]
    else {
        return None;
    };
    let tested = match (is_zero(func, a), is_zero(func, b)) {
        (false, true) => a,
        (true, false) => b,
        _ => return None,
    };
    (func.dfg.value_type(tested) == types::I32).then_some(tested)
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{InstBuilder, Opcode, Value, ValueDef, types};

    use super::{SummedOnly, zero_tests_by_arithmetic};
    use crate::translate::test_ir;

    /// `fn(x: i32, y: i32) -> (i32, i64, i64)` extending `x == 0` four
    /// ways: summed, summed after a widening, widened and returned, and
    /// both summed and returned. Returns the four extensions.
    fn extended_tests() -> (cranelift_codegen::ir::Function, [Value; 4]) {
        let mut extended = Vec::new();
        let func = test_ir::function(
            &[types::I32, types::I32],
            &[types::I32, types::I64, types::I64, types::I32],
            |builder, params| {
                let mask = builder.ins().iconst(types::I32, 0xff);
                let byte = builder.ins().band(params[0], mask);
                let zero = builder.ins().iconst(types::I32, 0);
                let mut test = || {
                    let is_zero = builder.ins().icmp(IntCC::Equal, byte, zero);
                    builder.ins().uextend(types::I32, is_zero)
                };
                let (summed, widened, returned, both) = (test(), test(), test(), test());
                let sum = builder.ins().iadd(summed, params[1]);
                let wide = builder.ins().uextend(types::I64, widened);
                let y_wide = builder.ins().uextend(types::I64, params[1]);
                let wide_sum = builder.ins().isub(y_wide, wide);
                let returned_wide = builder.ins().uextend(types::I64, returned);
                let both_sum = builder.ins().iadd(both, sum);
                builder
                    .ins()
                    .return_(&[both_sum, wide_sum, returned_wide, both]);
                extended.extend([summed, widened, returned, both]);
            },
        );
        (func, extended.try_into().expect("four tests"))
    }

    #[test]
    fn only_tests_read_by_sums_alone_count_as_summed() {
        let (func, [summed, widened, returned, both]) = extended_tests();
        let flags = SummedOnly::of(&func);
        assert!(flags.contains(summed));
        assert!(flags.contains(widened));
        assert!(!flags.contains(returned), "its widening is returned");
        assert!(!flags.contains(both), "it is also returned");
    }

    #[test]
    fn summed_byte_tests_become_shifts_and_the_others_stay() {
        let (mut func, [summed, widened, returned, both]) = extended_tests();
        zero_tests_by_arithmetic(&mut func);
        test_ir::assert_valid(&func);
        let opcode = |v: Value| match func.dfg.value_def(v) {
            ValueDef::Result(inst, _) => func.dfg.insts[inst].opcode(),
            other => panic!("{v} is {other:?}"),
        };
        assert_eq!(opcode(summed), Opcode::Ushr);
        assert_eq!(opcode(widened), Opcode::Ushr);
        assert_eq!(opcode(returned), Opcode::Uextend);
        assert_eq!(opcode(both), Opcode::Uextend);
    }
}
