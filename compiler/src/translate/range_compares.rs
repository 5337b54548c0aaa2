//! Range tests on bytes without their mask: `icmp ule (band (iadd x, -a),
//! 0xff), C` reads `iadd x, -a` directly when `x` is a byte and the test
//! cannot tell the two apart.
//!
//! C's `(unsigned char)(c - '0') <= 9` (isdigit, json's number scanner,
//! CoreMark's state machine) reaches Wasm as `i32.add c -48; i32.and 255;
//! i32.le_u 9`. Cranelift narrowed the `add` to 8 bits and compiled it to
//! a copy, an 8-bit add and a `movzbl` before the compare; without the
//! mask it is one `lea` (native code's form).
//!
//! Why it keeps the result, for `x` in `[0, 2^n)` (the mask `2^n - 1`, n =
//! 8 or 16) and `0 < a < 2^n`: when `x >= a` the sum is `x - a < 2^n` and
//! the mask changes nothing. When `x < a` the masked value is `2^n - (a -
//! x) >= 2^n - a` and the unmasked sum wraps to at least `2^W - a`: both
//! are above `C` when `C < 2^n - a`, so `ule`, `ugt`, `eq` and `ne` give
//! the same answer for both; `ult` and `uge` need only `C <= 2^n - a`.
//!
//! Runs on the finished IR after [`super::known_bits`] (which bounds `x`)
//! and before [`super::mask_extend`] turns the mask into an extension.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Function, InstructionData, Opcode, Value, ValueDef};

use super::known_bits::Bounds;

/// Rewrites the masked range tests of `func` (see the module comment).
pub fn unmask_range_compares(func: &mut Function) {
    let Some(bounds) = Bounds::of(func) else {
        return;
    };
    let rewrites = super::known_bits::scan(func, |inst, data| {
        let InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond,
            args: [masked, limit],
        } = *data
        else {
            return None;
        };
        let limit = bounds.constant(limit)?;
        let sum = unmasked_sum(func, &bounds, masked, cond, limit)?;
        Some((inst, sum))
    });
    for (inst, sum) in rewrites {
        func.dfg.inst_args_mut(inst)[0] = sum;
    }
}

/// The sum `iadd x, -a` under the mask `masked = band(sum, 2^n - 1)` when
/// comparing it with `limit` under `cond` gives the answer the mask gives.
fn unmasked_sum(
    func: &Function,
    bounds: &Bounds,
    masked: Value,
    cond: IntCC,
    limit: u64,
) -> Option<Value> {
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
    let width = func.dfg.value_type(sum).bits();
    // `addend` is `-a` at the sum's width: `a` is its two's complement.
    let subtracted = addend.wrapping_neg() & (u64::MAX >> (64 - width));
    let range = 1u64 << bits;
    if subtracted == 0 || subtracted >= range {
        return None;
    }
    let lowest_wrapped = range - subtracted;
    let same = match cond {
        IntCC::UnsignedLessThan | IntCC::UnsignedGreaterThanOrEqual => limit <= lowest_wrapped,
        IntCC::UnsignedLessThanOrEqual
        | IntCC::UnsignedGreaterThan
        | IntCC::Equal
        | IntCC::NotEqual => limit < lowest_wrapped,
        _ => false,
    };
    same.then_some(sum)
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
    use cranelift_codegen::ir::{
        AbiParam, Function, InstBuilder, Signature, UserFuncName, Value, types,
    };
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    use super::unmask_range_compares;

    /// `fn(p: i64) -> i8 { icmp cond ((load8_u(p) + addend) & mask), limit }`,
    /// the compare's first operand and the sum.
    fn range_test(
        byte: bool,
        addend: i64,
        mask: i64,
        cond: IntCC,
        limit: i64,
    ) -> (Function, Value, Value) {
        let mut signature = Signature::new(CallConv::SystemV);
        signature.params.push(AbiParam::new(types::I64));
        signature.returns.push(AbiParam::new(types::I8));
        let mut func = Function::with_name_signature(UserFuncName::default(), signature);
        let mut context = FunctionBuilderContext::new();
        let mut builder = FunctionBuilder::new(&mut func, &mut context);
        let block = builder.create_block();
        builder.append_block_params_for_function_params(block);
        builder.switch_to_block(block);
        builder.seal_block(block);
        let p = builder.block_params(block)[0];
        let flags = cranelift_codegen::ir::MemFlagsData::trusted();
        let x = if byte {
            builder.ins().uload8(types::I32, flags, p, 0)
        } else {
            builder.ins().load(types::I32, flags, p, 0)
        };
        let addend = builder.ins().iconst(types::I32, addend);
        let sum = builder.ins().iadd(x, addend);
        let mask = builder.ins().iconst(types::I32, mask);
        let masked = builder.ins().band(sum, mask);
        let limit = builder.ins().iconst(types::I32, limit);
        let test = builder.ins().icmp(cond, masked, limit);
        builder.ins().return_(&[test]);
        builder.finalize(cranelift_codegen::isa::TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: target_lexicon::PointerWidth::U64,
            page_size_align_log2: 12,
        });
        (func, test, sum)
    }

    fn compared(addend: i64, mask: i64, cond: IntCC, limit: i64) -> bool {
        compared_with(true, addend, mask, cond, limit)
    }

    fn compared_with(byte: bool, addend: i64, mask: i64, cond: IntCC, limit: i64) -> bool {
        let (mut func, test, sum) = range_test(byte, addend, mask, cond, limit);
        unmask_range_compares(&mut func);
        let inst = func.dfg.value_def(test).unwrap_inst();
        func.dfg.inst_args(inst)[0] == sum
    }

    #[test]
    fn a_digit_test_reads_the_unmasked_sum() {
        // '0'..='9': (c - 48) & 255 <= 9, < 10, > 9, >= 10.
        assert!(compared(-48, 0xff, IntCC::UnsignedLessThanOrEqual, 9));
        assert!(compared(-48, 0xff, IntCC::UnsignedLessThan, 10));
        assert!(compared(-48, 0xff, IntCC::UnsignedGreaterThan, 9));
        assert!(compared(-48, 0xff, IntCC::UnsignedGreaterThanOrEqual, 10));
        // The edge: c < 48 masks to 208..=255, so < 208 and <= 207 agree.
        assert!(compared(-48, 0xff, IntCC::UnsignedLessThan, 208));
        assert!(compared(-48, 0xff, IntCC::UnsignedLessThanOrEqual, 207));
        assert!(compared(-48, 0xff, IntCC::Equal, 207));
        // A 16-bit mask over a byte.
        assert!(compared(-48, 0xffff, IntCC::UnsignedLessThanOrEqual, 9));
    }

    #[test]
    fn a_test_the_mask_can_decide_keeps_it() {
        // c = 47 masks to 255 (<= 208 true) but sums to 2^32 - 1.
        assert!(!compared(-48, 0xff, IntCC::UnsignedLessThanOrEqual, 208));
        assert!(!compared(-48, 0xff, IntCC::UnsignedLessThan, 209));
        assert!(!compared(-48, 0xff, IntCC::Equal, 255));
        // Signed order differs: -1 < 9 unmasked, 255 > 9 masked.
        assert!(!compared(-48, 0xff, IntCC::SignedLessThanOrEqual, 9));
        // A positive addend may carry out of the byte: (c + 48) & 255.
        assert!(!compared(48, 0xff, IntCC::UnsignedLessThanOrEqual, 9));
        // A subtrahend of 256 or more is not a byte's.
        assert!(!compared(-256, 0xff, IntCC::UnsignedLessThanOrEqual, 9));
        // A 32-bit value is not a byte: 2^31 - 48 + 48 masks to 0.
        assert!(!compared_with(
            false,
            -48,
            0xff,
            IntCC::UnsignedLessThanOrEqual,
            9
        ));
        // Other masks.
        assert!(!compared(-48, 0x7f, IntCC::UnsignedLessThanOrEqual, 9));
    }
}
