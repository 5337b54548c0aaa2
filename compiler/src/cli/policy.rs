//! The policy flags shared by `compile`, `build` and `run`
//! (`--allow-import`, `--max-memory`), and how a command applies them to
//! the module it compiles (see `crate::policy`).

use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

use crate::policy::{ImportPattern, ModuleName, Policies, Scoped};
use crate::{CompileOptions, CompiledModule};

/// Per-module policies: each applies to every module, or to one with
/// `NAME:` in front (a module's name is its file stem).
#[derive(Args, Debug, Clone, Default)]
pub struct PolicyArgs {
    /// Allow imports matching this glob over `module.name` (repeatable;
    /// `*` any characters, `.` included; `?` one character). Once one is
    /// given, any other import is an error.
    #[arg(
        long = "allow-import",
        value_name = "[NAME:]PATTERN",
        value_parser = crate::policy::parse_allow_import
    )]
    pub allow_import: Vec<Scoped<ImportPattern>>,
    /// Cap on the linear memories a module defines, in 64 KiB pages (0 to
    /// 65536): `memory.grow` beyond it returns -1, and a module whose
    /// memory starts larger is refused.
    #[arg(
        long = "max-memory",
        value_name = "[NAME:]PAGES",
        allow_negative_numbers = true,
        value_parser = crate::policy::parse_max_memory
    )]
    pub max_memory: Vec<Scoped<u64>>,
}

impl PolicyArgs {
    pub(super) fn policies(&self) -> Policies {
        Policies {
            max_memory: self.max_memory.clone(),
            allow_import: self.allow_import.clone(),
        }
    }
}

/// Compiles the module at `input` (already read as `wasm`) under its
/// policies: the names in them are checked first, the memory cap goes
/// into the module's descriptor, and the compiled module is checked
/// against the rest before anything is written.
///
/// # Errors
/// A policy naming another module, a violated policy, compile errors.
pub fn compile_with_policies(
    input: &Path,
    wasm: &[u8],
    options: &CompileOptions,
    args: &PolicyArgs,
) -> Result<CompiledModule> {
    let name = ModuleName::from_path(input);
    let policies = args.policies();
    policies.check_names(std::slice::from_ref(&name))?;
    let cap = policies.for_module(&name).max_memory_pages();
    let module = crate::emit::compile_capped(wasm, options, cap)
        .with_context(|| format!("cannot compile {}", input.display()))?;
    policies.check(&[(&name, &module)])?;
    Ok(module)
}
