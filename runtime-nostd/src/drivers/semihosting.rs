//! Semihosting (ARM and RISC-V): `SYS_EXIT` ends the simulation (QEMU
//! `-semihosting`) with the application's exit code.
//!
//! On hardware without a debugger attached the semihosting instruction is
//! an ordinary breakpoint/halt exception: the runtime reports it as an
//! unexpected exception and the core halts, which is the documented exit
//! of boards without an exit device.

/// Ends the program with `code`.
pub fn exit(code: i32) -> ! {
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x2_0026;
    // 64-bit semihosting takes a pointer to (reason, subcode).
    let block = [ADP_STOPPED_APPLICATION_EXIT, code as u32 as u64];
    // SAFETY (both): the semihosting call reads the two-word block and does
    // not return when the host ends the program.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr());
    }
    // The RISC-V semihosting sequence: three uncompressed instructions in
    // one aligned block, so the debugger can recognise the `ebreak`.
    #[cfg(target_arch = "riscv64")]
    unsafe {
        core::arch::asm!(
            ".option push",
            ".option norvc",
            ".balign 16",
            "slli zero, zero, 0x1f",
            "ebreak",
            "srai zero, zero, 7",
            ".option pop",
            in("a0") SYS_EXIT,
            in("a1") block.as_ptr(),
        );
    }
    let _ = (SYS_EXIT, block);
    loop {
        core::hint::spin_loop();
    }
}
