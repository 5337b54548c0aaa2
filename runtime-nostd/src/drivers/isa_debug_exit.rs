//! QEMU's `isa-debug-exit` device (x86): writing `v` to its port ends QEMU
//! with status `(v << 1) | 1`. The exit code is encoded to fit the 7 bits
//! that reach the host (`wafer_abi::exit::debug_exit`).

/// Ends QEMU with `code`.
pub fn exit(port: u64, code: i32) -> ! {
    let value = wafer_abi::exit::debug_exit::encode(code);
    // SAFETY: `port` is the board's debug-exit port (from its description).
    unsafe { super::port::outl(port as u16, value) };
    loop {
        core::hint::spin_loop();
    }
}
