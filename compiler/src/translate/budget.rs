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
//! returns a new counter or a trap code) at the function entry and at every
//! loop header, the only places execution can come back to: every loop
//! turn and every call passes a check, so neither a call-free loop nor
//! recursion runs unchecked. It is stored to the vmctx before calls and
//! returns and loaded after calls, so callees in the same instance share it.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, types};
use cranelift_frontend::Variable;
use wafer_abi::budget::FUEL_EXHAUSTED;
use wafer_abi::trap::TrapCode;
use wasmparser::Operator;

use super::{FuncTranslator, user_trap};

/// The counter of one function being translated.
pub struct Counter {
    var: Variable,
    /// Cost of the operators translated since the last subtraction.
    pending: i64,
}

/// What executing `op` costs.
fn cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Nop => 0,
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
    )
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// At function entry: loads the counter and checks it. Nothing when
    /// the module has no budget.
    pub fn budget_enter_function(&mut self) {
        if !self.env.budget.enabled() {
            return;
        }
        let var = self.builder.declare_var(types::I64);
        self.budget = Some(Counter { var, pending: 0 });
        self.budget_reload();
        self.budget_check();
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
    /// asks the runtime for more, or traps `fuel exhausted` / `deadline
    /// exceeded` here.
    pub fn budget_check(&mut self) {
        let Some(counter) = &self.budget else {
            return;
        };
        let var = counter.var;
        let value = self.builder.use_var(var);
        let spent = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, value, 0);
        let refill = self.builder.create_block();
        let fail = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.set_cold_block(refill);
        self.builder.set_cold_block(fail);
        self.builder.ins().brif(spent, refill, &[], next, &[]);

        self.builder.switch_to_block(refill);
        self.builder.seal_block(refill);
        let id = self.env.builtin_id(&wafer_abi::builtins::BUDGET_REFILL);
        let callee =
            cranelift_module::Module::declare_func_in_func(self.module, id, self.builder.func);
        // Not `call_builtin`: the refill never grows a memory, so cached
        // memory lengths stay valid.
        let call = self.builder.ins().call(callee, &[self.vmctx, value]);
        let refilled = self.builder.inst_results(call)[0];
        self.builder.def_var(var, refilled);
        let stop = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, refilled, 0);
        self.builder.ins().brif(stop, fail, &[], next, &[]);

        self.builder.switch_to_block(fail);
        self.builder.seal_block(fail);
        let fuel = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::Equal, refilled, FUEL_EXHAUSTED);
        self.builder
            .ins()
            .trapnz(fuel, user_trap(TrapCode::FuelExhausted));
        self.builder
            .ins()
            .trap(user_trap(TrapCode::DeadlineExceeded));

        self.builder.switch_to_block(next);
        self.builder.seal_block(next);
    }

    /// Before a call or a return: the vmctx gets the counter.
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

    /// At entry and after a call: the counter comes from the vmctx.
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
