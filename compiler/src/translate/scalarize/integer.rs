//! Integer lane arithmetic, comparisons, bitwise operations and the
//! reductions to a scalar (`vall_true`, `vany_true`, `vhigh_bits`).
//!
//! Operations Cranelift has for scalars of the lane type are emitted once
//! per lane. The vector-only ones (saturating arithmetic, `avg_round`,
//! `sqmul_round_sat`, `iadd_pairwise`) are written out with wrapping
//! arithmetic and selects that every backend compiles for scalars.

use anyhow::{Result, anyhow, bail};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Opcode, Type, Value};

use super::lanes::{const_lane, int_lanes, typed_lanes};
use super::{Lower, Lowered, first_result, is_vector};

/// Lowers an integer or bitwise vector instruction; `None` if it is not one.
pub fn lower(cx: &mut Lower) -> Result<Option<Lowered>> {
    let data = cx.pos.func.dfg.insts[cx.inst];
    let opcode = data.opcode();
    Ok(Some(match opcode {
        Opcode::Ineg | Opcode::Iabs | Opcode::Popcnt => cx.each_lane_unary(opcode)?,
        Opcode::Iadd
        | Opcode::Isub
        | Opcode::Imul
        | Opcode::Smin
        | Opcode::Smax
        | Opcode::Umin
        | Opcode::Umax
        | Opcode::Umulhi
        | Opcode::Smulhi => cx.each_lane_binary(opcode)?,
        Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::Bnot | Opcode::Bitselect => {
            bitwise(cx, opcode)?
        }
        Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr => {
            shift(cx, opcode)?
        }
        Opcode::UaddSat | Opcode::UsubSat | Opcode::SaddSat | Opcode::SsubSat => {
            saturating(cx, opcode)?
        }
        Opcode::AvgRound => avg_round(cx)?,
        Opcode::SqmulRoundSat => sqmul_round_sat(cx)?,
        Opcode::IaddPairwise => iadd_pairwise(cx)?,
        Opcode::Icmp => {
            let ir::InstructionData::IntCompare { cond, .. } = data else {
                bail!("icmp without condition")
            };
            icmp(cx, cond)?
        }
        Opcode::VanyTrue => vany_true(cx)?,
        Opcode::VallTrue => vall_true(cx)?,
        Opcode::VhighBits => vhigh_bits(cx)?,
        _ => return Ok(None),
    }))
}

/// Bitwise operations, on the lanes' bits (float lanes reinterpreted).
fn bitwise(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let lane = cx.result_lane()?;
    let int = lane.as_int();
    let count = cx.pos.func.dfg.inst_args(cx.inst).len();
    let mut args = Vec::with_capacity(count);
    for n in 0..count {
        let lanes = cx.lanes_of_arg(n)?;
        args.push(int_lanes(&mut cx.pos, &lanes));
    }
    let mut out = Vec::with_capacity(args[0].len());
    for k in 0..args[0].len() {
        let v = match (opcode, &args[..]) {
            (Opcode::Bnot, [a]) => cx.pos.ins().bnot(a[k]),
            (Opcode::Bitselect, [c, x, y]) => {
                // (x & c) | (y & !c), bit by bit.
                let from_x = cx.pos.ins().band(x[k], c[k]);
                let from_y = cx.pos.ins().band_not(y[k], c[k]);
                cx.pos.ins().bor(from_x, from_y)
            }
            (_, [a, b]) => first_result(cx.pos.ins().Binary(opcode, int, a[k], b[k])),
            _ => bail!("`{opcode}` with {count} arguments"),
        };
        out.push(v);
    }
    Ok(Lowered::Lanes(typed_lanes(&mut cx.pos, lane, &out)))
}

/// Shifts and rotates by a scalar amount, taken modulo the lane width as
/// for a scalar of the lane type.
fn shift(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let lane = cx.result_lane()?;
    let amount = cx.arg(1);
    if is_vector(cx.type_of(amount)) {
        bail!("`{opcode}` by a vector amount has no scalar lowering");
    }
    cx.map_lanes(|pos, x| first_result(pos.ins().Binary(opcode, lane, x, amount)))
}

/// The largest signed value of `lane` (as bits).
fn signed_max(lane: Type) -> u64 {
    (1u64 << (lane.bits() - 1)) - 1
}

fn saturating(cx: &mut Lower, opcode: Opcode) -> Result<Lowered> {
    let lane = cx.result_lane()?;
    cx.map_lanes2(|pos, x, y| match opcode {
        Opcode::UaddSat => {
            // The wrapped sum is below an operand exactly on carry.
            let sum = pos.ins().iadd(x, y);
            let carry = pos.ins().icmp(IntCC::UnsignedLessThan, sum, x);
            let max = const_lane(pos, lane, u64::MAX);
            pos.ins().select(carry, max, sum)
        }
        Opcode::UsubSat => {
            let diff = pos.ins().isub(x, y);
            let borrow = pos.ins().icmp(IntCC::UnsignedLessThan, x, y);
            let zero = const_lane(pos, lane, 0);
            pos.ins().select(borrow, zero, diff)
        }
        _ => {
            // Signed overflow: the result's sign differs from both
            // addends' (x + y), or from x's where y's differs (x - y).
            let (r, sign_flip) = if opcode == Opcode::SaddSat {
                let r = pos.ins().iadd(x, y);
                let xr = pos.ins().bxor(x, r);
                let yr = pos.ins().bxor(y, r);
                (r, pos.ins().band(xr, yr))
            } else {
                let r = pos.ins().isub(x, y);
                let xy = pos.ins().bxor(x, y);
                let xr = pos.ins().bxor(x, r);
                (r, pos.ins().band(xy, xr))
            };
            let overflow = pos.ins().icmp_imm_s(IntCC::SignedLessThan, sign_flip, 0);
            // Saturate towards x's sign: (x >> (w-1)) ^ MAX is MAX for
            // x >= 0 and MIN for x < 0.
            let sign = pos.ins().sshr_imm_u(x, i64::from(lane.bits() - 1));
            let max = const_lane(pos, lane, signed_max(lane));
            let bound = pos.ins().bxor(sign, max);
            pos.ins().select(overflow, bound, r)
        }
    })
}

/// Unsigned rounding average `(x + y + 1) >> 1` without a wider type:
/// `(x | y) - ((x ^ y) >> 1)`.
fn avg_round(cx: &mut Lower) -> Result<Lowered> {
    cx.map_lanes2(|pos, x, y| {
        let or = pos.ins().bor(x, y);
        let xor = pos.ins().bxor(x, y);
        let half = pos.ins().ushr_imm_u(xor, 1);
        pos.ins().isub(or, half)
    })
}

/// Fixed-point multiply `(x * y + 2^(w-2)) >> (w-1)` in double width,
/// saturated (only `MIN * MIN` overflows, to `MAX`).
fn sqmul_round_sat(cx: &mut Lower) -> Result<Lowered> {
    let lane = cx.result_lane()?;
    let wide = lane
        .double_width()
        .filter(|t| t.bits() <= 64)
        .ok_or_else(|| anyhow!("sqmul_round_sat on {lane} lanes"))?;
    let bits = i64::from(lane.bits());
    cx.map_lanes2(|pos, x, y| {
        let wx = pos.ins().sextend(wide, x);
        let wy = pos.ins().sextend(wide, y);
        let product = pos.ins().imul(wx, wy);
        let rounded = pos.ins().iadd_imm_s(product, 1i64 << (bits - 2));
        let shifted = pos.ins().sshr_imm_u(rounded, bits - 1);
        let max = pos.ins().iconst(wide, signed_max(lane) as i64);
        let clamped = pos.ins().smin(shifted, max);
        pos.ins().ireduce(lane, clamped)
    })
}

/// Sums of adjacent lanes: x's pairs in the low half, y's in the high.
fn iadd_pairwise(cx: &mut Lower) -> Result<Lowered> {
    let (a, b) = (cx.lanes_of_arg(0)?, cx.lanes_of_arg(1)?);
    let mut out = Vec::with_capacity(a.len());
    for pair in a.chunks(2).chain(b.chunks(2)) {
        let [x, y] = pair else {
            bail!("odd lane count")
        };
        out.push(cx.pos.ins().iadd(*x, *y));
    }
    Ok(Lowered::Lanes(out))
}

/// Lane masks: all ones where the comparison holds, zero elsewhere.
fn icmp(cx: &mut Lower, cond: IntCC) -> Result<Lowered> {
    let lane = cx.result_lane()?;
    cx.map_lanes2(|pos, x, y| {
        let holds = pos.ins().icmp(cond, x, y);
        pos.ins().bmask(lane, holds)
    })
}

fn vany_true(cx: &mut Lower) -> Result<Lowered> {
    let lanes = cx.lanes_of_arg(0)?;
    let ints = int_lanes(&mut cx.pos, &lanes);
    let mut any: Option<Value> = None;
    for x in ints {
        let nonzero = cx.pos.ins().icmp_imm_u(IntCC::NotEqual, x, 0);
        any = Some(match any {
            Some(acc) => cx.pos.ins().bor(acc, nonzero),
            None => nonzero,
        });
    }
    any.map(Lowered::Scalar)
        .ok_or_else(|| anyhow!("vector without lanes"))
}

fn vall_true(cx: &mut Lower) -> Result<Lowered> {
    let lanes = cx.lanes_of_arg(0)?;
    let ints = int_lanes(&mut cx.pos, &lanes);
    let mut all: Option<Value> = None;
    for x in ints {
        let nonzero = cx.pos.ins().icmp_imm_u(IntCC::NotEqual, x, 0);
        all = Some(match all {
            Some(acc) => cx.pos.ins().band(acc, nonzero),
            None => nonzero,
        });
    }
    all.map(Lowered::Scalar)
        .ok_or_else(|| anyhow!("vector without lanes"))
}

/// Bit `k` of the scalar result is the sign bit of lane `k` (lanes beyond
/// the result's width do not fit and are left out).
fn vhigh_bits(cx: &mut Lower) -> Result<Lowered> {
    let result = cx.result_type()?;
    let lanes = cx.lanes_of_arg(0)?;
    let ints = int_lanes(&mut cx.pos, &lanes);
    let mut bits = cx.pos.ins().iconst(result, 0);
    for (k, x) in ints.into_iter().enumerate().take(result.bits() as usize) {
        let lane = cx.type_of(x);
        let sign = cx.pos.ins().ushr_imm_u(x, i64::from(lane.bits() - 1));
        let sign = match lane.bits().cmp(&result.bits()) {
            std::cmp::Ordering::Less => cx.pos.ins().uextend(result, sign),
            std::cmp::Ordering::Greater => cx.pos.ins().ireduce(result, sign),
            std::cmp::Ordering::Equal => sign,
        };
        let placed = if k == 0 {
            sign
        } else {
            cx.pos.ins().ishl_imm_u(sign, k as i64)
        };
        bits = cx.pos.ins().bor(bits, placed);
    }
    Ok(Lowered::Scalar(bits))
}
