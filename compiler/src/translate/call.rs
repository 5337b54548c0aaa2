//! Calls: `call` (direct to defined functions, through the import slot for
//! imported ones) and `call_indirect` (checked table lookup + type check).

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
        let sig = wasm_signature(ty, self.env.call_conv);
        self.builder.import_signature(sig)
    }

    /// Calls `callee` (native code) with `callee_vmctx` and pops/pushes
    /// the Wasm arguments and results of `type_index`.
    fn call_through_pointer(
        &mut self,
        type_index: u32,
        callee: ir::Value,
        callee_vmctx: ir::Value,
        args: Vec<ir::Value>,
    ) {
        let sig = self.signature_ref(type_index);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(callee_vmctx);
        all.extend(args);
        self.budget_store();
        let call = self.builder.ins().call_indirect(sig, callee, &all);
        self.budget_reload();
        // The callee may have grown a memory.
        self.invalidate_memory_lengths();
        let results = self.builder.inst_results(call).to_vec();
        self.stack.extend(results);
    }

    fn call_direct(&mut self, function_index: u32) -> Result<()> {
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
            self.call_through_pointer(type_index, func_ptr, callee_vmctx, args);
            return Ok(());
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

    fn call_indirect(&mut self, type_index: u32, table: u32) -> Result<()> {
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
        self.call_through_pointer(type_index, func_ptr, callee_vmctx, args);
        Ok(())
    }

    /// Translates a call operator; `Ok(false)` if `op` is not one.
    pub fn translate_call(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::Call { function_index } => self.call_direct(function_index)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
