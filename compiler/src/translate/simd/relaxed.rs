//! Relaxed SIMD with one deterministic behaviour per operator, the same on
//! every ISA, so a module gives the same results on every board (the table
//! and its reasons are in docs/simd.md):
//!
//! | operator | behaviour |
//! |---|---|
//! | `relaxed_swizzle` | `swizzle` (an index ≥ 16 gives 0) |
//! | `relaxed_trunc*` | `trunc_sat*` (NaN → 0, out of range saturates) |
//! | `relaxed_madd/nmadd` | unfused: `a*b + c` and `-(a*b) + c`, two roundings |
//! | `relaxed_laneselect` | `bitselect` (every bit of the mask counts) |
//! | `relaxed_min/max` | `min/max` (NaN-propagating, `-0 < +0`) |
//! | `relaxed_q15mulr_s` | `q15mulr_sat_s` |
//! | `relaxed_dot_i8x16_i7x16_s` | signed × signed, pair sums wrap to i16 |
//! | `relaxed_dot_i8x16_i7x16_add_s` | the i16 dot, `extadd_pairwise_s` to i32, plus `c` |

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, types};
use wasmparser::Operator;

use super::convert::trunc_sat_f64x2_zero;
use super::integer::{dot_pairs, extadd_pairwise};
use crate::translate::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    /// `a * b + c` (or `-(a * b) + c` when `negate`), rounded twice.
    fn multiply_add(&mut self, ty: ir::Type, negate: bool) -> Result<()> {
        let c = self.pop_vector(ty)?;
        let (a, b) = self.pop2_vector(ty)?;
        let product = self.builder.ins().fmul(a, b);
        let product = if negate {
            self.builder.ins().fneg(product)
        } else {
            product
        };
        let r = self.builder.ins().fadd(product, c);
        self.push_vector(r);
        Ok(())
    }

    fn laneselect(&mut self) -> Result<()> {
        let mask = self.pop_vector(super::V128)?;
        let (a, b) = self.pop2_vector(super::V128)?;
        let r = self.builder.ins().bitselect(mask, a, b);
        self.push_vector(r);
        Ok(())
    }

    /// Translates a relaxed SIMD operator; `Ok(false)` if `op` is not one.
    pub fn translate_relaxed_simd(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32X4, F64X2, I8X16, I16X8, I32X4};
        match *op {
            Operator::I8x16RelaxedSwizzle => {
                self.binary_vector(I8X16, |b, x, y| b.ins().swizzle(x, y))?
            }
            Operator::I32x4RelaxedTruncF32x4S => {
                self.unary_vector(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))?
            }
            Operator::I32x4RelaxedTruncF32x4U => {
                self.unary_vector(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))?
            }
            Operator::I32x4RelaxedTruncF64x2SZero => {
                self.unary_vector(F64X2, |b, x| trunc_sat_f64x2_zero(b, x, true))?
            }
            Operator::I32x4RelaxedTruncF64x2UZero => {
                self.unary_vector(F64X2, |b, x| trunc_sat_f64x2_zero(b, x, false))?
            }
            Operator::F32x4RelaxedMadd => self.multiply_add(F32X4, false)?,
            Operator::F32x4RelaxedNmadd => self.multiply_add(F32X4, true)?,
            Operator::F64x2RelaxedMadd => self.multiply_add(F64X2, false)?,
            Operator::F64x2RelaxedNmadd => self.multiply_add(F64X2, true)?,
            Operator::I8x16RelaxedLaneselect
            | Operator::I16x8RelaxedLaneselect
            | Operator::I32x4RelaxedLaneselect
            | Operator::I64x2RelaxedLaneselect => self.laneselect()?,
            Operator::F32x4RelaxedMin => self.binary_vector(F32X4, |b, x, y| b.ins().fmin(x, y))?,
            Operator::F32x4RelaxedMax => self.binary_vector(F32X4, |b, x, y| b.ins().fmax(x, y))?,
            Operator::F64x2RelaxedMin => self.binary_vector(F64X2, |b, x, y| b.ins().fmin(x, y))?,
            Operator::F64x2RelaxedMax => self.binary_vector(F64X2, |b, x, y| b.ins().fmax(x, y))?,
            Operator::I16x8RelaxedQ15mulrS => {
                self.binary_vector(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))?
            }
            Operator::I16x8RelaxedDotI8x16I7x16S => self.binary_vector(I8X16, dot_pairs)?,
            Operator::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_vector(I32X4)?;
                let (a, b) = self.pop2_vector(I8X16)?;
                let dot16 = dot_pairs(&mut self.builder, a, b);
                let dot32 = extadd_pairwise(&mut self.builder, dot16, true);
                let r = self.builder.ins().iadd(dot32, c);
                self.push_vector(r);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
