//! Parsing and validation: a Wasm binary becomes a [`ModuleInfo`], the
//! index spaces and segments every later stage reads.
//!
//! The whole module is validated first with `wasmparser` (Wasm 2.0 features and relaxed SIMD),
//! so everything after this point may assume a valid module.

use std::collections::HashMap;

use anyhow::{Result, anyhow, bail};
use wasmparser::{
    CompositeInnerType, ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FunctionBody,
    GlobalType, MemoryType, Name, Parser, Payload, RefType, TableType, TypeRef, ValType, Validator,
    WasmFeatures,
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
    Validator::new_with_features(features())
        .validate_all(wasm)
        .map_err(|e| {
            anyhow!(
                "invalid module: {} (at byte offset {:#x})",
                e.message(),
                e.offset()
            )
        })?;
    collect(wasm)
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
