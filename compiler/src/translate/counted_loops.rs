//! Down-counters replaced by the pointer they mirror: a loop that counts
//! `c` down by `k` while it moves `p` up by `k` exits on `p' == p0 + c0`
//! instead of `c' == 0`, and `c` disappears.
//!
//! Clang compiles `for (i = 0; i < n; i++) ... s[i]` to Wasm as a pointer
//! `p` and a separate counter `c = n` counted to zero (`local.tee c (c -
//! k); br_if`), where native code compares the pointer with the end.
//! Cranelift keeps both and tests the counter after the subtraction
//! (`add $-2,%eax; add $2,%edx; test %eax,%eax; jne`): one instruction
//! more per round than `add $2,%edx; cmp %edx,%r9d; jne`. CRC-32's loop
//! in sieve_crc and its byte count ran so.
//!
//! Why the exit is the same: along the loop `p + c` does not change
//! (`(p + k) + (c - k)`, modulo 2^32), so `c' = 0` exactly when `p' =
//! p0 + c0`, with `p0`, `c0` the values the loop is entered with, wrapping
//! included. The pass needs: a loop header with one entry edge; parameters
//! `c`, `p` (i32) whose back-edge arguments are `c' = c + K` and `p' = p -
//! K` (`K` a constant, the same on every back edge); `c` read only by
//! `c'`, and `c'` only by those back edges and by the `brif` that ends
//! the block of each (directly or as `c' != 0` / `c' == 0`). Then each
//! such `brif` tests `p' != E` (or `==`), with `E = p0 + c0` computed
//! before the entry branch, and the back edges pass `c` itself: the
//! parameter then only ever holds `c0`, Cranelift's phi removal replaces
//! it by `c0`, and the counting is dead code.

use rustc_hash::FxHashSet;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};
use cranelift_codegen::loop_analysis::Loop;

use super::ir_match::{Users, binary_operands, branch_arg, iconst_imm, is_zero, set_branch_arg};
use super::opaque_slot::{KeptLoopView, LoopView};

/// Rewrites the down-counted loops of `func` (see the module comment).
pub fn count_with_pointers(func: &mut Function, views: &mut KeptLoopView) {
    let plans: Vec<Plan> = views.plan_each_loop(func, plan);
    if plans.is_empty() {
        return;
    }
    // A branch that closed two loops would be planned twice: only the
    // first plan rewrites it.
    let mut rewritten = FxHashSet::default();
    for plan in plans {
        if plan.exits.iter().all(|&(brif, ..)| rewritten.insert(brif)) {
            apply(func, &plan);
        }
    }
}

struct Plan {
    /// The entry branch, and the indices of `c` and `p` among the header's
    /// parameters.
    entry: (Inst, usize),
    counter: usize,
    pointer: usize,
    /// Each latch `brif`, the `p'` of its back edge, and the compare of
    /// `p'` with the end that replaces its condition.
    exits: Vec<(Inst, usize, Value, IntCC)>,
    /// The counter parameter `c`.
    counter_param: Value,
}

/// `(x, k)` when `v` is `iadd(x, k)` or `iadd(k, x)` with `k` a constant
/// (an i32 constant's bits, sign-extended).
fn plus_constant(func: &Function, v: Value) -> Option<(Value, i64)> {
    let (a, b) = binary_operands(func, v, Opcode::Iadd)?;
    let constant = |v: Value| iconst_imm(func, v).map(|k| k as i32 as i64);
    match (constant(a), constant(b)) {
        (None, Some(k)) => Some((a, k)),
        (Some(k), None) => Some((b, k)),
        _ => None,
    }
}

fn plan(func: &Function, view: &LoopView, users: &Users, lp: Loop) -> Option<Plan> {
    let header = view.loops.loop_header(lp);
    if Some(header) == func.layout.entry_block() {
        return None;
    }
    let edges = super::ir_match::edges_into(func, header);
    let (entries, backs): (Vec<_>, Vec<_>) = edges
        .iter()
        .partition(|&&(_, _, block)| !view.loops.is_in_loop(block, lp));
    let [(entry_inst, entry_dest, _)] =
        entries.as_slice().iter().map(|&&e| e).collect::<Vec<_>>()[..]
    else {
        return None;
    };
    if backs.is_empty() {
        return None;
    }
    let params = func.dfg.block_params(header);
    for (counter, &c) in params.iter().enumerate() {
        if func.dfg.value_type(c) != types::I32 {
            continue;
        }
        // c is read by `c' = c + K` only.
        let [c_user] = users.get(&c).unwrap_or_default() else {
            continue;
        };
        let Some(c_next) = func.dfg.inst_results(*c_user).first().copied() else {
            continue;
        };
        let Some((from, k)) = plus_constant(func, c_next) else {
            continue;
        };
        if from != c || k == 0 {
            continue;
        }
        // Every back edge passes c' for c, from a block ending in a brif
        // on c'; nothing else reads c'.
        let mut exits = Vec::new();
        let mut ok = true;
        for &&(inst, dest, _) in &backs {
            if branch_arg(func, inst, dest, counter) != Some(c_next) {
                ok = false;
                break;
            }
            match loop_condition(func, inst, c_next) {
                Some(cc) => exits.push((inst, dest, cc)),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            continue;
        }
        // c' (and its compare) may be read only by the latch tests and as
        // the counter's back-edge argument: the rewrite changes what `c'`
        // holds, so any other reader would see another value.
        if !only_tested(func, users, c_next, &exits, counter) {
            continue;
        }
        // A pointer p with p' = p - K on every back edge.
        let pointer = params.iter().enumerate().find_map(|(index, &p)| {
            if index == counter || func.dfg.value_type(p) != types::I32 {
                return None;
            }
            let mut nexts = Vec::new();
            for &&(inst, dest, _) in &backs {
                let next = branch_arg(func, inst, dest, index)?;
                let (from, step) = plus_constant(func, next)?;
                if from != p || (step as i32) != (k as i32).wrapping_neg() {
                    return None;
                }
                nexts.push(next);
            }
            Some((index, nexts))
        });
        let Some((pointer, nexts)) = pointer else {
            continue;
        };
        branch_arg(func, entry_inst, entry_dest, counter)?;
        branch_arg(func, entry_inst, entry_dest, pointer)?;
        return Some(Plan {
            entry: (entry_inst, entry_dest),
            counter,
            pointer,
            exits: exits
                .into_iter()
                .zip(nexts)
                .map(|((inst, dest, cc), next)| (inst, dest, next, cc))
                .collect(),
            counter_param: c,
        });
    }
    None
}

/// The compare on the pointer that is true exactly when the `brif`
/// `inst`'s condition is: `NotEqual` when it branches on `c'` itself or on
/// `c' != 0`, `Equal` when it branches on `c' == 0`.
fn loop_condition(func: &Function, inst: Inst, c_next: Value) -> Option<IntCC> {
    let InstructionData::Brif { arg, .. } = func.dfg.insts[inst] else {
        return None;
    };
    if arg == c_next {
        Some(IntCC::NotEqual)
    } else {
        zero_test_of(func, arg, c_next)
    }
}

/// `ne`/`eq` when `v` is `icmp ne|eq c_next, 0` (possibly zero-extended).
fn zero_test_of(func: &Function, v: Value, c_next: Value) -> Option<IntCC> {
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } => zero_test_of(func, arg, c_next),
        InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond: cond @ (IntCC::Equal | IntCC::NotEqual),
            args: [a, b],
        } if a == c_next && is_zero(func, b) => Some(cond),
        _ => None,
    }
}

/// Whether every reader of `c_next` is one of the latch `exits` (reading
/// it as its condition, directly or through a compare and extensions that
/// nothing else reads, or as the argument `counter` of its back edge).
fn only_tested(
    func: &Function,
    users: &Users,
    c_next: Value,
    exits: &[(Inst, usize, IntCC)],
    counter: usize,
) -> bool {
    let readers = |v: Value| users.get(&v).unwrap_or_default();
    let mut allowed: Vec<Inst> = Vec::new();
    for &(brif, back, _) in exits {
        let dfg = &func.dfg;
        // The branch's arguments: `c'` only as the back edge's counter.
        let calls = dfg.insts[brif].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
        for (dest, call) in calls.iter().enumerate() {
            for (index, arg) in call.args(&dfg.value_lists).enumerate() {
                if arg == BlockArg::Value(c_next) && (dest != back || index != counter) {
                    return false;
                }
            }
        }
        allowed.push(brif);
        // The condition chain from the brif down to `c'`, each link read
        // by the next one only.
        let InstructionData::Brif { arg, .. } = dfg.insts[brif] else {
            return false;
        };
        let mut v = arg;
        let mut reader = brif;
        while v != c_next {
            if readers(v) != [reader] {
                return false;
            }
            let ValueDef::Result(inst, _) = dfg.value_def(v) else {
                return false;
            };
            v = match dfg.insts[inst] {
                InstructionData::Unary {
                    opcode: Opcode::Uextend,
                    arg,
                } => arg,
                InstructionData::IntCompare {
                    opcode: Opcode::Icmp,
                    args: [a, _],
                    ..
                } => a,
                _ => return false,
            };
            allowed.push(inst);
            reader = inst;
        }
    }
    readers(c_next).iter().all(|user| allowed.contains(user))
}

fn apply(func: &mut Function, plan: &Plan) {
    let (entry_inst, entry_dest) = plan.entry;
    let (Some(c0), Some(p0)) = (
        branch_arg(func, entry_inst, entry_dest, plan.counter),
        branch_arg(func, entry_inst, entry_dest, plan.pointer),
    ) else {
        return;
    };
    let mut cursor = FuncCursor::new(func).at_inst(entry_inst);
    let end = cursor.ins().iadd(p0, c0);
    for &(brif, dest, p_next, cc) in &plan.exits {
        let mut cursor = FuncCursor::new(func).at_inst(brif);
        let test = cursor.ins().icmp(cc, p_next, end);
        if let InstructionData::Brif { arg, .. } = &mut func.dfg.insts[brif] {
            *arg = test;
        }
        // The back edge passes the counter unchanged: a parameter that only
        // ever receives `c0` (or itself), which Cranelift's phi removal
        // replaces by `c0`, and the counting becomes dead code.
        set_branch_arg(func, brif, dest, plan.counter, plan.counter_param);
    }
}
