//! Build-time check that a single image can satisfy every import, so that
//! `wafer build` refuses what would otherwise fail only when the image runs
//! (`cannot instantiate`). Statically bound function imports are checked
//! against the `--link` objects by `image::link`; this covers the rest:
//! WASI functions against `wafer_abi::wasi` (the table the runtime's
//! `wafer_wasi_*` functions follow), and imports no wafer image can provide.

use anyhow::{Result, bail};
use wafer_abi::descriptor::ExternKind;
use wafer_abi::values::{ValType, split_signature};

use crate::CompiledModule;
use crate::emit::ImportSummary;

/// Checks every import of `modules` that is not bound to a C symbol nor
/// to another module of the image (`image_modules`, checked by
/// `link_modules::plan`).
///
/// Only for command and invoke images; the serving image used by the spec
/// harness resolves imports against registered instances instead.
///
/// # Errors
/// The first import the image cannot satisfy, naming it, its type and the
/// type expected.
pub fn check_imports(modules: &[CompiledModule], image_modules: &[&str]) -> Result<()> {
    for m in modules {
        // WASI functions are bound to the runtime's symbols; their types
        // are checked here all the same.
        let unchecked = |i: &&ImportSummary| {
            (i.symbol.is_none() && !image_modules.contains(&i.module.as_str()))
                || i.module == wafer_abi::wasi::MODULE
        };
        for import in m.imports.iter().filter(unchecked) {
            check_import(&m.prefix, import)?;
        }
    }
    Ok(())
}

fn check_import(prefix: &str, import: &ImportSummary) -> Result<()> {
    let name = format!("{}.{}", import.module, import.field);
    match import.module.as_str() {
        wafer_abi::wasi::MODULE => {
            let Some(expected) = wafer_abi::wasi::signature(import.field.as_bytes()) else {
                bail!("module `{prefix}` imports `{name}`, which is not a WASI preview 1 function");
            };
            if import.kind != ExternKind::Func {
                bail!(
                    "module `{prefix}` imports `{name}` as a {}, but WASI's `{}` is a function {}",
                    kind_name(import.kind),
                    import.field,
                    wasm_signature(expected)
                );
            }
            if import.ty != expected {
                bail!(
                    "module `{prefix}` imports `{name}` with type {}, but WASI's `{}` has type {}",
                    wasm_signature(&import.ty),
                    import.field,
                    wasm_signature(expected)
                );
            }
            Ok(())
        }
        // The spec suite's host module: only the harness's serving images
        // resolve imports by name and carry it.
        "spectest" => bail!(
            "module `{prefix}` imports `{name}`: `spectest` is the spec test suite's host module, which only the test harness provides"
        ),
        // A shared memory no module of the image exports (wasi-threads'
        // `env.memory`) is created by the runtime at instantiation, with
        // the import's limits, and shared by every instance that imports
        // it under that name (docs/threads.md).
        _ if import.kind == ExternKind::Memory && import.ty == "s" => Ok(()),
        _ => bail!(
            "module `{prefix}` imports {} `{name}`, which a wafer image cannot provide: only functions are imported from outside the image (WASI, or C symbols linked with --link), anything from another module given to the same build; define the {} in the module",
            kind_name(import.kind),
            kind_name(import.kind)
        ),
    }
}

fn kind_name(kind: ExternKind) -> &'static str {
    match kind {
        ExternKind::Func => "function",
        ExternKind::Table => "table",
        ExternKind::Memory => "memory",
        ExternKind::Global => "global",
        ExternKind::Tag => "tag",
    }
}

/// A signature string (`"iI>i"`) in Wasm text syntax:
/// `(func (param i32 i64) (result i32))`.
pub fn wasm_signature(sig: &str) -> String {
    let Some((params, results)) = split_signature(sig.as_bytes()) else {
        return format!("`{sig}`");
    };
    let names = |letters: &[u8]| -> String {
        letters
            .iter()
            .map(|&l| ValType::from_letter(l).map_or("?", ValType::name))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::from("(func");
    if !params.is_empty() {
        out += &format!(" (param {})", names(params));
    }
    if !results.is_empty() {
        out += &format!(" (result {})", names(results));
    }
    out + ")"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(module: &str, field: &str, kind: ExternKind, ty: &str) -> ImportSummary {
        ImportSummary {
            module: module.into(),
            field: field.into(),
            kind,
            ty: ty.into(),
            symbol: None,
        }
    }

    #[test]
    fn wasi_functions_with_their_own_signature_pass() {
        let fd_write = import(
            "wasi_snapshot_preview1",
            "fd_write",
            ExternKind::Func,
            "iiii>i",
        );
        assert!(check_import("m", &fd_write).is_ok());
        // Unimplemented (ENOSYS) functions are fine with their signature too.
        let open = import(
            "wasi_snapshot_preview1",
            "path_open",
            ExternKind::Func,
            "iiiiiIIii>i",
        );
        assert!(check_import("m", &open).is_ok());
    }

    #[test]
    fn a_wasi_function_with_another_signature_names_both_types() {
        let bad = import(
            "wasi_snapshot_preview1",
            "fd_write",
            ExternKind::Func,
            "iii>i",
        );
        let err = check_import("m", &bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "module `m` imports `wasi_snapshot_preview1.fd_write` with type (func (param i32 i32 i32) (result i32)), but WASI's `fd_write` has type (func (param i32 i32 i32 i32) (result i32))"
        );
    }

    #[test]
    fn unknown_wasi_names_and_non_function_imports_are_refused() {
        let unknown = import(
            "wasi_snapshot_preview1",
            "fd_frobnicate",
            ExternKind::Func,
            ">i",
        );
        assert!(
            check_import("m", &unknown)
                .unwrap_err()
                .to_string()
                .contains("not a WASI preview 1 function")
        );
        let memory = import("env", "mem", ExternKind::Memory, "");
        let err = check_import("m", &memory).unwrap_err().to_string();
        assert!(err.contains("imports memory `env.mem`"), "{err}");
        let global = import(
            "wasi_snapshot_preview1",
            "proc_exit",
            ExternKind::Global,
            "i",
        );
        let err = check_import("m", &global).unwrap_err().to_string();
        assert!(err.contains("as a global"), "{err}");
    }

    #[test]
    fn spectest_imports_are_refused_outside_the_harness() {
        let print = import("spectest", "print_i32", ExternKind::Func, "i>");
        let e = check_import("m", &print).unwrap_err().to_string();
        assert!(e.contains("`spectest.print_i32`"), "{e}");
        assert!(e.contains("only the test harness"), "{e}");
    }

    #[test]
    fn signatures_read_as_wasm_text() {
        assert_eq!(wasm_signature("i>"), "(func (param i32))");
        assert_eq!(wasm_signature(">i"), "(func (result i32))");
        assert_eq!(wasm_signature("iI>"), "(func (param i32 i64))");
        assert_eq!(wasm_signature(">"), "(func)");
    }
}
