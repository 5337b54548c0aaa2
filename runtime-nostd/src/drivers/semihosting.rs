//! ARM semihosting: `SYS_EXIT` ends the simulation (QEMU `-semihosting`)
//! with the application's exit code.

/// Ends the program with `code`.
pub fn exit(code: i32) -> ! {
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x2_0026;
    let block = [ADP_STOPPED_APPLICATION_EXIT, code as u32 as u64];
    // SAFETY: the semihosting call reads the two-word block and does not
    // return when the host ends the program.
    unsafe {
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr());
    }
    let _ = (SYS_EXIT, block);
    loop {
        core::hint::spin_loop();
    }
}
