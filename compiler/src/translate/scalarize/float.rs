//! Float lane arithmetic, comparisons and conversions.
//!
//! Every float operation Cranelift defines on vectors is defined lane by
//! lane with the scalar operation's semantics (NaN propagation of `fmin`
//! and `fmax`, round-to-nearest-even of `nearest`, saturation of
//! `fcvt_to_*_sat`), so each lane becomes that scalar instruction.

use anyhow::{Result, bail};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{self, InstBuilder, Opcode, Value, types};

use super::lanes::const_lane;
use super::{Lower, Lowered};

/// Lowers a float vector instruction; `None` if it is not one.
pub fn lower(cx: &mut Lower) -> Result<Option<Lowered>> {
    let data = cx.pos.func.dfg.insts[cx.inst];
    let opcode = data.opcode();
    Ok(Some(match opcode {
        Opcode::Fabs
        | Opcode::Fneg
        | Opcode::Sqrt
        | Opcode::Ceil
        | Opcode::Floor
        | Opcode::Trunc
        | Opcode::Nearest
        | Opcode::FcvtFromSint
        | Opcode::FcvtFromUint
        | Opcode::FcvtToSintSat
        | Opcode::FcvtToUintSat => cx.each_lane_unary(opcode)?,
        Opcode::Fadd
        | Opcode::Fsub
        | Opcode::Fmul
        | Opcode::Fdiv
        | Opcode::Fmin
        | Opcode::Fmax
        | Opcode::Fcopysign => cx.each_lane_binary(opcode)?,
        Opcode::Fma => fma(cx)?,
        Opcode::Fcmp => {
            let ir::InstructionData::FloatCompare { cond, .. } = data else {
                bail!("fcmp without condition")
            };
            fcmp(cx, cond)?
        }
        Opcode::Fvdemote => fvdemote(cx)?,
        Opcode::FvpromoteLow => fvpromote_low(cx)?,
        _ => return Ok(None),
    }))
}

fn fma(cx: &mut Lower) -> Result<Lowered> {
    let (a, b, c) = (
        cx.lanes_of_arg(0)?,
        cx.lanes_of_arg(1)?,
        cx.lanes_of_arg(2)?,
    );
    let out = a
        .iter()
        .zip(&b)
        .zip(&c)
        .map(|((&x, &y), &z)| cx.pos.ins().fma(x, y, z))
        .collect();
    Ok(Lowered::Lanes(out))
}

/// Lane masks (integer lanes of the same width): all ones where the
/// comparison holds.
fn fcmp(cx: &mut Lower, cond: FloatCC) -> Result<Lowered> {
    let mask = cx.result_lane()?;
    cx.map_lanes2(|pos, x, y| {
        let holds = pos.ins().fcmp(cond, x, y);
        pos.ins().bmask(mask, holds)
    })
}

/// `F64X2` to `F32X4`: the two demoted lanes, then two zero lanes.
fn fvdemote(cx: &mut Lower) -> Result<Lowered> {
    let a = cx.lanes_of_arg(0)?;
    let mut out: Vec<Value> = a
        .iter()
        .map(|&x| cx.pos.ins().fdemote(types::F32, x))
        .collect();
    while out.len() < 4 {
        out.push(const_lane(&mut cx.pos, types::F32, 0));
    }
    Ok(Lowered::Lanes(out))
}

/// `F32X4` to `F64X2`: lanes 0 and 1 promoted.
fn fvpromote_low(cx: &mut Lower) -> Result<Lowered> {
    let a = cx.lanes_of_arg(0)?;
    let out = a
        .iter()
        .take(2)
        .map(|&x| cx.pos.ins().fpromote(types::F64, x))
        .collect();
    Ok(Lowered::Lanes(out))
}
