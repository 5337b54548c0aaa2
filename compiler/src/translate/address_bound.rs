//! Upper bounds of i32 addresses computed from masks, shifts and narrow
//! loads, so that explicit mode can skip the check of an access that can
//! only land below the memory's declared minimum.
//!
//! Table lookups compile to such addresses: CRC's
//! `table + (((crc ^ byte) & 0xff) << 2)` is at most `table + 1020`, an
//! interpreter's `handlers + (opcode_byte << 2)` at most `handlers + 1020`.
//! The bound is read from the Cranelift IR the translator has built so far
//! (nothing is optimised yet, so the shapes are the Wasm ones).

use cranelift_codegen::ir::{self, DataFlowGraph, InstructionData, Opcode};

/// How deep the walk follows operands; each level may visit two.
const MAX_DEPTH: u32 = 6;

/// The largest value the i32 `value` can hold, as an unsigned number, when
/// the instructions computing it show one below 2^32.
pub fn address_bound(dfg: &DataFlowGraph, value: ir::Value) -> Option<u64> {
    bound(dfg, value, MAX_DEPTH)
}

fn bound(dfg: &DataFlowGraph, value: ir::Value, depth: u32) -> Option<u64> {
    let value = dfg.resolve_aliases(value);
    let ir::ValueDef::Result(inst, _) = dfg.value_def(value) else {
        return None;
    };
    if dfg.value_type(value) != ir::types::I32 || depth == 0 {
        return None;
    }
    let constant = |v: ir::Value| match dfg.value_def(dfg.resolve_aliases(v)) {
        ir::ValueDef::Result(i, _) => match dfg.insts[i] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(u64::from(imm.bits() as u32)),
            _ => None,
        },
        _ => None,
    };
    let operand = |v: ir::Value| bound(dfg, v, depth - 1);
    let fits = |b: u64| (b <= u64::from(u32::MAX)).then_some(b);
    match dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(u64::from(imm.bits() as u32)),
        InstructionData::Load { opcode, .. } => match opcode {
            Opcode::Uload8 => Some(0xff),
            Opcode::Uload16 => Some(0xffff),
            _ => None,
        },
        InstructionData::Binary {
            opcode,
            args: [a, b],
        } => match opcode {
            // `a & b` is at most either operand.
            Opcode::Band => match (operand(a), operand(b)) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            // No bit above the highest either operand may have.
            Opcode::Bor | Opcode::Bxor => {
                let highest = operand(a)?.max(operand(b)?);
                Some(u64::MAX.checked_shr(highest.leading_zeros()).unwrap_or(0))
            }
            // Wasm and Cranelift shift by the amount mod 32.
            Opcode::Ushr => {
                let shift = constant(b)? & 31;
                Some(operand(a).unwrap_or(u64::from(u32::MAX)) >> shift)
            }
            Opcode::Ishl => fits(operand(a)? << (constant(b)? & 31)),
            // Only when the sum cannot wrap.
            Opcode::Iadd => fits(operand(a)? + operand(b)?),
            _ => None,
        },
        InstructionData::Ternary {
            opcode: Opcode::Select,
            args: [_, a, b],
        } => Some(operand(a)?.max(operand(b)?)),
        _ => None,
    }
}
