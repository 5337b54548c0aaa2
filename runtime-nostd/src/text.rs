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
        let mut digits = [0u8; 20];
        self.put(decimal(value, &mut digits));
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
        let mut digits = [0u8; 18];
        self.put(hexadecimal(value, &mut digits));
    }

    /// A name from a descriptor. The compiler writes them from Rust
    /// strings, so they are UTF-8 already and go out as they are.
    fn name(&mut self, bytes: &[u8]) {
        self.put(bytes);
    }
}

// The digit loops are plain functions, not `Sink` methods, so that each is
// linked once rather than once per sink type. They fill the buffer from the
// end with iterators, not indexing: a failed bounds check would link
// `core::fmt` through the panic message.

/// The decimal digits of `value`, at the end of `buf`.
#[inline(never)]
fn decimal(value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let (mut v, mut used) = (value, 0);
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
        used += 1;
        if v == 0 {
            break;
        }
    }
    buf.get(buf.len() - used..).unwrap_or_default()
}

/// `0x` and the hex digits of `value`, at the end of `buf`.
#[inline(never)]
fn hexadecimal(value: u64, buf: &mut [u8; 18]) -> &[u8] {
    let (mut v, mut used) = (value, 0);
    let mut slots = buf.iter_mut().rev();
    for slot in slots.by_ref() {
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
    for prefix in [b'x', b'0'] {
        if let Some(slot) = slots.next() {
            *slot = prefix;
            used += 1;
        }
    }
    buf.get(buf.len() - used..).unwrap_or_default()
}

/// A piece of a message: text, or an unsigned number (in decimal).
#[derive(Clone, Copy)]
pub enum Piece<'a> {
    Text(&'a str),
    Number(u64),
}

impl<'a> From<&'a str> for Piece<'a> {
    fn from(text: &'a str) -> Self {
        Piece::Text(text)
    }
}

macro_rules! number_piece {
    ($($t:ty),*) => {$(
        impl From<$t> for Piece<'_> {
            fn from(n: $t) -> Self {
                Piece::Number(n as u64)
            }
        }
    )*};
}
number_piece!(u32, u64, usize);

/// Writes `pieces` in order (one function for every message, rather than
/// the code of each message inlined where it is made).
#[inline(never)]
pub fn write_pieces(sink: &mut impl Sink, pieces: &[Piece<'_>]) {
    for piece in pieces {
        match *piece {
            Piece::Text(text) => sink.str(text),
            Piece::Number(n) => sink.dec(n),
        }
    }
}

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
    #[inline(never)]
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
    fn a_full_buffer_truncates() {
        let mut buf = FixedBuf::<4>::new();
        buf.str("abcdef");
        assert_eq!(buf.as_bytes(), b"abcd");
    }
}
