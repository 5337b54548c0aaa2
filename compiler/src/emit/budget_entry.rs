//! With a budget (`--fuel`, `--timeout-ms`), every defined function is two
//! symbols: a body that takes and returns the counter in a register
//! (direct calls inside the module call it, so a call costs no memory
//! traffic), and an entry point with the Wasm signature, the one tables,
//! exports, trampolines and other modules of the image know. The entry
//! point loads the counter from the vmctx, calls the body, and stores what
//! is left back (see `translate/budget.rs`).

use anyhow::Result;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use wafer_abi::vmctx::BUDGET;

use super::errors::module_error;
use crate::module_info::ModuleInfo;
use crate::translate::env::{ModuleEnv, budget_body_signature, wasm_signature};

/// The symbol of the body of function `index`. Function symbols are
/// `{prefix}::…`, so `{prefix}.body[…]` cannot collide with one.
fn body_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}.body[{index}]")
}

/// Declares the body of every defined function, by defined index.
///
/// # Errors
/// The object module refusing a declaration.
pub fn declare_bodies(
    module: &mut ObjectModule,
    info: &ModuleInfo<'_>,
    prefix: &str,
    call_conv: CallConv,
) -> Result<Vec<FuncId>> {
    (info.num_imported_funcs..info.funcs.len() as u32)
        .map(|index| {
            let symbol = body_symbol(prefix, index);
            let sig = budget_body_signature(info.func_type(index), call_conv);
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
        let index = env.info.num_imported_funcs + defined as u32;
        let ty = env.info.func_type(index);
        let entry = env.defined_funcs[defined];
        let sig = wasm_signature(ty, env.call_conv);
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
