//! Explicit bounds checks: the sandbox on chips without an MMU.
//!
//! An access of `size` bytes at the i32 address `addr` with static
//! `offset` is in bounds when `addr + offset + size <= length`. With
//! `k = offset + size` the check is emitted as
//!
//! ```text
//! if (zext64(addr) as i64) > (length - k) as i64 { trap out of bounds }
//! ```
//! `length <= 2^32` and `k < 2^33`, so `length - k` cannot overflow an
//! i64 and is negative exactly when no address fits (the signed compare
//! then always traps). The check is one compare and one branch;
//! `length - k` costs one add per block and `k` (Cranelift usually
//! rematerializes an add of a constant in each block that uses it rather
//! than keeping it in a register across blocks).
//!
//! What makes it cheap:
//! - **The length lives in a Cranelift variable** per memory the function
//!   checks accesses of or asks `memory.size` of (when it can change at
//!   all; a defined memory with `max == min` has a constant length). In
//!   guard mode an access the guard window covers does not count, so a
//!   function with only such accesses never loads a length. Every call (any callee, import or
//!   builtin may run `memory.grow`) and `memory.grow` itself mark it stale;
//!   nothing else changes it. A stale length is reloaded lazily: at the
//!   next access, or before the next branch to another Cranelift block
//!   (`may_branch_to_length_user` in `control.rs`), so every block is
//!   entered with a current value and a call followed by no access costs
//!   nothing. SSA construction turns the variable into a register or block
//!   parameter: a loop without calls does not reload it.
//! - **Checks of an end below the bias** compare with the length variable
//!   itself on x86_64, a stricter compare whose rare false alarms (an
//!   access in the memory's last bytes) a cold block checks exactly
//!   (`check_with_stricter_bias`).
//! - **Constant addresses** whose access lies below the declared minimum
//!   are not checked (the caller decides that, see `memory.rs`).
//! - **Covered checks are dropped**: an access whose bytes a check on
//!   every path to here already proved in bounds. A check of `root + c1`
//!   (a constant distance along adds and subtracts of constants, modulo
//!   2^32) proves its end's bytes, and when the address is known to be a
//!   multiple of `2^a` (at most the page size) the bytes up to that end
//!   rounded up to `2^a` (`address_alignment.rs`: the length is whole
//!   pages); it covers an access at `root + c2` whose bytes lie inside
//!   those (`Checked::covers`: `0 <= c2 - c1`, so no wrap in between).
//!   Nothing here changes which access traps: a dropped check could not
//!   have failed. A memory never shrinks, so a check that passed stays
//!   true after calls and `memory.grow`. "On every path" is decided from
//!   the Wasm structure while translating: a check made at the top level
//!   of a control frame dominates all code that follows it in that frame
//!   (entering a frame only happens at its start, leaving it only at its
//!   end or by branching out), so the checks recorded inside a frame are
//!   forgotten at its `else` and `end` (kept after an `end` that nothing
//!   branched to, where the frame's code ran straight through). A `block`
//!   that was branched to keeps the checks in force at every branch to it
//!   and at its fall-through (`BranchChecks`): an interpreter's cases know
//!   the opcode's address was checked before its `br_table`. A check is
//!   never *widened* to cover a later access: stores and calls between the
//!   two must happen before a trap.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, TrapCode, types};
use cranelift_frontend::Variable;
use std::collections::HashMap;
use wafer_abi::vmctx::VMMemory;

use wasmparser::{FunctionBody, Operator};

use super::FuncTranslator;
use super::address_alignment;
use super::loop_scan::LoopPlan;
use super::memory::RecordRef;

/// How many of the recorded checks a lookup searches, newest first.
const MAX_SEARCHED_CHECKS: usize = 64;

/// One check that passed on every path to the current position: the
/// bytes `[address, address + end)` lie inside the memory, where
/// `address` is `root + plus` modulo 2^32 (`plus` the exact sum of the
/// constants `constant_distance` walked; 0 for a 64-bit memory).
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    /// Distinguishes this check from any other of the function: lists of
    /// checks taken at different points share exactly the entries with
    /// the same ids (see `BranchChecks`).
    id: u64,
    memory: u32,
    /// An SSA value of the function the checked address is a constant
    /// distance from.
    root: ir::Value,
    plus: i64,
    /// How many bytes from the address are proved in bounds: the checked
    /// access's `offset + size`, rounded up to the address's known
    /// alignment (see `address_alignment.rs`).
    end: u64,
}

impl Checked {
    /// Whether this check proves an access of `end` bytes at `root + plus`
    /// in bounds. With `d = plus - self.plus`, that address is
    /// `checked + d` modulo 2^32; for `0 <= d` and `d + end <= self.end`,
    /// `checked + self.end <= length <= 2^32` keeps `checked + d` below
    /// 2^32, so the sum does not wrap and its `end` bytes lie inside the
    /// checked ones.
    fn covers(&self, memory: u32, root: ir::Value, plus: i64, end: u64) -> bool {
        let d = plus.wrapping_sub(self.plus);
        self.memory == memory
            && self.root == root
            && (0..=i64::from(u32::MAX)).contains(&d)
            && (d as u64).checked_add(end).is_some_and(|e| e <= self.end)
    }
}

/// The checks that held on every branch to a `block`'s end translated so
/// far, so that those that also hold where its code falls through (or all
/// of them, when nothing falls through) still dominate the code after the
/// `end`. An interpreter's `br_table` branches out of the innermost of
/// its case blocks right after checking the opcode's address: each case
/// then knows the instruction's address is in bounds.
#[derive(Clone, Debug, Default)]
pub enum BranchChecks {
    /// Nothing branched to the end yet.
    #[default]
    NoBranch,
    /// The checks in force at every branch so far: a common prefix of the
    /// `checked` lists at those branches.
    Common(Vec<Checked>),
    /// Unknown edges reach the end (an exception handler's), or the list
    /// was too long to copy: only the checks from before the frame hold.
    Unknown,
}

/// The longest `checked` list a branch copies (see `BranchChecks`).
const MAX_BRANCH_CHECKS: usize = 256;

/// The entries `a` and `b` share: the same ids at the same positions. A
/// `checked` list only ever grows or loses its newest entries, so two
/// lists taken at different points agree exactly up to their first
/// difference.
fn common_prefix(a: &[Checked], b: &[Checked]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x.id == y.id).count()
}

/// Per-function state of the explicit bounds checks.
#[derive(Default)]
pub struct Bounds {
    /// Per memory index: the variable holding its length in bytes minus
    /// `bias` (see `LengthBias`), for memories this function accesses
    /// whose length can change.
    lengths: Vec<Option<Variable>>,
    /// Per memory index: what the length variable has subtracted.
    biases: Vec<LengthBias>,
    /// The variables do not hold the current lengths (function entry,
    /// after a call or `memory.grow`) and must be reloaded before use.
    stale: bool,
    /// Checks that dominate the current position, innermost frame last.
    checked: Vec<Checked>,
    /// `checked.len()` when each open control frame was entered.
    frame_marks: Vec<usize>,
    /// The loops that get an unchecked copy, by the byte offset of their
    /// `loop` operator (see `loop_scan.rs`); taken when translated.
    pub plans: HashMap<usize, LoopPlan>,
    /// While translating a loop's unchecked copy: the ranges its entry
    /// test proved in bounds for every iteration.
    pub hoisted: Vec<Hoisted>,
    /// The versioned loops being translated, innermost last.
    pub versions: Vec<super::loop_version::Version>,
    /// The unchecked copies whose lanes may be packed (`lane_pairs.rs`).
    pub packable: Vec<super::lane_pairs::PackableLoop>,
    /// The headers of the versioned loops' checked copies.
    pub checked_copies: Vec<ir::Block>,
    /// Per call-free loop (by the offset of its `loop`): the ends its body
    /// checks (see `loop_lengths.rs`).
    loop_ends: HashMap<usize, Vec<(u32, u64)>>,
    /// `length - end` values defined before the open call-free loops,
    /// innermost last.
    scoped: Vec<ScopedLength>,
    /// The id of the next check recorded.
    next_id: u64,
}

/// `length - end` of a memory, computed before a loop that cannot change
/// it and valid inside that loop (see `loop_lengths.rs`).
#[derive(Clone, Copy)]
pub struct ScopedLength {
    memory: u32,
    end: u64,
    value: ir::Value,
    /// `frame_marks.len()` inside the loop: the value is dropped when the
    /// loop's frame ends.
    depth: usize,
}

/// How many loop-scoped values one loop defines: each holds a register
/// across the loop (and its nested loops).
const MAX_SCOPED_PER_LOOP: usize = 3;

/// A range the entry test of the unchecked copy of a loop proved: every
/// address `value + c` with `min_plus <= c` and `c + end <= max_end` is in
/// bounds in every iteration, where `value` is an induction local's value
/// at the start of the iteration (a parameter of the copy's header).
#[derive(Clone, Copy)]
pub struct Hoisted {
    pub memory: u32,
    pub value: ir::Value,
    pub min_plus: i64,
    pub max_end: i64,
}

/// What a memory's length variable holds: `length - k` for the `k`
/// (`offset + size`) most of the function's accesses in loops check, so
/// that their checks compare the address with the variable itself (a
/// `cmp` and a `jg`). Cranelift's egraph rematerializes an add of a constant (and
/// anything it rewrites into one, such as `ireduce` of an add) next to
/// each use in every block, so `length - k` computed at each check costs
/// an `lea` per check, inside loops too. The variable is defined as
/// `uextend(ireduce.i32(length - k))`, which is not rematerialized, and
/// is exact: `k >= 1` is chosen at most the memory's declared minimum,
/// which the length never falls below, and a 32-bit memory's length is at
/// most 2^32, so `0 <= length - k < 2^32`. Checks of another `k'` compare
/// with `variable + (k - k')`, which is `length - k'` exactly.
/// (Multi-result `uadd_overflow` also escapes the remat, but its unused
/// carry costs a `setb`/`cset` at every reload; aarch64, whose checks
/// compare in 32 bits, uses it anyway: there `ireduce` of the
/// `uextend(ireduce(..))` form folds back to the rematerialized add. See
/// `opaque_difference`.)
#[derive(Clone, Copy, Default)]
struct LengthBias {
    k: u64,
}

/// The translator state a versioned loop's second copy starts from.
pub struct Snapshot {
    checked: Vec<Checked>,
    frame_marks: Vec<usize>,
    stale: bool,
}

impl Bounds {
    /// Whether a call or `memory.grow` made the length variables stale.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Restores the staleness of the current path after code on a side
    /// path (an exception check's throw edge) reloaded the lengths.
    pub fn set_stale(&mut self, stale: bool) {
        self.stale = stale;
    }

    /// A control frame starts (block, loop, if): its checks begin here.
    pub fn enter_frame(&mut self) {
        self.frame_marks.push(self.checked.len());
    }

    /// The `else` arm starts: the `then` arm's checks do not reach it.
    pub fn enter_else(&mut self) {
        if let Some(&mark) = self.frame_marks.last() {
            self.checked.truncate(mark);
        }
    }

    /// A control frame ends. `straight_through`: nothing branched to its
    /// end, so its top-level code ran on every path that gets here.
    pub fn exit_frame(&mut self, straight_through: bool) {
        let mark = self.frame_marks.pop().unwrap_or(0);
        let depth = self.frame_marks.len();
        self.scoped.retain(|s| s.depth <= depth);
        if !straight_through {
            self.checked.truncate(mark);
        }
    }

    /// A branch to the end of a `block` whose branches so far left
    /// `branches`: what holds on all of them now.
    pub fn merge_branch(&self, branches: &BranchChecks) -> BranchChecks {
        match branches {
            BranchChecks::NoBranch if self.checked.len() <= MAX_BRANCH_CHECKS => {
                BranchChecks::Common(self.checked.clone())
            }
            BranchChecks::Common(common) => {
                let shared = common_prefix(common, &self.checked);
                BranchChecks::Common(common[..shared].to_vec())
            }
            _ => BranchChecks::Unknown,
        }
    }

    /// A `block` ends that something branched to (`branches` held on
    /// those branches); `falls_through`: its code also reaches the end.
    /// The checks that hold on every edge into the continuation stay.
    pub fn exit_block(&mut self, branches: &BranchChecks, falls_through: bool) {
        let mark = self.frame_marks.pop().unwrap_or(0);
        let depth = self.frame_marks.len();
        self.scoped.retain(|s| s.depth <= depth);
        let BranchChecks::Common(common) = branches else {
            // `NoBranch` cannot reach here (nothing branched, so the
            // frame ran straight through); `Unknown` keeps what held
            // before the frame.
            self.checked.truncate(mark);
            return;
        };
        if falls_through {
            let shared = common_prefix(common, &self.checked);
            self.checked.truncate(shared);
        } else {
            self.checked.clone_from(common);
        }
        // Entries below the frame's mark are in every list taken inside
        // it: none of them is lost.
        debug_assert!(self.checked.len() >= mark);
    }

    /// A new id for a check (see `Checked::id`).
    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Records a check just emitted: `end` bytes from `root + plus` of
    /// `memory` are in bounds from here on.
    fn record(&mut self, memory: u32, root: ir::Value, plus: i64, end: u64) {
        let id = self.fresh_id();
        self.checked.push(Checked {
            id,
            memory,
            root,
            plus,
            end,
        });
    }

    /// The check state at a loop's entry, to translate it a second time.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            checked: self.checked.clone(),
            frame_marks: self.frame_marks.clone(),
            stale: self.stale,
        }
    }

    pub fn restore(&mut self, snapshot: Snapshot) {
        self.checked = snapshot.checked;
        self.frame_marks = snapshot.frame_marks;
        self.stale = snapshot.stale;
    }

    /// Whether an access up to `end` at `address` is already covered.
    /// Only the most recent checks are searched, so a huge block costs
    /// linear time; an older match is merely a missed saving.
    fn covered(&self, memory: u32, root: ir::Value, plus: i64, end: u64) -> bool {
        self.checked
            .iter()
            .rev()
            .take(MAX_SEARCHED_CHECKS)
            .any(|c| c.covers(memory, root, plus, end))
    }
}

/// The memories whose length `body` reads: `memory.size` and every
/// access that needs an explicit check. With `guarded` (guard mode), an
/// access the guard window covers reads no length, so a function whose
/// accesses are all guarded neither loads the length at entry nor reloads
/// it after calls.
fn memories_read(
    body: &FunctionBody<'_>,
    memories: &[wasmparser::MemoryType],
    guarded: bool,
) -> anyhow::Result<Vec<bool>> {
    let mut used = vec![false; memories.len()];
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let op = ops.read()?;
        let index = match op {
            Operator::MemorySize { mem } => Some(mem),
            ref other => memory_access(other).and_then(|(memarg, size)| {
                let wasmparser::MemArgTarget::Memory(index) = memarg.target else {
                    return None;
                };
                // 64-bit memories and 1-byte pages are always checked
                // (see `guard.rs`).
                let windowed = memories
                    .get(index as usize)
                    .is_some_and(|m| !m.memory64 && crate::module_info::page_size_log2(m) == 16);
                let covered =
                    guarded && windowed && super::guard::window_covers(memarg.offset, size);
                (!covered).then_some(index)
            }),
        };
        if let Some(slot) = index.and_then(|i| used.get_mut(i as usize)) {
            *slot = true;
        }
    }
    Ok(used)
}

/// The weight of one access inside one loop (see `common_ends`).
const IN_A_LOOP: u64 = 8;

/// Per memory: the `offset + size` most of `body`'s accesses check, among
/// those at most the memory's declared minimum (0 when none is).
fn common_ends(
    body: &FunctionBody<'_>,
    memories: &[wasmparser::MemoryType],
) -> anyhow::Result<Vec<u64>> {
    let mut seen: Vec<HashMap<u64, u64>> = vec![HashMap::new(); memories.len()];
    // Open frames, `true` for loops: an access inside `n` loops weighs
    // 8^n (capped), as the hot accesses are the ones in inner loops.
    let mut frames: Vec<bool> = Vec::new();
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let op = ops.read()?;
        match op {
            Operator::Loop { .. } => frames.push(true),
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => frames.push(false),
            Operator::End => {
                frames.pop();
            }
            _ => {}
        }
        let Some((memarg, size)) = memory_access(&op) else {
            continue;
        };
        let loops = frames.iter().filter(|&&is_loop| is_loop).count().min(5);
        let weight = IN_A_LOOP.pow(loops as u32);
        let wasmparser::MemArgTarget::Memory(index) = memarg.target else {
            continue;
        };
        let Some(memory) = memories.get(index as usize) else {
            continue;
        };
        let min_bytes = memory
            .initial
            .saturating_mul(crate::module_info::page_size(memory));
        match memarg.offset.checked_add(size) {
            Some(end) if end <= min_bytes => {
                *seen[index as usize].entry(end).or_default() += weight
            }
            _ => {}
        }
    }
    Ok(seen
        .iter()
        .map(|counts| {
            // Ties go to the smaller end, so the choice is deterministic.
            // Biasing costs an instruction at each reload (after every
            // call): worth it only for checks repeated in a loop. And only
            // when one end dominates: each other end's checks need their
            // own `variable + (k - k')` kept or recomputed.
            let total: u64 = counts.values().sum();
            counts
                .iter()
                .max_by_key(|&(&end, &count)| (count, std::cmp::Reverse(end)))
                .filter(|&(_, &count)| count >= IN_A_LOOP && count * 4 >= total * 3)
                .map_or(0, |(&end, _)| end)
        })
        .collect())
}

/// The memory argument of a load or store operator and how many bytes it
/// accesses.
pub(super) fn memory_access<'a>(op: &'a Operator<'_>) -> Option<(&'a wasmparser::MemArg, u64)> {
    use Operator as O;
    let access = match op {
        O::I64Load { memarg } | O::F64Load { memarg } => (memarg, 8),
        O::I64Store { memarg } | O::F64Store { memarg } => (memarg, 8),
        O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32S { memarg } => (memarg, 4),
        O::I64Load32U { memarg } => (memarg, 4),
        O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => (memarg, 4),
        O::I32Load16S { memarg } | O::I32Load16U { memarg } => (memarg, 2),
        O::I64Load16S { memarg } | O::I64Load16U { memarg } => (memarg, 2),
        O::I32Store16 { memarg } | O::I64Store16 { memarg } => (memarg, 2),
        O::I32Load8S { memarg } | O::I32Load8U { memarg } => (memarg, 1),
        O::I64Load8S { memarg } | O::I64Load8U { memarg } => (memarg, 1),
        O::I32Store8 { memarg } | O::I64Store8 { memarg } => (memarg, 1),
        O::V128Load { memarg } | O::V128Store { memarg } => (memarg, 16),
        O::V128Load8x8S { memarg } | O::V128Load8x8U { memarg } => (memarg, 8),
        O::V128Load16x4S { memarg } | O::V128Load16x4U { memarg } => (memarg, 8),
        O::V128Load32x2S { memarg } | O::V128Load32x2U { memarg } => (memarg, 8),
        O::V128Load64Splat { memarg } | O::V128Load64Zero { memarg } => (memarg, 8),
        O::V128Load32Splat { memarg } | O::V128Load32Zero { memarg } => (memarg, 4),
        O::V128Load16Splat { memarg } => (memarg, 2),
        O::V128Load8Splat { memarg } => (memarg, 1),
        O::V128Load8Lane { memarg, .. } | O::V128Store8Lane { memarg, .. } => (memarg, 1),
        O::V128Load16Lane { memarg, .. } | O::V128Store16Lane { memarg, .. } => (memarg, 2),
        O::V128Load32Lane { memarg, .. } | O::V128Store32Lane { memarg, .. } => (memarg, 4),
        O::V128Load64Lane { memarg, .. } | O::V128Store64Lane { memarg, .. } => (memarg, 8),
        _ => return None,
    };
    Some(access)
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Declares the length variables of the memories `body` reads; they
    /// are loaded before their first use.
    pub fn init_memory_lengths(&mut self, body: &FunctionBody<'_>) -> anyhow::Result<()> {
        let info = self.env.info;
        let guard = self.env.bounds_checks == crate::emit::BoundsChecks::Guard;
        let used = memories_read(body, &info.memories, guard)?;
        self.bounds.lengths = (0..info.memories.len() as u32)
            .map(|index| {
                // A shared memory may grow on another thread at any time:
                // its length is loaded at each check, never cached.
                (used[index as usize]
                    && !self.length_is_constant(index)
                    && !info.memories[index as usize].shared)
                    .then(|| self.builder.declare_var(types::I64))
            })
            .collect();
        // Only explicit checks of 32-bit memories compare with
        // `length - k`; guard mode keeps the plain length.
        self.bounds.biases = if guard {
            vec![LengthBias::default(); info.memories.len()]
        } else {
            common_ends(body, &info.memories)?
                .into_iter()
                .zip(&info.memories)
                .map(|(k, m)| LengthBias {
                    k: if m.memory64 { 0 } else { k },
                })
                .collect()
        };
        self.bounds.stale = true;
        self.bounds.scoped.clear();
        self.bounds.loop_ends.clear();
        let explicit = self.env.bounds_checks == crate::emit::BoundsChecks::Explicit;
        let pack = self.lanes_pack();
        if explicit && self.scoped_lengths_pay() {
            self.bounds.loop_ends = super::loop_lengths::scan(body, &info.memories)?;
        }
        if explicit || pack {
            let mut plans = super::loop_scan::plan_loops(body)?;
            // The entry test reasons about i32 addresses: a loop that would
            // hoist an access of a 64-bit memory keeps every check.
            let memories = &info.memories;
            plans.retain(|_, plan| {
                plan.ranges
                    .iter()
                    .all(|r| memories.get(r.memory as usize).is_some_and(|m| !m.memory64))
            });
            if !self.strided_ranges_pay() {
                for plan in plans.values_mut() {
                    plan.ranges.retain(|r| r.stride_local.is_none());
                }
                plans.retain(|_, plan| !plan.ranges.is_empty());
            }
            if !self.exits_in_body_pay() {
                plans.retain(|_, plan| !plan.exit_in_body);
            }
            for plan in plans.values_mut() {
                // Packing matches accesses to ranges by their local's value
                // (`lane_pairs.rs`): one memory per loop.
                let one_memory = plan
                    .ranges
                    .iter()
                    .all(|r| r.memory == plan.ranges[0].memory);
                plan.pack_lanes = pack && plan.f64_store_pairs > 0 && one_memory;
            }
            // In guard mode a loop is versioned only to pack its lanes.
            if !explicit {
                plans.retain(|_, plan| plan.pack_lanes);
            }
            self.bounds.plans = plans;
        }
        Ok(())
    }

    /// Whether loops with pairs of `f64` stores are versioned so that
    /// their unchecked copy may do two lanes' work in one vector operation
    /// (`lane_pairs.rs`): on the ISAs whose vector unit every preset has
    /// (riscv64's default has none). Not with a budget: its check in the
    /// loop header splits the body the packing needs in one block.
    fn lanes_pack(&self) -> bool {
        !self.env.budget.enabled()
            && matches!(
                self.architecture(),
                target_lexicon::Architecture::X86_64 | target_lexicon::Architecture::Aarch64(_)
            )
    }

    /// Whether loops bounded by a counter test inside their body (not on
    /// the back edge: `loop_scan/exits.rs`) are versioned. Their other
    /// exits often end them after a few turns (wasi-libc's `strncmp` in
    /// hashmap: about 6 bytes per call), so the entry test must be cheap
    /// next to a check: aarch64 hashmap −3.0 % instructions. Not on
    /// riscv64, whose check in a loop is one `bge` against a loop-scoped
    /// `length - end` (+1.2 %), nor on x86_64: there it saved 1.1 % of
    /// hashmap's instructions but cost time, as the test's values weigh
    /// more than the byte checks' compares (docs/benchmarks.md, "What a
    /// check costs").
    fn exits_in_body_pay(&self) -> bool {
        matches!(
            self.architecture(),
            target_lexicon::Architecture::Aarch64(_)
        )
    }

    /// Whether versioned loops hoist ranges with a stride held in a local
    /// (`loop_scan.rs`, `Term::Strided`). Their entry test costs a multiply
    /// and a sign test at each loop entry: CoreMark's short column walks
    /// (9 turns) gain 0.6 % on x86_64 and 0.7 % on aarch64 but lose 0.5 %
    /// on riscv64, whose checks are cheaper than the test.
    fn strided_ranges_pay(&self) -> bool {
        !matches!(
            self.architecture(),
            target_lexicon::Architecture::Riscv64(_)
        )
    }

    /// Whether loop-scoped lengths (see `loop_lengths.rs`) are used on
    /// this target: on aarch64 and riscv64 (31 registers) they save 0.7 to
    /// 3 % of CoreMark's and interp's instructions; on x86_64 (15) the
    /// register each one holds across its loop often makes the register
    /// allocator spill the heap base instead (hashmap +5 %), so x86_64
    /// keeps its code.
    fn scoped_lengths_pay(&self) -> bool {
        !matches!(
            self.architecture(),
            target_lexicon::Architecture::X86_64 | target_lexicon::Architecture::X86_32(_)
        )
    }

    /// A call or `memory.grow` was emitted: any length may have changed.
    pub fn invalidate_memory_lengths(&mut self) {
        self.bounds.stale = true;
        // `loop_lengths::scan` keeps loops that call or grow out, so no
        // loop-scoped value is live here. Were one missed, dropping them
        // keeps the checks after this point exact; those before it in the
        // loop would compare with a length from before the loop, never
        // larger than the current one (a memory never shrinks): a spurious
        // trap at worst, never an access out of bounds.
        debug_assert!(
            self.bounds.scoped.is_empty(),
            "a length may change inside a loop with loop-scoped lengths"
        );
        self.bounds.scoped.clear();
    }

    /// A `loop` starts (before its header): when it cannot change a
    /// length, defines `length - end` for the ends its body checks most
    /// that no variable or enclosing loop's value holds yet. Returns the
    /// values defined, for the second copy of a versioned loop.
    pub fn enter_loop_lengths(&mut self) -> Vec<ScopedLength> {
        if !self.reachable {
            return Vec::new();
        }
        let offset = self.builder.srcloc().bits() as usize;
        let Some(ends) = self.bounds.loop_ends.get(&offset) else {
            return Vec::new();
        };
        let depth = self.bounds.frame_marks.len() + 1;
        let wanted: Vec<(u32, u64)> = ends
            .iter()
            .copied()
            .filter(|&(memory, end)| {
                let cached = self
                    .bounds
                    .lengths
                    .get(memory as usize)
                    .copied()
                    .flatten()
                    .is_some();
                cached
                    && !self.length_is_constant(memory)
                    && end != self.bias(memory)
                    && self.scoped_length(memory, end).is_none()
            })
            .take(MAX_SCOPED_PER_LOOP)
            .collect();
        let mut defined = Vec::with_capacity(wanted.len());
        for (memory, end) in wanted {
            let length = self.memory_length(memory);
            // `0 <= length - end < 2^32`: `end` is at most the declared
            // minimum (see `LengthBias`).
            let value = self.opaque_difference(length, end);
            defined.push(ScopedLength {
                memory,
                end,
                value,
                depth,
            });
        }
        self.bounds.scoped.extend_from_slice(&defined);
        defined
    }

    /// Defines again, for a versioned loop's second copy, the values
    /// `enter_loop_lengths` defined before the first.
    pub fn reenter_loop_lengths(&mut self, values: &[ScopedLength]) {
        self.bounds.scoped.extend_from_slice(values);
    }

    /// The loop-scoped `length - end` of `memory`, if an open loop has one.
    fn scoped_length(&self, memory: u32, end: u64) -> Option<ir::Value> {
        self.bounds
            .scoped
            .iter()
            .rev()
            .find(|s| s.memory == memory && s.end == end)
            .map(|s| s.value)
    }

    /// Reloads the length variables if they are stale. Called before
    /// every branch that leaves the current Cranelift block, so that the
    /// SSA value reaching any block is current.
    pub fn reload_stale_memory_lengths(&mut self) {
        if !self.bounds.stale {
            return;
        }
        self.bounds.stale = false;
        for index in 0..self.bounds.lengths.len() as u32 {
            if let Some(var) = self.bounds.lengths[index as usize] {
                let length = self.load_memory_length(index);
                let biased = self.biased_length(index, length);
                self.builder.def_var(var, biased);
            }
        }
    }

    /// `length` minus the memory's `LengthBias` (see there).
    fn biased_length(&mut self, index: u32, length: ir::Value) -> ir::Value {
        let k = self.bias(index);
        if k == 0 {
            return length;
        }
        // `0 <= length - k < 2^32` (see `LengthBias`).
        self.opaque_difference(length, k)
    }

    /// `value - k` for an i64 `value` with `0 <= value - k < 2^32`, in a
    /// form the rematerialization leaves alone (see `LengthBias`): the
    /// round trip through i32 keeps the value and hides the add. Where
    /// checks compare in 32 bits (`compares_in_32_bits`) the compare reads
    /// the i32 inside, which must hide the add too: a multi-result
    /// `uadd_overflow` (its unused carry costs one instruction here).
    fn opaque_difference(&mut self, value: ir::Value, k: u64) -> ir::Value {
        if self.compares_in_32_bits() {
            let narrow = self.builder.ins().ireduce(types::I32, value);
            let minus_k = self.builder.ins().iconst(types::I32, -(k as i64));
            let (difference, _carry) = self.builder.ins().uadd_overflow(narrow, minus_k);
            return self.builder.ins().uextend(types::I64, difference);
        }
        let difference = self.builder.ins().iadd_imm_s(value, -(k as i64));
        let narrow = self.builder.ins().ireduce(types::I32, difference);
        self.builder.ins().uextend(types::I64, narrow)
    }

    /// Whether checks against a `length - end` known to lie in [0, 2^32)
    /// compare the i32 address with its low half, unsigned: on aarch64
    /// the i64 compare needs the address zero-extended first (a `mov` per
    /// check; the access's addressing mode extends for free). x86_64
    /// extends only loaded addresses, and there the i32 compare costs
    /// more than it saves (callgrind, with the `uadd_overflow` below:
    /// CoreMark +0.6 %, interp +2.6 %, hashmap +6 %). riscv64 has no
    /// 32-bit compare: Cranelift extends both operands instead (CoreMark
    /// +12 %).
    fn compares_in_32_bits(&self) -> bool {
        matches!(
            self.architecture(),
            target_lexicon::Architecture::Aarch64(_)
        )
    }

    /// The `k` memory `index`'s length variable has subtracted.
    fn bias(&self, index: u32) -> u64 {
        self.bounds.biases.get(index as usize).map_or(0, |b| b.k)
    }

    /// Whether memory `index` is defined here and cannot grow.
    fn length_is_constant(&self, index: u32) -> bool {
        let ty = self.env.info.memories[index as usize];
        index >= self.env.info.num_imported_memories && ty.maximum == Some(ty.initial)
    }

    /// Loads the length field of memory `index`'s record.
    fn load_memory_length(&mut self, index: u32) -> ir::Value {
        let record: RecordRef = self.memory_record(index);
        let flags = self.vmctx_flags();
        if self.env.info.memories[index as usize].shared {
            // Another thread may grow it: an atomic load, which Cranelift
            // neither merges with an earlier one nor hoists.
            let field = record.offset + VMMemory::LENGTH as i32;
            let address = self.builder.ins().iadd_imm_s(record.base, i64::from(field));
            return self.builder.ins().atomic_load(types::I64, flags, address);
        }
        self.builder.ins().load(
            types::I64,
            flags,
            record.base,
            record.offset + VMMemory::LENGTH as i32,
        )
    }

    /// The memory's current length in bytes: a constant when it cannot
    /// change, the cached variable when there is one, else a fresh load.
    pub fn memory_length(&mut self, index: u32) -> ir::Value {
        if self.length_is_constant(index) {
            let bytes = self.min_bytes(index);
            return self.builder.ins().iconst(types::I64, bytes as i64);
        }
        match self.bounds.lengths.get(index as usize).copied().flatten() {
            Some(var) => {
                self.reload_stale_memory_lengths();
                let biased = self.builder.use_var(var);
                let k = self.bias(index);
                if k == 0 {
                    biased
                } else {
                    self.builder.ins().iadd_imm_u(biased, k as i64)
                }
            }
            None => self.load_memory_length(index),
        }
    }

    /// `length - end` of memory `index`, the last address an access of
    /// `end` bytes may start at (negative when none may).
    pub(super) fn last_start(&mut self, index: u32, end: u64) -> ir::Value {
        if let Some(value) = self.scoped_length(index, end) {
            return value;
        }
        // `end <= u32::MAX + 16`: the negation fits an i64.
        let cached = self.bounds.lengths.get(index as usize).copied().flatten();
        let (Some(var), false) = (cached, self.length_is_constant(index)) else {
            let length = self.memory_length(index);
            return self.builder.ins().iadd_imm_s(length, -(end as i64));
        };
        self.reload_stale_memory_lengths();
        let biased = self.builder.use_var(var);
        let k = self.bias(index);
        if k == end {
            return biased;
        }
        // `k` and `end` are below 2^33: the difference fits an i64.
        self.builder.ins().iadd_imm_s(biased, k as i64 - end as i64)
    }

    /// Traps unless `end` bytes from `address` (the i32 operand; `address64`
    /// its zero extension) lie inside memory `index`, unless a dominating
    /// check already covers that.
    pub fn check_bounds(&mut self, index: u32, address: ir::Value, address64: ir::Value, end: u64) {
        let (root, plus) = self.constant_distance(address).unwrap_or((address, 0));
        if self.bounds.covered(index, root, plus, end) || self.hoisted_covers(index, address, end) {
            return;
        }
        let page_size_log2 =
            crate::module_info::page_size_log2(&self.env.info.memories[index as usize]);
        let alignment = address_alignment::known_trailing_zeros(&self.builder.func.dfg, address);
        let covered_end = address_alignment::covered_end(end, alignment, page_size_log2);
        let compared_end = self.cheapest_end(index, end, covered_end);
        if self.stricter_bias_pays(index, compared_end, covered_end) {
            self.check_with_stricter_bias(index, address, address64, compared_end);
        } else {
            let out_of_bounds = self.out_of_bounds(index, address, address64, compared_end);
            self.builder
                .ins()
                .trapnz(out_of_bounds, TrapCode::HEAP_OUT_OF_BOUNDS);
        }
        self.bounds.record(index, root, plus, covered_end);
    }

    /// Whether `address` (`address64` its zero extension) plus
    /// `compared_end` bytes lies past the end of memory `index`.
    fn out_of_bounds(
        &mut self,
        index: u32,
        address: ir::Value,
        address64: ir::Value,
        compared_end: u64,
    ) -> ir::Value {
        if let Some(var) = self.compares_at_variable(index, compared_end) {
            return self.past_variable(var, address64);
        }
        let last_start = self.last_start(index, compared_end);
        if self.compares_in_32_bits() && compared_end <= self.min_bytes(index) {
            // `length - end` is then in [0, 2^32) (see `LengthBias`), so
            // `zext(address) >s length - end` is the i32 address compared
            // with its low half, unsigned (see `compares_in_32_bits`).
            let last_start32 = self.builder.ins().ireduce(types::I32, last_start);
            self.builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThan, address, last_start32)
        } else {
            self.builder
                .ins()
                .icmp(IntCC::SignedGreaterThan, address64, last_start)
        }
    }

    /// The length variable, when a check of `end` bytes compares the
    /// address with it (`length - k`) itself, as `>=`: for `end = k + 1`,
    /// `zext(a) > length - end` is `zext(a) >= length - k` (integers), so
    /// no `length - end` is computed next to the check (an `lea` per
    /// check, see `LengthBias`). With `k = 0` this is every byte access at
    /// offset 0: x86_64 hashmap −2.5 % and sieve_crc −2.6 % instructions.
    /// Only on x86_64: elsewhere loops hold a loop-scoped `length - end`
    /// (`scoped_lengths_pay`), compared just as cheaply. riscv64 gained
    /// on hashmap (−3.1 %), but its other loops then moved into
    /// Cranelift's empty branch islands (docs/architecture.md): json
    /// +4.3 %, sieve_crc +3.5 %. aarch64 compares in 32 bits, where a
    /// 4 GiB memory's length with `k = 0` does not fit.
    fn compares_at_variable(&self, index: u32, end: u64) -> Option<Variable> {
        let cached = self.bounds.lengths.get(index as usize).copied().flatten();
        cached.filter(|_| {
            end == self.bias(index) + 1
                && !self.length_is_constant(index)
                && !self.scoped_lengths_pay()
        })
    }

    /// `zext(address) >= length - k`: the out-of-bounds test of an access
    /// ending at `k + 1`, with `var` the length variable (see
    /// `compares_at_variable`).
    fn past_variable(&mut self, var: Variable, address64: ir::Value) -> ir::Value {
        self.reload_stale_memory_lengths();
        let biased = self.builder.use_var(var);
        self.builder
            .ins()
            .icmp(IntCC::SignedGreaterThanOrEqual, address64, biased)
    }

    /// Whether a check that would compare with `length - compared_end`,
    /// which no register holds (an `lea` next to the check, see
    /// `LengthBias`), compares with the length variable instead: its bias
    /// is a larger end, so the compare is stricter and its rare failures
    /// go to a cold exact check (`check_with_stricter_bias`). Only where
    /// loops get no loop-scoped `length - end` (x86_64, see
    /// `scoped_lengths_pay`): with them, aarch64 CoreMark ran 0.2 % fewer
    /// instructions and riscv64 0.5 % more (the branch to the cold block
    /// splits the block where a `bgt` against a loop-scoped value would do).
    fn stricter_bias_pays(&self, index: u32, compared_end: u64, covered_end: u64) -> bool {
        let bias = self.bias(index);
        let cached = self.bounds.lengths.get(index as usize).copied().flatten();
        !self.scoped_lengths_pay()
            && cached.is_some()
            && !self.length_is_constant(index)
            && bias > covered_end
            && self.scoped_length(index, compared_end).is_none()
    }

    /// Checks an access of `compared_end` bytes at `address` against the
    /// length variable, whose bias `k` is larger: `address + k > length`
    /// is implied by a real failure but may also hold for an access in
    /// bounds near the end of memory. Only then does a cold block compare
    /// exactly, trap (at this access's Wasm location) or come back. The
    /// hot path is a `cmp` with the variable and a branch, as for a check
    /// at the bias; what passes is still only `compared_end` bytes (the
    /// cold path may have come back), and so is what the caller records.
    fn check_with_stricter_bias(
        &mut self,
        index: u32,
        address: ir::Value,
        address64: ir::Value,
        compared_end: u64,
    ) {
        let bias = self.bias(index);
        let maybe_out = self.out_of_bounds(index, address, address64, bias);
        let exact = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.set_cold_block(exact);
        self.builder.ins().brif(maybe_out, exact, &[], next, &[]);

        self.builder.switch_to_block(exact);
        self.builder.seal_block(exact);
        let out_of_bounds = self.out_of_bounds(index, address, address64, compared_end);
        self.builder
            .ins()
            .trapnz(out_of_bounds, TrapCode::HEAP_OUT_OF_BOUNDS);
        self.builder.ins().jump(next, &[]);

        self.builder.switch_to_block(next);
        self.builder.seal_block(next);
    }

    /// The end a check of `end` bytes compares with, when any end from
    /// `end` to `covered_end` traps exactly as `end` does (an aligned
    /// address, see `address_alignment.rs`): `end` itself when a register
    /// already holds `length - end`, else the length variable's bias or a
    /// loop-scoped end if one lies in that range, else `end`. (On aarch64
    /// the loop-scoped value of `end` beats the bias: interp's opcode byte
    /// compared with the bias instead ran 4.2 % more instructions.)
    fn cheapest_end(&self, index: u32, end: u64, covered_end: u64) -> u64 {
        let in_range = |k: u64| (end..=covered_end).contains(&k);
        let cached = self.bounds.lengths.get(index as usize).copied().flatten();
        let bias = self.bias(index);
        if end == bias || self.scoped_length(index, end).is_some() {
            return end;
        }
        if cached.is_some() && !self.length_is_constant(index) && bias != 0 && in_range(bias) {
            return bias;
        }
        if self.compares_at_variable(index, end).is_some() {
            return end;
        }
        self.bounds
            .scoped
            .iter()
            .rev()
            .find(|s| s.memory == index && in_range(s.end))
            .map_or(end, |s| s.end)
    }
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Traps unless the `size` bytes at `address + offset` (an i64 address
    /// of 64-bit memory `index`) lie inside the memory, unless a dominating
    /// check already covers that. The i32 trick of `check_bounds` (a signed
    /// compare against `length - k`) does not hold for addresses of 2^63
    /// and up, and `address + k` may wrap past 2^64, so the sum is taken
    /// with an overflow trap and compared unsigned:
    ///
    /// ```text
    /// end = address + k          (trap "out of bounds" if it wraps)
    /// if end >u length: trap "out of bounds memory access"
    /// ```
    /// A `k` that does not fit 64 bits is past the end of any memory.
    pub fn check_bounds64(&mut self, index: u32, address: ir::Value, offset: u64, size: u64) {
        let Some(end) = offset.checked_add(size) else {
            let always = self.builder.ins().iconst(types::I8, 1);
            self.builder
                .ins()
                .trapnz(always, TrapCode::HEAP_OUT_OF_BOUNDS);
            return;
        };
        if self.bounds.covered(index, address, 0, end) {
            return;
        }
        let length = self.memory_length(index);
        let k = self.builder.ins().iconst(types::I64, end as i64);
        let access_end =
            self.builder
                .ins()
                .uadd_overflow_trap(address, k, TrapCode::HEAP_OUT_OF_BOUNDS);
        let out_of_bounds = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, access_end, length);
        self.builder
            .ins()
            .trapnz(out_of_bounds, TrapCode::HEAP_OUT_OF_BOUNDS);
        // Exact matches only: the i32 reasoning of `Checked::covers`
        // about distances and alignment is not made for i64 addresses.
        self.bounds.record(index, address, 0, end);
    }

    /// Whether the entry test of the loop copy being translated proved an
    /// access up to `end` at `address` in bounds: `address` is
    /// `value + c` (through adds and subtracts of constants) for a hoisted
    /// induction `value`, with `c` inside the tested range.
    fn hoisted_covers(&self, memory: u32, address: ir::Value, end: u64) -> bool {
        self.hoisted_range_with(memory, address, end, |_| true)
            .is_some()
    }

    /// `address` as `(induction, c)` when the entry test of the loop copy
    /// being translated proved `end` bytes from it in bounds and
    /// `zext(induction) + c` is that same address.
    ///
    /// The entry test bounds `induction + c` (exact, in i64) inside `[0,
    /// length)` for every access's `c`, not the induction itself: a pointer
    /// walking down to `-2` with its accesses at `p + 2` and `p + 4` passes
    /// it, and there `zext(p) + 2` is `2^32`, not 0. With some access at
    /// `c <= 0` (`min_plus`) the induction is at least 0 in every
    /// iteration, and with some access ending past it (`max_end >= 1`) it
    /// stays below `length <= 2^32`: then it never wraps either.
    pub(super) fn hoisted_distance(
        &self,
        memory: u32,
        address: ir::Value,
        end: u64,
    ) -> Option<(ir::Value, i64)> {
        self.hoisted_range_with(memory, address, end, |h| h.min_plus <= 0 && h.max_end >= 1)
    }

    /// `address` as `(induction, c)` for a hoisted range of the loop copy
    /// being translated that holds `c .. c + end` from `induction` and
    /// meets `also`.
    fn hoisted_range_with(
        &self,
        memory: u32,
        address: ir::Value,
        end: u64,
        also: impl Fn(&Hoisted) -> bool,
    ) -> Option<(ir::Value, i64)> {
        if self.bounds.hoisted.is_empty() {
            return None;
        }
        let (base, plus) = self.constant_distance(address)?;
        let dfg = &self.builder.func.dfg;
        self.bounds
            .hoisted
            .iter()
            .any(|h| {
                h.memory == memory
                    && dfg.resolve_aliases(h.value) == base
                    && plus >= h.min_plus
                    && plus + end as i64 <= h.max_end
                    && also(h)
            })
            .then_some((base, plus))
    }

    /// `address` as `base + c` with `c` the exact (unwrapped) sum of the
    /// i32 constants added along a short chain of `iadd`/`isub`.
    pub(super) fn constant_distance(&self, address: ir::Value) -> Option<(ir::Value, i64)> {
        /// Longest chain followed; clang's address arithmetic is shorter.
        const MAX_CHAIN: usize = 8;
        let dfg = &self.builder.func.dfg;
        let mut value = dfg.resolve_aliases(address);
        let mut plus = 0i64;
        for _ in 0..MAX_CHAIN {
            let ir::ValueDef::Result(inst, _) = dfg.value_def(value) else {
                break;
            };
            let ir::InstructionData::Binary { opcode, args } = dfg.insts[inst] else {
                break;
            };
            let [a, b] = args.map(|v| dfg.resolve_aliases(v));
            let constant = |v: ir::Value| self.constant_of(v).map(|c| i64::from(c as i32));
            value = match (opcode, constant(a), constant(b)) {
                (ir::Opcode::Iadd, _, Some(c)) => {
                    plus += c;
                    a
                }
                (ir::Opcode::Iadd, Some(c), _) => {
                    plus += c;
                    b
                }
                (ir::Opcode::Isub, _, Some(c)) => {
                    plus -= c;
                    a
                }
                _ => break,
            };
        }
        Some((value, plus))
    }
}

#[cfg(test)]
mod tests {
    use super::memories_read;

    /// `memories_read` of the only function of the module `wat` (two memories).
    fn read_by(wat: &str, guarded: bool) -> Vec<bool> {
        let wasm = wat::parse_str(wat).expect("test module parses");
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid module") {
                let info = crate::module_info::parse(&wasm).expect("valid module");
                return memories_read(&body, &info.memories, guarded).expect("valid body");
            }
        }
        panic!("the test module has no function");
    }

    /// `common_ends` of the only function of the module `wat`.
    fn ends_of(wat: &str) -> Vec<u64> {
        let wasm = wat::parse_str(wat).expect("test module parses");
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid module") {
                let info = crate::module_info::parse(&wasm).expect("valid module");
                return super::common_ends(&body, &info.memories).expect("valid body");
            }
        }
        panic!("the test module has no function");
    }

    #[test]
    fn the_dominant_end_in_a_loop_is_the_bias() {
        // Memory 0: in the loop, 3 × k = 8 against one k = 1, weight 8
        // each: 24 of 32, exactly 3/4: 8. Memory 1: one access, outside
        // any loop: no bias.
        let wat = r#"(module (memory 1) (memory 1)
            (func (param i32)
              (drop (i32.load16_u 1 (local.get 0)))
              (loop
                (drop (i32.load offset=4 (local.get 0)))
                (drop (i64.load (local.get 0)))
                (drop (f32.load offset=4 (local.get 0)))
                (drop (i32.load8_u (local.get 0))))))"#;
        assert_eq!(ends_of(wat), [8, 0]);
    }

    #[test]
    fn no_bias_without_a_dominant_end_or_past_the_minimum() {
        // Two ends share the loop's weight evenly (1/2 < 3/4): none.
        let even = r#"(module (memory 1)
            (func (param i32)
              (loop
                (drop (i32.load (local.get 0)))
                (drop (i32.load8_u (local.get 0))))))"#;
        assert_eq!(ends_of(even), [0]);
        // 24 of 33 (one more access outside the loop) is below 3/4.
        let just_below = r#"(module (memory 1)
            (func (param i32)
              (drop (i32.load16_u (local.get 0)))
              (loop
                (drop (i32.load offset=4 (local.get 0)))
                (drop (i64.load (local.get 0)))
                (drop (f32.load offset=4 (local.get 0)))
                (drop (i32.load8_u (local.get 0))))))"#;
        assert_eq!(ends_of(just_below), [0]);
        // An end past the declared minimum (0 pages) is never the bias:
        // `length - k` could be negative.
        let empty = r#"(module (memory 0)
            (func (param i32)
              (loop (drop (i32.load (local.get 0))))))"#;
        assert_eq!(ends_of(empty), [0]);
    }

    #[test]
    fn guarded_accesses_read_no_length() {
        let wat = r#"(module (memory 1) (memory 1)
            (func (param i32) (result i64)
              (i32.store 1 offset=16 (local.get 0) (i32.const 7))
              (i64.load 0 offset=0xFFFE_FFF7 (local.get 0))))"#;
        assert_eq!(read_by(wat, true), [false, false]);
        assert_eq!(read_by(wat, false), [true, true]);
    }

    #[test]
    fn accesses_past_the_window_and_memory_size_read_the_length() {
        // offset 0xFFFE_FFFA + 8 bytes ends one byte past the window's
        // reach from the base (8 GiB - 64 KiB: the guard below the base).
        let wat = r#"(module (memory 1) (memory 1)
            (func (param i32) (result i64)
              (drop (memory.size 1))
              (i64.load 0 offset=0xFFFE_FFFA (local.get 0))))"#;
        assert_eq!(read_by(wat, true), [true, true]);
    }
}
