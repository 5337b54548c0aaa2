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

    /// Forgets the kept view when a pass other than the loop passes
    /// `changed` the function (or may have): the next loop pass computes
    /// its own. A pass that left it alone keeps the view valid, aliases
    /// resolved and readers included, for the loop passes after it.
    pub fn forget_if(&mut self, changed: bool) {
        if changed {
            self.0 = None;
        }
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

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{Function, InstBuilder, MemFlagsData, types};

    use crate::translate::compare_forms::compare_instead_of_xor;
    use crate::translate::constant_stores::store_narrow_constants;
    use crate::translate::mask_extend::masks_as_extensions;
    use crate::translate::test_ir;
    use crate::translate::wide_loads::load_extended_values_wide;
    use crate::translate::wide_params::widen_extended_params;
    use crate::translate::zero_tests::zero_tests_by_arithmetic;

    /// A pass that reports whether it changed the function.
    type Pass = fn(&mut Function) -> bool;

    /// The passes run between the loop passes, which report whether they
    /// changed the function ([`super::KeptLoopView::forget_if`]).
    const PASSES: [(&str, Pass); 6] = [
        ("widen_extended_params", widen_extended_params),
        ("load_extended_values_wide", load_extended_values_wide),
        ("compare_instead_of_xor", compare_instead_of_xor),
        ("zero_tests_by_arithmetic", zero_tests_by_arithmetic),
        ("store_narrow_constants", store_narrow_constants),
        ("masks_as_extensions", masks_as_extensions),
    ];

    /// Runs `pass` on a copy of `func`; what it reported, after checking
    /// that a pass reporting no change left the function as it was (else
    /// the loop view kept across it would describe another function).
    fn reported_change(name: &str, pass: Pass, func: &Function) -> bool {
        let mut after = func.clone();
        let reported = pass(&mut after);
        let changed = after.display().to_string() != func.display().to_string();
        assert!(
            reported || !changed,
            "{name} changed the function but reported no change:\n{}",
            after.display()
        );
        reported
    }

    #[test]
    fn passes_that_find_nothing_report_no_change() {
        let plain = test_ir::function(&[types::I32, types::I64], &[types::I32], |b, p| {
            let sum = b.ins().iadd(p[0], p[0]);
            b.ins().store(MemFlagsData::trusted(), sum, p[1], 0);
            b.ins().return_(&[sum]);
        });
        for (name, pass) in PASSES {
            assert!(!reported_change(name, pass, &plain), "{name}");
        }
    }

    #[test]
    fn passes_that_rewrite_report_a_change() {
        // A masked byte tested for zero and summed, a stored narrow
        // constant and an xor compared with zero.
        let shapes = test_ir::function(
            &[types::I32, types::I32, types::I64],
            &[types::I32, types::I32],
            |b, p| {
                let mask = b.ins().iconst(types::I32, 0xff);
                let byte = b.ins().band(p[0], mask);
                let zero = b.ins().iconst(types::I32, 0);
                let is_zero = b.ins().icmp(IntCC::Equal, byte, zero);
                let extended = b.ins().uextend(types::I32, is_zero);
                let sum = b.ins().iadd(extended, p[1]);
                let seven = b.ins().iconst(types::I32, 7);
                b.ins().istore8(MemFlagsData::trusted(), seven, p[2], 0);
                let xor = b.ins().bxor(p[0], p[1]);
                let same = b.ins().icmp(IntCC::Equal, xor, zero);
                let same = b.ins().uextend(types::I32, same);
                b.ins().return_(&[sum, same]);
            },
        );
        for (name, pass) in PASSES {
            let expected = matches!(
                name,
                "compare_instead_of_xor"
                    | "zero_tests_by_arithmetic"
                    | "store_narrow_constants"
                    | "masks_as_extensions"
            );
            assert_eq!(reported_change(name, pass, &shapes), expected, "{name}");
        }
    }
}
