//! Calls: `call` (direct to defined functions, through the import slot for
//! imported ones) and `call_indirect` (checked table lookup + type check),
//! and their tail-call forms `return_call` and `return_call_indirect`.
//!
//! A tail call is Cranelift's `return_call`/`return_call_indirect`: the
//! callee replaces the caller's frame, so mutual recursion of any depth
//! runs in constant stack. Every Wasm function is in the `tail` calling
//! convention for this (`env::WASM_CALL_CONV`). With a budget
//! (`--fuel`/`--timeout-ms`) a direct tail call passes the counter to the
//! callee's body like a call; a tail call through a pointer (table,
//! import) cannot, as the callee returns no counter: it becomes a call
//! followed by a return (see `return_through_pointer`).

use anyhow::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_module::Module;
use wafer_abi::trap::TrapCode as Trap;
use wafer_abi::vmctx::VMFuncRef;
use wasmparser::Operator;

use super::env::{POINTER, wasm_signature};
use super::{FuncTranslator, user_trap};

impl FuncTranslator<'_, '_, '_, '_> {
    fn signature_ref(&mut self, type_index: u32) -> ir::SigRef {
        let ty = &self.env.info.types[type_index as usize];
        let sig = wasm_signature(ty);
        self.builder.import_signature(sig)
    }

    /// Calls `callee` (native code) with `callee_vmctx` and pops/pushes
    /// the Wasm arguments and results of `type_index`; as a tail call when
    /// `tail` says so and the function has no budget.
    fn call_through_pointer(
        &mut self,
        type_index: u32,
        callee: ir::Value,
        callee_vmctx: ir::Value,
        args: Vec<ir::Value>,
        tail: bool,
    ) -> Result<()> {
        let sig = self.signature_ref(type_index);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(callee_vmctx);
        all.extend(args);
        if tail && self.budget.is_none() {
            self.builder.ins().return_call_indirect(sig, callee, &all);
            self.reachable = false;
            return Ok(());
        }
        self.budget_store();
        let call = self.builder.ins().call_indirect(sig, callee, &all);
        self.budget_reload();
        // The callee may have grown a memory.
        self.invalidate_memory_lengths();
        let results = self.builder.inst_results(call).to_vec();
        self.stack.extend(results);
        if tail {
            self.return_through_pointer()?;
        }
        Ok(())
    }

    /// The end of a tail call through a pointer in a function with a
    /// budget: the callee (Wasm signature) returns no counter, while this
    /// function's body must return one, so Cranelift cannot reuse the
    /// frame. It returns the callee's results after the call instead: the
    /// semantics are the same, the stack grows by one frame per such call
    /// (bounded by the stack-limit check, `call stack exhausted`).
    fn return_through_pointer(&mut self) -> Result<()> {
        self.translate_control(&Operator::Return)?;
        Ok(())
    }

    fn call_direct(&mut self, function_index: u32, tail: bool) -> Result<()> {
        let info = self.env.info;
        let type_index = info.funcs[function_index as usize];
        let num_params = info.types[type_index as usize].params.len();
        let args = self.pop_n(num_params)?;
        if info.is_imported_func(function_index) {
            // Import slots are filled before any code runs and never change.
            let slot = self.env.layout.func_import(function_index) as i32;
            let flags = self.readonly_flags();
            let func_ptr = self.builder.ins().load(
                POINTER,
                flags,
                self.vmctx,
                slot + VMFuncRef::FUNC_PTR as i32,
            );
            let callee_vmctx =
                self.builder
                    .ins()
                    .load(POINTER, flags, self.vmctx, slot + VMFuncRef::VMCTX as i32);
            return self.call_through_pointer(type_index, func_ptr, callee_vmctx, args, tail);
        }
        let defined = (function_index - info.num_imported_funcs) as usize;
        // From a function with a counter (not `instantiate` calling the
        // start function), the body: the counter goes in and comes back
        // in registers (`budget.rs`).
        let id = match self.env.budget_bodies.get(defined) {
            Some(&body) if self.budget.is_some() => body,
            _ => self.env.defined_funcs[defined],
        };
        let callee = self.module.declare_func_in_func(id, self.builder.func);
        let mut all = Vec::with_capacity(args.len() + 2);
        all.push(self.vmctx);
        all.extend(args);
        all.extend(self.budget_value());
        if tail {
            // The body's signature has the counter as parameter and
            // result in caller and callee alike, so the frame is reused
            // with a budget too.
            self.builder.ins().return_call(callee, &all);
            self.reachable = false;
            return Ok(());
        }
        let call = self.builder.ins().call(callee, &all);
        // The callee may have grown a memory.
        self.invalidate_memory_lengths();
        let mut results = self.builder.inst_results(call).to_vec();
        if self.budget.is_some() {
            let left = results
                .pop()
                .ok_or_else(|| anyhow::anyhow!("BUG: a budget body returns no counter"))?;
            self.budget_define(left);
        }
        self.stack.extend(results);
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32, tail: bool) -> Result<()> {
        let index = self.pop()?;
        let num_params = self.env.info.types[type_index as usize].params.len();
        let args = self.pop_n(num_params)?;
        let funcref = self.table_get(table, index, Trap::UndefinedElement);
        self.builder
            .ins()
            .trapz(funcref, user_trap(Trap::UninitializedElement));
        // Type ids are addresses of per-signature weak symbols, so equal
        // signatures from any module in the image compare equal. A funcref
        // record never changes once the instance runs: read-only lets
        // Cranelift share the loads across stores. Not `can_move`: the
        // record is only valid after the null check above.
        let flags = self.vmctx_flags().with_readonly();
        let actual = self
            .builder
            .ins()
            .load(POINTER, flags, funcref, VMFuncRef::TYPE_ID as i32);
        let type_symbol = self.env.type_ids[type_index as usize];
        let gv = self
            .module
            .declare_data_in_func(type_symbol, self.builder.func);
        let expected = self.builder.ins().symbol_value(POINTER, gv);
        let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
        self.builder
            .ins()
            .trapnz(mismatch, user_trap(Trap::IndirectCallTypeMismatch));
        let func_ptr = self
            .builder
            .ins()
            .load(POINTER, flags, funcref, VMFuncRef::FUNC_PTR as i32);
        let callee_vmctx =
            self.builder
                .ins()
                .load(POINTER, flags, funcref, VMFuncRef::VMCTX as i32);
        self.call_through_pointer(type_index, func_ptr, callee_vmctx, args, tail)
    }

    /// Translates a call operator; `Ok(false)` if `op` is not one.
    pub fn translate_call(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::Call { function_index } => self.call_direct(function_index, false)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false)?,
            Operator::ReturnCall { function_index } => self.call_direct(function_index, true)?,
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Whether any function of the module makes a tail call (the ISA must
/// then keep frame pointers: `emit::isa::build_isa_with_frame_pointers`).
///
/// # Errors
/// A body the operator reader rejects.
pub fn uses_tail_calls(info: &crate::module_info::ModuleInfo<'_>) -> Result<bool> {
    for body in &info.bodies {
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            if matches!(
                ops.read()?,
                Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. }
            ) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
