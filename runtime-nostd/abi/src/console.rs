//! The framing of a board's UART under `wafer run` (docs/console.md).
//!
//! A UART is one byte stream each way, with no end of file. `wafer run`
//! points the image's board record at the runtime's framed console
//! (`BoardConfig::framed_console`), which frames it; `wafer build` never
//! does (and does not link it), so an image flashed to real hardware
//! writes plain text.
//!
//! - Image to host: bytes are stdout until [`ESCAPE`] [`TO_STDERR`], then
//!   stderr until [`ESCAPE`] [`TO_STDOUT`]. A data byte equal to
//!   [`ESCAPE`] is sent as [`ESCAPE`] `ESCAPE ^ FLIP`.
//! - Host to image: the bytes [`ESCAPE`], [`END_OF_INPUT`] and [`CTRL_A`]
//!   (QEMU's `-nographic` console takes Ctrl-A as its own command key)
//!   are sent as [`ESCAPE`] `byte ^ FLIP`, so none of them appears raw;
//!   a raw [`END_OF_INPUT`] is the end of the host's stdin.

/// Starts a two-byte sequence.
pub const ESCAPE: u8 = 0x10;
/// XORed into an escaped data byte.
pub const FLIP: u8 = 0x40;
/// After [`ESCAPE`] from the image: the following bytes are stderr.
pub const TO_STDERR: u8 = b'2';
/// After [`ESCAPE`] from the image: the following bytes are stdout.
pub const TO_STDOUT: u8 = b'1';
/// Raw from the host: its stdin ended.
pub const END_OF_INPUT: u8 = 0x04;
/// QEMU's console escape key, never sent raw.
pub const CTRL_A: u8 = 0x01;

/// Whether the host escapes `byte` on its way to the image.
pub const fn host_escapes(byte: u8) -> bool {
    matches!(byte, ESCAPE | END_OF_INPUT | CTRL_A)
}

/// Decodes host-to-image bytes, in place.
#[derive(Clone, Copy, Debug, Default)]
pub struct InputDecoder {
    /// The previous chunk ended with [`ESCAPE`].
    pending_escape: bool,
    /// [`END_OF_INPUT`] arrived: every later read is end of file.
    pub ended: bool,
}

impl InputDecoder {
    /// At the start of the input.
    pub const NEW: InputDecoder = InputDecoder {
        pending_escape: false,
        ended: false,
    };

    /// Decodes `buf[..len]` in place and returns the number of data bytes
    /// now at its start; bytes after [`END_OF_INPUT`] are dropped.
    pub fn decode(&mut self, buf: &mut [u8], len: usize) -> usize {
        // `get`, not indexing: the runtime links no panic path for this.
        let mut out = 0;
        for at in 0..len.min(buf.len()) {
            if self.ended {
                break;
            }
            let Some(&byte) = buf.get(at) else { break };
            let data = if self.pending_escape {
                self.pending_escape = false;
                byte ^ FLIP
            } else if byte == ESCAPE {
                self.pending_escape = true;
                continue;
            } else if byte == END_OF_INPUT {
                self.ended = true;
                continue;
            } else {
                byte
            };
            // `out <= at`: decoding only ever shortens.
            if let Some(slot) = buf.get_mut(out) {
                *slot = data;
                out += 1;
            }
        }
        out
    }

    /// An escape is waiting for its second byte.
    pub fn mid_escape(&self) -> bool {
        self.pending_escape
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_bytes_come_back_and_a_raw_eot_ends_the_input() {
        let mut d = InputDecoder::default();
        let mut buf = [
            b'a',
            ESCAPE,
            END_OF_INPUT ^ FLIP,
            ESCAPE,
            ESCAPE ^ FLIP,
            END_OF_INPUT,
            b'z',
        ];
        let n = d.decode(&mut buf, 7);
        assert_eq!(&buf[..n], &[b'a', END_OF_INPUT, ESCAPE]);
        assert!(d.ended);
        let mut more = [b'q'];
        assert_eq!(d.decode(&mut more, 1), 0);
    }

    #[test]
    fn an_escape_split_across_reads_is_completed_by_the_next() {
        let mut d = InputDecoder::default();
        let mut first = [b'x', ESCAPE];
        assert_eq!(d.decode(&mut first, 2), 1);
        assert!(d.mid_escape());
        let mut second = [CTRL_A ^ FLIP];
        assert_eq!(d.decode(&mut second, 1), 1);
        assert_eq!(second[0], CTRL_A);
        assert!(!d.ended);
    }
}
