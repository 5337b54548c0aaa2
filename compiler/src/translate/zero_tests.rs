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

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Function, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

use super::ir_match::{is_zero, users};
use super::known_bits::Bounds;

/// Rewrites the zero tests of `func` used as numbers (see the module
/// comment).
pub fn zero_tests_by_arithmetic(func: &mut Function) {
    let extends_test = |_, data: &InstructionData| match *data {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } => tested_for_zero(func, arg).is_some(),
        _ => false,
    };
    if !super::known_bits::any_inst(func, extends_test) {
        return;
    }
    let Some(bounds) = Bounds::of(func) else {
        return;
    };
    let users = users(func);
    let summed_only = |v: Value| {
        users.get(&v).is_some_and(|insts| {
            insts
                .iter()
                .all(|&user| match func.dfg.insts[user].opcode() {
                    Opcode::Iadd | Opcode::Isub => true,
                    Opcode::Uextend => {
                        let wide = func.dfg.first_result(user);
                        users.get(&wide).is_some_and(|insts| {
                            insts.iter().all(|&u| {
                                matches!(func.dfg.insts[u].opcode(), Opcode::Iadd | Opcode::Isub)
                            })
                        })
                    }
                    _ => false,
                })
        })
    };
    let rewrites = super::known_bits::scan(func, |inst, data| {
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
        // The bound first: it is cheaper than the readers (see `Users`).
        let rewrites = bounds.bits_of(tested) <= 31 && summed_only(func.dfg.first_result(inst));
        rewrites.then_some((inst, tested, result_ty))
    });
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
