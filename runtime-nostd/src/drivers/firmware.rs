//! Platform functions of the firmware that embeds the runtime (`wafer
//! runtime --platform baremetal` without a board, docs/embedding.md): the
//! board record's base of a `device::FIRMWARE` device is the address of
//! the firmware's `wafer_platform_write`, `wafer_platform_exit` or
//! `wafer_platform_monotonic_ns`. Through the record, not by name, so that
//! images (which never have these functions) link without them.

/// `wafer_platform_write(fd, bytes, len)`: fd 1 is stdout, 2 stderr.
pub fn write(function: u64, fd: i32, bytes: &[u8]) {
    if function == 0 {
        return;
    }
    // SAFETY: `wafer runtime` put the address of the firmware's function of
    // this C signature in the record.
    unsafe {
        let f: extern "C" fn(i32, *const u8, usize) = core::mem::transmute(function as usize);
        f(fd, bytes.as_ptr(), bytes.len());
    }
}

/// `wafer_platform_exit(code)`; returns only if the firmware's does.
pub fn exit(function: u64, code: i32) {
    if function == 0 {
        return;
    }
    // SAFETY: as in `write`.
    unsafe {
        let f: extern "C" fn(i32) = core::mem::transmute(function as usize);
        f(code);
    }
}

/// `wafer_platform_monotonic_ns()`: nanoseconds since some fixed point.
pub fn now_ns(function: u64) -> u64 {
    if function == 0 {
        return 0;
    }
    // SAFETY: as in `write`.
    unsafe {
        let f: extern "C" fn() -> u64 = core::mem::transmute(function as usize);
        f()
    }
}
