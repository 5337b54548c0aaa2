//! Writing the module descriptor (`wafer_abi::descriptor::ModuleDescriptor`)
//! and its arrays as one read-only data object.
//!
//! Records are written field by field in declaration order; after each
//! record its size is checked against `size_of` of the contract type, so a
//! layout change in `wafer-abi` that is not mirrored here fails loudly.

use std::mem::size_of;

use anyhow::{Result, ensure};
use cranelift_module::{DataId, FuncId};
use cranelift_object::ObjectModule;
use wafer_abi::descriptor::{
    DESCRIPTOR_MAGIC, ElemDesc, ExportDesc, ExternKind, FuncDesc, ImportDesc, MAX_NAME_BYTES,
    MemoryDesc, ModuleDescriptor, TableDesc, encode_trap_sites,
};
use wafer_abi::{ABI_VERSION, NO_MAX};

use super::data::DataWriter;
use super::functions::CompiledFunction;
use super::trampolines::Trampolines;
use crate::module_info::{self, ImportKind, signature_string};
use crate::translate::env::ModuleEnv;

/// Everything the descriptor refers to besides the module info.
pub struct DescriptorParts<'p> {
    pub id: DataId,
    pub prefix: &'p str,
    pub functions: &'p [CompiledFunction],
    pub trampolines: &'p Trampolines,
    pub instantiate: FuncId,
    pub static_targets: &'p [Option<FuncId>],
    /// By import index: the adapter to host code (`host_adapters.rs`).
    pub host_adapters: &'p [Option<FuncId>],
    /// The module's `--max-memory` cap in pages (`wafer_abi::MAX_WASM_PAGES`
    /// for none): see `ModuleDescriptor::max_memory_pages`.
    pub max_memory_pages: u64,
}

fn check_record<T>(record: &DataWriter, what: &str) -> Result<()> {
    ensure!(
        record.len() == size_of::<T>(),
        "BUG: {what} record is {} bytes, wafer-abi says {}",
        record.len(),
        size_of::<T>()
    );
    Ok(())
}

/// Builds an array of records with `write`, checking each record's size.
fn array<T, I>(
    items: impl IntoIterator<Item = I>,
    what: &str,
    mut write: impl FnMut(&mut DataWriter, I) -> Result<()>,
) -> Result<(DataWriter, usize)> {
    let mut out = DataWriter::new();
    let mut count = 0;
    for item in items {
        let mut record = DataWriter::new();
        write(&mut record, item)?;
        check_record::<T>(&record, what)?;
        out.append(record);
        count += 1;
    }
    Ok((out, count))
}

// A readable name always fits its length byte in the meta blob.
const _: () = assert!(
    super::names::MAX_FUNCTION_NAME_BYTES + super::names::TRUNCATION_MARK.len() <= MAX_NAME_BYTES
);

/// Where the next bytes of the meta blob go: offsets into it are u32.
fn meta_offset(meta: &[u8]) -> Result<u32> {
    u32::try_from(meta.len()).map_err(|_| {
        anyhow::anyhow!("the module's trap sites, names and data segments exceed 4 GiB")
    })
}

fn limits(min: u64, max: Option<u64>) -> (u64, u64) {
    (min, max.unwrap_or(NO_MAX))
}

/// Defines the descriptor data object.
pub fn define_descriptor(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    parts: DescriptorParts<'_>,
) -> Result<()> {
    let info = env.info;

    let mut kind_counters = [0u32; 5];
    let (imports, import_count) = array::<ImportDesc, _>(
        info.imports
            .iter()
            .zip(parts.static_targets.iter().zip(parts.host_adapters)),
        "import",
        |w, (import, (static_target, host_adapter))| {
            let (kind, ty, type_id, min, max) = match &import.kind {
                ImportKind::Func(t) => (
                    ExternKind::Func,
                    signature_string(&info.types[*t as usize]),
                    Some(env.type_ids[*t as usize]),
                    0,
                    NO_MAX,
                ),
                ImportKind::Table(t) => {
                    let (min, max) = limits(t.initial, t.maximum);
                    (ExternKind::Table, table_type_string(t), None, min, max)
                }
                ImportKind::Memory(m) => {
                    let (min, max) = limits(m.initial, m.maximum);
                    (
                        ExternKind::Memory,
                        module_info::memory_type_string(m),
                        None,
                        min,
                        max,
                    )
                }
                ImportKind::Global(g) => {
                    let mut ty = module_info::type_letter(g.content_type).to_string();
                    if g.mutable {
                        ty.push('m');
                    }
                    (ExternKind::Global, ty, None, 0, NO_MAX)
                }
                ImportKind::Tag(t) => (
                    ExternKind::Tag,
                    signature_string(&info.types[*t as usize]),
                    None,
                    0,
                    NO_MAX,
                ),
            };
            let counter = &mut kind_counters[kind as usize];
            let index = *counter;
            *counter += 1;
            w.str(import.module.as_bytes());
            w.str(import.field.as_bytes());
            w.u32(kind as u32);
            w.u32(index);
            w.str(ty.as_bytes());
            match type_id {
                Some(id) => w.data_ptr(id, 0),
                None => w.null(),
            }
            match static_target {
                Some(f) => w.func_ptr(*f),
                None => w.null(),
            }
            w.u64(min);
            w.u64(max);
            match host_adapter {
                Some(f) => w.func_ptr(*f),
                None => w.null(),
            }
            Ok(())
        },
    )?;

    let (exports, export_count) =
        array::<ExportDesc, _>(info.exports.iter(), "export", |w, export| {
            let (kind, trampoline, ty) = match export.kind {
                wasmparser::ExternalKind::Func => {
                    let signature = signature_string(info.func_type(export.index));
                    (
                        ExternKind::Func,
                        parts.trampolines.get(&signature).copied(),
                        signature,
                    )
                }
                wasmparser::ExternalKind::Table => (ExternKind::Table, None, String::new()),
                wasmparser::ExternalKind::Memory => (
                    ExternKind::Memory,
                    None,
                    module_info::memory_type_string(&info.memories[export.index as usize]),
                ),
                wasmparser::ExternalKind::Global => {
                    let g = info.globals[export.index as usize];
                    let mut ty = module_info::type_letter(g.content_type).to_string();
                    if g.mutable {
                        ty.push('m');
                    }
                    (ExternKind::Global, None, ty)
                }
                wasmparser::ExternalKind::Tag => (
                    ExternKind::Tag,
                    None,
                    signature_string(&info.types[info.tags[export.index as usize] as usize]),
                ),
                other => anyhow::bail!("unsupported export kind {other:?}"),
            };
            w.str(export.name.as_bytes());
            w.u32(kind as u32);
            w.u32(export.index);
            match trampoline {
                Some(f) => w.func_ptr(f),
                None => w.null(),
            }
            w.str(ty.as_bytes());
            Ok(())
        })?;

    let defined_memories = &info.memories[info.num_imported_memories as usize..];
    let (memories, memory_count) =
        array::<MemoryDesc, _>(defined_memories.iter(), "memory", |w, m| {
            let (min, max) = limits(m.initial, m.maximum);
            w.u64(min);
            w.u64(max);
            w.u32(module_info::page_size_log2(m));
            w.u32(u32::from(m.memory64));
            Ok(())
        })?;

    let defined_tables = &info.tables[info.num_imported_tables as usize..];
    let (tables, table_count) = array::<TableDesc, _>(defined_tables.iter(), "table", |w, t| {
        let (min, max) = limits(t.initial, t.maximum);
        w.u64(min);
        w.u64(max);
        w.u32(module_info::ref_letter(t.element_type) as u32);
        w.u32(u32::from(t.table64));
        Ok(())
    })?;

    // The meta blob: each function's name and trap-site stream, then the
    // data segments' bytes (see `ModuleDescriptor::meta`).
    let mut meta = Vec::new();
    let (functions, function_count) = array::<FuncDesc, _>(
        parts.functions.iter().enumerate(),
        "function",
        |w, (defined, f)| {
            let index = info.num_imported_funcs + defined as u32;
            w.func_ptr(f.id);
            // What funcrefs call: the code itself, or with a budget the
            // Wasm-signature entry point of its body.
            w.func_ptr(env.defined_funcs[defined]);
            w.data_ptr(env.type_ids[info.funcs[index as usize] as usize], 0);
            let code_size = u32::try_from(f.code_size)
                .map_err(|_| anyhow::anyhow!("function {index}'s code is larger than 4 GiB"))?;
            let mut sites = f.traps.clone();
            sites.sort_by_key(|site| site.code_offset);
            // The body's own offset: the runtime finds the function a
            // Wasm offset is in (an inlined callee's) by these bases.
            let wasm_base = info.bodies[defined].range().start as u32;
            let mut stream = Vec::new();
            encode_trap_sites(&sites, wasm_base, |byte| stream.push(byte));
            // The name trap reports print: the symbol's readable form, so
            // that a name cannot break the report's lines or flood it.
            let name = super::function_name(info, index).map(super::names::readable_function_name);
            let name = name.unwrap_or_default();
            let name_len = u8::try_from(name.len())
                .ok()
                .filter(|&len| usize::from(len) <= MAX_NAME_BYTES);
            let Some(name_len) = name_len else {
                anyhow::bail!(
                    "BUG: function {index}'s readable name is {} bytes",
                    name.len()
                );
            };
            w.u32(code_size);
            w.u32(index);
            w.u32(meta_offset(&meta)?);
            w.u32(wasm_base);
            meta.push(name_len);
            meta.extend_from_slice(name.as_bytes());
            meta.extend_from_slice(&stream);
            Ok(())
        },
    )?;

    // One start per segment, then the end of the last.
    let mut starts = Vec::with_capacity(info.data.len() + 1);
    for segment in &info.data {
        starts.push(meta_offset(&meta)?);
        meta.extend_from_slice(segment.bytes);
    }
    starts.push(meta_offset(&meta)?);
    let (data_starts, data_count) = array::<u32, _>(starts, "data segment start", |w, start| {
        w.u32(start);
        Ok(())
    })?;

    let mut first_item = 0u32;
    let (elems, elem_count) =
        array::<ElemDesc, _>(info.elements.iter(), "element segment", |w, e| {
            w.u32(first_item);
            w.u32(e.items.len() as u32);
            first_item += e.items.len() as u32;
            Ok(())
        })?;

    let mut d = DataWriter::new();
    d.u32(DESCRIPTOR_MAGIC);
    d.u32(ABI_VERSION);
    d.str(parts.prefix.as_bytes());
    let c = env.layout.counts;
    for v in [
        c.imported_funcs,
        c.defined_funcs,
        c.imported_memories,
        c.defined_memories,
        c.imported_tables,
        c.defined_tables,
        c.imported_globals,
        c.defined_globals,
        c.data_segments,
        c.elem_segments,
        c.elem_items,
        c.imported_tags,
        c.tags,
    ] {
        d.u32(v);
    }
    d.u32(env.bounds_checks.abi() as u32);
    ensure!(
        d.len() == std::mem::offset_of!(ModuleDescriptor, imports),
        "BUG: descriptor header layout differs from wafer-abi"
    );
    d.slice_of::<ImportDesc>(imports, import_count);
    d.slice_of::<ExportDesc>(exports, export_count);
    // These arrays' lengths are the counts written above.
    let counted = [
        (memory_count, c.defined_memories, "memory"),
        (table_count, c.defined_tables, "table"),
        (function_count, c.defined_funcs, "function"),
        (data_count, c.data_segments + 1, "data segment start"),
        (elem_count, c.elem_segments, "element segment"),
    ];
    for (records, count, what) in counted {
        ensure!(
            records == count as usize,
            "BUG: {records} {what} records for a count of {count}"
        );
    }
    d.array_ptr::<MemoryDesc>(memories);
    d.array_ptr::<TableDesc>(tables);
    d.array_ptr::<FuncDesc>(functions);
    d.array_ptr::<u32>(data_starts);
    d.array_ptr::<ElemDesc>(elems);
    d.func_ptr(parts.instantiate);
    d.u64(parts.max_memory_pages);
    d.u64(env.budget.fuel);
    d.u64(env.budget.timeout_ns);
    d.u32(env.stack_checks.abi() as u32);
    d.u32(0);
    if meta.is_empty() {
        // Never a null `meta`: the runtime makes slices of it (of 0 bytes
        // for empty segments), and a slice must not start at null.
        meta.push(0);
    }
    d.child_ptr(DataWriter::from_bytes(&meta), 1);
    check_record::<ModuleDescriptor>(&d, "module descriptor")?;
    d.define(module, parts.id, 16)
}

/// A table import's type string: the element letter, then `I` for a 64-bit
/// table (table64).
fn table_type_string(t: &wasmparser::TableType) -> String {
    let mut ty = module_info::ref_letter(t.element_type).to_string();
    if t.table64 {
        ty.push('I');
    }
    ty
}
