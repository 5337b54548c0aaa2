//! Loop versioning: explicit bounds checks tested once before a loop.
//!
//! For a loop `loop_scan.rs` planned, the translator emits
//!
//! ```text
//!   entry test: every hoisted range in bounds for every iteration the
//!               exit test lets run?
//!   brif ok, fast_header, slow_header
//! fast_header: the loop translated with the hoisted checks left out
//! slow_header: the loop translated as usual, every access checked
//! join:        both copies fall out of their loop here
//! ```
//!
//! Nothing traps early: when the test fails (the loop would walk off the
//! end of memory, its trip count is not what the scan assumed, ...) the
//! checked copy runs and traps at the first out-of-bounds access, after
//! the stores of the iterations before it. When it passes, every access
//! the fast copy leaves unchecked is in bounds in every iteration it can
//! run; memory never shrinks, so calls and `memory.grow` cannot undo that.
//! Which accesses the fast copy leaves unchecked is decided on its IR
//! (`bounds.rs`, `hoisted_covers`): an address that is a hoisted
//! induction's start-of-iteration value plus a constant inside the tested
//! range.
//!
//! The entry test, with `t_last` the last iteration's index (the exit test
//! `counter + t * step + c != limit` first fails at `t_last`; `step` is
//! `+/- 2^shift`, and when no such `t` exists the test fails). The exit
//! test is the back edge's condition, or a test in the body every
//! iteration that goes on must pass (`loop_scan/exits.rs`): then
//! iteration `t_last` stops at that test, and the ranges below, which
//! cover all of its accesses, may be wider than what it touches (the
//! test then fails where it need not, never the other way):
//!
//! ```text
//! distance = (limit - (counter + c)) mod 2^32   (negated for a negative step)
//! ok       = distance mod 2^shift == 0
//! t_last   = distance >> shift
//! for each range of local p (step s, offsets [min_plus, max_end)):
//!   first = zext(p), last = first + t_last * s      (i64, exact; a
//!           stride held in a local must be in [0, 2^31): ok &= s >= 0)
//!   ok &= min(first, last) + min_plus >= 0
//!   ok &= max(first, last) + max_end <= length
//! ```
//!
//! Between the two bounds, `p`'s value `+ c` stays inside `[0, length)`, so
//! the i32 address never wraps and equals the i64 one.

use anyhow::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};
use wasmparser::BlockType;

use super::FuncTranslator;
use super::bounds::Hoisted;
use super::control::{Frame, block_args};
use super::lane_pairs::{PackableLoop, PackableRoot};
use super::locals::{self, Local};
use super::loop_scan::{HoistedRange, Invariant, LoopPlan};
use super::short_loops;

/// Hoisted ranges tested as one (see `range_groups`).
struct RangeGroup {
    /// The offsets (`min_plus`, `max_end`) from `start`, and how it walks.
    range: HoistedRange,
    /// The i32 value the range starts from: a local's value, or the root
    /// the merged locals are constants away from.
    start: ir::Value,
    /// The first member's distance from the root.
    c: i64,
    merged: bool,
    /// Whether a member writes memory.
    stored: bool,
}

/// A loop's entry test.
struct EntryTest {
    /// An `i8`, nonzero when the fast copy may run.
    ok: ir::Value,
    /// The index of each range's group (see `range_groups`).
    group_of: Vec<usize>,
    /// Per group: whether the test keeps it apart from every other group
    /// (with packable lanes, the groups that are written).
    kept_apart: Vec<bool>,
    /// With packable lanes: `ok`, and the bounds part it adds the test of
    /// the written ranges being apart to.
    apart_test: Option<(ir::Value, ir::Value)>,
}

/// A versioned loop being translated.
pub struct Version {
    /// `control.len()` with the loop's frame pushed.
    depth: usize,
    /// Where both copies continue after the loop (the loop's results).
    join: ir::Block,
    /// Whether the fast copy falls out of its loop.
    fast_reached: bool,
    /// Whether the fast copy is being translated (else the checked one).
    in_fast: bool,
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Translates the `loop` at the current source location as two copies
    /// when it was planned; `Ok(false)` to translate it the usual way.
    /// Leaves the translator inside the checked copy's header: the caller
    /// feeds it the loop body as usual.
    pub fn translate_versioned_loop(&mut self, blockty: BlockType) -> Result<bool> {
        // Before the loop, whichever way it is translated: the values
        // must dominate both copies.
        let scoped = self.enter_loop_lengths();
        let offset = self.builder.srcloc().bits() as usize;
        let Some(plan) = self.bounds.plans.remove(&offset) else {
            return Ok(false);
        };
        // The unchecked copy recognises an induction by the SSA value its
        // header gives the local: locals kept in a stack slot have none.
        if !self.locals.iter().all(|l| matches!(l, Local::Variable(_))) {
            return Ok(false);
        }
        if !plan.pack_lanes && self.runs_few_turns(&plan)? {
            return Ok(false);
        }
        let results = match blockty {
            BlockType::Empty => vec![],
            BlockType::Type(t) => vec![t],
            BlockType::FuncType(_) => return Ok(false),
        };
        let EntryTest {
            ok,
            group_of,
            kept_apart,
            apart_test,
        } = self.entry_test(&plan)?;
        let fast = self.builder.create_block();
        let slow = self.builder.create_block();
        self.bounds.checked_copies.push(slow);
        let join = self.builder.create_block();
        for &t in &results {
            self.builder
                .append_block_param(join, super::env::clif_type(t));
        }
        let entry_branch = self.builder.ins().brif(ok, fast, &[], slow, &[]);

        let stack = self.stack.clone();
        let checks = self.bounds.snapshot();
        self.builder.switch_to_block(fast);
        // Both copies are loops: each header checks the budget.
        self.budget_check()?;
        self.open_loop(fast, blockty, 0, results.len());
        self.bounds.hoisted = plan
            .ranges
            .iter()
            .map(|range| -> Result<Hoisted> {
                Ok(Hoisted {
                    memory: range.memory,
                    value: self.local_value(range.local)?,
                    min_plus: range.min_plus,
                    max_end: range.max_end,
                })
            })
            .collect::<Result<_>>()?;
        if plan.pack_lanes {
            let roots = plan
                .ranges
                .iter()
                .zip(&self.bounds.hoisted)
                .zip(group_of)
                .map(|((range, hoisted), group)| PackableRoot {
                    value: hoisted.value,
                    group,
                    kept_apart: kept_apart.get(group).copied().unwrap_or(false),
                    min_plus: range.min_plus,
                    max_end: range.max_end,
                })
                .collect();
            // In guard mode both copies are the same code until lanes are
            // packed: without a pair the checked copy alone stays.
            let guarded = self.env.bounds_checks == crate::emit::BoundsChecks::Guard;
            self.bounds.packable.push(PackableLoop {
                header: fast,
                roots,
                unless_packed: guarded.then_some((entry_branch, slow)),
                apart_test,
            });
        }
        self.bounds.versions.push(Version {
            depth: self.control.len(),
            join,
            fast_reached: false,
            in_fast: true,
        });
        self.translate_fast_copy(&plan)?;

        self.stack = stack;
        self.bounds.restore(checks);
        self.reenter_loop_lengths(&scoped);
        self.reachable = true;
        self.skip_depth = 0;
        if let Some(version) = self.bounds.versions.last_mut() {
            version.in_fast = false;
        }
        self.builder.switch_to_block(slow);
        self.budget_check()?;
        self.open_loop(slow, blockty, 0, results.len());
        Ok(true)
    }

    /// Translates the loop body from the plan's copy of its bytes, through
    /// the `end` that closes the fast copy's loop frame.
    fn translate_fast_copy(&mut self, plan: &LoopPlan) -> Result<()> {
        let depth = self.control.len();
        let reader = wasmparser::BinaryReader::new(&plan.bytes, plan.start);
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while self.control.len() >= depth && !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            self.builder.set_srcloc(ir::SourceLoc::new(offset as u32));
            self.translate_operator(&op, offset as usize)?;
            super::limits::check(self.control.len(), self.stack.len())?;
        }
        anyhow::ensure!(
            self.control.len() < depth,
            "versioned loop at byte offset {:#x} has no end",
            plan.start
        );
        Ok(())
    }

    /// The `end` of a loop frame was reached (its header sealed): when it
    /// is one of a versioned loop's copies, continue at the join and
    /// return `true`.
    pub fn end_loop_copy(&mut self, frame: &Frame) -> Result<bool> {
        let Some(version) = self.bounds.versions.last() else {
            return Ok(false);
        };
        if version.depth != self.control.len() + 1 {
            return Ok(false);
        }
        let (join, in_fast) = (version.join, version.in_fast);
        // The copies' checks are not on every path to the join.
        self.bounds.exit_frame(false);
        let reached = self.reachable;
        if reached {
            // The join's length variables must be current on both edges.
            self.reload_stale_memory_lengths();
            let values = self.pop_n(frame.num_results)?;
            self.builder.ins().jump(join, &block_args(&values));
        }
        self.stack.truncate(frame.height);
        if in_fast {
            self.bounds.hoisted.clear();
            if let Some(version) = self.bounds.versions.last_mut() {
                version.fast_reached = reached;
            }
            self.reachable = false;
            return Ok(true);
        }
        let fast_reached = self
            .bounds
            .versions
            .pop()
            .is_some_and(|version| version.fast_reached);
        self.builder.switch_to_block(join);
        self.builder.seal_block(join);
        let results = self.builder.block_params(join).to_vec();
        self.stack.extend(results);
        self.reachable = reached || fast_reached;
        if !self.reachable {
            // Neither copy falls out of its loop: code up to the enclosing
            // frame's else/end is dead.
            self.builder
                .ins()
                .trap(super::user_trap(wafer_abi::trap::TrapCode::Unreachable));
        }
        Ok(true)
    }

    /// The entry test of `plan` (see the module comment). (One `brif` per
    /// condition instead of `and`ed `setcc`s was tried: CoreMark +0.7 %.)
    fn entry_test(&mut self, plan: &LoopPlan) -> Result<EntryTest> {
        let exit = plan.exit;
        let counter = self.local_value(exit.counter)?;
        let limit = match exit.limit {
            Invariant::Const(c) => self.builder.ins().iconst(types::I32, i64::from(c)),
            Invariant::Local(l) => self.local_value(l)?,
        };
        let compared = self.builder.ins().iadd_imm_s(counter, exit.compared_plus);
        let distance = if exit.step > 0 {
            self.builder.ins().isub(limit, compared)
        } else {
            self.builder.ins().isub(compared, limit)
        };
        let mut ok = if exit.shift > 0 {
            let low_bits = self
                .builder
                .ins()
                .band_imm_u(distance, (1i64 << exit.shift) - 1);
            self.builder.ins().icmp_imm_s(IntCC::Equal, low_bits, 0)
        } else {
            self.builder.ins().iconst(types::I8, 1)
        };
        let distance = self.builder.ins().uextend(types::I64, distance);
        let last_iteration = self
            .builder
            .ins()
            .ushr_imm_u(distance, i64::from(exit.shift));
        let (groups, group_of) = self.range_groups(&plan.ranges)?;
        let kept_apart: Vec<bool> = groups.iter().map(|g| plan.pack_lanes && g.stored).collect();
        // Per group: the bytes `[low, high)` it covers over the whole loop.
        let mut spans = Vec::with_capacity(groups.len());
        for group in groups {
            let range = group.range;
            let first = self.builder.ins().uextend(types::I64, group.start);
            let (low, high) = match range.stride_local {
                Some(stride_local) => {
                    // Only a stride `s` in [0, 2^31) takes the fast copy
                    // (a negative one runs the checked copy): the walk
                    // goes up from `first`, `t_last * s < 2^63 - 2^32 -
                    // 2^31`, and with offsets below 2^31 (loop_scan.rs)
                    // the sums below stay exact.
                    let stride = self.local_value(stride_local)?;
                    let forward =
                        self.builder
                            .ins()
                            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, stride, 0);
                    ok = self.builder.ins().band(ok, forward);
                    let stride = self.builder.ins().uextend(types::I64, stride);
                    let travel = self.builder.ins().imul(last_iteration, stride);
                    (first, self.builder.ins().iadd(first, travel))
                }
                None => {
                    let travel = self.builder.ins().imul_imm_s(last_iteration, range.step);
                    let last = self.builder.ins().iadd(first, travel);
                    if range.step >= 0 {
                        (first, last)
                    } else {
                        (last, first)
                    }
                }
            };
            // `first` is a zero-extended i32: never below `-min_plus`
            // when `min_plus >= 0`.
            if low != first || range.min_plus < 0 {
                let low_ok = self.builder.ins().icmp_imm_s(
                    IntCC::SignedGreaterThanOrEqual,
                    low,
                    -range.min_plus,
                );
                ok = self.builder.ins().band(ok, low_ok);
            }
            // `high + max_end <= length` as `high <= length - max_end`:
            // for the length variable's bias that is the variable itself.
            let high_ok = match u64::try_from(range.max_end) {
                Ok(end) if end > 0 => {
                    let last_start = self.last_start(range.memory, end);
                    self.builder
                        .ins()
                        .icmp(IntCC::SignedLessThanOrEqual, high, last_start)
                }
                _ => {
                    let high_end = self.builder.ins().iadd_imm_s(high, range.max_end);
                    let length = self.memory_length(range.memory);
                    self.builder
                        .ins()
                        .icmp(IntCC::SignedLessThanOrEqual, high_end, length)
                }
            };
            ok = self.builder.ins().band(ok, high_ok);
            if plan.pack_lanes {
                let low = self.builder.ins().iadd_imm_s(low, range.min_plus);
                let high = self.builder.ins().iadd_imm_s(high, range.max_end);
                spans.push((low, high, group.stored));
            }
        }
        // Packed lanes reorder the accesses of an iteration (`lane_pairs.rs`):
        // a group that is written must not share a byte with any other.
        // Intervals over the whole loop are coarser than needed, but two
        // arrays walked together (matmul's row of `c` and row of `b`) pass.
        let mut all_apart: Option<ir::Value> = None;
        for (i, &(low_a, high_a, stored_a)) in spans.iter().enumerate() {
            for &(low_b, high_b, stored_b) in &spans[i + 1..] {
                if stored_a || stored_b {
                    let below =
                        self.builder
                            .ins()
                            .icmp(IntCC::SignedLessThanOrEqual, high_a, low_b);
                    let above =
                        self.builder
                            .ins()
                            .icmp(IntCC::SignedLessThanOrEqual, high_b, low_a);
                    let apart = self.builder.ins().bor(below, above);
                    all_apart = Some(match all_apart {
                        Some(earlier) => self.builder.ins().band(earlier, apart),
                        None => apart,
                    });
                }
            }
        }
        // Last, and apart from the bounds: without a packed pair the
        // unchecked copy needs only the bounds (`lane_pairs.rs`).
        let apart_test = all_apart.map(|apart| {
            let bounds = ok;
            ok = self.builder.ins().band(bounds, apart);
            (ok, bounds)
        });
        Ok(EntryTest {
            ok,
            group_of,
            kept_apart,
            apart_test,
        })
    }

    /// The ranges of `ranges` tested together: those that walk alike
    /// (memory, step, stride) from locals whose values are one i32 `root`
    /// plus different constants `c_p` share one range from `root`, with
    /// offsets from `min(c_p + min(min_plus_p, 0))` to `max(c_p +
    /// max(max_end_p, 1))`. (n-body's inner loop updates `b[i].vx`, `vy`
    /// and `vz` through three locals: one test instead of three.) Its
    /// test puts `root + c_p` in `[0, length)` for every iteration's
    /// value, so the i32 value of local `p` is `root + c_p` without
    /// wrapping, and `p`'s own range (`min_plus_p .. max_end_p` from it)
    /// lies inside the shared one.
    /// Also returns the index of each range's group.
    fn range_groups(&mut self, ranges: &[HoistedRange]) -> Result<(Vec<RangeGroup>, Vec<usize>)> {
        let mut groups: Vec<(ir::Value, RangeGroup)> = Vec::new();
        let mut group_of = Vec::with_capacity(ranges.len());
        for range in ranges {
            let value = self.local_value(range.local)?;
            // Distances within 2^31 keep the merged offsets as small as
            // loop_scan.rs keeps each range's (the sums below are exact).
            let (root, c) = self
                .constant_distance(value)
                .filter(|&(_, c)| c.abs() < 1 << 31)
                .unwrap_or((value, 0));
            let alike = |g: &RangeGroup| {
                g.range.memory == range.memory
                    && g.range.step == range.step
                    && g.range.stride_local == range.stride_local
            };
            match groups.iter_mut().position(|(r, g)| *r == root && alike(g)) {
                Some(index) => {
                    group_of.push(index);
                    let group = &mut groups[index].1;
                    group.stored |= range.stored;
                    if !group.merged {
                        // The first member's offsets, moved to the root.
                        let (c0, first) = (group.c, group.range);
                        group.range.min_plus = c0 + first.min_plus.min(0);
                        group.range.max_end = c0 + first.max_end.max(1);
                        group.start = root;
                        group.merged = true;
                    }
                    group.range.min_plus = group.range.min_plus.min(c + range.min_plus.min(0));
                    group.range.max_end = group.range.max_end.max(c + range.max_end.max(1));
                }
                None => {
                    group_of.push(groups.len());
                    groups.push((
                        root,
                        RangeGroup {
                            range: *range,
                            start: value,
                            c,
                            merged: false,
                            stored: range.stored,
                        },
                    ));
                }
            }
        }
        Ok((groups.into_iter().map(|(_, g)| g).collect(), group_of))
    }

    /// Whether the IR before the loop shows it makes at most
    /// `MAX_SHORT_TURNS` turns per entry (`short_loops.rs`): too few for
    /// its entry test to pay.
    fn runs_few_turns(&mut self, plan: &LoopPlan) -> Result<bool> {
        let counter = self.local_value(plan.exit.counter)?;
        let limit = match plan.exit.limit {
            Invariant::Const(_) => None,
            Invariant::Local(l) => Some(self.local_value(l)?),
        };
        let turns = short_loops::max_turns(self.builder.func, &plan.exit, counter, limit);
        Ok(turns.is_some_and(|t| t <= short_loops::MAX_SHORT_TURNS))
    }

    fn local_value(&mut self, index: u32) -> Result<ir::Value> {
        let local = *self
            .locals
            .get(index as usize)
            .ok_or_else(|| anyhow::anyhow!("local {index} out of range"))?;
        Ok(locals::get(&mut self.builder, local))
    }
}
