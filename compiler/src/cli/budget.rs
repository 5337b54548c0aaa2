//! `--fuel [NAME:]N` and `--timeout-ms [NAME:]N`: parsing and checking them
//! against the module names of the image (a module's name is its file
//! stem), into the `wafer_abi::budget::Policy` the module is compiled with.

use anyhow::{Result, bail};
use clap::Args;
use wafer_abi::budget::{MAX_FUEL, MAX_TIMEOUT_MS, Policy};

/// Budget options: checks are compiled in only when one is given.
#[derive(Args, Debug, Clone, Default)]
pub struct BudgetArgs {
    /// Fuel per call, in Wasm operators (block, loop, else, end and nop are
    /// free): once the call has run more, it traps `fuel exhausted` at the
    /// next loop header or function entry, the same one on every board.
    /// `NAME:N` sets it for module NAME only.
    #[arg(long, value_name = "[NAME:]N", allow_hyphen_values = true)]
    pub fuel: Vec<String>,
    /// Time per call (or `_start`) in milliseconds: a call that runs longer
    /// traps `deadline exceeded`. `NAME:N` sets it for module NAME only.
    #[arg(long, value_name = "[NAME:]MS", allow_hyphen_values = true)]
    pub timeout_ms: Vec<String>,
}

impl BudgetArgs {
    /// The budget of module `name` in an image of modules `known`.
    ///
    /// # Errors
    /// A value that is not a positive number in range, a `NAME:` that is
    /// none of `known`, or two values for one module.
    pub fn policy(&self, name: &str, known: &[&str]) -> Result<Policy> {
        let fuel = value_for(&self.fuel, "--fuel", name, known, MAX_FUEL)?.unwrap_or(0);
        let timeout_ms = value_for(
            &self.timeout_ms,
            "--timeout-ms",
            name,
            known,
            MAX_TIMEOUT_MS,
        )?
        .unwrap_or(0);
        Ok(Policy {
            fuel,
            timeout_ns: timeout_ms * 1_000_000,
        })
    }
}

/// The value of `flag` for module `name` from its occurrences: `NAME:N`
/// for that module wins over a plain `N`; each form at most once.
fn value_for(
    occurrences: &[String],
    flag: &str,
    name: &str,
    known: &[&str],
    max: u64,
) -> Result<Option<u64>> {
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
            Some(module) if known.contains(&module) => continue,
            Some(module) => {
                let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                let (only, list) = if known.len() == 1 {
                    ("only module", listed.join(""))
                } else {
                    ("modules", listed.join(", "))
                };
                bail!("{flag} `{text}` names module `{module}`, but the image has {only} {list}")
            }
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
        let policy = args(&["100"], &["app:250"])
            .policy("app", &["app"])
            .unwrap();
        assert_eq!(policy.fuel, 100);
        assert_eq!(policy.timeout_ns, 250_000_000);
        // The named value wins over the plain one, in either order.
        let policy = args(&["app:7", "100"], &[])
            .policy("app", &["app"])
            .unwrap();
        assert_eq!(policy.fuel, 7);
        assert!(!args(&[], &[]).policy("app", &["app"]).unwrap().enabled());
        // Another module's value is not this one's.
        let both = args(&["lib:7", "100"], &["app:5"]);
        assert_eq!(both.policy("app", &["app", "lib"]).unwrap().fuel, 100);
        assert_eq!(both.policy("lib", &["app", "lib"]).unwrap().fuel, 7);
        assert_eq!(both.policy("lib", &["app", "lib"]).unwrap().timeout_ns, 0);
    }

    #[test]
    fn bad_values_and_unknown_modules_are_errors_naming_the_flag() {
        let error = |fuel: &[&str], timeout: &[&str]| {
            args(fuel, timeout)
                .policy("app", &["app"])
                .unwrap_err()
                .to_string()
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
        let several = args(&["x:1"], &[]).policy("a", &["a", "b"]).unwrap_err();
        assert_eq!(
            several.to_string(),
            "--fuel `x:1` names module `x`, but the image has modules `a`, `b`"
        );
    }
}
