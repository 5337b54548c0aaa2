//! SIMD conversions: int/float conversions, narrowing with saturation,
//! widening (`extend_low/high`), float demotion and promotion.

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

use super::integer::{Half, widen};
use crate::translate::FuncTranslator;

/// The two f64 lanes of `x` truncated (saturating) to i32 in the low half
/// of an `I32X4`, the high half zero (`trunc_sat_f64x2_*_zero`).
pub fn trunc_sat_f64x2_zero(b: &mut FunctionBuilder<'_>, x: ir::Value, signed: bool) -> ir::Value {
    let zero = b.ins().iconst(types::I64, 0);
    let zero = b.ins().splat(types::I64X2, zero);
    if signed {
        let wide = b.ins().fcvt_to_sint_sat(types::I64X2, x);
        b.ins().snarrow(wide, zero)
    } else {
        let wide = b.ins().fcvt_to_uint_sat(types::I64X2, x);
        b.ins().uunarrow(wide, zero)
    }
}

impl FuncTranslator<'_, '_, '_, '_> {
    fn extend(&mut self, narrow: ir::Type, half: Half, signed: bool) -> Result<()> {
        self.unary_vector(narrow, |b, x| widen(b, x, half, signed))
    }

    /// Translates a SIMD conversion; `Ok(false)` if `op` is not one.
    pub fn translate_simd_convert(&mut self, op: &Operator<'_>) -> Result<bool> {
        use Half::{High, Low};
        use types::{F32X4, F64X2, I8X16, I16X8, I32X4};
        match *op {
            Operator::I8x16NarrowI16x8S => {
                self.binary_vector(I16X8, |b, x, y| b.ins().snarrow(x, y))?
            }
            Operator::I8x16NarrowI16x8U => {
                self.binary_vector(I16X8, |b, x, y| b.ins().unarrow(x, y))?
            }
            Operator::I16x8NarrowI32x4S => {
                self.binary_vector(I32X4, |b, x, y| b.ins().snarrow(x, y))?
            }
            Operator::I16x8NarrowI32x4U => {
                self.binary_vector(I32X4, |b, x, y| b.ins().unarrow(x, y))?
            }
            Operator::I16x8ExtendLowI8x16S => self.extend(I8X16, Low, true)?,
            Operator::I16x8ExtendHighI8x16S => self.extend(I8X16, High, true)?,
            Operator::I16x8ExtendLowI8x16U => self.extend(I8X16, Low, false)?,
            Operator::I16x8ExtendHighI8x16U => self.extend(I8X16, High, false)?,
            Operator::I32x4ExtendLowI16x8S => self.extend(I16X8, Low, true)?,
            Operator::I32x4ExtendHighI16x8S => self.extend(I16X8, High, true)?,
            Operator::I32x4ExtendLowI16x8U => self.extend(I16X8, Low, false)?,
            Operator::I32x4ExtendHighI16x8U => self.extend(I16X8, High, false)?,
            Operator::I64x2ExtendLowI32x4S => self.extend(I32X4, Low, true)?,
            Operator::I64x2ExtendHighI32x4S => self.extend(I32X4, High, true)?,
            Operator::I64x2ExtendLowI32x4U => self.extend(I32X4, Low, false)?,
            Operator::I64x2ExtendHighI32x4U => self.extend(I32X4, High, false)?,
            Operator::I32x4TruncSatF32x4S => {
                self.unary_vector(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))?
            }
            Operator::I32x4TruncSatF32x4U => {
                self.unary_vector(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))?
            }
            Operator::I32x4TruncSatF64x2SZero => {
                self.unary_vector(F64X2, |b, x| trunc_sat_f64x2_zero(b, x, true))?
            }
            Operator::I32x4TruncSatF64x2UZero => {
                self.unary_vector(F64X2, |b, x| trunc_sat_f64x2_zero(b, x, false))?
            }
            Operator::F32x4ConvertI32x4S => {
                self.unary_vector(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x))?
            }
            Operator::F32x4ConvertI32x4U => {
                self.unary_vector(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x))?
            }
            Operator::F64x2ConvertLowI32x4S => self.unary_vector(I32X4, |b, x| {
                let wide = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, wide)
            })?,
            Operator::F64x2ConvertLowI32x4U => self.unary_vector(I32X4, |b, x| {
                let wide = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, wide)
            })?,
            Operator::F32x4DemoteF64x2Zero => {
                self.unary_vector(F64X2, |b, x| b.ins().fvdemote(x))?
            }
            Operator::F64x2PromoteLowF32x4 => {
                self.unary_vector(F32X4, |b, x| b.ins().fvpromote_low(x))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
