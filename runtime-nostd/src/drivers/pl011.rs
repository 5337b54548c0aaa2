//! ARM PL011 UART (QEMU `virt` aarch64, Raspberry Pi's UART0).

const DR: u64 = 0x00;
const FR: u64 = 0x18;
const FR_RX_EMPTY: u32 = 1 << 4;
const FR_TX_FULL: u32 = 1 << 5;
const LCR_H: u64 = 0x2c;
const LCR_H_FIFO_ENABLE: u32 = 1 << 4;

fn flags(base: u64) -> u32 {
    // SAFETY: `base` is the board's PL011 (from its description).
    unsafe { core::ptr::read_volatile((base + FR) as *const u32) }
}

/// Turns the 16-entry FIFOs on (word format unchanged). Without them the
/// receiver holds one byte, and a host streaming into it (QEMU's serial
/// backend) waits for the guest to read each one. Turning them on drops
/// what the receiver holds: call it only before anyone sends input.
pub fn enable_fifo(base: u64) {
    let lcr_h = (base + LCR_H) as *mut u32;
    // SAFETY: `base` is the board's PL011 (from its description).
    unsafe { lcr_h.write_volatile(lcr_h.read_volatile() | LCR_H_FIFO_ENABLE) }
}

/// Writes `bytes`, waiting while the transmit FIFO is full.
pub fn write(base: u64, bytes: &[u8]) {
    for &b in bytes {
        while flags(base) & FR_TX_FULL != 0 {}
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile((base + DR) as *mut u32, b as u32) };
    }
}

/// Reads at least one byte (blocking), then whatever else is ready.
pub fn read(base: u64, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        if flags(base) & FR_RX_EMPTY != 0 {
            if n > 0 {
                break;
            }
            continue;
        }
        // SAFETY: as above.
        buf[n] = unsafe { core::ptr::read_volatile((base + DR) as *const u32) } as u8;
        n += 1;
    }
    n
}

/// Whether a byte is waiting in the receive FIFO (`poll_oneoff`).
pub fn rx_ready(base: u64) -> bool {
    flags(base) & FR_RX_EMPTY == 0
}
