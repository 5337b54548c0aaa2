//! Lane moves: constants, splats, lane access, shuffles, narrowing,
//! widening, selects and bitcasts.

use anyhow::{Result, anyhow, bail};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, Endianness, InstBuilder, MemFlagsData, Opcode, StackSlotData, StackSlotKind, Type, Value,
    types,
};

use super::lanes::{check_shape, const_lane, halves_of, int_lanes, relabel, typed_lanes, unpack};
use super::{Lower, Lowered, is_vector};

/// Lowers a lane-moving vector instruction; `None` if it is not one.
pub fn lower(cx: &mut Lower) -> Result<Option<Lowered>> {
    let data = cx.pos.func.dfg.insts[cx.inst];
    Ok(Some(match data {
        ir::InstructionData::LoadNoOffset {
            opcode: Opcode::Bitcast,
            flags,
            ..
        } => {
            let flags = cx.pos.func.dfg.mem_flags[flags];
            if flags.explicit_endianness() == Some(Endianness::Big) {
                bail!("big-endian vector bitcast has no scalar lowering");
            }
            bitcast(cx)?
        }
        ir::InstructionData::UnaryConst {
            opcode: Opcode::Vconst,
            constant_handle,
        } => {
            let ty = cx.result_type()?;
            let bytes = cx
                .pos
                .func
                .dfg
                .constants
                .get(constant_handle)
                .as_slice()
                .to_vec();
            vconst(cx, ty, &bytes)?
        }
        ir::InstructionData::Shuffle { imm, .. } => {
            let mask = cx.pos.func.dfg.immediates[imm].as_slice().to_vec();
            shuffle(cx, &mask)?
        }
        ir::InstructionData::BinaryImm8 {
            opcode: Opcode::Extractlane,
            imm,
            ..
        } => {
            let lanes = cx.lanes_of_arg(0)?;
            let lane = *lanes
                .get(usize::from(imm))
                .ok_or_else(|| anyhow!("lane {imm} out of range"))?;
            Lowered::Scalar(lane)
        }
        ir::InstructionData::TernaryImm8 {
            opcode: Opcode::Insertlane,
            imm,
            ..
        } => {
            let mut lanes = cx.lanes_of_arg(0)?;
            let slot = lanes
                .get_mut(usize::from(imm))
                .ok_or_else(|| anyhow!("lane {imm} out of range"))?;
            *slot = cx.arg(1);
            Lowered::Lanes(lanes)
        }
        _ => match data.opcode() {
            Opcode::Splat => {
                let ty = cx.result_type()?;
                Lowered::Lanes(vec![cx.arg(0); ty.lane_count() as usize])
            }
            Opcode::ScalarToVector => {
                let ty = cx.result_type()?;
                let mut lanes = vec![cx.arg(0)];
                while lanes.len() < ty.lane_count() as usize {
                    lanes.push(const_lane(&mut cx.pos, ty.lane_type(), 0));
                }
                Lowered::Lanes(lanes)
            }
            Opcode::Select | Opcode::SelectSpectreGuard => select(cx, data.opcode())?,
            Opcode::Swizzle => swizzle(cx)?,
            Opcode::Snarrow | Opcode::Unarrow | Opcode::Uunarrow => narrow(cx, data.opcode())?,
            Opcode::SwidenLow | Opcode::SwidenHigh | Opcode::UwidenLow | Opcode::UwidenHigh => {
                widen(cx, data.opcode())?
            }
            _ => return Ok(None),
        },
    }))
}

/// Vector to vector (lanes reinterpreted), vector to `I128` and back.
fn bitcast(cx: &mut Lower) -> Result<Lowered> {
    let to = cx.result_type()?;
    let source = cx.arg(0);
    let from = cx.type_of(source);
    match (is_vector(from), is_vector(to)) {
        (true, true) => {
            check_shape(to)?;
            let result = cx.pos.func.dfg.inst_results(cx.inst)[0];
            cx.map.record_bitcast(&cx.pos.func.dfg, result, source);
            let dfg = &cx.pos.func.dfg;
            let halves = cx.map.halves(dfg, source);
            // Cheapest first: a value up the bitcast chain with lanes of the
            // wanted width (i8x16 -> i32x4 -> i8x16 gets its lanes back),
            // then the source's halves, then packing the source's lanes.
            let lanes = match cx.map.ancestor_with_lane_bits(dfg, source, to.lane_bits()) {
                Some(v) => {
                    let lanes = cx.map.lanes(dfg, v)?;
                    relabel(&mut cx.pos, to, &lanes)
                }
                None => {
                    let halves = halves_of(&mut cx.pos, cx.map, source)?;
                    let lanes = unpack(&mut cx.pos, to, halves)?;
                    // Packed here or recorded earlier, these halves
                    // dominate the result's uses.
                    return Ok(Lowered::Halves(lanes, halves));
                }
            };
            Ok(match halves {
                Some(halves) => Lowered::Halves(lanes, halves),
                None => Lowered::Lanes(lanes),
            })
        }
        (true, false) if to == types::I128 => {
            let [low, high] = halves_of(&mut cx.pos, cx.map, source)?;
            Ok(Lowered::Scalar(cx.pos.ins().iconcat(low, high)))
        }
        (false, true) if from == types::I128 => {
            let (low, high) = cx.pos.ins().isplit(source);
            Ok(Lowered::Halves(
                unpack(&mut cx.pos, to, [low, high])?,
                [low, high],
            ))
        }
        _ => bail!("bitcast from {from} to {to} has no scalar lowering"),
    }
}

/// The 16 constant bytes (lane 0's lowest byte first) as lanes.
fn vconst(cx: &mut Lower, ty: Type, bytes: &[u8]) -> Result<Lowered> {
    check_shape(ty)?;
    if bytes.len() != 16 {
        bail!("vector constant of {} bytes", bytes.len());
    }
    let lane = ty.lane_type();
    let width = lane.bytes() as usize;
    let lanes = bytes
        .chunks(width)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            const_lane(&mut cx.pos, lane, bits)
        })
        .collect();
    Ok(Lowered::Lanes(lanes))
}

/// Byte `i` of the result is byte `mask[i]` of `a ‖ b` (zero past 31).
fn shuffle(cx: &mut Lower, mask: &[u8]) -> Result<Lowered> {
    let ty = cx.result_type()?;
    if ty != types::I8X16 || mask.len() != 16 {
        bail!("shuffle of {ty} with a {}-byte mask", mask.len());
    }
    let mut both = cx.lanes_of_arg(0)?;
    both.extend(cx.lanes_of_arg(1)?);
    let mut out = Vec::with_capacity(16);
    for &index in mask {
        out.push(match both.get(usize::from(index)) {
            Some(&lane) => lane,
            None => const_lane(&mut cx.pos, types::I8, 0),
        });
    }
    Ok(Lowered::Lanes(out))
}

/// Byte `i` of the result is byte `y[i]` of `x`, or zero if `y[i] > 15`.
/// `x` goes to a 16-byte stack slot and each byte is loaded at its index,
/// which costs 2 stores and 16 loads instead of a 16-way select per byte.
/// Indices are read from `y`'s halves and the result built as halves, in
/// `I64` throughout (no per-byte narrowing or extension).
fn swizzle(cx: &mut Lower) -> Result<Lowered> {
    let ty = cx.result_type()?;
    if ty != types::I8X16 {
        bail!("swizzle of {ty}");
    }
    let (x, y) = (cx.arg(0), cx.arg(1));
    let [low, high] = halves_of(&mut cx.pos, cx.map, x)?;
    let indices = halves_of(&mut cx.pos, cx.map, y)?;
    let slot =
        cx.pos
            .func
            .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
    let flags = MemFlagsData::trusted();
    // wafer's targets are all 64-bit: stack addresses are I64.
    let base = cx.pos.ins().stack_addr(types::I64, slot, 0);
    cx.pos.ins().store(flags, low, base, 0);
    cx.pos.ins().store(flags, high, base, 8);
    let mut out = [low; 2];
    for (half, index_half) in out.iter_mut().zip(indices) {
        let mut acc: Option<Value> = None;
        for k in 0..8i64 {
            let pos = &mut cx.pos;
            let index = if k == 0 {
                index_half
            } else {
                pos.ins().ushr_imm_u(index_half, 8 * k)
            };
            // In range when bits 4..8 of the index byte are clear; the
            // kept byte is masked with -(in range) rather than selected,
            // which rv64gc (no Zicond) would compile to a branch.
            let high_bits = pos.ins().band_imm_u(index, 0xf0);
            let in_range = pos.ins().icmp_imm_u(IntCC::Equal, high_bits, 0);
            let keep = pos.ins().bmask(types::I64, in_range);
            let offset = pos.ins().band_imm_u(index, 15);
            let addr = pos.ins().iadd(base, offset);
            let byte = pos.ins().uload8(types::I64, flags, addr, 0);
            let kept = pos.ins().band(byte, keep);
            let placed = if k == 0 {
                kept
            } else {
                pos.ins().ishl_imm_u(kept, 8 * k)
            };
            acc = Some(match acc {
                Some(a) => pos.ins().bor(a, placed),
                None => placed,
            });
        }
        *half = acc.ok_or_else(|| anyhow!("no bytes in a half"))?;
    }
    Ok(Lowered::Halves(unpack(&mut cx.pos, ty, out)?, out))
}

/// `select` with a scalar condition picks one whole vector: lane by lane.
fn select(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let cond = cx.arg(0);
    if is_vector(cx.type_of(cond)) {
        bail!("select with a vector condition has no scalar lowering (use bitselect)");
    }
    let lane = cx.result_type()?.lane_type();
    let (a, b) = (cx.lanes_of_arg(1)?, cx.lanes_of_arg(2)?);
    if opcode == Opcode::SelectSpectreGuard {
        // riscv64 has no spectre-guarded select of float registers: guard
        // the lanes' bits instead, which keeps the guarantee.
        let (a, b) = (int_lanes(&mut cx.pos, &a), int_lanes(&mut cx.pos, &b));
        let out: Vec<_> = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| cx.pos.ins().select_spectre_guard(cond, x, y))
            .collect();
        return Ok(Lowered::Lanes(typed_lanes(&mut cx.pos, lane, &out)));
    }
    let out = a
        .iter()
        .zip(&b)
        .map(|(&x, &y)| cx.pos.ins().select(cond, x, y))
        .collect();
    Ok(Lowered::Lanes(out))
}

/// Saturating narrowing: x's lanes then y's, each clamped to the narrow
/// lane's range (signed `snarrow`; signed input to unsigned range
/// `unarrow`; unsigned input `uunarrow`).
fn narrow(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let narrow = cx.result_type()?.lane_type();
    let n = narrow.bits();
    let mut lanes = cx.lanes_of_arg(0)?;
    lanes.extend(cx.lanes_of_arg(1)?);
    let signed = opcode != Opcode::Uunarrow;
    let (min, max) = match opcode {
        Opcode::Snarrow => ((1i64 << (n - 1)).wrapping_neg(), (1i64 << (n - 1)) - 1),
        _ => (0, (1i64 << n) - 1),
    };
    let mut out = Vec::with_capacity(lanes.len());
    for lane in lanes {
        let pos = &mut cx.pos;
        // Clamped as an I64: rv64 compares full registers, and the bounds
        // are then plain constants (in the lane type each comparison
        // would sign-extend both operands again).
        let wide = match (pos.func.dfg.value_type(lane).bits(), signed) {
            (64, _) => lane,
            (_, true) => pos.ins().sextend(types::I64, lane),
            (_, false) => pos.ins().uextend(types::I64, lane),
        };
        let upper = pos.ins().iconst(types::I64, max);
        let clamped = if signed {
            let lower = pos.ins().iconst(types::I64, min);
            let below = pos.ins().smin(wide, upper);
            pos.ins().smax(below, lower)
        } else {
            pos.ins().umin(wide, upper)
        };
        out.push(pos.ins().ireduce(narrow, clamped));
    }
    Ok(Lowered::Lanes(out))
}

/// The low or high half of the lanes, sign- or zero-extended.
fn widen(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let wide = cx.result_type()?.lane_type();
    let lanes = cx.lanes_of_arg(0)?;
    let half = lanes.len() / 2;
    let part = match opcode {
        Opcode::SwidenLow | Opcode::UwidenLow => &lanes[..half],
        _ => &lanes[half..],
    };
    let signed = matches!(opcode, Opcode::SwidenLow | Opcode::SwidenHigh);
    let out = part
        .iter()
        .map(|&x| {
            if signed {
                cx.pos.ins().sextend(wide, x)
            } else {
                cx.pos.ins().uextend(wide, x)
            }
        })
        .collect();
    Ok(Lowered::Lanes(out))
}
