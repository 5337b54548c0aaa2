//! SIMD float arithmetic: comparisons, lane-wise arithmetic, rounding,
//! `min`/`max` (NaN-propagating) and `pmin`/`pmax` (pseudo-min/max).

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, condcodes::FloatCC, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

use super::cast;
use crate::translate::FuncTranslator;

/// `pmin(x, y) = y < x ? y : x` and `pmax(x, y) = x < y ? y : x`, lane-wise:
/// unlike `fmin`/`fmax` they return an operand as it is (a NaN or a zero of
/// either sign), as C's `a < b ? a : b` does.
pub fn pseudo_min_max(
    b: &mut FunctionBuilder<'_>,
    x: ir::Value,
    y: ir::Value,
    max: bool,
) -> ir::Value {
    let ty = b.func.dfg.value_type(x);
    let take_y = if max {
        b.ins().fcmp(FloatCC::LessThan, x, y)
    } else {
        b.ins().fcmp(FloatCC::LessThan, y, x)
    };
    let take_y = cast(b, take_y, ty);
    b.ins().bitselect(take_y, y, x)
}

impl FuncTranslator<'_, '_, '_, '_> {
    fn compare_float(&mut self, ty: ir::Type, cc: FloatCC) -> Result<()> {
        self.binary_vector(ty, |b, x, y| b.ins().fcmp(cc, x, y))
    }

    /// Translates a float SIMD operator; `Ok(false)` if `op` is not one.
    pub fn translate_simd_float(&mut self, op: &Operator<'_>) -> Result<bool> {
        use FloatCC::*;
        use types::{F32X4, F64X2};
        match *op {
            Operator::F32x4Eq => self.compare_float(F32X4, Equal)?,
            Operator::F32x4Ne => self.compare_float(F32X4, NotEqual)?,
            Operator::F32x4Lt => self.compare_float(F32X4, LessThan)?,
            Operator::F32x4Gt => self.compare_float(F32X4, GreaterThan)?,
            Operator::F32x4Le => self.compare_float(F32X4, LessThanOrEqual)?,
            Operator::F32x4Ge => self.compare_float(F32X4, GreaterThanOrEqual)?,
            Operator::F64x2Eq => self.compare_float(F64X2, Equal)?,
            Operator::F64x2Ne => self.compare_float(F64X2, NotEqual)?,
            Operator::F64x2Lt => self.compare_float(F64X2, LessThan)?,
            Operator::F64x2Gt => self.compare_float(F64X2, GreaterThan)?,
            Operator::F64x2Le => self.compare_float(F64X2, LessThanOrEqual)?,
            Operator::F64x2Ge => self.compare_float(F64X2, GreaterThanOrEqual)?,

            Operator::F32x4Ceil => self.unary_vector(F32X4, |b, x| b.ins().ceil(x))?,
            Operator::F32x4Floor => self.unary_vector(F32X4, |b, x| b.ins().floor(x))?,
            Operator::F32x4Trunc => self.unary_vector(F32X4, |b, x| b.ins().trunc(x))?,
            Operator::F32x4Nearest => self.unary_vector(F32X4, |b, x| b.ins().nearest(x))?,
            Operator::F32x4Abs => self.unary_vector(F32X4, |b, x| b.ins().fabs(x))?,
            Operator::F32x4Neg => self.unary_vector(F32X4, |b, x| b.ins().fneg(x))?,
            Operator::F32x4Sqrt => self.unary_vector(F32X4, |b, x| b.ins().sqrt(x))?,
            Operator::F64x2Ceil => self.unary_vector(F64X2, |b, x| b.ins().ceil(x))?,
            Operator::F64x2Floor => self.unary_vector(F64X2, |b, x| b.ins().floor(x))?,
            Operator::F64x2Trunc => self.unary_vector(F64X2, |b, x| b.ins().trunc(x))?,
            Operator::F64x2Nearest => self.unary_vector(F64X2, |b, x| b.ins().nearest(x))?,
            Operator::F64x2Abs => self.unary_vector(F64X2, |b, x| b.ins().fabs(x))?,
            Operator::F64x2Neg => self.unary_vector(F64X2, |b, x| b.ins().fneg(x))?,
            Operator::F64x2Sqrt => self.unary_vector(F64X2, |b, x| b.ins().sqrt(x))?,

            Operator::F32x4Add => self.binary_vector(F32X4, |b, x, y| b.ins().fadd(x, y))?,
            Operator::F32x4Sub => self.binary_vector(F32X4, |b, x, y| b.ins().fsub(x, y))?,
            Operator::F32x4Mul => self.binary_vector(F32X4, |b, x, y| b.ins().fmul(x, y))?,
            Operator::F32x4Div => self.binary_vector(F32X4, |b, x, y| b.ins().fdiv(x, y))?,
            Operator::F32x4Min => self.binary_vector(F32X4, |b, x, y| b.ins().fmin(x, y))?,
            Operator::F32x4Max => self.binary_vector(F32X4, |b, x, y| b.ins().fmax(x, y))?,
            Operator::F64x2Add => self.binary_vector(F64X2, |b, x, y| b.ins().fadd(x, y))?,
            Operator::F64x2Sub => self.binary_vector(F64X2, |b, x, y| b.ins().fsub(x, y))?,
            Operator::F64x2Mul => self.binary_vector(F64X2, |b, x, y| b.ins().fmul(x, y))?,
            Operator::F64x2Div => self.binary_vector(F64X2, |b, x, y| b.ins().fdiv(x, y))?,
            Operator::F64x2Min => self.binary_vector(F64X2, |b, x, y| b.ins().fmin(x, y))?,
            Operator::F64x2Max => self.binary_vector(F64X2, |b, x, y| b.ins().fmax(x, y))?,
            Operator::F32x4PMin => {
                self.binary_vector(F32X4, |b, x, y| pseudo_min_max(b, x, y, false))?
            }
            Operator::F32x4PMax => {
                self.binary_vector(F32X4, |b, x, y| pseudo_min_max(b, x, y, true))?
            }
            Operator::F64x2PMin => {
                self.binary_vector(F64X2, |b, x, y| pseudo_min_max(b, x, y, false))?
            }
            Operator::F64x2PMax => {
                self.binary_vector(F64X2, |b, x, y| pseudo_min_max(b, x, y, true))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
