//! SIMD: Wasm `v128` operators as Cranelift vector IR.
//!
//! # Representation
//! A `v128` on the operand stack, in locals, globals, block parameters and
//! signatures is always an `I8X16` value ([`super::env::clif_type`]). An
//! operator views its operands as the lane type it needs (`I32X4`, `F64X2`,
//! …) with a little-endian `bitcast`, and its result is cast back to
//! `I8X16` before it is pushed. One canonical type means control flow never
//! has to reconcile two shapes of the same value (a block parameter has
//! one type, but the branches into it could otherwise push `I32X4` on one
//! edge and `F32X4` on the other); the casts are free, register moves at
//! most, and Cranelift folds a cast of a cast.
//!
//! Only plain Cranelift vector instructions are generated (no
//! ISA-specific ones such as `x86_pshufb`), so a target without a vector
//! unit can rewrite the IR into scalar code (see [`needs_scalar_simd`]).
//!
//! The operators are split by concept: [`lanes`] (constants, splats, lane
//! access, shuffles, bitwise), [`integer`], [`float`], [`convert`]
//! (conversions, narrowing and widening), [`memory`] (v128 loads and
//! stores) and [`relaxed`] (relaxed SIMD, one deterministic choice each).

pub mod convert;
pub mod float;
pub mod integer;
pub mod lanes;
pub mod memory;
pub mod relaxed;

use anyhow::Result;
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

use super::FuncTranslator;

/// The canonical type of a `v128` value.
pub const V128: ir::Type = types::I8X16;

/// Flags of a lane-reinterpreting `bitcast`: Wasm lanes are little-endian.
pub fn bitcast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// `v` viewed as vector type `ty` (no instruction if it already is one).
pub fn cast(builder: &mut FunctionBuilder<'_>, v: ir::Value, ty: ir::Type) -> ir::Value {
    if builder.func.dfg.value_type(v) == ty {
        v
    } else {
        builder.ins().bitcast(ty, bitcast_flags(), v)
    }
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Pops a `v128` viewed as `ty`.
    pub fn pop_vector(&mut self, ty: ir::Type) -> Result<ir::Value> {
        let v = self.pop()?;
        Ok(cast(&mut self.builder, v, ty))
    }

    /// Pops two `v128`s `(a, b)` (`b` was on top), both viewed as `ty`.
    pub fn pop2_vector(&mut self, ty: ir::Type) -> Result<(ir::Value, ir::Value)> {
        let b = self.pop_vector(ty)?;
        let a = self.pop_vector(ty)?;
        Ok((a, b))
    }

    /// Pushes a vector of any lane type as the canonical `v128`.
    pub fn push_vector(&mut self, v: ir::Value) {
        let v = cast(&mut self.builder, v, V128);
        self.push(v);
    }

    /// `op` applied to one `v128` viewed as `ty`.
    pub fn unary_vector(
        &mut self,
        ty: ir::Type,
        op: impl FnOnce(&mut FunctionBuilder<'_>, ir::Value) -> ir::Value,
    ) -> Result<()> {
        let a = self.pop_vector(ty)?;
        let r = op(&mut self.builder, a);
        self.push_vector(r);
        Ok(())
    }

    /// `op` applied to two `v128`s viewed as `ty`.
    pub fn binary_vector(
        &mut self,
        ty: ir::Type,
        op: impl FnOnce(&mut FunctionBuilder<'_>, ir::Value, ir::Value) -> ir::Value,
    ) -> Result<()> {
        let (a, b) = self.pop2_vector(ty)?;
        let r = op(&mut self.builder, a, b);
        self.push_vector(r);
        Ok(())
    }

    /// Translates a SIMD operator; `Ok(false)` if `op` is not one.
    pub fn translate_simd(&mut self, op: &Operator<'_>) -> Result<bool> {
        Ok(self.translate_simd_lanes(op)?
            || self.translate_simd_integer(op)?
            || self.translate_simd_float(op)?
            || self.translate_simd_convert(op)?
            || self.translate_simd_memory(op)?
            || self.translate_relaxed_simd(op)?)
    }
}

/// Whether code for `isa` must not contain vector IR: riscv64 without the
/// V extension has no vector registers, and Cranelift lowers no vector
/// instruction there. x86_64 (SSE2 at least) and aarch64 (NEON) always
/// have a vector unit.
///
/// This is the one place that decides; the call site before code
/// generation (`emit/functions.rs`, and `emit::define_declared_function`
/// for trampolines and `instantiate`) runs the scalarize pass there.
pub fn needs_scalar_simd(isa: &dyn cranelift_codegen::isa::TargetIsa) -> bool {
    use target_lexicon::Architecture;
    matches!(isa.triple().architecture, Architecture::Riscv64(_))
        && !isa
            .isa_flags()
            .iter()
            .any(|flag| flag.name == "has_v" && flag.as_bool() == Some(true))
}

/// Whether `func` has any vector value (a Wasm `v128` anywhere in it).
pub fn uses_vectors(func: &ir::Function) -> bool {
    func.dfg
        .values()
        .any(|v| func.dfg.value_type(v).is_vector())
        || func
            .signature
            .params
            .iter()
            .any(|p| p.value_type.is_vector())
        || func
            .signature
            .returns
            .iter()
            .any(|p| p.value_type.is_vector())
}
