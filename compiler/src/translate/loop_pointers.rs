//! Loop indices carried as the addresses they index: a loop that walks
//! `s[j]` with `j` a loop parameter carries `s + j` instead of `j`.
//!
//! A Wasm address is 32-bit arithmetic, so `s + j` is computed before every
//! access (`lea (%r14,%rcx,1),%eax; movzbq (%r12,%rax,1),%rdx`), where
//! native code walks a pointer or folds the sum into the addressing mode.
//! json's string scan (`while (s[j] != '"') j += ...`) and the sieve's
//! marking loop (`composite[j] = 1; j += i`) paid the `lea` every round,
//! and on aarch64 an `add` (json −1.9 % executed instructions under
//! qemu-user: aarch64 has no address of two registers plus an offset).
//!
//! For a loop header parameter `j` (i32) whose every back-edge argument is
//! `n = j + step`, and whose every other use is such a sum `s + j` with the
//! same `s` defined outside the loop, the parameter carries `p = s + j`
//! instead: entries pass `s + e` for their argument `e`, `n`'s instruction
//! becomes `p + step` (which is `s + n`, so the back edges are unchanged),
//! the sums `s + j` and `s + n` read `p` and `p + step`, and any use of `n`
//! outside the loop reads `(p + step) - s`, which is `n`. All of it is
//! 32-bit arithmetic modulo 2^32, so every value is the same bit for bit.
//! Loops where `n` is read inside the loop by anything but those sums, or
//! where `j` has any other use, are left alone: there `j` stays live and
//! the rewrite would add instructions. So are loops with a constant step
//! (`i++`): json's whitespace and digit loops, rewritten, ran json's
//! enclosing character loop with more spill traffic (+0.5 % and +7 %
//! instructions, against -1.7 % for its string loop, whose step varies).

use std::cell::OnceCell;

use rustc_hash::FxHashSet;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};
use cranelift_codegen::loop_analysis::Loop;

use super::ir_match::{Users, other_operand, set_branch_arg};
use super::opaque_slot::{KeptLoopView, LoopView};

/// Loops rewritten per function at most (each rewrite recomputes the
/// analyses).
const MAX_REWRITES: usize = 16;

/// Rewrites the loop indices of `func` (see the module comment).
pub fn carry_addresses_in_loops(func: &mut Function, views: &mut KeptLoopView) {
    let mut done: FxHashSet<Value> = FxHashSet::default();
    for _ in 0..MAX_REWRITES {
        let Some(mut view) = views.take(func) else {
            views.keep(None);
            return;
        };
        let uses = Users::reusing(func, std::mem::take(&mut view.readers));
        let plan = view.loops.loops().find_map(|lp| {
            let header = view.loops.loop_header(lp);
            // The edges into the header, found once for all its parameters
            // (a walk of every block), and only when one gets that far.
            let edges = OnceCell::new();
            func.dfg
                .block_params(header)
                .iter()
                .enumerate()
                .filter(|(_, param)| !done.contains(param))
                .find_map(|(index, &param)| {
                    plan(func, &view, &uses, &edges, lp, header, index, param)
                })
        });
        let Some(plan) = plan else {
            view.readers = uses.into_readers();
            views.keep(Some(view));
            return;
        };
        done.insert(plan.param);
        apply(func, &plan);
    }
}

/// What one rewrite changes (see the module comment).
struct Plan {
    /// The header parameter `j`, which will hold `s + j`.
    param: Value,
    /// The base `s`.
    base: Value,
    /// Branches entering the loop: (branch, destination index, argument
    /// index) of `j`'s argument.
    entries: Vec<(Inst, usize, usize)>,
    /// The sums `s + j` and `s + n` (their instructions).
    sums: Vec<Inst>,
    /// Each `n` with the instructions outside the loop that read it.
    steps_read_outside: Vec<(Value, Vec<Inst>)>,
}

#[allow(clippy::too_many_arguments)]
fn plan(
    func: &Function,
    view: &LoopView,
    uses: &Users,
    edges: &OnceCell<Vec<(Inst, usize, Block)>>,
    lp: Loop,
    header: Block,
    index: usize,
    param: Value,
) -> Option<Plan> {
    if func.dfg.value_type(param) != types::I32 || Some(header) == func.layout.entry_block() {
        return None;
    }
    let in_loop = |inst: Inst| {
        func.layout
            .inst_block(inst)
            .is_some_and(|block| view.loops.is_in_loop(block, lp))
    };
    // The edges into the header: entries and back edges with `n`.
    let mut entries = Vec::new();
    let mut steps: Vec<(Value, Inst)> = Vec::new();
    for &user in uses.get(&param).unwrap_or_default() {
        // `j` as a branch argument (e.g. a back edge passing `j` itself)
        // is not a form this pass rewrites.
        if func.dfg.insts[user].opcode().is_branch() {
            return None;
        }
    }
    let edges = edges.get_or_init(|| super::ir_match::edges_into(func, header));
    for &(inst, dest_index, block) in edges {
        let arg = super::ir_match::branch_arg(func, inst, dest_index, index)?;
        if view.loops.is_in_loop(block, lp) {
            let step_inst = sum_with(func, arg, param)?;
            if !steps.iter().any(|&(n, _)| n == arg) {
                steps.push((arg, step_inst));
            }
        } else {
            entries.push((inst, dest_index, index));
        }
    }
    if entries.is_empty() || steps.is_empty() {
        return None;
    }
    let step_insts: FxHashSet<Inst> = steps.iter().map(|&(_, inst)| inst).collect();
    // Every other use of `j`: a sum with the base.
    let mut base: Option<Value> = None;
    let mut sums = Vec::new();
    for &user in uses.get(&param).unwrap_or_default() {
        if step_insts.contains(&user) {
            continue;
        }
        sums.push(sum_with_base(func, view, lp, user, param, &mut base)?);
    }
    // Every use of each `n`: a back-edge argument, a sum with the base, or
    // an instruction outside the loop.
    let mut steps_read_outside = Vec::new();
    for &(n, _) in &steps {
        let mut outside = Vec::new();
        for &user in uses.get(&n).unwrap_or_default() {
            if !in_loop(user) {
                outside.push(user);
            } else if is_back_edge_argument_only(func, user, n, header, index) {
                continue;
            } else {
                sums.push(sum_with_base(func, view, lp, user, n, &mut base)?);
            }
        }
        steps_read_outside.push((n, outside));
    }
    let base = base?;
    if !sums.iter().any(|&sum| in_loop(sum)) {
        return None;
    }
    Some(Plan {
        param,
        base,
        entries,
        sums,
        steps_read_outside,
    })
}

/// The instruction of `v = iadd(j, step)` or `iadd(step, j)`, where `step`
/// is neither `j` nor a constant (see the module comment).
fn sum_with(func: &Function, v: Value, j: Value) -> Option<Inst> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    let step = other_operand(func, inst, Opcode::Iadd, j)?;
    let constant = matches!(func.dfg.value_def(step), ValueDef::Result(def, _)
        if func.dfg.insts[def].opcode() == Opcode::Iconst);
    (!constant).then_some(inst)
}

/// `user` when it is `iadd(base, v)` or `iadd(v, base)` with `base` defined
/// outside the loop (and the same as earlier sums').
fn sum_with_base(
    func: &Function,
    view: &LoopView,
    lp: Loop,
    user: Inst,
    v: Value,
    base: &mut Option<Value>,
) -> Option<Inst> {
    let other = other_operand(func, user, Opcode::Iadd, v)?;
    let def_block = match func.dfg.value_def(other) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst)?,
        ValueDef::Param(block, _) => block,
        ValueDef::Union(..) => return None,
    };
    let header = view.loops.loop_header(lp);
    if view.loops.is_in_loop(def_block, lp) || !view.domtree.block_dominates(def_block, header) {
        return None;
    }
    match base {
        Some(known) if *known != other => None,
        _ => {
            *base = Some(other);
            Some(user)
        }
    }
}

/// Whether `user` reads `n` only as the argument of `index` in branches to
/// `header`.
fn is_back_edge_argument_only(
    func: &Function,
    user: Inst,
    n: Value,
    header: Block,
    index: usize,
) -> bool {
    let dfg = &func.dfg;
    let data = &dfg.insts[user];
    if !data.opcode().is_branch() || data.arguments(&dfg.value_lists).contains(&n) {
        return false;
    }
    data.branch_destination(&dfg.jump_tables, &dfg.exception_tables)
        .iter()
        .all(|call| {
            call.args(&dfg.value_lists)
                .enumerate()
                .all(|(i, arg)| match arg {
                    BlockArg::Value(v) if v == n => {
                        call.block(&dfg.value_lists) == header && i == index
                    }
                    _ => true,
                })
        })
}

fn apply(func: &mut Function, plan: &Plan) {
    // The entries pass `s + e`.
    for &(inst, dest_index, arg_index) in &plan.entries {
        let dfg = &func.dfg;
        let call =
            dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)[dest_index];
        let Some(BlockArg::Value(arg)) = call.args(&dfg.value_lists).nth(arg_index) else {
            continue;
        };
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let address = cursor.ins().iadd(plan.base, arg);
        set_branch_arg(func, inst, dest_index, arg_index, address);
    }
    // `n` is now `p + step` = `s + n`: the reads outside the loop take `s`
    // off again.
    for (n, outside) in &plan.steps_read_outside {
        if outside.is_empty() {
            continue;
        }
        let ValueDef::Result(def, _) = func.dfg.value_def(*n) else {
            continue;
        };
        let mut cursor = FuncCursor::new(func).after_inst(def);
        let index = cursor.ins().isub(*n, plan.base);
        for &user in outside {
            func.dfg
                .map_inst_values(user, |v| if v == *n { index } else { v });
        }
    }
    // The sums `s + j` and `s + n` are the carried value itself.
    for &sum in &plan.sums {
        let InstructionData::Binary { args: [a, b], .. } = func.dfg.insts[sum] else {
            continue;
        };
        let carried = if a == plan.base { b } else { a };
        let ty = func.dfg.value_type(carried);
        let mut cursor = FuncCursor::new(func).at_inst(sum);
        let zero = cursor.ins().iconst(ty, 0);
        cursor.func.dfg.insts[sum] = InstructionData::Binary {
            opcode: Opcode::Iadd,
            args: [carried, zero],
        };
    }
}
