//! aarch64 boot code (EL1) and exception vectors.
//!
//! Boot: park every core but the board's boot core, drop to EL1 when
//! started at EL3 or EL2 (the Raspberry Pi firmware starts at EL2), enable
//! FP/SIMD (`CPACR_EL1.FPEN`), set the stack, zero `.bss`, copy `.data` from flash,
//! install the vectors, and turn the MMU on with an identity map: with the
//! MMU off all memory is Device memory, where the unaligned accesses Wasm
//! allows would fault.
//!
//! The map (4 KiB granule, 39-bit VA): the first 4 GiB in 2 MiB blocks
//! (level 1 -> four level-2 tables). A block that overlaps the board's
//! flash or RAM (linker symbols `__wafer_{flash,ram}_{start,end}`) is
//! Normal write-back memory; every other block is Device-nGnRnE and never
//! executable, so peripherals work wherever the board puts them.

/// Level-1 and level-2 translation tables (zeroed with `.bss`).
#[repr(C, align(4096))]
pub struct PageTables {
    level1: [u64; 512],
    level2: [[u64; 512]; 4],
}

#[unsafe(no_mangle)]
pub static mut WAFER_PAGE_TABLES: PageTables = PageTables {
    level1: [0; 512],
    level2: [[0; 512]; 4],
};

core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".globl _start",
    "_start:",
    "mrs x0, mpidr_el1",
    "and x0, x0, #0xff",
    "ldr x1, =wafer_board",
    "ldr w1, [x1, #{boot_core}]",
    "cmp x0, x1",
    "b.ne 9f",
    // Started at EL3 or EL2 (Raspberry Pi firmware, `kernel_old=1`, QEMU
    // without firmware): run EL1 in AArch64, non-secure, with FP, timers
    // and counters untrapped, and enter it.
    "mrs x0, CurrentEL",
    "cmp x0, #(1 << 2)",
    "b.eq 8f",
    "mov x1, #(1 << 31)", // HCR_EL2.RW
    "msr hcr_el2, x1",
    "mov x1, #0x33ff", // CPTR_EL2: RES1 bits, TFP clear
    "msr cptr_el2, x1",
    "msr hstr_el2, xzr",
    "mov x1, #3", // CNTHCTL_EL2.EL1PCTEN | EL1PCEN
    "msr cnthctl_el2, x1",
    "msr cntvoff_el2, xzr",
    "mov x1, #0x3c5", // SPSR: EL1h, DAIF masked
    "adr x2, 8f",
    "cmp x0, #(3 << 2)",
    "b.ne 7f",
    "mov x3, #0x431", // SCR_EL3: RW, RES1, NS
    "msr scr_el3, x3",
    "msr cptr_el3, xzr",
    "msr spsr_el3, x1",
    "msr elr_el3, x2",
    "eret",
    "7: msr spsr_el2, x1",
    "msr elr_el2, x2",
    "eret",
    "8: mov x0, #(3 << 20)",
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
    // L1[0..4] -> the four level-2 tables.
    "mov x5, #0",
    "5: add x1, x0, #4096",
    "add x1, x1, x5, lsl #12",
    "orr x1, x1, #3", // table descriptor
    "str x1, [x0, x5, lsl #3]",
    "add x5, x5, #1",
    "cmp x5, #4",
    "b.lo 5b",
    // 2048 blocks of 2 MiB: Normal when they overlap flash or RAM.
    "add x1, x0, #4096",            // first level-2 entry
    "ldr x3, =0x705",               // Normal, inner shareable, AF, block
    "ldr x6, =0x0060000000000401",  // Device nGnRnE, AF, XN, block
    "ldr x10, =__wafer_flash_start",
    "ldr x11, =__wafer_flash_end",
    "ldr x12, =__wafer_ram_start",
    "ldr x13, =__wafer_ram_end",
    "mov x5, #0",
    "6: lsl x4, x5, #21",           // block start
    "add x9, x4, #0x200000",        // block end
    "mov x7, x6",
    // overlap(start, end) = block_start < end && start < block_end
    "cmp x4, x11",
    "ccmp x10, x9, #2, lo", // not lo (C set) when the first test failed
    "csel x7, x3, x7, lo",
    "cmp x4, x13",
    "ccmp x12, x9, #2, lo",
    "csel x7, x3, x7, lo",
    "orr x2, x4, x7",
    "str x2, [x1, x5, lsl #3]",
    "add x5, x5, #1",
    "cmp x5, #2048",
    "b.lo 6b",
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
    // SCTLR_EL1 from its RES1 bits (its reset value is UNKNOWN): M, C, I
    // on, alignment checks (A) off.
    "ldr x2, =0x30d01805",
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
    boot_core = const core::mem::offset_of!(wafer_abi::descriptor::BoardConfig, boot_core),
);
