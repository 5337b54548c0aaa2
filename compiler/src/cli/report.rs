//! How a failure reaches the user: one `error:` line on stderr, exit code 1.
//!
//! The error's chain of causes is joined with `: ` on that one line. A panic
//! is a bug in wafer, never the user's fault; it is reported the same way
//! (with where it happened, for the bug report) instead of as a backtrace.

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

/// Runs a command, turning its error or panic into one `error:` line and
/// exit code 1.
pub fn run_reporting(command: impl FnOnce() -> anyhow::Result<ExitCode>) -> ExitCode {
    panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown panic");
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error: {}{location} (a bug in wafer; please report it)",
            one_line(message)
        );
    }));
    match panic::catch_unwind(AssertUnwindSafe(command)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            eprintln!("{}", error_line(&error));
            ExitCode::from(1)
        }
        // The hook has printed the message.
        Err(_) => ExitCode::from(1),
    }
}

/// Reports a command line clap could not parse as one `error:` line
/// (the message, clap's tip and the usage, joined), exit code 2; `--help`
/// and `--version` print as clap formats them.
pub fn parse_failure(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let whole_text = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if whole_text {
        let _ = error.print();
        return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
    }
    eprintln!("{}", usage_line(&error.render().to_string()));
    ExitCode::from(2)
}

/// clap's multi-line usage error as one line.
fn usage_line(rendered: &str) -> String {
    let mut line = String::new();
    for part in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if part.starts_with("For more information") {
            continue;
        }
        if let Some(tip) = part.strip_prefix("tip: ") {
            line.push_str(&format!(" (tip: {tip})"));
        } else if let Some(usage) = part.strip_prefix("Usage: ") {
            line.push_str(&format!("; usage: {usage}"));
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(part);
        }
    }
    line
}

/// The line the user sees for `error`: every cause's `Display` (never its
/// `Debug`, which would print internal structures), joined with `: `.
fn error_line(error: &anyhow::Error) -> String {
    format!("error: {}", one_line(&format!("{error:#}")))
}

/// Messages from parsers (e.g. `wat`) span lines; the user gets one.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(line: &str) -> String {
        use clap::Parser;
        let args = line.split(' ');
        let error = crate::cli::Cli::try_parse_from(args).unwrap_err();
        usage_line(&error.render().to_string())
    }

    #[test]
    fn usage_errors_are_one_line_with_tip_and_usage() {
        assert_eq!(
            parse_error("wafer build app.wat"),
            "error: the following required arguments were not provided: --output <OUTPUT>; usage: wafer build --output <OUTPUT> <[NAME=]MODULE>..."
        );
        assert_eq!(
            parse_error("wafer compile app.wat -t x86_64 -o a.o --frobnicate"),
            "error: unexpected argument '--frobnicate' found (tip: to pass '--frobnicate' as a value, use '-- --frobnicate'); usage: wafer compile --target <TARGET> --output <OUTPUT> <INPUT>"
        );
        assert_eq!(
            parse_error("wafer build app.wat -o x --format srec"),
            "error: invalid value 'srec' for '--format <FORMAT>' [possible values: elf, bin, hex]"
        );
    }

    #[test]
    fn causes_are_sentences_not_structures() {
        let io = std::fs::read("/no/such/file.wasm").unwrap_err();
        let error = anyhow::Error::from(io).context("cannot read /no/such/file.wasm");
        assert_eq!(
            error_line(&error),
            "error: cannot read /no/such/file.wasm: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn multi_line_messages_become_one_line() {
        let error = anyhow::anyhow!("expected `)`\n     --> app.wat:1:5\n      |\n")
            .context("cannot read app.wat");
        assert_eq!(
            one_line(&format!("{error:#}")),
            "cannot read app.wat: expected `)` --> app.wat:1:5 |"
        );
    }
}
