//! aarch64 boot code (EL1) and exception vectors.
//!
//! Boot: park every core but 0, enable FP/SIMD (`CPACR_EL1.FPEN`), set the
//! stack, zero `.bss`, copy `.data` from flash, install the vectors, and
//! turn the MMU on with an identity map: with the MMU off all memory is
//! Device memory, where the unaligned accesses Wasm allows would fault.
//!
//! The map (4 KiB granule, 39-bit VA, from level 1): the first GiB in 2 MiB
//! blocks — the first 128 MiB (flash) Normal, the rest Device, never
//! executable — and the next three GiB (RAM) Normal in 1 GiB blocks.

/// Level-1 and level-2 translation tables (zeroed with `.bss`).
#[repr(C, align(4096))]
pub struct PageTables {
    level1: [u64; 512],
    level2: [u64; 512],
}

#[unsafe(no_mangle)]
pub static mut WAFER_PAGE_TABLES: PageTables = PageTables {
    level1: [0; 512],
    level2: [0; 512],
};

core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".globl _start",
    "_start:",
    "mrs x0, mpidr_el1",
    "and x0, x0, #0xff",
    "cbnz x0, 9f",
    "mov x0, #(3 << 20)",
    "msr cpacr_el1, x0",
    "isb",
    "ldr x0, =__wafer_stack_top",
    "mov sp, x0",
    "ldr x0, =__wafer_bss_start",
    "ldr x1, =__wafer_bss_end",
    "1: cmp x0, x1",
    "b.hs 2f",
    "str xzr, [x0], #8",
    "b 1b",
    "2: ldr x0, =__wafer_data_start",
    "ldr x1, =__wafer_data_end",
    "ldr x2, =__wafer_data_load",
    "3: cmp x0, x1",
    "b.hs 4f",
    "ldr x3, [x2], #8",
    "str x3, [x0], #8",
    "b 3b",
    "4: ldr x0, =wafer_exception_vectors",
    "msr vbar_el1, x0",
    "bl wafer_mmu_on",
    "mov x0, sp",
    "bl wafer_baremetal_entry",
    "9: wfe",
    "b 9b",
    "",
    // Identity map and MMU enable.
    ".text",
    "wafer_mmu_on:",
    "ldr x0, =WAFER_PAGE_TABLES",
    "add x1, x0, #4096", // level-2 table
    "orr x2, x1, #3",    // table descriptor
    "str x2, [x0]",      // L1[0] -> L2 (first GiB)
    "ldr x3, =0x705",    // Normal, inner shareable, AF, block
    "mov x4, #0x40000000",
    "mov x9, #0x40000000",
    "orr x2, x4, x3",
    "str x2, [x0, #8]", // L1[1]: 1-2 GiB
    "add x4, x4, x9",
    "orr x2, x4, x3",
    "str x2, [x0, #16]", // L1[2]
    "add x4, x4, x9",
    "orr x2, x4, x3",
    "str x2, [x0, #24]",           // L1[3]
    "mov x5, #0",                  // L2 index
    "ldr x6, =0x0060000000000401", // Device nGnRnE, AF, XN, block
    "mov x8, #0x8000000",          // end of flash
    "5: lsl x4, x5, #21",
    "cmp x4, x8",
    "csel x7, x3, x6, lo", // flash Normal, the rest Device
    "orr x2, x4, x7",
    "str x2, [x1, x5, lsl #3]",
    "add x5, x5, #1",
    "cmp x5, #512",
    "b.lo 5b",
    "ldr x2, =0xff00", // attr0 Device-nGnRnE, attr1 Normal WB
    "msr mair_el1, x2",
    "ldr x2, =0x200803519", // T0SZ=25, WBWA, inner shareable, 4K, EPD1, 40-bit PA
    "msr tcr_el1, x2",
    "msr ttbr0_el1, x0",
    "dsb ish",
    "isb",
    "tlbi vmalle1",
    "dsb ish",
    "isb",
    "mrs x2, sctlr_el1",
    "orr x2, x2, #1",         // M
    "orr x2, x2, #(1 << 2)",  // C
    "orr x2, x2, #(1 << 12)", // I
    "bic x2, x2, #(1 << 1)",  // A: no alignment checks
    "msr sctlr_el1, x2",
    "isb",
    "ret",
    "",
    // Vectors: 16 slots of 0x80 bytes; every one goes to the same handler.
    ".balign 2048",
    ".globl wafer_exception_vectors",
    "wafer_exception_vectors:",
    ".rept 16",
    "b wafer_exception_entry",
    ".balign 0x80",
    ".endr",
    "",
    "wafer_exception_entry:",
    "sub sp, sp, #256",
    "stp x0, x1, [sp, #0]",
    "stp x2, x3, [sp, #16]",
    "stp x4, x5, [sp, #32]",
    "stp x6, x7, [sp, #48]",
    "stp x8, x9, [sp, #64]",
    "stp x10, x11, [sp, #80]",
    "stp x12, x13, [sp, #96]",
    "stp x14, x15, [sp, #112]",
    "stp x16, x17, [sp, #128]",
    "stp x18, x29, [sp, #144]",
    "str x30, [sp, #160]",
    "mrs x0, esr_el1",
    "mrs x1, elr_el1",
    "bl wafer_baremetal_exception",
    "msr elr_el1, x0",
    "ldp x0, x1, [sp, #0]",
    "ldp x2, x3, [sp, #16]",
    "ldp x4, x5, [sp, #32]",
    "ldp x6, x7, [sp, #48]",
    "ldp x8, x9, [sp, #64]",
    "ldp x10, x11, [sp, #80]",
    "ldp x12, x13, [sp, #96]",
    "ldp x14, x15, [sp, #112]",
    "ldp x16, x17, [sp, #128]",
    "ldp x18, x29, [sp, #144]",
    "ldr x30, [sp, #160]",
    "add sp, sp, #256",
    "eret",
);
