//! Vector IR lowered to scalar IR, for ISAs without a vector unit.
//!
//! Cranelift's riscv64 backend compiles vector types (`I8X16`, `F32X4`, …)
//! only with the V extension; wafer's default riscv64 preset (`rv64gc`) and
//! boards like the FU540 of `sifive-u` have none. [`run`] rewrites a
//! finished function so that no value, block parameter, signature or
//! memory access has a vector type left, with the same semantics (each
//! instruction as Cranelift's `InstBuilder` documents it).
//!
//! Representation (why, and what it costs: docs/simd-scalar.md):
//! - inside a block a vector is its lanes, one scalar value per lane in the
//!   lane type (`I32X4` is 4 `I32` values), so a lane operation is the same
//!   scalar instruction and Cranelift's optimiser and register allocator
//!   see ordinary scalar code;
//! - across blocks, calls and signatures a vector is two `I64` (low half,
//!   high half: [`scalar_abi_params`]), one rule whatever the lane type,
//!   and two registers rather than sixteen for the translator's `I8X16`;
//! - the halves of a vector are kept when known (loads, parameters), so
//!   packing it again is free, and a `bitcast` reuses lanes of the wanted
//!   width from earlier in its chain, else unpacks the halves (lanes are
//!   little-endian in the 128-bit value).
//!
//! The pass is split by concept: [`lanes`] (the value map and packing),
//! [`abi`] (signatures, calls, returns), [`control`] (block parameters and
//! branches), [`memory`] (loads and stores), [`integer`], [`float`] and
//! [`permute`] (lane moves: splat, shuffle, swizzle, narrowing, widening);
//! [`swar`] does bitwise operations, `iadd` and `isub` on the halves.
//! An instruction on a vector type that none of them knows is an error
//! naming it, never a panic and never a guess.

mod abi;
mod control;
mod float;
mod integer;
mod lanes;
mod memory;
mod permute;
mod swar;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result, bail};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{self, Inst, InstBuilder, Opcode, Type, Value};

pub use abi::scalar_abi_params;
use lanes::LaneMap;

/// Rewrites `func` so that it uses no vector type; a function without
/// vectors is left as it is.
///
/// # Errors
/// An instruction on a vector type that has no scalar lowering here (named
/// in the error), a vector of another size than 128 bits, big-endian vector
/// memory accesses, and vector values in exception-handling calls.
pub fn run(func: &mut ir::Function) -> Result<()> {
    if !uses_vectors(func) {
        return Ok(());
    }
    let name = func.name.to_string();
    rewrite(func).with_context(|| format!("lowering the vector code of {name} to scalar code"))
}

fn rewrite(func: &mut ir::Function) -> Result<()> {
    let order = blocks_dominators_first(func);
    let mut map = LaneMap::default();
    abi::rewrite_signatures(func)?;
    control::rewrite_block_params(func, &mut map)?;
    for block in order {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            if involves_vectors(func, inst) {
                let opcode = func.dfg.insts[inst].opcode();
                lower(func, &mut map, inst).with_context(|| format!("at `{opcode}`"))?;
            }
        }
    }
    Ok(())
}

/// The reachable blocks, each after its dominators, so every vector value
/// is lowered before its uses; unreachable blocks are removed (nothing
/// branches to them, and their values may be defined nowhere reachable).
fn blocks_dominators_first(func: &mut ir::Function) -> Vec<ir::Block> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let all: Vec<ir::Block> = func.layout.blocks().collect();
    for block in all {
        if !domtree.is_reachable(block) {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                func.layout.remove_inst(inst);
            }
            func.layout.remove_block(block);
        }
    }
    domtree.cfg_rpo().copied().collect()
}

/// Whether a type is one this pass removes.
pub(crate) fn is_vector(ty: Type) -> bool {
    ty.is_vector() || ty.is_dynamic_vector()
}

fn uses_vectors(func: &ir::Function) -> bool {
    let sig = |s: &ir::Signature| {
        s.params
            .iter()
            .chain(&s.returns)
            .any(|p| is_vector(p.value_type))
    };
    sig(&func.signature)
        || func.dfg.signatures.values().any(sig)
        || func.layout.blocks().any(|block| {
            func.dfg
                .block_params(block)
                .iter()
                .any(|&v| is_vector(func.dfg.value_type(v)))
                || func
                    .layout
                    .block_insts(block)
                    .any(|inst| involves_vectors(func, inst))
        })
}

/// Whether an instruction reads or defines a vector value, directly or as
/// a branch argument.
fn involves_vectors(func: &ir::Function, inst: Inst) -> bool {
    let dfg = &func.dfg;
    let vector = |v: &Value| is_vector(dfg.value_type(*v));
    if dfg.inst_args(inst).iter().any(vector) || dfg.inst_results(inst).iter().any(vector) {
        return true;
    }
    dfg.insts[inst]
        .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
        .iter()
        .any(|call| {
            call.args(&dfg.value_lists)
                .any(|a| a.as_value().is_some_and(|v| vector(&v)))
        })
}

/// What a lowered instruction's single result becomes.
pub(crate) enum Lowered {
    /// A vector result: its lanes.
    Lanes(Vec<Value>),
    /// A vector result: its lanes and the two halves they came from.
    Halves(Vec<Value>, [Value; 2]),
    /// A scalar result computed from vectors (`extractlane`, `vall_true`).
    Scalar(Value),
    /// No result, or results already rewired (calls, stores).
    Done,
    /// The instruction was rewritten where it stands (branches): keep it.
    InPlace,
}

/// One instruction being lowered: new instructions go before it.
pub(crate) struct Lower<'f, 'm> {
    pub pos: FuncCursor<'f>,
    pub map: &'m mut LaneMap,
    pub inst: Inst,
}

impl Lower<'_, '_> {
    /// Argument `n` of the instruction.
    pub fn arg(&self, n: usize) -> Value {
        self.pos.func.dfg.inst_args(self.inst)[n]
    }

    /// The type of the instruction's first result.
    pub fn result_type(&self) -> Result<Type> {
        let dfg = &self.pos.func.dfg;
        match dfg.inst_results(self.inst).first() {
            Some(&v) => Ok(dfg.value_type(v)),
            None => bail!("instruction has no result"),
        }
    }

    /// The type of a value.
    pub fn type_of(&self, v: Value) -> Type {
        self.pos.func.dfg.value_type(v)
    }

    /// The lanes of vector argument `n`.
    pub fn lanes_of_arg(&mut self, n: usize) -> Result<Vec<Value>> {
        let v = self.arg(n);
        self.map.lanes(&self.pos.func.dfg, v)
    }

    /// The lane type of the instruction's vector result.
    pub fn result_lane(&self) -> Result<Type> {
        let ty = self.result_type()?;
        if !is_vector(ty) {
            bail!("expected a vector result, found {ty}");
        }
        Ok(ty.lane_type())
    }

    /// The per-lane skeleton of a one-operand lowering: `apply` to each
    /// lane of argument 0 gives the result's lane.
    pub fn map_lanes(
        &mut self,
        mut apply: impl FnMut(&mut FuncCursor, Value) -> Value,
    ) -> Result<Lowered> {
        let a = self.lanes_of_arg(0)?;
        let out = a.iter().map(|&x| apply(&mut self.pos, x)).collect();
        Ok(Lowered::Lanes(out))
    }

    /// The per-lane skeleton of a two-operand lowering: `apply` to the
    /// lanes `k` of arguments 0 and 1 gives the result's lane `k`.
    pub fn map_lanes2(
        &mut self,
        mut apply: impl FnMut(&mut FuncCursor, Value, Value) -> Value,
    ) -> Result<Lowered> {
        let (a, b) = (self.lanes_of_arg(0)?, self.lanes_of_arg(1)?);
        let out = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| apply(&mut self.pos, x, y))
            .collect();
        Ok(Lowered::Lanes(out))
    }

    /// The scalar `opcode` (a `Unary` one) on each lane, typed by the
    /// result's lane type (for conversions, the type converted to).
    pub fn each_lane_unary(&mut self, opcode: Opcode) -> Result<Lowered> {
        let lane = self.result_lane()?;
        self.map_lanes(|pos, x| first_result(pos.ins().Unary(opcode, lane, x)))
    }

    /// The scalar `opcode` (a `Binary` one) on each pair of lanes.
    pub fn each_lane_binary(&mut self, opcode: Opcode) -> Result<Lowered> {
        let lane = self.result_lane()?;
        self.map_lanes2(|pos, x, y| first_result(pos.ins().Binary(opcode, lane, x, y)))
    }
}

/// The result of an instruction built through the generic `Unary`/`Binary`
/// builders, which return the instruction rather than its value.
pub(crate) fn first_result((inst, dfg): (Inst, &mut ir::DataFlowGraph)) -> Value {
    dfg.first_result(inst)
}

fn lower(func: &mut ir::Function, map: &mut LaneMap, inst: Inst) -> Result<()> {
    let opcode = func.dfg.insts[inst].opcode();
    let mut cx = Lower {
        pos: FuncCursor::new(func).at_inst(inst),
        map,
        inst,
    };
    let lowered = match opcode {
        Opcode::Jump | Opcode::Brif | Opcode::BrTable => control::branch(&mut cx)?,
        Opcode::Return
        | Opcode::Call
        | Opcode::CallIndirect
        | Opcode::ReturnCall
        | Opcode::ReturnCallIndirect => abi::call_or_return(&mut cx)?,
        _ => match by_concept(&mut cx)? {
            Some(done) => done,
            None => bail!(
                "no scalar lowering for the vector instruction `{}`",
                cx.pos.func.dfg.display_inst(inst)
            ),
        },
    };
    finish(cx, lowered)
}

/// The first concept that knows the instruction lowers it; [`swar`]
/// comes first as it declines what it cannot do cheaply.
fn by_concept(cx: &mut Lower) -> Result<Option<Lowered>> {
    type Concept = fn(&mut Lower) -> Result<Option<Lowered>>;
    let concepts: [Concept; 5] = [
        swar::lower,
        memory::lower,
        integer::lower,
        float::lower,
        permute::lower,
    ];
    for concept in concepts {
        if let Some(done) = concept(cx)? {
            return Ok(Some(done));
        }
    }
    Ok(None)
}

/// Binds the old result to its replacement and removes the instruction.
fn finish(cx: Lower, lowered: Lowered) -> Result<()> {
    let Lower { pos, map, inst } = cx;
    let func = pos.func;
    let results: Vec<Value> = func.dfg.inst_results(inst).to_vec();
    match lowered {
        Lowered::Lanes(lanes) => {
            let [result] = results[..] else {
                bail!("expected one vector result")
            };
            map.define(result, lanes);
            func.dfg.detach_inst_results(inst);
        }
        Lowered::Halves(lanes, halves) => {
            let [result] = results[..] else {
                bail!("expected one vector result")
            };
            map.define_with_halves(result, lanes, halves);
            func.dfg.detach_inst_results(inst);
        }
        Lowered::Scalar(value) => {
            let [result] = results[..] else {
                bail!("expected one scalar result")
            };
            func.dfg.detach_inst_results(inst);
            func.dfg.change_to_alias(result, value);
        }
        Lowered::Done => {}
        Lowered::InPlace => return Ok(()),
    }
    func.layout.remove_inst(inst);
    Ok(())
}
