//! Fuel and deadline checks (`--fuel`, `--timeout-ms`), compiled in only
//! when the module has a budget (see `wafer_abi::budget` for the runtime
//! half and why one counter serves both).
//!
//! What counts: every operator executed costs 1, except the structure
//! markers `block`, `loop`, `else`, `end` and `nop`, which cost 0 (they
//! compile to nothing or to a jump). So `(loop br 0)` costs 1 per turn.
//!
//! How: the counter lives in a Cranelift variable, so inside a function it
//! is a register. Costs of straight-line operators add up at translation
//! time and are subtracted in one `iadd` before any operator that may leave
//! the straight line (branches, `if`, `else`, `end`, `loop`, calls, traps).
//! The counter is checked (negative → call the runtime's refill, which
//! stores a new counter in the vmctx or raises the trap) at every loop
//! header and at the entry of every function that calls anything: every
//! loop turn and every recursive call passes a check, so neither a
//! call-free loop nor recursion runs unchecked. Direct calls hand it to the
//! callee's body as its last argument and take it back as its last result
//! (`emit/budget_entry.rs` gives every body a Wasm-signature entry point
//! that loads it from the vmctx and stores it back, for tables, exports and
//! other modules). Calls through a pointer store it to the vmctx before and
//! reload it after, so callees in the same instance share it.

use anyhow::{Result, anyhow};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::Variable;
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use wafer_abi::budget::REFILL_SYMBOL;
use wasmparser::{FunctionBody, Operator};

use super::FuncTranslator;
use super::env::POINTER;

/// Declares the runtime's refill, with Cranelift's `preserve_all`
/// convention: it clobbers no register, so the hot path keeps its values in
/// whatever registers it likes (a normal call in every loop would force
/// them into callee-saved registers or spill them). It returns nothing:
/// counter in and out through the vmctx; a trap does not return at all.
/// Declared before the functions are translated, which may happen on
/// several threads sharing the module read-only.
///
/// # Errors
/// A symbol clash in the object.
pub fn declare_refill(module: &mut ObjectModule) -> Result<FuncId> {
    let mut sig = ir::Signature::new(CallConv::PreserveAll);
    sig.params.push(ir::AbiParam::new(POINTER));
    module
        .declare_function(REFILL_SYMBOL, Linkage::Import, &sig)
        .map_err(|e| anyhow!("cannot declare `{REFILL_SYMBOL}`: {e}"))
}

/// The counter of one function being translated.
pub struct Counter {
    var: Variable,
    /// Cost of the operators translated since the last subtraction.
    pending: i64,
    /// The function has the Wasm signature and keeps the counter in the
    /// vmctx across calls and returns, because it makes or receives tail
    /// calls through pointers (`call::counter_in_vmctx`).
    in_vmctx: bool,
}

/// What executing `op` costs.
fn cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Nop
        | Operator::Try { .. }
        | Operator::Catch { .. }
        | Operator::CatchAll
        | Operator::Delegate { .. } => 0,
        _ => 1,
    }
}

/// Whether the translation of `op` may leave the current straight line of
/// code (branch, call, return, trap): the pending cost is subtracted first.
fn ends_straight_line(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. }
            | Operator::Rethrow { .. }
    )
}

/// Whether `body` contains a call of any kind.
fn calls_anything(body: &FunctionBody<'_>) -> Result<bool> {
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        if matches!(
            ops.read()?,
            Operator::Call { .. }
                | Operator::CallIndirect { .. }
                | Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
        ) {
            return Ok(true);
        }
    }
    Ok(false)
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// At function entry: loads the counter, and checks it if `body` calls
    /// anything (a function without calls runs a bounded number of
    /// operators between its loop headers' checks, so only recursion needs
    /// the entry check). Nothing when the module has no budget. The
    /// counter is `counter_param` for a body; a function with the Wasm
    /// signature (no such parameter: `call::counter_in_vmctx`) reads it
    /// from the vmctx and keeps it there across calls and returns.
    ///
    /// # Errors
    /// A body the operator reader rejects.
    pub fn budget_enter_function(
        &mut self,
        body: &FunctionBody<'_>,
        counter_param: Option<ir::Value>,
    ) -> Result<()> {
        if !self.env.budget.enabled() {
            return Ok(());
        }
        let var = self.builder.declare_var(types::I64);
        self.budget = Some(Counter {
            var,
            pending: 0,
            in_vmctx: counter_param.is_none(),
        });
        match counter_param {
            Some(value) => self.builder.def_var(var, value),
            // A function with the Wasm signature: its callers left the
            // counter in the vmctx.
            None => self.budget_reload(),
        }
        if calls_anything(body)? {
            self.budget_check()?;
        }
        Ok(())
    }

    /// Charges `op` (called before it is translated, while reachable).
    pub fn budget_charge(&mut self, op: &Operator<'_>) {
        let Some(counter) = &mut self.budget else {
            return;
        };
        counter.pending += cost(op);
        if ends_straight_line(op) {
            self.budget_settle();
        }
    }

    /// Subtracts the pending cost from the counter.
    fn budget_settle(&mut self) {
        let Some(counter) = &mut self.budget else {
            return;
        };
        let pending = std::mem::take(&mut counter.pending);
        if pending == 0 {
            return;
        }
        let var = counter.var;
        let value = self.builder.use_var(var);
        let value = self.builder.ins().iadd_imm_s(value, -pending);
        self.builder.def_var(var, value);
    }

    /// At a loop header (and function entry): if the counter is negative,
    /// calls the runtime, which refills it or raises `fuel exhausted` /
    /// `deadline exceeded`.
    ///
    /// # Errors
    /// The refill was not declared (a bug).
    pub fn budget_check(&mut self) -> Result<()> {
        let Some(counter) = &self.budget else {
            return Ok(());
        };
        let var = counter.var;
        let value = self.builder.use_var(var);
        let spent = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, value, 0);
        let refill = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.set_cold_block(refill);
        self.builder.ins().brif(spent, refill, &[], next, &[]);

        self.builder.switch_to_block(refill);
        self.builder.seal_block(refill);
        let callee = self.refill_function()?;
        self.budget_store();
        self.builder.ins().call(callee, &[self.vmctx]);
        self.budget_reload();
        self.builder.ins().jump(next, &[]);

        self.builder.switch_to_block(next);
        self.builder.seal_block(next);
        Ok(())
    }

    /// The runtime's refill ([`declare_refill`]).
    fn refill_function(&mut self) -> Result<ir::FuncRef> {
        let id = self
            .env
            .budget_refill
            .ok_or_else(|| anyhow!("BUG: `{REFILL_SYMBOL}` is not declared"))?;
        Ok(self.import_function(id))
    }

    /// Whether the function keeps its counter in the vmctx across calls
    /// and returns (see [`Counter`]).
    pub fn budget_in_vmctx(&self) -> bool {
        self.budget.as_ref().is_some_and(|c| c.in_vmctx)
    }

    /// At a return: the counter as the last result, or, for a function
    /// that keeps it in the vmctx, stored there (and no extra result).
    pub fn budget_at_return(&mut self) -> Option<ir::Value> {
        if self.budget_in_vmctx() {
            self.budget_store();
            return None;
        }
        self.budget_value()
    }

    /// The counter as a value (a direct call's last argument, a return's
    /// last result); nothing without a budget.
    pub fn budget_value(&mut self) -> Option<ir::Value> {
        let var = self.budget.as_ref()?.var;
        Some(self.builder.use_var(var))
    }

    /// After a direct call: the counter the callee returned.
    pub fn budget_define(&mut self, value: ir::Value) {
        if let Some(counter) = &self.budget {
            self.builder.def_var(counter.var, value);
        }
    }

    /// Before a call through a pointer (import, table) or the refill: the
    /// vmctx gets the counter.
    pub fn budget_store(&mut self) {
        let Some(counter) = &self.budget else {
            return;
        };
        let value = self.builder.use_var(counter.var);
        let flags = self.vmctx_flags();
        self.builder
            .ins()
            .store(flags, value, self.vmctx, wafer_abi::vmctx::BUDGET as i32);
    }

    /// After a call through a pointer or the refill: the counter comes
    /// from the vmctx.
    pub fn budget_reload(&mut self) {
        let Some(counter) = &self.budget else {
            return;
        };
        let var = counter.var;
        let flags = self.vmctx_flags();
        let value = self.builder.ins().load(
            types::I64,
            flags,
            self.vmctx,
            wafer_abi::vmctx::BUDGET as i32,
        );
        self.builder.def_var(var, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_markers_are_free_and_everything_else_costs_one() {
        assert_eq!(cost(&Operator::Nop), 0);
        assert_eq!(cost(&Operator::End), 0);
        assert_eq!(cost(&Operator::Br { relative_depth: 0 }), 1);
        assert_eq!(cost(&Operator::I32Const { value: 7 }), 1);
        assert_eq!(cost(&Operator::Drop), 1);
    }

    #[test]
    fn every_way_out_of_straight_line_code_settles_the_cost_first() {
        assert!(ends_straight_line(&Operator::Br { relative_depth: 0 }));
        assert!(ends_straight_line(&Operator::Call { function_index: 0 }));
        assert!(ends_straight_line(&Operator::Return));
        assert!(!ends_straight_line(&Operator::I32Add));
        assert!(!ends_straight_line(&Operator::Block {
            blockty: wasmparser::BlockType::Empty
        }));
    }
}
