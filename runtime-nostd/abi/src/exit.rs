//! Exit codes an image ends with, and how they cross exit devices that
//! carry fewer bits than a host exit status.

/// Exit status for a Wasm trap (as `abort` would give).
pub const TRAP: i32 = 134;
/// Exit status for a fault of the runtime itself or an unusable image.
pub const FATAL: i32 = 70;

/// The largest `proc_exit` code an image ends with unchanged.
pub const MAX_PROC_EXIT: i32 = 125;

/// The exit status of `proc_exit(code)`, the same on every board.
///
/// Codes 0–125 are kept. Every other code (WASI's exit code is a `u32`, so
/// `-1` arrives as 4294967295) becomes 125: a host status keeps only 8 bits,
/// so `proc_exit(256)` would otherwise report success, and 126–255 are taken
/// by the shell (126, 127), signals (128 + n) and traps ([`TRAP`]). Failure
/// stays failure, and a status of 125 or less never means "trapped".
pub fn proc_exit_status(code: u32) -> i32 {
    if code <= MAX_PROC_EXIT as u32 {
        code as i32
    } else {
        MAX_PROC_EXIT
    }
}

/// QEMU's x86 `isa-debug-exit` device ends QEMU with status `(v << 1) | 1`
/// for a written value `v`; a host status keeps 8 bits, so `v` has 7, and
/// QEMU exits with 1 on its own failures. Every status an image ends with
/// (0–125 from [`super::proc_exit_status`], [`super::FATAL`],
/// [`super::TRAP`]) survives the trip exactly. The runtime writes
/// [`debug_exit::encode`] of the exit code and `wafer run` turns the status
/// back with [`debug_exit::decode`].
pub mod debug_exit {
    /// `v` for a trap.
    const TRAP_VALUE: u32 = 127;
    /// `v` for exit code 125 ([`super::MAX_PROC_EXIT`]) and, should one
    /// ever be written, any other code too large to carry.
    const SATURATED_VALUE: u32 = 126;
    /// The largest exit code carried exactly (as `code + 1`, so that `v`
    /// is never 0 and status 1 stays QEMU's).
    pub const MAX_EXACT: i32 = 124;

    /// The value the runtime writes for exit `code`.
    pub fn encode(code: i32) -> u32 {
        match code {
            0..=MAX_EXACT => code as u32 + 1,
            super::TRAP => TRAP_VALUE,
            _ => SATURATED_VALUE,
        }
    }

    /// The exit code behind QEMU's exit `status`, or `None` when the status
    /// did not come from the device: 0 (the machine reset or powered off)
    /// or any other even status (QEMU's own, 1 included, is odd but `v` = 0
    /// is never written, so 1 is QEMU's too).
    pub fn decode(status: i32) -> Option<u8> {
        if status & 1 == 0 || status == 1 {
            return None;
        }
        Some(match status as u32 >> 1 {
            TRAP_VALUE => super::TRAP as u8,
            SATURATED_VALUE => MAX_EXACT as u8 + 1,
            value => (value - 1) as u8,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// What QEMU does with the written value, truncated as a host does.
        fn status(value: u32) -> i32 {
            (((value << 1) | 1) & 0xff) as i32
        }

        #[test]
        fn codes_survive_the_round_trip_through_qemu() {
            for code in 0..=MAX_EXACT {
                assert_eq!(decode(status(encode(code))), Some(code as u8));
            }
            assert_eq!(decode(status(encode(super::super::TRAP))), Some(134));
            assert_eq!(decode(status(encode(125))), Some(125), "saturated");
            assert_eq!(decode(status(encode(200))), Some(125), "saturated");
            assert_eq!(decode(status(encode(-1))), Some(125), "saturated");
        }

        #[test]
        fn statuses_qemu_gives_itself_are_not_exit_codes() {
            assert_eq!(decode(0), None, "reset or power-off");
            assert_eq!(decode(1), None, "QEMU's own failure");
            assert_eq!(decode(2), None, "even: not from the device");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_exit_codes_up_to_125_are_kept() {
        for code in 0..=125u32 {
            assert_eq!(proc_exit_status(code), code as i32);
        }
    }

    #[test]
    fn proc_exit_codes_beyond_125_stay_failures_and_are_not_traps() {
        // 256 would be 0 (success) in a host's 8-bit status; 134 would read
        // as a trap; -1 is 4294967295 as WASI passes it.
        for code in [
            126,
            127,
            128,
            134,
            200,
            255,
            256,
            512,
            u32::MAX,
            i32::MIN as u32,
        ] {
            let status = proc_exit_status(code);
            assert_eq!(status, 125, "proc_exit({code})");
            assert_ne!(status, TRAP);
        }
    }

    #[test]
    fn every_proc_exit_status_crosses_the_debug_exit_device_exactly() {
        let status = |value: u32| (((value << 1) | 1) & 0xff) as i32;
        for code in [0, 1, 124, 125, 126, 256, u32::MAX] {
            let s = proc_exit_status(code);
            assert_eq!(
                debug_exit::decode(status(debug_exit::encode(s))),
                Some(s as u8),
                "proc_exit({code})"
            );
        }
    }
}
