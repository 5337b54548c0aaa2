//! Lane pairs: two iterations' worth of `f64` work in one vector operation.
//!
//! clang compiles `c[j] += a * b[j]` for Wasm without SIMD as a loop that
//! does two elements per round, each with its own `f64.load`s, `f64.mul`,
//! `f64.add` and `f64.store` at offsets `0` and `8` from the same pointers.
//! Native code does both with one `mulpd`/`addpd`; Wasmtime and wafer did
//! them one by one (matmul ran at half native speed). This pass finds two
//! `f64` stores at `p + o` and `p + o + 8` in the body of a versioned loop
//! whose stored values are the same tree of float operations over loads
//! from adjacent addresses (or one value both lanes use), and replaces the
//! pair by the tree's `f64x2` form: one 16-byte load per load pair, one
//! vector operation per pair of operations, a `splat` for a shared value
//! and one 16-byte store. The lanes compute exactly what the scalar code
//! computed (IEEE operations lane by lane).
//!
//! What makes it sound is the loop's entry test (`loop_version.rs`),
//! which let the unchecked copy run only when
//! - every access through a hoisted range is in bounds in every iteration,
//!   so none of the block's accesses can trap and reordering them cannot
//!   move a trap or the stores before it; and
//! - the bytes a written range covers over the whole loop share nothing
//!   with any other range's, so two accesses through different groups of
//!   ranges never overlap.
//!
//! The pass then only takes a loop whose body is one block that loops to
//! itself, in which every memory access is at `base + zext(root) +
//! offset` for a root of a hoisted range and inside that range, and which
//! holds nothing else that can trap, call or touch memory. The packed
//! accesses all happen at the second store's place: each access whose
//! order against a store changes must be apart from it, either through
//! different groups or through disjoint offsets from the same root.
//!
//! A packed loop then gets a second block running two turns per test of
//! its counter (`lane_unroll.rs`).

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, MemFlagsData, Opcode, Type,
    Value, ValueDef, types,
};

use super::fold_after_access::{extended_i32, same_memory};
use super::ir_match::{Users, binary_operands, remove_dead_code, users};

/// A hoisted range's induction at the header of the unchecked copy.
#[derive(Clone, Copy, Debug)]
pub struct PackableRoot {
    /// The local's value at the header (a block parameter, or an alias).
    pub value: Value,
    /// Ranges of one group are tested as one.
    pub group: usize,
    /// Whether the entry test kept the group apart from every other group
    /// (it does so for the groups the loop writes through, as the scan
    /// saw them).
    pub kept_apart: bool,
    /// The offsets from `value` every iteration's accesses lie in.
    pub min_plus: i64,
    pub max_end: i64,
}

/// The header of a versioned loop's unchecked copy whose entry test also
/// kept written ranges apart (see the module comment).
#[derive(Clone, Debug)]
pub struct PackableLoop {
    pub header: Block,
    pub roots: Vec<PackableRoot>,
    /// The entry branch and the checked copy's header, when the unchecked
    /// copy exists only to be packed (guard mode): if nothing is packed
    /// the branch jumps to the checked copy and the unchecked one goes.
    pub unless_packed: Option<(Inst, Block)>,
    /// The entry test, and its part without the test that written ranges
    /// are apart: if nothing is packed the test is the bounds alone.
    pub apart_test: Option<(Value, Value)>,
}

/// Most pairs packed in one loop body (each search rescans the body).
const MAX_PAIRS: usize = 16;

/// Deepest tree of operations matched per lane.
const MAX_DEPTH: u32 = 8;

/// Packs the lane pairs of each loop in `loops`; returns whether `func`
/// changed.
pub fn pack_lane_pairs(func: &mut Function, loops: &[PackableLoop]) -> bool {
    let mut changed = false;
    let mut dropped = false;
    for packable in loops {
        let mut packed = false;
        for _ in 0..MAX_PAIRS {
            let Some(plan) = plan_pair(func, packable) else {
                break;
            };
            apply(func, &plan);
            packed = true;
        }
        if packed {
            super::lane_unroll::unroll_twice(func, packable);
        }
        if let (false, Some((branch, checked))) = (packed, packable.unless_packed) {
            // The checked copy's header has parameters once its variables
            // are resolved: the jump passes what the branch passed.
            let dfg = &func.dfg;
            let args: Vec<BlockArg> = dfg.insts[branch]
                .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
                .iter()
                .find(|call| call.block(&dfg.value_lists) == checked)
                .map(|call| call.args(&dfg.value_lists).collect())
                .unwrap_or_default();
            func.replace(branch).jump(checked, &args);
            dropped = true;
        } else if let (false, Some((test, bounds))) = (packed, packable.apart_test)
            && let ValueDef::Result(band, _) = func.dfg.value_def(test)
        {
            func.layout.remove_inst(band);
            func.dfg.detach_inst_results(band);
            func.dfg.change_to_alias(test, bounds);
        }
        changed |= packed;
    }
    if dropped {
        remove_unreachable_blocks(func);
        remove_dead_code(func);
    }
    changed || dropped
}

/// Removes the blocks no path from the entry reaches (the unchecked copies
/// of loops that were not packed), so that later passes do not see them.
fn remove_unreachable_blocks(func: &mut Function) {
    let Some(entry) = func.layout.entry_block() else {
        return;
    };
    let mut reached = cranelift_codegen::entity::EntitySet::with_capacity(func.dfg.num_blocks());
    let mut work = vec![entry];
    reached.insert(entry);
    while let Some(block) = work.pop() {
        let Some(last) = func.layout.last_inst(block) else {
            continue;
        };
        let dfg = &func.dfg;
        for call in dfg.insts[last].branch_destination(&dfg.jump_tables, &dfg.exception_tables) {
            let target = call.block(&dfg.value_lists);
            if reached.insert(target) {
                work.push(target);
            }
        }
    }
    let dead: Vec<Block> = func
        .layout
        .blocks()
        .filter(|&b| !reached.contains(b))
        .collect();
    for block in dead {
        while let Some(inst) = func.layout.first_inst(block) {
            func.layout.remove_inst(inst);
        }
        func.layout.remove_block(block);
    }
}

/// A memory access of the loop body.
#[derive(Clone, Copy)]
struct Access {
    inst: Inst,
    /// Index into the loop's roots.
    root: usize,
    /// The memory base the address adds to.
    base: Value,
    offset: i64,
    size: i64,
    store: bool,
    /// Position in the block.
    at: usize,
}

/// The same operation in both lanes: what the vector form is built from.
enum Node {
    /// One value both lanes use.
    Splat(Value),
    /// Loads from `p + o` (lane 0) and `p + o + 8` (lane 1).
    Load([Inst; 2]),
    Unary(Opcode, Box<Node>, [Inst; 2]),
    Binary(Opcode, Box<Node>, Box<Node>, [Inst; 2]),
}

struct Plan {
    stores: [Inst; 2],
    tree: Node,
}

/// The body's accesses, or `None` when the loop is not one the pass may
/// reorder (see the module comment).
fn body_accesses(func: &Function, packable: &PackableLoop) -> Option<Vec<Access>> {
    let header = packable.header;
    if !func.layout.is_block_inserted(header) {
        return None;
    }
    let last = func.layout.last_inst(header)?;
    let targets =
        func.dfg.insts[last].branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
    let back_edges = targets
        .iter()
        .filter(|call| call.block(&func.dfg.value_lists) == header)
        .count();
    if func.dfg.insts[last].opcode() != Opcode::Brif || back_edges != 1 {
        return None;
    }
    let mut accesses = Vec::new();
    for (at, inst) in func.layout.block_insts(header).enumerate() {
        let data = &func.dfg.insts[inst];
        let opcode = data.opcode();
        if inst == last {
            continue;
        }
        let flags = data.memflags_data(&func.dfg);
        match (*data, flags) {
            // The memory bases: read-only fields of the memory records.
            (InstructionData::Load { .. }, Some(flags)) if flags.readonly() => {}
            (InstructionData::Load { arg, offset, .. }, Some(_)) => {
                let size = func.dfg.value_type(func.dfg.first_result(inst)).bytes();
                let site = Site {
                    address: arg,
                    offset: offset.into(),
                    size: i64::from(load_size(opcode).unwrap_or(size)),
                    store: false,
                };
                accesses.push(access(func, packable, inst, at, site)?);
            }
            (
                InstructionData::Store {
                    args: [value, address],
                    offset,
                    ..
                },
                Some(_),
            ) => {
                let size = func.dfg.value_type(value).bytes();
                let site = Site {
                    address,
                    offset: offset.into(),
                    size: i64::from(store_size(opcode).unwrap_or(size)),
                    store: true,
                };
                accesses.push(access(func, packable, inst, at, site)?);
            }
            _ => {
                if opcode.can_load()
                    || opcode.can_store()
                    || opcode.is_call()
                    || opcode.can_trap()
                    || opcode.other_side_effects()
                    || opcode.is_branch()
                    || opcode.is_terminator()
                {
                    return None;
                }
            }
        }
    }
    // One memory: the roots are matched by value, and a local's ranges in
    // two memories would share one (`bounds.rs` plans such loops alone).
    let one_memory = accesses
        .iter()
        .all(|a| same_memory(func, a.base, accesses[0].base, 2));
    one_memory.then_some(accesses)
}

/// Bytes an extending load reads (`None`: its result type's size).
fn load_size(opcode: Opcode) -> Option<u32> {
    match opcode {
        Opcode::Load => None,
        Opcode::Uload8 | Opcode::Sload8 => Some(1),
        Opcode::Uload16 | Opcode::Sload16 => Some(2),
        Opcode::Uload32 | Opcode::Sload32 => Some(4),
        // Vector extending loads read 8 bytes.
        _ => Some(8),
    }
}

/// Bytes a narrowing store writes (`None`: its value type's size).
fn store_size(opcode: Opcode) -> Option<u32> {
    match opcode {
        Opcode::Istore8 => Some(1),
        Opcode::Istore16 => Some(2),
        Opcode::Istore32 => Some(4),
        _ => None,
    }
}

/// What an access touches: `size` bytes at `address + offset`.
struct Site {
    address: Value,
    offset: i64,
    size: i64,
    store: bool,
}

/// The access `inst` (at position `at`) makes at `site`: `None` unless the
/// address is `base + zext(root)` for one of the loop's roots and the
/// bytes lie inside that root's range.
fn access(
    func: &Function,
    packable: &PackableLoop,
    inst: Inst,
    at: usize,
    site: Site,
) -> Option<Access> {
    let Site {
        address,
        offset,
        size,
        store,
    } = site;
    let (a, b) = binary_operands(func, address, Opcode::Iadd)?;
    let (base, index) = match (extended_i32(func, a), extended_i32(func, b)) {
        (None, Some(index)) => (a, index),
        (Some(index), None) => (b, index),
        _ => return None,
    };
    let root = packable
        .roots
        .iter()
        .position(|r| func.dfg.resolve_aliases(r.value) == index)?;
    let range = packable.roots[root];
    (offset >= range.min_plus && offset + size <= range.max_end).then_some(Access {
        inst,
        root,
        base,
        offset,
        size,
        store,
        at,
    })
}

/// The first store pair of the body whose lanes match (see the module
/// comment) and whose reordering keeps every access's order against the
/// stores it might overlap.
fn plan_pair(func: &Function, packable: &PackableLoop) -> Option<Plan> {
    let accesses = body_accesses(func, packable)?;
    let users = users(func);
    for first in accesses.iter().filter(|a| is_f64_store(func, a)) {
        let Some(second) = accesses.iter().find(|b| {
            is_f64_store(func, b)
                && b.at > first.at
                && b.root == first.root
                && b.offset == first.offset + 8
                && same_memory(func, b.base, first.base, 2)
        }) else {
            continue;
        };
        let lanes = [
            stored_value(func, first.inst),
            stored_value(func, second.inst),
        ];
        let matcher = Matcher {
            func,
            users: &users,
            accesses: &accesses,
            header: packable.header,
        };
        let Some(tree) = matcher.lanes(lanes, MAX_DEPTH) else {
            continue;
        };
        let plan = Plan {
            stores: [first.inst, second.inst],
            tree,
        };
        if keeps_order(&plan, &accesses, packable) {
            return Some(plan);
        }
    }
    None
}

fn is_f64_store(func: &Function, access: &Access) -> bool {
    access.store
        && func.dfg.insts[access.inst].opcode() == Opcode::Store
        && func.dfg.value_type(stored_value(func, access.inst)) == types::F64
}

fn stored_value(func: &Function, store: Inst) -> Value {
    func.dfg.resolve_aliases(func.dfg.inst_args(store)[0])
}

struct Matcher<'a> {
    func: &'a Function,
    users: &'a Users<'a>,
    accesses: &'a [Access],
    header: Block,
}

impl Matcher<'_> {
    /// The tree both lanes compute, if they compute the same one.
    fn lanes(&self, [v0, v1]: [Value; 2], depth: u32) -> Option<Node> {
        let dfg = &self.func.dfg;
        let (v0, v1) = (dfg.resolve_aliases(v0), dfg.resolve_aliases(v1));
        if dfg.value_type(v0) != types::F64 {
            return None;
        }
        if v0 == v1 {
            return Some(Node::Splat(v0));
        }
        if depth == 0 {
            return None;
        }
        let insts = [self.own_def(v0)?, self.own_def(v1)?];
        let [d0, d1] = insts.map(|inst| dfg.insts[inst]);
        if d0.opcode() != d1.opcode() {
            return None;
        }
        match (d0, d1) {
            (
                InstructionData::Load {
                    opcode: Opcode::Load,
                    ..
                },
                _,
            ) => {
                let [a0, a1] = insts.map(|inst| self.accesses.iter().find(|a| a.inst == inst));
                let (a0, a1) = (a0?, a1?);
                (a0.root == a1.root
                    && a1.offset == a0.offset + 8
                    && same_memory(self.func, a0.base, a1.base, 2))
                .then_some(Node::Load(insts))
            }
            (
                InstructionData::Unary { opcode, arg: x0 },
                InstructionData::Unary { arg: x1, .. },
            ) if matches!(opcode, Opcode::Fneg | Opcode::Fabs | Opcode::Sqrt) => {
                let operand = self.lanes([x0, x1], depth - 1)?;
                Some(Node::Unary(opcode, Box::new(operand), insts))
            }
            (
                InstructionData::Binary {
                    opcode,
                    args: [x0, y0],
                },
                InstructionData::Binary { args: [x1, y1], .. },
            ) if matches!(
                opcode,
                Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv
            ) =>
            {
                let straight = || {
                    Some((
                        self.lanes([x0, x1], depth - 1)?,
                        self.lanes([y0, y1], depth - 1)?,
                    ))
                };
                // `a + b` in one lane and `b + a` in the other compute the
                // same sum (IEEE addition and multiplication commute).
                let crossed = || {
                    matches!(opcode, Opcode::Fadd | Opcode::Fmul)
                        .then(|| {
                            Some((
                                self.lanes([x0, y1], depth - 1)?,
                                self.lanes([y0, x1], depth - 1)?,
                            ))
                        })
                        .flatten()
                };
                let (x, y) = straight().or_else(crossed)?;
                Some(Node::Binary(opcode, Box::new(x), Box::new(y), insts))
            }
            _ => None,
        }
    }

    /// The instruction defining `v` in the loop body, if `v` is its only
    /// result and is read once (by the lane's tree, which the pass
    /// removes).
    fn own_def(&self, v: Value) -> Option<Inst> {
        let ValueDef::Result(inst, 0) = self.func.dfg.value_def(v) else {
            return None;
        };
        let single_use = self.users.get(&v).is_some_and(|readers| readers.len() == 1);
        (single_use
            && self.func.layout.inst_block(inst) == Some(self.header)
            && self.func.dfg.inst_results(inst).len() == 1)
            .then_some(inst)
    }
}

/// Whether the packed form keeps every order that matters. All packed
/// accesses happen at the second store's position, loads first: each must
/// be apart from every access it moves past when one of the two writes,
/// and the first store from the packed loads that followed it.
fn keeps_order(plan: &Plan, accesses: &[Access], packable: &PackableLoop) -> bool {
    let mut packed: Vec<Inst> = plan.stores.to_vec();
    loads_of(&plan.tree, &mut packed);
    let of = |inst: Inst| accesses.iter().find(|a| a.inst == inst).copied();
    let (Some(target), Some(moved)) = (
        of(plan.stores[1]),
        packed
            .iter()
            .map(|&inst| of(inst))
            .collect::<Option<Vec<Access>>>(),
    ) else {
        return false;
    };
    moved.iter().all(|m| {
        accesses
            .iter()
            .filter(|o| o.at > m.at && o.at < target.at)
            .all(|o| {
                let reordered = if packed.contains(&o.inst) {
                    // Among the packed: only a store before a load swaps.
                    m.store && !o.store
                } else {
                    m.store || o.store
                };
                !reordered || apart(m, o, packable)
            })
    })
}

/// Whether two accesses of the loop body never share a byte.
fn apart(a: &Access, b: &Access, packable: &PackableLoop) -> bool {
    if a.root == b.root {
        return a.offset + a.size <= b.offset || b.offset + b.size <= a.offset;
    }
    // Only what the entry test compared: a store whose address the IR
    // shares with a root the scan saw only read through (a local copied
    // inside the loop) has no test behind it.
    let (ra, rb) = (&packable.roots[a.root], &packable.roots[b.root]);
    ra.group != rb.group && (ra.kept_apart || rb.kept_apart)
}

fn loads_of(node: &Node, out: &mut Vec<Inst>) {
    match node {
        Node::Splat(_) => {}
        Node::Load(insts) => out.extend(insts),
        Node::Unary(_, x, _) => loads_of(x, out),
        Node::Binary(_, x, y, _) => {
            loads_of(x, out);
            loads_of(y, out);
        }
    }
}

/// Replaces the plan's two stores and their trees by the vector form,
/// inserted before the second store.
fn apply(func: &mut Function, plan: &Plan) {
    let [first, second] = plan.stores;
    let InstructionData::Store {
        args: [_, address],
        offset,
        ..
    } = func.dfg.insts[first]
    else {
        unreachable!("planned stores are stores");
    };
    let flags = memflags(func, first);
    let srcloc = func.srcloc(first);
    let mut removed = vec![first, second];
    let mut pos = FuncCursor::new(func).at_inst(second).with_srcloc(srcloc);
    let vector = build(&mut pos, &plan.tree, &mut removed);
    pos.ins().store(flags, vector, address, offset);
    for inst in removed {
        func.layout.remove_inst(inst);
    }
}

/// The vector form of `node` at `pos`; records the scalar instructions it
/// replaces in `removed`.
fn build(pos: &mut FuncCursor, node: &Node, removed: &mut Vec<Inst>) -> Value {
    const PAIR: Type = types::F64X2;
    match node {
        Node::Splat(v) => pos.ins().splat(PAIR, *v),
        Node::Load([lane0, lane1]) => {
            let InstructionData::Load { arg, offset, .. } = pos.func.dfg.insts[*lane0] else {
                unreachable!("matched loads are loads");
            };
            let flags = memflags(pos.func, *lane0);
            removed.extend([*lane0, *lane1]);
            pos.ins().load(PAIR, flags, arg, offset)
        }
        Node::Unary(opcode, x, insts) => {
            let x = build(pos, x, removed);
            removed.extend(insts);
            match opcode {
                Opcode::Fneg => pos.ins().fneg(x),
                Opcode::Fabs => pos.ins().fabs(x),
                _ => pos.ins().sqrt(x),
            }
        }
        Node::Binary(opcode, x, y, insts) => {
            let x = build(pos, x, removed);
            let y = build(pos, y, removed);
            removed.extend(insts);
            match opcode {
                Opcode::Fadd => pos.ins().fadd(x, y),
                Opcode::Fsub => pos.ins().fsub(x, y),
                Opcode::Fmul => pos.ins().fmul(x, y),
                _ => pos.ins().fdiv(x, y),
            }
        }
    }
}

fn memflags(func: &Function, inst: Inst) -> MemFlagsData {
    func.dfg.insts[inst]
        .memflags_data(&func.dfg)
        .expect("memory accesses have flags")
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{
        Block, Function, Inst, InstBuilder, InstructionData, MemFlagsData, Opcode, TrapCode, Value,
        types,
    };
    use cranelift_frontend::FunctionBuilder;

    use super::{PackableLoop, PackableRoot, pack_lane_pairs};
    use crate::translate::test_ir;

    /// The vmctx field of the memory base in these tests.
    const BASE: i32 = 48;

    /// What the loop body of `axpy` holds besides its two lanes.
    #[derive(Clone, Copy, PartialEq)]
    enum Extra {
        None,
        /// An i32 store through `q` between the lanes.
        StoreBetween,
        /// A call between the lanes.
        CallBetween,
        /// The loop goes on while `i + 2 < n` (signed), not `!= n`.
        SignedExit,
        /// The exit block stores the counter's last value at 0.
        CounterAfter,
    }

    /// A guard-mode access address `base + zext(index)`, as `guard.rs`
    /// and `memory.rs` build it (a fresh base load each time).
    fn address(builder: &mut FunctionBuilder, vmctx: Value, index: Value) -> Value {
        let base = builder.ins().load(
            types::I64,
            MemFlagsData::trusted().with_readonly(),
            vmctx,
            BASE,
        );
        let wide = builder.ins().uextend(types::I64, index);
        builder.ins().iadd(base, wide)
    }

    /// `fn(vmctx, c, b, n, a)`: the loop `c[j] += a * b[j]` two elements
    /// per turn through pointers `p` (from `c`) and `q` (from `b`), as
    /// clang emits it; returns the function, its loop header and `p`, `q`.
    fn axpy(extra: Extra) -> (Function, Block, [Value; 2]) {
        let (func, header, roots, _) = versioned_axpy(extra, false);
        (func, header, roots)
    }

    /// The entry of a versioned `axpy` (`versioned`): `ok = (n != 0) &
    /// (n != 1)`, its second half standing for the test that written
    /// ranges are apart, then `brif ok, header, checked(c)`, the checked
    /// copy being a block that returns.
    struct Entry {
        branch: Inst,
        checked: Block,
        ok: Value,
        bounds: Value,
    }

    fn versioned_axpy(
        extra: Extra,
        versioned: bool,
    ) -> (Function, Block, [Value; 2], Option<Entry>) {
        let mut found = None;
        let mut entry = None;
        let params = [types::I64, types::I32, types::I32, types::I32, types::F64];
        let func = test_ir::function(&params, &[], |builder, params| {
            let [vmctx, c, b, n, a] = [params[0], params[1], params[2], params[3], params[4]];
            let heap = MemFlagsData::new().with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS));
            let header = builder.create_block();
            let exit = builder.create_block();
            for _ in 0..3 {
                builder.append_block_param(header, types::I32);
            }
            let zero = builder.ins().iconst(types::I32, 0);
            let into_header = [c.into(), b.into(), zero.into()];
            if versioned {
                let checked = builder.create_block();
                builder.append_block_param(checked, types::I32);
                let bounds = builder.ins().icmp_imm_s(IntCC::NotEqual, n, 0);
                let apart = builder.ins().icmp_imm_s(IntCC::NotEqual, n, 1);
                let ok = builder.ins().band(bounds, apart);
                let branch = builder
                    .ins()
                    .brif(ok, header, &into_header, checked, &[c.into()]);
                builder.switch_to_block(checked);
                builder.ins().return_(&[]);
                entry = Some(Entry {
                    branch,
                    checked,
                    ok,
                    bounds,
                });
            } else {
                builder.ins().jump(header, &into_header);
            }
            builder.switch_to_block(header);
            let [p, q, i] = [0, 1, 2].map(|k| builder.block_params(header)[k]);
            for offset in [0, 8] {
                let at_p = address(builder, vmctx, p);
                let old = builder.ins().load(types::F64, heap, at_p, offset);
                let at_q = address(builder, vmctx, q);
                let x = builder.ins().load(types::F64, heap, at_q, offset);
                let product = builder.ins().fmul(a, x);
                let sum = builder.ins().fadd(old, product);
                let at_p = address(builder, vmctx, p);
                builder.ins().store(heap, sum, at_p, offset);
                if offset == 0 {
                    match extra {
                        Extra::None | Extra::SignedExit | Extra::CounterAfter => {}
                        Extra::StoreBetween => {
                            let at_q = address(builder, vmctx, q);
                            builder.ins().store(heap, zero, at_q, 0);
                        }
                        Extra::CallBetween => {
                            let signature =
                                builder.import_signature(cranelift_codegen::ir::Signature::new(
                                    cranelift_codegen::isa::CallConv::SystemV,
                                ));
                            builder.ins().call_indirect(signature, vmctx, &[]);
                        }
                    }
                }
            }
            let next_p = builder.ins().iadd_imm_s(p, 16);
            let next_q = builder.ins().iadd_imm_s(q, 16);
            let next_i = builder.ins().iadd_imm_s(i, 2);
            let go_on = if extra == Extra::SignedExit {
                IntCC::SignedLessThan
            } else {
                IntCC::NotEqual
            };
            let more = builder.ins().icmp(go_on, next_i, n);
            builder.ins().brif(
                more,
                header,
                &[next_p.into(), next_q.into(), next_i.into()],
                exit,
                &[],
            );
            builder.switch_to_block(exit);
            if extra == Extra::CounterAfter {
                let at_zero = address(builder, vmctx, zero);
                builder.ins().store(heap, next_i, at_zero, 0);
            }
            builder.ins().return_(&[]);
            found = Some((header, [p, q]));
        });
        let (header, roots) = found.expect("the body ran");
        (func, header, roots, entry)
    }

    /// A root of `group`, kept apart from the others by the entry test
    /// when `group` is 0 (the written one in these tests).
    fn root(value: Value, group: usize, max_end: i64) -> PackableRoot {
        PackableRoot {
            value,
            group,
            kept_apart: group == 0,
            min_plus: 0,
            max_end,
        }
    }

    /// The vector stores and the f64 stores of `header` after the pass.
    fn stores(func: &Function, header: Block) -> (usize, usize) {
        let of = |ty| {
            func.layout
                .block_insts(header)
                .filter(|&inst| {
                    func.dfg.insts[inst].opcode() == cranelift_codegen::ir::Opcode::Store
                        && func.dfg.value_type(func.dfg.inst_args(inst)[0]) == ty
                })
                .count()
        };
        (of(types::F64X2), of(types::F64))
    }

    fn run(
        extra: Extra,
        roots: impl Fn([Value; 2]) -> Vec<PackableRoot>,
    ) -> (Function, Block, bool) {
        let (mut func, header, values) = axpy(extra);
        let loops = [PackableLoop {
            header,
            roots: roots(values),
            unless_packed: None,
            apart_test: None,
        }];
        let changed = pack_lane_pairs(&mut func, &loops);
        test_ir::assert_valid(&func);
        (func, header, changed)
    }

    #[test]
    fn lanes_through_two_groups_are_packed() {
        let (func, header, changed) =
            run(Extra::None, |[p, q]| vec![root(p, 0, 16), root(q, 1, 16)]);
        assert!(changed);
        assert_eq!(stores(&func, header), (1, 0));
        // In the loop's own block (lane_unroll.rs adds a two-turn copy).
        let count = |opcode| {
            func.layout
                .block_insts(header)
                .filter(|&inst| {
                    func.dfg.insts[inst].opcode() == opcode
                        && func.dfg.value_type(func.dfg.first_result(inst)) == types::F64X2
                })
                .count()
        };
        assert_eq!(count(Opcode::Load), 2, "{}", func.display());
        assert_eq!(count(Opcode::Splat), 1, "{}", func.display());
    }

    #[test]
    fn roots_of_one_group_are_not_known_apart() {
        // The entry test did not compare them: p and q may overlap.
        let (func, header, changed) =
            run(Extra::None, |[p, q]| vec![root(p, 0, 16), root(q, 0, 16)]);
        assert!(!changed);
        assert_eq!(stores(&func, header), (0, 2));
    }

    #[test]
    fn an_access_outside_its_range_or_through_another_value_stops_the_pass() {
        // Lane 1 at p + 8 lies outside a range that ends at p + 8.
        let (_, _, changed) = run(Extra::None, |[p, q]| vec![root(p, 0, 8), root(q, 1, 16)]);
        assert!(!changed);
        // q is no root the entry test covered.
        let (_, _, changed) = run(Extra::None, |[p, _]| vec![root(p, 0, 16)]);
        assert!(!changed);
    }

    #[test]
    fn a_store_between_the_lanes_must_be_apart_from_what_moves_past_it() {
        // Lane 0 read b[0] before the store at q overwrote it; the packed
        // load, at lane 1's place, would read the new value.
        let (func, header, changed) = run(Extra::StoreBetween, |[p, q]| {
            vec![root(p, 0, 16), root(q, 1, 16)]
        });
        assert!(!changed);
        assert_eq!(stores(&func, header), (0, 2));
    }

    #[test]
    fn a_call_in_the_body_stops_the_pass() {
        let (_, _, changed) = run(Extra::CallBetween, |[p, q]| {
            vec![root(p, 0, 16), root(q, 1, 16)]
        });
        assert!(!changed);
    }

    #[test]
    fn an_unpacked_copy_goes_in_guard_mode_and_keeps_its_apart_test_nowhere() {
        for guarded in [true, false] {
            let (mut func, header, [p, q], entry) = versioned_axpy(Extra::None, true);
            let entry = entry.expect("versioned");
            // One group: nothing is packed.
            let loops = [PackableLoop {
                header,
                roots: vec![root(p, 0, 16), root(q, 0, 16)],
                unless_packed: guarded.then_some((entry.branch, entry.checked)),
                apart_test: Some((entry.ok, entry.bounds)),
            }];
            assert_eq!(pack_lane_pairs(&mut func, &loops), guarded);
            test_ir::assert_valid(&func);
            let data = &func.dfg.insts[entry.branch];
            if guarded {
                // A jump to the checked copy with its argument; the
                // unchecked copy and the test are gone.
                assert_eq!(data.opcode(), Opcode::Jump);
                assert_eq!(func.dfg.inst_values(entry.branch).count(), 1);
                assert!(!func.layout.is_block_inserted(header));
                let text = func.display().to_string();
                assert!(!text.contains("icmp"), "{text}");
            } else {
                // The unchecked copy stays, entered on the bounds alone.
                assert_eq!(data.opcode(), Opcode::Brif);
                assert!(func.layout.is_block_inserted(header));
                assert_eq!(func.dfg.resolve_aliases(entry.ok), entry.bounds);
            }
        }
    }

    #[test]
    fn groups_the_entry_test_did_not_compare_are_not_known_apart() {
        // Two groups, neither kept apart (the scan saw no store through
        // either): the stores through p have no test behind them.
        let (func, header, changed) = run(Extra::None, |[p, q]| {
            let unseen = |value, group| PackableRoot {
                kept_apart: false,
                ..root(value, group, 16)
            };
            vec![unseen(p, 0), unseen(q, 1)]
        });
        assert!(!changed);
        assert_eq!(stores(&func, header), (0, 2));
    }

    /// The blocks other than `header` that store a vector, with how many
    /// vector stores each holds.
    fn unrolled_blocks(func: &Function, header: Block) -> Vec<(Block, usize)> {
        func.layout
            .blocks()
            .filter(|&block| block != header)
            .map(|block| (block, stores(func, block).0))
            .filter(|&(_, vectors)| vectors > 0)
            .collect()
    }

    #[test]
    fn a_packed_loop_counted_to_a_bound_also_runs_two_turns_per_test() {
        for extra in [Extra::None, Extra::CounterAfter] {
            let (func, header, changed) = run(extra, |[p, q]| vec![root(p, 0, 16), root(q, 1, 16)]);
            assert!(changed);
            // The one-turn block keeps its packed turn; one more block
            // holds two.
            assert_eq!(stores(&func, header), (1, 0));
            let unrolled = unrolled_blocks(&func, header);
            assert_eq!(unrolled.len(), 1, "{}", func.display());
            let (twice, _) = unrolled[0];
            assert_eq!(stores(&func, twice), (2, 0));
            // One test of the counter in it: its last instruction.
            let compares = func
                .layout
                .block_insts(twice)
                .filter(|&inst| func.dfg.insts[inst].opcode() == Opcode::Icmp)
                .count();
            // (The first turn's test is computed, unused: later passes
            // drop it.)
            assert_eq!(compares, 2);
            let branch = func.layout.last_inst(twice).expect("a terminator");
            assert_eq!(func.dfg.insts[branch].opcode(), Opcode::Brif);
            let targets: Vec<Block> = func.dfg.insts[branch]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
                .iter()
                .map(|call| call.block(&func.dfg.value_lists))
                .collect();
            assert_eq!(targets[0], twice);
            // The second turn reads and writes through the first turn's
            // addresses, 16 bytes further: three vector accesses at
            // offset 0, three at 16 through the same addresses.
            let vector_accesses: Vec<(Value, i32)> = func
                .layout
                .block_insts(twice)
                .filter_map(|inst| match func.dfg.insts[inst] {
                    InstructionData::Load { arg, offset, .. }
                        if func.dfg.value_type(func.dfg.first_result(inst)) == types::F64X2 =>
                    {
                        Some((arg, offset.into()))
                    }
                    InstructionData::Store {
                        args: [value, arg],
                        offset,
                        ..
                    } if func.dfg.value_type(value) == types::F64X2 => Some((arg, offset.into())),
                    _ => None,
                })
                .collect();
            let at = |offset: i32| -> Vec<Value> {
                vector_accesses
                    .iter()
                    .filter(|a| a.1 == offset)
                    .map(|a| a.0)
                    .collect()
            };
            assert_eq!(at(0).len(), 3, "{}", func.display());
            assert_eq!(at(0), at(16), "{}", func.display());
        }
    }

    #[test]
    fn a_loop_not_counted_to_a_bound_it_meets_is_packed_but_not_unrolled() {
        // `i + 2 < n`: how many turns are left says nothing about parity
        // in the form the dispatch tests.
        let (func, header, changed) = run(Extra::SignedExit, |[p, q]| {
            vec![root(p, 0, 16), root(q, 1, 16)]
        });
        assert!(changed);
        assert_eq!(stores(&func, header), (1, 0));
        assert!(
            unrolled_blocks(&func, header).is_empty(),
            "{}",
            func.display()
        );
    }
}
