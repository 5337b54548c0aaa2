//! Loop-invariant `x & c`, `x | c`, `x ^ c`, `!x` and `(a + b) + c` values
//! read inside a loop are kept where they are computed, out of reach of
//! Cranelift's rematerialization (x86_64 and aarch64).
//!
//! Cranelift's mid-end recomputes ("rematerializes") every `iadd`, `isub`,
//! `band`, `bor`, `bxor` with a constant operand, and every `bnot`, in each
//! block that uses it, so that the value does not occupy a register in
//! between. When the use is inside a loop and the value is defined outside
//! it, the copy lands in the loop and runs every round. For the bitwise
//! operations that is a copy and the operation on x86_64 (two-operand
//! instructions), and it keeps `x` alive through the loop instead of the
//! value: matmul's inner loop recomputed `n & -2` (the bound of clang's
//! unrolled-by-two loop) every round. An `iadd`/`isub` with a constant is
//! one `lea` (three operands), so it is kept only when its other operand
//! is itself a sum of two values, which the `lea` reads: the copy then
//! keeps both summands alive in the loop. json's scanning loop tested
//! `i < a + b + 12` and reloaded `a` and `b` from spill slots every round
//! (and stored one back). Keeping every `x + constant` cost more than it
//! saved (CoreMark's state machine reads six `base + k` addresses in its
//! loop: +8.8 % executed instructions, against -3.4 % on interp). Only
//! values defined outside every loop are kept, so the store and load below
//! run once per call (kept inside an outer loop, nbody ran 4 % more
//! instructions).
//!
//! On aarch64 the recomputed operation is one three-operand instruction,
//! still one per round: matmul's inner loop ran an `and` per two elements
//! (−5.5 % executed instructions under qemu-user without it), and json's
//! character loop −6.6 %.
//!
//! The value is passed through a stack slot once, right after its
//! definition: a store, then a load whose result the loop reads. A load is
//! not rematerialized, so the loop reads a plain register (or the slot
//! itself as a memory operand, if regalloc spills it). The slot is an
//! [`OpaqueSlot`], which store-to-load forwarding cannot see through.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::ir::{
    Block, Function, Inst, InstructionData, Opcode, Value, ValueDef, types,
};
use cranelift_codegen::loop_analysis::LoopAnalysis;

use super::opaque_slot::{KeptLoopView, OpaqueSlot, slot_region};

/// A distinct `user_id` for the region of these slots (the translator's
/// regions are 1-3, see [`super::Regions`]; parking uses 16).
const KEPT_REGION_ID: u32 = 17;

/// Keeps the loop-invariant rematerializable values of `func` out of its
/// loops (see the module comment).
pub fn keep_invariants_out_of_loops(func: &mut Function, views: &mut KeptLoopView) {
    let Some(view) = views.take(func) else {
        views.keep(None);
        return;
    };
    let candidates = invariants_read_in_loops(func, &view.domtree, &view.loops);
    if candidates.is_empty() {
        views.keep(Some(view));
        return;
    }
    let region = slot_region(func, KEPT_REGION_ID, "kept out of loops");
    for (value, loop_uses) in candidates {
        let ValueDef::Result(def, _) = func.dfg.value_def(value) else {
            continue;
        };
        let slot = OpaqueSlot::new(func, func.dfg.value_type(value), region);
        let mut cursor = FuncCursor::new(func).after_inst(def);
        slot.store(&mut cursor, value);
        let kept = slot.load(&mut cursor);
        for inst in loop_uses {
            func.dfg
                .map_inst_values(inst, |v| if v == value { kept } else { v });
        }
    }
}

/// Each rematerializable value defined outside every loop, with the
/// instructions inside loops that read it.
fn invariants_read_in_loops(
    func: &Function,
    domtree: &DominatorTree,
    loops: &LoopAnalysis,
) -> Vec<(Value, Vec<Inst>)> {
    let mut found: Vec<(Value, Vec<Inst>)> = Vec::new();
    for block in func.layout.blocks() {
        if !domtree.is_reachable(block) || loops.innermost_loop(block).is_none() {
            continue;
        }
        for inst in func.layout.block_insts(block) {
            for value in func.dfg.inst_values(inst) {
                let Some(def_block) = rematerializable_def_block(func, value) else {
                    continue;
                };
                // Defined outside every loop, read inside one.
                if loops.innermost_loop(def_block).is_some() {
                    continue;
                }
                match found.iter_mut().find(|(v, _)| *v == value) {
                    Some((_, insts)) => {
                        if !insts.contains(&inst) {
                            insts.push(inst);
                        }
                    }
                    None => found.push((value, vec![inst])),
                }
            }
        }
    }
    found
}

/// The block of `value`'s definition when Cranelift's mid-end would
/// rematerialize it (its `remat.isle` rules) and the copy costs more than
/// the value's register: an integer `band`, `bor` or `bxor` with a constant
/// operand, a `bnot`, or an `iadd`/`isub` of a constant and a sum of two
/// values (see the module comment).
fn rematerializable_def_block(func: &Function, value: Value) -> Option<Block> {
    let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
        return None;
    };
    if !matches!(func.dfg.value_type(value), types::I32 | types::I64) {
        return None;
    }
    let remat = match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: Opcode::Band | Opcode::Bor | Opcode::Bxor,
            args,
        } => args.iter().any(|&a| is_iconst(func, a)),
        InstructionData::Binary {
            opcode: Opcode::Iadd | Opcode::Isub,
            args,
        } => args.iter().any(|&a| is_iconst(func, a)) && args.iter().any(|&a| is_sum(func, a)),
        InstructionData::Unary {
            opcode: Opcode::Bnot,
            ..
        } => true,
        _ => false,
    };
    if remat {
        func.layout.inst_block(inst)
    } else {
        None
    }
}

/// Whether `value` is an `iadd`/`isub` of two non-constant values.
fn is_sum(func: &Function, value: Value) -> bool {
    let ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
        return false;
    };
    match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: Opcode::Iadd | Opcode::Isub,
            args,
        } => !args.iter().any(|&a| is_iconst(func, a)),
        _ => false,
    }
}

fn is_iconst(func: &Function, value: Value) -> bool {
    matches!(func.dfg.value_def(value), ValueDef::Result(inst, _)
        if func.dfg.insts[inst].opcode() == Opcode::Iconst)
}
