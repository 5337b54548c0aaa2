//! Import adapters: the bridge from Wasm's calling convention to host code.
//!
//! Compiled Wasm functions use Cranelift's `tail` convention
//! (`translate::env::WASM_CALL_CONV`), so every import slot and funcref
//! holds code callable that way. Host code bound to an import — a WASI
//! function of the runtime, a `--link`/firmware C symbol, a `spectest`
//! function — is C. For each function import that may be bound to host
//! code, the importing module gets an adapter
//! `<prefix>.host_adapter[<import index>]`: a `tail` function with the
//! import's Wasm signature that loads the host code from its vmctx word
//! (`VmctxLayout::host_func`, written by the runtime when it binds the
//! import) and calls it in the C convention. The runtime puts the adapter
//! in the import slot (`ImportDesc::host_adapter`). The slot's vmctx is the
//! importer's, which is also what the host function is given, so the
//! adapter finds its word even when the funcref is called from another
//! module through a table.
//!
//! Imports from another module of the image are always Wasm code and get
//! no adapter: their slot holds the exporter's funcref as it is.

use anyhow::Result;
use cranelift_codegen::ir::InstBuilder;
use cranelift_module::{FuncId, Module};
use cranelift_object::ObjectModule;

use super::ImportSummary;
use crate::module_info::ImportKind;
use crate::translate::env::{ModuleEnv, POINTER, host_signature, wasm_signature};

/// The symbol of the adapter of function import `index`.
fn adapter_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}.host_adapter[{index}]")
}

/// Defines the adapters; returns one entry per import (any kind), `None`
/// where no adapter is needed.
///
/// # Errors
/// The object module refusing a definition.
pub fn define_host_adapters(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    prefix: &str,
    imports: &[ImportSummary],
    image_modules: &[&str],
) -> Result<Vec<Option<FuncId>>> {
    let mut func_index = 0u32;
    let mut adapters = Vec::with_capacity(imports.len());
    for (import, summary) in env.info.imports.iter().zip(imports) {
        let ImportKind::Func(type_index) = import.kind else {
            adapters.push(None);
            continue;
        };
        let index = func_index;
        func_index += 1;
        let wasm_only = summary.symbol.is_none() && image_modules.contains(&import.module);
        if wasm_only {
            adapters.push(None);
            continue;
        }
        let ty = &env.info.types[type_index as usize];
        let host_sig = host_signature(ty, env.call_conv);
        let word = env.layout.host_func(index) as i32;
        let symbol = adapter_symbol(prefix, index);
        let id = super::define_local_function(
            module,
            &symbol,
            wasm_signature(ty),
            |module, mut b, params| {
                // Written once when the import is bound, before any code runs.
                let flags = cranelift_codegen::ir::MemFlagsData::trusted()
                    .with_readonly()
                    .with_can_move();
                let host = b.ins().load(POINTER, flags, params[0], word);
                let sig = b.import_signature(host_sig);
                let call = b.ins().call_indirect(sig, host, params);
                let results = b.inst_results(call).to_vec();
                b.ins().return_(&results);
                b.seal_all_blocks();
                b.finalize(module.target_config());
                Ok(())
            },
        )?;
        adapters.push(Some(id));
    }
    Ok(adapters)
}
