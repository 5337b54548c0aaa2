//! The console framing `wafer run` turns on (`wafer_abi::console`,
//! docs/console.md): stdout and stderr apart on one UART, and the end of
//! the host's stdin. Over any UART driver's `write`/`read`.

use wafer_abi::console::{ESCAPE, FLIP, InputDecoder, TO_STDERR, TO_STDOUT};

/// Writes `bytes` for `fd` (2: stderr, else stdout) through `uart`.
pub fn write(fd: i32, bytes: &[u8], mut uart: impl FnMut(&[u8])) {
    if fd == 2 {
        uart(&[ESCAPE, TO_STDERR]);
    }
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == ESCAPE) {
        let (data, tail) = rest.split_at(at);
        uart(data);
        uart(&[ESCAPE, ESCAPE ^ FLIP]);
        rest = tail.get(1..).unwrap_or_default();
    }
    uart(rest);
    if fd == 2 {
        uart(&[ESCAPE, TO_STDOUT]);
    }
}

static mut INPUT: InputDecoder = InputDecoder::NEW;

/// Reads stdin through `uart` (which blocks for its first byte): at least
/// one byte, or 0 once the host's stdin has ended, for good.
pub fn read(buf: &mut [u8], mut uart: impl FnMut(&mut [u8]) -> usize) -> usize {
    // SAFETY: single-threaded access to the decoder.
    let input = unsafe { &mut *core::ptr::addr_of_mut!(INPUT) };
    while !input.ended && !buf.is_empty() {
        let n = uart(buf);
        let data = input.decode(buf, n);
        if data > 0 {
            return data;
        }
        // Only an escape's first byte, or the end: read on, or return 0.
    }
    0
}
