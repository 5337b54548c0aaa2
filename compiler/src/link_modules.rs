//! Several modules in one image (`wafer build a.wasm b.wasm`): which
//! imports of a module are satisfied by another module of the image, the
//! spec's import type checks on them, and the order the modules are
//! instantiated in (every exporter before its importers).
//!
//! Everything here runs before any module is compiled, so a bad
//! combination fails fast with one line naming both modules and the item.
//! The runtime binds the same imports at instantiation by the exporter's
//! name in the image manifest (`instance::resolve_in_image`) and repeats
//! the type checks there (a start function may have grown a memory since).

use std::collections::HashMap;

use anyhow::{Result, bail};
use wasmparser::{ExternalKind, GlobalType, MemoryType, TableType};

use crate::emit::HOST_MODULES;
use crate::module_info::{ImportKind, ModuleInfo, ref_letter, signature_string, type_letter};
use crate::policy::{ModuleName, shown};

/// A module to link: its name in the image and its parsed contents.
pub struct LinkInput<'a> {
    pub name: &'a ModuleName,
    pub info: &'a ModuleInfo<'a>,
}

/// The type of an entity, as import matching compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ExternType {
    /// Signature string (`"ii>i"`).
    Func(String),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception tag: the signature string of its parameters (`"if>"`).
    Tag(String),
}

/// The order to instantiate `modules` in: indices into `modules`, every
/// module after the modules it imports from, otherwise in the order given.
///
/// # Errors
/// A duplicate name, a name that is a host module's, an import from
/// another module that it does not export, of another kind or type, or a
/// cycle of imports: each names the modules and the item.
pub fn plan(modules: &[LinkInput<'_>]) -> Result<Vec<usize>> {
    check_names(&modules.iter().map(|m| m.name).collect::<Vec<_>>())?;
    let by_name: HashMap<&str, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let order = dependency_order(modules, &by_name)?;
    // Exports that re-export an import take the type of what the import
    // is bound to, so types are settled in dependency order.
    let mut bound: Vec<Vec<Option<ExternType>>> = vec![Vec::new(); modules.len()];
    for &index in &order {
        let importer = &modules[index];
        let mut types = Vec::with_capacity(importer.info.imports.len());
        for import in &importer.info.imports {
            let Some(&provider) = by_name.get(import.module) else {
                types.push(None);
                continue;
            };
            let exporter = &modules[provider];
            // Field names come from the module: shown without control
            // characters, so the error stays one line.
            let field = shown(import.field);
            let found = export_type(exporter, &bound[provider], import.field).ok_or_else(|| {
                anyhow::anyhow!(
                    "module `{}` imports `{}.{field}`, but module `{}` exports no `{field}` (its exports: {})",
                    importer.name,
                    exporter.name,
                    exporter.name,
                    export_list(exporter.info)
                )
            })?;
            let wanted = import_type(importer.info, &import.kind);
            check_match(importer.name, exporter.name, &field, &wanted, &found)?;
            types.push(Some(found));
        }
        bound[index] = types;
    }
    Ok(order)
}

/// Names are unique, and none is a host module's: its imports would be
/// ambiguous.
pub fn check_names(names: &[&ModuleName]) -> Result<()> {
    for (i, m) in names.iter().enumerate() {
        if names[..i].contains(m) {
            bail!("two modules are named `{m}`; give one another name with NAME=PATH");
        }
        if HOST_MODULES.contains(&m.as_str()) {
            bail!(
                "a module cannot be named `{m}`: that is the host module wafer's runtime provides; give it another name with NAME=PATH"
            );
        }
    }
    Ok(())
}

/// Kahn's algorithm, taking the lowest-numbered ready module each time, so
/// independent modules keep the command line's order.
fn dependency_order(
    modules: &[LinkInput<'_>],
    by_name: &HashMap<&str, usize>,
) -> Result<Vec<usize>> {
    let providers: Vec<Vec<usize>> = modules
        .iter()
        .map(|m| {
            let mut p: Vec<usize> = m
                .info
                .imports
                .iter()
                .filter_map(|i| by_name.get(i.module).copied())
                .collect();
            p.sort_unstable();
            p.dedup();
            p
        })
        .collect();
    let mut placed = vec![false; modules.len()];
    let mut order = Vec::with_capacity(modules.len());
    while order.len() < modules.len() {
        let ready =
            (0..modules.len()).find(|&i| !placed[i] && providers[i].iter().all(|&p| placed[p]));
        match ready {
            Some(i) => {
                placed[i] = true;
                order.push(i);
            }
            None => bail!("{}", describe_cycle(modules, &providers, &placed)),
        }
    }
    Ok(order)
}

/// A cycle among the modules not placed yet, as the imports that form it:
/// "module `a` imports `b.f`, module `b` imports `a.g`".
fn describe_cycle(modules: &[LinkInput<'_>], providers: &[Vec<usize>], placed: &[bool]) -> String {
    // Every unplaced module waits for an unplaced provider: following
    // those from any of them must come back to a module already seen.
    let Some(start) = (0..modules.len()).find(|&i| !placed[i]) else {
        return "BUG: no cycle among the modules".to_string();
    };
    let mut path = vec![start];
    let cycle_start = loop {
        let at = *path.last().unwrap_or(&start);
        let Some(&next) = providers[at].iter().find(|&&p| !placed[p]) else {
            return "BUG: no cycle among the modules".to_string();
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            break pos;
        }
        path.push(next);
    };
    let cycle = &path[cycle_start..];
    let steps: Vec<String> = cycle
        .iter()
        .enumerate()
        .map(|(k, &importer)| {
            let provider = cycle[(k + 1) % cycle.len()];
            let provider_name = modules[provider].name.as_str();
            let field = modules[importer]
                .info
                .imports
                .iter()
                .find(|i| i.module == provider_name)
                .map_or("?", |i| i.field);
            format!(
                "module `{}` imports `{provider_name}.{}`",
                modules[importer].name,
                shown(field)
            )
        })
        .collect();
    format!(
        "the modules import from each other in a cycle, so none can be instantiated first: {}",
        steps.join(", ")
    )
}

/// The type of the entity `module` exports as `name`; imported entities
/// have the type of what they are bound to (`bound`, by import index), or
/// their declared type for host imports.
fn export_type(
    module: &LinkInput<'_>,
    bound: &[Option<ExternType>],
    name: &str,
) -> Option<ExternType> {
    let info = module.info;
    let export = info.exports.iter().find(|e| e.name == name)?;
    let index = export.index;
    // The `n`-th import of `kind`, as an index into all imports.
    let nth_import = |wanted: fn(&ImportKind) -> bool| {
        info.imports
            .iter()
            .enumerate()
            .filter(|(_, i)| wanted(&i.kind))
            .nth(index as usize)
            .map(|(k, i)| {
                bound
                    .get(k)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| import_type(info, &i.kind))
            })
    };
    Some(match export.kind {
        ExternalKind::Func | ExternalKind::FuncExact => {
            if info.is_imported_func(index) {
                nth_import(|k| matches!(k, ImportKind::Func(_)))?
            } else {
                ExternType::Func(signature_string(info.func_type(index)))
            }
        }
        ExternalKind::Table if index < info.num_imported_tables => {
            nth_import(|k| matches!(k, ImportKind::Table(_)))?
        }
        ExternalKind::Table => ExternType::Table(*info.tables.get(index as usize)?),
        ExternalKind::Memory if index < info.num_imported_memories => {
            nth_import(|k| matches!(k, ImportKind::Memory(_)))?
        }
        ExternalKind::Memory => ExternType::Memory(*info.memories.get(index as usize)?),
        ExternalKind::Global if index < info.num_imported_globals => {
            nth_import(|k| matches!(k, ImportKind::Global(_)))?
        }
        ExternalKind::Global => ExternType::Global(*info.globals.get(index as usize)?),
        ExternalKind::Tag if index < info.num_imported_tags => {
            nth_import(|k| matches!(k, ImportKind::Tag(_)))?
        }
        ExternalKind::Tag => ExternType::Tag(tag_signature(info, index)?),
    })
}

fn import_type(info: &ModuleInfo<'_>, kind: &ImportKind) -> ExternType {
    match kind {
        ImportKind::Func(t) => ExternType::Func(signature_string(&info.types[*t as usize])),
        ImportKind::Table(t) => ExternType::Table(*t),
        ImportKind::Memory(m) => ExternType::Memory(*m),
        ImportKind::Global(g) => ExternType::Global(*g),
        ImportKind::Tag(t) => ExternType::Tag(signature_string(&info.types[*t as usize])),
    }
}

/// The signature string of tag `index`'s type.
fn tag_signature(info: &ModuleInfo<'_>, index: u32) -> Option<String> {
    let ty = info.types.get(*info.tags.get(index as usize)? as usize)?;
    Some(signature_string(ty))
}

/// The spec's import matching: equal function signatures and global
/// types, the same table element type, and table/memory limits where the
/// provided ones lie within the imported ones.
fn check_match(
    importer: &ModuleName,
    exporter: &ModuleName,
    field: &str,
    wanted: &ExternType,
    found: &ExternType,
) -> Result<()> {
    let fits = match (wanted, found) {
        (ExternType::Func(a), ExternType::Func(b)) => a == b,
        (ExternType::Table(a), ExternType::Table(b)) => {
            a.element_type == b.element_type
                && a.table64 == b.table64
                && limits_fit(a.initial, a.maximum, b.initial, b.maximum)
        }
        (ExternType::Memory(a), ExternType::Memory(b)) => {
            a.memory64 == b.memory64
                && a.shared == b.shared
                && a.page_size_log2 == b.page_size_log2
                && limits_fit(a.initial, a.maximum, b.initial, b.maximum)
        }
        (ExternType::Global(a), ExternType::Global(b)) => a == b,
        (ExternType::Tag(a), ExternType::Tag(b)) => a == b,
        _ => {
            bail!(
                "module `{importer}` imports `{exporter}.{field}` as a {}, but module `{exporter}` exports `{field}` as a {}",
                kind_name(wanted),
                kind_name(found)
            )
        }
    };
    if !fits {
        bail!(
            "module `{importer}` imports `{exporter}.{field}` as {}, but module `{exporter}` exports it as {}",
            describe(wanted),
            describe(found)
        );
    }
    Ok(())
}

/// Limits subtyping: the provided `(min, max)` lie within the wanted ones.
fn limits_fit(
    wanted_min: u64,
    wanted_max: Option<u64>,
    found_min: u64,
    found_max: Option<u64>,
) -> bool {
    found_min >= wanted_min
        && match (wanted_max, found_max) {
            (None, _) => true,
            (Some(w), Some(f)) => f <= w,
            (Some(_), None) => false,
        }
}

fn kind_name(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        ExternType::Global(_) => "global",
        ExternType::Tag(_) => "tag",
    }
}

/// A type in Wasm text syntax: `(func (param i32) (result i32))`,
/// `(memory 1 2)`, `(table 1 funcref)`, `(global (mut i32))`.
fn describe(ty: &ExternType) -> String {
    let limits = |min: u64, max: Option<u64>| match max {
        Some(max) => format!("{min} {max}"),
        None => min.to_string(),
    };
    match ty {
        ExternType::Func(sig) => crate::import_check::wasm_signature(sig),
        ExternType::Tag(sig) => crate::import_check::wasm_signature(sig).replacen("func", "tag", 1),
        ExternType::Table(t) => {
            let elem = if ref_letter(t.element_type) == 'r' {
                "funcref"
            } else {
                "externref"
            };
            format!("(table {} {elem})", limits(t.initial, t.maximum))
        }
        ExternType::Memory(m) => {
            let index = if m.memory64 { "i64 " } else { "" };
            let page = match m.page_size_log2 {
                Some(log2) => format!(" (pagesize {})", 1u64 << log2),
                None => String::new(),
            };
            let shared = if m.shared { " shared" } else { "" };
            format!(
                "(memory {index}{}{shared}{page})",
                limits(m.initial, m.maximum)
            )
        }
        ExternType::Global(g) => {
            let value = crate::module_info::abi_type(g.content_type).map_or_else(
                || type_letter(g.content_type).to_string(),
                |t| t.name().to_string(),
            );
            if g.mutable {
                format!("(global (mut {value}))")
            } else {
                format!("(global {value})")
            }
        }
    }
}

/// `module`'s export names, quoted and comma-separated, or `none`.
fn export_list(info: &ModuleInfo<'_>) -> String {
    if info.exports.is_empty() {
        return "none".to_string();
    }
    crate::policy::quoted(info.exports.iter().map(|e| e.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_info::parse;
    use crate::policy::ModuleSpec;

    /// `plan` over `(name, wat)` modules.
    fn plan_of(modules: &[(&str, &str)]) -> Result<Vec<usize>> {
        let names: Vec<ModuleName> = modules
            .iter()
            .map(|(name, _)| ModuleSpec::parse(&format!("{name}=x.wasm")).name)
            .collect();
        let wasm: Vec<Vec<u8>> = modules
            .iter()
            .map(|(_, text)| wat::parse_str(text).unwrap())
            .collect();
        let infos: Vec<ModuleInfo<'_>> = wasm.iter().map(|w| parse(w).unwrap()).collect();
        let inputs: Vec<LinkInput<'_>> = names
            .iter()
            .zip(&infos)
            .map(|(name, info)| LinkInput { name, info })
            .collect();
        plan(&inputs)
    }

    fn error_of(modules: &[(&str, &str)]) -> String {
        plan_of(modules).unwrap_err().to_string()
    }

    const LIB: &str = r#"(module
      (func (export "f") (param i32) (result i32) local.get 0)
      (memory (export "mem") 1 4)
      (table (export "tab") 2 8 funcref)
      (global (export "g") (mut i64) (i64.const 0)))"#;

    #[test]
    fn exporters_come_first_and_independent_modules_keep_their_order() {
        let app = r#"(module (import "lib" "f" (func (param i32) (result i32))))"#;
        let other = "(module)";
        assert_eq!(
            plan_of(&[("app", app), ("other", other), ("lib", LIB)]).unwrap(),
            vec![1, 2, 0]
        );
        assert_eq!(plan_of(&[("lib", LIB), ("app", app)]).unwrap(), vec![0, 1]);
    }

    #[test]
    fn limits_within_the_imported_ones_match_and_others_do_not() {
        let fits = r#"(module
          (import "lib" "mem" (memory 1 4))
          (import "lib" "tab" (table 1 8 funcref))
          (import "lib" "g" (global (mut i64))))"#;
        assert!(plan_of(&[("lib", LIB), ("app", fits)]).is_ok());
        let no_max = r#"(module (import "lib" "mem" (memory 0)))"#;
        assert!(plan_of(&[("lib", LIB), ("app", no_max)]).is_ok());
        // Too large a minimum; a maximum below the provider's.
        let min = r#"(module (import "lib" "mem" (memory 2)))"#;
        assert_eq!(
            error_of(&[("lib", LIB), ("app", min)]),
            "module `app` imports `lib.mem` as (memory 2), but module `lib` exports it as (memory 1 4)"
        );
        let max = r#"(module (import "lib" "tab" (table 2 4 funcref)))"#;
        assert_eq!(
            error_of(&[("lib", LIB), ("app", max)]),
            "module `app` imports `lib.tab` as (table 2 4 funcref), but module `lib` exports it as (table 2 8 funcref)"
        );
        let elem = r#"(module (import "lib" "tab" (table 2 externref)))"#;
        assert!(error_of(&[("lib", LIB), ("app", elem)]).contains("(table 2 externref)"));
        let immutable = r#"(module (import "lib" "g" (global i64)))"#;
        assert_eq!(
            error_of(&[("lib", LIB), ("app", immutable)]),
            "module `app` imports `lib.g` as (global i64), but module `lib` exports it as (global (mut i64))"
        );
    }

    #[test]
    fn a_re_exported_import_has_the_type_of_what_it_is_bound_to() {
        // `mid` imports lib's memory with no maximum and exports it; lib's
        // maximum (4) is what `app`'s import is checked against.
        let mid = r#"(module (import "lib" "mem" (memory 1)) (export "mem" (memory 0)))"#;
        let app = r#"(module (import "mid" "mem" (memory 1 4)))"#;
        assert_eq!(
            plan_of(&[("app", app), ("mid", mid), ("lib", LIB)]).unwrap(),
            vec![2, 1, 0]
        );
    }

    #[test]
    fn cycles_name_every_import_in_them() {
        let a = r#"(module (import "b" "g" (func)) (func (export "f")))"#;
        let b = r#"(module (import "c" "h" (func)) (func (export "g")))"#;
        let c = r#"(module (import "a" "f" (func)) (func (export "h")))"#;
        assert_eq!(
            error_of(&[("a", a), ("b", b), ("c", c)]),
            "the modules import from each other in a cycle, so none can be instantiated first: \
             module `a` imports `b.g`, module `b` imports `c.h`, module `c` imports `a.f`"
        );
        let own = r#"(module (import "me" "f" (func)) (func (export "f")))"#;
        assert!(
            error_of(&[("me", own), ("other", "(module)")]).ends_with("module `me` imports `me.f`")
        );
    }

    #[test]
    fn a_shared_memory_links_only_to_a_shared_import_and_the_error_says_which() {
        let shared = r#"(module (memory (export "m") 1 2 shared))"#;
        let wants_unshared = r#"(module (import "lib" "m" (memory 1 2)))"#;
        assert_eq!(
            error_of(&[("lib", shared), ("app", wants_unshared)]),
            "module `app` imports `lib.m` as (memory 1 2), but module `lib` exports it as (memory 1 2 shared)"
        );
        let wants_shared = r#"(module (import "lib" "m" (memory 1 2 shared)))"#;
        assert!(plan_of(&[("lib", shared), ("app", wants_shared)]).is_ok());
    }

    #[test]
    fn missing_exports_kinds_and_names_are_refused() {
        let missing = r#"(module (import "lib" "nope" (func)))"#;
        assert_eq!(
            error_of(&[("lib", LIB), ("app", missing)]),
            "module `app` imports `lib.nope`, but module `lib` exports no `nope` (its exports: `f`, `mem`, `tab`, `g`)"
        );
        let kind = r#"(module (import "lib" "f" (memory 1)))"#;
        assert_eq!(
            error_of(&[("lib", LIB), ("app", kind)]),
            "module `app` imports `lib.f` as a memory, but module `lib` exports `f` as a function"
        );
        assert!(
            error_of(&[("lib", LIB), ("lib", "(module)")]).contains("two modules are named `lib`")
        );
        assert!(
            error_of(&[("spectest", "(module)"), ("lib", LIB)])
                .contains("cannot be named `spectest`")
        );
    }
}
