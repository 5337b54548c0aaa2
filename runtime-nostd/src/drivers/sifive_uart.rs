//! SiFive UART (FU540/FU740, QEMU `sifive_u`): 32-bit registers whose bit
//! 31 flags a full transmit FIFO (`txdata`) or an empty receive FIFO
//! (`rxdata`).
//!
//! The baud divisor is left as the boot ROM or previous stage set it: the
//! runtime does not know the board's bus clock.

use super::register;

const TXDATA: u64 = 0x00;
const RXDATA: u64 = 0x04;
const TXCTRL: u64 = 0x08;
const RXCTRL: u64 = 0x0c;
/// Interrupt pending bits; `rxwm` is read-only and needs no interrupt
/// enabled.
const IP: u64 = 0x14;
/// More entries in the receive FIFO than `rxctrl.rxcnt` (0 after reset and
/// here): at least one byte waits.
const IP_RXWM: u32 = 1 << 1;
const FIFO_FLAG: u32 = 1 << 31;
const ENABLE: u32 = 1;

/// Turns the transmitter and receiver on (they are off after reset).
fn enable(base: u64) {
    // SAFETY: `base` is the board's SiFive UART (from its description).
    unsafe {
        let tx = register::<u32>(base, TXCTRL);
        tx.write_volatile(tx.read_volatile() | ENABLE);
        let rx = register::<u32>(base, RXCTRL);
        rx.write_volatile(rx.read_volatile() | ENABLE);
    }
}

/// Writes `bytes`, waiting while the transmit FIFO is full.
pub fn write(base: u64, bytes: &[u8]) {
    enable(base);
    for &b in bytes {
        // SAFETY: as above.
        unsafe {
            while register::<u32>(base, TXDATA).read_volatile() & FIFO_FLAG != 0 {}
            register::<u32>(base, TXDATA).write_volatile(b as u32);
        }
    }
}

/// Reads at least one byte (blocking), then whatever else is ready.
pub fn read(base: u64, buf: &mut [u8]) -> usize {
    enable(base);
    let mut n = 0;
    while n < buf.len() {
        // SAFETY: as above. One read both tests and pops the FIFO.
        let word = unsafe { register::<u32>(base, RXDATA).read_volatile() };
        if word & FIFO_FLAG != 0 {
            if n > 0 {
                break;
            }
            continue;
        }
        buf[n] = word as u8;
        n += 1;
    }
    n
}

/// Whether a byte is waiting in the receive FIFO (`poll_oneoff`), without
/// popping it as a read of `rxdata` would: the receive watermark's pending
/// bit, with the watermark at 0 entries.
pub fn rx_ready(base: u64) -> bool {
    enable(base);
    // SAFETY: as above; `ip` has no side effect when read.
    unsafe { register::<u32>(base, IP).read_volatile() & IP_RXWM != 0 }
}
