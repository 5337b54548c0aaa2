//! Straight-line versions: one test for a run of explicit bounds checks.
//!
//! Code that reaches into a struct or an unrolled array checks every field
//! it touches: n-body's position update reads and writes fifteen fields of
//! five bodies at `b + k`, each behind its own `cmp` and `jg`. The checks
//! cannot simply be merged into one check of the widest range: when the
//! last field is out of bounds, Wasm requires the stores before it to have
//! happened when the trap is taken. So the block is versioned, as
//! `loop_version.rs` versions loops:
//!
//! ```text
//! head:  code before the first check of the run
//!        ok = every check of the run would pass   (one compare per root)
//!        brif ok, fast, slow
//! fast:  the rest of the block, those checks left out
//!        jump join(live-out values)
//! slow:  the rest of the block as it was, every check in place (cold)
//!        jump join(live-out values)
//! join:  the block's terminator
//! ```
//!
//! Nothing traps early or late: when the test fails, the untouched code
//! runs and traps where it always did.
//!
//! The test. Each check traps when `zext(a) > y` for the i32 address
//! `a = root + c` (modulo 2^32) and `y = base + d`, where `|y| < 2^34`
//! (`check_shape.rs` reads both forms the translator emits). For the
//! checks of one `(root, base)` pair, with `R = uextend(root)`:
//!
//! ```text
//! ok = R <= base + min(d - c)      and, when some c < 0,   R >= -min(c)
//! ```
//!
//! Each check then passes: `0 <= R + c <= base + d`. If `R + c < 2^32`
//! it is the i64 value of `a`, which is compared; else `base + d >= 2^32`
//! exceeds every zero-extended address. (In aarch64's form `R + c <=
//! base + d = y < 2^32` is `a`, compared with `y`.) `root` and `base` must be defined
//! before the run starts (the test reads them there); checks whose pair
//! is not both are left in both copies, as are pairs with a single check.
//!
//! Which blocks: the run starts at the first check from which the pairs
//! with two or more checks save at least [`MIN_SAVED`] compares over the
//! test's own, and it spans at most [`MAX_RUN_INSTS`] instructions (the
//! copy's code size). Only the first such run of a block is versioned.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};
use rustc_hash::{FxHashMap, FxHashSet};

use super::check_shape::{Check, check_of};
use super::ir_match::{append_copy, edges_into, rename_outside, values_read_outside};

/// Compares the fast copy must save over its test before a run is
/// versioned. Short runs are left alone: with 2, every benchmark had runs
/// versioned (x86_64 `.text` +1.3 to +3.2 %) and only n-body and hashmap
/// ran fewer instructions (-2.4 %, -1.1 %; CoreMark +0.25 %). n-body ran
/// -5.1 % with 8, which versions its position update (20 checks, a test
/// of 2) but not the checked copy of its inner loop, whose copy changed
/// the allocation of the loop nest around it.
pub const MIN_SAVED: usize = 8;

/// Longest run (instructions from its first check to the block's end)
/// that is copied.
pub const MAX_RUN_INSTS: usize = 400;

/// Most runs versioned in one function (each copies up to
/// [`MAX_RUN_INSTS`] instructions).
const MAX_RUNS: usize = 64;

/// Blocks a run's block absorbs before it is copied, and their largest size
/// (see `absorb_jump_targets`).
const MAX_ABSORBED: usize = 2;
const MAX_ABSORBED_INSTS: usize = 16;

/// The checks of one `(root, base)` pair a run's test covers.
#[derive(Debug)]
struct Pair {
    root: Value,
    base: Value,
    /// `min(d - c)` over its checks.
    slack: i64,
    /// `min(c)` over its checks.
    lowest: i64,
    traps: Vec<Inst>,
}

impl Pair {
    /// Compares its part of the test costs.
    fn test_cost(&self) -> usize {
        if self.lowest < 0 { 2 } else { 1 }
    }
}

/// A run chosen for versioning: where it starts and what its test covers.
struct Run {
    block: Block,
    first: Inst,
    pairs: Vec<Pair>,
}

/// Versions the runs of bounds checks in `func` (see the module comment).
/// Returns whether it changed the function.
pub fn version_straight_runs(func: &mut Function) -> bool {
    // One block at a time, each read after the previous one was versioned:
    // versioning renames the values a run leaves to later code.
    let blocks: Vec<Block> = func.layout.blocks().collect();
    let mut versioned = 0;
    for block in blocks {
        if versioned == MAX_RUNS {
            break;
        }
        if let Some(run) = run_in(func, block) {
            version(func, &run);
            versioned += 1;
        }
    }
    versioned > 0
}

/// The run of `block` worth versioning, if any.
fn run_in(func: &Function, block: Block) -> Option<Run> {
    let insts: Vec<Inst> = func.layout.block_insts(block).collect();
    let position: FxHashMap<Inst, usize> = insts.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let checks: Vec<Check> = insts
        .iter()
        .enumerate()
        .filter_map(|(i, &inst)| check_of(func, inst, i))
        .collect();
    // Defined before position `start`: not by an instruction of the block
    // at or after it (a parameter of the block or a value from a
    // dominating block is defined before all of it).
    let defined_before = |v: Value, start: usize| match func.dfg.value_def(v) {
        ValueDef::Result(inst, _) => position.get(&inst).is_none_or(|&p| p < start),
        _ => true,
    };
    for (k, first) in checks.iter().enumerate() {
        let start = first.position;
        if insts.len() - start > MAX_RUN_INSTS {
            continue;
        }
        let mut pairs: Vec<Pair> = Vec::new();
        for check in &checks[k..] {
            if !defined_before(check.root, start) || !defined_before(check.base, start) {
                continue;
            }
            let slack = check.d - check.c;
            match pairs
                .iter_mut()
                .find(|p| p.root == check.root && p.base == check.base)
            {
                Some(pair) => {
                    pair.slack = pair.slack.min(slack);
                    pair.lowest = pair.lowest.min(check.c);
                    pair.traps.push(check.trap);
                }
                None => pairs.push(Pair {
                    root: check.root,
                    base: check.base,
                    slack,
                    lowest: check.c,
                    traps: vec![check.trap],
                }),
            }
        }
        pairs.retain(|p| p.traps.len() >= 2);
        let removed: usize = pairs.iter().map(|p| p.traps.len()).sum();
        let cost: usize = pairs.iter().map(Pair::test_cost).sum();
        if removed >= cost + MIN_SAVED {
            return Some(Run {
                block,
                first: insts[start],
                pairs,
            });
        }
    }
    None
}

/// Splits `run.block` at its first check into the test, the fast copy,
/// the original (slow) code and the join (see the module comment).
fn version(func: &mut Function, run: &Run) {
    absorb_jump_targets(func, run.block);
    let slow = func.dfg.make_block();
    func.layout.split_block(slow, run.first);
    let terminator = func
        .layout
        .last_inst(slow)
        .expect("a split block keeps its terminator");
    let run_insts: Vec<Inst> = func.layout.block_insts(slow).collect();
    let read_later = values_read_outside(func, slow, &results_of(func, &run_insts));
    // Both copies end with the block's terminator when no other block reads
    // a value of the run (a branch condition then stays a flag); else they
    // meet at a join that receives those values and ends with it.
    let copy_terminator = read_later.is_empty() && clonable(func, terminator);
    let (copied, live_out) = if copy_terminator {
        (run_insts, None)
    } else {
        let join = func.dfg.make_block();
        func.layout.split_block(join, terminator);
        // What only the terminator (and values read after the run) needs
        // is computed once, in the join, from the values it receives.
        let sunk = sinkable_tail(func, &run_insts[..run_insts.len() - 1]);
        for &inst in &sunk {
            func.layout.remove_inst(inst);
            func.layout.insert_inst(inst, terminator);
        }
        let kept: Vec<Inst> = func.layout.block_insts(slow).collect();
        let live_out = values_read_outside(func, slow, &results_of(func, &kept));
        let mut joined: FxHashMap<Value, Value> = FxHashMap::default();
        for &v in &live_out {
            let ty = func.dfg.value_type(v);
            joined.insert(v, func.dfg.append_block_param(join, ty));
        }
        rename_outside(func, Some(slow), &joined);
        let args: Vec<BlockArg> = live_out.iter().map(|&v| BlockArg::Value(v)).collect();
        FuncCursor::new(func)
            .at_bottom(slow)
            .ins()
            .jump(join, &args);
        (kept, Some((join, live_out)))
    };

    // The fast copy.
    let fast = func.dfg.make_block();
    func.layout.insert_block_after(fast, run.block);
    let removed: FxHashSet<Inst> = run
        .pairs
        .iter()
        .flat_map(|p| p.traps.iter().copied())
        .collect();
    let copies = copy_into(func, fast, &copied, &removed);
    if let Some((join, live_out)) = live_out {
        let args: Vec<BlockArg> = live_out
            .iter()
            .map(|v| BlockArg::Value(copies.get(v).copied().unwrap_or(*v)))
            .collect();
        FuncCursor::new(func)
            .at_bottom(fast)
            .ins()
            .jump(join, &args);
    }

    // The test, at the end of the head.
    let ok = emit_test(func, run);
    let mut cursor = FuncCursor::new(func).at_bottom(run.block);
    cursor.ins().brif(ok, fast, &[], slow, &[]);
    func.layout.set_cold(slow);
}

/// Appends to `block` copies of `insts` but `skipped`, reading the copies'
/// results where the originals read the originals'. Returns the map from
/// original to copied results.
fn copy_into(
    func: &mut Function,
    block: Block,
    insts: &[Inst],
    skipped: &FxHashSet<Inst>,
) -> FxHashMap<Value, Value> {
    let mut copies: FxHashMap<Value, Value> = FxHashMap::default();
    for &inst in insts {
        if !skipped.contains(&inst) {
            append_copy(func, block, inst, &mut copies);
        }
    }
    copies
}

/// Emits at the end of `run.block` the test that every check of the run's
/// pairs would pass (see the module comment): an `i8`, nonzero if so.
fn emit_test(func: &mut Function, run: &Run) -> Value {
    let mut cursor = FuncCursor::new(func).at_bottom(run.block);
    let mut ok: Option<Value> = None;
    for pair in &run.pairs {
        let r = cursor.ins().uextend(types::I64, pair.root);
        let last = cursor.ins().iadd_imm_s(pair.base, pair.slack);
        let mut pair_ok = cursor.ins().icmp(IntCC::SignedLessThanOrEqual, r, last);
        if pair.lowest < 0 {
            let above = cursor
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, r, -pair.lowest);
            pair_ok = cursor.ins().band(pair_ok, above);
        }
        ok = Some(match ok {
            Some(all) => cursor.ins().band(all, pair_ok),
            None => pair_ok,
        });
    }
    ok.expect("a versioned run tests at least one pair")
}

/// Blocks reached only by a `jump` at the end of `block` join it (at most
/// [`MAX_ABSORBED`] of up to [`MAX_ABSORBED_INSTS`] instructions): the
/// translator ends a Wasm `br_if` at the bottom of a loop with a jump to
/// a block that tests its condition. Copied with the run, that test stays
/// a flag; left behind, both copies would pass the condition to it as a
/// block argument, materialized as an integer.
fn absorb_jump_targets(func: &mut Function, block: Block) {
    for _ in 0..MAX_ABSORBED {
        let Some(jump) = func.layout.last_inst(block) else {
            return;
        };
        let InstructionData::Jump { destination, .. } = func.dfg.insts[jump] else {
            return;
        };
        let target = destination.block(&func.dfg.value_lists);
        if target == block
            || func.layout.entry_block() == Some(target)
            || edges_into(func, target).len() != 1
            || func.layout.block_insts(target).count() > MAX_ABSORBED_INSTS
        {
            return;
        }
        let Some(args) = destination
            .args(&func.dfg.value_lists)
            .map(|arg| match arg {
                BlockArg::Value(v) => Some(v),
                _ => None,
            })
            .collect::<Option<Vec<Value>>>()
        else {
            return;
        };
        let params = func.dfg.block_params(target).to_vec();
        func.dfg.detach_block_params(target);
        func.layout.remove_inst(jump);
        let moved: Vec<Inst> = func.layout.block_insts(target).collect();
        for inst in moved {
            func.layout.remove_inst(inst);
            func.layout.append_inst(inst, block);
        }
        func.layout.remove_block(target);
        let renamed: FxHashMap<Value, Value> = params.into_iter().zip(args).collect();
        rename_outside(func, None, &renamed);
    }
}

/// The instructions of `run` (in order) that can move below it, to its
/// join: pure ones whose results no instruction of the run that stays
/// reads.
fn sinkable_tail(func: &Function, run: &[Inst]) -> Vec<Inst> {
    let mut sunk: FxHashSet<Inst> = FxHashSet::default();
    // Values read by the instructions that stay, found walking backwards.
    let mut read_by_kept: FxHashSet<Value> = FxHashSet::default();
    for &inst in run.iter().rev() {
        let read = func
            .dfg
            .inst_results(inst)
            .iter()
            .any(|v| read_by_kept.contains(v));
        if !read && is_pure(func, inst) {
            sunk.insert(inst);
            continue;
        }
        for v in func.dfg.inst_values(inst) {
            read_by_kept.insert(func.dfg.resolve_aliases(v));
        }
    }
    run.iter().copied().filter(|i| sunk.contains(i)).collect()
}

/// Whether `inst` only computes its one result: no memory, no trap, no
/// branch or call.
fn is_pure(func: &Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    func.dfg.inst_results(inst).len() == 1
        && !(op.is_call()
            || op.is_branch()
            || op.is_terminator()
            || op.can_trap()
            || op.can_load()
            || op.can_store()
            || op.other_side_effects())
}

/// Whether a copy of terminator `inst` may branch alongside it: a jump,
/// a two-way branch or a return (a `br_table`'s jump table and a call's
/// exception table would be shared with the original).
fn clonable(func: &Function, inst: Inst) -> bool {
    matches!(
        func.dfg.insts[inst].opcode(),
        Opcode::Jump | Opcode::Brif | Opcode::Return | Opcode::Trap
    )
}

/// The results of `insts`.
fn results_of(func: &Function, insts: &[Inst]) -> FxHashSet<Value> {
    insts
        .iter()
        .flat_map(|&inst| func.dfg.inst_results(inst).iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::data_value::DataValue;
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{Function, InstBuilder, TrapCode, Value, types};
    use cranelift_frontend::FunctionBuilder;

    use super::version_straight_runs;
    use crate::translate::test_ir;

    /// A check as the translator emits it: traps unless
    /// `zext(address) <= last_start`.
    fn check(b: &mut FunctionBuilder, address: Value, last_start: Value) {
        let wide = b.ins().uextend(types::I64, address);
        let out = b.ins().icmp(IntCC::SignedGreaterThan, wide, last_start);
        b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    /// The same check in aarch64's form, for `0 <= last_start < 2^32`.
    fn check32(b: &mut FunctionBuilder, address: Value, last_start: Value) {
        let narrow = b.ins().ireduce(types::I32, last_start);
        let out = b.ins().icmp(IntCC::UnsignedGreaterThan, address, narrow);
        b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    /// `fn(root: i32, length: i64) -> i64`: checks of `root + c` against
    /// `length - end` for each `(c, end)` of `accesses`, each followed by
    /// arithmetic standing for the access (the sum of the addresses). With
    /// `read_in_successor`, the sum is returned from a second block, which
    /// reads it directly rather than as a block argument.
    fn run_of_checks(accesses: &[(i64, i64)], read_in_successor: bool) -> Function {
        run_of(accesses, read_in_successor, check)
    }

    /// `run_of_checks` with the checks `emit_check` makes.
    fn run_of(
        accesses: &[(i64, i64)],
        read_in_successor: bool,
        emit_check: fn(&mut FunctionBuilder, Value, Value),
    ) -> Function {
        test_ir::function(&[types::I32, types::I64], &[types::I64], |b, params| {
            let (root, length) = (params[0], params[1]);
            let mut sum = b.ins().iconst(types::I64, 0);
            for &(c, end) in accesses {
                let address = b.ins().iadd_imm_s(root, c);
                let last_start = b.ins().iadd_imm_s(length, -end);
                emit_check(b, address, last_start);
                let wide = b.ins().uextend(types::I64, address);
                sum = b.ins().iadd(sum, wide);
            }
            if read_in_successor {
                let next = b.create_block();
                b.ins().jump(next, &[]);
                b.switch_to_block(next);
            }
            b.ins().return_(&[sum]);
        })
    }

    /// The result of calling `func` with `args`: `None` if it trapped.
    fn run(func: &Function, args: &[DataValue]) -> Option<Vec<DataValue>> {
        test_ir::interpret(func, args).ok()
    }

    /// Versions `func` and checks that the result is valid IR and traps or
    /// returns exactly as the original on inputs around every boundary of
    /// the checks (addresses that wrap included).
    fn versioned_agrees(func: &Function) -> Function {
        versioned_agrees_for(
            func,
            &[
                0,
                1,
                64,
                100,
                107,
                108,
                109,
                200,
                4096,
                4200,
                1 << 16,
                1 << 32,
            ],
        )
    }

    /// `versioned_agrees` for the given memory lengths (each also 2 below
    /// and above).
    fn versioned_agrees_for(func: &Function, lengths: &[i64]) -> Function {
        let mut versioned = func.clone();
        assert!(version_straight_runs(&mut versioned), "{}", func.display());
        test_ir::assert_valid(&versioned);
        let roots = [
            0u32,
            1,
            7,
            8,
            9,
            100,
            4096,
            65_535,
            u32::MAX - 16,
            u32::MAX - 7,
            u32::MAX,
        ];
        let mut trapped = 0;
        for &root in &roots {
            for &length in lengths {
                for delta in [-2i64, -1, 0, 1, 2] {
                    let args = [DataValue::I32(root as i32), DataValue::I64(length + delta)];
                    let expected = run(func, &args);
                    trapped += usize::from(expected.is_none());
                    assert_eq!(
                        run(&versioned, &args),
                        expected,
                        "root {root}, length {}\n{}",
                        length + delta,
                        versioned.display()
                    );
                }
            }
        }
        assert!(trapped > 0, "the inputs never reach a trap");
        versioned
    }

    /// Twelve fields of a struct at `root - 8 .. root + 100`.
    const FIELDS: [(i64, i64); 12] = [
        (0, 8),
        (8, 8),
        (-8, 8),
        (16, 4),
        (24, 8),
        (32, 8),
        (40, 8),
        (48, 8),
        (56, 8),
        (64, 8),
        (72, 8),
        (96, 4),
    ];

    #[test]
    fn a_long_run_gets_one_test_and_an_unchecked_copy() {
        let versioned = versioned_agrees(&run_of_checks(&FIELDS, false));
        let checks = test_ir::heap_checks_per_block(&versioned);
        // The head, the fast copy, the cold original with every check.
        assert!(checks.contains(&(true, FIELDS.len())), "{checks:?}");
        assert_eq!(
            checks.iter().map(|&(_, n)| n).sum::<usize>(),
            FIELDS.len(),
            "{}",
            versioned.display()
        );
    }

    #[test]
    fn aarch64_checks_in_32_bits_are_versioned_too() {
        // Lengths at least the largest end (104) and at most 2^32, as the
        // translator uses this form only then.
        let func = run_of(&FIELDS, false, check32);
        versioned_agrees_for(&func, &[106, 107, 108, 109, 200, 4096, (1 << 32) - 2]);
    }

    #[test]
    fn values_read_after_the_run_meet_at_a_join() {
        let versioned = versioned_agrees(&run_of_checks(&FIELDS, true));
        let joins = versioned
            .layout
            .blocks()
            .filter(|&block| !versioned.dfg.block_params(block).is_empty())
            .count();
        assert_eq!(joins, 1, "{}", versioned.display());
    }

    #[test]
    fn short_runs_are_left_alone() {
        let mut func = run_of_checks(&FIELDS[..4], false);
        assert!(!version_straight_runs(&mut func));
    }

    /// Six checks of `a` (a parameter), then six of `b`: a parameter, or
    /// loaded between the two halves.
    fn two_halves(b_is_loaded: bool) -> Function {
        test_ir::function(&[types::I32, types::I32, types::I64], &[], |b, params| {
            let (a, param_b, length) = (params[0], params[1], params[2]);
            let last_start = b.ins().iadd_imm_s(length, -8);
            for c in 0..6 {
                let address = b.ins().iadd_imm_s(a, 8 * c);
                check(b, address, last_start);
            }
            let second = if b_is_loaded {
                let slot = b.create_sized_stack_slot(cranelift_codegen::ir::StackSlotData::new(
                    cranelift_codegen::ir::StackSlotKind::ExplicitSlot,
                    4,
                    2,
                ));
                b.ins().stack_load(types::I64, types::I32, slot, 0)
            } else {
                param_b
            };
            for c in 0..6 {
                let address = b.ins().iadd_imm_s(second, 8 * c);
                check(b, address, last_start);
            }
            b.ins().return_(&[]);
        })
    }

    #[test]
    fn checks_of_an_address_computed_inside_the_run_stay() {
        // Twelve checks of two roots pay for a test of both...
        assert!(version_straight_runs(&mut two_halves(false)));
        // ...but a root loaded after the run starts cannot be tested
        // before it, and six checks alone do not pay.
        let mut func = two_halves(true);
        assert!(!version_straight_runs(&mut func), "{}", func.display());
    }
}
