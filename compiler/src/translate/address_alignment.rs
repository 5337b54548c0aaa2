//! Known alignment of i32 addresses, so that an explicit bounds check can
//! cover more than the bytes it names.
//!
//! A 32-bit memory's length is a whole number of pages. When an address
//! `q` is a multiple of `2^a` (with `2^a` at most the page size) and a
//! check proved `q + end <= length`, then `length - q` is a positive
//! multiple of `2^a` that is at least `end`, so it is at least `end`
//! rounded up to `2^a`: the bytes up to that rounded end are in bounds
//! too, with no new check. An interpreter's `code[pc]` is 8-byte aligned:
//! the check of its opcode byte (`code[pc].op`, one byte) covers its
//! operand (`code[pc].imm`, bytes 4 to 8).
//!
//! The alignment is read from the Cranelift IR the translator has built so
//! far (nothing is optimised yet, so the shapes are the Wasm ones).

use cranelift_codegen::ir::{self, DataFlowGraph, InstructionData, Opcode};

/// How deep the walk follows operands; each level may visit two.
const MAX_DEPTH: u32 = 6;

/// How many low bits of the i32 `value` are known to be zero (0 to 32).
pub fn known_trailing_zeros(dfg: &DataFlowGraph, value: ir::Value) -> u32 {
    trailing_zeros(dfg, value, MAX_DEPTH)
}

fn trailing_zeros(dfg: &DataFlowGraph, value: ir::Value, depth: u32) -> u32 {
    let value = dfg.resolve_aliases(value);
    let ir::ValueDef::Result(inst, _) = dfg.value_def(value) else {
        return 0;
    };
    if dfg.value_type(value) != ir::types::I32 || depth == 0 {
        return 0;
    }
    let operand = |v: ir::Value| trailing_zeros(dfg, v, depth - 1);
    match dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => (imm.bits() as u32).trailing_zeros(),
        InstructionData::Binary {
            opcode,
            args: [a, b],
        } => match opcode {
            // Each is exact modulo 2^32, so a wrap keeps the low bits.
            Opcode::Iadd | Opcode::Isub | Opcode::Bor | Opcode::Bxor => operand(a).min(operand(b)),
            Opcode::Band => operand(a).max(operand(b)),
            Opcode::Imul => (operand(a) + operand(b)).min(32),
            // Wasm and Cranelift shift by the amount mod 32.
            Opcode::Ishl => match constant(dfg, b) {
                Some(shift) => (operand(a) + (shift & 31)).min(32),
                None => 0,
            },
            _ => 0,
        },
        _ => 0,
    }
}

/// The value of `v` if it is an `iconst`.
fn constant(dfg: &DataFlowGraph, v: ir::Value) -> Option<u32> {
    match dfg.value_def(dfg.resolve_aliases(v)) {
        ir::ValueDef::Result(inst, _) => match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u32),
            _ => None,
        },
        _ => None,
    }
}

/// The end (relative to an address known to have `trailing_zeros` zero
/// low bits) that a passed check of `end` bytes proves in bounds in a
/// memory with pages of `2^page_size_log2` bytes (see the module comment).
pub fn covered_end(end: u64, trailing_zeros: u32, page_size_log2: u32) -> u64 {
    let align = 1u64 << trailing_zeros.min(page_size_log2).min(32);
    end.div_ceil(align) * align
}

#[cfg(test)]
mod tests {
    use super::{covered_end, known_trailing_zeros};
    use cranelift_codegen::ir::{Function, InstBuilder, types};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    #[test]
    fn rounds_up_to_the_alignment_but_never_past_a_page() {
        assert_eq!(covered_end(1, 3, 16), 8);
        assert_eq!(covered_end(8, 3, 16), 8);
        assert_eq!(covered_end(9, 3, 16), 16);
        assert_eq!(covered_end(5, 0, 16), 5);
        // 1-byte pages: the length can be any number.
        assert_eq!(covered_end(1, 3, 0), 1);
        // An address known to be 0 mod 2^32 is still only page-aligned.
        assert_eq!(covered_end(1, 32, 16), 65536);
    }

    #[test]
    fn follows_shifts_products_sums_and_masks() {
        let mut func = Function::new();
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let x = b.append_block_param(block, types::I32);
        let three = b.ins().iconst(types::I32, 3);
        let shifted = b.ins().ishl(x, three);
        let base = b.ins().iconst(types::I32, 0x400);
        let sum = b.ins().iadd(shifted, base);
        let odd = b.ins().iconst(types::I32, 0x401);
        let odd_sum = b.ins().iadd(shifted, odd);
        let twelve = b.ins().iconst(types::I32, 12);
        let product = b.ins().imul(x, twelve);
        let mask = b.ins().iconst(types::I32, -16);
        let masked = b.ins().band(x, mask);
        let dfg = &b.func.dfg;
        assert_eq!(known_trailing_zeros(dfg, x), 0);
        assert_eq!(known_trailing_zeros(dfg, shifted), 3);
        assert_eq!(known_trailing_zeros(dfg, sum), 3);
        assert_eq!(known_trailing_zeros(dfg, odd_sum), 0);
        assert_eq!(known_trailing_zeros(dfg, product), 2);
        assert_eq!(known_trailing_zeros(dfg, masked), 4);
    }
}
