//! Feeding a board's console from `wafer`'s stdin for `run --serve`.
//!
//! A UART has no end of file: when QEMU's stdin ends, the image just waits
//! for more. So the input goes through a pipe, and when `wafer`'s own
//! stdin ends, one EOT byte (0x04, what Ctrl-D types in a raw terminal)
//! follows it, which the invoke server takes as the end of its input
//! (runtime-nostd/src/modes/server/lines.rs).

use std::io::{Read, Write};
use std::process::ChildStdin;

/// End of transmission, the server's end of input.
pub const EOT: u8 = 0x04;

/// Copies stdin to `console` as it arrives, then EOT, on a thread of its
/// own. The thread stops early if the image stops reading (its exit closes
/// the pipe); it is never joined: a `wafer` whose image has exited does not
/// wait for more input.
pub fn forward_stdin(console: ChildStdin) {
    std::thread::spawn(move || copy_then_eot(std::io::stdin().lock(), console));
}

fn copy_then_eot(mut input: impl Read, mut console: impl Write) {
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
            .write_all(&buffer[..n])
            .and_then(|()| console.flush())
            .is_err()
        {
            return;
        }
    }
    let _ = console.write_all(&[EOT]).and_then(|()| console.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_copied_whole_then_ended_with_eot() {
        let mut console = Vec::new();
        copy_then_eot(&b"list\ncall a.f 1\n"[..], &mut console);
        assert_eq!(console, b"list\ncall a.f 1\n\x04");
    }
}
