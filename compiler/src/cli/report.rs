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
