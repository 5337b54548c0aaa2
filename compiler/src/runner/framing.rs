//! Splitting a framed bare-metal console (`wafer_abi::console`) into the
//! image's stdout and stderr. The image marks where stderr starts and
//! ends; everything else is stdout, byte for byte, passed on as it
//! arrives.

use wafer_abi::console::{ESCAPE, FLIP, TO_STDERR, TO_STDOUT};

/// Bytes to write to each stream, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Routed {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The state of the split between two chunks of console output.
#[derive(Debug, Default)]
pub struct Deframer {
    to_stderr: bool,
    /// The previous chunk ended with an escape.
    pending_escape: bool,
}

impl Deframer {
    /// Routes one chunk of console output.
    pub fn feed(&mut self, chunk: &[u8]) -> Routed {
        let mut routed = Routed::default();
        for &byte in chunk {
            let data = if self.pending_escape {
                self.pending_escape = false;
                match byte {
                    TO_STDERR => {
                        self.to_stderr = true;
                        continue;
                    }
                    TO_STDOUT => {
                        self.to_stderr = false;
                        continue;
                    }
                    other => other ^ FLIP,
                }
            } else if byte == ESCAPE {
                self.pending_escape = true;
                continue;
            } else {
                byte
            };
            if self.to_stderr {
                routed.stderr.push(data);
            } else {
                routed.stdout.push(data);
            }
        }
        routed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        let mut d = Deframer::default();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for chunk in chunks {
            let mut r = d.feed(chunk);
            out.append(&mut r.stdout);
            err.append(&mut r.stderr);
        }
        (out, err)
    }

    #[test]
    fn marked_bytes_go_to_stderr_and_the_rest_to_stdout() {
        let console = b"hello\n\x102trap: unreachable\n\x101bye\n";
        assert_eq!(
            split(&[console]),
            (b"hello\nbye\n".to_vec(), b"trap: unreachable\n".to_vec())
        );
    }

    #[test]
    fn chunk_boundaries_do_not_matter_and_escaped_bytes_come_back() {
        let console: &[u8] = b"a\x10\x50b\x102e\x10\x50\x101c";
        let whole = split(&[console]);
        let bytewise: Vec<&[u8]> = console.chunks(1).collect();
        assert_eq!(split(&bytewise), whole);
        assert_eq!(whole, (b"a\x10bc".to_vec(), b"e\x10".to_vec()));
    }

    #[test]
    fn unmarked_bytes_pass_through_exactly() {
        let binary: Vec<u8> = (0..=255u8).filter(|&b| b != ESCAPE).collect();
        assert_eq!(split(&[&binary]), (binary.clone(), Vec::new()));
    }
}
