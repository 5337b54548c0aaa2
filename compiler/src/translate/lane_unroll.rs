//! Packed loops, unrolled: two turns of a loop per test of its counter.
//!
//! Once `lane_pairs.rs` has packed a loop, its block does in a few vector
//! instructions what took a dozen, and the counter's increment, the
//! pointers' increments, the compare and the branch cost as much as the
//! work (matmul's inner loop on x86_64: 6 of 11 instructions; clang's
//! native loop does four such turns per branch). This pass gives the
//! packed loop a second block that runs two turns per round with one test.
//!
//! It takes a loop whose block `H` loops to itself and leaves it only when
//! `i + k` meets an invariant `L` (`icmp ne` to go on, or `icmp eq` to
//! leave), `i` a parameter of `H` and `i + k` what the back edge passes
//! for it. From a counter `i`, the turns left are the least `n >= 1` with
//! `i + n*k = L` modulo 2^bits. With `k = 2^z * u`, `u` odd, such an `n`
//! exists only if `2^z` divides `D = L - i`, and all of them are congruent
//! modulo `2^(bits - z)`, an even number: so `n` is even exactly when
//! `2^(z+1)` divides `D` (for `D = 0` too: `n = 2^(bits - z)`). Then
//!
//! ```text
//! D(params):  brif (L - i) & (2^(z+1) - 1) == 0, U(params), H(params)
//! H(params):  the body; brif go_on, D(next), exit      (every entry of H goes to D)
//! U(params):  the body; the body again on `next`, without the test
//!             between them; brif go_on, U(next'), exit
//! ```
//!
//! `U` runs only with an even number of turns left, at least two, so the
//! test it drops would have gone on; `H` runs at most one turn in a row.
//! Every turn does what it did, in the same order: only a test whose
//! outcome is known goes.
//!
//! In `U`'s second turn an access at `base + zext(p') + o`, where the
//! root `p` steps by a constant `s` (`p' = p + s`), goes through the first
//! turn's `base + zext(p)` at offset `o + s`: one address per root and
//! turn pair, the step in the immediate. That is the same byte because
//! the loop's entry test put every turn's `p` in `[0, length)`
//! (`loop_version.rs`) when the root's range covers offset 0, so `p + s`
//! does not wrap; and the body neither calls nor grows memory
//! (`lane_pairs.rs` packs no other), so the base is the same.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Type, Value, ValueDef,
    types,
};

use rustc_hash::{FxHashMap, FxHashSet};

use super::ir_match::{
    access_address, append_copy, binary_operands, constant_distance, edges_into, iconst_imm,
    rename_outside, set_access_address, unary_operand, values_read_outside,
};
use super::lane_pairs::PackableLoop;

/// The loop as the pass found it.
struct CountedLoop {
    header: Block,
    branch: Inst,
    /// The branch's condition, and whether it is true to go on.
    condition: Value,
    back_is_then: bool,
    back_args: Vec<Value>,
    exit: Block,
    exit_args: Vec<Value>,
    /// The counter's parameter index and the limit it is compared with.
    counter: usize,
    limit: Limit,
    /// The trailing zero bits of the counter's step.
    step_zeros: u32,
}

/// The invariant the counter meets.
#[derive(Clone, Copy)]
enum Limit {
    /// Defined outside the loop's block (it dominates the block).
    Value(Value),
    /// A constant the block defines itself.
    Const(Type, i64),
}

/// Unrolls the packed loop `packable` (see the module comment); returns
/// whether it did.
pub(super) fn unroll_twice(func: &mut Function, packable: &PackableLoop) -> bool {
    let Some(counted) = counted_loop(func, packable.header) else {
        return false;
    };
    let Some(escaping) = values_used_after(func, &counted) else {
        return false;
    };
    let folded = folded_roots(func, &counted, packable);
    let dispatch = func.dfg.make_block();
    let twice = func.dfg.make_block();
    let params: Vec<Value> = func.dfg.block_params(counted.header).to_vec();
    for &p in &params {
        let ty = func.dfg.value_type(p);
        func.dfg.append_block_param(dispatch, ty);
        func.dfg.append_block_param(twice, ty);
    }
    func.layout.insert_block(dispatch, counted.header);
    func.layout.insert_block_after(twice, counted.header);

    // The exit receives what was used after the loop from whichever block
    // leaves it.
    let mut after: FxHashMap<Value, Value> = FxHashMap::default();
    for &v in &escaping {
        let ty = func.dfg.value_type(v);
        after.insert(v, func.dfg.append_block_param(counted.exit, ty));
    }
    rename_outside(func, Some(counted.header), &after);
    retarget(func, counted.header, dispatch);

    // H: the same body; it goes on through the dispatch.
    let mut exit_args = counted.exit_args.clone();
    exit_args.extend(&escaping);
    rebuild_branch(
        func,
        &counted,
        counted.branch,
        counted.condition,
        dispatch,
        &counted.back_args,
        &exit_args,
    );

    fill_dispatch(func, &counted, dispatch, twice);

    // U: two turns.
    let twice_params: Vec<Value> = func.dfg.block_params(twice).to_vec();
    let mut first: FxHashMap<Value, Value> = params.iter().copied().zip(twice_params).collect();
    copy_body(func, &counted, twice, &mut first, None);
    let mut second: FxHashMap<Value, Value> = params
        .iter()
        .zip(&counted.back_args)
        .map(|(&p, &arg)| (p, mapped(func, &first, arg)))
        .collect();
    let stepped = SecondTurn {
        header: counted.header,
        steps: folded.into_iter().collect(),
        first: &first,
    };
    copy_body(func, &counted, twice, &mut second, Some(&stepped));
    let condition = mapped(func, &second, counted.condition);
    let back: Vec<Value> = counted
        .back_args
        .iter()
        .map(|&v| mapped(func, &second, v))
        .collect();
    let exit: Vec<Value> = exit_args
        .iter()
        .map(|&v| mapped(func, &second, v))
        .collect();
    let mut pos = FuncCursor::new(func).at_bottom(twice);
    let branch = pos.ins().jump(twice, &[]);
    let srcloc = func.srcloc(counted.branch);
    func.set_srcloc(branch, srcloc);
    rebuild_branch(func, &counted, branch, condition, twice, &back, &exit);
    true
}

/// The loop at `header` when it has the shape the pass takes.
fn counted_loop(func: &Function, header: Block) -> Option<CountedLoop> {
    let branch = func.layout.last_inst(header)?;
    let dfg = &func.dfg;
    let InstructionData::Brif { arg, blocks, .. } = dfg.insts[branch] else {
        return None;
    };
    let [then, other] = blocks.map(|call| call.block(&dfg.value_lists));
    let back_is_then = then == header;
    if back_is_then == (other == header) {
        return None;
    }
    let (back, exit) = if back_is_then {
        (blocks[0], blocks[1])
    } else {
        (blocks[1], blocks[0])
    };
    let values = |call: cranelift_codegen::ir::BlockCall| -> Option<Vec<Value>> {
        call.args(&dfg.value_lists)
            .map(|a| match a {
                BlockArg::Value(v) => Some(dfg.resolve_aliases(v)),
                _ => None,
            })
            .collect()
    };
    let (back_args, exit_args) = (values(back)?, values(exit)?);
    let exit = exit.block(&dfg.value_lists);
    let condition = dfg.resolve_aliases(arg);
    let compare = unary_operand(func, condition, Opcode::Uextend).unwrap_or(condition);
    let ValueDef::Result(compare_inst, _) = dfg.value_def(compare) else {
        return None;
    };
    let InstructionData::IntCompare {
        opcode: Opcode::Icmp,
        cond,
        args,
    } = dfg.insts[compare_inst]
    else {
        return None;
    };
    let go_on = if back_is_then {
        IntCC::NotEqual
    } else {
        IntCC::Equal
    };
    if cond != go_on {
        return None;
    }
    let [a, b] = args.map(|v| dfg.resolve_aliases(v));
    let params = dfg.block_params(header);
    // `next` is `i + k`, and the back edge passes it for `i`.
    let counter_of = |next: Value| -> Option<(usize, u32)> {
        let (i, k) = constant_distance(func, next);
        let counter = params.iter().position(|&p| p == i)?;
        let bits = dfg.value_type(i).bits();
        let step = (k as u64) & (u64::MAX >> (64 - bits));
        let zeros = step.trailing_zeros();
        (back_args.get(counter) == Some(&next) && zeros + 1 < bits).then_some((counter, zeros))
    };
    let ((counter, step_zeros), limit) = match (counter_of(a), counter_of(b)) {
        (Some(c), _) => (c, b),
        (_, Some(c)) => (c, a),
        _ => return None,
    };
    let limit = match defining_block(func, limit) {
        Some(block) if block != header => Limit::Value(limit),
        _ => Limit::Const(dfg.value_type(limit), iconst_imm(func, limit)?),
    };
    Some(CountedLoop {
        header,
        branch,
        condition,
        back_is_then,
        back_args,
        exit,
        exit_args,
        counter,
        limit,
        step_zeros,
    })
}

fn defining_block(func: &Function, v: Value) -> Option<Block> {
    match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        ValueDef::Param(block, _) => Some(block),
        _ => None,
    }
}

/// The values the loop's block defines that other blocks read; `None`
/// when the exit has another predecessor (it would not dominate those
/// reads).
fn values_used_after(func: &Function, counted: &CountedLoop) -> Option<Vec<Value>> {
    if edges_into(func, counted.exit).len() != 1 {
        return None;
    }
    let header = counted.header;
    let defined: FxHashSet<Value> = func
        .dfg
        .block_params(header)
        .iter()
        .copied()
        .chain(
            func.layout
                .block_insts(header)
                .flat_map(|inst| func.dfg.inst_results(inst).iter().copied()),
        )
        .collect();
    Some(values_read_outside(func, header, &defined))
}

/// The hoisted roots the second turn may address as the first turn's
/// root plus their step `s` (see the module comment), with `s`.
fn folded_roots(
    func: &Function,
    counted: &CountedLoop,
    packable: &PackableLoop,
) -> Vec<(Value, i64)> {
    let params = func.dfg.block_params(counted.header);
    packable
        .roots
        .iter()
        .filter(|root| root.min_plus <= 0 && root.max_end >= 1)
        .filter_map(|root| {
            let p = func.dfg.resolve_aliases(root.value);
            let index = params.iter().position(|&q| q == p)?;
            let next = counted.back_args[index];
            let (from, k) = constant_distance(func, next);
            (from == p && func.dfg.value_type(p) == types::I32).then_some((p, i64::from(k as i32)))
        })
        .collect()
}

/// `v` as `map` renames it (aliases resolved).
fn mapped(func: &Function, map: &FxHashMap<Value, Value>, v: Value) -> Value {
    let v = func.dfg.resolve_aliases(v);
    map.get(&v).copied().unwrap_or(v)
}

/// Makes every branch to `from` go to `to` instead, with the same
/// arguments.
fn retarget(func: &mut Function, from: Block, to: Block) {
    for (branch, index, _) in edges_into(func, from) {
        let dfg = &mut func.dfg;
        dfg.insts[branch].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables)
            [index]
            .set_block(to, &mut dfg.value_lists);
    }
}

/// Replaces `branch` by the loop's conditional branch on `condition`: on
/// to `back` with `back_args`, out to the exit with `exit_args`.
fn rebuild_branch(
    func: &mut Function,
    counted: &CountedLoop,
    branch: Inst,
    condition: Value,
    back: Block,
    back_args: &[Value],
    exit_args: &[Value],
) {
    let back_args: Vec<BlockArg> = back_args.iter().map(|&v| BlockArg::Value(v)).collect();
    let exit_args: Vec<BlockArg> = exit_args.iter().map(|&v| BlockArg::Value(v)).collect();
    let replacer = func.replace(branch);
    if counted.back_is_then {
        replacer.brif(condition, back, &back_args, counted.exit, &exit_args);
    } else {
        replacer.brif(condition, counted.exit, &exit_args, back, &back_args);
    }
}

/// The dispatch: to the two-turn block when an even number of turns is
/// left, else to the one-turn block.
fn fill_dispatch(func: &mut Function, counted: &CountedLoop, dispatch: Block, twice: Block) {
    let params: Vec<BlockArg> = func
        .dfg
        .block_params(dispatch)
        .iter()
        .map(|&v| BlockArg::Value(v))
        .collect();
    let counter = func.dfg.block_params(dispatch)[counted.counter];
    let srcloc = func.srcloc(counted.branch);
    let mut pos = FuncCursor::new(func)
        .at_bottom(dispatch)
        .with_srcloc(srcloc);
    let limit = match counted.limit {
        Limit::Value(v) => v,
        Limit::Const(ty, imm) => pos.ins().iconst(ty, imm),
    };
    let distance = pos.ins().isub(limit, counter);
    let low_bits = pos
        .ins()
        .band_imm_u(distance, (1i64 << (counted.step_zeros + 1)) - 1);
    let even = pos.ins().icmp_imm_s(IntCC::Equal, low_bits, 0);
    pos.ins()
        .brif(even, twice, &params, counted.header, &params);
}

/// The second turn's accesses through a root that steps by a constant:
/// the first turn's address, the step added to the offset.
struct SecondTurn<'a> {
    header: Block,
    /// Root (a parameter of the loop's block) -> its step.
    steps: FxHashMap<Value, i64>,
    /// The first turn's renaming of the loop's values.
    first: &'a FxHashMap<Value, Value>,
}

/// Appends one turn of the loop's body (its branch left out) to `block`,
/// reading `map`'s renaming of the loop block's values and adding its
/// results to it.
fn copy_body(
    func: &mut Function,
    counted: &CountedLoop,
    block: Block,
    map: &mut FxHashMap<Value, Value>,
    second: Option<&SecondTurn>,
) {
    let insts: Vec<Inst> = func
        .layout
        .block_insts(counted.header)
        .filter(|&i| i != counted.branch)
        .collect();
    for inst in insts {
        let copy = append_copy(func, block, inst, map);
        if let Some(second) = second
            && let Some(step) = stepped_root(func, inst, second)
            && let Some((address, offset)) = access_address(func, inst)
            && let Ok(stepped) = i32::try_from(i64::from(offset) + step)
        {
            let first_address = mapped(func, second.first, address);
            set_access_address(func, copy, first_address, stepped);
        }
    }
}

/// For a load or store of the loop's block at `x + uextend(root)` with
/// a stepping root: the root's step.
fn stepped_root(func: &Function, inst: Inst, second: &SecondTurn) -> Option<i64> {
    let (address, _) = access_address(func, inst)?;
    let (x, y) = binary_operands(func, address, Opcode::Iadd)?;
    let stepped = |index: Value, base: Value| {
        let root = unary_operand(func, index, Opcode::Uextend)?;
        let &step = second.steps.get(&root)?;
        (func.dfg.value_type(index) == types::I64 && same_every_turn(func, second.header, base))
            .then_some(step)
    };
    stepped(x, y).or_else(|| stepped(y, x))
}

/// Whether `v` has one value in every turn of the loop at `header`:
/// defined outside it, or a read-only load through such a value (the
/// memory base from the vmctx, which `memory.rs` loads where it is used).
fn same_every_turn(func: &Function, header: Block, v: Value) -> bool {
    let outside = |v: Value| defining_block(func, v) != Some(header);
    let v = func.dfg.resolve_aliases(v);
    outside(v)
        || match func.dfg.value_def(v) {
            ValueDef::Result(inst, _) => match func.dfg.insts[inst] {
                InstructionData::Load { arg, .. } => {
                    func.dfg.insts[inst]
                        .memflags_data(&func.dfg)
                        .is_some_and(|flags| flags.readonly())
                        && outside(arg)
                }
                _ => false,
            },
            _ => false,
        }
}
