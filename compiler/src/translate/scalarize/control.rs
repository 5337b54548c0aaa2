//! Block parameters and branch arguments of vector type.
//!
//! A vector block parameter becomes two `I64` parameters (its low and high
//! halves, as in the scalar ABI), in place: the other parameters keep
//! their order. Its lanes are unpacked at the top of the block; unpacked
//! lanes nobody reads are dead code that Cranelift removes. Two
//! parameters per `v128` rather than one per lane keep loops over `I8X16`
//! values (the translator's canonical `v128`) at two registers per value,
//! and the entry block, whose parameters are the function's, follows the
//! same rule.

use anyhow::Result;
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, BlockArg, BlockCall, Value, types};

use super::lanes::{check_shape, halves_of, unpack};
use super::{LaneMap, Lower, Lowered, is_vector};

/// Rewrites the vector parameters of every block.
pub fn rewrite_block_params(func: &mut ir::Function, map: &mut LaneMap) -> Result<()> {
    let blocks: Vec<ir::Block> = func.layout.blocks().collect();
    for block in blocks {
        let params: Vec<Value> = func.dfg.block_params(block).to_vec();
        if !params.iter().any(|&p| is_vector(func.dfg.value_type(p))) {
            continue;
        }
        func.dfg.detach_block_params(block);
        let mut vectors = Vec::new();
        for param in params {
            let ty = func.dfg.value_type(param);
            if !is_vector(ty) {
                func.dfg.attach_block_param(block, param);
                continue;
            }
            check_shape(ty)?;
            let low = func.dfg.append_block_param(block, types::I64);
            let high = func.dfg.append_block_param(block, types::I64);
            vectors.push((param, ty, [low, high]));
        }
        let mut pos = FuncCursor::new(func).at_first_insertion_point(block);
        for (param, ty, halves) in vectors {
            let lanes = unpack(&mut pos, ty, halves)?;
            map.define_with_halves(param, lanes, halves);
        }
    }
    Ok(())
}

/// `jump`, `brif`, `br_table` passing vectors: each becomes its halves.
pub fn branch(cx: &mut Lower) -> Result<Lowered> {
    let calls: Vec<BlockCall> = {
        let dfg = &cx.pos.func.dfg;
        dfg.insts[cx.inst]
            .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
            .to_vec()
    };
    let mut rewritten = Vec::with_capacity(calls.len());
    for call in calls {
        let block = call.block(&cx.pos.func.dfg.value_lists);
        let old: Vec<BlockArg> = call.args(&cx.pos.func.dfg.value_lists).collect();
        let mut args = Vec::with_capacity(old.len());
        for arg in old {
            match arg {
                BlockArg::Value(v) if is_vector(cx.type_of(v)) => {
                    args.extend(halves_of(&mut cx.pos, cx.map, v)?.map(BlockArg::Value));
                }
                other => args.push(other),
            }
        }
        rewritten.push(BlockCall::new(
            block,
            args,
            &mut cx.pos.func.dfg.value_lists,
        ));
    }
    let dfg = &mut cx.pos.func.dfg;
    let slots =
        dfg.insts[cx.inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
    for (slot, call) in slots.iter_mut().zip(rewritten) {
        *slot = call;
    }
    Ok(Lowered::InPlace)
}
