//! 16550-compatible UART (QEMU `virt` boards, many SoCs, the PC's COM
//! ports): byte registers, memory-mapped or (x86) in I/O port space.

const RBR_THR: u16 = 0;
const FCR: u16 = 2;
const LSR: u16 = 5;
/// FIFO enable, receive interrupt at 14 bytes; no FIFO-clear bits.
const FCR_FIFO_ON_TRIGGER_14: u8 = 0xc1;
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// How the UART's registers are reached.
pub trait Registers {
    /// # Safety
    /// The registers must be the board's UART.
    unsafe fn read(&self, register: u16) -> u8;
    /// # Safety
    /// As for [`Registers::read`].
    unsafe fn write(&self, register: u16, value: u8);
}

/// Memory-mapped byte registers at a base address.
pub struct Mmio(pub u64);

impl Registers for Mmio {
    unsafe fn read(&self, register: u16) -> u8 {
        // SAFETY: guaranteed by the caller.
        unsafe { super::read8(self.0 + register as u64) }
    }
    unsafe fn write(&self, register: u16, value: u8) {
        // SAFETY: guaranteed by the caller.
        unsafe { super::write8(self.0 + register as u64, value) }
    }
}

/// x86 I/O ports from a base port (COM1 = 0x3f8).
#[cfg(target_arch = "x86_64")]
pub struct Ports(pub u16);

#[cfg(target_arch = "x86_64")]
impl Registers for Ports {
    unsafe fn read(&self, register: u16) -> u8 {
        // SAFETY: guaranteed by the caller.
        unsafe { super::port::inb(self.0 + register) }
    }
    unsafe fn write(&self, register: u16, value: u8) {
        // SAFETY: guaranteed by the caller.
        unsafe { super::port::outb(self.0 + register, value) }
    }
}

/// Turns the 16-byte FIFOs on. After reset the receiver holds one byte,
/// so a host streaming into it (QEMU's serial backend) hands over one
/// byte per turn of its event loop and waits for the guest to read it;
/// with the FIFO it hands over up to 14 at a time (`qemu-x86_64` served
/// 15 float scripts in 16 job-seconds instead of 94). Turning it on
/// drops what the receiver holds, so call it only before anyone sends
/// input (the serving image: before it announces it is ready).
pub fn enable_fifo(uart: &impl Registers) {
    // SAFETY: `uart` is the board's UART (from its description).
    unsafe { uart.write(FCR, FCR_FIFO_ON_TRIGGER_14) }
}

/// Writes `bytes`, waiting for the transmitter each time.
pub fn write(uart: &impl Registers, bytes: &[u8]) {
    for &b in bytes {
        // SAFETY: `uart` is the board's UART (from its description).
        unsafe {
            while uart.read(LSR) & LSR_THR_EMPTY == 0 {}
            uart.write(RBR_THR, b);
        }
    }
}

/// Reads at least one byte (blocking), then whatever else is ready.
pub fn read(uart: &impl Registers, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        // SAFETY: as above.
        let ready = unsafe { uart.read(LSR) & LSR_DATA_READY != 0 };
        if !ready {
            if n > 0 {
                break;
            }
            continue;
        }
        // SAFETY: as above.
        buf[n] = unsafe { uart.read(RBR_THR) };
        n += 1;
    }
    n
}

/// Whether a byte is waiting in the receiver (`poll_oneoff`).
pub fn rx_ready(uart: &impl Registers) -> bool {
    // SAFETY: `uart` is the board's UART (from its description).
    unsafe { uart.read(LSR) & LSR_DATA_READY != 0 }
}
