//! aarch64 (AAPCS64): entry, protected calls, trap landing.
//!
//! JmpBuf words: 0-9 x19-x28, 10 x29, 11 x30, 12 sp, 13-20 d8-d15.

#[cfg(all(not(test), not(wafer_platform = "baremetal")))]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov x29, #0",
    "mov x30, #0",
    "mov x0, sp",
    "bl wafer_linux_entry",
    "udf #0",
);

/// `wafer_call_protected(buf, f, a, b)`: saves the callee-saved state in
/// `buf` and calls `f(a, b)`; returns 0, or the value given to
/// `wafer_longjmp` when a trap unwinds to it. A macro so the bare-metal
/// aarch64 boot code can place it in a gap of its exception vector table
/// (`platform/baremetal/aarch64.rs`) instead of after it.
macro_rules! call_protected_asm {
    () => {
        concat!(
            ".globl wafer_call_protected\n",
            "wafer_call_protected:\n",
            "stp x19, x20, [x0, #0]\n",
            "stp x21, x22, [x0, #16]\n",
            "stp x23, x24, [x0, #32]\n",
            "stp x25, x26, [x0, #48]\n",
            "stp x27, x28, [x0, #64]\n",
            "stp x29, x30, [x0, #80]\n",
            "mov x9, sp\n",
            "str x9, [x0, #96]\n",
            "stp d8, d9, [x0, #104]\n",
            "stp d10, d11, [x0, #120]\n",
            "stp d12, d13, [x0, #136]\n",
            "stp d14, d15, [x0, #152]\n",
            "stp x29, x30, [sp, #-16]!\n",
            "mov x9, x1\n",
            "mov x0, x2\n",
            "mov x1, x3\n",
            "blr x9\n",
            "ldp x29, x30, [sp], #16\n",
            "mov w0, #0\n",
            "ret\n",
        )
    };
}

/// `wafer_longjmp(buf, value)`, and `wafer_trap_landing` (where a fault
/// handler resumes: longjmp to the current protected call with 1). Takes
/// `current = sym crate::trap::CURRENT_JMPBUF` from its `global_asm!`.
macro_rules! longjmp_asm {
    () => {
        concat!(
            ".globl wafer_longjmp\n",
            "wafer_longjmp:\n",
            "ldp x19, x20, [x0, #0]\n",
            "ldp x21, x22, [x0, #16]\n",
            "ldp x23, x24, [x0, #32]\n",
            "ldp x25, x26, [x0, #48]\n",
            "ldp x27, x28, [x0, #64]\n",
            "ldp x29, x30, [x0, #80]\n",
            "ldr x9, [x0, #96]\n",
            "mov sp, x9\n",
            "ldp d8, d9, [x0, #104]\n",
            "ldp d10, d11, [x0, #120]\n",
            "ldp d12, d13, [x0, #136]\n",
            "ldp d14, d15, [x0, #152]\n",
            "mov w0, w1\n",
            "ret\n",
            ".globl wafer_trap_landing\n",
            "wafer_trap_landing:\n",
            "adrp x0, {current}\n",
            "ldr x0, [x0, :lo12:{current}]\n",
            "mov w1, #1\n",
            "b wafer_longjmp\n",
        )
    };
}

#[cfg(wafer_platform = "baremetal")]
pub(crate) use {call_protected_asm, longjmp_asm};

#[cfg(not(wafer_platform = "baremetal"))]
core::arch::global_asm!(
    call_protected_asm!(),
    longjmp_asm!(),
    current = sym crate::trap::CURRENT_JMPBUF,
);
