//! Values that a loop carries through without reading them are kept in a
//! stack slot of their own ("parked") instead of a register.
//!
//! regalloc2 gives such a value a register at the loop header and, where
//! something inside the loop needs that register (the clamp and table
//! registers of a `br_table`, a call), moves it to a spill slot and back:
//! interp's dispatch loop reloaded the two halves of the start time, read
//! only after the loop, at the top of every case, once per instruction
//! interpreted. Parked, the value is stored once after its definition and
//! loaded at its uses after the loop, and is not live inside the loop at all.
//!
//! A value is parked when it is defined outside every loop (the store runs
//! once per call), a dispatch loop (one that ends a block in a `br_table`,
//! or in the compare tree `super::switch` makes of one) after its
//! definition never reads it, and it is read
//! outside every loop somewhere reachable from that loop's header. Only
//! those uses read the slot; uses before the loop, or inside another loop,
//! keep the register value, so no load lands in a hotter place.
//!
//! Only dispatch loops, and only on x86_64: elsewhere the spill was not
//! there to remove, and parking costs a store and a load per call. On
//! x86_64 with every loop a candidate, nbody, hashmap, json and CoreMark
//! executed 0.3-57 % more instructions (values that stayed in registers
//! before, parked inside an outer loop); aarch64 and riscv64 have the
//! registers to keep interp's values where they are.
//!
//! The slot is an [`OpaqueSlot`] with an alias region of its own, which
//! store-to-load forwarding cannot see through; the value read is the value
//! stored, bit for bit, for every type parked (scalar integers and floats).

use rustc_hash::FxHashSet;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AliasRegion, Block, Function, InstructionData, Opcode, Type, Value, ValueDef, types,
};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

use super::ir_match::{PerValue, iconst_imm};
use super::opaque_slot::{KeptLoopView, OpaqueSlot, slot_region};

/// A distinct `user_id` for the parking region (the translator's regions
/// are 1-3, see [`super::Regions`]).
const PARKED_REGION_ID: u32 = 16;

/// Parks the values of `func` that loops carry unread (see the module
/// comment).
pub fn park_live_through_values(func: &mut Function, views: &mut KeptLoopView) {
    let Some(view) = views.take(func) else {
        return;
    };
    let parked = values_to_park(func, &view.cfg, &view.domtree, &view.loops);
    if parked.is_empty() {
        return;
    }
    let region = slot_region(func, PARKED_REGION_ID, "parked");
    for (value, blocks) in parked {
        park(func, value, &blocks, region);
    }
}

/// For every value, the reachable blocks that read it (instruction operands
/// and branch arguments alike), in layout order, each once; empty for a
/// value nothing reachable reads.
fn blocks_reading(func: &Function, domtree: &DominatorTree) -> PerValue<Block> {
    // (value, block) pairs in layout order, each once per value.
    let mut pairs: Vec<(Value, Block)> = Vec::new();
    let mut last: SecondaryMap<Value, Option<Block>> =
        SecondaryMap::with_capacity(func.dfg.num_values());
    for block in func.layout.blocks() {
        if !domtree.is_reachable(block) {
            continue;
        }
        for inst in func.layout.block_insts(block) {
            for value in func.dfg.inst_values(inst) {
                if last[value] != Some(block) {
                    last[value] = Some(block);
                    pairs.push((value, block));
                }
            }
        }
    }
    // Every slot is written; `Block::from_u32(0)` only fills them.
    PerValue::from_pairs(func.dfg.num_values(), pairs, Block::from_u32(0))
}

/// Each value worth parking, with the blocks whose uses will read its slot.
fn values_to_park(
    func: &Function,
    cfg: &ControlFlowGraph,
    domtree: &DominatorTree,
    loops: &LoopAnalysis,
) -> Vec<(Value, Vec<Block>)> {
    // The dispatch loops, each with its blocks and the blocks reachable
    // from its header (the loop, and everything after it).
    let dispatch_loops: Vec<(Block, FxHashSet<Block>, FxHashSet<Block>)> = loops
        .loops()
        .filter(|&lp| dispatches(func, cfg, domtree, loops, lp))
        .map(|lp| {
            let body = func
                .layout
                .blocks()
                .filter(|&b| domtree.is_reachable(b) && loops.is_in_loop(b, lp))
                .collect();
            let header = loops.loop_header(lp);
            (header, body, reachable_from(cfg, header))
        })
        .collect();
    if dispatch_loops.is_empty() {
        return Vec::new();
    }
    let uses = blocks_reading(func, domtree);
    let mut parked = Vec::new();
    // In value order: a deterministic slot order.
    for (value, used_in) in uses.iter() {
        if !parkable_type(func.dfg.value_type(value)) {
            continue;
        }
        // Defined outside every loop, so the store runs once per call.
        let Some(def_block) = def_block(func, value) else {
            continue;
        };
        if loops.innermost_loop(def_block).is_some() {
            continue;
        }
        let mut after: Vec<Block> = used_in
            .iter()
            .copied()
            .filter(|&b| b != def_block && loops.innermost_loop(b).is_none())
            .filter(|&b| {
                dispatch_loops.iter().any(|(header, body, reach)| {
                    domtree.block_dominates(def_block, *header)
                        && reach.contains(&b)
                        && used_in.iter().all(|u| !body.contains(u))
                })
            })
            .collect();
        if after.is_empty() {
            continue;
        }
        after.sort();
        parked.push((value, after));
    }
    parked
}

/// Whether `lp` is a dispatch loop: a block of it ends in a `br_table` (a
/// jump table), or in a node of the compare tree `super::switch` makes of
/// a `br_table` on x86_64 (a `brif` on `index < k` with a successor in
/// the loop that branches on `index < k'` for the same index). Before the
/// tree was recognised here, interp's dispatch loop reloaded and stored
/// back the start time's two halves in every case.
fn dispatches(
    func: &Function,
    cfg: &ControlFlowGraph,
    domtree: &DominatorTree,
    loops: &LoopAnalysis,
    lp: Loop,
) -> bool {
    let in_loop = |block: Block| domtree.is_reachable(block) && loops.is_in_loop(block, lp);
    func.layout.blocks().filter(|&b| in_loop(b)).any(|block| {
        let Some(last) = func.layout.last_inst(block) else {
            return false;
        };
        if func.dfg.insts[last].opcode() == Opcode::BrTable {
            return true;
        }
        let Some(index) = tree_node_index(func, block) else {
            return false;
        };
        cfg.succ_iter(block)
            .any(|succ| in_loop(succ) && tree_node_index(func, succ) == Some(index))
    })
}

/// The value `block` branches on when it ends in `brif (icmp ult index,
/// k)` with a constant `k`: the shape of a node of a `br_table`'s compare
/// tree.
fn tree_node_index(func: &Function, block: Block) -> Option<Value> {
    let last = func.layout.last_inst(block)?;
    let InstructionData::Brif { arg: condition, .. } = func.dfg.insts[last] else {
        return None;
    };
    let ValueDef::Result(compare, _) = func.dfg.value_def(condition) else {
        return None;
    };
    match func.dfg.insts[compare] {
        InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond: IntCC::UnsignedLessThan,
            args: [index, pivot],
        } if iconst_imm(func, pivot).is_some() => Some(index),
        _ => None,
    }
}

/// Scalar types a stack slot holds bit for bit.
fn parkable_type(ty: Type) -> bool {
    matches!(ty, types::I32 | types::I64 | types::F32 | types::F64)
}

fn def_block(func: &Function, value: Value) -> Option<Block> {
    match func.dfg.value_def(value) {
        // Nothing can be inserted after a terminator (a `try_call`'s results).
        ValueDef::Result(inst, _) if func.dfg.insts[inst].opcode().is_terminator() => None,
        ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        ValueDef::Param(block, _) => Some(block),
        _ => None,
    }
}

fn reachable_from(cfg: &ControlFlowGraph, start: Block) -> FxHashSet<Block> {
    let mut seen = FxHashSet::from_iter([start]);
    let mut work = vec![start];
    while let Some(block) = work.pop() {
        for succ in cfg.succ_iter(block) {
            if seen.insert(succ) {
                work.push(succ);
            }
        }
    }
    seen
}

/// Stores `value` after its definition and makes its uses in `blocks` read
/// the slot (one load per block, before its first use there).
fn park(func: &mut Function, value: Value, blocks: &[Block], region: AliasRegion) {
    let slot = OpaqueSlot::new(func, func.dfg.value_type(value), region);
    let mut cursor = FuncCursor::new(func);
    match cursor.func.dfg.value_def(value) {
        ValueDef::Result(inst, _) => {
            cursor.goto_after_inst(inst);
        }
        ValueDef::Param(block, _) => {
            cursor.goto_first_insertion_point(block);
        }
        _ => return,
    }
    slot.store(&mut cursor, value);
    for &block in blocks {
        let Some(first_use) = cursor
            .func
            .layout
            .block_insts(block)
            .find(|&inst| cursor.func.dfg.inst_values(inst).any(|v| v == value))
        else {
            continue;
        };
        cursor.goto_inst(first_use);
        let loaded = slot.load(&mut cursor);
        let insts: Vec<_> = cursor.func.layout.block_insts(block).collect();
        for inst in insts.into_iter().skip_while(|&i| i != first_use) {
            cursor
                .func
                .dfg
                .map_inst_values(inst, |v| if v == value { loaded } else { v });
        }
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{
        Block, Function, InstBuilder, JumpTableData, Opcode, Value, types,
    };
    use cranelift_frontend::FunctionBuilder;

    use super::park_live_through_values;
    use crate::translate::opaque_slot::KeptLoopView;
    use crate::translate::test_ir;

    /// `fn(n: i32, carried: i64) -> i64`: a loop over `i` from `n` whose
    /// header dispatches on `i` through `dispatch` (which ends the header
    /// block and every block it adds, branching to one of the given
    /// targets or to the exit), each target jumping back with `i + 1` (a
    /// target it leaves out is unreachable); the loop never reads
    /// `carried`, which the exit returns.
    fn loop_carrying_a_value(
        dispatch: impl FnOnce(&mut FunctionBuilder, Value, &[Block], Block),
    ) -> Function {
        test_ir::function(&[types::I32, types::I64], &[types::I64], |b, params| {
            let (n, carried) = (params[0], params[1]);
            let header = b.create_block();
            let index = b.append_block_param(header, types::I32);
            let targets: Vec<_> = (0..3).map(|_| b.create_block()).collect();
            let exit = b.create_block();
            b.ins().jump(header, &[n.into()]);
            b.switch_to_block(header);
            dispatch(b, index, &targets, exit);
            for &target in &targets {
                b.switch_to_block(target);
                let next = b.ins().iadd_imm_s(index, 1);
                b.ins().jump(header, &[next.into()]);
            }
            b.switch_to_block(exit);
            b.ins().return_(&[carried]);
        })
    }

    /// Whether the pass parked `carried`: the function stores it and
    /// returns a loaded value instead.
    fn parks(mut func: Function) -> bool {
        park_live_through_values(&mut func, &mut KeptLoopView::default());
        test_ir::assert_valid(&func);
        let opcodes: Vec<_> = func
            .layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .map(|inst| func.dfg.insts[inst].opcode())
            .collect();
        let stored = opcodes.contains(&Opcode::Store);
        assert_eq!(
            stored,
            opcodes.contains(&Opcode::Load),
            "{}",
            func.display()
        );
        stored
    }

    /// What the translator makes of a five-way `br_table` on x86_64
    /// (`super::super::switch`): `i < 2 ? (i < 1 ? t0 : t1) : (i < 5 ? t2
    /// : exit)`.
    fn compare_tree(b: &mut FunctionBuilder, index: Value, targets: &[Block], exit: Block) {
        let (lower, upper) = (b.create_block(), b.create_block());
        let below = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, index, 2);
        b.ins().brif(below, lower, &[], upper, &[]);
        b.switch_to_block(lower);
        let below = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, index, 1);
        b.ins().brif(below, targets[0], &[], targets[1], &[]);
        b.switch_to_block(upper);
        let below = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, index, 5);
        b.ins().brif(below, targets[2], &[], exit, &[]);
    }

    #[test]
    fn a_value_carried_through_a_compare_tree_loop_is_parked() {
        assert!(parks(loop_carrying_a_value(compare_tree)));
    }

    #[test]
    fn a_value_carried_through_a_jump_table_loop_is_parked() {
        let func = loop_carrying_a_value(|b, index, targets, exit| {
            let table = JumpTableData::new(
                b.func.dfg.block_call(exit, &[]),
                &targets
                    .iter()
                    .map(|&t| b.func.dfg.block_call(t, &[]))
                    .collect::<Vec<_>>(),
            );
            let table = b.create_jump_table(table);
            b.ins().br_table(index, table);
        });
        assert!(parks(func));
    }

    #[test]
    fn a_loop_of_unrelated_compares_is_no_dispatch_loop() {
        // Two nested compares, but of different values: an ordinary
        // branchy loop, where parking cost instructions.
        let func = loop_carrying_a_value(|b, index, targets, exit| {
            let inner = b.create_block();
            let below = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, index, 100);
            b.ins().brif(below, inner, &[], exit, &[]);
            b.switch_to_block(inner);
            let doubled = b.ins().iadd(index, index);
            let below = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, doubled, 7);
            b.ins().brif(below, targets[0], &[], targets[1], &[]);
        });
        assert!(!parks(func));
    }
}
