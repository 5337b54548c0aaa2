//! Block parameters and branch arguments of vector type.
//!
//! A vector block parameter becomes one parameter per lane, in place (the
//! other parameters keep their order), and every branch to the block
//! passes the lanes of its vector argument there. The entry block is the
//! exception: its parameters are the function's, so a vector parameter
//! becomes the two `I64` halves of the scalar ABI, unpacked to lanes at
//! the top of the block.

use anyhow::Result;
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, BlockArg, BlockCall, Value, types};

use super::lanes::{check_shape, unpack};
use super::{LaneMap, Lower, Lowered, is_vector};

/// Rewrites the vector parameters of every block.
pub fn rewrite_block_params(func: &mut ir::Function, map: &mut LaneMap) -> Result<()> {
    let entry = func.layout.entry_block();
    let blocks: Vec<ir::Block> = func.layout.blocks().collect();
    for block in blocks {
        let params: Vec<Value> = func.dfg.block_params(block).to_vec();
        if !params.iter().any(|&p| is_vector(func.dfg.value_type(p))) {
            continue;
        }
        let is_entry = Some(block) == entry;
        func.dfg.detach_block_params(block);
        let mut entry_halves = Vec::new();
        for param in params {
            let ty = func.dfg.value_type(param);
            if !is_vector(ty) {
                func.dfg.attach_block_param(block, param);
                continue;
            }
            check_shape(ty)?;
            if is_entry {
                let low = func.dfg.append_block_param(block, types::I64);
                let high = func.dfg.append_block_param(block, types::I64);
                entry_halves.push((param, ty, [low, high]));
            } else {
                let lanes = (0..ty.lane_count())
                    .map(|_| func.dfg.append_block_param(block, ty.lane_type()))
                    .collect();
                map.define(param, lanes);
            }
        }
        if !entry_halves.is_empty() {
            let mut pos = FuncCursor::new(func).at_first_insertion_point(block);
            for (param, ty, halves) in entry_halves {
                let lanes = unpack(&mut pos, ty, halves)?;
                map.define(param, lanes);
            }
        }
    }
    Ok(())
}

/// `jump`, `brif`, `br_table` passing vectors: each becomes its lanes.
pub fn branch(cx: &mut Lower) -> Result<Lowered> {
    let func = &mut *cx.pos.func;
    let calls: Vec<BlockCall> = func.dfg.insts[cx.inst]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .to_vec();
    let mut rewritten = Vec::with_capacity(calls.len());
    for call in calls {
        let block = call.block(&func.dfg.value_lists);
        let mut args = Vec::new();
        for arg in call.args(&func.dfg.value_lists).collect::<Vec<_>>() {
            match arg {
                BlockArg::Value(v) if is_vector(func.dfg.value_type(v)) => {
                    args.extend(cx.map.lanes(&func.dfg, v)?.into_iter().map(BlockArg::Value));
                }
                other => args.push(other),
            }
        }
        rewritten.push(BlockCall::new(block, args, &mut func.dfg.value_lists));
    }
    let dfg = &mut func.dfg;
    let slots =
        dfg.insts[cx.inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
    for (slot, call) in slots.iter_mut().zip(rewritten) {
        *slot = call;
    }
    Ok(Lowered::InPlace)
}
