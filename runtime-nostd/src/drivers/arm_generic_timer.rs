//! ARM generic timer: the virtual counter and its frequency.

/// `(ticks, ticks per second)`.
pub fn now() -> (u64, u64) {
    #[cfg(target_arch = "aarch64")]
    {
        let (count, frequency): (u64, u64);
        // SAFETY: reads of always-accessible system registers at EL1.
        unsafe {
            core::arch::asm!("mrs {}, cntvct_el0", out(reg) count);
            core::arch::asm!("mrs {}, cntfrq_el0", out(reg) frequency);
        }
        (count, frequency)
    }
    #[cfg(not(target_arch = "aarch64"))]
    (0, 0)
}
