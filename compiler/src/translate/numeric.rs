//! Numeric operators: constants, integer and float arithmetic, comparisons,
//! conversions, sign extension, `drop` and `select`.
//!
//! Cranelift's semantics were designed to match Wasm's for these: shifts
//! and rotates mask their amount, `sdiv`/`udiv`/`srem`/`urem` trap on zero
//! and on signed overflow (`srem` of MIN by -1 is 0), `fmin`/`fmax`
//! propagate NaN and order -0 below +0, and `fcvt_to_*int` trap with the
//! overflow and invalid-conversion codes. So most operators map one to one.

use anyhow::Result;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
use wasmparser::Operator;

use super::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    fn unary(
        &mut self,
        f: impl FnOnce(&mut Self, cranelift_codegen::ir::Value) -> cranelift_codegen::ir::Value,
    ) -> Result<()> {
        let a = self.pop()?;
        let r = f(self, a);
        self.push(r);
        Ok(())
    }

    fn binary(
        &mut self,
        f: impl FnOnce(
            &mut Self,
            cranelift_codegen::ir::Value,
            cranelift_codegen::ir::Value,
        ) -> cranelift_codegen::ir::Value,
    ) -> Result<()> {
        let (a, b) = self.pop2()?;
        let r = f(self, a, b);
        self.push(r);
        Ok(())
    }

    fn icmp(&mut self, cc: IntCC) -> Result<()> {
        let (a, b) = self.pop2()?;
        let r = self.builder.ins().icmp(cc, a, b);
        self.push_bool(r);
        Ok(())
    }

    fn fcmp(&mut self, cc: FloatCC) -> Result<()> {
        let (a, b) = self.pop2()?;
        let r = self.builder.ins().fcmp(cc, a, b);
        self.push_bool(r);
        Ok(())
    }

    fn eqz(&mut self) -> Result<()> {
        let a = self.pop()?;
        let r = self.builder.ins().icmp_imm_s(IntCC::Equal, a, 0);
        self.push_bool(r);
        Ok(())
    }

    /// Sign-extends the low `from` bits of an integer of type `ty` in place.
    fn extend_low(&mut self, from: types::Type, ty: types::Type) -> Result<()> {
        self.unary(|t, a| {
            let low = t.builder.ins().ireduce(from, a);
            t.builder.ins().sextend(ty, low)
        })
    }

    /// Translates a numeric operator; `Ok(false)` if `op` is not one.
    pub fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32, F64, I32, I64};
        match *op {
            Operator::Drop => {
                self.pop()?;
            }
            Operator::Select | Operator::TypedSelect { .. } | Operator::TypedSelectMulti { .. } => {
                let condition = self.pop()?;
                let (a, b) = self.pop2()?;
                let r = self.select(condition, a, b);
                self.push(r);
            }
            Operator::I32Const { value } => {
                let v = self.builder.ins().iconst(I32, i64::from(value));
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.builder.ins().iconst(I64, value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v = self.builder.ins().f32const(
                    cranelift_codegen::ir::immediates::Ieee32::with_bits(value.bits()),
                );
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v = self.builder.ins().f64const(
                    cranelift_codegen::ir::immediates::Ieee64::with_bits(value.bits()),
                );
                self.push(v);
            }

            // Integer comparisons.
            Operator::I32Eqz | Operator::I64Eqz => self.eqz()?,
            Operator::I32Eq | Operator::I64Eq => self.icmp(IntCC::Equal)?,
            Operator::I32Ne | Operator::I64Ne => self.icmp(IntCC::NotEqual)?,
            Operator::I32LtS | Operator::I64LtS => self.icmp(IntCC::SignedLessThan)?,
            Operator::I32LtU | Operator::I64LtU => self.icmp(IntCC::UnsignedLessThan)?,
            Operator::I32GtS | Operator::I64GtS => self.icmp(IntCC::SignedGreaterThan)?,
            Operator::I32GtU | Operator::I64GtU => self.icmp(IntCC::UnsignedGreaterThan)?,
            Operator::I32LeS | Operator::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual)?,
            Operator::I32LeU | Operator::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual)?,
            Operator::I32GeS | Operator::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual)?,
            Operator::I32GeU | Operator::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual)?,

            // Float comparisons.
            Operator::F32Eq | Operator::F64Eq => self.fcmp(FloatCC::Equal)?,
            Operator::F32Ne | Operator::F64Ne => self.fcmp(FloatCC::NotEqual)?,
            Operator::F32Lt | Operator::F64Lt => self.fcmp(FloatCC::LessThan)?,
            Operator::F32Gt | Operator::F64Gt => self.fcmp(FloatCC::GreaterThan)?,
            Operator::F32Le | Operator::F64Le => self.fcmp(FloatCC::LessThanOrEqual)?,
            Operator::F32Ge | Operator::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual)?,

            // Integer arithmetic.
            Operator::I32Clz | Operator::I64Clz => self.unary(|t, a| t.builder.ins().clz(a))?,
            Operator::I32Ctz | Operator::I64Ctz => self.unary(|t, a| t.builder.ins().ctz(a))?,
            Operator::I32Popcnt | Operator::I64Popcnt => {
                self.unary(|t, a| t.builder.ins().popcnt(a))?
            }
            Operator::I32Add | Operator::I64Add => {
                self.binary(|t, a, b| t.builder.ins().iadd(a, b))?
            }
            Operator::I32Sub | Operator::I64Sub => {
                self.binary(|t, a, b| t.builder.ins().isub(a, b))?
            }
            Operator::I32Mul | Operator::I64Mul => {
                self.binary(|t, a, b| t.builder.ins().imul(a, b))?
            }
            Operator::I32DivS | Operator::I64DivS => {
                self.binary(|t, a, b| t.builder.ins().sdiv(a, b))?
            }
            Operator::I32DivU | Operator::I64DivU => {
                self.binary(|t, a, b| t.builder.ins().udiv(a, b))?
            }
            Operator::I32RemS | Operator::I64RemS => {
                self.binary(|t, a, b| t.builder.ins().srem(a, b))?
            }
            Operator::I32RemU | Operator::I64RemU => {
                self.binary(|t, a, b| t.builder.ins().urem(a, b))?
            }
            Operator::I32And | Operator::I64And => {
                self.binary(|t, a, b| t.builder.ins().band(a, b))?
            }
            Operator::I32Or | Operator::I64Or => {
                self.binary(|t, a, b| t.builder.ins().bor(a, b))?
            }
            Operator::I32Xor | Operator::I64Xor => {
                self.binary(|t, a, b| t.builder.ins().bxor(a, b))?
            }
            Operator::I32Shl | Operator::I64Shl => {
                self.binary(|t, a, b| t.builder.ins().ishl(a, b))?
            }
            Operator::I32ShrS | Operator::I64ShrS => {
                self.binary(|t, a, b| t.builder.ins().sshr(a, b))?
            }
            Operator::I32ShrU | Operator::I64ShrU => {
                self.binary(|t, a, b| t.builder.ins().ushr(a, b))?
            }
            Operator::I32Rotl | Operator::I64Rotl => {
                self.binary(|t, a, b| t.builder.ins().rotl(a, b))?
            }
            Operator::I32Rotr | Operator::I64Rotr => {
                self.binary(|t, a, b| t.builder.ins().rotr(a, b))?
            }

            // Float arithmetic.
            Operator::F32Abs | Operator::F64Abs => self.unary(|t, a| t.builder.ins().fabs(a))?,
            Operator::F32Neg | Operator::F64Neg => self.unary(|t, a| t.builder.ins().fneg(a))?,
            Operator::F32Ceil | Operator::F64Ceil => self.unary(|t, a| t.builder.ins().ceil(a))?,
            Operator::F32Floor | Operator::F64Floor => {
                self.unary(|t, a| t.builder.ins().floor(a))?
            }
            Operator::F32Trunc | Operator::F64Trunc => {
                self.unary(|t, a| t.builder.ins().trunc(a))?
            }
            Operator::F32Nearest | Operator::F64Nearest => {
                self.unary(|t, a| t.builder.ins().nearest(a))?
            }
            Operator::F32Sqrt | Operator::F64Sqrt => self.unary(|t, a| t.builder.ins().sqrt(a))?,
            Operator::F32Add | Operator::F64Add => {
                self.binary(|t, a, b| t.builder.ins().fadd(a, b))?
            }
            Operator::F32Sub | Operator::F64Sub => {
                self.binary(|t, a, b| t.builder.ins().fsub(a, b))?
            }
            Operator::F32Mul | Operator::F64Mul => {
                self.binary(|t, a, b| t.builder.ins().fmul(a, b))?
            }
            Operator::F32Div | Operator::F64Div => {
                self.binary(|t, a, b| t.builder.ins().fdiv(a, b))?
            }
            Operator::F32Min | Operator::F64Min => {
                self.binary(|t, a, b| t.builder.ins().fmin(a, b))?
            }
            Operator::F32Max | Operator::F64Max => {
                self.binary(|t, a, b| t.builder.ins().fmax(a, b))?
            }
            Operator::F32Copysign | Operator::F64Copysign => {
                self.binary(|t, a, b| t.builder.ins().fcopysign(a, b))?
            }

            // Integer width changes and sign extension.
            Operator::I32WrapI64 => self.unary(|t, a| t.builder.ins().ireduce(I32, a))?,
            Operator::I64ExtendI32S => self.unary(|t, a| t.builder.ins().sextend(I64, a))?,
            Operator::I64ExtendI32U => self.unary(|t, a| t.builder.ins().uextend(I64, a))?,
            Operator::I32Extend8S => self.extend_low(types::I8, I32)?,
            Operator::I32Extend16S => self.extend_low(types::I16, I32)?,
            Operator::I64Extend8S => self.extend_low(types::I8, I64)?,
            Operator::I64Extend16S => self.extend_low(types::I16, I64)?,
            Operator::I64Extend32S => self.extend_low(I32, I64)?,

            // Float to integer, trapping.
            Operator::I32TruncF32S | Operator::I32TruncF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint(I32, a))?
            }
            Operator::I32TruncF32U | Operator::I32TruncF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint(I32, a))?
            }
            Operator::I64TruncF32S | Operator::I64TruncF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint(I64, a))?
            }
            Operator::I64TruncF32U | Operator::I64TruncF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint(I64, a))?
            }
            // Float to integer, saturating.
            Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint_sat(I32, a))?
            }
            Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint_sat(I32, a))?
            }
            Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint_sat(I64, a))?
            }
            Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint_sat(I64, a))?
            }
            // Integer to float.
            Operator::F32ConvertI32S | Operator::F32ConvertI64S => {
                self.unary(|t, a| t.builder.ins().fcvt_from_sint(F32, a))?
            }
            Operator::F32ConvertI32U | Operator::F32ConvertI64U => {
                self.unary(|t, a| t.builder.ins().fcvt_from_uint(F32, a))?
            }
            Operator::F64ConvertI32S | Operator::F64ConvertI64S => {
                self.unary(|t, a| t.builder.ins().fcvt_from_sint(F64, a))?
            }
            Operator::F64ConvertI32U | Operator::F64ConvertI64U => {
                self.unary(|t, a| t.builder.ins().fcvt_from_uint(F64, a))?
            }
            Operator::F32DemoteF64 => self.unary(|t, a| t.builder.ins().fdemote(F32, a))?,
            Operator::F64PromoteF32 => self.unary(|t, a| t.builder.ins().fpromote(F64, a))?,
            // Reinterpretations.
            Operator::I32ReinterpretF32 => {
                self.unary(|t, a| t.builder.ins().bitcast(I32, MemFlagsData::new(), a))?
            }
            Operator::I64ReinterpretF64 => {
                self.unary(|t, a| t.builder.ins().bitcast(I64, MemFlagsData::new(), a))?
            }
            Operator::F32ReinterpretI32 => {
                self.unary(|t, a| t.builder.ins().bitcast(F32, MemFlagsData::new(), a))?
            }
            Operator::F64ReinterpretI64 => {
                self.unary(|t, a| t.builder.ins().bitcast(F64, MemFlagsData::new(), a))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
