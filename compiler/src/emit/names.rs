//! Symbol names: readable in `nm`, linker errors and backtraces, unique in
//! an image.
//!
//! - functions: `<prefix>::<name from the name section>` or `<prefix>::func[N]`
//! - the descriptor: `wafer_module_<prefix>`
//! - type ids: `wafer.type.<signature>` (weak, shared by all modules)
//! - statically bound imports: `<module>_<field>`, non-alphanumerics as `_`

use std::collections::HashSet;

use anyhow::{Result, bail};

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

/// The native symbol a statically bound import resolves to.
pub fn static_import_symbol(module: &str, field: &str) -> String {
    format!(
        "{}_{}",
        sanitize_identifier(module).trim_start_matches('_'),
        sanitize_identifier(field).trim_start_matches('_')
    )
}

/// Hands out unique function symbol names.
#[derive(Default)]
pub struct FunctionNames {
    used: HashSet<String>,
}

impl FunctionNames {
    /// The symbol of function `index`, named `name` in the name section.
    pub fn function(&mut self, prefix: &str, index: u32, name: Option<&str>) -> String {
        let base = match name {
            Some(name) if !name.is_empty() => format!("{prefix}::{}", name.replace('\0', "_")),
            _ => format!("{prefix}::func[{index}]"),
        };
        let symbol = if self.used.contains(&base) {
            format!("{base}#{index}")
        } else {
            base
        };
        self.used.insert(symbol.clone());
        symbol
    }
}
