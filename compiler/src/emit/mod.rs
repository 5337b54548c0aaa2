//! Object emission: one relocatable ELF object per module per target.
//!
//! The object holds the compiled functions, their trap tables, the export
//! trampolines, the `instantiate` function and the module descriptor
//! (`wafer_module_<prefix>`, see `wafer_abi::descriptor`).

use anyhow::Result;

use crate::config::Target;

/// How function imports outside the runtime's host modules are bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportBinding {
    /// Each such import refers to a native symbol `<module>_<field>`
    /// (non-alphanumerics become `_`), resolved by the linker.
    Static,
    /// Imports are resolved by name at instantiation, against the runtime's
    /// host modules and registered instances (multi-module images, spec tests).
    Dynamic,
}

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    pub target: Target,
    /// Prefix of every symbol of the module; must be a valid C identifier
    /// and unique within an image.
    pub prefix: String,
    pub imports: ImportBinding,
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
    /// For statically bound function imports: the native symbol.
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
}

/// Compiles a validated-or-not Wasm binary into an object.
///
/// # Errors
/// Malformed or invalid modules, unsupported features (named, with the
/// byte offset), code generation failures.
pub fn compile(wasm: &[u8], options: &CompileOptions) -> Result<CompiledModule> {
    let _ = (wasm, options);
    anyhow::bail!("not yet implemented")
}
