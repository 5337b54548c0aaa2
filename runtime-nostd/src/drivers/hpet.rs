//! x86 High Precision Event Timer: a free-running main counter whose
//! period (in femtoseconds) the capabilities register states.

use super::register;

const CAPABILITIES: u64 = 0x00;
const CONFIGURATION: u64 = 0x10;
const MAIN_COUNTER: u64 = 0xf0;
const ENABLE: u64 = 1;

/// Nanoseconds the counter has run (it is started at first use).
pub fn now_ns(base: u64) -> u64 {
    // SAFETY: `base` is the board's HPET (from its description).
    unsafe {
        let config = register::<u64>(base, CONFIGURATION);
        let value = config.read_volatile();
        if value & ENABLE == 0 {
            config.write_volatile(value | ENABLE);
        }
        let period_fs = register::<u64>(base, CAPABILITIES).read_volatile() >> 32;
        let ticks = register::<u64>(base, MAIN_COUNTER).read_volatile();
        const FS_PER_NS: u64 = 1_000_000;
        super::mul_div(ticks, period_fs, FS_PER_NS)
    }
}
