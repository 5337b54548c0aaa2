//! Down-counters tested before they count, replaced by the pointer they
//! mirror: a loop that tests `c != 0` on its counter parameter `c` (not on
//! the decremented `c'`) while a pointer `p` moves opposite to it tests
//! `p != p0 + c0` instead, and `c` disappears.
//!
//! wasi-libc's `strncmp` is clang's `for (; *l && *r && n && *l == *r;
//! l++, r++, n--)`: the loop header carries `l`, `r` and `n`, tests `n`
//! in the middle of the round and counts it down at the end. Native code
//! keeps one index and compares it with `n`; wafer kept the three and
//! spent `test %edi,%edi` + `add $-1,%edi` per byte where `cmp` against an
//! end in a register does the same work with one instruction less.
//! `counted_loops.rs` does this for a counter tested after it counts
//! (`c' != 0` in the branch that closes the loop); this pass covers the
//! parameter itself, wherever the test is.
//!
//! Why the test is the same: on every back edge `p' = p - K` and `c' = c
//! + K` (modulo 2^32), so `p + c` is the same for every value the header
//! parameters take, `p0 + c0` with `p0`, `c0` the entry's arguments, and
//! `c == 0` exactly when `p == p0 + c0`, wrapping included. The pass
//! needs: a loop header with one entry edge; i32 parameters `c` and `p`
//! whose back-edge arguments are `c + K` and `p - K` (`K` a non-zero
//! constant, the same on every back edge); `c` read only by those `c + K`
//! (themselves read only as `c`'s back-edge arguments), by `brif c` and by
//! `icmp eq|ne c, 0`. Then each `brif c` branches on `icmp ne p, E` and
//! each compare becomes `icmp eq|ne p, E`, with `E = p0 + c0` computed
//! before the entry branch; the back edges pass `c` itself, so the
//! parameter only ever holds `c0`, Cranelift's phi removal replaces it by
//! `c0`, and the counting is dead code.
//!
//! The end goes through an [`OpaqueSlot`] (a store and a load before the
//! loop). Left as a plain `iadd`, Cranelift's mid-end placed it inside the
//! loop, a `lea` per round as costly as the count it replaced. Its
//! elaborator hoists loop-invariant values out of a loop only in some of
//! the loop's blocks: after a `brif` whose first target stays in the loop
//! and whose second leaves it (strncmp's `*r` test, which continues on a
//! non-zero byte), values are computed where they are used, every round.
//! With the exit as the first target the same value was hoisted (a
//! hand-written loop, `a + b` compared after such a test). The slot costs
//! two instructions per entry to the loop and saves one per round. Of
//! several pointers, the one whose entry argument's constant offset
//! cancels the counter's is taken (`l0 = l + 1`, `n0 = n - 1`: the end is
//! `l + n`, one `add`); with strncmp's other cursor the end was a `lea`
//! and a copy (hashmap +0.9 %).

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AliasRegion, Block, BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value,
    types,
};
use cranelift_codegen::loop_analysis::Loop;

use super::ir_match::{
    Users, binary_operands, branch_arg, iconst_imm, is_zero, same_computation, set_branch_arg,
};
use super::opaque_slot::{KeptLoopView, LoopView, OpaqueSlot, slot_region};

/// A distinct `user_id` for the ends' slots (the translator's regions are
/// 1-3, `park_live_through` uses 16, `keep_invariants` 17).
const END_REGION_ID: u32 = 18;

/// Rewrites the counters of `func` tested as parameters (see the module
/// comment).
pub fn test_pointers_for_counters(func: &mut Function, views: &mut KeptLoopView) {
    let plans: Vec<Plan> = views.plan_each_loop(func, plan);
    // Plans of different loops touch different parameters and their own
    // readers, so they do not interfere.
    if plans.is_empty() {
        return;
    }
    let region = slot_region(func, END_REGION_ID, "loop end");
    let mut ends: Vec<KeptEnd> = Vec::new();
    for plan in plans {
        apply(func, &plan, region, &mut ends);
    }
}

/// An end already passed through a slot: the entry branch it was computed
/// before, its terms, and the load the loop's tests read.
struct KeptEnd {
    entry: Inst,
    terms: (Value, Value),
    end: Value,
}

/// How deep two ends' terms are compared: strncmp's are a pointer and a
/// count the translator read from locals, plus a constant.
const SAME_END_DEPTH: u32 = 3;

/// What reads the counter parameter `c`.
enum Reader {
    /// `brif c, ...`
    Branch(Inst),
    /// `icmp eq|ne c, 0` (or `0, c`)
    ZeroTest(Inst, IntCC),
}

struct Plan {
    /// The entry branch and its destination index.
    entry: (Inst, usize),
    counter: usize,
    counter_param: Value,
    pointer_param: Value,
    /// Two values whose sum is `p0 + c0`.
    end_terms: (Value, Value),
    /// The back edges (branch, destination index).
    backs: Vec<(Inst, usize)>,
    readers: Vec<Reader>,
}

/// The 32-bit constant `k` when `v` is `from + k`: `iadd(from, k)`,
/// `iadd(k, from)` or `isub(from, -k)`.
fn step_from(func: &Function, v: Value, from: Value) -> Option<i32> {
    let constant = |v: Value| iconst_imm(func, v).map(|k| k as i32);
    if let Some((a, b)) = binary_operands(func, v, Opcode::Isub) {
        return if a == from {
            constant(b).map(i32::wrapping_neg)
        } else {
            None
        };
    }
    let (a, b) = binary_operands(func, v, Opcode::Iadd)?;
    match (a == from, b == from) {
        (true, false) => constant(b),
        (false, true) => constant(a),
        _ => None,
    }
}

/// `(x, k)` with `v == x + k` (32-bit): through `iadd`s and `isub`s with
/// a constant, else `(v, 0)`.
fn split_offset(func: &Function, v: Value) -> (Value, i32) {
    let constant = |v: Value| iconst_imm(func, v).map(|k| k as i32);
    let mut base = v;
    let mut offset = 0i32;
    loop {
        if let Some((a, b)) = binary_operands(func, base, Opcode::Isub)
            && let Some(k) = constant(b)
        {
            base = a;
            offset = offset.wrapping_sub(k);
            continue;
        }
        let Some((a, b)) = binary_operands(func, base, Opcode::Iadd) else {
            break;
        };
        match (constant(a), constant(b)) {
            (None, Some(k)) => {
                base = a;
                offset = offset.wrapping_add(k);
            }
            (Some(k), None) => {
                base = b;
                offset = offset.wrapping_add(k);
            }
            _ => break,
        }
    }
    (base, offset)
}

fn plan(func: &Function, view: &LoopView, users: &Users, lp: Loop) -> Option<Plan> {
    let header = view.loops.loop_header(lp);
    if Some(header) == func.layout.entry_block() {
        return None;
    }
    let edges = super::ir_match::edges_into(func, header);
    let (entries, backs): (Vec<_>, Vec<_>) = edges
        .into_iter()
        .partition(|&(_, _, block)| !view.loops.is_in_loop(block, lp));
    let [(entry_inst, entry_dest, _)] = entries[..] else {
        return None;
    };
    if backs.is_empty() {
        return None;
    }
    let backs: Vec<(Inst, usize)> = backs.into_iter().map(|(i, d, _)| (i, d)).collect();
    let params = func.dfg.block_params(header);
    for (counter, &c) in params.iter().enumerate() {
        if func.dfg.value_type(c) != types::I32 {
            continue;
        }
        // Every back edge passes c + K, the same K.
        let mut step = None;
        let mut steps_ok = true;
        for &(inst, dest) in &backs {
            let k = branch_arg(func, inst, dest, counter).and_then(|v| step_from(func, v, c));
            match (k, step) {
                (Some(k), None) if k != 0 => step = Some(k),
                (Some(k), Some(s)) if k == s => {}
                _ => {
                    steps_ok = false;
                    break;
                }
            }
        }
        let (true, Some(k)) = (steps_ok, step) else {
            continue;
        };
        let Some(readers) = counter_readers(func, users, c, counter, &backs, header) else {
            continue;
        };
        if readers.is_empty() {
            continue;
        }
        // A pointer p with p - K on every back edge; preferably one whose
        // entry argument's constant offset cancels c0's, so that the end is
        // one add of two values (`l0 = l + 1`, `n0 = n - 1`: `l + n`).
        let pointers: Vec<usize> = (0..params.len())
            .filter(|&index| {
                let p = params[index];
                index != counter
                    && func.dfg.value_type(p) == types::I32
                    && backs.iter().all(|&(inst, dest)| {
                        branch_arg(func, inst, dest, index).and_then(|v| step_from(func, v, p))
                            == Some(k.wrapping_neg())
                    })
            })
            .collect();
        let c0 = branch_arg(func, entry_inst, entry_dest, counter)?;
        let (c_base, c_offset) = split_offset(func, c0);
        // The end's two terms for pointer `index`, and whether the
        // offsets cancelled.
        let end_for = |index: usize| -> Option<(usize, (Value, Value), bool)> {
            let p0 = branch_arg(func, entry_inst, entry_dest, index)?;
            let (p_base, p_offset) = split_offset(func, p0);
            Some(if p_offset.wrapping_add(c_offset) == 0 {
                (index, (p_base, c_base), true)
            } else {
                (index, (p0, c0), false)
            })
        };
        let ends: Vec<_> = pointers
            .iter()
            .filter_map(|&index| end_for(index))
            .collect();
        let &(pointer, end_terms, _) = ends
            .iter()
            .find(|&&(_, _, cancelled)| cancelled)
            .or(ends.first())?;
        return Some(Plan {
            entry: (entry_inst, entry_dest),
            counter,
            counter_param: c,
            pointer_param: params[pointer],
            end_terms,
            backs,
            readers,
        });
    }
    None
}

/// The tests reading `c`, when everything that reads it is a test or a
/// `c + K` read only as `c`'s own back-edge argument; `None` otherwise.
fn counter_readers(
    func: &Function,
    users: &Users,
    c: Value,
    counter: usize,
    backs: &[(Inst, usize)],
    header: Block,
) -> Option<Vec<Reader>> {
    let dfg = &func.dfg;
    let readers_of = |v: Value| users.get(&v).unwrap_or_default();
    let mut tests = Vec::new();
    for &inst in readers_of(c) {
        match dfg.insts[inst] {
            InstructionData::Binary {
                opcode: Opcode::Iadd | Opcode::Isub,
                ..
            } => {
                // Its result only ever becomes the counter again.
                let next = dfg.first_result(inst);
                for &user in readers_of(next) {
                    if !passes_only_as_counter(func, user, next, counter, backs, header) {
                        return None;
                    }
                }
            }
            InstructionData::Brif { arg, .. } if arg == c => {
                // Not also passed along as a block argument.
                if dfg.inst_values(inst).filter(|&v| v == c).count() != 1 {
                    return None;
                }
                tests.push(Reader::Branch(inst));
            }
            InstructionData::IntCompare {
                opcode: Opcode::Icmp,
                cond: cond @ (IntCC::Equal | IntCC::NotEqual),
                args: [a, b],
            } if (a == c && is_zero(func, b)) || (b == c && is_zero(func, a)) => {
                tests.push(Reader::ZeroTest(inst, cond));
            }
            _ => return None,
        }
    }
    Some(tests)
}

/// Whether `inst` reads `next` only as argument `counter` of back edges to
/// `header` listed in `backs`.
fn passes_only_as_counter(
    func: &Function,
    inst: Inst,
    next: Value,
    counter: usize,
    backs: &[(Inst, usize)],
    header: Block,
) -> bool {
    let dfg = &func.dfg;
    if let InstructionData::Brif { arg, .. } = dfg.insts[inst]
        && arg == next
    {
        return false;
    }
    let calls = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
    if calls.is_empty() {
        return false;
    }
    for (dest, call) in calls.iter().enumerate() {
        for (index, arg) in call.args(&dfg.value_lists).enumerate() {
            if arg == BlockArg::Value(next)
                && (call.block(&dfg.value_lists) != header
                    || index != counter
                    || !backs.contains(&(inst, dest)))
            {
                return false;
            }
        }
    }
    true
}

/// Rewrites the loop of `plan`. The two copies of a versioned loop
/// (`loop_version.rs`) are entered from the same branch with the same
/// end, computed by each copy's own translation: the second reuses the
/// first's slot, one store and one load per entry instead of two of each.
fn apply(func: &mut Function, plan: &Plan, region: AliasRegion, ends: &mut Vec<KeptEnd>) {
    let (entry_inst, _) = plan.entry;
    let (a, b) = plan.end_terms;
    let same = |x: Value, y: Value| same_computation(func, x, y, SAME_END_DEPTH);
    let kept = ends
        .iter()
        .find(|kept| {
            let (c, d) = kept.terms;
            kept.entry == entry_inst && ((same(a, c) && same(b, d)) || (same(a, d) && same(b, c)))
        })
        .map(|kept| kept.end);
    let end = match kept {
        Some(end) => end,
        None => {
            let mut cursor = FuncCursor::new(func).at_inst(entry_inst);
            let sum = cursor.ins().iadd(a, b);
            let slot = OpaqueSlot::new(cursor.func, types::I32, region);
            slot.store(&mut cursor, sum);
            let end = slot.load(&mut cursor);
            ends.push(KeptEnd {
                entry: entry_inst,
                terms: (a, b),
                end,
            });
            end
        }
    };
    let p = plan.pointer_param;
    for reader in &plan.readers {
        match *reader {
            Reader::Branch(brif) => {
                let mut cursor = FuncCursor::new(func).at_inst(brif);
                let test = cursor.ins().icmp(IntCC::NotEqual, p, end);
                if let InstructionData::Brif { arg, .. } = &mut func.dfg.insts[brif] {
                    *arg = test;
                }
            }
            Reader::ZeroTest(icmp, cond) => {
                func.replace(icmp).icmp(cond, p, end);
            }
        }
    }
    // The back edges pass the counter unchanged: a parameter that only ever
    // receives `c0` (or itself), which Cranelift's phi removal replaces by
    // `c0`, and the counting becomes dead code.
    for &(inst, dest) in &plan.backs {
        set_branch_arg(func, inst, dest, plan.counter, plan.counter_param);
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{Block, Function, InstBuilder, Opcode, Value, types};
    use cranelift_frontend::FunctionBuilder;

    use super::test_pointers_for_counters;
    use crate::translate::opaque_slot::KeptLoopView;
    use crate::translate::test_ir;

    /// The entry arguments of one copy of strncmp's byte loop, which
    /// tests its counter parameter first: `p0 = (l & 0x7fffffff) + 1` and
    /// `c0 = n - c_minus`, computed anew for each copy as the translator
    /// does for a versioned loop (`loop_version.rs`); the end is `(l &
    /// 0x7fffffff) + n` when `c_minus` is 1.
    fn strncmp_loop(builder: &mut FunctionBuilder, l: Value, n: Value, c_minus: i64) -> [Value; 2] {
        let masked = builder.ins().band_imm_u(l, 0x7fff_ffff);
        let p0 = builder.ins().iadd_imm_s(masked, 1);
        let c0 = builder.ins().iadd_imm_s(n, -c_minus);
        [p0, c0]
    }

    /// The loop at `header`: `brif c` to the next round, else to `done`
    /// with `p`; the round steps `p` up and `c` down.
    fn body(builder: &mut FunctionBuilder, header: Block, done: Block) {
        let go = builder.create_block();
        builder.switch_to_block(header);
        let p = builder.append_block_param(header, types::I32);
        let c = builder.append_block_param(header, types::I32);
        builder.ins().brif(c, go, &[], done, &[p.into()]);
        builder.switch_to_block(go);
        let p_next = builder.ins().iadd_imm_s(p, 1);
        let c_next = builder.ins().iadd_imm_s(c, -1);
        builder.ins().jump(header, &[p_next.into(), c_next.into()]);
    }

    /// Two copies of the loop, entered from one `brif`, each computing
    /// its own `p0` and `c0` (`c_minus` per copy).
    fn two_copies(c_minus: [i64; 2]) -> Function {
        test_ir::function(
            &[types::I32, types::I32, types::I32],
            &[types::I32],
            |builder, params| {
                let (l, n, which) = (params[0], params[1], params[2]);
                let first = builder.create_block();
                let second = builder.create_block();
                let done = builder.create_block();
                let result = builder.append_block_param(done, types::I32);
                let [p0, c0] = strncmp_loop(builder, l, n, c_minus[0]);
                let [q0, d0] = strncmp_loop(builder, l, n, c_minus[1]);
                builder.ins().brif(
                    which,
                    first,
                    &[p0.into(), c0.into()],
                    second,
                    &[q0.into(), d0.into()],
                );
                body(builder, first, done);
                body(builder, second, done);
                builder.switch_to_block(done);
                builder.ins().return_(&[result]);
            },
        )
    }

    /// [`two_copies`] after the pass, and how many slot stores it has.
    fn rewritten(c_minus: [i64; 2]) -> (Function, usize) {
        let mut func = two_copies(c_minus);
        test_pointers_for_counters(&mut func, &mut KeptLoopView::default());
        test_ir::assert_valid(&func);
        let stores = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b))
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Store)
            .count();
        (func, stores)
    }

    /// Both headers test their pointer against one end, kept in one slot.
    #[test]
    fn twin_loops_share_one_end() {
        let (func, stores) = rewritten([1, 1]);
        assert_eq!(stores, 1, "{}", func.display());
        assert_eq!(func.sized_stack_slots.len(), 1, "{}", func.display());
    }

    /// Different counts (`n - 1` and `n - 2`) are different ends.
    #[test]
    fn loops_with_different_ends_keep_their_own() {
        let (func, stores) = rewritten([1, 2]);
        assert_eq!(stores, 2, "{}", func.display());
    }
}
