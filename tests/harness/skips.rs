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
    /// Targets it applies to (`x86_64`, or `x86_64:baseline` for one CPU
    /// preset); empty means all.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Targets `targets` names that the entry still does not cover: a CPU
    /// preset with the missing feature (`riscv64:rv64gcv` has V).
    #[serde(default)]
    pub except_targets: Vec<String>,
    pub reason: String,
    /// If true the file is not run at all (e.g. unsupported proposal);
    /// otherwise it runs and is expected to fail.
    #[serde(default)]
    pub not_run: bool,
    /// If set, only the commands at these script lines are expected to
    /// fail (each must); the rest of the file runs and must pass.
    #[serde(default)]
    pub lines: Vec<usize>,
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
        // `x86_64` covers every CPU preset of the ISA; `x86_64:baseline` one.
        let isa = target.split(':').next().unwrap_or(target);
        name_matches
            && (self.targets.is_empty() || self.targets.iter().any(|t| t == target || t == isa))
            && !self.except_targets.iter().any(|t| t == target)
    }
}

/// The entry covering `file` on `target`, if any.
pub fn find<'s>(skips: &'s [Skip], file: &str, target: &str) -> Option<&'s Skip> {
    skips.iter().find(|s| s.applies(file, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(file: &str, targets: &[&str]) -> Skip {
        Skip {
            file: file.into(),
            targets: targets.iter().map(|t| t.to_string()).collect(),
            except_targets: Vec::new(),
            reason: "because".into(),
            not_run: false,
            lines: Vec::new(),
        }
    }

    #[test]
    fn patterns_and_targets_select_files() {
        assert!(skip("simd_*.wast", &[]).applies("simd_lane.wast", "riscv64"));
        assert!(!skip("simd_*.wast", &[]).applies("i32.wast", "riscv64"));
        assert!(skip("simd*", &[]).applies("simd_lane.wast", "x86_64"));
        assert!(skip("f32.wast", &["aarch64"]).applies("f32.wast", "aarch64"));
        assert!(!skip("f32.wast", &["aarch64"]).applies("f32.wast", "x86_64"));
        assert!(skip("f32.wast", &["x86_64"]).applies("f32.wast", "x86_64:baseline"));
        assert!(!skip("f32.wast", &["x86_64:baseline"]).applies("f32.wast", "x86_64"));
        let mut all_but_one = skip("simd_*.wast", &["riscv64"]);
        all_but_one.except_targets = vec!["riscv64:rv64gcv".into()];
        assert!(all_but_one.applies("simd_lane.wast", "riscv64"));
        assert!(all_but_one.applies("simd_lane.wast", "riscv64:rva22"));
        assert!(!all_but_one.applies("simd_lane.wast", "riscv64:rv64gcv"));
    }

    #[test]
    fn the_checked_in_list_parses_and_every_entry_has_a_reason() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("expected-failures.toml");
        let skips = load(&path).unwrap();
        assert!(
            skips.iter().all(|s| s.reason.trim().len() > 10),
            "{skips:?}"
        );
        // A line-level entry runs its file (its other lines must pass).
        assert!(
            skips
                .iter()
                .filter(|s| !s.lines.is_empty())
                .all(|s| !s.not_run),
            "{skips:?}"
        );
    }

    #[test]
    fn an_entry_may_name_the_lines_expected_to_fail() {
        let file: SkipFile = toml::from_str(
            "[[skip]]\nfile = \"a.wast\"\nreason = \"outdated assertions\"\nlines = [3, 9]\n",
        )
        .unwrap();
        assert_eq!(file.skip[0].lines, [3, 9]);
        assert!(!file.skip[0].not_run);
    }
}
