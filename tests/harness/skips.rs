//! `tests/expected-failures.toml`: files the harness does not run, per
//! target, each with a written reason. A listed file that runs and passes
//! fails the run, so the list can only shrink.

use anyhow::{Context, Result};
use serde::Deserialize;

/// One listed skip.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// File name or a `prefix*` pattern (e.g. `simd_*.wast`).
    pub file: String,
    /// Targets it applies to; empty means all.
    #[serde(default)]
    pub targets: Vec<String>,
    pub reason: String,
    /// If true the file is not run at all (e.g. unsupported proposal);
    /// otherwise it runs and is expected to fail.
    #[serde(default)]
    pub not_run: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SkipFile {
    #[serde(default)]
    skip: Vec<Skip>,
}

/// Reads the skip list.
pub fn load(path: &std::path::Path) -> Result<Vec<Skip>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: SkipFile =
        toml::from_str(&text).with_context(|| format!("bad {}", path.display()))?;
    Ok(file.skip)
}

impl Skip {
    /// Whether this entry covers `file` on `target`.
    pub fn applies(&self, file: &str, target: &str) -> bool {
        let name_matches = match self.file.strip_suffix('*') {
            Some(prefix) => file.starts_with(prefix),
            None => match self.file.split_once('*') {
                Some((prefix, suffix)) => file.starts_with(prefix) && file.ends_with(suffix),
                None => self.file == file,
            },
        };
        name_matches && (self.targets.is_empty() || self.targets.iter().any(|t| t == target))
    }
}

/// The entry covering `file` on `target`, if any.
pub fn find<'s>(skips: &'s [Skip], file: &str, target: &str) -> Option<&'s Skip> {
    skips.iter().find(|s| s.applies(file, target))
}
