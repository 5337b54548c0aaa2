//! Peripheral drivers, named by IP block, never by board.
//!
//! ## Implementing a board driver
//! 1. Add the block's kind to `wafer_abi::descriptor::device`.
//! 2. Add a file here with `write`/`read` (console), `exit`, or `now` (timer)
//!    taking the base address from `BoardConfig`.
//! 3. Dispatch on the kind in `platform/baremetal/mod.rs`; boards that have
//!    the block then only name it in their TOML.

pub mod arm_generic_timer;
pub mod bcm2835_rng;
pub mod clint;
pub mod firmware;
pub mod framed_console;
pub mod hpet;
#[cfg(target_arch = "x86_64")]
pub mod isa_debug_exit;
pub mod ns16550;
pub mod pl011;
#[cfg(target_arch = "x86_64")]
pub mod port;
pub mod rdrand;
pub mod semihosting;
pub mod sifive_test;
pub mod sifive_uart;

/// `value * mul / div` for timer conversions, without 128-bit arithmetic
/// (about 1 KiB of division code on these targets): the quotient and the
/// remainder of `value / div` are scaled apart, exact as long as
/// `div * mul` fits in 64 bits.
pub fn mul_div(value: u64, mul: u64, div: u64) -> u64 {
    if div == 0 {
        return 0;
    }
    (value / div) * mul + (value % div) * mul / div
}

/// The device register of type `T` at `base + offset`, for volatile access.
pub fn register<T>(base: u64, offset: u64) -> *mut T {
    (base + offset) as *mut T
}

/// Volatile 8-bit register read.
///
/// # Safety
/// `addr` must be a readable device register.
pub unsafe fn read8(addr: u64) -> u8 {
    // SAFETY: guaranteed by the caller.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

/// Volatile 8-bit register write.
///
/// # Safety
/// `addr` must be a writable device register.
pub unsafe fn write8(addr: u64, value: u8) {
    // SAFETY: guaranteed by the caller.
    unsafe { core::ptr::write_volatile(addr as *mut u8, value) }
}
