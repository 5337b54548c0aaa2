//! Splitting a bare-metal console into stdout and stderr.
//!
//! A board has one UART, so QEMU prints the runtime's `trap: ...` report and
//! `wafer: ...` diagnostics on its stdout with the program's own output.
//! `wafer run` sends whole lines that start with those prefixes (and the
//! `  at ...` location line right after a `trap:` line) to stderr, where
//! they go on Linux. Everything else passes through byte for byte, as soon
//! as it arrives: only the first bytes of a line are held back, and only
//! while they could still be the start of a diagnostic.

/// Lines that start with one of these are the runtime's, not the program's
/// (see `runtime-nostd/src/trap.rs`).
const DIAGNOSTIC_PREFIXES: [&[u8]; 2] = [b"trap: ", b"wafer: "];
/// The location line the runtime prints after `trap: ...`.
const LOCATION_PREFIX: &[u8] = b"  at ";

/// Where a line is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    /// At its start, not yet decided: the held bytes may begin a diagnostic.
    Undecided,
    Program,
    Diagnostic,
}

/// Bytes to write to each stream, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Routed {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The state of the split between two chunks of console output.
#[derive(Debug)]
pub struct Splitter {
    line: Line,
    /// The undecided start of the current line.
    held: Vec<u8>,
    /// The previous line was a `trap:` line, so a location line may follow.
    after_trap: bool,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            line: Line::Undecided,
            held: Vec::new(),
            after_trap: false,
        }
    }
}

impl Splitter {
    fn prefixes(&self) -> impl Iterator<Item = &'static [u8]> + use<> {
        let location = self.after_trap.then_some(LOCATION_PREFIX);
        DIAGNOSTIC_PREFIXES.into_iter().chain(location)
    }

    /// Routes one chunk of console output.
    pub fn feed(&mut self, chunk: &[u8]) -> Routed {
        let mut routed = Routed::default();
        for &byte in chunk {
            match self.line {
                Line::Program => routed.stdout.push(byte),
                Line::Diagnostic => routed.stderr.push(byte),
                Line::Undecided => {
                    self.held.push(byte);
                    self.decide(&mut routed);
                }
            }
            if byte == b'\n' {
                // The next line starts undecided; whether a location line
                // may follow depends on the line that just ended.
                if self.line != Line::Undecided {
                    self.line = Line::Undecided;
                }
            }
        }
        routed
    }

    /// Decides the current line once the held bytes allow it.
    fn decide(&mut self, routed: &mut Routed) {
        let held = self.held.as_slice();
        if let Some(prefix) = self.prefixes().find(|p| held.starts_with(p)) {
            self.after_trap = prefix == b"trap: ";
            self.line = Line::Diagnostic;
            routed.stderr.append(&mut self.held);
        } else if !self.prefixes().any(|p| p.starts_with(held)) {
            self.after_trap = false;
            self.line = Line::Program;
            routed.stdout.append(&mut self.held);
        }
    }

    /// What is still held when the console closes (a last line that could
    /// have begun a diagnostic but ended early): the program's.
    pub fn finish(mut self) -> Routed {
        Routed {
            stdout: std::mem::take(&mut self.held),
            stderr: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` and returns (stdout, stderr) as text.
    fn split(chunks: &[&[u8]]) -> (String, String) {
        let mut splitter = Splitter::default();
        let mut all = Routed::default();
        for chunk in chunks {
            let mut r = splitter.feed(chunk);
            all.stdout.append(&mut r.stdout);
            all.stderr.append(&mut r.stderr);
        }
        let mut r = splitter.finish();
        all.stdout.append(&mut r.stdout);
        (
            String::from_utf8(all.stdout).unwrap(),
            String::from_utf8(all.stderr).unwrap(),
        )
    }

    #[test]
    fn a_trap_report_goes_to_stderr_and_output_stays_on_stdout() {
        let console = b"hello\ntrap: integer divide by zero\n  at arith!div (wasm offset 0x2a)\n";
        assert_eq!(
            split(&[console]),
            (
                "hello\n".into(),
                "trap: integer divide by zero\n  at arith!div (wasm offset 0x2a)\n".into()
            )
        );
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let console: &[u8] = b"ok\ntrap: unreachable\n  at m!f\nwafer: fatal fault\ntr\n";
        let whole = split(&[console]);
        let bytewise: Vec<&[u8]> = console.chunks(1).collect();
        assert_eq!(split(&bytewise), whole);
        assert_eq!(
            whole,
            (
                "ok\ntr\n".into(),
                "trap: unreachable\n  at m!f\nwafer: fatal fault\n".into()
            )
        );
    }

    #[test]
    fn program_lines_that_merely_look_alike_stay_on_stdout() {
        // `  at` only follows a trap line; a prefix must start the line.
        let (out, err) = split(&[b"  at home\ntrapeze\nno trap: here\nwafer:x\n"]);
        assert_eq!(out, "  at home\ntrapeze\nno trap: here\nwafer:x\n");
        assert_eq!(err, "");
    }

    #[test]
    fn output_is_passed_on_as_soon_as_it_cannot_be_a_diagnostic() {
        let mut splitter = Splitter::default();
        // `> ` is a prompt without a newline: it must not wait for one.
        assert_eq!(splitter.feed(b"> ").stdout, b"> ");
        // A line starting `tra` could still become `trap: `: held back...
        assert_eq!(splitter.feed(b"\ntra").stdout, b"\n");
        // ...until it cannot.
        assert_eq!(splitter.feed(b"in").stdout, b"train");
    }

    #[test]
    fn a_held_start_is_the_programs_when_the_console_closes() {
        assert_eq!(split(&[b"x\nwafer"]), ("x\nwafer".into(), String::new()));
    }

    #[test]
    fn bytes_are_passed_through_exactly() {
        let binary: Vec<u8> = (0..=255u8).chain([b'\r', b'\n', 0, 0xff]).collect();
        let (out, err) = {
            let mut s = Splitter::default();
            let r = s.feed(&binary);
            (r.stdout, r.stderr)
        };
        assert_eq!(out, binary);
        assert!(err.is_empty());
    }
}
