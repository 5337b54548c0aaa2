//! Seeds from the spec suite: every module of every `.wast` script (valid,
//! invalid and malformed alike), encoded to binary. The suite is read at
//! run time from `$WAFER_TESTSUITE` (or `../shared/wasm-testsuite`), never
//! committed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The spec suite directory: `$WAFER_TESTSUITE`, else
/// `<repo>/../shared/wasm-testsuite`.
pub fn default_testsuite() -> PathBuf {
    std::env::var_os("WAFER_TESTSUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wasm-testsuite")
        })
}

/// The seeds: the modules of the suite's core scripts (`<suite>/core`) and
/// of our own `tests/wast/` scripts.
///
/// # Errors
/// The suite's `core` directory cannot be read.
pub fn spec_modules(suite: &Path) -> Result<Vec<Vec<u8>>> {
    let mut modules = modules_of_scripts_in(&suite.join("core"))?;
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wast");
    modules.extend(modules_of_scripts_in(&ours).unwrap_or_default());
    Ok(modules)
}

/// The binary modules of every `.wast` file directly in `dir` (sorted by
/// file name, SIMD scripts left out: wafer rejects SIMD by design).
/// Scripts that do not parse are skipped; modules that do not encode
/// (`module quote` of malformed text) too.
pub fn modules_of_scripts_in(dir: &Path) -> Result<Vec<Vec<u8>>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("simd_"))
        })
        .collect();
    files.sort();
    let mut modules = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(plan) = wafer_tests::script::plan(&text) else {
            continue;
        };
        modules.extend(plan.modules.into_iter().filter_map(|m| m.binary.ok()));
    }
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_scripts_give_binary_modules() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wast");
        let modules = modules_of_scripts_in(&dir).unwrap();
        // recovery.wast alone has several modules.
        assert!(modules.len() >= 5, "{} modules", modules.len());
        assert!(modules.iter().all(|m| m.starts_with(b"\0asm")));
    }

    #[test]
    fn a_missing_suite_is_an_error_not_an_empty_seed_list() {
        assert!(spec_modules(Path::new("/nonexistent/suite")).is_err());
    }
}
