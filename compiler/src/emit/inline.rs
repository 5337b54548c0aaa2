//! Inlining small defined functions at their direct call sites.
//!
//! A call costs more than its `call`/`ret` on every ISA: Cranelift's frame
//! setup, callee-saved registers, the vmctx argument kept alive across the
//! call. clang's `-O2` already inlined what LLVM liked, so the direct calls
//! left are recursion (fib), small helpers left out of line and small
//! wasi-libc functions. Here Cranelift's inliner copies the body of a small
//! callee into its caller before wafer's own IR passes run, so they (and
//! Cranelift's optimiser) see the combined function.
//!
//! Which calls: `call` (not `return_call`) to a defined function whose
//! Wasm body is at most [`MAX_CALLEE_BYTES`] bytes ([`MAX_CALLEE_BYTES_AARCH64`]
//! on aarch64), into a caller of at
//! most [`MAX_CALLER_INSTS`] IR instructions. Calls inside an inlined body
//! stay calls, so a recursive function is inlined into itself once (fib
//! makes half the calls). No inlining with a budget (`--fuel`,
//! `--timeout-ms`): the counter travels through the call, and keeping the
//! charges exactly where the uninlined code makes them is not worth it.
//!
//! The callees are translated once, up front, from the same translation as
//! their own definition, and kept untransformed for the whole compilation
//! (read by every worker thread, so the output does not depend on the
//! thread count). Their total IR is capped ([`MAX_TOTAL_CALLEE_INSTS`]) so
//! memory stays bounded on large modules.
//!
//! Trap locations: Cranelift's inliner does not copy source locations to
//! the instructions it creates, but it copies debug tags. Every
//! instruction of a kept callee that has a source location (its Wasm byte
//! offset) carries it as a debug tag; after inlining, each instruction
//! with tags gets its source location back from the last one (the
//! innermost), and the tags are dropped before code generation (the
//! verifier allows them on calls only). A trap in an inlined body thus
//! reports the callee's Wasm offset, in the caller's function name (the
//! machine code that ran).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, anyhow};
use cranelift_codegen::Context;
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, DebugTag, ExternalName, Function, SourceLoc};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use cranelift_module::FuncId;
use wasmparser::Operator;

use crate::module_info::ModuleInfo;

/// Largest Wasm body (bytes, with its local declarations) inlined at its
/// call sites on x86_64 and riscv64.
pub const MAX_CALLEE_BYTES: u64 = 256;

/// The same limit on aarch64. CoreMark has one 205-byte callee called in a
/// loop: inlined, it ran aarch64 CoreMark 12 % slower under qemu-user
/// (19.29 s against 17.15 s, 3 interleaved runs, guard mode) at 0.6 % fewer
/// instructions; with the limit at 200 bytes it ran 16.92 s. On riscv64
/// the same callee made it faster (21.56 s inlined against 22.48 s at
/// 200 bytes), and on x86_64 it is within noise in guard mode and 3 %
/// faster with explicit checks.
pub const MAX_CALLEE_BYTES_AARCH64: u64 = 200;

/// The callee size limit for code generated for `arch`.
pub fn max_callee_bytes(arch: target_lexicon::Architecture) -> u64 {
    match arch {
        target_lexicon::Architecture::Aarch64(_) => MAX_CALLEE_BYTES_AARCH64,
        _ => MAX_CALLEE_BYTES,
    }
}

/// Callers larger than this (IR instructions, counting what was inlined
/// so far) get no more inlined bodies.
pub const MAX_CALLER_INSTS: usize = 4000;

/// Cap on the IR instructions of all kept callees together.
pub const MAX_TOTAL_CALLEE_INSTS: usize = 200_000;

/// Wasm bytes every module may copy by inlining, whatever its size.
const MIN_GROWTH_BYTES: u64 = 8 * 1024;

/// Beyond [`MIN_GROWTH_BYTES`], the share of the module's code a module
/// may copy by inlining (1/GROWTH_DIVISOR), so code size stays close.
const GROWTH_DIVISOR: u64 = 64;

/// What to inline: the callees (by defined index) to translate up front,
/// and the (caller, callee) pairs whose calls inside loops are inlined.
#[derive(Default)]
pub struct Plan {
    pub callees: Vec<usize>,
    pairs: BTreeSet<(usize, usize)>,
}

/// [`plan_from_loop_calls`] with each body's [`LoopCalls`] read here: the
/// compiler reads them on the threads that validate the bodies
/// (`emit::body_facts`); this walk is the tests' reference.
///
/// # Errors
/// A body the operator reader rejects.
#[cfg(test)]
pub fn plan(info: &ModuleInfo<'_>, max_callee_bytes: u64) -> Result<Plan> {
    let mut loop_calls = Vec::with_capacity(info.bodies.len());
    for body in &info.bodies {
        let mut calls = LoopCalls::new(info.num_imported_funcs);
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            calls.visit(&ops.read()?);
        }
        loop_calls.push(calls.into_sites());
    }
    Ok(plan_from_loop_calls(info, &loop_calls, max_callee_bytes))
}

/// Chooses the calls to inline: direct calls made inside a Wasm `loop` to
/// small defined functions (calls outside loops gained nothing measurable
/// and perturbed register allocation of the caller's loops). Every such
/// call site copies its callee's body, so the pairs are taken smallest
/// callee first until the module's growth budget is spent. `loop_calls`
/// holds each body's [`LoopCalls`], by defined index.
pub fn plan_from_loop_calls(
    info: &ModuleInfo<'_>,
    loop_calls: &[BTreeMap<usize, u64>],
    max_callee_bytes: u64,
) -> Plan {
    let size = |body: &wasmparser::FunctionBody<'_>| body.range().end - body.range().start;
    let code_bytes: u64 = info.bodies.iter().map(size).sum();
    // ((caller, callee), number of call sites inside loops).
    let mut ranked: Vec<((usize, usize), u64)> = loop_calls
        .iter()
        .enumerate()
        .flat_map(|(caller, sites)| {
            sites
                .iter()
                .map(move |(&callee, &count)| ((caller, callee), count))
        })
        .filter(|&((_, callee), _)| {
            info.bodies
                .get(callee)
                .is_some_and(|b| size(b) <= max_callee_bytes)
        })
        .collect();
    ranked.sort_by_key(|&((caller, callee), _)| (size(&info.bodies[callee]), caller, callee));
    let mut budget = MIN_GROWTH_BYTES.max(code_bytes / GROWTH_DIVISOR);
    let mut plan = Plan::default();
    for ((caller, callee), count) in ranked {
        let cost = size(&info.bodies[callee]) * count;
        if cost > budget {
            continue;
        }
        budget -= cost;
        plan.pairs.insert((caller, callee));
        plan.callees.push(callee);
    }
    plan.callees.sort_unstable();
    plan.callees.dedup();
    plan
}

/// The direct calls one body makes inside Wasm `loop`s to defined
/// functions, counted by callee, fed one operator at a time.
pub struct LoopCalls {
    num_imported_funcs: u32,
    /// Per open block: whether it is a loop.
    blocks: Vec<bool>,
    loops: usize,
    /// Callee (defined index) -> call sites inside loops.
    sites: BTreeMap<usize, u64>,
}

impl LoopCalls {
    pub fn new(num_imported_funcs: u32) -> LoopCalls {
        LoopCalls {
            num_imported_funcs,
            blocks: Vec::new(),
            loops: 0,
            sites: BTreeMap::new(),
        }
    }

    /// Takes the body's next operator.
    pub fn visit(&mut self, op: &Operator<'_>) {
        match *op {
            Operator::Loop { .. } => {
                self.blocks.push(true);
                self.loops += 1;
            }
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => self.blocks.push(false),
            Operator::End => self.loops -= usize::from(self.blocks.pop() == Some(true)),
            Operator::Call { function_index }
                if self.loops > 0 && function_index >= self.num_imported_funcs =>
            {
                let callee = (function_index - self.num_imported_funcs) as usize;
                *self.sites.entry(callee).or_default() += 1;
            }
            _ => {}
        }
    }

    /// Callee (defined index) -> call sites inside loops.
    pub fn into_sites(self) -> BTreeMap<usize, u64> {
        self.sites
    }
}

/// Translated callees, untransformed, by the `FuncId` calls name them by,
/// and where to inline them.
#[derive(Default)]
pub struct Callees {
    /// (caller, callee) by defined index.
    pairs: BTreeSet<(usize, usize)>,
    /// `FuncId` -> (defined index, body).
    bodies: BTreeMap<u32, (usize, Function)>,
    total_insts: usize,
}

impl Callees {
    /// No callee kept yet; `plan` says where the kept ones go.
    pub fn new(plan: Plan) -> Callees {
        Callees {
            pairs: plan.pairs,
            ..Callees::default()
        }
    }

    /// Keeps `func` (the translation of defined function `defined`, `id`
    /// in the object) for inlining, with its source locations as debug
    /// tags; `false` (and nothing kept) once the total cap would be
    /// exceeded.
    pub fn keep(&mut self, defined: usize, id: FuncId, mut func: Function) -> bool {
        let insts = func.dfg.num_insts();
        if self.total_insts + insts > MAX_TOTAL_CALLEE_INSTS {
            return false;
        }
        self.total_insts += insts;
        tag_source_locations(&mut func);
        self.bodies.insert(id.as_u32(), (defined, func));
        true
    }

    /// Inlines the planned calls of `func`, defined function `caller`;
    /// whether it inlined any.
    ///
    /// # Errors
    /// Cranelift's inliner failed (an inconsistent callee: a bug).
    pub fn inline_into(&self, func: &mut Function, caller: usize) -> Result<bool> {
        if self.bodies.is_empty() {
            return Ok(false);
        }
        let in_loops = self.calls_in_loops(func, caller);
        if in_loops.is_empty() {
            return Ok(false);
        }
        let mut ctx = Context::for_function(std::mem::replace(func, Function::new()));
        let mut inliner = SmallCallees {
            callees: self,
            in_loops,
            copied_globals: Vec::new(),
        };
        let inlined = ctx.inline(&mut inliner);
        *func = std::mem::replace(&mut ctx.func, Function::new());
        let inlined = inlined.map_err(|e| anyhow!("BUG: inlining failed: {e}"))?;
        if inlined {
            rename_copied_symbols(func, &inliner.copied_globals);
            restore_source_locations(func);
        }
        Ok(inlined)
    }
}

impl Callees {
    /// The calls of `func` (defined function `caller`) to its planned
    /// callees made inside a loop.
    fn calls_in_loops(&self, func: &Function, caller: usize) -> BTreeSet<ir::Inst> {
        // Most functions call no planned callee: no walk for those.
        if self
            .pairs
            .range((caller, 0)..=(caller, usize::MAX))
            .next()
            .is_none()
        {
            return BTreeSet::new();
        }
        let mut calls = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if let Some((callee, _)) = self.callee_of(func, inst)
                    && self.pairs.contains(&(caller, callee))
                {
                    calls.push((block, inst));
                }
            }
        }
        if calls.is_empty() {
            return BTreeSet::new();
        }
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let mut loops = LoopAnalysis::new();
        loops.compute(func, &cfg, &domtree);
        calls
            .into_iter()
            .filter(|&(block, _)| loops.innermost_loop(block).is_some())
            .map(|(_, inst)| inst)
            .collect()
    }

    /// The kept callee (defined index, body) `inst` calls with `call`.
    fn callee_of(&self, func: &Function, inst: ir::Inst) -> Option<(usize, &Function)> {
        let ir::InstructionData::Call {
            opcode: ir::Opcode::Call,
            func_ref,
            ..
        } = func.dfg.insts[inst]
        else {
            return None;
        };
        let ExternalName::User(name) = func.dfg.ext_funcs[func_ref].name else {
            return None;
        };
        let name = &func.params.user_named_funcs()[name];
        // Functions of the object module are namespace 0, index FuncId.
        if name.namespace != 0 {
            return None;
        }
        self.bodies
            .get(&name.index)
            .map(|(defined, body)| (*defined, body))
    }
}

/// Cranelift's inliner asks this for each direct call.
struct SmallCallees<'c> {
    callees: &'c Callees,
    /// The calls chosen before inlining (their `Inst`s stay theirs).
    in_loops: BTreeSet<ir::Inst>,
    /// Per inlined call: the caller's first global value copied from the
    /// callee, and the callee (see [`rename_copied_symbols`]).
    copied_globals: Vec<(usize, &'c Function)>,
}

impl Inline for SmallCallees<'_> {
    fn inline(
        &mut self,
        caller: &Function,
        call_inst: ir::Inst,
        _call_opcode: ir::Opcode,
        _callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if !self.in_loops.contains(&call_inst) || caller.dfg.num_insts() > MAX_CALLER_INSTS {
            return InlineCommand::KeepCall;
        }
        match self.callees.callee_of(caller, call_inst) {
            Some((_, body)) => {
                // The inliner appends the callee's global values next.
                self.copied_globals.push((caller.global_values.len(), body));
                InlineCommand::Inline {
                    callee: std::borrow::Cow::Borrowed(body),
                    // Calls in the inlined body stay calls: recursion is
                    // inlined once, and nothing grows without bound.
                    visit_callee: false,
                }
            }
            _ => InlineCommand::KeepCall,
        }
    }
}

/// Cranelift 0.135's inliner copies a callee's `symbol_value` global
/// values as they are, with the callee's `UserExternalNameRef`, an index
/// into the callee's own name table: in the caller it names whatever the
/// caller declared at that index (a `call_indirect`'s type-id symbol
/// became some function's address). Each copied symbol gets the caller's
/// reference to the callee's name.
fn rename_copied_symbols(func: &mut Function, copied: &[(usize, &Function)]) {
    for &(first, callee) in copied {
        for (index, data) in callee.global_values.values().enumerate() {
            let ir::GlobalValueData::Symbol {
                name: ExternalName::User(callee_ref),
                ..
            } = data
            else {
                continue;
            };
            let name = callee.params.user_named_funcs()[*callee_ref].clone();
            let caller_ref = func.declare_imported_user_function(name);
            let gv = ir::GlobalValue::from_u32((first + index) as u32);
            if let ir::GlobalValueData::Symbol {
                name: ExternalName::User(r),
                ..
            } = &mut func.global_values[gv]
            {
                *r = caller_ref;
            }
        }
    }
}

/// Copies every instruction's source location into a debug tag, which
/// Cranelift's inliner carries over to the inlined copy.
fn tag_source_locations(func: &mut Function) {
    let mut block = func.layout.entry_block();
    while let Some(b) = block {
        let mut inst = func.layout.first_inst(b);
        while let Some(i) = inst {
            let loc = func.srcloc(i);
            if !loc.is_default() {
                func.debug_tags.set(i, [DebugTag::User(loc.bits())]);
            }
            inst = func.layout.next_inst(i);
        }
        block = func.layout.next_block(b);
    }
}

/// Gives each inlined instruction the source location its tags carry (the
/// innermost: the last tag) and drops all tags.
fn restore_source_locations(func: &mut Function) {
    let mut block = func.layout.entry_block();
    while let Some(b) = block {
        let mut inst = func.layout.first_inst(b);
        while let Some(i) = inst {
            let innermost = func
                .debug_tags
                .get(i)
                .iter()
                .rev()
                .find_map(|tag| match *tag {
                    DebugTag::User(bits) => Some(bits),
                    DebugTag::StackSlot(_) => None,
                });
            if let Some(bits) = innermost {
                func.set_srcloc(i, SourceLoc::new(bits));
            }
            inst = func.layout.next_inst(i);
        }
        block = func.layout.next_block(b);
    }
    func.debug_tags.clear();
}

#[cfg(test)]
mod tests {
    use super::{MAX_CALLEE_BYTES, max_callee_bytes, plan};
    use crate::module_info::parse;

    #[test]
    fn only_calls_inside_loops_to_small_functions_are_planned() {
        // $big's body: 200 `i32.const 1; drop` pairs, 3 bytes each.
        let big = "(i32.const 1) (drop) ".repeat(200);
        let wat = format!(
            r#"(module
                 (import "env" "f" (func $imported (param i32) (result i32)))
                 (func $small (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                 (func $big (param i32) (result i32) {big} (local.get 0))
                 (func $outside (param i32) (result i32) (call $small (local.get 0)))
                 (func $inside (param i32) (result i32)
                   (local.get 0) (loop $l (param i32) (result i32)
                     (call $small) (call $big) (call $imported)
                     (br_if $l (i32.eqz (local.get 0))))))"#
        );
        let wasm = wat::parse_str(&wat).expect("test module parses");
        let info = parse(&wasm).expect("valid module");
        let plan = plan(&info, MAX_CALLEE_BYTES).expect("readable bodies");
        // Defined indices: $small 0, $big 1, $outside 2, $inside 3.
        assert_eq!(plan.callees, [0]);
        assert_eq!(plan.pairs.into_iter().collect::<Vec<_>>(), [(3, 0)]);
    }

    #[test]
    fn the_growth_budget_takes_the_smallest_callees_first() {
        // Each call site of $mid copies 244 bytes (80 three-byte pairs,
        // `local.get 0`, the locals count and `end`): 20 sites (4 880
        // bytes) fit in the 8 KiB a small module may grow by, 40 (9 760)
        // do not; the calls of $tiny (4 bytes) always do.
        let mid = "(i32.const 1) (drop) ".repeat(80);
        for (sites, callees, pairs) in [
            (20, &[0, 1][..], &[(2, 0), (2, 1)][..]),
            (40, &[0][..], &[(2, 0)][..]),
        ] {
            let calls = "(call $tiny) (call $mid) ".repeat(sites);
            let wat = format!(
                r#"(module
                     (func $tiny (param i32) (result i32) (local.get 0))
                     (func $mid (param i32) (result i32) {mid} (local.get 0))
                     (func $caller (param i32) (result i32)
                       (local.get 0) (loop $l (param i32) (result i32) {calls}
                         (br_if $l (i32.eqz (local.get 0))))))"#
            );
            let wasm = wat::parse_str(&wat).expect("test module parses");
            let info = parse(&wasm).expect("valid module");
            let plan = plan(&info, MAX_CALLEE_BYTES).expect("readable bodies");
            assert_eq!(plan.callees, callees, "{sites} sites");
            assert_eq!(
                plan.pairs.into_iter().collect::<Vec<_>>(),
                pairs,
                "{sites} sites"
            );
        }
    }

    #[test]
    fn aarch64_inlines_only_the_smaller_callees() {
        // $mid's body is 229 bytes (75 three-byte pairs, `local.get 0`,
        // the locals count and `end`): within x86_64's and riscv64's
        // limit, above aarch64's.
        let mid = "(i32.const 1) (drop) ".repeat(75);
        let wat = format!(
            r#"(module
                 (func $mid (param i32) (result i32) {mid} (local.get 0))
                 (func $caller (param i32) (result i32)
                   (local.get 0) (loop $l (param i32) (result i32) (call $mid)
                     (br_if $l (i32.eqz (local.get 0))))))"#
        );
        let wasm = wat::parse_str(&wat).expect("test module parses");
        let info = parse(&wasm).expect("valid module");
        let size = info.bodies[0].range().end - info.bodies[0].range().start;
        assert_eq!(size, 229);
        for (arch, callees) in [
            ("x86_64", &[0][..]),
            ("riscv64gc", &[0][..]),
            ("aarch64", &[][..]),
        ] {
            let arch = arch.parse().expect("known architecture");
            let plan = plan(&info, max_callee_bytes(arch)).expect("readable bodies");
            assert_eq!(plan.callees, callees, "{arch}");
        }
    }
}
