//! Vector loads and stores as two 8-byte accesses.
//!
//! Each access keeps the original address, static offset and `MemFlags`
//! (trap code, alias region, `notrap`, `aligned`: a 16-byte aligned access
//! splits into 8-byte aligned halves), so it stays a trap site of the same
//! kind.
//!
//! Trapping: wafer's explicit bounds check comes before the access and
//! covers all 16 bytes, so splitting after it changes nothing. In guard
//! mode the MMU is the check, and a 16-byte store straddling the end of
//! memory must not write its in-bounds half before the other half faults.
//! So the high half (offset + 8) goes first: if it faults, nothing was
//! written; if it does not, `addr + 16 <= length`, the low half is in
//! bounds too and cannot fault. Loads use the same order (they have no
//! effect to undo, one rule is simpler to check).

use anyhow::{Result, bail};
use cranelift_codegen::ir::{
    self, Endianness, InstBuilder, MemFlagsData, Opcode, Type, Value, types,
};

use super::lanes::{check_shape, halves_of, unpack};
use super::{Lower, Lowered, is_vector};

/// Lowers a vector load or store; `None` if the instruction is neither.
pub fn lower(cx: &mut Lower) -> Result<Option<Lowered>> {
    let data = cx.pos.func.dfg.insts[cx.inst];
    let (opcode, offset) = match data {
        ir::InstructionData::Load { opcode, offset, .. }
        | ir::InstructionData::Store { opcode, offset, .. } => (opcode, i64::from(offset)),
        _ => return Ok(None),
    };
    let Some(flags) = data.memflags_data(&cx.pos.func.dfg) else {
        bail!("memory access without flags")
    };
    if flags.explicit_endianness() == Some(Endianness::Big) {
        bail!("big-endian vector access has no scalar lowering");
    }
    Ok(Some(match opcode {
        Opcode::Load => {
            let ty = cx.result_type()?;
            check_shape(ty)?;
            let (addr, offset) = halves_address(cx, cx.arg(0), offset);
            let high = cx.pos.ins().load(types::I64, flags, addr, offset + 8);
            let low = cx.pos.ins().load(types::I64, flags, addr, offset);
            Lowered::Halves(unpack(&mut cx.pos, ty, [low, high])?, [low, high])
        }
        Opcode::Store => {
            let value = cx.arg(0);
            let ty = cx.type_of(value);
            if !is_vector(ty) {
                return Ok(None);
            }
            let [low, high] = halves_of(&mut cx.pos, cx.map, value)?;
            let (addr, offset) = halves_address(cx, cx.arg(1), offset);
            cx.pos.ins().store(flags, high, addr, offset + 8);
            cx.pos.ins().store(flags, low, addr, offset);
            Lowered::Done
        }
        Opcode::Uload8x8 | Opcode::Uload16x4 | Opcode::Uload32x2 => {
            extending_load(cx, flags, offset, false)?
        }
        Opcode::Sload8x8 | Opcode::Sload16x4 | Opcode::Sload32x2 => {
            extending_load(cx, flags, offset, true)?
        }
        _ => return Ok(None),
    }))
}

/// An address and an offset such that `offset + 8` still fits the
/// instruction's 32-bit offset (the static offset joins the address when
/// it would not).
fn halves_address(cx: &mut Lower, addr: Value, offset: i64) -> (Value, i32) {
    match i32::try_from(offset + 8) {
        Ok(_) => (addr, offset as i32),
        Err(_) => (cx.pos.ins().iadd_imm_s(addr, offset), 0),
    }
}

/// `uload8x8` and friends: 8 bytes, each narrow lane extended to the
/// result's lane type.
fn extending_load(
    cx: &mut Lower,
    flags: MemFlagsData,
    offset: i64,
    signed: bool,
) -> Result<Lowered> {
    let ty: Type = cx.result_type()?;
    check_shape(ty)?;
    let wide = ty.lane_type();
    let narrow = wide
        .half_width()
        .ok_or_else(|| anyhow::anyhow!("no narrow lane type for {ty}"))?;
    let (addr, offset) = halves_address(cx, cx.arg(0), offset);
    let word = cx.pos.ins().load(types::I64, flags, addr, offset);
    let mut lanes = Vec::with_capacity(ty.lane_count() as usize);
    for k in 0..ty.lane_count() {
        let shifted = if k == 0 {
            word
        } else {
            cx.pos.ins().ushr_imm_u(word, i64::from(narrow.bits() * k))
        };
        let lane = cx.pos.ins().ireduce(narrow, shifted);
        lanes.push(if signed {
            cx.pos.ins().sextend(wide, lane)
        } else {
            cx.pos.ins().uextend(wide, lane)
        });
    }
    Ok(Lowered::Lanes(lanes))
}
