//! Constants, splats, lane access, shuffles and the lane-agnostic bitwise
//! operators of SIMD.

use anyhow::Result;
use cranelift_codegen::ir::{self, ConstantData, InstBuilder, types};
use wasmparser::Operator;

use super::V128;
use crate::translate::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    /// A `v128` constant from its 16 little-endian bytes.
    pub fn v128_const(&mut self, bytes: [u8; 16]) -> ir::Value {
        let constant = self
            .builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        self.builder.ins().vconst(V128, constant)
    }

    /// `splat` of the scalar on top, narrowed to the lane type of `ty`.
    fn splat(&mut self, ty: ir::Type) -> Result<()> {
        let scalar = self.pop()?;
        let scalar = self.narrow_to_lane(scalar, ty.lane_type());
        let v = self.builder.ins().splat(ty, scalar);
        self.push_vector(v);
        Ok(())
    }

    /// An i32 operand as an i8/i16 lane (Wasm takes the low bits).
    fn narrow_to_lane(&mut self, scalar: ir::Value, lane: ir::Type) -> ir::Value {
        if self.builder.func.dfg.value_type(scalar) == lane {
            scalar
        } else {
            self.builder.ins().ireduce(lane, scalar)
        }
    }

    /// `extract_lane`; narrow integer lanes extend to i32 (`signed` or not).
    fn extract_lane(&mut self, ty: ir::Type, lane: u8, signed: bool) -> Result<()> {
        let v = self.pop_vector(ty)?;
        let x = self.builder.ins().extractlane(v, lane);
        let x = match (ty.lane_type(), signed) {
            (types::I8 | types::I16, true) => self.builder.ins().sextend(types::I32, x),
            (types::I8 | types::I16, false) => self.builder.ins().uextend(types::I32, x),
            _ => x,
        };
        self.push(x);
        Ok(())
    }

    fn replace_lane(&mut self, ty: ir::Type, lane: u8) -> Result<()> {
        let scalar = self.pop()?;
        let v = self.pop_vector(ty)?;
        let scalar = self.narrow_to_lane(scalar, ty.lane_type());
        let r = self.builder.ins().insertlane(v, scalar, lane);
        self.push_vector(r);
        Ok(())
    }

    /// Translates constants, lanes, shuffles and bitwise operators.
    pub fn translate_simd_lanes(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32X4, F64X2, I8X16, I16X8, I32X4, I64X2};
        match *op {
            Operator::V128Const { value } => {
                let v = self.v128_const(*value.bytes());
                self.push(v);
            }
            Operator::I8x16Shuffle { lanes } => {
                let (a, b) = self.pop2_vector(I8X16)?;
                let mask = self
                    .builder
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(lanes.to_vec()));
                let r = self.builder.ins().shuffle(a, b, mask);
                self.push_vector(r);
            }
            Operator::I8x16Swizzle => self.binary_vector(I8X16, |b, x, y| b.ins().swizzle(x, y))?,
            Operator::I8x16Splat => self.splat(I8X16)?,
            Operator::I16x8Splat => self.splat(I16X8)?,
            Operator::I32x4Splat => self.splat(I32X4)?,
            Operator::I64x2Splat => self.splat(I64X2)?,
            Operator::F32x4Splat => self.splat(F32X4)?,
            Operator::F64x2Splat => self.splat(F64X2)?,
            Operator::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, true)?,
            Operator::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, false)?,
            Operator::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, true)?,
            Operator::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, false)?,
            Operator::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, false)?,
            Operator::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, false)?,
            Operator::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, false)?,
            Operator::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, false)?,
            Operator::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane)?,
            Operator::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane)?,
            Operator::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane)?,
            Operator::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane)?,
            Operator::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane)?,
            Operator::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane)?,
            Operator::V128Not => self.unary_vector(V128, |b, x| b.ins().bnot(x))?,
            Operator::V128And => self.binary_vector(V128, |b, x, y| b.ins().band(x, y))?,
            Operator::V128AndNot => self.binary_vector(V128, |b, x, y| b.ins().band_not(x, y))?,
            Operator::V128Or => self.binary_vector(V128, |b, x, y| b.ins().bor(x, y))?,
            Operator::V128Xor => self.binary_vector(V128, |b, x, y| b.ins().bxor(x, y))?,
            Operator::V128Bitselect => {
                let mask = self.pop_vector(V128)?;
                let (a, b) = self.pop2_vector(V128)?;
                let r = self.builder.ins().bitselect(mask, a, b);
                self.push_vector(r);
            }
            Operator::V128AnyTrue => {
                let v = self.pop_vector(V128)?;
                let any = self.builder.ins().vany_true(v);
                self.push_bool(any);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
