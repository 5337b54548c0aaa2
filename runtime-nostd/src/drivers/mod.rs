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
