//! RISC-V CLINT: the free-running `mtime` counter.

/// The current `mtime` value.
pub fn now(mtime_address: u64) -> u64 {
    // SAFETY: `mtime_address` is the board's CLINT mtime register.
    unsafe { core::ptr::read_volatile(mtime_address as *const u64) }
}
