//! Array-call trampolines: one per exported signature, so the runtime can
//! call any export without knowing its native signature.
//!
//! `extern "C" fn(funcref: *const VMFuncRef, values: *mut ValRaw)`: loads
//! the arguments from `values`, calls `funcref.func_ptr(funcref.vmctx, ...)`,
//! stores the results back into `values`.

use std::collections::HashMap;

use anyhow::Result;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature};
use cranelift_module::{FuncId, Module};
use cranelift_object::ObjectModule;
use wafer_abi::values::ValRaw;
use wafer_abi::vmctx::VMFuncRef;

use crate::module_info::{FuncType, signature_string};
use crate::translate::env::{ModuleEnv, POINTER, clif_type, wasm_signature};

/// Trampolines by signature string.
pub type Trampolines = HashMap<String, FuncId>;

/// Defines a trampoline for every signature an exported function has.
pub fn define_trampolines(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    prefix: &str,
) -> Result<Trampolines> {
    let mut trampolines = Trampolines::new();
    for export in &env.info.exports {
        if !matches!(export.kind, wasmparser::ExternalKind::Func) {
            continue;
        }
        let ty = env.info.func_type(export.index);
        let signature = signature_string(ty);
        if trampolines.contains_key(&signature) {
            continue;
        }
        let id = define_trampoline(env, module, prefix, ty, &signature)?;
        trampolines.insert(signature, id);
    }
    Ok(trampolines)
}

fn define_trampoline(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    prefix: &str,
    ty: &FuncType,
    signature: &str,
) -> Result<FuncId> {
    let symbol = super::names::trampoline_symbol(prefix, signature);
    let mut sig = Signature::new(env.call_conv);
    sig.params.push(AbiParam::new(POINTER));
    sig.params.push(AbiParam::new(POINTER));
    super::define_local_function(module, &symbol, sig, |module, mut b, params| {
        let (funcref, values) = (params[0], params[1]);
        let flags = MemFlagsData::trusted();
        let func_ptr = b
            .ins()
            .load(POINTER, flags, funcref, VMFuncRef::FUNC_PTR as i32);
        let callee_vmctx = b
            .ins()
            .load(POINTER, flags, funcref, VMFuncRef::VMCTX as i32);
        let mut args = vec![callee_vmctx];
        for (i, &param) in ty.params.iter().enumerate() {
            let offset = (i * ValRaw::SIZE) as i32;
            args.push(b.ins().load(clif_type(param), flags, values, offset));
        }
        let callee_sig = b.import_signature(wasm_signature(ty));
        let call = b.ins().call_indirect(callee_sig, func_ptr, &args);
        let results = b.inst_results(call).to_vec();
        for (i, result) in results.into_iter().enumerate() {
            let offset = (i * ValRaw::SIZE) as i32;
            b.ins().store(flags, result, values, offset);
        }
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
        Ok(())
    })
}
