//! QEMU's `isa-debug-exit` device (x86): writing `v` to its port ends QEMU
//! with status `(v << 1) | 1`.
//!
//! A host exit status has 8 bits, so 7 reach the runner, and QEMU itself
//! exits with 1 when it fails. The encoding, decoded by `wafer run`
//! (`Board::exit_code`): `v = code + 1` for codes 0-124 (so `v` is never
//! 0 and status 1 stays QEMU's), 126 for any larger `proc_exit` code, 127
//! for a trap (exit code 134 on every other board).

/// The value written for a trap's exit code.
const TRAP: u32 = 127;
/// The value written for exit codes that do not fit.
const SATURATED: u32 = 126;

/// Ends QEMU with `code` (see the module docs for the encoding).
pub fn exit(port: u64, code: i32) -> ! {
    let value = match code {
        0..=124 => code as u32 + 1,
        crate::EXIT_TRAP => TRAP,
        _ => SATURATED,
    };
    // SAFETY: `port` is the board's debug-exit port (from its description).
    unsafe { super::port::outl(port as u16, value) };
    loop {
        core::hint::spin_loop();
    }
}
