//! With a budget (`--fuel`, `--timeout-ms`), every defined function is two
//! symbols: a body that takes and returns the counter in a register
//! (direct calls inside the module call it, so a call costs no memory
//! traffic), and an entry point with the Wasm signature, the one tables,
//! exports, trampolines and other modules of the image know. The entry
//! point loads the counter from the vmctx, calls the body, and stores what
//! is left back (see `translate/budget.rs`). Functions only direct calls
//! reach have no entry point: their body keeps the usual symbol.

use anyhow::Result;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use wafer_abi::vmctx::BUDGET;

use super::errors::module_error;
use crate::module_info::{ElemItem, ModuleInfo};
use crate::translate::env::{ModuleEnv, budget_body_signature, wasm_signature};
use wasmparser::{ConstExpr, ExternalKind, Operator};

/// The symbol of the body of function `index`. Function symbols are
/// `{prefix}::…`, so `{prefix}.body[…]` cannot collide with one.
fn body_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}.body[{index}]")
}

/// Which defined functions need an entry point: those something other
/// than a direct call can reach — exports (trampolines, other modules of
/// the image, the C API), the start function, and every function a funcref
/// can name (element segments and `ref.func` in global initialisers; the
/// validator only accepts a `ref.func` in code for a function named there
/// or exported). By defined index.
///
/// # Errors
/// A constant expression the operator reader rejects.
pub fn needs_entry(info: &ModuleInfo<'_>) -> Result<Vec<bool>> {
    let mut reached = vec![false; info.funcs.len()];
    let mut mark = |index: u32| {
        if let Some(r) = reached.get_mut(index as usize) {
            *r = true;
        }
    };
    for export in &info.exports {
        if matches!(export.kind, ExternalKind::Func) {
            mark(export.index);
        }
    }
    if let Some(start) = info.start {
        mark(start);
    }
    for segment in &info.elements {
        for item in &segment.items {
            match item {
                ElemItem::Func(index) => mark(*index),
                ElemItem::Expr(expr) => ref_funcs(expr)?.into_iter().for_each(&mut mark),
            }
        }
    }
    for init in &info.global_inits {
        ref_funcs(init)?.into_iter().for_each(&mut mark);
    }
    Ok(reached.split_off(info.num_imported_funcs as usize))
}

/// The functions `ref.func` names in `expr`.
fn ref_funcs(expr: &ConstExpr<'_>) -> Result<Vec<u32>> {
    let mut ops = expr.get_operators_reader();
    let mut found = Vec::new();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read()? {
            found.push(function_index);
        }
    }
    Ok(found)
}

/// The body of every defined function, by defined index: a new symbol for
/// those that need an entry point, else the function's own `entries[i]`
/// (already declared with the body's signature).
///
/// # Errors
/// The object module refusing a declaration.
pub fn declare_bodies(
    module: &mut ObjectModule,
    info: &ModuleInfo<'_>,
    prefix: &str,
    entries: &[FuncId],
    needs_entry: &[bool],
) -> Result<Vec<FuncId>> {
    (info.num_imported_funcs..info.funcs.len() as u32)
        .zip(entries.iter().zip(needs_entry))
        .map(|(index, (&entry, &needed))| {
            if !needed {
                return Ok(entry);
            }
            let symbol = body_symbol(prefix, index);
            let sig = budget_body_signature(info.func_type(index));
            module
                .declare_function(&symbol, Linkage::Local, &sig)
                .map_err(|e| module_error(&format!("function {index} (`{symbol}`)"), &e))
        })
        .collect()
}

/// Defines the Wasm-signature entry point of every body (nothing without
/// a budget).
///
/// # Errors
/// The object module refusing a definition.
pub fn define_entries(env: &ModuleEnv<'_, '_>, module: &mut ObjectModule) -> Result<()> {
    for (defined, &body) in env.budget_bodies.iter().enumerate() {
        let entry = env.defined_funcs[defined];
        if entry == body {
            continue; // reached by direct calls only
        }
        let index = env.info.num_imported_funcs + defined as u32;
        let ty = env.info.func_type(index);
        let sig = wasm_signature(ty);
        let what = format!("the entry point of function {index}");
        super::define_declared_function(module, entry, &what, sig, |module, mut b, params| {
            let vmctx = params[0];
            let flags = MemFlagsData::trusted();
            let counter = b.ins().load(types::I64, flags, vmctx, BUDGET as i32);
            let callee = module.declare_func_in_func(body, b.func);
            let mut args = params.to_vec();
            args.push(counter);
            let call = b.ins().call(callee, &args);
            let mut results = b.inst_results(call).to_vec();
            let left = results
                .pop()
                .ok_or_else(|| anyhow::anyhow!("BUG: a budget body returns no counter"))?;
            b.ins().store(flags, left, vmctx, BUDGET as i32);
            b.ins().return_(&results);
            b.seal_all_blocks();
            b.finalize(module.target_config());
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_functions_reachable_from_outside_direct_calls_need_an_entry_point() {
        let wasm = wat::parse_str(
            r#"(module
              (import "env" "f" (func $imported))
              (table 1 funcref)
              (func $exported (export "e"))
              (func $in_table)
              (func $in_global)
              (func $start)
              (func $direct_only (call $exported))
              (func $in_expr_segment)
              (elem (i32.const 0) $in_table)
              (elem funcref (ref.func $in_expr_segment))
              (global funcref (ref.func $in_global))
              (start $start))"#,
        )
        .unwrap();
        let info = crate::module_info::parse(&wasm).unwrap();
        // By defined index: the import is not one.
        assert_eq!(
            needs_entry(&info).unwrap(),
            [true, true, true, true, false, true]
        );
    }
}
