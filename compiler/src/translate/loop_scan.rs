//! Finds the small innermost loops whose explicit bounds checks can be
//! tested once before the loop instead of at every access.
//!
//! The translator is one pass, so this reads each function body ahead of
//! time (see `Bounds::plans`) and, for every qualifying loop, records a
//! [`LoopPlan`]: the loop's bytes (translated a second time for the
//! unchecked copy, see `loop_version.rs`), how many iterations it can run
//! at most, and which address ranges its induction pointers cover.
//!
//! The loops recognised are the ones clang emits:
//!
//! ```text
//! loop
//!   ... f64.load (local.get $p) ... f64.store offset=8 (local.get $p) ...
//!   local.set $p (i32.add (local.get $p) (i32.const 16))
//!   br_if 0 (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))
//! end
//! ```
//!
//! An *induction* local is written exactly once in the loop, at the loop's
//! top level (so every iteration that reaches the back edge runs the
//! write), with `itself + constant`. Its value at the start of iteration
//! `t` is then `start + t * step` (mod 2^32). The loop must end with the
//! only branch back to its header (`br_if 0`, or `br 0`), and one test
//! `induction + c != limit` (`limit` a constant or a local the loop never
//! writes; a bare `induction + c` is `!= 0`), with a step of plus or
//! minus a power of two, must bound it: the back edge's condition, or an
//! exit every continuing iteration passes (`exits.rs`: wasi-libc's
//! `strncmp` leaves its byte loop from the middle when the count runs
//! out). The last iteration that can start is then the one whose counter
//! meets `limit` at that test, computable before the loop (when it never
//! meets it, the runtime test fails and the checked copy runs). Accesses at
//! `induction + constant` are the ones whose checks can be hoisted, and
//! so are accesses at `local + constant` for a local the loop never
//! writes (an induction of step 0).
//! Anything the scan does not model (calls, nested loops, blocks with
//! parameters, other branches to the header) leaves the loop alone.

mod exits;

use std::collections::HashMap;

use wasmparser::{BlockType, FunctionBody, MemArg, Operator};

use exits::ExitTracker;

/// Most operators a versioned loop may have: the loop body is translated
/// twice, so this bounds the code it adds.
pub const MAX_VERSIONED_OPERATORS: usize = 160;

/// Largest step magnitude of an induction pointer: keeps
/// `start + last_iteration * step` (last iteration < 2^32) inside an i64.
const MAX_POINTER_STEP: i64 = 1 << 24;

/// Largest constant distance from an induction value an address may have.
const MAX_ADDRESS_DISTANCE: i64 = 1 << 32;

/// Largest constant distance from a strided induction's value (see
/// `Term::Strided`) an access hoisted out of the loop may have.
const MAX_STRIDED_DISTANCE: i64 = (1 << 31) - 1;

/// A loop-invariant i32: a constant or a local the loop never writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    Const(i32),
    Local(u32),
}

/// How many iterations the loop runs at most, from its exit test
/// `counter_start + t * step + compared_plus != limit`, which iteration
/// `t` must pass to go on to the next one (at its end for the back edge,
/// or at an exit inside the body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitTest {
    pub counter: u32,
    /// `+/- 2^shift`.
    pub step: i64,
    pub shift: u32,
    /// The constant added to the counter's start-of-iteration value in
    /// the compared operand (the step itself when compared after the
    /// increment).
    pub compared_plus: i64,
    pub limit: Invariant,
}

/// The byte range induction local `local` addresses in memory `memory`
/// during one iteration: every hoisted access covers addresses from
/// `value + min_plus` up to (not including) `value + max_end`, where
/// `value` is the local's start-of-iteration value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoistedRange {
    pub memory: u32,
    pub local: u32,
    pub step: i64,
    /// `Some(s)`: the local steps by the value of local `s`, which the
    /// loop never writes (the entry test requires it in [0, 2^31); `step`
    /// is then 0).
    pub stride_local: Option<u32>,
    pub min_plus: i64,
    pub max_end: i64,
    /// Whether an access through the local writes memory (the entry test
    /// of a loop whose lanes are packed keeps written ranges apart from
    /// the others, see `lane_pairs.rs`).
    pub stored: bool,
}

/// Everything needed to version one loop.
#[derive(Clone, Debug)]
pub struct LoopPlan {
    /// The operators after `loop` through its `end`.
    pub bytes: Vec<u8>,
    /// Original byte offset of `bytes[0]`.
    pub start: u64,
    pub exit: ExitTest,
    /// The exit test sits in the body, not on the back edge (see
    /// `exits.rs`): such loops tend to leave early through their other
    /// exits, so the entry test pays on fewer targets.
    pub exit_in_body: bool,
    pub ranges: Vec<HoistedRange>,
    /// How many `f64.store`s at `local + c` the body has with another at
    /// `local + c + 8`: the lanes `lane_pairs.rs` may pack.
    pub f64_store_pairs: usize,
    /// Whether the entry test also keeps written ranges apart from the
    /// others, so that the unchecked copy's lanes may be packed (set by
    /// the translator, see `bounds.rs`).
    pub pack_lanes: bool,
}

/// Plans for the versionable loops of `body`, keyed by the byte offset of
/// their `loop` operator.
pub fn plan_loops(body: &FunctionBody<'_>) -> anyhow::Result<HashMap<usize, LoopPlan>> {
    let bytes = body.as_bytes();
    let body_start = body.range().start;
    let mut plans = HashMap::new();
    let mut ops = body.get_operators_reader()?;
    // One entry per open frame: for a loop that may be planned, the offset
    // of its `loop` and of its first operator.
    let mut open: Vec<Option<(usize, u64)>> = Vec::new();
    // Indices in `open` of the open loops, and whether each is innermost
    // so far. Only the nearest enclosing loop needs marking when a loop
    // opens (the outer ones were marked when it opened), so each operator
    // costs constant time whatever the nesting.
    let mut loops: Vec<(usize, bool)> = Vec::new();
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        match op {
            Operator::Loop { blockty } => {
                if let Some(enclosing) = loops.last_mut() {
                    enclosing.1 = false;
                }
                loops.push((open.len(), true));
                let simple = !matches!(blockty, BlockType::FuncType(_));
                open.push(simple.then_some((offset as usize, ops.original_position())));
            }
            Operator::Block { .. } | Operator::If { .. } => open.push(None),
            Operator::End => {
                let frame = open.pop().flatten();
                let innermost = match loops.last() {
                    Some(&(index, innermost)) if index == open.len() => {
                        loops.pop();
                        innermost
                    }
                    _ => false,
                };
                if let (Some((loop_offset, start)), true) = (frame, innermost) {
                    let end = ops.original_position();
                    let from = (start - body_start) as usize;
                    let to = (end - body_start) as usize;
                    if let Some(plan) = bytes.get(from..to).and_then(|b| plan_loop(b, start)) {
                        plans.insert(loop_offset, plan);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(plans)
}

/// An abstract i32 value during one iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Term {
    Unknown,
    Invariant(Invariant),
    /// Induction local's start-of-iteration value plus a constant (for a
    /// local the loop never writes, that local's value plus a constant).
    Induction {
        local: u32,
        plus: i64,
    },
    /// A candidate's start-of-iteration value plus the value of `stride`,
    /// a local the loop never writes (`p += stride`, a column walk).
    Strided {
        local: u32,
        stride: u32,
    },
}

/// An abstract stack slot: a term or the result of `a != b` or `a == b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    Term(Term),
    NotEqual(Term, Term),
    Equal(Term, Term),
}

const UNKNOWN: Value = Value::Term(Term::Unknown);

/// Where and how often the loop writes each local.
#[derive(Default)]
struct Writes {
    /// Per local: (number of writes, all at the loop's top level).
    by_local: HashMap<u32, (u32, bool)>,
}

impl Writes {
    fn scan(bytes: &[u8], start: u64) -> Option<Writes> {
        let mut writes = Writes::default();
        let mut depth = 0u32;
        let mut count = 0usize;
        let mut ops = wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(bytes, start));
        while !ops.eof() {
            count += 1;
            if count > MAX_VERSIONED_OPERATORS + 1 {
                return None;
            }
            match ops.read().ok()? {
                Operator::Block { .. } | Operator::If { .. } => depth += 1,
                Operator::End => depth = depth.saturating_sub(1),
                Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                    let entry = writes.by_local.entry(local_index).or_insert((0, true));
                    entry.0 += 1;
                    entry.1 &= depth == 0;
                }
                _ => {}
            }
        }
        Some(writes)
    }

    fn written(&self, local: u32) -> bool {
        self.by_local.contains_key(&local)
    }

    /// Written once, at the top level: may be an induction.
    fn once_at_top(&self, local: u32) -> bool {
        self.by_local.get(&local) == Some(&(1, true))
    }
}

/// One access the scan saw: at `local`'s value plus `plus`, `end` bytes
/// (static offset + size) from there.
struct Access {
    memory: u32,
    local: u32,
    plus: i64,
    end: u64,
    store: bool,
    /// An `f64.store` (the lanes `lane_pairs.rs` may pack start there).
    f64_store: bool,
    /// `plus` and the static offset: where the access starts.
    start: i64,
}

/// The result of interpreting the loop once.
struct Interpretation {
    /// Step of each candidate whose write had the form `itself + c`.
    steps: HashMap<u32, i64>,
    /// Stride local of each candidate whose write had the form
    /// `itself + stride` (see `Term::Strided`).
    strides: HashMap<u32, u32>,
    /// Candidates whose write had another form.
    disqualified: Vec<u32>,
    accesses: Vec<Access>,
    /// The back edge's `a != b` (continue while true), when it has that
    /// form.
    back_edge: Option<(Term, Term)>,
    /// The other tests every continuing iteration passes with `a != b`.
    bounding: Vec<(Term, Term)>,
}

/// Decides whether the loop whose body (after `loop`, through `end`) is
/// `bytes` can be versioned, and how.
fn plan_loop(bytes: &[u8], start: u64) -> Option<LoopPlan> {
    let writes = Writes::scan(bytes, start)?;
    let mut candidates: Vec<u32> = writes
        .by_local
        .keys()
        .copied()
        .filter(|&l| writes.once_at_top(l))
        .collect();
    candidates.sort_unstable();
    // Each round drops the candidates whose write was not `itself + c`;
    // values derived from them were computed as if they were inductions.
    let run = loop {
        let run = interpret(bytes, start, &writes, &candidates)?;
        if run.disqualified.is_empty() {
            break run;
        }
        candidates.retain(|c| !run.disqualified.contains(c));
    };
    // The back edge first: the loops versioned before exits in the body
    // were recognised keep their entry test.
    let (exit, exit_in_body) = match run.back_edge.and_then(|test| exit_test(test, &run.steps)) {
        Some(exit) => (exit, false),
        None => {
            let exit = run
                .bounding
                .iter()
                .find_map(|&test| exit_test(test, &run.steps))?;
            (exit, true)
        }
    };
    let mut ranges: Vec<HoistedRange> = Vec::new();
    for access in &run.accesses {
        let stride_local = run.strides.get(&access.local).copied();
        let step = match run.steps.get(&access.local) {
            Some(&step) => step,
            None if stride_local.is_some() => 0,
            // Never written in the loop: the same address every iteration.
            None if !writes.written(access.local) => 0,
            None => continue,
        };
        if step.abs() > MAX_POINTER_STEP {
            continue;
        }
        let end = access.plus + access.end as i64;
        // A runtime stride travels up to 2^63 - 2^31 from the start (see
        // `loop_version.rs`): offsets within 2^31 keep the entry test's
        // sums inside an i64.
        if stride_local.is_some()
            && (access.plus < -MAX_STRIDED_DISTANCE || end > MAX_STRIDED_DISTANCE)
        {
            continue;
        }
        match ranges
            .iter_mut()
            .find(|r| r.memory == access.memory && r.local == access.local)
        {
            Some(range) => {
                range.min_plus = range.min_plus.min(access.plus);
                range.max_end = range.max_end.max(end);
                range.stored |= access.store;
            }
            None => ranges.push(HoistedRange {
                memory: access.memory,
                local: access.local,
                step,
                stride_local,
                min_plus: access.plus,
                max_end: end,
                stored: access.store,
            }),
        }
    }
    (!ranges.is_empty()).then(|| LoopPlan {
        bytes: bytes.to_vec(),
        start,
        exit,
        exit_in_body,
        ranges,
        f64_store_pairs: f64_store_pairs(&run.accesses),
        pack_lanes: false,
    })
}

/// The `f64.store`s at `local + c` that have another at `local + c + 8`
/// in `accesses`: the lanes `lane_pairs.rs` may pack.
fn f64_store_pairs(accesses: &[Access]) -> usize {
    let f64_stores = || accesses.iter().filter(|a| a.f64_store);
    f64_stores()
        .filter(|a| {
            f64_stores().any(|b| {
                b.memory == a.memory && b.local == a.local && b.start == a.start.saturating_add(8)
            })
        })
        .count()
}

/// The exit test from a bounding `a != b` (see `ExitTest`).
fn exit_test((a, b): (Term, Term), steps: &HashMap<u32, i64>) -> Option<ExitTest> {
    let (counter, plus, limit) = match (a, b) {
        (Term::Induction { local, plus }, Term::Invariant(limit))
        | (Term::Invariant(limit), Term::Induction { local, plus }) => (local, plus, limit),
        _ => return None,
    };
    let step = *steps.get(&counter)?;
    let magnitude = step.unsigned_abs();
    if !magnitude.is_power_of_two() || magnitude > 1 << 31 {
        return None;
    }
    Some(ExitTest {
        counter,
        step,
        shift: magnitude.trailing_zeros(),
        compared_plus: plus,
        limit,
    })
}

/// `a + b` of two terms, when it stays an induction or an invariant constant.
fn add(a: Term, b: Term, negate_b: bool) -> Term {
    let constant = |t: Term| match t {
        Term::Invariant(Invariant::Const(c)) => Some(i64::from(c)),
        _ => None,
    };
    let offset = |local, plus: i64| {
        if plus.abs() > MAX_ADDRESS_DISTANCE {
            Term::Unknown
        } else {
            Term::Induction { local, plus }
        }
    };
    // `p + stride` (either order) for a candidate `p` and an invariant
    // local `stride`.
    match (a, b, negate_b) {
        (Term::Induction { local, plus: 0 }, Term::Invariant(Invariant::Local(stride)), false)
        | (Term::Invariant(Invariant::Local(stride)), Term::Induction { local, plus: 0 }, false) => {
            return Term::Strided { local, stride };
        }
        _ => {}
    }
    match (local_plus(a), constant(b), constant(a)) {
        (Some((local, plus)), Some(c), _) => {
            offset(local, if negate_b { plus - c } else { plus + c })
        }
        (_, Some(c), Some(d)) => {
            let sum = if negate_b { d - c } else { d + c };
            Term::Invariant(Invariant::Const(sum as i32))
        }
        (_, None, Some(d)) if !negate_b => match local_plus(b) {
            Some((local, plus)) => offset(local, plus + d),
            None => Term::Unknown,
        },
        _ => Term::Unknown,
    }
}

/// A term as `local + constant`: an induction's start-of-iteration value,
/// or a local the loop never writes (the same value in every iteration:
/// an induction of step 0).
fn local_plus(t: Term) -> Option<(u32, i64)> {
    match t {
        Term::Induction { local, plus } => Some((local, plus)),
        Term::Invariant(Invariant::Local(local)) => Some((local, 0)),
        _ => None,
    }
}

/// The memory, end (static offset + size) and whether it is a store, of a
/// load or store operator.
fn access_of(op: &Operator<'_>) -> Option<(MemArg, u64, bool)> {
    use Operator as O;
    Some(match *op {
        O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg } => (memarg, 1, false),
        O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg } => (memarg, 2, false),
        O::I32Load { memarg }
        | O::F32Load { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg } => (memarg, 4, false),
        O::I64Load { memarg } | O::F64Load { memarg } => (memarg, 8, false),
        O::I32Store8 { memarg } | O::I64Store8 { memarg } => (memarg, 1, true),
        O::I32Store16 { memarg } | O::I64Store16 { memarg } => (memarg, 2, true),
        O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
            (memarg, 4, true)
        }
        O::I64Store { memarg } | O::F64Store { memarg } => (memarg, 8, true),
        // SIMD accesses of the same shape (address in, one value out, or
        // address and value in); `load/store_lane` also take a vector and
        // are left to the generic arity below (always checked).
        O::V128Load { memarg } => (memarg, 16, false),
        O::V128Store { memarg } => (memarg, 16, true),
        O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load64Zero { memarg } => (memarg, 8, false),
        O::V128Load32Splat { memarg } | O::V128Load32Zero { memarg } => (memarg, 4, false),
        O::V128Load16Splat { memarg } => (memarg, 2, false),
        O::V128Load8Splat { memarg } => (memarg, 1, false),
        _ => return None,
    })
}

/// Arity lookups for the operators the scan does not model itself: any
/// that needs the module (calls, typed blocks, ...) is unknown and stops
/// the scan.
struct NoModule;

impl wasmparser::ModuleArity for NoModule {
    fn sub_type_at(&self, _: u32) -> Option<&wasmparser::SubType> {
        None
    }
    fn tag_type_arity(&self, _: u32) -> Option<(u32, u32)> {
        None
    }
    fn type_index_of_function(&self, _: u32) -> Option<u32> {
        None
    }
    fn func_type_of_cont_type(&self, _: &wasmparser::ContType) -> Option<&wasmparser::FuncType> {
        None
    }
    fn sub_type_of_ref_type(&self, _: &wasmparser::RefType) -> Option<&wasmparser::SubType> {
        None
    }
    fn control_stack_height(&self) -> u32 {
        0
    }
    fn label_block(&self, _: u32) -> Option<(BlockType, wasmparser::FrameKind)> {
        None
    }
}

/// One open frame inside the loop during the interpretation.
struct ScanFrame {
    height: usize,
    results: usize,
    /// Code after an unconditional branch until this frame's else/end.
    dead: bool,
}

/// Interprets one iteration of the loop abstractly, with `candidates` as
/// the possible induction locals.
fn interpret(
    bytes: &[u8],
    start: u64,
    writes: &Writes,
    candidates: &[u32],
) -> Option<Interpretation> {
    let mut run = Interpretation {
        steps: HashMap::new(),
        strides: HashMap::new(),
        disqualified: Vec::new(),
        accesses: Vec::new(),
        back_edge: None,
        bounding: Vec::new(),
    };
    let mut exits = ExitTracker::new();
    let mut back_edge_seen = false;
    // Current abstract values of the locals the loop writes (the others
    // are invariant); a candidate starts as its own induction value.
    let mut locals: HashMap<u32, Term> = candidates
        .iter()
        .map(|&l| (l, Term::Induction { local: l, plus: 0 }))
        .collect();
    let mut stack: Vec<Value> = Vec::new();
    // Frame 0 is the loop itself.
    let mut frames = vec![ScanFrame {
        height: 0,
        results: 0,
        dead: false,
    }];
    let mut ops = wasmparser::OperatorsReader::new(wasmparser::BinaryReader::new(bytes, start));
    let mut dead_depth = 0u32;
    let mut last_was_back_edge = false;
    let pop = |stack: &mut Vec<Value>, height: usize| -> Value {
        if stack.len() > height {
            stack.pop().unwrap_or(UNKNOWN)
        } else {
            UNKNOWN
        }
    };
    let term = |v: Value| match v {
        Value::Term(t) => t,
        Value::NotEqual(..) | Value::Equal(..) => Term::Unknown,
    };
    while !ops.eof() {
        let op = ops.read().ok()?;
        let after_back_edge = std::mem::take(&mut last_was_back_edge);
        let depth = frames.len() - 1;
        let height = frames.last()?.height;
        if frames.last()?.dead {
            match op {
                Operator::Block { .. } | Operator::If { .. } | Operator::Loop { .. } => {
                    dead_depth += 1
                }
                Operator::End if dead_depth > 0 => dead_depth -= 1,
                Operator::Else if dead_depth == 0 => {
                    let frame = frames.last_mut()?;
                    frame.dead = false;
                    stack.truncate(frame.height);
                    exits.enter_else();
                }
                Operator::End => {
                    let frame = frames.pop()?;
                    stack.truncate(frame.height);
                    stack.extend(std::iter::repeat_n(UNKNOWN, frame.results));
                    if frames.is_empty() {
                        // After `br 0`, the loop's last operator, the
                        // loop's `end` is unreachable.
                        if !after_back_edge {
                            // The loop's last operator is not its back edge.
                            return None;
                        }
                        break;
                    }
                    exits.close(false);
                }
                _ => {}
            }
            continue;
        }
        // A branch whose target is the loop header: depth of the loop.
        let to_header = |relative: u32| relative as usize == depth;
        match op {
            Operator::Loop { .. } => return None,
            Operator::Block { blockty } | Operator::If { blockty } => {
                let results = match blockty {
                    BlockType::Empty => 0,
                    BlockType::Type(_) => 1,
                    BlockType::FuncType(_) => return None,
                };
                if matches!(op, Operator::If { .. }) {
                    exits.open_if(pop(&mut stack, height));
                } else {
                    exits.open_block();
                }
                frames.push(ScanFrame {
                    height: stack.len(),
                    results,
                    dead: false,
                });
            }
            Operator::Else => {
                let frame = frames.last()?;
                stack.truncate(frame.height);
                exits.enter_else();
                // Writes in the `then` arm are not seen by the `else` arm,
                // but only non-candidates are written in nested frames and
                // those became unknown at their write.
            }
            Operator::End => {
                let frame = frames.pop()?;
                stack.truncate(frame.height);
                stack.extend(std::iter::repeat_n(UNKNOWN, frame.results));
                if frames.is_empty() {
                    // The back edge must be the loop's last operator.
                    if !after_back_edge {
                        return None;
                    }
                    break;
                }
                exits.close(true);
            }
            Operator::Br { relative_depth } => {
                if to_header(relative_depth) {
                    // An unconditional back edge: bounded only by exits
                    // inside the body. It too must be the last operator.
                    if depth != 0 || back_edge_seen {
                        return None;
                    }
                    back_edge_seen = true;
                    last_was_back_edge = true;
                } else {
                    exits.branch(relative_depth);
                }
                frames.last_mut()?.dead = true;
            }
            Operator::BrIf { relative_depth } => {
                let condition = pop(&mut stack, height);
                if to_header(relative_depth) {
                    // Only the loop's last operator may branch back.
                    if depth != 0 || back_edge_seen {
                        return None;
                    }
                    run.back_edge = exits::taken_implies_not_equal(condition);
                    back_edge_seen = true;
                    last_was_back_edge = true;
                } else {
                    exits.branch_if(relative_depth, condition);
                }
            }
            Operator::BrTable { ref targets } => {
                for target in targets.targets() {
                    let target = target.ok()?;
                    if to_header(target) {
                        return None;
                    }
                    exits.branch(target);
                }
                if to_header(targets.default()) {
                    return None;
                }
                exits.branch(targets.default());
                frames.last_mut()?.dead = true;
            }
            Operator::Return | Operator::Unreachable => frames.last_mut()?.dead = true,
            Operator::LocalGet { local_index } => {
                let value = if writes.written(local_index) {
                    locals.get(&local_index).copied().unwrap_or(Term::Unknown)
                } else {
                    Term::Invariant(Invariant::Local(local_index))
                };
                stack.push(Value::Term(value));
            }
            Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                let value = term(pop(&mut stack, height));
                if matches!(op, Operator::LocalTee { .. }) {
                    stack.push(Value::Term(value));
                }
                if candidates.contains(&local_index) {
                    let mut after = value;
                    match value {
                        Term::Induction { local, plus } if local == local_index && plus != 0 => {
                            run.steps.insert(local_index, plus);
                        }
                        Term::Strided { local, stride } if local == local_index => {
                            run.strides.insert(local_index, stride);
                            // Accesses after the write (at start + stride)
                            // are not modelled: they stay checked.
                            after = Term::Unknown;
                        }
                        _ => run.disqualified.push(local_index),
                    }
                    locals.insert(local_index, after);
                } else {
                    // Non-inductions are only tracked at the top level,
                    // where the write dominates the rest of the iteration.
                    let tracked = if depth == 0 { value } else { Term::Unknown };
                    locals.insert(local_index, tracked);
                }
            }
            Operator::I32Const { value } => {
                stack.push(Value::Term(Term::Invariant(Invariant::Const(value))))
            }
            Operator::I32Add | Operator::I32Sub => {
                let b = term(pop(&mut stack, height));
                let a = term(pop(&mut stack, height));
                stack.push(Value::Term(add(a, b, matches!(op, Operator::I32Sub))));
            }
            Operator::I32Ne | Operator::I32Eq => {
                let b = term(pop(&mut stack, height));
                let a = term(pop(&mut stack, height));
                stack.push(if matches!(op, Operator::I32Ne) {
                    Value::NotEqual(a, b)
                } else {
                    Value::Equal(a, b)
                });
            }
            Operator::I32Eqz => {
                let zero = Term::Invariant(Invariant::Const(0));
                let value = match pop(&mut stack, height) {
                    Value::Term(t) => Value::Equal(t, zero),
                    Value::NotEqual(a, b) => Value::Equal(a, b),
                    Value::Equal(a, b) => Value::NotEqual(a, b),
                };
                stack.push(value);
            }
            ref other => {
                if let Some((memarg, size, is_store)) = access_of(other) {
                    if is_store {
                        pop(&mut stack, height);
                    }
                    let address = term(pop(&mut stack, height));
                    let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
                        return None;
                    };
                    if let Some((local, plus)) = local_plus(address) {
                        run.accesses.push(Access {
                            memory,
                            local,
                            plus,
                            end: memarg.offset + size,
                            store: is_store,
                            f64_store: matches!(other, Operator::F64Store { .. }),
                            start: plus.saturating_add_unsigned(memarg.offset),
                        });
                    }
                    if !is_store {
                        stack.push(UNKNOWN);
                    }
                } else {
                    let (params, results) = other.operator_arity(&NoModule)?;
                    for _ in 0..params {
                        pop(&mut stack, height);
                    }
                    stack.extend(std::iter::repeat_n(UNKNOWN, results as usize));
                }
            }
        }
    }
    run.bounding = exits.bounding;
    Some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Operator encodings used below (locals: 0 = p, 1 = n, 2 = v, 3 = i).
    const STORE_V_PLUS_I_AT_P: &[u8] = &[
        0x20, 0x00, 0x20, 0x02, 0x20, 0x03, 0x6a, // p, v + i
        0x36, 0x02, 0x00, // i32.store align=4 offset=0
    ];
    const P_PLUS_4: &[u8] = &[0x20, 0x00, 0x41, 0x04, 0x6a, 0x21, 0x00];
    const I_PLUS_1_TEE: &[u8] = &[0x20, 0x03, 0x41, 0x01, 0x6a, 0x22, 0x03];
    const NE_N_BR_IF_END: &[u8] = &[0x20, 0x01, 0x47, 0x0d, 0x00, 0x0b];

    fn body(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn fill_loop_is_planned() {
        let bytes = body(&[STORE_V_PLUS_I_AT_P, P_PLUS_4, I_PLUS_1_TEE, NE_N_BR_IF_END]);
        let plan = plan_loop(&bytes, 100).expect("the clang-shaped loop is versioned");
        assert_eq!(
            plan.exit,
            ExitTest {
                counter: 3,
                step: 1,
                shift: 0,
                compared_plus: 1,
                limit: Invariant::Local(1),
            }
        );
        assert_eq!(
            plan.ranges,
            vec![HoistedRange {
                memory: 0,
                local: 0,
                step: 4,
                stride_local: None,
                min_plus: 0,
                max_end: 4,
                stored: true,
            }]
        );
        assert_eq!(plan.start, 100);
    }

    #[test]
    fn a_pointer_stepping_by_an_unwritten_local_is_a_strided_range() {
        // `p = p + s` (local 4, never written): the store at p before it
        // is hoisted with the stride local; `s + p` is the same walk.
        let p_plus_s: &[u8] = &[0x20, 0x00, 0x20, 0x04, 0x6a, 0x21, 0x00];
        let s_plus_p: &[u8] = &[0x20, 0x04, 0x20, 0x00, 0x6a, 0x21, 0x00];
        for step in [p_plus_s, s_plus_p] {
            let bytes = body(&[STORE_V_PLUS_I_AT_P, step, I_PLUS_1_TEE, NE_N_BR_IF_END]);
            let plan = plan_loop(&bytes, 0).expect("versioned");
            assert_eq!(
                plan.ranges,
                vec![HoistedRange {
                    memory: 0,
                    local: 0,
                    step: 0,
                    stride_local: Some(4),
                    min_plus: 0,
                    max_end: 4,
                    stored: true,
                }]
            );
        }
        // A store after the write (at p + s) is not modelled: nothing to
        // hoist, no plan.
        let store_after: &[u8] = &[0x20, 0x00, 0x20, 0x02, 0x36, 0x02, 0x00];
        let bytes = body(&[p_plus_s, store_after, I_PLUS_1_TEE, NE_N_BR_IF_END]);
        assert!(plan_loop(&bytes, 0).is_none());
        // `p = p + q` with q written in the loop is no induction at all.
        let q_plus_1: &[u8] = &[0x20, 0x05, 0x41, 0x01, 0x6a, 0x21, 0x05];
        let p_plus_q: &[u8] = &[0x20, 0x00, 0x20, 0x05, 0x6a, 0x21, 0x00];
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            q_plus_1,
            p_plus_q,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn access_after_the_increment_counts_the_step() {
        // i32.store offset=8 at p after `p += 4`: p_start + 4 + [8, 12).
        let store_after: &[u8] = &[0x20, 0x00, 0x20, 0x02, 0x36, 0x02, 0x08];
        let bytes = body(&[P_PLUS_4, store_after, I_PLUS_1_TEE, NE_N_BR_IF_END]);
        let plan = plan_loop(&bytes, 0).expect("versioned");
        assert_eq!((plan.ranges[0].min_plus, plan.ranges[0].max_end), (4, 16));
    }

    #[test]
    fn counter_written_in_a_branch_is_not_an_induction() {
        // block  i = i + 1  end ; br_if 0 (i != n)
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            P_PLUS_4,
            &[0x02, 0x40, 0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, 0x0b],
            &[0x20, 0x03],
            NE_N_BR_IF_END,
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn pointer_written_twice_is_not_hoisted() {
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            P_PLUS_4,
            P_PLUS_4,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn back_edge_must_be_last() {
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            P_PLUS_4,
            I_PLUS_1_TEE,
            &[0x20, 0x01, 0x47, 0x0d, 0x00, 0x01, 0x0b], // br_if 0; nop; end
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn second_branch_to_the_header_is_refused() {
        // block  br_if 1 (v)  end: a branch back from inside a block.
        let bytes = body(&[
            &[0x02, 0x40, 0x20, 0x02, 0x0d, 0x01, 0x0b],
            STORE_V_PLUS_I_AT_P,
            P_PLUS_4,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn calls_and_nested_loops_are_refused() {
        let call: &[u8] = &[0x10, 0x00];
        let nested: &[u8] = &[0x03, 0x40, 0x0b];
        for extra in [call, nested] {
            let bytes = body(&[
                extra,
                STORE_V_PLUS_I_AT_P,
                P_PLUS_4,
                I_PLUS_1_TEE,
                NE_N_BR_IF_END,
            ]);
            assert!(plan_loop(&bytes, 0).is_none());
        }
    }

    #[test]
    fn counter_step_must_be_a_power_of_two() {
        let i_plus_3: &[u8] = &[0x20, 0x03, 0x41, 0x03, 0x6a, 0x22, 0x03];
        let bytes = body(&[STORE_V_PLUS_I_AT_P, P_PLUS_4, i_plus_3, NE_N_BR_IF_END]);
        assert!(plan_loop(&bytes, 0).is_none());
    }

    #[test]
    fn only_innermost_loops_are_planned() {
        // (no locals) loop  loop <fill> end  loop <fill> end  br_if 0 (n)  end  end
        let inner = body(&[
            &[0x03, 0x40],
            STORE_V_PLUS_I_AT_P,
            P_PLUS_4,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        let code = body(&[
            &[0x00, 0x03, 0x40],
            &inner,
            &inner,
            &[0x20, 0x01, 0x0d, 0x00, 0x0b, 0x0b],
        ]);
        let function = FunctionBody::new(wasmparser::BinaryReader::new(&code, 1000));
        let plans = plan_loops(&function).expect("readable");
        let mut offsets: Vec<usize> = plans.keys().copied().collect();
        offsets.sort_unstable();
        // The outer loop starts at 1001; the inner ones right after it
        // and after the first inner loop.
        assert_eq!(offsets, vec![1003, 1003 + inner.len()]);
    }

    /// wasi-libc's `strncmp` byte loop as clang emits it (locals: 0 = l,
    /// 1 = r, 2 = n, 3 = result, 4 = l's byte, 5 = r's byte): the count
    /// test is the second block, whose tail leaves the loop (`br 2`).
    const STRNCMP_LOOP: &[u8] = &[
        0x02, 0x40, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x22, 0x05, 0x0d,
        0x00, // block r[0]; tee 5; br_if 0
        0x20, 0x04, 0x21, 0x03, 0x0c, 0x02, 0x0b, // res = l byte; br 2; end
        0x02, 0x40, 0x20, 0x02, 0x0d, 0x00, // block n; br_if 0
        0x20, 0x04, 0x21, 0x03, 0x0c, 0x02, 0x0b, // res = l byte; br 2; end
        0x02, 0x40, 0x20, 0x04, 0x41, 0xff, 0x01, 0x71, 0x20, 0x05, 0x46, 0x0d,
        0x00, // block (l byte & 255) == r byte; br_if 0
        0x20, 0x04, 0x21, 0x03, 0x0c, 0x02, 0x0b, // res = l byte; br 2; end
        0x20, 0x02, 0x41, 0x7f, 0x6a, 0x21, 0x02, // n -= 1
        0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, // r += 1
        0x20, 0x00, 0x2d, 0x00, 0x00, 0x21, 0x04, // l byte = l[0]
        0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, // l += 1
        0x20, 0x04, 0x0d, 0x00, 0x0b, // br_if 0 (l byte); end
    ];

    #[test]
    fn strncmp_loop_is_bounded_by_its_count_test() {
        let plan = plan_loop(STRNCMP_LOOP, 0).expect("strncmp's loop is versioned");
        assert!(plan.exit_in_body);
        assert_eq!(
            plan.exit,
            ExitTest {
                counter: 2,
                step: -1,
                shift: 0,
                compared_plus: 0,
                limit: Invariant::Const(0),
            }
        );
        let byte_at = |local| HoistedRange {
            memory: 0,
            local,
            step: 1,
            stride_local: None,
            min_plus: 0,
            max_end: 1,
            stored: false,
        };
        assert_eq!(plan.ranges, vec![byte_at(1), byte_at(0)]);
    }

    // Loops bounded by a count test inside the body: a store at p, p += 4,
    // i += 1 (not teed), the test, and a back edge on v (local 2, never
    // written), which bounds nothing.
    const I_PLUS_1_SET: &[u8] = &[0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03];
    const BACK_ON_V: &[u8] = &[0x20, 0x02, 0x0d, 0x00, 0x0b];
    const I_EQ_N: &[u8] = &[0x20, 0x03, 0x20, 0x01, 0x46];
    const I_NE_N: &[u8] = &[0x20, 0x03, 0x20, 0x01, 0x47];

    fn with_count_test(test: &[u8], back_edge: &[u8]) -> Option<LoopPlan> {
        let bytes = body(&[STORE_V_PLUS_I_AT_P, P_PLUS_4, I_PLUS_1_SET, test, back_edge]);
        plan_loop(&bytes, 0)
    }

    /// `i` after its increment against `n`.
    const I_AFTER_INCREMENT: ExitTest = ExitTest {
        counter: 3,
        step: 1,
        shift: 0,
        compared_plus: 1,
        limit: Invariant::Local(1),
    };

    #[test]
    fn count_tests_in_the_body_bound_the_loop() {
        let shapes: [&[&[u8]]; 6] = [
            // br_if 1 (i == n)
            &[I_EQ_N, &[0x0d, 0x01]],
            // br_if 1 (eqz (i != n))
            &[I_NE_N, &[0x45, 0x0d, 0x01]],
            // block br_if 0 (i != n); br 2 end
            &[&[0x02, 0x40], I_NE_N, &[0x0d, 0x00, 0x0c, 0x02, 0x0b]],
            // block br_if 0 (i != n); (a store in the tail); return end
            &[
                &[0x02, 0x40],
                I_NE_N,
                &[0x0d, 0x00],
                STORE_V_PLUS_I_AT_P,
                &[0x0f, 0x0b],
            ],
            // block block br_if 0 (i != n); unreachable end end
            &[
                &[0x02, 0x40, 0x02, 0x40],
                I_NE_N,
                &[0x0d, 0x00, 0x00, 0x0b, 0x0b],
            ],
            // if (i == n) br 2 end
            &[I_EQ_N, &[0x04, 0x40, 0x0c, 0x02, 0x0b]],
        ];
        for shape in shapes {
            let test = shape.concat();
            for back_edge in [BACK_ON_V, &[0x0c, 0x00, 0x0b]] {
                let plan = with_count_test(&test, back_edge)
                    .unwrap_or_else(|| panic!("{test:x?} bounds the loop"));
                assert_eq!(plan.exit, I_AFTER_INCREMENT, "{test:x?}");
                assert!(plan.exit_in_body);
            }
        }
    }

    #[test]
    fn count_tests_not_every_turn_passes_do_not_bound_the_loop() {
        let shapes: [&[&[u8]]; 8] = [
            // br_if 1 (i != n): leaves when unequal
            &[I_NE_N, &[0x0d, 0x01]],
            // if (v) br_if 2 (i == n) end
            &[&[0x20, 0x02, 0x04, 0x40], I_EQ_N, &[0x0d, 0x02, 0x0b]],
            // block br_if 0 (v); br_if 2 (i == n) end
            &[
                &[0x02, 0x40, 0x20, 0x02, 0x0d, 0x00],
                I_EQ_N,
                &[0x0d, 0x02, 0x0b],
            ],
            // block br_if 0 (i != n) end: the tail falls through
            &[&[0x02, 0x40], I_NE_N, &[0x0d, 0x00, 0x0b]],
            // block block br_if 0 (i != n); br 1 end end: the tail stays in the loop
            &[
                &[0x02, 0x40, 0x02, 0x40],
                I_NE_N,
                &[0x0d, 0x00, 0x0c, 0x01, 0x0b, 0x0b],
            ],
            // block br_if 0 (i != n); br_if 0 (v); br 2 end: a second way to the end
            &[
                &[0x02, 0x40],
                I_NE_N,
                &[0x0d, 0x00, 0x20, 0x02, 0x0d, 0x00, 0x0c, 0x02, 0x0b],
            ],
            // if (i == n) nop else br 2 end: turns that go on took `then`
            &[I_EQ_N, &[0x04, 0x40, 0x01, 0x05, 0x0c, 0x02, 0x0b]],
            // block br_if 0 (i == n); br 2 end: goes on only when equal
            &[&[0x02, 0x40], I_EQ_N, &[0x0d, 0x00, 0x0c, 0x02, 0x0b]],
        ];
        for shape in shapes {
            let test = shape.concat();
            assert!(with_count_test(&test, BACK_ON_V).is_none(), "{test:x?}");
        }
    }

    #[test]
    fn a_counting_back_edge_is_preferred_to_a_test_in_the_body() {
        // br_if 1 (q == n) with q (local 5) stepping by 8, and the usual
        // back edge on i: the loops versioned before keep their test.
        let q_plus_8: &[u8] = &[0x20, 0x05, 0x41, 0x08, 0x6a, 0x21, 0x05];
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            q_plus_8,
            &[0x20, 0x05, 0x20, 0x01, 0x46, 0x0d, 0x01],
            P_PLUS_4,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        let plan = plan_loop(&bytes, 0).expect("versioned");
        assert_eq!(plan.exit, I_AFTER_INCREMENT);
        assert!(!plan.exit_in_body);
    }

    #[test]
    fn an_unconditional_back_edge_must_be_last() {
        let test: &[u8] = &[0x20, 0x03, 0x20, 0x01, 0x46, 0x0d, 0x01];
        assert!(with_count_test(test, &[0x0c, 0x00, 0x01, 0x0b]).is_none());
        // br 0 from inside a block.
        assert!(with_count_test(test, &[0x02, 0x40, 0x0c, 0x01, 0x0b, 0x0b]).is_none());
    }

    #[test]
    fn huge_pointer_step_is_not_hoisted() {
        // p += 0x40000000
        let p_plus_2_30: &[u8] = &[
            0x20, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x04, 0x6a, 0x21, 0x00,
        ];
        let bytes = body(&[
            STORE_V_PLUS_I_AT_P,
            p_plus_2_30,
            I_PLUS_1_TEE,
            NE_N_BR_IF_END,
        ]);
        assert!(plan_loop(&bytes, 0).is_none());
    }
}
