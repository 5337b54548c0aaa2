//! A stack slot that Cranelift cannot see through: what the x86_64 loop
//! passes (`keep_invariants`, `park_live_through`) pass a value through to
//! take it out of the mid-end's and the register allocator's hands.
//!
//! The slot has the caller's alias region, and the loads address it with a
//! different `stack_addr` offset than the store, compensated by the access
//! offset: Cranelift's store-to-load forwarding would otherwise hand the
//! stored value straight back to the loads and undo the pass. The value
//! read is the value stored, bit for bit, for every scalar type.

use cranelift_codegen::cursor::FuncCursor;
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{
    AliasRegion, AliasRegionData, Function, InstBuilder, MemFlagsData, StackSlot, StackSlotData,
    StackSlotKind, Type, Value, types,
};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

use std::cell::OnceCell;

use super::ir_match::{Readers, Users};

/// The analyses both loop passes start from.
pub struct LoopView {
    pub cfg: ControlFlowGraph,
    pub domtree: DominatorTree,
    pub loops: LoopAnalysis,
    /// The readers of the function's values, once a pass asked (see
    /// [`Users::reusing`]).
    pub readers: OnceCell<Readers>,
}

/// The loops of `func`, or `None` when it has none (nothing for a loop
/// pass to do). With loops, every alias is resolved first, so that each use
/// names its value directly.
pub fn loop_view(func: &mut Function) -> Option<LoopView> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    loops.loops().next()?;
    func.dfg.resolve_all_aliases();
    Some(LoopView {
        cfg,
        domtree,
        loops,
        readers: OnceCell::new(),
    })
}

/// A [`LoopView`] handed from one loop pass to the next: when a pass leaves
/// the function as it found it, the next one need not compute the CFG,
/// dominator tree and loops of a large function again.
#[derive(Default)]
pub struct KeptLoopView(Option<Option<LoopView>>);

impl KeptLoopView {
    /// The view of `func`: the kept one (`func` has not changed since it
    /// was computed), or a new one.
    pub fn take(&mut self, func: &mut Function) -> Option<LoopView> {
        self.0.take().unwrap_or_else(|| loop_view(func))
    }

    /// Keeps `view` for the next pass. Only for a view taken from `func`
    /// as it still is: a pass that changed `func` keeps nothing.
    pub fn keep(&mut self, view: Option<LoopView>) {
        self.0 = Some(view);
    }

    /// What `plan_loop` plans for each loop of `func`, read through one
    /// readers map. When no loop gets a plan `func` stays as it is, so its
    /// view (and readers map) is kept for the next pass; otherwise the
    /// caller rewrites `func` and nothing is kept.
    pub fn plan_each_loop<P>(
        &mut self,
        func: &mut Function,
        mut plan_loop: impl FnMut(&Function, &LoopView, &Users, Loop) -> Option<P>,
    ) -> Vec<P> {
        let Some(mut view) = self.take(func) else {
            self.keep(None);
            return Vec::new();
        };
        let users = Users::reusing(func, std::mem::take(&mut view.readers));
        let plans: Vec<P> = view
            .loops
            .loops()
            .filter_map(|lp| plan_loop(func, &view, &users, lp))
            .collect();
        if plans.is_empty() {
            view.readers = users.into_readers();
            self.keep(Some(view));
        }
        plans
    }
}

/// The alias region a pass's slots share. `user_id`s 1-3 are the
/// translator's own regions (see [`super::Regions`]); each pass has its own
/// id above them.
pub fn slot_region(func: &mut Function, user_id: u32, description: &'static str) -> AliasRegion {
    func.dfg.alias_regions.insert(AliasRegionData {
        user_id,
        description: std::borrow::Cow::Borrowed(description),
    })
}

/// The offset between the store's and the loads' `stack_addr`.
const LOAD_ADDR_SKEW: i32 = 8;

/// One value's slot (see the module comment).
pub struct OpaqueSlot {
    slot: StackSlot,
    ty: Type,
    flags: MemFlagsData,
}

impl OpaqueSlot {
    /// A new slot in `func` for a value of type `ty`, in alias `region`.
    pub fn new(func: &mut Function, ty: Type, region: AliasRegion) -> Self {
        let slot = func.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            ty.bytes() + LOAD_ADDR_SKEW.unsigned_abs(),
            3,
        ));
        let flags = MemFlagsData::trusted().with_alias_region(Some(region));
        OpaqueSlot { slot, ty, flags }
    }

    /// Stores `value` into the slot at the cursor.
    pub fn store(&self, cursor: &mut FuncCursor, value: Value) {
        let addr = cursor.ins().stack_addr(types::I64, self.slot, 0);
        cursor.ins().store(self.flags, value, addr, 0);
    }

    /// Loads the slot's value at the cursor.
    pub fn load(&self, cursor: &mut FuncCursor) -> Value {
        let addr = cursor
            .ins()
            .stack_addr(types::I64, self.slot, LOAD_ADDR_SKEW);
        cursor
            .ins()
            .load(self.ty, self.flags, addr, -LOAD_ADDR_SKEW)
    }
}
