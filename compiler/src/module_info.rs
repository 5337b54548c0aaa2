//! Parsing and validation: a Wasm binary becomes a [`ModuleInfo`], the
//! index spaces and segments every later stage reads.
//!
//! The module is validated with `wasmparser` (Wasm 2.0 features and relaxed SIMD):
//! [`parse`] validates all of it, so everything after it may assume a valid
//! module. [`parse_deferring_bodies`] validates everything but the function
//! bodies and hands those back as [`PendingBodies`], so that the compiler
//! validates them on its threads ([`PendingBodies::validate`]) before it
//! reads any of them.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, anyhow, bail};
use wasmparser::{
    BinaryReaderError, CompositeInnerType, ConstExpr, DataKind, ElementItems, ElementKind,
    ExternalKind, FuncToValidate, FuncValidatorAllocations, FunctionBody, GlobalType, MemoryType,
    Name, Parser, Payload, RefType, TableType, TypeRef, ValType, ValidPayload, Validator,
    ValidatorResources, WasmFeatures,
};

/// A function type: parameters and results.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// What an import brings in.
#[derive(Clone, Debug)]
pub enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception tag, by the index of its function type.
    Tag(u32),
}

/// One import, in declaration order.
#[derive(Clone, Debug)]
pub struct Import<'a> {
    pub module: &'a str,
    pub field: &'a str,
    pub kind: ImportKind,
}

/// One export.
#[derive(Clone, Debug)]
pub struct Export<'a> {
    pub name: &'a str,
    pub kind: ExternalKind,
    pub index: u32,
}

/// An element segment item: a function index or a constant expression.
#[derive(Clone, Debug)]
pub enum ElemItem<'a> {
    Func(u32),
    Expr(ConstExpr<'a>),
}

/// Where an element segment goes.
#[derive(Clone, Debug)]
pub enum ElemMode<'a> {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr<'a> },
}

/// One element segment.
#[derive(Clone, Debug)]
pub struct ElemSegment<'a> {
    pub mode: ElemMode<'a>,
    pub ty: RefType,
    pub items: Vec<ElemItem<'a>>,
}

/// One data segment.
#[derive(Clone, Debug)]
pub struct DataSegment<'a> {
    /// `Some((memory, offset))` for active segments.
    pub active: Option<(u32, ConstExpr<'a>)>,
    pub bytes: &'a [u8],
}

/// Everything about a module except its function bodies' code.
#[derive(Debug, Default)]
pub struct ModuleInfo<'a> {
    pub types: Vec<FuncType>,
    pub imports: Vec<Import<'a>>,
    /// Type index of every function, imports first.
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    /// Every table, imports first.
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    /// Every memory, imports first.
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    /// Every global, imports first.
    pub globals: Vec<GlobalType>,
    pub num_imported_globals: u32,
    /// The function type index of every exception tag, imports first.
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr<'a>>,
    pub exports: Vec<Export<'a>>,
    pub start: Option<u32>,
    pub elements: Vec<ElemSegment<'a>>,
    pub data: Vec<DataSegment<'a>>,
    pub bodies: Vec<FunctionBody<'a>>,
    /// Names from the name section, by function index.
    pub func_names: HashMap<u32, &'a str>,
    pub module_name: Option<&'a str>,
}

impl<'a> ModuleInfo<'a> {
    /// The type of function `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// Whether function `index` is imported.
    pub fn is_imported_func(&self, index: u32) -> bool {
        index < self.num_imported_funcs
    }

    /// Number of functions defined (with bodies) in the module.
    pub fn num_defined_funcs(&self) -> u32 {
        self.funcs.len() as u32 - self.num_imported_funcs
    }
}

/// The features wafer accepts: Wasm 2.0, threads (shared memories and
/// atomics), multi-memory, memory64 (with 64-bit tables, table64),
/// custom page sizes, relaxed SIMD (SIMD is part of Wasm 2.0), extended
/// constant expressions, tail calls and exception handling (the current
/// `try_table`/`exnref` form and the legacy `try`/`delegate` one).
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::THREADS
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::MEMORY64
        | WasmFeatures::CUSTOM_PAGE_SIZES
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
}

/// The type string of a memory in descriptors (`ImportDesc::ty`,
/// `ExportDesc::ty`): its shape (empty for 32-bit addresses and 64 KiB
/// pages, else `i`/`I` for 32/64-bit addresses and the page size's log2:
/// `"I16"`, `"i0"`), then `s` if it is shared. The runtime links an import
/// only to a memory of the same shape and sharing.
pub fn memory_type_string(m: &MemoryType) -> String {
    let log2 = page_size_log2(m);
    let mut ty = if !m.memory64 && log2 == 16 {
        String::new()
    } else {
        format!("{}{log2}", if m.memory64 { 'I' } else { 'i' })
    };
    if m.shared {
        ty.push('s');
    }
    ty
}

/// log2 of a memory's page size: 16 (64 KiB) unless the module declares
/// a custom page size.
pub fn page_size_log2(ty: &MemoryType) -> u32 {
    ty.page_size_log2.unwrap_or(16)
}

/// A memory's page size in bytes.
pub fn page_size(ty: &MemoryType) -> u64 {
    1 << page_size_log2(ty)
}

/// Validates `wasm` and collects its [`ModuleInfo`].
///
/// # Errors
/// Malformed or invalid modules (wasmparser's message and offset).
pub fn parse<'a>(wasm: &'a [u8]) -> Result<ModuleInfo<'a>> {
    let (info, pending) = parse_deferring_bodies(wasm)?;
    pending.validate(NonZeroUsize::MIN)?;
    Ok(info)
}

/// Validates everything in `wasm` but its function bodies and collects its
/// [`ModuleInfo`]; the bodies are left to [`PendingBodies::validate`], which
/// must succeed before anything reads them (wafer's body scans and
/// translation assume valid code).
///
/// # Errors
/// Malformed or invalid modules outside the function bodies (wasmparser's
/// message and offset), as `Validator::validate_all` reports them: it too
/// checks every section before the first body.
pub fn parse_deferring_bodies<'a>(wasm: &'a [u8]) -> Result<(ModuleInfo<'a>, PendingBodies<'a>)> {
    let mut validator = Validator::new_with_features(features());
    let mut parser = Parser::new(0);
    // As `validate_all` does: the parser rejects what the features exclude.
    parser.set_features(features());
    let mut funcs = Vec::new();
    for payload in parser.parse_all(wasm) {
        let payload = payload.map_err(invalid_module)?;
        if let ValidPayload::Func(func, body) =
            validator.payload(&payload).map_err(invalid_module)?
        {
            funcs.push((func, body));
        }
    }
    let pending = PendingBodies { funcs };
    // What wafer does not support is reported only for a valid module.
    let info = match collect(wasm) {
        Ok(info) => info,
        Err(unsupported) => {
            pending.validate(NonZeroUsize::MIN)?;
            return Err(unsupported);
        }
    };
    if pending.funcs.len() != info.bodies.len() {
        bail!(
            "BUG: {} function bodies to validate, {} collected",
            pending.funcs.len(),
            info.bodies.len()
        );
    }
    Ok((info, pending))
}

/// Function bodies not validated yet, one per defined function, in order.
pub struct PendingBodies<'a> {
    funcs: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'a>)>,
}

impl PendingBodies<'_> {
    /// Validates every body on `jobs` threads (the calling one among
    /// them), each taking the next body by index.
    ///
    /// # Errors
    /// The invalid body with the lowest index, whatever the thread count,
    /// with the message `Validator::validate_all` gives.
    pub fn validate(&self, jobs: NonZeroUsize) -> Result<()> {
        self.validate_and_scan(jobs, |_| Ok(())).map(drop)
    }

    /// As [`PendingBodies::validate`], and `scan`s each valid body on the
    /// thread that validated it (while its bytes are in that core's
    /// cache): what `scan` returns, by defined index.
    ///
    /// # Errors
    /// The invalid body with the lowest index, or a `scan` failure if it
    /// comes first.
    pub fn validate_and_scan<T: Send>(
        &self,
        jobs: NonZeroUsize,
        scan: impl Fn(&FunctionBody<'_>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let next = AtomicUsize::new(0);
        // The lowest index that failed so far: no thread takes a body past
        // it. Every body below it was taken before it and is finished
        // before the threads are joined, so the lowest failing body is
        // always among the results.
        let first_failed = AtomicUsize::new(usize::MAX);
        let work = || {
            let mut allocs = FuncValidatorAllocations::default();
            let mut done = Vec::new();
            loop {
                let defined = next.fetch_add(1, Ordering::Relaxed);
                if defined >= self.funcs.len() || defined > first_failed.load(Ordering::Relaxed) {
                    break;
                }
                let (func, body) = &self.funcs[defined];
                let mut validator = FuncToValidate {
                    resources: func.resources.clone(),
                    index: func.index,
                    ty: func.ty,
                    features: func.features,
                }
                .into_validator(allocs);
                let result = match validator.validate(body) {
                    Ok(()) => scan(body),
                    Err(e) => Err(invalid_module(e)),
                };
                if result.is_err() {
                    first_failed.fetch_min(defined, Ordering::Relaxed);
                }
                done.push((defined, result));
                allocs = validator.into_allocations();
            }
            done
        };
        let workers = jobs.get().min(self.funcs.len());
        let done = crate::parallel::indexed_on_threads(workers, work);
        let results = done
            .into_iter()
            .map(|(_, result)| result)
            .collect::<Result<Vec<T>>>()?;
        if results.len() != self.funcs.len() {
            bail!("BUG: a validation thread stopped early");
        }
        Ok(results)
    }
}

/// wasmparser's rejection as wafer reports it.
fn invalid_module(e: BinaryReaderError) -> anyhow::Error {
    anyhow!(
        "invalid module: {} (at byte offset {:#x})",
        e.message(),
        e.offset()
    )
}

fn collect<'a>(wasm: &'a [u8]) -> Result<ModuleInfo<'a>> {
    let mut info = ModuleInfo::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter_with_offsets() {
                    let (_, group) = group?;
                    for sub in group.into_types() {
                        let CompositeInnerType::Func(ft) = &sub.composite_type.inner else {
                            bail!("only function types are supported");
                        };
                        info.types.push(FuncType {
                            params: ft.params().to_vec(),
                            results: ft.results().to_vec(),
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (_, import) = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            info.funcs.push(t);
                            info.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        TypeRef::Table(t) => {
                            info.tables.push(t);
                            info.num_imported_tables += 1;
                            ImportKind::Table(t)
                        }
                        TypeRef::Memory(m) => {
                            info.memories.push(m);
                            info.num_imported_memories += 1;
                            ImportKind::Memory(m)
                        }
                        TypeRef::Global(g) => {
                            info.globals.push(g);
                            info.num_imported_globals += 1;
                            ImportKind::Global(g)
                        }
                        TypeRef::Tag(t) => {
                            info.tags.push(t.func_type_idx);
                            info.num_imported_tags += 1;
                            ImportKind::Tag(t.func_type_idx)
                        }
                    };
                    info.imports.push(Import {
                        module: import.module,
                        field: import.name,
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    info.funcs.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    if !matches!(table.init, wasmparser::TableInit::RefNull) {
                        bail!("table initialiser expressions are not supported");
                    }
                    info.tables.push(table.ty);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    info.memories.push(m?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    info.globals.push(g.ty);
                    info.global_inits.push(g.init_expr);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    info.exports.push(Export {
                        name: e.name,
                        kind: e.kind,
                        index: e.index,
                    });
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    info.tags.push(tag?.func_type_idx);
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    info.elements.push(collect_element(elem?)?);
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let active = match data.kind {
                        DataKind::Passive => None,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => Some((memory_index, offset_expr)),
                    };
                    info.data.push(DataSegment {
                        active,
                        bytes: data.data,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => info.bodies.push(body),
            Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                    // A broken name section must not reject a valid module:
                    // names only make symbols readable.
                    collect_names(reader, &mut info);
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

fn collect_element<'a>(elem: wasmparser::Element<'a>) -> Result<ElemSegment<'a>> {
    let mode = match elem.kind {
        ElementKind::Passive => ElemMode::Passive,
        ElementKind::Declared => ElemMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => ElemMode::Active {
            table: table_index.unwrap_or(0),
            offset: offset_expr,
        },
    };
    let (ty, items) = match elem.items {
        ElementItems::Functions(reader) => {
            let items = reader
                .into_iter()
                .map(|f| f.map(ElemItem::Func))
                .collect::<Result<Vec<_>, _>>()?;
            (RefType::FUNCREF, items)
        }
        ElementItems::Expressions(ty, reader) => {
            let items = reader
                .into_iter()
                .map(|e| e.map(ElemItem::Expr))
                .collect::<Result<Vec<_>, _>>()?;
            (ty, items)
        }
    };
    Ok(ElemSegment { mode, ty, items })
}

fn collect_names<'a>(reader: wasmparser::NameSectionReader<'a>, info: &mut ModuleInfo<'a>) {
    for name in reader.into_iter().flatten() {
        match name {
            Name::Module { name, .. } => info.module_name = Some(name),
            Name::Function(map) => {
                for naming in map.into_iter().flatten() {
                    info.func_names.insert(naming.index, naming.name);
                }
            }
            _ => {}
        }
    }
}

/// The signature-string letter of a value type (see `wafer_abi::values`).
pub fn type_letter(ty: ValType) -> char {
    abi_type(ty).map_or('?', |t| t.letter() as char)
}

/// The ABI value type of a Wasm value type.
pub fn abi_type(ty: ValType) -> Option<wafer_abi::values::ValType> {
    use wafer_abi::values::ValType as Abi;
    Some(match ty {
        ValType::I32 => Abi::I32,
        ValType::I64 => Abi::I64,
        ValType::F32 => Abi::F32,
        ValType::F64 => Abi::F64,
        ValType::V128 => Abi::V128,
        ValType::Ref(r) if r.is_func_ref() => Abi::FuncRef,
        ValType::Ref(r) if r.is_extern_ref() => Abi::ExternRef,
        ValType::Ref(r) if r == RefType::EXNREF => Abi::ExnRef,
        ValType::Ref(_) => return None,
    })
}

/// The signature string of a function type, e.g. `"iI>f"`.
pub fn signature_string(ty: &FuncType) -> String {
    let mut s: String = ty.params.iter().map(|&t| type_letter(t)).collect();
    s.push('>');
    s.extend(ty.results.iter().map(|&t| type_letter(t)));
    s
}

/// The letter of a reference type (`r` funcref, `x` externref).
pub fn ref_letter(ty: RefType) -> char {
    type_letter(ValType::Ref(ty))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::num::NonZeroUsize;

    use super::{features, parse, parse_deferring_bodies};

    /// `count` functions returning an i32; those in `invalid` return an
    /// i64 instead (a type mismatch at the end of their body).
    fn module_with_invalid_bodies(count: usize, invalid: &[usize]) -> Vec<u8> {
        let mut wat = String::from("(module\n");
        for f in 0..count {
            let value = if invalid.contains(&f) {
                "i64.const 1"
            } else {
                "i32.const 1"
            };
            let _ = writeln!(wat, "(func (result i32) {value})");
        }
        wat.push(')');
        wat::parse_str(&wat).expect("the text parses (validity is not checked)")
    }

    /// What wasmparser's own whole-module validation reports.
    fn validate_all_message(wasm: &[u8]) -> String {
        let Err(e) = wasmparser::Validator::new_with_features(features()).validate_all(wasm) else {
            panic!("the module is invalid");
        };
        format!(
            "invalid module: {} (at byte offset {:#x})",
            e.message(),
            e.offset()
        )
    }

    #[test]
    fn the_lowest_invalid_body_is_reported_whatever_the_thread_count() {
        // The later invalid body is small enough to be validated first by
        // another thread.
        let wasm = module_with_invalid_bodies(40, &[13, 29]);
        let expected = validate_all_message(&wasm);
        assert!(expected.contains("type mismatch"), "{expected}");
        let (_, pending) = parse_deferring_bodies(&wasm).expect("the sections are valid");
        for jobs in [1, 2, 3, 8] {
            let err = pending
                .validate(NonZeroUsize::new(jobs).unwrap())
                .expect_err("body 13 is invalid");
            assert_eq!(format!("{err:#}"), expected, "{jobs} threads");
        }
        let err = parse(&wasm).map(|_| ()).expect_err("body 13 is invalid");
        assert_eq!(format!("{err:#}"), expected);
    }

    #[test]
    fn section_errors_come_before_body_errors_as_in_validate_all() {
        // An invalid body, then an export of a function that does not exist.
        let mut wasm = module_with_invalid_bodies(3, &[1]);
        let with_bad_export =
            wat::parse_str("(module (func (result i32) i64.const 1) (export \"f\" (func 7)))")
                .expect("the text parses");
        let expected = validate_all_message(&with_bad_export);
        assert!(expected.contains("unknown function"), "{expected}");
        let err = parse_deferring_bodies(&with_bad_export)
            .map(|_| ())
            .expect_err("the export section is invalid");
        assert_eq!(format!("{err:#}"), expected);
        // A truncated module: the parser's error, as validate_all gives it.
        wasm.truncate(wasm.len() - 2);
        let err = parse(&wasm).map(|_| ()).expect_err("truncated");
        assert_eq!(format!("{err:#}"), validate_all_message(&wasm));
    }

    #[test]
    fn valid_modules_keep_every_body() {
        let wasm = module_with_invalid_bodies(5, &[]);
        let (info, pending) = parse_deferring_bodies(&wasm).expect("valid");
        pending
            .validate(NonZeroUsize::new(2).unwrap())
            .expect("valid");
        assert_eq!(info.bodies.len(), 5);
    }
}
