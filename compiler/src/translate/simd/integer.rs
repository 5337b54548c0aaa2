//! SIMD integer arithmetic: comparisons, lane-wise arithmetic, shifts,
//! saturating and averaging operators, and the pairwise/extending
//! multiplications (`extmul`, `extadd_pairwise`, `dot`).

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, condcodes::IntCC, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

use crate::translate::FuncTranslator;

/// Which half of the lanes a widening operator takes.
#[derive(Clone, Copy)]
pub enum Half {
    Low,
    High,
}

/// `x`'s lanes of one half, widened to twice their width.
pub fn widen(b: &mut FunctionBuilder<'_>, x: ir::Value, half: Half, signed: bool) -> ir::Value {
    match (half, signed) {
        (Half::Low, true) => b.ins().swiden_low(x),
        (Half::High, true) => b.ins().swiden_high(x),
        (Half::Low, false) => b.ins().uwiden_low(x),
        (Half::High, false) => b.ins().uwiden_high(x),
    }
}

/// Sums of adjacent lane pairs of `x`, each widened (`extadd_pairwise`).
pub fn extadd_pairwise(b: &mut FunctionBuilder<'_>, x: ir::Value, signed: bool) -> ir::Value {
    let low = widen(b, x, Half::Low, signed);
    let high = widen(b, x, Half::High, signed);
    b.ins().iadd_pairwise(low, high)
}

/// Lane-wise products of the widened `half` of `x` and `y` (`extmul`).
fn extmul(
    b: &mut FunctionBuilder<'_>,
    x: ir::Value,
    y: ir::Value,
    half: Half,
    signed: bool,
) -> ir::Value {
    let x = widen(b, x, half, signed);
    let y = widen(b, y, half, signed);
    b.ins().imul(x, y)
}

/// Signed products of `x` and `y` (i8 or i16 lanes), widened, with each
/// adjacent pair summed: `r[i] = x[2i]*y[2i] + x[2i+1]*y[2i+1]`, wrapping.
pub fn dot_pairs(b: &mut FunctionBuilder<'_>, x: ir::Value, y: ir::Value) -> ir::Value {
    let low = extmul(b, x, y, Half::Low, true);
    let high = extmul(b, x, y, Half::High, true);
    // iadd_pairwise sums the pairs of `low` into the first half of the
    // result and those of `high` into the second: lane order is kept.
    b.ins().iadd_pairwise(low, high)
}

impl FuncTranslator<'_, '_, '_, '_> {
    fn compare(&mut self, ty: ir::Type, cc: IntCC) -> Result<()> {
        self.binary_vector(ty, |b, x, y| b.ins().icmp(cc, x, y))
    }

    fn shift(&mut self, ty: ir::Type, op: ir::Opcode) -> Result<()> {
        // Cranelift masks a vector shift amount to the lane width, as Wasm
        // does (`amount mod lane bits`).
        let amount = self.pop()?;
        let v = self.pop_vector(ty)?;
        let r = match op {
            ir::Opcode::Ishl => self.builder.ins().ishl(v, amount),
            ir::Opcode::Sshr => self.builder.ins().sshr(v, amount),
            _ => self.builder.ins().ushr(v, amount),
        };
        self.push_vector(r);
        Ok(())
    }

    fn all_true(&mut self, ty: ir::Type) -> Result<()> {
        let v = self.pop_vector(ty)?;
        let all = self.builder.ins().vall_true(v);
        self.push_bool(all);
        Ok(())
    }

    fn bitmask(&mut self, ty: ir::Type) -> Result<()> {
        let v = self.pop_vector(ty)?;
        let bits = self.builder.ins().vhigh_bits(types::I32, v);
        self.push(bits);
        Ok(())
    }

    fn extmul_op(&mut self, narrow: ir::Type, half: Half, signed: bool) -> Result<()> {
        self.binary_vector(narrow, |b, x, y| extmul(b, x, y, half, signed))
    }

    /// Translates an integer SIMD operator; `Ok(false)` if `op` is not one.
    pub fn translate_simd_integer(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Half::{High, Low};
        use IntCC::*;
        use ir::Opcode::{Ishl, Sshr, Ushr};
        use types::{I8X16, I16X8, I32X4, I64X2};
        match *op {
            Operator::I8x16Eq => self.compare(I8X16, Equal)?,
            Operator::I8x16Ne => self.compare(I8X16, NotEqual)?,
            Operator::I8x16LtS => self.compare(I8X16, SignedLessThan)?,
            Operator::I8x16LtU => self.compare(I8X16, UnsignedLessThan)?,
            Operator::I8x16GtS => self.compare(I8X16, SignedGreaterThan)?,
            Operator::I8x16GtU => self.compare(I8X16, UnsignedGreaterThan)?,
            Operator::I8x16LeS => self.compare(I8X16, SignedLessThanOrEqual)?,
            Operator::I8x16LeU => self.compare(I8X16, UnsignedLessThanOrEqual)?,
            Operator::I8x16GeS => self.compare(I8X16, SignedGreaterThanOrEqual)?,
            Operator::I8x16GeU => self.compare(I8X16, UnsignedGreaterThanOrEqual)?,
            Operator::I16x8Eq => self.compare(I16X8, Equal)?,
            Operator::I16x8Ne => self.compare(I16X8, NotEqual)?,
            Operator::I16x8LtS => self.compare(I16X8, SignedLessThan)?,
            Operator::I16x8LtU => self.compare(I16X8, UnsignedLessThan)?,
            Operator::I16x8GtS => self.compare(I16X8, SignedGreaterThan)?,
            Operator::I16x8GtU => self.compare(I16X8, UnsignedGreaterThan)?,
            Operator::I16x8LeS => self.compare(I16X8, SignedLessThanOrEqual)?,
            Operator::I16x8LeU => self.compare(I16X8, UnsignedLessThanOrEqual)?,
            Operator::I16x8GeS => self.compare(I16X8, SignedGreaterThanOrEqual)?,
            Operator::I16x8GeU => self.compare(I16X8, UnsignedGreaterThanOrEqual)?,
            Operator::I32x4Eq => self.compare(I32X4, Equal)?,
            Operator::I32x4Ne => self.compare(I32X4, NotEqual)?,
            Operator::I32x4LtS => self.compare(I32X4, SignedLessThan)?,
            Operator::I32x4LtU => self.compare(I32X4, UnsignedLessThan)?,
            Operator::I32x4GtS => self.compare(I32X4, SignedGreaterThan)?,
            Operator::I32x4GtU => self.compare(I32X4, UnsignedGreaterThan)?,
            Operator::I32x4LeS => self.compare(I32X4, SignedLessThanOrEqual)?,
            Operator::I32x4LeU => self.compare(I32X4, UnsignedLessThanOrEqual)?,
            Operator::I32x4GeS => self.compare(I32X4, SignedGreaterThanOrEqual)?,
            Operator::I32x4GeU => self.compare(I32X4, UnsignedGreaterThanOrEqual)?,
            Operator::I64x2Eq => self.compare(I64X2, Equal)?,
            Operator::I64x2Ne => self.compare(I64X2, NotEqual)?,
            Operator::I64x2LtS => self.compare(I64X2, SignedLessThan)?,
            Operator::I64x2GtS => self.compare(I64X2, SignedGreaterThan)?,
            Operator::I64x2LeS => self.compare(I64X2, SignedLessThanOrEqual)?,
            Operator::I64x2GeS => self.compare(I64X2, SignedGreaterThanOrEqual)?,

            Operator::I8x16Abs => self.unary_vector(I8X16, |b, x| b.ins().iabs(x))?,
            Operator::I16x8Abs => self.unary_vector(I16X8, |b, x| b.ins().iabs(x))?,
            Operator::I32x4Abs => self.unary_vector(I32X4, |b, x| b.ins().iabs(x))?,
            Operator::I64x2Abs => self.unary_vector(I64X2, |b, x| b.ins().iabs(x))?,
            Operator::I8x16Neg => self.unary_vector(I8X16, |b, x| b.ins().ineg(x))?,
            Operator::I16x8Neg => self.unary_vector(I16X8, |b, x| b.ins().ineg(x))?,
            Operator::I32x4Neg => self.unary_vector(I32X4, |b, x| b.ins().ineg(x))?,
            Operator::I64x2Neg => self.unary_vector(I64X2, |b, x| b.ins().ineg(x))?,
            Operator::I8x16Popcnt => self.unary_vector(I8X16, |b, x| b.ins().popcnt(x))?,
            Operator::I8x16AllTrue => self.all_true(I8X16)?,
            Operator::I16x8AllTrue => self.all_true(I16X8)?,
            Operator::I32x4AllTrue => self.all_true(I32X4)?,
            Operator::I64x2AllTrue => self.all_true(I64X2)?,
            Operator::I8x16Bitmask => self.bitmask(I8X16)?,
            Operator::I16x8Bitmask => self.bitmask(I16X8)?,
            Operator::I32x4Bitmask => self.bitmask(I32X4)?,
            Operator::I64x2Bitmask => self.bitmask(I64X2)?,

            Operator::I8x16Shl => self.shift(I8X16, Ishl)?,
            Operator::I16x8Shl => self.shift(I16X8, Ishl)?,
            Operator::I32x4Shl => self.shift(I32X4, Ishl)?,
            Operator::I64x2Shl => self.shift(I64X2, Ishl)?,
            Operator::I8x16ShrS => self.shift(I8X16, Sshr)?,
            Operator::I16x8ShrS => self.shift(I16X8, Sshr)?,
            Operator::I32x4ShrS => self.shift(I32X4, Sshr)?,
            Operator::I64x2ShrS => self.shift(I64X2, Sshr)?,
            Operator::I8x16ShrU => self.shift(I8X16, Ushr)?,
            Operator::I16x8ShrU => self.shift(I16X8, Ushr)?,
            Operator::I32x4ShrU => self.shift(I32X4, Ushr)?,
            Operator::I64x2ShrU => self.shift(I64X2, Ushr)?,

            Operator::I8x16Add => self.binary_vector(I8X16, |b, x, y| b.ins().iadd(x, y))?,
            Operator::I16x8Add => self.binary_vector(I16X8, |b, x, y| b.ins().iadd(x, y))?,
            Operator::I32x4Add => self.binary_vector(I32X4, |b, x, y| b.ins().iadd(x, y))?,
            Operator::I64x2Add => self.binary_vector(I64X2, |b, x, y| b.ins().iadd(x, y))?,
            Operator::I8x16Sub => self.binary_vector(I8X16, |b, x, y| b.ins().isub(x, y))?,
            Operator::I16x8Sub => self.binary_vector(I16X8, |b, x, y| b.ins().isub(x, y))?,
            Operator::I32x4Sub => self.binary_vector(I32X4, |b, x, y| b.ins().isub(x, y))?,
            Operator::I64x2Sub => self.binary_vector(I64X2, |b, x, y| b.ins().isub(x, y))?,
            Operator::I16x8Mul => self.binary_vector(I16X8, |b, x, y| b.ins().imul(x, y))?,
            Operator::I32x4Mul => self.binary_vector(I32X4, |b, x, y| b.ins().imul(x, y))?,
            Operator::I64x2Mul => self.binary_vector(I64X2, |b, x, y| b.ins().imul(x, y))?,
            Operator::I8x16AddSatS => {
                self.binary_vector(I8X16, |b, x, y| b.ins().sadd_sat(x, y))?
            }
            Operator::I8x16AddSatU => {
                self.binary_vector(I8X16, |b, x, y| b.ins().uadd_sat(x, y))?
            }
            Operator::I16x8AddSatS => {
                self.binary_vector(I16X8, |b, x, y| b.ins().sadd_sat(x, y))?
            }
            Operator::I16x8AddSatU => {
                self.binary_vector(I16X8, |b, x, y| b.ins().uadd_sat(x, y))?
            }
            Operator::I8x16SubSatS => {
                self.binary_vector(I8X16, |b, x, y| b.ins().ssub_sat(x, y))?
            }
            Operator::I8x16SubSatU => {
                self.binary_vector(I8X16, |b, x, y| b.ins().usub_sat(x, y))?
            }
            Operator::I16x8SubSatS => {
                self.binary_vector(I16X8, |b, x, y| b.ins().ssub_sat(x, y))?
            }
            Operator::I16x8SubSatU => {
                self.binary_vector(I16X8, |b, x, y| b.ins().usub_sat(x, y))?
            }
            Operator::I8x16MinS => self.binary_vector(I8X16, |b, x, y| b.ins().smin(x, y))?,
            Operator::I8x16MinU => self.binary_vector(I8X16, |b, x, y| b.ins().umin(x, y))?,
            Operator::I8x16MaxS => self.binary_vector(I8X16, |b, x, y| b.ins().smax(x, y))?,
            Operator::I8x16MaxU => self.binary_vector(I8X16, |b, x, y| b.ins().umax(x, y))?,
            Operator::I16x8MinS => self.binary_vector(I16X8, |b, x, y| b.ins().smin(x, y))?,
            Operator::I16x8MinU => self.binary_vector(I16X8, |b, x, y| b.ins().umin(x, y))?,
            Operator::I16x8MaxS => self.binary_vector(I16X8, |b, x, y| b.ins().smax(x, y))?,
            Operator::I16x8MaxU => self.binary_vector(I16X8, |b, x, y| b.ins().umax(x, y))?,
            Operator::I32x4MinS => self.binary_vector(I32X4, |b, x, y| b.ins().smin(x, y))?,
            Operator::I32x4MinU => self.binary_vector(I32X4, |b, x, y| b.ins().umin(x, y))?,
            Operator::I32x4MaxS => self.binary_vector(I32X4, |b, x, y| b.ins().smax(x, y))?,
            Operator::I32x4MaxU => self.binary_vector(I32X4, |b, x, y| b.ins().umax(x, y))?,
            Operator::I8x16AvgrU => self.binary_vector(I8X16, |b, x, y| b.ins().avg_round(x, y))?,
            Operator::I16x8AvgrU => self.binary_vector(I16X8, |b, x, y| b.ins().avg_round(x, y))?,
            Operator::I16x8Q15MulrSatS => {
                self.binary_vector(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))?
            }

            Operator::I16x8ExtAddPairwiseI8x16S => {
                self.unary_vector(I8X16, |b, x| extadd_pairwise(b, x, true))?
            }
            Operator::I16x8ExtAddPairwiseI8x16U => {
                self.unary_vector(I8X16, |b, x| extadd_pairwise(b, x, false))?
            }
            Operator::I32x4ExtAddPairwiseI16x8S => {
                self.unary_vector(I16X8, |b, x| extadd_pairwise(b, x, true))?
            }
            Operator::I32x4ExtAddPairwiseI16x8U => {
                self.unary_vector(I16X8, |b, x| extadd_pairwise(b, x, false))?
            }
            Operator::I16x8ExtMulLowI8x16S => self.extmul_op(I8X16, Low, true)?,
            Operator::I16x8ExtMulHighI8x16S => self.extmul_op(I8X16, High, true)?,
            Operator::I16x8ExtMulLowI8x16U => self.extmul_op(I8X16, Low, false)?,
            Operator::I16x8ExtMulHighI8x16U => self.extmul_op(I8X16, High, false)?,
            Operator::I32x4ExtMulLowI16x8S => self.extmul_op(I16X8, Low, true)?,
            Operator::I32x4ExtMulHighI16x8S => self.extmul_op(I16X8, High, true)?,
            Operator::I32x4ExtMulLowI16x8U => self.extmul_op(I16X8, Low, false)?,
            Operator::I32x4ExtMulHighI16x8U => self.extmul_op(I16X8, High, false)?,
            Operator::I64x2ExtMulLowI32x4S => self.extmul_op(I32X4, Low, true)?,
            Operator::I64x2ExtMulHighI32x4S => self.extmul_op(I32X4, High, true)?,
            Operator::I64x2ExtMulLowI32x4U => self.extmul_op(I32X4, Low, false)?,
            Operator::I64x2ExtMulHighI32x4U => self.extmul_op(I32X4, High, false)?,
            Operator::I32x4DotI16x8S => self.binary_vector(I16X8, dot_pairs)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
