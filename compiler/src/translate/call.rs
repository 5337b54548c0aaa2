//! Calls: `call` (direct to defined functions, through the import slot for
//! imported ones) and `call_indirect` (checked table lookup + type check),
//! and their tail-call forms `return_call` and `return_call_indirect`.
//!
//! A tail call is Cranelift's `return_call`/`return_call_indirect`: the
//! callee replaces the caller's frame, so mutual recursion of any depth
//! runs in constant stack. Every Wasm function is in the `tail` calling
//! convention for this (`env::WASM_CALL_CONV`).
//!
//! With a budget (`--fuel`/`--timeout-ms`) a direct call passes the
//! counter to the callee's body and takes it back as the last result
//! (`budget.rs`). A tail call must return what its caller returns, so a
//! caller and its tail callee either both have that counter result or
//! neither has. Callees through pointers (tables, imports) have the Wasm
//! signature without it. So [`counter_in_vmctx`] gives every function
//! that makes a tail call through a pointer, and every function joined to
//! one by direct tail calls, the Wasm signature with the counter kept in
//! the vmctx across calls and returns; other direct callers store the
//! counter before calling them and reload it after, as for a pointer.

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
    /// `tail` says so.
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
        if tail {
            if self.budget.is_some() && !self.budget_in_vmctx() {
                anyhow::bail!("BUG: a tail call through a pointer from a budget body");
            }
            self.budget_store();
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
        self.check_exception_after_call()
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
        // in registers (`budget.rs`). A callee that keeps it in the vmctx
        // gets it there instead.
        let in_registers = self.budget.is_some() && !self.env.keeps_counter_in_vmctx(defined);
        let id = match self.env.budget_bodies.get(defined) {
            Some(&body) if in_registers => body,
            _ => self.env.defined_funcs[defined],
        };
        let callee = self.import_function(id);
        let mut all = Vec::with_capacity(args.len() + 2);
        all.push(self.vmctx);
        all.extend(args);
        if in_registers {
            all.extend(self.budget_value());
        }
        if tail {
            // Caller and callee agree on the counter (`counter_in_vmctx`
            // puts them in the same class), so the frame is reused with a
            // budget too.
            if self.budget.is_some() && in_registers == self.budget_in_vmctx() {
                anyhow::bail!(
                    "BUG: a tail call between functions that pass the counter differently"
                );
            }
            if !in_registers {
                self.budget_store();
            }
            self.builder.ins().return_call(callee, &all);
            self.reachable = false;
            return Ok(());
        }
        if !in_registers {
            self.budget_store();
        }
        let call = self.builder.ins().call(callee, &all);
        // The callee may have grown a memory.
        self.invalidate_memory_lengths();
        let mut results = self.builder.inst_results(call).to_vec();
        if !in_registers {
            self.budget_reload();
        } else {
            let left = results
                .pop()
                .ok_or_else(|| anyhow::anyhow!("BUG: a budget body returns no counter"))?;
            self.budget_define(left);
        }
        self.stack.extend(results);
        self.check_exception_after_call()
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
/// then keep frame pointers: `emit::isa::build_isa_for`).
///
/// # Errors
/// A body the operator reader rejects.
pub fn uses_tail_calls(info: &crate::module_info::ModuleInfo<'_>) -> Result<bool> {
    for body in &info.bodies {
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            if is_tail_call(&ops.read()?) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Whether `op` is a tail call ([`uses_tail_calls`]).
pub fn is_tail_call(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. }
    )
}

/// With a budget, by defined index: which functions keep the counter in
/// the vmctx and have the Wasm signature (see the module docs). Those that
/// make a tail call through a pointer (table or import) must, and a direct
/// tail call joins caller and callee into one class that must agree; a
/// class with any such function keeps it in the vmctx as a whole. Every
/// other function passes it in registers as before.
///
/// # Errors
/// A body the operator reader rejects.
pub fn counter_in_vmctx(info: &crate::module_info::ModuleInfo<'_>) -> Result<Vec<bool>> {
    let imported = info.num_imported_funcs;
    let count = info.num_defined_funcs() as usize;
    // Union-find over direct tail calls between defined functions.
    let mut parent: Vec<usize> = (0..count).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut through_pointer = vec![false; count];
    for (defined, body) in info.bodies.iter().enumerate() {
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            match ops.read()? {
                Operator::ReturnCallIndirect { .. } => through_pointer[defined] = true,
                Operator::ReturnCall { function_index } if function_index < imported => {
                    through_pointer[defined] = true;
                }
                Operator::ReturnCall { function_index } => {
                    let a = root(&mut parent, defined);
                    let b = root(&mut parent, (function_index - imported) as usize);
                    parent[a] = b;
                }
                _ => {}
            }
        }
    }
    let mut class_in_vmctx = vec![false; count];
    for (defined, &through) in through_pointer.iter().enumerate() {
        if through {
            let r = root(&mut parent, defined);
            class_in_vmctx[r] = true;
        }
    }
    Ok((0..count)
        .map(|defined| class_in_vmctx[root(&mut parent, defined)])
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{counter_in_vmctx, uses_tail_calls};
    use crate::module_info::parse;

    #[test]
    fn a_tail_call_through_a_pointer_moves_its_whole_tail_call_class_to_the_vmctx() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "env" "f" (func $imported))
                 (type $t (func))
                 (table 1 funcref)
                 (func $a (return_call_indirect (type $t) (i32.const 0)))
                 (func $b (return_call $a))
                 (func $c (return_call $d))
                 (func $d (call $a))
                 (func $e (return_call $imported))
                 (func $f (call $e) (call_indirect (type $t) (i32.const 0))))"#,
        )
        .expect("test module parses");
        let info = parse(&wasm).expect("valid module");
        // $a tail-calls through the table and $b tail-calls $a; $e
        // tail-calls an import. $c/$d and $f only make ordinary calls
        // to them or tail-call each other.
        assert_eq!(
            counter_in_vmctx(&info).expect("readable bodies"),
            [true, true, false, false, true, false]
        );
        assert!(uses_tail_calls(&info).expect("readable bodies"));
    }

    #[test]
    fn modules_without_tail_calls_keep_every_counter_in_registers() {
        let wasm = wat::parse_str(
            r#"(module (type $t (func)) (table 1 funcref)
                 (func $a (call $b)) (func $b (call_indirect (type $t) (i32.const 0))))"#,
        )
        .expect("test module parses");
        let info = parse(&wasm).expect("valid module");
        assert_eq!(
            counter_in_vmctx(&info).expect("readable bodies"),
            [false, false]
        );
        assert!(!uses_tail_calls(&info).expect("readable bodies"));
    }
}
