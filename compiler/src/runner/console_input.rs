//! Feeding a board's console from `wafer`'s stdin under `wafer run`.
//!
//! A UART has no end of file: when QEMU's stdin ends, the image just waits
//! for more. So the input goes through a pipe, framed as
//! `wafer_abi::console` says: the few bytes that have a meaning on the
//! way (QEMU's Ctrl-A, the escape, EOT) are escaped, and when `wafer`'s own
//! stdin ends (end of a file or pipe, Ctrl-D on a terminal) one raw EOT
//! follows, which the runtime turns into end of file for `fd_read` (and
//! the invoke server into the end of its requests).

use std::io::{Read, Write};
use std::process::ChildStdin;

use wafer_abi::console::{END_OF_INPUT, ESCAPE, FLIP, host_escapes};

/// Copies stdin to `console` as it arrives, framed, then the end mark, on
/// a thread of its own. The thread stops early if the image stops reading
/// (its exit closes the pipe); it is never joined: a `wafer` whose image
/// has exited does not wait for more input.
pub fn forward_stdin(console: ChildStdin) {
    std::thread::spawn(move || copy_then_end(std::io::stdin().lock(), console));
}

/// `input` escaped for the image.
fn escape(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for &byte in input {
        if host_escapes(byte) {
            out.extend([ESCAPE, byte ^ FLIP]);
        } else {
            out.push(byte);
        }
    }
    out
}

fn copy_then_end(mut input: impl Read, mut console: impl Write) {
    let mut buffer = [0u8; 4096];
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        // Line by line as typed: QEMU forwards what it has.
        if console
            .write_all(&escape(&buffer[..n]))
            .and_then(|()| console.flush())
            .is_err()
        {
            return;
        }
    }
    let _ = console
        .write_all(&[END_OF_INPUT])
        .and_then(|()| console.flush());
}

#[cfg(test)]
mod tests {
    use super::*;
    use wafer_abi::console::InputDecoder;

    #[test]
    fn the_input_is_copied_whole_then_ended_with_eot() {
        let mut console = Vec::new();
        copy_then_end(&b"list\ncall a.f 1\n"[..], &mut console);
        assert_eq!(console, b"list\ncall a.f 1\n\x04");
    }

    #[test]
    fn control_bytes_are_escaped_and_the_runtime_decodes_them_back() {
        let input: Vec<u8> = (0..=255u8).collect();
        let mut console = Vec::new();
        copy_then_end(&input[..], &mut console);
        // No raw Ctrl-A (QEMU's command key), escape or EOT but the last.
        let (last, framed) = console.split_last().unwrap();
        assert_eq!(*last, END_OF_INPUT);
        assert!(!framed.iter().any(|&b| b == 0x01 || b == 0x04));
        let mut decoder = InputDecoder::default();
        let len = console.len();
        let n = decoder.decode(&mut console, len);
        assert_eq!(&console[..n], &input[..]);
        assert!(decoder.ended);
    }
}
