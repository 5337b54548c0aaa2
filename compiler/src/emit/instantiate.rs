//! The compiled `instantiate(vmctx)` function of a module.
//!
//! The runtime calls it (under trap protection) once imports are bound and
//! memories/tables allocated. In the spec's order it: initialises the
//! defined globals, evaluates every element segment's items into the
//! vmctx, drops declarative segments, applies active element segments then
//! active data segments (each dropped after use), and calls the start
//! function. A trap part-way leaves earlier effects in place, as the spec
//! requires for shared tables and memories.

use anyhow::Result;
use cranelift_codegen::ir::{AbiParam, ArgumentPurpose, InstBuilder, Signature, Value, types};
use cranelift_module::FuncId;
use cranelift_object::ObjectModule;
use wafer_abi::builtins;

use crate::module_info::{ElemItem, ElemMode};
use crate::translate::env::{ModuleEnv, POINTER};
use crate::translate::{FuncTranslator, Regions};

/// Defines `<prefix>.instantiate`.
pub fn define_instantiate(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    prefix: &str,
) -> Result<FuncId> {
    let symbol = super::names::instantiate_symbol(prefix);
    let mut sig = Signature::new(env.call_conv);
    sig.params
        .push(AbiParam::special(POINTER, ArgumentPurpose::VMContext));
    super::define_local_function(module, &symbol, sig, |module, builder, params| {
        let regions = Regions::declare(builder.func);
        let mut t = FuncTranslator::new(env, module, builder, params[0], regions);
        emit_body(&mut t)?;
        t.builder.ins().return_(&[]);
        t.finish();
        Ok(())
    })
}

fn store_i32_zero(t: &mut FuncTranslator<'_, '_, '_, '_>, offset: u32) {
    let zero = t.iconst32(0);
    let flags = t.vmctx_flags();
    t.builder.ins().store(flags, zero, t.vmctx, offset as i32);
}

/// Applies an active segment as `table.init`/`memory.init` of all of it at
/// `offset` (the builtin traps when it does not fit), then drops it by
/// zeroing its length slot in the vmctx.
fn apply_and_drop(
    t: &mut FuncTranslator<'_, '_, '_, '_>,
    init: &builtins::Builtin,
    target: u32,
    segment: u32,
    offset: Value,
    length: u64,
    length_slot: u32,
) {
    let args = [
        t.iconst32(target),
        t.iconst32(segment),
        t.widen(offset),
        t.builder.ins().iconst(types::I64, 0),
        t.builder.ins().iconst(types::I64, length as i64),
    ];
    t.call_builtin(init, &args);
    store_i32_zero(t, length_slot);
}

fn emit_body(t: &mut FuncTranslator<'_, '_, '_, '_>) -> Result<()> {
    let info = t.env.info;
    let layout = t.env.layout;

    for (defined, init) in info.global_inits.iter().enumerate() {
        let value = t.const_expr(init)?;
        let flags = t.vmctx_flags();
        let offset = layout.global(defined as u32) as i32;
        t.builder.ins().store(flags, value, t.vmctx, offset);
    }

    let mut first_item = 0u32;
    for segment in &info.elements {
        for (j, item) in segment.items.iter().enumerate() {
            let value = match item {
                ElemItem::Func(f) => t.func_ref(*f),
                ElemItem::Expr(expr) => t.const_expr(expr)?,
            };
            let flags = t.vmctx_flags();
            let offset = layout.elem_item(first_item + j as u32) as i32;
            t.builder.ins().store(flags, value, t.vmctx, offset);
        }
        first_item += segment.items.len() as u32;
    }

    for (index, segment) in info.elements.iter().enumerate() {
        let index = index as u32;
        match &segment.mode {
            ElemMode::Passive => {}
            ElemMode::Declared => store_i32_zero(t, layout.elem_length(index)),
            ElemMode::Active { table, offset } => {
                let offset = t.const_expr(offset)?;
                let length = segment.items.len() as u64;
                let slot = layout.elem_length(index);
                apply_and_drop(
                    t,
                    &builtins::TABLE_INIT,
                    *table,
                    index,
                    offset,
                    length,
                    slot,
                );
            }
        }
    }

    for (index, segment) in info.data.iter().enumerate() {
        let index = index as u32;
        let Some((memory, offset)) = &segment.active else {
            continue;
        };
        let offset = t.const_expr(offset)?;
        let length = segment.bytes.len() as u64;
        let slot = layout.data_length(index);
        apply_and_drop(
            t,
            &builtins::MEMORY_INIT,
            *memory,
            index,
            offset,
            length,
            slot,
        );
    }

    if let Some(start) = info.start {
        t.translate_call(&wasmparser::Operator::Call {
            function_index: start,
        })?;
    }
    Ok(())
}
