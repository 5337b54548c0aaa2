//! Compiling every defined function and collecting its trap sites.
//!
//! cranelift-object records no trap metadata, so after each function is
//! defined its trap sites are read from the code buffer and kept for the
//! descriptor, each with the Wasm byte offset of the instruction it came
//! from (from the source locations set during translation).

use anyhow::{Context, Result, anyhow};
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId, Module};
use cranelift_object::ObjectModule;
use wafer_abi::descriptor::TrapSite;

use super::errors::module_error;
use crate::translate::env::{ModuleEnv, wasm_signature};
use crate::translate::{translate_body, wafer_trap_code};

/// A compiled function as the descriptor needs it.
pub struct CompiledFunction {
    pub id: FuncId,
    pub code_size: u64,
    pub traps: Vec<TrapSite>,
}

/// Wasm offset recorded for trap sites without a source location.
pub const UNKNOWN_WASM_OFFSET: u32 = u32::MAX;

/// Translates and defines every defined function, in index order.
///
/// # Errors
/// Translation or code generation failures, naming the function.
pub fn compile_functions(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    symbols: &[String],
) -> Result<Vec<CompiledFunction>> {
    let mut ctx = module.make_context();
    let mut builder_ctx = FunctionBuilderContext::new();
    let mut compiled = Vec::with_capacity(env.defined_funcs.len());
    for (defined, body) in env.info.bodies.iter().enumerate() {
        let index = env.info.num_imported_funcs + defined as u32;
        let id = env.defined_funcs[defined];
        let symbol = &symbols[defined];
        let func_type = env.info.func_type(index);
        ctx.func = Function::with_name_signature(
            UserFuncName::user(0, id.as_u32()),
            wasm_signature(func_type, env.call_conv),
        );
        let builder = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
        translate_body(env, module, builder, func_type, body)
            .with_context(|| format!("in function {index} (`{symbol}`)"))?;
        module
            .define_function(id, &mut ctx)
            .map_err(|e| module_error(&format!("function {index} (`{symbol}`)"), &e))?;
        let code = ctx
            .compiled_code()
            .ok_or_else(|| anyhow!("BUG: no compiled code for {symbol}"))?;
        compiled.push(CompiledFunction {
            id,
            code_size: code.buffer.data().len() as u64,
            traps: trap_sites(&code.buffer)?,
        });
        module.clear_context(&mut ctx);
    }
    Ok(compiled)
}

fn trap_sites(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
) -> Result<Vec<TrapSite>> {
    let srclocs = buffer.get_srclocs_sorted();
    let mut sites = Vec::with_capacity(buffer.traps().len());
    for trap in buffer.traps() {
        let code = wafer_trap_code(trap.code)
            .ok_or_else(|| anyhow!("BUG: Cranelift emitted unknown trap code {}", trap.code))?;
        let wasm_offset = srclocs
            .iter()
            .find(|s| s.start <= trap.offset && trap.offset < s.end)
            .filter(|s| !s.loc.is_default())
            .map_or(UNKNOWN_WASM_OFFSET, |s| s.loc.bits());
        sites.push(TrapSite {
            code_offset: trap.offset,
            code: code.as_u32(),
            wasm_offset,
            _pad: 0,
        });
    }
    sites.sort_by_key(|s| s.code_offset);
    Ok(sites)
}
