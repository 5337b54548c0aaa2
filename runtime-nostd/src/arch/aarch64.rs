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
/// `wafer_longjmp` when a trap unwinds to it, named `$name`. A macro so
/// the bare-metal aarch64 boot code can place a copy in a gap of its
/// exception vector table (`platform/baremetal/aarch64.rs`).
macro_rules! call_protected_asm {
    ($name:literal) => {
        concat!(
            ".globl ",
            $name,
            "\n",
            $name,
            ":\n",
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
/// handler resumes: longjmp to the current protected call with 1), named
/// `$longjmp` and `$landing`. Takes
/// `current = sym crate::trap::CURRENT_JMPBUF` from its `global_asm!`.
macro_rules! longjmp_asm {
    ($longjmp:literal, $landing:literal) => {
        concat!(
            ".globl ",
            $longjmp,
            "\n",
            $longjmp,
            ":\n",
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
            ".globl ",
            $landing,
            "\n",
            $landing,
            ":\n",
            "adrp x0, {current}\n",
            "ldr x0, [x0, :lo12:{current}]\n",
            "mov w1, #1\n",
            "b ",
            $longjmp,
            "\n",
        )
    };
}

#[cfg(wafer_platform = "baremetal")]
pub(crate) use {call_protected_asm, longjmp_asm};

// Each in a section of its own: on the aarch64 boards the linker script
// binds these names to the copies in the exception vector table's gaps
// (`platform/baremetal/aarch64.rs`), and `--gc-sections` drops these.
core::arch::global_asm!(
    ".section .text.wafer_call_protected,\"ax\",%progbits",
    call_protected_asm!("wafer_call_protected"),
    ".section .text.wafer_longjmp,\"ax\",%progbits",
    longjmp_asm!("wafer_longjmp", "wafer_trap_landing"),
    ".text",
    current = sym crate::trap::CURRENT_JMPBUF,
);
