//! Where a function's locals live.
//!
//! Normally each local is a Cranelift variable, so it becomes SSA values in
//! registers. Cranelift's SSA construction, though, records a variable's
//! value in every block a read walks back through: a function that reads
//! many locals after a long chain of branches costs locals × blocks entries
//! (50 000 locals read after 20 000 `br_if`s: 4 GiB, 130 s). When that
//! product could exceed [`MAX_LOCAL_BLOCK_PAIRS`], the function's locals
//! live in one stack slot instead: loads and stores, slower code, but
//! memory and time proportional to the body.

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, StackSlotData, StackSlotKind, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use wasmparser::{FunctionBody, Operator};

use super::env::POINTER;

/// Most (local, Cranelift block) pairs a function may make the SSA
/// construction record, 4 bytes each: 256 MiB.
pub const MAX_LOCAL_BLOCK_PAIRS: u64 = 64 << 20;

/// Where one local lives.
#[derive(Clone, Copy)]
pub enum Local {
    Variable(Variable),
    /// At `offset` in the function's locals slot.
    Memory {
        slot: ir::StackSlot,
        offset: i32,
        ty: ir::Type,
    },
}

/// Bytes each local takes in the locals slot: every scalar fits in 8; a
/// function with a `v128` local uses 16 for all, so each sits aligned.
fn slot_stride(types: &[ir::Type]) -> u32 {
    if types.iter().any(|t| t.is_vector()) {
        16
    } else {
        8
    }
}

/// Whether `body`, with `num_locals` locals (parameters included), must
/// keep its locals in memory to stay within [`MAX_LOCAL_BLOCK_PAIRS`].
pub fn needs_memory_locals(num_locals: usize, body: &FunctionBody<'_>) -> Result<bool> {
    let num_locals = num_locals as u64;
    // Every operator that creates Cranelift blocks is at least two bytes,
    // so half the body size bounds the blocks without reading the code.
    let body_bytes = body.get_binary_reader().bytes_remaining() as u64;
    if num_locals * (body_bytes / 2 + 2) <= MAX_LOCAL_BLOCK_PAIRS {
        return Ok(false);
    }
    Ok(num_locals * count_blocks(body)? > MAX_LOCAL_BLOCK_PAIRS)
}

/// An upper bound of the Cranelift blocks the translator creates for `body`.
fn count_blocks(body: &FunctionBody<'_>) -> Result<u64> {
    let mut blocks = 2; // entry and return
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        blocks += match ops.read()? {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::BrIf { .. } => 1,
            Operator::If { .. } => 3,
            Operator::BrTable { targets } => u64::from(targets.len()) + 1,
            _ => 0,
        };
    }
    Ok(blocks)
}

/// Declares the locals of types `types` (parameters first, their values in
/// `params`; the others start at zero), as variables or in one stack slot.
pub fn declare_locals(
    builder: &mut FunctionBuilder<'_>,
    types: &[ir::Type],
    params: &[ir::Value],
    in_memory: bool,
) -> Vec<Local> {
    let stride = slot_stride(types);
    let slot = in_memory.then(|| {
        builder.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            types.len() as u32 * stride,
            stride.trailing_zeros() as u8,
        ))
    });
    let mut locals = Vec::with_capacity(types.len());
    for (index, &ty) in types.iter().enumerate() {
        let initial = match params.get(index) {
            Some(&param) => param,
            None => match ty {
                types::F32 => builder.ins().f32const(0.0),
                types::F64 => builder.ins().f64const(0.0),
                t if t.is_vector() => {
                    let zero = builder.ins().iconst(types::I64, 0);
                    let zero = builder.ins().splat(types::I64X2, zero);
                    super::simd::cast(builder, zero, t)
                }
                t => builder.ins().iconst(t, 0),
            },
        };
        let local = match slot {
            Some(slot) => Local::Memory {
                slot,
                offset: (index as u32 * stride) as i32,
                ty,
            },
            None => Local::Variable(builder.declare_var(ty)),
        };
        set(builder, local, initial);
        locals.push(local);
    }
    locals
}

/// The current value of `local`.
pub fn get(builder: &mut FunctionBuilder<'_>, local: Local) -> ir::Value {
    match local {
        Local::Variable(var) => builder.use_var(var),
        Local::Memory { slot, offset, ty } => builder.ins().stack_load(POINTER, ty, slot, offset),
    }
}

/// Sets `local` to `value`.
pub fn set(builder: &mut FunctionBuilder<'_>, local: Local, value: ir::Value) {
    match local {
        Local::Variable(var) => builder.def_var(var, value),
        Local::Memory { slot, offset, .. } => {
            builder.ins().stack_store(POINTER, value, slot, offset);
        }
    }
}
