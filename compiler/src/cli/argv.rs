//! Argument order for `wafer run`: flags anywhere, Wasm values as values.
//!
//! `wafer run app.wat --invoke add -5 2 --board linux-aarch64` should mean
//! what it says, and `--invoke neg -inf` should pass `-inf` to the export.
//! clap alone cannot do both: once a positional list has begun it either
//! swallows every later flag (`trailing_var_arg`) or takes `-inf` for a
//! cluster of short flags. So before clap sees the arguments of `run`, this
//! moves the flags (with their values) in front and the positionals (the
//! input, `--invoke` values, module arguments) behind a `--`. Everything
//! the user wrote after their own `--` stays a positional, verbatim.
//!
//! Which flags take a value is read from the clap definition itself, so a
//! new option needs no change here.

use std::ffi::{OsStr, OsString};

/// The subcommand whose trailing arguments are reordered.
const RUN: &str = "run";

/// Reorders `args` (including the program name) as described in the module
/// docs; arguments of any other subcommand are returned unchanged.
pub fn normalize(args: Vec<OsString>, cli: &clap::Command) -> Vec<OsString> {
    let Some(run_at) = args
        .iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('-'))
        .map(|i| i + 1)
        .filter(|&i| args[i] == RUN)
    else {
        return args;
    };
    let Some(run) = cli.find_subcommand(RUN) else {
        return args;
    };
    let takes_value = |flag: &str| {
        run.get_arguments()
            .filter(|a| !a.is_positional() && a.get_action().takes_values())
            .any(|a| {
                a.get_long()
                    .is_some_and(|l| flag.strip_prefix("--") == Some(l))
                    || a.get_short().is_some_and(|s| flag == format!("-{s}"))
            })
    };

    let mut flags: Vec<OsString> = Vec::new();
    let mut positionals: Vec<OsString> = Vec::new();
    let mut rest = args[run_at + 1..].iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            // Kept, so `run` can tell modules from arguments after it.
            positionals.push(arg.clone());
            positionals.extend(rest.by_ref().cloned());
        } else if takes_value(&text) {
            flags.push(arg.clone());
            flags.extend(rest.next().cloned());
        } else if text.len() > 1 && text.starts_with('-') && !is_wasm_number(&text) {
            // `--board=x`, `-h`, or a mistake clap will explain.
            flags.push(arg.clone());
        } else {
            positionals.push(arg.clone());
        }
    }

    let mut out: Vec<OsString> = args[..=run_at].to_vec();
    out.extend(flags);
    if !positionals.is_empty() {
        out.push(OsStr::new("--").to_owned());
        out.extend(positionals);
    }
    out
}

/// `-5`, `-0.5`, `-1e3`, `-inf`, `-nan`: a negative `--invoke` value, not a flag.
fn is_wasm_number(text: &str) -> bool {
    let Some(magnitude) = text.strip_prefix('-') else {
        return false;
    };
    magnitude.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || ["inf", "infinity", "nan"]
            .iter()
            .any(|word| magnitude.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn normalized(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        let out = normalize(args, &crate::cli::Cli::command());
        out.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn flags_move_in_front_and_values_behind_a_separator() {
        assert_eq!(
            normalized("wafer run app.wat --invoke add -5 2 --board linux-aarch64"),
            "wafer run --invoke add --board linux-aarch64 -- app.wat -5 2"
        );
        assert_eq!(
            normalized("wafer run app.wat --invoke neg -inf"),
            "wafer run --invoke neg -- app.wat -inf"
        );
        assert_eq!(
            normalized("wafer run -b host app.wat --stack-size=4096"),
            "wafer run -b host --stack-size=4096 -- app.wat"
        );
    }

    #[test]
    fn everything_after_the_users_separator_is_for_the_module() {
        assert_eq!(
            normalized("wafer run app.wat a -- --board -x"),
            "wafer run -- app.wat a -- --board -x"
        );
    }

    #[test]
    fn unknown_flags_stay_flags_so_clap_reports_them() {
        assert_eq!(
            normalized("wafer run app.wat -x"),
            "wafer run -x -- app.wat"
        );
    }

    #[test]
    fn other_commands_are_untouched() {
        let line = "wafer compile app.wat --target x86_64 -o app.o";
        assert_eq!(normalized(line), line);
        assert_eq!(normalized("wafer --help"), "wafer --help");
        assert_eq!(normalized("wafer"), "wafer");
    }
}
