//! Small questions the IR rewrites ask about a value or a branch: is it a
//! constant, which operands does its defining instruction have, what does a
//! branch pass to its destination. One place for them, so every pass reads
//! constants and branch arguments the same way.

use std::cell::OnceCell;

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstructionData, Opcode, Value, ValueDef,
};
use rustc_hash::{FxHashMap, FxHashSet};

/// The immediate of `v` (aliases resolved) when an `iconst` defines it, as
/// Cranelift stores it: the bits of the constant's type, in an `i64`.
pub fn iconst_imm(func: &Function, v: Value) -> Option<i64> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// Whether `v` is the integer constant 0.
pub fn is_zero(func: &Function, v: Value) -> bool {
    iconst_imm(func, v) == Some(0)
}

/// The two operands of `v`'s defining instruction (aliases resolved) when
/// it is the binary `opcode`.
pub fn binary_operands(func: &Function, v: Value, opcode: Opcode) -> Option<(Value, Value)> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: found,
            args: [a, b],
        } if found == opcode => Some((a, b)),
        _ => None,
    }
}

/// `v` as `root + plus` along adds and subtracts of constants (`plus` the
/// exact sum of the sign-extended constants; `v` equals `root + plus`
/// modulo 2^bits of its type).
pub fn constant_distance(func: &Function, v: Value) -> (Value, i64) {
    /// Longest chain followed; the translator's are shorter.
    const MAX_CHAIN: usize = 8;
    /// Largest distance followed, so that no sum overflows (the callers
    /// add constants of their own).
    const MAX_DISTANCE: i64 = 1 << 40;
    let mut value = func.dfg.resolve_aliases(v);
    let mut plus = 0i64;
    for _ in 0..MAX_CHAIN {
        let constant = |v: Value| {
            let bits = func.dfg.value_type(v).bits();
            iconst_imm(func, v).map(|c| sign_extend(c, bits))
        };
        let step = if let Some((a, b)) = binary_operands(func, value, Opcode::Iadd) {
            match (constant(a), constant(b)) {
                (_, Some(c)) => Some((a, c)),
                (Some(c), _) => Some((b, c)),
                _ => None,
            }
        } else if let Some((a, b)) = binary_operands(func, value, Opcode::Isub) {
            constant(b).map(|c| (a, -c))
        } else {
            None
        };
        match step {
            Some((next, c)) if (plus + c).abs() < MAX_DISTANCE => {
                plus += c;
                value = func.dfg.resolve_aliases(next);
            }
            _ => break,
        }
    }
    (value, plus)
}

/// `bits` low bits of `imm`, sign-extended.
fn sign_extend(imm: i64, bits: u32) -> i64 {
    if bits >= 64 {
        imm
    } else {
        let shift = 64 - bits;
        (imm << shift) >> shift
    }
}

/// The operands of `v` (aliases resolved) when an `icmp` with condition
/// `cc` defines it.
pub fn compare_operands(func: &Function, v: Value, cc: IntCC) -> Option<(Value, Value)> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond,
            args: [a, b],
        } if cond == cc => Some((func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b))),
        _ => None,
    }
}

/// The operand of `v` (aliases resolved) when the unary `opcode` defines it.
pub fn unary_operand(func: &Function, v: Value, opcode: Opcode) -> Option<Value> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::Unary { opcode: found, arg } if found == opcode => {
            Some(func.dfg.resolve_aliases(arg))
        }
        _ => None,
    }
}

/// Whether `a` and `b` compute the same value: the same pure operation
/// (no load, no trap, no other effect) with the same immediates, on
/// operands that are the same values or again the same computation, down
/// to `depth` levels. The translator computes a versioned loop's
/// invariants once per copy (`loop_version.rs`); Cranelift's mid-end
/// merges such twins, but only after the IR passes have run.
pub fn same_computation(func: &Function, a: Value, b: Value, depth: u32) -> bool {
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    if a == b {
        return true;
    }
    if depth == 0 || func.dfg.value_type(a) != func.dfg.value_type(b) {
        return false;
    }
    let (ValueDef::Result(inst_a, 0), ValueDef::Result(inst_b, 0)) =
        (func.dfg.value_def(a), func.dfg.value_def(b))
    else {
        return false;
    };
    let pure =
        |opcode: Opcode| !opcode.can_trap() && !opcode.can_load() && !opcode.other_side_effects();
    let same = |x: Value, y: Value| same_computation(func, x, y, depth - 1);
    match (func.dfg.insts[inst_a], func.dfg.insts[inst_b]) {
        (
            InstructionData::UnaryImm {
                opcode: oa,
                imm: ia,
            },
            InstructionData::UnaryImm {
                opcode: ob,
                imm: ib,
            },
        ) => oa == ob && ia == ib,
        (
            InstructionData::Unary {
                opcode: oa,
                arg: xa,
            },
            InstructionData::Unary {
                opcode: ob,
                arg: xb,
            },
        ) => oa == ob && pure(oa) && same(xa, xb),
        (
            InstructionData::Binary {
                opcode: oa,
                args: xa,
            },
            InstructionData::Binary {
                opcode: ob,
                args: xb,
            },
        ) => oa == ob && pure(oa) && same(xa[0], xb[0]) && same(xa[1], xb[1]),
        _ => false,
    }
}

/// The address and static offset of a plain load or store.
pub fn access_address(func: &Function, inst: Inst) -> Option<(Value, i32)> {
    match func.dfg.insts[inst] {
        InstructionData::Load { arg, offset, .. } => Some((arg, offset.into())),
        InstructionData::Store { args, offset, .. } => Some((args[1], offset.into())),
        _ => None,
    }
}

/// Makes the plain load or store `inst` access `address + offset`.
pub fn set_access_address(func: &mut Function, inst: Inst, address: Value, offset: i32) {
    match &mut func.dfg.insts[inst] {
        InstructionData::Load {
            arg, offset: old, ..
        } => {
            *arg = address;
            *old = offset.into();
        }
        InstructionData::Store {
            args, offset: old, ..
        } => {
            args[1] = address;
            *old = offset.into();
        }
        _ => {}
    }
}

/// Argument `index` of destination `dest` of branch `inst`, when it is a
/// plain value (not a call's return value or exception payload).
pub fn branch_arg(func: &Function, inst: Inst, dest: usize, index: usize) -> Option<Value> {
    let dfg = &func.dfg;
    let call = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)[dest];
    match call.args(&dfg.value_lists).nth(index) {
        Some(BlockArg::Value(v)) => Some(v),
        _ => None,
    }
}

/// Makes branch `inst` pass `value` as argument `index` of destination
/// `dest`, leaving its other arguments as they are.
pub fn set_branch_arg(func: &mut Function, inst: Inst, dest: usize, index: usize, value: Value) {
    let dfg = &mut func.dfg;
    let calls =
        dfg.insts[inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
    let mut at = 0;
    calls[dest].update_args(&mut dfg.value_lists, |old| {
        let new = if at == index {
            BlockArg::Value(value)
        } else {
            old
        };
        at += 1;
        new
    });
}

/// The instructions reading each value (aliases resolved), each listed once
/// however many operands it reads the value through, in layout order.
/// Built on the first question: the loop passes reject most loops before
/// they ask, and a walk of every instruction of a large function is a good
/// part of their time.
pub struct Users<'f> {
    func: &'f Function,
    readers: OnceCell<Readers>,
}

impl<'f> Users<'f> {
    /// The readers of `func` with `readers` as found by an earlier pass
    /// (empty, or built from `func` as it still is): a loop pass that
    /// leaves the function alone hands them to the next with its
    /// [`super::opaque_slot::LoopView`].
    pub fn reusing(func: &'f Function, readers: OnceCell<Readers>) -> Self {
        Users { func, readers }
    }

    /// The readers found so far, for [`Self::reusing`].
    pub fn into_readers(self) -> OnceCell<Readers> {
        self.readers
    }

    /// The instructions reading `v`, or `None` when none does.
    pub fn get(&self, v: &Value) -> Option<&[Inst]> {
        let readers = self.readers.get_or_init(|| Readers::of(self.func));
        let insts = readers.0.get(*v);
        (!insts.is_empty()).then_some(insts)
    }
}

/// The readers of `func`'s values (see [`Users`]).
pub fn users(func: &Function) -> Users<'_> {
    Users {
        func,
        readers: OnceCell::new(),
    }
}

/// Every value's readers, grouped by value (see [`PerValue`]).
pub struct Readers(PerValue<Inst>);

/// Items grouped by value: one array with a range of it per value, so a
/// value's items cost no allocation of their own (a vector per value cost
/// one for nearly every value of a large function).
pub struct PerValue<T> {
    items: Vec<T>,
    ranges: SecondaryMap<Value, std::ops::Range<u32>>,
}

impl<T: Copy> PerValue<T> {
    /// Groups `pairs` by value with a counting sort, which keeps each
    /// value's items in the order of `pairs`. `filler` only initialises
    /// slots that are all written before use.
    pub fn from_pairs(num_values: usize, pairs: Vec<(Value, T)>, filler: T) -> Self {
        let mut ranges: SecondaryMap<Value, std::ops::Range<u32>> =
            SecondaryMap::with_capacity(num_values);
        for &(v, _) in &pairs {
            ranges[v].end += 1;
        }
        let mut next = 0;
        for (_, range) in ranges.iter_mut() {
            let count = range.end;
            *range = next..next;
            next += count;
        }
        let mut items = vec![filler; pairs.len()];
        for (v, item) in pairs {
            let range = &mut ranges[v];
            items[range.end as usize] = item;
            range.end += 1;
        }
        PerValue { items, ranges }
    }

    /// `v`'s items; empty for a value with none.
    pub fn get(&self, v: Value) -> &[T] {
        self.ranges.get(v).map_or(&[], |range| {
            &self.items[range.start as usize..range.end as usize]
        })
    }

    /// Each value with items, in value order, with its items.
    pub fn iter(&self) -> impl Iterator<Item = (Value, &[T])> + '_ {
        self.ranges
            .iter()
            .filter(|(_, range)| !range.is_empty())
            .map(|(v, range)| (v, &self.items[range.start as usize..range.end as usize]))
    }
}

impl Readers {
    fn of(func: &Function) -> Self {
        // (value, reader) pairs in layout order, each pair once.
        let mut pairs: Vec<(Value, Inst)> = Vec::new();
        let mut read: Vec<Value> = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                read.clear();
                read.extend(
                    func.dfg
                        .inst_values(inst)
                        .map(|v| func.dfg.resolve_aliases(v)),
                );
                read.sort_unstable();
                read.dedup();
                pairs.extend(read.iter().map(|&v| (v, inst)));
            }
        }
        // Grouped by value, each value's readers stay in layout order.
        Readers(PerValue::from_pairs(
            func.dfg.num_values(),
            pairs,
            Inst::from_u32(0),
        ))
    }
}

/// The other operand of `inst` when it is the binary `opcode` with `v` as
/// exactly one of its two operands.
pub fn other_operand(func: &Function, inst: Inst, opcode: Opcode, v: Value) -> Option<Value> {
    match func.dfg.insts[inst] {
        InstructionData::Binary {
            opcode: found,
            args: [a, b],
        } if found == opcode => match (a == v, b == v) {
            (true, false) => Some(b),
            (false, true) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// The values of `defined` that instructions outside `block` read, in the
/// order first read.
pub fn values_read_outside(
    func: &Function,
    block: Block,
    defined: &FxHashSet<Value>,
) -> Vec<Value> {
    let mut seen = FxHashSet::default();
    let mut read = Vec::new();
    for other in func.layout.blocks().filter(|&b| b != block) {
        for inst in func.layout.block_insts(other) {
            for v in func.dfg.inst_values(inst) {
                let v = func.dfg.resolve_aliases(v);
                if defined.contains(&v) && seen.insert(v) {
                    read.push(v);
                }
            }
        }
    }
    read
}

/// Replaces, outside `block` (if any), every read of a key of `renamed`
/// (or of an alias of one) with its value.
pub fn rename_outside(
    func: &mut Function,
    block: Option<Block>,
    renamed: &FxHashMap<Value, Value>,
) {
    if renamed.is_empty() {
        return;
    }
    let mut map = renamed.clone();
    for v in func.dfg.values() {
        if let Some(&to) = renamed.get(&func.dfg.resolve_aliases(v)) {
            map.insert(v, to);
        }
    }
    let blocks: Vec<Block> = func.layout.blocks().filter(|&b| Some(b) != block).collect();
    for other in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(other).collect();
        for inst in insts {
            func.dfg
                .map_inst_values(inst, |v| map.get(&v).copied().unwrap_or(v));
        }
    }
}

/// Appends a copy of `inst` to `block` that reads `copies`' renaming of
/// the values `inst` reads (aliases resolved), and adds the renaming of
/// its results to `copies`. Returns the copy.
pub fn append_copy(
    func: &mut Function,
    block: Block,
    inst: Inst,
    copies: &mut FxHashMap<Value, Value>,
) -> Inst {
    let copy = func.dfg.clone_inst(inst);
    let renamed: Vec<Value> = func
        .dfg
        .inst_values(copy)
        .map(|v| {
            copies
                .get(&func.dfg.resolve_aliases(v))
                .copied()
                .unwrap_or(v)
        })
        .collect();
    func.dfg.overwrite_inst_values(copy, renamed.into_iter());
    let originals = func.dfg.inst_results(inst).to_vec();
    let results = func.dfg.inst_results(copy).to_vec();
    copies.extend(originals.into_iter().zip(results));
    let srcloc = func.srcloc(inst);
    func.layout.append_inst(copy, block);
    func.set_srcloc(copy, srcloc);
    copy
}

/// Each block's last instruction, with its block, in layout order: every
/// instruction that can branch, as Cranelift allows branches only as a
/// block's terminator (its verifier rejects anything else). Passes looking
/// for branch edges walk these instead of every instruction.
pub fn terminators(func: &Function) -> impl Iterator<Item = (Block, Inst)> + '_ {
    func.layout
        .blocks()
        .filter_map(|block| Some((block, func.layout.last_inst(block)?)))
}

/// Every branch edge into `header`, in layout order: (branch, destination
/// index, the branch's block).
pub fn edges_into(func: &Function, header: Block) -> Vec<(Inst, usize, Block)> {
    let mut edges = Vec::new();
    for (block, inst) in terminators(func) {
        let dfg = &func.dfg;
        for (index, call) in dfg.insts[inst]
            .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
            .iter()
            .enumerate()
        {
            if call.block(&dfg.value_lists) == header {
                edges.push((inst, index, block));
            }
        }
    }
    edges
}

/// Removes the instructions whose results nothing reads and which have no
/// effect (the entry tests of loops whose unchecked copy went, the
/// conditions of merged checks). Cranelift keeps a dead load (the memory
/// length) for itself, and a later pass may stop at a dead reader.
pub fn remove_dead_code(func: &mut Function) {
    let mut reads = SecondaryMap::<Value, u32>::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for arg in func.dfg.inst_values(inst) {
                reads[func.dfg.resolve_aliases(arg)] += 1;
            }
        }
    }
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for &block in blocks.iter().rev() {
        let mut next = func.layout.last_inst(block);
        while let Some(inst) = next {
            next = func.layout.prev_inst(inst);
            let results = func.dfg.inst_results(inst);
            if results.is_empty() || results.iter().any(|&r| reads[r] > 0) || !removable(func, inst)
            {
                continue;
            }
            let args: Vec<Value> = func.dfg.inst_values(inst).collect();
            for arg in args {
                reads[func.dfg.resolve_aliases(arg)] -= 1;
            }
            func.layout.remove_inst(inst);
        }
    }
}

/// Whether `inst` may go when nothing reads its results: no effect, and a
/// load only if it cannot trap.
fn removable(func: &Function, inst: Inst) -> bool {
    let opcode = func.dfg.insts[inst].opcode();
    if opcode.can_store() || opcode.is_call() || opcode.other_side_effects() || opcode.is_branch() {
        return false;
    }
    match func.dfg.insts[inst].memflags_data(&func.dfg) {
        Some(flags) => opcode == Opcode::Load && flags.trap_code().is_none(),
        None => !opcode.can_load() && !opcode.can_trap(),
    }
}
