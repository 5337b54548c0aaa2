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
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, Value, types,
};
use cranelift_module::{DataDescription, DataId, FuncId, Module};
use cranelift_object::ObjectModule;
use wafer_abi::builtins;

use crate::module_info::{DataSegment, ElemItem, ElemMode};
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
        let data_steps = plan_data_steps(module, &env.info.data)?;
        let regions = Regions::declare(builder.func);
        let mut t = FuncTranslator::new(env, module, builder, params[0], regions);
        emit_body(&mut t, &data_steps)?;
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

/// Runs of at least this many active data segments are applied by a loop
/// over a table of their offsets instead of one call each: a Go module has
/// tens of thousands of segments, and ~60 bytes of code per segment made
/// `instantiate` a third of its machine code.
const MIN_LOOPED_SEGMENTS: usize = 4;

/// The `i32.const` offsets of the active data segments at the start of
/// `segments` that all initialise the same memory at a constant offset.
fn constant_offset_run(segments: &[DataSegment<'_>]) -> Vec<(u32, u32)> {
    let mut run = Vec::new();
    for segment in segments {
        let Some((memory, offset)) = &segment.active else {
            break;
        };
        let Some(offset) = i32_const(offset) else {
            break;
        };
        if run
            .first()
            .is_some_and(|&(first_memory, _)| first_memory != *memory)
        {
            break;
        }
        run.push((*memory, offset));
    }
    run
}

/// The value of a constant expression that is a single `i32.const`.
fn i32_const(expr: &wasmparser::ConstExpr<'_>) -> Option<u32> {
    let mut reader = expr.get_operators_reader();
    let wasmparser::Operator::I32Const { value } = reader.read().ok()? else {
        return None;
    };
    matches!(reader.read().ok()?, wasmparser::Operator::End).then_some(value as u32)
}

/// How `instantiate` applies its data segments, in order: planned, and
/// the offset tables defined, before the body is built, which reads the
/// object module only.
enum DataStep {
    /// Data segments `first..first + count` by one loop over `offsets`, a
    /// table of their `i32.const` offsets into `memory`.
    Run {
        first: u32,
        count: u32,
        memory: u32,
        offsets: DataId,
    },
    /// Data segment `index` by its own `memory.init`, if it is active.
    One { index: u32 },
}

/// Plans the data segments' steps, defining each run's offset table.
fn plan_data_steps(module: &mut ObjectModule, data: &[DataSegment<'_>]) -> Result<Vec<DataStep>> {
    let mut steps = Vec::new();
    let mut index = 0usize;
    while index < data.len() {
        let run = constant_offset_run(&data[index..]);
        if run.len() < MIN_LOOPED_SEGMENTS {
            steps.push(DataStep::One {
                index: index as u32,
            });
            index += 1;
            continue;
        }
        steps.push(DataStep::Run {
            first: index as u32,
            count: run.len() as u32,
            memory: run[0].0,
            offsets: define_offset_table(module, &run)?,
        });
        index += run.len();
    }
    Ok(steps)
}

/// A read-only table of the run's offsets, 4 bytes each.
fn define_offset_table(module: &mut ObjectModule, run: &[(u32, u32)]) -> Result<DataId> {
    let offsets: Vec<u8> = run
        .iter()
        .flat_map(|&(_, offset)| offset.to_le_bytes())
        .collect();
    let table = module
        .declare_anonymous_data(false, false)
        .map_err(|e| super::errors::module_error("a data segment offset table", &e))?;
    let mut description = DataDescription::new();
    description.define(offsets.into_boxed_slice());
    description.set_align(4);
    module
        .define_data(table, &description)
        .map_err(|e| super::errors::module_error("a data segment offset table", &e))?;
    Ok(table)
}

/// Applies and drops data segments `first..first + count`, in order, with
/// one loop: segment `i`'s offset comes from the read-only table
/// `offsets`, its length from its vmctx slot (the runtime sets it to the
/// segment's size before calling `instantiate`).
fn apply_data_run(
    t: &mut FuncTranslator<'_, '_, '_, '_>,
    first: u32,
    count: u32,
    memory: u32,
    offsets: DataId,
) {
    let layout = t.env.layout;
    let table_gv = t.module.declare_data_in_func(offsets, t.builder.func);
    let table_base = t.builder.ins().symbol_value(POINTER, table_gv);

    let body = t.builder.create_block();
    let done = t.builder.create_block();
    let counter = t.builder.append_block_param(body, types::I32);
    let start = t.iconst32(0);
    t.builder.ins().jump(body, &[start.into()]);
    t.builder.switch_to_block(body);

    let counter_64 = t.widen(counter);
    let entry_at = t.builder.ins().imul_imm_u(counter_64, 4);
    let entry = t.builder.ins().iadd(table_base, entry_at);
    let table_flags = MemFlagsData::trusted().with_readonly();
    let offset = t.builder.ins().load(types::I32, table_flags, entry, 0);
    let segment = t.builder.ins().iadd_imm_u(counter, i64::from(first));
    let segment_64 = t.widen(segment);
    let slot_at = t.builder.ins().imul_imm_u(segment_64, 4);
    let slot = t.builder.ins().iadd(t.vmctx, slot_at);
    let flags = t.vmctx_flags();
    let slot_offset = layout.data_length(0) as i32;
    let length = t.builder.ins().load(types::I32, flags, slot, slot_offset);
    let args = [
        t.iconst32(memory),
        segment,
        t.widen(offset),
        t.builder.ins().iconst(types::I64, 0),
        t.widen(length),
    ];
    t.call_builtin(&builtins::MEMORY_INIT, &args);
    let zero = t.iconst32(0);
    let flags = t.vmctx_flags();
    t.builder.ins().store(flags, zero, slot, slot_offset);
    let next = t.builder.ins().iadd_imm_u(counter, 1);
    let more = t
        .builder
        .ins()
        .icmp_imm_u(IntCC::UnsignedLessThan, next, i64::from(count));
    t.builder.ins().brif(more, body, &[next.into()], done, &[]);
    t.builder.seal_block(body);
    t.builder.switch_to_block(done);
    t.builder.seal_block(done);
}

fn emit_body(t: &mut FuncTranslator<'_, '_, '_, '_>, data_steps: &[DataStep]) -> Result<()> {
    let info = t.env.info;
    let layout = t.env.layout;

    // A defined tag is identified by the address of its own word, so each
    // instance has tags of its own (`VmctxLayout::tag`). Written here, not
    // by the runtime, so images without tags carry no code for them.
    for index in info.num_imported_tags..info.tags.len() as u32 {
        let offset = layout.tag(index) as i32;
        let address = t.builder.ins().iadd_imm_s(t.vmctx, i64::from(offset));
        let flags = t.vmctx_flags();
        t.builder.ins().store(flags, address, t.vmctx, offset);
    }

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

    for step in data_steps {
        match *step {
            DataStep::Run {
                first,
                count,
                memory,
                offsets,
            } => apply_data_run(t, first, count, memory, offsets),
            DataStep::One { index } => {
                let segment = &info.data[index as usize];
                if let Some((memory, offset)) = &segment.active {
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
            }
        }
    }

    if let Some(start) = info.start {
        t.translate_call(&wasmparser::Operator::Call {
            function_index: start,
        })?;
    }
    Ok(())
}
