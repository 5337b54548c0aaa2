//! Symbol names: readable in `nm`, linker errors and backtraces, unique in
//! an image.
//!
//! - functions: `<prefix>::<name from the name section>` or `<prefix>::func[N]`
//! - the initialiser and trampolines: `<prefix>.instantiate`,
//!   `<prefix>.trampoline[<signature>]`
//! - the descriptor: `wafer_module_<prefix>`
//! - type ids: `wafer.type.<signature>` (weak, shared by all modules)
//! - statically bound imports: `<module>_<field>`, non-alphanumerics as `_`
//!
//! The names of a module's functions come from its name section, which can
//! say anything. They cannot collide with a symbol wafer generates because
//! they are the only symbols that contain `::`: the prefix is a C
//! identifier, the generated symbols of a module use `.` after it, and
//! imports, type ids, the descriptor and the runtime's symbols (`wafer_*`,
//! `_start`, `memcpy`, …) are C identifiers or dotted names. Among
//! themselves, function symbols are made unique by [`FunctionNames`].

use std::collections::HashSet;

use anyhow::{Result, bail};

/// Longest function name (in bytes) kept in a symbol. Rust and C++ names
/// of generic code reach several KiB; the symbol table of a module with
/// many such functions should stay proportionate to its code. Truncated
/// names end in [`TRUNCATION_MARK`].
pub const MAX_FUNCTION_NAME_BYTES: usize = 240;

/// Appended to a function name cut at [`MAX_FUNCTION_NAME_BYTES`].
pub const TRUNCATION_MARK: &str = "...";

/// Separates a name from the function index that makes it unique; never
/// part of a name itself (see [`readable_function_name`]).
const INDEX_SEPARATOR: char = '#';

/// Checks that `prefix` is a C identifier.
pub fn check_prefix(prefix: &str) -> Result<()> {
    let mut chars = prefix.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        bail!("module prefix `{prefix}` is not a C identifier (letters, digits, `_`)");
    }
    Ok(())
}

/// Turns any text (e.g. a file stem) into a C identifier.
pub fn sanitize_identifier(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The descriptor symbol of a module.
pub fn descriptor_symbol(prefix: &str) -> String {
    format!("wafer_module_{prefix}")
}

/// The weak type-id symbol of a signature string.
pub fn type_id_symbol(signature: &str) -> String {
    format!("wafer.type.{signature}")
}

/// The symbol of a module's `instantiate` function.
pub fn instantiate_symbol(prefix: &str) -> String {
    format!("{prefix}.instantiate")
}

/// The symbol of a module's array-call trampoline for `signature`.
pub fn trampoline_symbol(prefix: &str, signature: &str) -> String {
    format!("{prefix}.trampoline[{signature}]")
}

/// The native symbol a statically bound import resolves to.
pub fn static_import_symbol(module: &str, field: &str) -> String {
    format!(
        "{}_{}",
        sanitize_identifier(module).trim_start_matches('_'),
        sanitize_identifier(field).trim_start_matches('_')
    )
}

/// The runtime's C symbol for WASI preview 1 function `field`
/// (`wafer_wasi_fd_write`), or `None` if preview 1 has no such function.
/// Binding WASI imports to symbols lets the linker keep only the WASI
/// functions a module imports.
pub fn wasi_symbol(field: &str) -> Option<String> {
    wafer_abi::wasi::signature(field.as_bytes())?;
    Some(format!("wafer_wasi_{field}"))
}

/// AssemblyScript's `env.abort(message, file, line, column)`: the runtime's
/// `wafer_env_abort` (runtime-nostd/src/host/abort.rs) provides it, bound
/// only when the import has exactly this type.
pub fn assemblyscript_abort_symbol(module: &str, field: &str, ty: &str) -> Option<&'static str> {
    (module == "env" && field == "abort" && ty == "iiii>").then_some("wafer_env_abort")
}

/// Whether `symbol` is a function of wafer's runtime that an import was
/// bound to (WASI's, `env.abort`), not one a `--link` object must define.
pub fn is_runtime_import_symbol(symbol: &str) -> bool {
    symbol.starts_with("wafer_wasi_") || symbol == "wafer_env_abort"
}

/// Beginnings of the symbols wafer's runtime defines (`wafer_*` builtins
/// and entry points, `rust_eh_personality`, `_start`, Rust's `_R…`/`_ZN…`
/// mangled names). A static import is an ordinary C symbol with at least
/// one `_`, so only these beginnings can make one name a runtime symbol;
/// `memcpy`, `ceil` and the other libcalls have no `_` and cannot be hit.
const RESERVED_IMPORT_PREFIXES: &[&str] = &["wafer_", "rust_", "_"];

/// Refuses a statically bound import whose symbol would resolve to one of
/// the runtime's own functions instead of the user's object: calling
/// wafer's internals with arguments of the module's choosing would break
/// the sandbox.
pub fn check_static_import_symbol(module: &str, field: &str, symbol: &str) -> Result<()> {
    if let Some(prefix) = RESERVED_IMPORT_PREFIXES
        .iter()
        .find(|prefix| symbol.starts_with(**prefix))
    {
        bail!(
            "import `{module}.{field}` would bind to the native symbol `{symbol}`, and symbols \
             beginning with `{prefix}` belong to wafer's runtime; rename the import"
        );
    }
    Ok(())
}

/// A name-section name as it appears in a symbol: control characters
/// (NUL ends an ELF symbol name, a newline splits `nm` output) and the
/// index separator become `_`, and names longer than
/// [`MAX_FUNCTION_NAME_BYTES`] are cut at a character boundary.
pub fn readable_function_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len().min(MAX_FUNCTION_NAME_BYTES + 3));
    for c in name.chars() {
        if out.len() + c.len_utf8() > MAX_FUNCTION_NAME_BYTES {
            out.push_str(TRUNCATION_MARK);
            break;
        }
        out.push(if c.is_control() || c == INDEX_SEPARATOR {
            '_'
        } else {
            c
        });
    }
    out
}

/// Hands out unique function symbol names.
///
/// A function gets `<prefix>::<readable name>` (`<prefix>::func[N]` when it
/// has no name) unless an earlier function has that symbol; then it gets
/// `<symbol>#<index>`. Readable names never contain `#`, so a suffixed
/// symbol can equal neither an unsuffixed one nor another function's
/// suffixed one (indices differ).
#[derive(Default)]
pub struct FunctionNames {
    used: HashSet<String>,
}

impl FunctionNames {
    /// The symbol of function `index`, named `name` in the name section.
    pub fn function(&mut self, prefix: &str, index: u32, name: Option<&str>) -> String {
        let base = match name {
            Some(name) if !name.is_empty() => {
                format!("{prefix}::{}", readable_function_name(name))
            }
            _ => format!("{prefix}::func[{index}]"),
        };
        let symbol = if self.used.contains(&base) {
            format!("{base}{INDEX_SEPARATOR}{index}")
        } else {
            base
        };
        self.used.insert(symbol.clone());
        symbol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Symbols of functions 0.. named `names` (`None`: no name).
    fn symbols(names: &[Option<&str>]) -> Vec<String> {
        let mut function_names = FunctionNames::default();
        names
            .iter()
            .enumerate()
            .map(|(index, name)| function_names.function("m", index as u32, *name))
            .collect()
    }

    #[test]
    fn named_and_unnamed_functions_read_as_wasm() {
        assert_eq!(
            symbols(&[Some("main"), None, Some("core::fmt::write")]),
            ["m::main", "m::func[1]", "m::core::fmt::write"]
        );
    }

    #[test]
    fn module_names_never_equal_a_generated_symbol() {
        let generated = [
            instantiate_symbol("m"),
            trampoline_symbol("m", "i>i"),
            descriptor_symbol("m"),
            type_id_symbol("i>i"),
            static_import_symbol("env", "f"),
            "wafer_memory_grow".to_string(),
            "_start".to_string(),
            "memcpy".to_string(),
        ];
        let hostile: Vec<Option<&str>> = [
            "instantiate",
            "trampoline[i>i]",
            ".instantiate",
            "m.instantiate",
            "wafer_module_m",
            "wafer.type.i>i",
            "env_f",
            "wafer_memory_grow",
            "_start",
            "memcpy",
            "",
        ]
        .into_iter()
        .map(Some)
        .collect();
        for symbol in symbols(&hostile) {
            assert!(symbol.starts_with("m::"), "{symbol}");
            assert!(!generated.contains(&symbol), "{symbol} collides");
        }
        for symbol in &generated {
            assert!(
                !symbol.contains("::"),
                "{symbol} is in the function namespace"
            );
        }
    }

    #[test]
    fn duplicate_and_look_alike_names_stay_unique() {
        // Function 0 is named like what function 2's duplicate would become
        // with a naive `#index` suffix; function 4 like unnamed function 3.
        let all = symbols(&[
            Some("f#2"),
            Some("f"),
            Some("f"),
            None,
            Some("func[3]"),
            Some("func[3]"),
        ]);
        assert_eq!(
            all,
            [
                "m::f_2",
                "m::f",
                "m::f#2",
                "m::func[3]",
                "m::func[3]#4",
                "m::func[3]#5"
            ]
        );
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
    }

    #[test]
    fn control_characters_become_underscores_and_empty_names_use_the_index() {
        assert_eq!(
            symbols(&[Some("a\0b"), Some("line\nbreak\t"), Some("")]),
            ["m::a_b", "m::line_break_", "m::func[2]"]
        );
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        let long = "é".repeat(1000); // 2 bytes each
        let readable = readable_function_name(&long);
        assert!(readable.ends_with(TRUNCATION_MARK));
        let kept = readable.trim_end_matches(TRUNCATION_MARK);
        assert_eq!(kept.len(), MAX_FUNCTION_NAME_BYTES);
        assert!(kept.chars().all(|c| c == 'é'));
        // Two long names that differ only after the cut still get two symbols.
        let a = format!("{long}a");
        let b = format!("{long}b");
        let both = symbols(&[Some(&a), Some(&b)]);
        assert_ne!(both[0], both[1]);
        assert!(both.iter().all(|s| s.len() < MAX_FUNCTION_NAME_BYTES + 32));
    }

    #[test]
    fn static_imports_cannot_reach_runtime_symbols() {
        for (module, field) in [
            ("wafer", "memory_grow"),
            ("", "start"),
            ("rust", "eh_personality"),
        ] {
            let symbol = static_import_symbol(module, field);
            let err = check_static_import_symbol(module, field, &symbol).unwrap_err();
            assert!(err.to_string().contains(&format!("`{symbol}`")), "{err}");
        }
        let symbol = static_import_symbol("env", "memcpy");
        assert_eq!(symbol, "env_memcpy");
        check_static_import_symbol("env", "memcpy", &symbol).unwrap();
    }

    #[test]
    fn names_at_the_limit_are_kept_whole() {
        let exact = "x".repeat(MAX_FUNCTION_NAME_BYTES);
        assert_eq!(readable_function_name(&exact), exact);
    }
}
