//! Broadcom BCM2835/2837 hardware random number generator (Raspberry Pi).

use super::register;

const CTRL: u64 = 0x0;
const STATUS: u64 = 0x4;
const DATA: u64 = 0x8;
const ENABLE: u32 = 1;
/// Words discarded after enabling while the generator warms up.
const WARM_UP: u32 = 0x4_0000;

/// Fills `buf` with hardware random bytes.
pub fn fill(base: u64, buf: &mut [u8]) {
    // SAFETY: `base` is the board's RNG block (from its description).
    unsafe {
        if register::<u32>(base, CTRL).read_volatile() & ENABLE == 0 {
            register::<u32>(base, STATUS).write_volatile(WARM_UP);
            register::<u32>(base, CTRL).write_volatile(ENABLE);
        }
        for chunk in buf.chunks_mut(4) {
            // The top byte of STATUS counts the words ready.
            while register::<u32>(base, STATUS).read_volatile() >> 24 == 0 {}
            let word = register::<u32>(base, DATA).read_volatile().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}
