//! Object emission: one relocatable ELF object per module per target.
//!
//! The object holds the compiled functions, their trap tables, the export
//! trampolines, the `instantiate` function and the module descriptor
//! (`wafer_module_<prefix>`, see `wafer_abi::descriptor`).

mod body_facts;
mod budget_entry;
pub(crate) mod data;
mod descriptor;
mod errors;
mod functions;
mod host_adapters;
mod inline;
pub use functions::{default_jobs, parse_jobs, set_default_jobs};
mod instantiate;
pub mod isa;
pub mod names;
mod trampolines;

use std::collections::HashMap;

use anyhow::{Context, Result, anyhow, bail};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use wafer_abi::descriptor::ExternKind;
use wafer_abi::vmctx::{ModuleCounts, VmctxLayout};

use crate::config::Target;
use crate::module_info::{self, ImportKind, ModuleInfo, signature_string};
use crate::translate::env::{ModuleEnv, builtin_signature, host_signature, wasm_signature};

/// Declares a module-local function `symbol` with `sig`, builds its body
/// with `body` (handed the module, a builder positioned in the sealed entry
/// block, and the entry's parameters; it must finalize the builder), and
/// defines it. The shared frame of `instantiate` and the trampolines.
pub(crate) fn define_local_function(
    module: &mut ObjectModule,
    symbol: &str,
    sig: cranelift_codegen::ir::Signature,
    body: impl for<'f> FnOnce(
        &mut ObjectModule,
        cranelift_frontend::FunctionBuilder<'f>,
        &[cranelift_codegen::ir::Value],
    ) -> Result<()>,
) -> Result<FuncId> {
    let id = module
        .declare_function(symbol, Linkage::Local, &sig)
        .map_err(|e| errors::module_error(&format!("`{symbol}`"), &e))?;
    define_declared_function(module, id, &format!("`{symbol}`"), sig, body)?;
    Ok(id)
}

/// Builds and defines the already declared function `id`, as
/// [`define_local_function`] does; `what` names it in errors.
pub(crate) fn define_declared_function(
    module: &mut ObjectModule,
    id: FuncId,
    what: &str,
    sig: cranelift_codegen::ir::Signature,
    body: impl for<'f> FnOnce(
        &mut ObjectModule,
        cranelift_frontend::FunctionBuilder<'f>,
        &[cranelift_codegen::ir::Value],
    ) -> Result<()>,
) -> Result<()> {
    use cranelift_codegen::ir::{Function, UserFuncName};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    let mut ctx = module.make_context();
    ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
    let mut builder_ctx = FunctionBuilderContext::new();
    let mut builder = FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let params = builder.block_params(entry).to_vec();
    body(module, builder, &params).with_context(|| format!("in {what}"))?;
    // Trampolines and `instantiate` move v128 values too; without a vector
    // unit they follow the scalar ABI of the functions they call.
    if crate::translate::simd::needs_scalar_simd(module.isa())
        && crate::translate::simd::uses_vectors(&ctx.func)
    {
        crate::translate::scalarize::run(&mut ctx.func).with_context(|| format!("in {what}"))?;
    }
    module
        .define_function(id, &mut ctx)
        .map_err(|e| errors::module_error(what, &e))?;
    Ok(())
}

/// How function imports outside the runtime's host modules are bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportBinding {
    /// Each such import refers to a native symbol `<module>_<field>`
    /// (non-alphanumerics become `_`), resolved by the linker.
    Static,
    /// Imports are resolved by name at instantiation, against the runtime's
    /// host modules and registered instances (the spec harness's serving
    /// images). Images of several modules use `Static`, with the imports
    /// from other modules of the image left to the runtime
    /// ([`compile_linked`]).
    Dynamic,
}

/// How compiled code keeps linear-memory accesses in bounds
/// (`--bounds-checks`; see docs/architecture.md, "Linear memory bounds checks").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BoundsChecks {
    /// Compare every access with the memory's length: works without an MMU.
    Explicit,
    /// No check: the runtime reserves a guard window per memory and a fault
    /// in it is the trap. Needs an MMU the runtime controls.
    Guard,
}

impl BoundsChecks {
    /// The name on the command line and in board files.
    pub fn name(self) -> &'static str {
        match self {
            BoundsChecks::Explicit => "explicit",
            BoundsChecks::Guard => "guard",
        }
    }

    /// The value recorded in the module descriptor.
    pub fn abi(self) -> wafer_abi::descriptor::BoundsChecks {
        match self {
            BoundsChecks::Explicit => wafer_abi::descriptor::BoundsChecks::Explicit,
            BoundsChecks::Guard => wafer_abi::descriptor::BoundsChecks::Guard,
        }
    }
}

/// How compiled code keeps recursion within its stack budget
/// (`--stack-checks`; see docs/architecture.md, "Traps").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum StackChecks {
    /// Every prologue compares the stack pointer with the vmctx's stack
    /// limit: works anywhere, also in firmware wafer's runtime does not
    /// start.
    Prologue,
    /// No check in the code: the runtime's stack has an inaccessible guard
    /// right below the budget, and large frames are probed page by page.
    /// Needs a runtime that maps that guard (Linux boards).
    Guard,
}

impl StackChecks {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StackChecks::Prologue => "prologue",
            StackChecks::Guard => "guard",
        }
    }

    /// The value recorded in the image manifest.
    pub fn abi(self) -> wafer_abi::descriptor::StackChecks {
        match self {
            StackChecks::Prologue => wafer_abi::descriptor::StackChecks::Prologue,
            StackChecks::Guard => wafer_abi::descriptor::StackChecks::Guard,
        }
    }
}

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    pub target: Target,
    /// Prefix of every symbol of the module; must be a valid C identifier
    /// and unique within an image.
    pub prefix: String,
    pub imports: ImportBinding,
    pub bounds_checks: BoundsChecks,
    /// Prologue stack checks, or none and the runtime's stack guard.
    pub stack_checks: StackChecks,
    /// `--fuel` / `--timeout-ms`: budget checks are compiled in only when
    /// one is set (see `translate/budget.rs`).
    pub budget: wafer_abi::budget::Policy,
    /// Check for a pending exception after every call even when this
    /// module has no exception operators, so that an exception thrown by
    /// another module of the image unwinds its frames too. `wafer build`
    /// sets it for every module of an image in which any module uses
    /// exceptions (docs/exceptions.md).
    pub exception_checks: bool,
}

/// An import as the module declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub module: String,
    pub field: String,
    pub kind: wafer_abi::descriptor::ExternKind,
    /// Signature string for functions (see `wafer_abi::values`), value
    /// letter (+`m`) for globals, element letter for tables, empty for memories.
    pub ty: String,
    /// For statically bound function imports: the native symbol (for WASI
    /// functions, the runtime's `wafer_wasi_<name>`).
    pub symbol: Option<String>,
}

/// An export as the module declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    pub name: String,
    pub kind: wafer_abi::descriptor::ExternKind,
    /// As in [`ImportSummary::ty`].
    pub ty: String,
}

/// A compiled module: its object file and what it imports and exports.
#[derive(Clone, Debug)]
pub struct CompiledModule {
    pub prefix: String,
    pub target: Target,
    /// The relocatable ELF object.
    pub object: Vec<u8>,
    /// Symbol of the module's descriptor.
    pub descriptor_symbol: String,
    pub imports: Vec<ImportSummary>,
    pub exports: Vec<ExportSummary>,
    /// The memories the module defines (not imported ones), in order.
    pub memories: Vec<MemorySummary>,
    /// The tables the module defines (not imported ones), in order.
    pub tables: Vec<TableSummary>,
    /// How its memory accesses are checked: the image links only the
    /// memory reservation its modules need (`image::memory_reservation`).
    pub bounds_checks: BoundsChecks,
    /// How its code checks the stack: the image tells the runtime where the
    /// stack's guard goes (`image::image_stack_checks`).
    pub stack_checks: StackChecks,
}

/// A table a module defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSummary {
    pub min_elements: u64,
    pub max_elements: Option<u64>,
}

/// A linear memory a module defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemorySummary {
    /// In the memory's own pages.
    pub min_pages: u64,
    pub max_pages: Option<u64>,
    /// `log2` of its page size (16: 64 KiB; 0: custom page size 1).
    pub page_size_log2: u32,
    /// A 64-bit memory (memory64).
    pub memory64: bool,
}

impl MemorySummary {
    /// Bytes it takes at start.
    pub fn min_bytes(&self) -> u64 {
        self.min_pages.saturating_mul(1 << self.page_size_log2)
    }
}

/// Import modules the runtime provides itself: never bound statically.
pub const HOST_MODULES: &[&str] = &["wasi_snapshot_preview1", "spectest"];

/// Compiles a Wasm binary into a relocatable object for `options.target`.
///
/// # Errors
/// Malformed or invalid modules, unsupported features (named, with the
/// byte offset), code generation failures.
pub fn compile(wasm: &[u8], options: &CompileOptions) -> Result<CompiledModule> {
    compile_with_jobs(wasm, options, functions::default_jobs()?)
}

/// As [`compile`], generating code on `jobs` threads. The object is the
/// same whatever `jobs` is.
///
/// # Errors
/// As for [`compile`].
pub fn compile_with_jobs(
    wasm: &[u8],
    options: &CompileOptions,
    jobs: std::num::NonZeroUsize,
) -> Result<CompiledModule> {
    compile_module(wasm, options, jobs, wafer_abi::MAX_WASM_PAGES, &[])
}

/// As [`compile`], with the module's memories capped at
/// `max_memory_pages` (its `--max-memory` policy, see `crate::policy`):
/// the cap is a constant of the module's descriptor, which the runtime's
/// `memory.grow` honours.
///
/// # Errors
/// As for [`compile`].
pub fn compile_capped(
    wasm: &[u8],
    options: &CompileOptions,
    max_memory_pages: u64,
) -> Result<CompiledModule> {
    compile_linked(wasm, options, max_memory_pages, &[])
}

/// As [`compile_capped`], for a module of an image that holds the modules
/// `image_modules` too: imports from those are not bound to C symbols but
/// left to the runtime, which binds them to the exporting instance
/// (`link_modules`).
///
/// # Errors
/// As for [`compile`].
pub fn compile_linked(
    wasm: &[u8],
    options: &CompileOptions,
    max_memory_pages: u64,
    image_modules: &[&str],
) -> Result<CompiledModule> {
    compile_module(
        wasm,
        options,
        functions::default_jobs()?,
        max_memory_pages,
        image_modules,
    )
}

fn compile_module(
    wasm: &[u8],
    options: &CompileOptions,
    jobs: std::num::NonZeroUsize,
    max_memory_pages: u64,
    image_modules: &[&str],
) -> Result<CompiledModule> {
    names::check_prefix(&options.prefix)?;
    // The sections are validated on this thread, the function bodies on
    // `jobs` threads, which also read what must be known before compiling
    // (serial, these walks held up the threads for 0.1 s on a Go module).
    let (info, pending_bodies) = module_info::parse_deferring_bodies(wasm)?;
    let facts = body_facts::validate_and_read(&info, &pending_bodies, jobs)?;
    let tail_calls = facts.tail_calls;
    let isa = isa::build_isa_for(&options.target, tail_calls, options.stack_checks)?;
    let mut builder = ObjectBuilder::new(
        isa.clone(),
        options.prefix.as_bytes().to_vec(),
        cranelift_module::default_libcall_names(),
    )
    .context("cannot create an object builder")?;
    builder.per_function_section(true);
    let mut module = ObjectModule::new(builder);
    let call_conv = module.isa().default_call_conv();

    let type_ids = declare_type_ids(&mut module, &info)?;
    let builtins = wafer_abi::builtins::ALL
        .iter()
        .map(|b| {
            module
                .declare_function(b.symbol, Linkage::Import, &builtin_signature(b, call_conv))
                .map_err(|e| errors::module_error(&format!("builtin `{}`", b.symbol), &e))
        })
        .collect::<Result<Vec<FuncId>>>()?;
    let mut function_names = names::FunctionNames::default();
    let mut defined_funcs = Vec::new();
    let mut defined_symbols = Vec::new();
    // With a budget, a function nothing outside the module's direct calls
    // can reach is its body alone, under its usual symbol.
    let needs_entry = if options.budget.enabled() {
        budget_entry::needs_entry(&info)?
    } else {
        vec![true; info.num_defined_funcs() as usize]
    };
    // Functions reached by tail calls through pointers have the Wasm
    // signature and no separate body (`call::counter_in_vmctx`).
    let counter_in_vmctx = if options.budget.enabled() {
        crate::translate::call::counter_in_vmctx(&info)?
    } else {
        Vec::new()
    };
    let separate_body: Vec<bool> = needs_entry
        .iter()
        .enumerate()
        .map(|(i, &needed)| needed && !counter_in_vmctx.get(i).copied().unwrap_or(false))
        .collect();
    for index in info.num_imported_funcs..info.funcs.len() as u32 {
        let symbol = function_names.function(&options.prefix, index, function_name(&info, index));
        let ty = info.func_type(index);
        let defined = (index - info.num_imported_funcs) as usize;
        let sig = if needs_entry[defined] || counter_in_vmctx.get(defined).copied().unwrap_or(false)
        {
            wasm_signature(ty)
        } else {
            crate::translate::env::budget_body_signature(ty)
        };
        let id = module
            .declare_function(&symbol, Linkage::Local, &sig)
            .map_err(|e| errors::module_error(&format!("function {index} (`{symbol}`)"), &e))?;
        defined_funcs.push(id);
        defined_symbols.push(symbol);
    }
    let budget_bodies = if options.budget.enabled() {
        budget_entry::declare_bodies(
            &mut module,
            &info,
            &options.prefix,
            &defined_funcs,
            &separate_body,
        )?
    } else {
        Vec::new()
    };

    // Declared only when used: other modules' objects stay as they were.
    let exceptions = if options.exception_checks || facts.exceptions {
        crate::translate::exceptions::check_no_threads(&info)?;
        Some(crate::translate::exceptions::declare_runtime(
            &mut module,
            call_conv,
        )?)
    } else {
        None
    };
    // Declared where the first function's translation used to declare it,
    // so the symbol order (and the object) stays as it was.
    let budget_refill = if options.budget.enabled() && info.num_defined_funcs() > 0 {
        Some(crate::translate::budget::declare_refill(&mut module)?)
    } else {
        None
    };
    let env = ModuleEnv {
        info: &info,
        layout: VmctxLayout::new(counts(&info)),
        call_conv,
        defined_funcs,
        budget_bodies,
        counter_in_vmctx,
        builtins,
        type_ids,
        bounds_checks: options.bounds_checks,
        fold_negative_adds: !matches!(
            module.isa().triple().architecture,
            target_lexicon::Architecture::Aarch64(_)
        ),
        dispatch_with_branches: module.isa().triple().architecture
            == target_lexicon::Architecture::X86_64,
        stack_checks: options.stack_checks,
        budget: options.budget,
        exceptions,
        budget_refill,
    };
    let compiled_functions =
        functions::compile_functions(&env, &mut module, &*isa, &defined_symbols, jobs, &facts)?;
    budget_entry::define_entries(&env, &mut module)?;
    let trampolines = trampolines::define_trampolines(&env, &mut module, &options.prefix)?;
    let instantiate = instantiate::define_instantiate(&env, &mut module, &options.prefix)?;
    let imports = import_summaries(&info, options.imports, image_modules)?;
    let static_targets = declare_static_imports(&mut module, &info, &imports, call_conv)?;
    let host_adapters = host_adapters::define_host_adapters(
        &env,
        &mut module,
        &options.prefix,
        &imports,
        image_modules,
    )?;

    let descriptor_symbol = names::descriptor_symbol(&options.prefix);
    let descriptor_id = module
        .declare_data(&descriptor_symbol, Linkage::Export, false, false)
        .map_err(|e| errors::module_error("the module descriptor", &e))?;
    descriptor::define_descriptor(
        &env,
        &mut module,
        descriptor::DescriptorParts {
            id: descriptor_id,
            prefix: &options.prefix,
            functions: &compiled_functions,
            trampolines: &trampolines,
            instantiate,
            static_targets: &static_targets,
            host_adapters: &host_adapters,
            max_memory_pages,
        },
    )?;

    let exports = export_summaries(&info);
    let object = module
        .finish()
        .emit()
        .map_err(|e| anyhow!("cannot write the object file: {e}"))?;
    Ok(CompiledModule {
        bounds_checks: options.bounds_checks,
        stack_checks: options.stack_checks,
        prefix: options.prefix.clone(),
        target: options.target.clone(),
        object,
        descriptor_symbol,
        imports,
        exports,
        memories: info.memories[info.num_imported_memories as usize..]
            .iter()
            .map(|m| MemorySummary {
                min_pages: m.initial,
                max_pages: m.maximum,
                page_size_log2: crate::module_info::page_size_log2(m),
                memory64: m.memory64,
            })
            .collect(),
        tables: info.tables[info.num_imported_tables as usize..]
            .iter()
            .map(|t| TableSummary {
                min_elements: t.initial,
                max_elements: t.maximum,
            })
            .collect(),
    })
}

/// The name of function `index` for symbols and trap reports: its
/// name-section name, else the first name it is exported under.
pub fn function_name<'a>(info: &ModuleInfo<'a>, index: u32) -> Option<&'a str> {
    info.func_names.get(&index).copied().or_else(|| {
        info.exports
            .iter()
            .find(|e| e.kind == wasmparser::ExternalKind::Func && e.index == index)
            .map(|e| e.name)
    })
}

/// The vmctx counts of a module.
pub fn counts(info: &ModuleInfo<'_>) -> ModuleCounts {
    ModuleCounts {
        imported_funcs: info.num_imported_funcs,
        defined_funcs: info.num_defined_funcs(),
        imported_memories: info.num_imported_memories,
        defined_memories: info.memories.len() as u32 - info.num_imported_memories,
        imported_tables: info.num_imported_tables,
        defined_tables: info.tables.len() as u32 - info.num_imported_tables,
        imported_globals: info.num_imported_globals,
        defined_globals: info.globals.len() as u32 - info.num_imported_globals,
        data_segments: info.data.len() as u32,
        elem_segments: info.elements.len() as u32,
        elem_items: info.elements.iter().map(|e| e.items.len() as u32).sum(),
        imported_tags: info.num_imported_tags,
        tags: info.tags.len() as u32,
    }
}

/// Declares (and defines once) the weak type-id symbol of every type.
fn declare_type_ids(module: &mut ObjectModule, info: &ModuleInfo<'_>) -> Result<Vec<DataId>> {
    let mut by_signature: HashMap<String, DataId> = HashMap::new();
    let mut ids = Vec::with_capacity(info.types.len());
    for ty in &info.types {
        let signature = signature_string(ty);
        if let Some(&id) = by_signature.get(&signature) {
            ids.push(id);
            continue;
        }
        let symbol = names::type_id_symbol(&signature);
        // Preemptible = weak: every module defines it, the linker keeps one,
        // so its address is the same for equal signatures across modules.
        let id = module
            .declare_data(&symbol, Linkage::Preemptible, false, false)
            .map_err(|e| errors::module_error(&format!("type id `{symbol}`"), &e))?;
        let mut description = cranelift_module::DataDescription::new();
        description.define(vec![0u8].into_boxed_slice());
        module
            .define_data(id, &description)
            .map_err(|e| errors::module_error(&format!("type id `{symbol}`"), &e))?;
        by_signature.insert(signature, id);
        ids.push(id);
    }
    Ok(ids)
}

fn global_type_string(ty: &wasmparser::GlobalType) -> String {
    let mut s = module_info::type_letter(ty.content_type).to_string();
    if ty.mutable {
        s.push('m');
    }
    s
}

fn import_summaries(
    info: &ModuleInfo<'_>,
    binding: ImportBinding,
    image_modules: &[&str],
) -> Result<Vec<ImportSummary>> {
    info.imports
        .iter()
        .map(|import| {
            let (kind, ty) = match &import.kind {
                ImportKind::Func(t) => {
                    (ExternKind::Func, signature_string(&info.types[*t as usize]))
                }
                ImportKind::Table(t) => (
                    ExternKind::Table,
                    module_info::ref_letter(t.element_type).to_string(),
                ),
                ImportKind::Memory(m) => (ExternKind::Memory, module_info::memory_type_string(m)),
                ImportKind::Global(g) => (ExternKind::Global, global_type_string(g)),
                ImportKind::Tag(t) => (ExternKind::Tag, signature_string(&info.types[*t as usize])),
            };
            let symbol = if binding != ImportBinding::Static || kind != ExternKind::Func {
                None
            } else if import.module == wafer_abi::wasi::MODULE {
                // The runtime's function (its type is checked by `import_check`).
                names::wasi_symbol(import.field)
            } else if let Some(spawn) =
                crate::wasi_threads::spawn_symbol(import.module, import.field, &ty)
                    .filter(|_| !image_modules.contains(&import.module))
            {
                // wasi-threads: the runtime's (Linux boards only, see
                // `wasi_threads::check_board`).
                Some(spawn.to_string())
            } else if let Some(abort) =
                names::assemblyscript_abort_symbol(import.module, import.field, &ty)
            {
                // Unless another module of the image provides it.
                if image_modules.contains(&import.module) {
                    None
                } else {
                    Some(abort.to_string())
                }
            } else if HOST_MODULES.contains(&import.module)
                || image_modules.contains(&import.module)
            {
                // Bound at instantiation: another module of the image.
                None
            } else {
                let symbol = names::static_import_symbol(import.module, import.field);
                names::check_static_import_symbol(import.module, import.field, &symbol)?;
                Some(symbol)
            };
            Ok(ImportSummary {
                module: import.module.to_string(),
                field: import.field.to_string(),
                kind,
                ty,
                symbol,
            })
        })
        .collect()
}

/// Declares the native symbols of statically bound imports, by import index.
///
/// Two imports may share a symbol (the same name imported twice, or names
/// that only differ in characters that become `_`); that is fine when their
/// types agree, and refused with both names when they do not, since one
/// native function cannot have two signatures.
fn declare_static_imports(
    module: &mut ObjectModule,
    info: &ModuleInfo<'_>,
    imports: &[ImportSummary],
    call_conv: cranelift_codegen::isa::CallConv,
) -> Result<Vec<Option<FuncId>>> {
    let mut first_with_symbol: HashMap<&str, &ImportSummary> = HashMap::new();
    imports
        .iter()
        .zip(&info.imports)
        .map(|(summary, import)| {
            let (Some(symbol), ImportKind::Func(t)) = (&summary.symbol, &import.kind) else {
                return Ok(None);
            };
            let first = *first_with_symbol.entry(symbol).or_insert(summary);
            if first.ty != summary.ty {
                bail!(
                    "imports `{}.{}` ({}) and `{}.{}` ({}) both bind to the native symbol \
                     `{symbol}` but have different types; rename one",
                    first.module,
                    first.field,
                    first.ty,
                    summary.module,
                    summary.field,
                    summary.ty
                );
            }
            let sig = host_signature(&info.types[*t as usize], call_conv);
            module
                .declare_function(symbol, Linkage::Import, &sig)
                .map(Some)
                .map_err(|e| errors::module_error(&format!("import symbol `{symbol}`"), &e))
        })
        .collect()
}

fn export_summaries(info: &ModuleInfo<'_>) -> Vec<ExportSummary> {
    info.exports
        .iter()
        .map(|export| {
            let (kind, ty) = match export.kind {
                wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => (
                    ExternKind::Func,
                    signature_string(info.func_type(export.index)),
                ),
                wasmparser::ExternalKind::Table => (
                    ExternKind::Table,
                    module_info::ref_letter(info.tables[export.index as usize].element_type)
                        .to_string(),
                ),
                wasmparser::ExternalKind::Memory => (
                    ExternKind::Memory,
                    module_info::memory_type_string(&info.memories[export.index as usize]),
                ),
                wasmparser::ExternalKind::Global => (
                    ExternKind::Global,
                    global_type_string(&info.globals[export.index as usize]),
                ),
                wasmparser::ExternalKind::Tag => (
                    ExternKind::Tag,
                    signature_string(&info.types[info.tags[export.index as usize] as usize]),
                ),
            };
            ExportSummary {
                name: export.name.to_string(),
                kind,
                ty,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Isa;

    fn compile_for_all(wat: &str) -> Vec<CompiledModule> {
        let wasm = wat::parse_str(wat).expect("test module parses");
        Isa::ALL
            .into_iter()
            .map(|isa| {
                let options = CompileOptions {
                    target: Target::new(isa).unwrap(),
                    prefix: "t".into(),
                    imports: ImportBinding::Dynamic,
                    bounds_checks: BoundsChecks::Explicit,
                    stack_checks: crate::emit::StackChecks::Prologue,
                    budget: Default::default(),
                    exception_checks: false,
                };
                compile(&wasm, &options).unwrap_or_else(|e| panic!("{isa}: {e:#}"))
            })
            .collect()
    }

    #[test]
    fn compiles_control_flow_memory_tables_and_calls_for_every_isa() {
        let modules = compile_for_all(
            r#"(module
              (import "env" "f" (func $f (param i32) (result i32)))
              (memory 1)
              (table 2 funcref)
              (global $g (mut i64) (i64.const 5))
              (elem (i32.const 0) $add)
              (data (i32.const 8) "hi")
              (func $add (export "add") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.add)
              (func (export "mix") (param i32) (result i32 i64)
                (block (result i32)
                  (loop (drop (br_if 1 (i32.const 7) (local.get 0))) (br 0)) (unreachable))
                (i32.load offset=4 (local.get 0))
                i32.add
                (call_indirect (param i32 i32) (result i32) (i32.const 1) (i32.const 2) (i32.const 0))
                i32.add
                (call $f)
                (global.get $g))
              (func (export "tbl") (param i32) (result i32)
                (block (result i32) (br_table 0 1 (i32.const 3) (local.get 0))) drop (i32.const 4)))"#,
        );
        for m in &modules {
            assert_eq!(&m.object[..4], b"\x7fELF");
            assert_eq!(m.exports.len(), 3);
            assert_eq!(m.exports[1].ty, "i>iI");
        }
    }

    #[test]
    fn simd_compiles_with_and_without_a_vector_unit() {
        let wasm = wat::parse_str(
            "(module (global v128 (v128.const i64x2 1 2)) \
             (func (export \"f\") (param v128) (result v128) (i32x4.add (local.get 0) (global.get 0))))",
        )
        .unwrap();
        let options = |target: &str| CompileOptions {
            target: Target::parse(target).unwrap(),
            prefix: "t".into(),
            imports: ImportBinding::Dynamic,
            bounds_checks: BoundsChecks::Explicit,
            stack_checks: crate::emit::StackChecks::Prologue,
            budget: Default::default(),
            exception_checks: false,
        };
        // riscv64 without V goes through the scalarize pass: a v128 in a
        // body, a signature (the export trampoline) and a global.
        for target in [
            "x86_64",
            "x86_64:baseline",
            "aarch64",
            "riscv64:rv64gcv",
            "riscv64",
        ] {
            let module = compile(&wasm, &options(target));
            assert!(module.is_ok(), "{target}: {:#}", module.err().unwrap());
        }
    }
}
