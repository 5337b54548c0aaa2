//! 16550-compatible UART (QEMU `virt` boards, many SoCs): byte registers.

use super::{read8, write8};

const RBR_THR: u64 = 0;
const LSR: u64 = 5;
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// Writes `bytes`, waiting for the transmitter each time.
pub fn write(base: u64, bytes: &[u8]) {
    for &b in bytes {
        // SAFETY: `base` is the board's UART (from its description).
        unsafe {
            while read8(base + LSR) & LSR_THR_EMPTY == 0 {}
            write8(base + RBR_THR, b);
        }
    }
}

/// Reads at least one byte (blocking), then whatever else is ready.
pub fn read(base: u64, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        // SAFETY: as above.
        let ready = unsafe { read8(base + LSR) & LSR_DATA_READY != 0 };
        if !ready {
            if n > 0 {
                break;
            }
            continue;
        }
        // SAFETY: as above.
        buf[n] = unsafe { read8(base + RBR_THR) };
        n += 1;
    }
    n
}
