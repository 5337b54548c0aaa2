//! x86 I/O port access.

/// # Safety
/// `port` must be a device register that may be read.
pub unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    // SAFETY: guaranteed by the caller.
    unsafe {
        core::arch::asm!("in al, dx", in("dx") port, out("al") value, options(nomem, nostack))
    };
    value
}

/// # Safety
/// `port` must be a device register that may be written.
pub unsafe fn outb(port: u16, value: u8) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        core::arch::asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack))
    };
}

/// # Safety
/// As for [`outb`], with a 32-bit register.
pub unsafe fn outl(port: u16, value: u32) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        core::arch::asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack))
    };
}
