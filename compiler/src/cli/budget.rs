//! `--fuel [NAME:]N` and `--timeout-ms [NAME:]N`: parsing and checking them
//! against the module names of the image (a module's name is its file
//! stem), into the `wafer_abi::budget::Policy` the module is compiled with.

use std::path::Path;

use anyhow::{Result, bail};
use clap::Args;
use wafer_abi::budget::{MAX_FUEL, MAX_TIMEOUT_MS, Policy};

/// Budget options: checks are compiled in only when one is given.
#[derive(Args, Debug, Clone, Default)]
pub struct BudgetArgs {
    /// Fuel per call, in Wasm operators (block, loop, else, end and nop are
    /// free): the call traps `fuel exhausted` once it has run more, at the
    /// same point on every board. `NAME:N` sets it for module NAME only.
    #[arg(long, value_name = "[NAME:]N", allow_hyphen_values = true)]
    pub fuel: Vec<String>,
    /// Time per call (or `_start`) in milliseconds: a call that runs longer
    /// traps `deadline exceeded`. `NAME:N` sets it for module NAME only.
    #[arg(long, value_name = "[NAME:]MS", allow_hyphen_values = true)]
    pub timeout_ms: Vec<String>,
}

/// The name a module has in an image: its file stem.
pub fn module_name(input: &Path) -> String {
    input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl BudgetArgs {
    /// The budget of module `name`, the only module of the image.
    ///
    /// # Errors
    /// A value that is not a positive number in range, or a `NAME:` that
    /// is not `name`.
    pub fn policy(&self, name: &str) -> Result<Policy> {
        let fuel = value_for(&self.fuel, "--fuel", name, MAX_FUEL)?.unwrap_or(0);
        let timeout_ms =
            value_for(&self.timeout_ms, "--timeout-ms", name, MAX_TIMEOUT_MS)?.unwrap_or(0);
        Ok(Policy {
            fuel,
            timeout_ns: timeout_ms * 1_000_000,
        })
    }
}

/// The value of `flag` for module `name` from its occurrences: `NAME:N`
/// for that module wins over a plain `N`; each form at most once.
fn value_for(occurrences: &[String], flag: &str, name: &str, max: u64) -> Result<Option<u64>> {
    let mut plain = None;
    let mut named = None;
    for text in occurrences {
        let (module, number) = match text.rsplit_once(':') {
            Some((module, number)) => (Some(module), number),
            None => (None, text.as_str()),
        };
        let value = parse_positive(flag, text, number, max)?;
        let slot = match module {
            Some(module) if module == name => &mut named,
            Some(module) => bail!(
                "{flag} `{text}` names module `{module}`, but the image has only module `{name}`"
            ),
            None => &mut plain,
        };
        if slot.replace(value).is_some() {
            bail!("{flag} is given twice for module `{name}`");
        }
    }
    Ok(named.or(plain))
}

fn parse_positive(flag: &str, text: &str, number: &str, max: u64) -> Result<u64> {
    let Ok(value) = number.parse::<u64>() else {
        bail!("{flag} `{text}` is not a whole number from 1 to {max} ([NAME:]N)");
    };
    if value == 0 || value > max {
        bail!("{flag} `{text}` is out of range: it must be from 1 to {max}");
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(fuel: &[&str], timeout: &[&str]) -> BudgetArgs {
        BudgetArgs {
            fuel: fuel.iter().map(|s| s.to_string()).collect(),
            timeout_ms: timeout.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn plain_and_named_values_apply_to_the_module() {
        let policy = args(&["100"], &["app:250"]).policy("app").unwrap();
        assert_eq!(policy.fuel, 100);
        assert_eq!(policy.timeout_ns, 250_000_000);
        // The named value wins over the plain one, in either order.
        let policy = args(&["app:7", "100"], &[]).policy("app").unwrap();
        assert_eq!(policy.fuel, 7);
        assert!(!args(&[], &[]).policy("app").unwrap().enabled());
    }

    #[test]
    fn bad_values_and_unknown_modules_are_errors_naming_the_flag() {
        let error = |fuel: &[&str], timeout: &[&str]| {
            args(fuel, timeout).policy("app").unwrap_err().to_string()
        };
        assert!(error(&["0"], &[]).starts_with("--fuel `0` is out of range"));
        assert!(error(&[], &["-5"]).starts_with("--timeout-ms `-5` is not a whole number"));
        assert!(error(&[], &["0"]).contains("out of range"));
        assert!(error(&["ten"], &[]).contains("is not a whole number"));
        assert!(error(&[], &["2000000000000"]).contains("out of range"));
        assert_eq!(
            error(&["other:5"], &[]),
            "--fuel `other:5` names module `other`, but the image has only module `app`"
        );
        assert!(error(&["5", "6"], &[]).contains("given twice"));
    }
}
