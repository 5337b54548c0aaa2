//! Small text helpers for a runtime without `alloc`.
//!
//! Reports on the paths every image links (traps, instantiation errors,
//! faults) are written through [`Sink`], not `core::fmt`: `fmt`'s
//! machinery (padding, width, `Display` for every integer type) costs
//! 4–7 KB of flash, more than the rest of a hello image's runtime. Only the
//! serve and invoke modes, which print floats and many values, use `fmt`.

use core::fmt;

/// Somewhere report text goes: byte strings, integers, names.
pub trait Sink {
    /// Appends raw bytes.
    fn put(&mut self, bytes: &[u8]);

    fn str(&mut self, s: &str) {
        self.put(s.as_bytes());
    }

    /// `value` in decimal.
    fn dec(&mut self, value: u64) {
        // Filled from the end; no indexing (a failed bounds check would
        // link `core::fmt` through the panic message).
        let mut digits = [0u8; 20];
        let (mut v, mut used) = (value, 0);
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
            used += 1;
            if v == 0 {
                break;
            }
        }
        self.put(digits.get(digits.len() - used..).unwrap_or(&digits));
    }

    /// `value` in decimal, with a `-` when negative.
    fn signed(&mut self, value: i64) {
        if value < 0 {
            self.put(b"-");
        }
        self.dec(value.unsigned_abs());
    }

    /// `value` as `0x` and lowercase hex digits, like `{:#x}`.
    fn hex(&mut self, value: u64) {
        let mut digits = [0u8; 16];
        let (mut v, mut used) = (value, 0);
        for slot in digits.iter_mut().rev() {
            *slot = b"0123456789abcdef"
                .get((v & 0xf) as usize)
                .copied()
                .unwrap_or(b'?');
            v >>= 4;
            used += 1;
            if v == 0 {
                break;
            }
        }
        self.put(b"0x");
        self.put(digits.get(digits.len() - used..).unwrap_or(&digits));
    }

    /// `bytes` as UTF-8, each invalid sequence replaced by U+FFFD.
    fn utf8(&mut self, bytes: &[u8]) {
        for chunk in bytes.utf8_chunks() {
            self.str(chunk.valid());
            if !chunk.invalid().is_empty() {
                self.str("\u{fffd}");
            }
        }
    }
}

/// A piece of a message: text, or an unsigned number (in decimal).
pub trait Piece {
    fn write_to(self, sink: &mut impl Sink);
}

impl Piece for &str {
    fn write_to(self, sink: &mut impl Sink) {
        sink.str(self);
    }
}

macro_rules! number_piece {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn write_to(self, sink: &mut impl Sink) {
                sink.dec(self as u64);
            }
        }
    )*};
}
number_piece!(u32, u64, usize);

/// Displays bytes as UTF-8, replacing invalid sequences (for `fmt` users:
/// the serve mode).
pub struct Utf8<'a>(pub &'a [u8]);

impl fmt::Display for Utf8<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

/// A fixed-capacity byte buffer for messages (truncates when full).
pub struct FixedBuf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> FixedBuf<N> {
    pub const fn new() -> Self {
        FixedBuf {
            bytes: [0; N],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&self.bytes)
    }
}

impl<const N: usize> Default for FixedBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Sink for FixedBuf<N> {
    fn put(&mut self, bytes: &[u8]) {
        let free = self.bytes.get_mut(self.len..).unwrap_or(&mut []);
        for (dst, &src) in free.iter_mut().zip(bytes) {
            *dst = src;
            self.len += 1;
        }
    }
}

impl<const N: usize> fmt::Write for FixedBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut FixedBuf<64>)) -> std::string::String {
        let mut buf = FixedBuf::<64>::new();
        write(&mut buf);
        std::string::String::from_utf8(buf.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn integers_read_as_fmt_writes_them() {
        for v in [0u64, 7, 10, 12345, u64::MAX] {
            assert_eq!(text(|b| b.dec(v)), std::format!("{v}"));
            assert_eq!(text(|b| b.hex(v)), std::format!("{v:#x}"));
        }
        for v in [0i64, -1, 42, i64::MIN, i64::MAX] {
            assert_eq!(text(|b| b.signed(v)), std::format!("{v}"));
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(text(|b| b.utf8(b"a\xffb")), "a\u{fffd}b");
    }

    #[test]
    fn a_full_buffer_truncates() {
        let mut buf = FixedBuf::<4>::new();
        buf.str("abcdef");
        assert_eq!(buf.as_bytes(), b"abcd");
    }
}
