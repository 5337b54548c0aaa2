//! Operations done on the two `I64` halves directly ("SIMD within a
//! register"), when every operand already has its halves.
//!
//! The translator keeps every `v128` as an `I8X16`, so `v128.and` or
//! `i8x16.add` would otherwise unpack 16 lanes per operand, work lane by
//! lane and pack again: ~100 instructions where 2 to 12 do. Bitwise
//! operations are the same on the halves whatever the lanes; `iadd` and
//! `isub` keep each lane's carry out of the next lane with a mask of the
//! lanes' top bits `H`:
//!   `a + b = ((a & !H) + (b & !H)) ^ ((a ^ b) & H)`
//!   `a - b = ((a | H) - (b & !H)) ^ (!(a ^ b) & H)`
//! (the low bits add or subtract without crossing into the top bit,
//! whose sum is then the xor of the three bits involved).
//! 32-bit lanes are cheaper one by one. An operand without halves (the lanes of an arithmetic result) takes
//! the lane-by-lane path instead: packing it first would cost more.

use anyhow::Result;
use cranelift_codegen::ir::{InstBuilder, Opcode, Value, types};

use super::lanes::unpack;
use super::{Lower, Lowered, is_vector};

/// Lowers a bitwise operation, `iadd` or `isub` on halves; `None` if the
/// instruction is none of these or an operand has no halves.
pub fn lower(cx: &mut Lower) -> Result<Option<Lowered>> {
    let opcode = cx.pos.func.dfg.insts[cx.inst].opcode();
    let bitwise = matches!(
        opcode,
        Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::Bnot | Opcode::Bitselect
    );
    let arithmetic = matches!(opcode, Opcode::Iadd | Opcode::Isub);
    if !bitwise && !arithmetic {
        return Ok(None);
    }
    let ty = cx.result_type()?;
    // For 32-bit lanes the masks cost more than the 4 lanes' adds and
    // their unpacking (measured on rv64gc: 128 bytes of code against 66).
    if !is_vector(ty) || (arithmetic && (!ty.lane_type().is_int() || ty.lane_bits() == 32)) {
        return Ok(None);
    }
    let args: Vec<Value> = cx.pos.func.dfg.inst_args(cx.inst).to_vec();
    let mut halves = Vec::with_capacity(args.len());
    for &arg in &args {
        match cx.map.halves(&cx.pos.func.dfg, arg) {
            Some(h) => halves.push(h),
            None => return Ok(None),
        }
    }
    let mut out = [Value::from_u32(0); 2];
    for (half, slot) in out.iter_mut().enumerate() {
        let pos = &mut cx.pos;
        let v: Vec<Value> = halves.iter().map(|h| h[half]).collect();
        *slot = match (opcode, &v[..]) {
            (Opcode::Bnot, [a]) => pos.ins().bnot(*a),
            (Opcode::Band, [a, b]) => pos.ins().band(*a, *b),
            (Opcode::Bor, [a, b]) => pos.ins().bor(*a, *b),
            (Opcode::Bxor, [a, b]) => pos.ins().bxor(*a, *b),
            (Opcode::Bitselect, [c, x, y]) => {
                let from_x = pos.ins().band(*x, *c);
                let from_y = pos.ins().band_not(*y, *c);
                pos.ins().bor(from_x, from_y)
            }
            (Opcode::Iadd, [a, b]) if ty.lane_bits() == 64 => pos.ins().iadd(*a, *b),
            (Opcode::Isub, [a, b]) if ty.lane_bits() == 64 => pos.ins().isub(*a, *b),
            (Opcode::Iadd, [a, b]) => {
                let top = pos
                    .ins()
                    .iconst(types::I64, top_bits(ty.lane_bits()) as i64);
                let a_low = pos.ins().band_not(*a, top);
                let b_low = pos.ins().band_not(*b, top);
                let sum = pos.ins().iadd(a_low, b_low);
                let xor = pos.ins().bxor(*a, *b);
                let carry_in = pos.ins().band(xor, top);
                pos.ins().bxor(sum, carry_in)
            }
            (Opcode::Isub, [a, b]) => {
                let top = pos
                    .ins()
                    .iconst(types::I64, top_bits(ty.lane_bits()) as i64);
                let a_set = pos.ins().bor(*a, top);
                let b_low = pos.ins().band_not(*b, top);
                let diff = pos.ins().isub(a_set, b_low);
                let xor = pos.ins().bxor(*a, *b);
                let borrow = pos.ins().band_not(top, xor);
                pos.ins().bxor(diff, borrow)
            }
            _ => return Ok(None),
        };
    }
    let lanes = unpack(&mut cx.pos, ty, out)?;
    Ok(Some(Lowered::Halves(lanes, out)))
}

/// The top bit of every `width`-bit lane of a 64-bit half.
fn top_bits(width: u32) -> u64 {
    let top = 1u64 << (width - 1);
    (0..64 / width).fold(0, |acc, k| acc | (top << (width * k)))
}
