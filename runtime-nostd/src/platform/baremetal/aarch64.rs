//! aarch64 boot code (EL1), exception vectors and the MMU.
//!
//! Boot: park every core but the board's boot core, drop to EL1 when
//! started at EL3 or EL2 (the Raspberry Pi firmware starts at EL2), enable
//! FP/SIMD (`CPACR_EL1.FPEN`), set the stack, zero `.bss`, copy `.data` from flash,
//! install the vectors, and turn the MMU on: with the MMU off all memory is
//! Device memory, where the unaligned accesses Wasm allows would fault.
//! TTBR0 takes `__wafer_boot_map`, a constant level-1 table of 1 GiB blocks
//! that `wafer build` links into flash (`compiler/src/baremetal/
//! aarch64_boot_map.rs`): flash and RAM identity-mapped as Normal memory,
//! devices reached through a Device view 2 GiB up ([`super::mmio`]). The
//! MMU only reads it: its descriptors have the Access flag set and TCR_EL1
//! leaves hardware flag updates (HA, HD) off.
//!
//! The vector table is the image's first 2 KiB (`.text.boot` comes first
//! in flash, and both boards' flash starts 2 KiB aligned), so it costs no
//! alignment padding: the runtime runs on SP_EL1 and has no lower EL, so
//! only the "current EL with SP_ELx" group (0x200-0x3ff) is ever taken.
//! The "SP_EL0" group (0x000-0x1ff) holds the boot code, the lower-EL
//! groups (0x400-0x7ff) whatever the linker puts next; the synchronous
//! slot (0x200) holds the whole exception entry. The table costs the gaps
//! in 0x000-0x3ff, ~0.4 KiB.
//!
//! Guard windows (guard-mode linear memories, see `../paging.rs`) are
//! translated through TTBR1: the top 256 TiB of the 64-bit space, walked
//! only once the first window exists.

use wafer_abi::descriptor::core_start;

use super::paging::Isa;

mod spin_table;

core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".balign 2048",
    ".globl wafer_exception_vectors",
    "wafer_exception_vectors:",
    // 0x000-0x1ff (current EL with SP_EL0: never taken): reset entry.
    ".globl _start",
    "_start:",
    "mrs x0, mpidr_el1",
    "and x0, x0, #0xff",
    "ldr x1, =wafer_board",
    "ldr w1, [x1, #{boot_core}]",
    "cmp x0, x1",
    "b.ne 6f",
    "bl wafer_aarch64_enter_el1",
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
    "9: wfe",
    "b 9b",
    // Any other core parks on the Raspberry Pi's spin table: it polls its
    // mailbox at 0xd8 + 8 * core (x0 = core) and jumps to the address a
    // spawner writes there (`spin_table::start_core`). On boards whose
    // cores start powered off (PSCI) no core ever gets here.
    "6: lsl x0, x0, #3",
    "5: wfe",
    "ldr x1, [x0, #0xd8]",
    "cbz x1, 5b",
    "br x1",
    "4: bl wafer_aarch64_mmu_on",
    "mov x0, sp",
    "bl wafer_baremetal_entry",
    "b 9b",
    // Started at EL3 or EL2 (Raspberry Pi firmware, `kernel_old=1`, QEMU
    // without firmware): run EL1 in AArch64, non-secure, with FP, timers
    // and counters untrapped, and return there (the boot core's `_start`
    // and a core leaving the spin table both call it). Clobbers x0-x3.
    ".globl wafer_aarch64_enter_el1",
    "wafer_aarch64_enter_el1:",
    "mrs x0, CurrentEL",
    "cmp x0, #(1 << 2)",
    "b.ne 10f",
    "ret",
    "10: mov x1, #(1 << 31)", // HCR_EL2.RW
    "msr hcr_el2, x1",
    "mov x1, #0x33ff", // CPTR_EL2: RES1 bits, TFP clear
    "msr cptr_el2, x1",
    "msr hstr_el2, xzr",
    "mov x1, #3", // CNTHCTL_EL2.EL1PCTEN | EL1PCEN
    "msr cnthctl_el2, x1",
    "msr cntvoff_el2, xzr",
    "mov x1, #0x3c5", // SPSR: EL1h, DAIF masked
    "mov x2, x30", // resume at the caller, at EL1
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
    // The MMU half of the boot (every core's: the boot core's above, a
    // started secondary's in `wafer_aarch64_secondary_entry`), in the
    // unused rest of 0x000-0x1ff. Clobbers x0 and x2.
    ".globl wafer_aarch64_mmu_on",
    "wafer_aarch64_mmu_on:",
    "adr x0, wafer_exception_vectors",
    "msr vbar_el1, x0",
    "ldr x0, =__wafer_boot_map",
    "ldr x2, =0xff00", // attr0 Device-nGnRnE, attr1 Normal WB
    "msr mair_el1, x2",
    "ldr x2, ={tcr}",
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
    ".ltorg",
    // 0x200-0x3ff (current EL with SP_ELx): every exception the runtime
    // can take. Synchronous: the entry itself (32 instructions at most).
    ".org 0x200",
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
    "mrs x2, far_el1",
    "bl wafer_aarch64_exception",
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
    // IRQ, FIQ, SError (interrupts stay masked; an SError is fatal), each
    // a branch to the entry, followed by code that needs a home anyway:
    // copies of the protected call, the longjmp back (`crate::arch`) and
    // `memset`. A board image's linker script binds the usual names to
    // these (`compiler/src/baremetal.rs`); a firmware that links the
    // runtime as a library keeps `.text.boot` out and uses the originals.
    ".org 0x280",
    "b wafer_exception_entry",
    crate::arch::call_protected_asm!("wafer_vectors_call_protected"),
    ".org 0x300",
    "b wafer_exception_entry",
    crate::arch::longjmp_asm!("wafer_vectors_longjmp", "wafer_vectors_trap_landing"),
    ".org 0x380",
    "b wafer_exception_entry",
    // `memset` (`crate::mem`'s is 180 B here against these 80): byte
    // stores up to a 16-byte boundary, pairs of words, byte stores for
    // the tail.
    ".globl wafer_vectors_memset",
    "wafer_vectors_memset:",
    "mov x3, x0",
    "and x1, x1, #0xff",
    "mov x4, #0x0101010101010101",
    "mul x1, x1, x4",
    ".Lmemset_head:",
    "cbz x2, .Lmemset_done",
    "tst x3, #15",
    "b.eq .Lmemset_pairs",
    "strb w1, [x3], #1",
    "sub x2, x2, #1",
    "b .Lmemset_head",
    ".Lmemset_pairs:",
    "subs x2, x2, #16",
    "b.lo .Lmemset_tail",
    "stp x1, x1, [x3], #16",
    "b .Lmemset_pairs",
    ".Lmemset_tail:",
    "add x2, x2, #16",
    ".Lmemset_byte:",
    "cbz x2, .Lmemset_done",
    "strb w1, [x3], #1",
    "sub x2, x2, #1",
    "b .Lmemset_byte",
    ".Lmemset_done:",
    "ret",
    // 0x400-0x7ff (lower EL: there is none, so these slots are never
    // taken): the rest of the image.
    ".org 0x400",
    // Whatever follows (the rest of `.text`) may sit in the rest of the
    // lower-EL slots too: they are never taken.
    ".text",
    boot_core = const core::mem::offset_of!(wafer_abi::descriptor::BoardConfig, boot_core),
    tcr = const TCR_IDENTITY,
    current = sym crate::trap::CURRENT_JMPBUF,
);

/// TCR_EL1 for the identity map alone. TTBR0: 32-bit VA (T0SZ=32, the
/// walk starts at level 1 with 4 entries), 4 KiB granule, write-back
/// inner shareable walks. TTBR1: 48-bit VA (T1SZ=16), 4 KiB granule (TG1 =
/// 0b10), same walk attributes, disabled (EPD1) until the first guard
/// window. IPS: 40-bit physical addresses (the Cortex-A53's).
const TCR_IDENTITY: u64 = 32 // T0SZ
    | 0b01 << 8 // IRGN0
    | 0b01 << 10 // ORGN0
    | 0b11 << 12 // SH0
    | 16 << 16 // T1SZ
    | TCR_EPD1
    | 0b01 << 24 // IRGN1
    | 0b01 << 26 // ORGN1
    | 0b11 << 28 // SH1
    | 0b10 << 30 // TG1: 4 KiB
    | 0b010 << 32; // IPS
const TCR_EPD1: u64 = 1 << 23;

/// The guard-window area: TTBR1's half of the address space.
pub struct Mmu;

/// The window area's level-0 table, once the first window exists.
static mut WINDOW_ROOT: *mut u64 = core::ptr::null_mut();

impl Isa for Mmu {
    const AREAS: &'static [(usize, usize)] = &[(0xffff_0000_0000_0000, usize::MAX)];
    const ROOT_SHIFT: u32 = 39;
    const TABLE: u64 = 0b11;
    /// Page, AttrIndx 1 (Normal WB), inner shareable, AF, EL1 read/write,
    /// PXN and UXN.
    const PAGE: u64 = 0b11 | 1 << 2 | 0b11 << 8 | 1 << 10 | 1 << 53 | 1 << 54;

    fn root() -> *mut u64 {
        // SAFETY: single-threaded; the table is a zeroed heap page that
        // stays the window area's root for the rest of the program.
        unsafe {
            if WINDOW_ROOT.is_null() {
                let root = super::map_zeroed(4096) as *mut u64;
                if root.is_null() {
                    return root;
                }
                WINDOW_ROOT = root;
                walk_windows(root);
            }
            WINDOW_ROOT
        }
    }

    fn sync() {
        // SAFETY: barriers and a TLB flush of this core's EL1 entries.
        unsafe {
            core::arch::asm!(
                "dsb ishst",
                "tlbi vmalle1",
                "dsb ish",
                "isb",
                options(nostack)
            );
        }
    }
}

/// Called by the exception entry with ESR_EL1, ELR_EL1 and FAR_EL1:
/// returns where to resume (the trap landing) or ends the program.
#[unsafe(no_mangle)]
extern "C" fn wafer_aarch64_exception(esr: usize, elr: usize, far: usize) -> usize {
    /// ESR_EL1.EC of a data abort taken without a change of EL.
    const DATA_ABORT_SAME_EL: usize = 0x25;
    if (esr >> 26) & 0x3f == DATA_ABORT_SAME_EL {
        crate::trap::handle_memory_fault(esr as i32, elr, far)
    } else {
        crate::trap::handle_fault(esr as i32, elr)
    }
}

// A secondary core started by PSCI `CPU_ON` (`start_core`), or leaving
// the spin table (`spin_table`), enters here at
// EL1 with the MMU and caches off and x0 = its `CoreStart` record: it sets
// up what the boot core did (FP/SIMD, vectors, MAIR/TCR/TTBR0 from the
// same boot map, SCTLR), then, on the thread's stack, the guard-window
// table (`wafer_aarch64_secondary_main`). Every core shares the page
// tables, so a memory another core grows is mapped here too.
// Its own section, so an image that never spawns drops it (--gc-sections).
core::arch::global_asm!(
    ".section .text.wafer_aarch64_secondary_entry,\"ax\",%progbits",
    ".balign 4",
    ".globl wafer_aarch64_secondary_entry",
    "wafer_aarch64_secondary_entry:",
    "mov x19, x0",
    "mov x0, #(3 << 20)",
    "msr cpacr_el1, x0",
    "isb",
    "bl wafer_aarch64_mmu_on",
    "ldr x1, [x19]",
    "mov sp, x1",
    "mov x0, x19",
    "bl wafer_aarch64_secondary_main",
    "1: wfe",
    "b 1b",
);

/// PSCI functions (SMC64 calling convention where it matters).
const PSCI_CPU_OFF: u64 = 0x8400_0002;
const PSCI_CPU_ON: u64 = 0xC400_0003;
/// PSCI results of `CPU_ON` that mean "not yet": the core is still
/// powering off after its last thread, or is being started.
const PSCI_ALREADY_ON: i64 = -4;
const PSCI_ON_PENDING: i64 = -5;

/// A PSCI call through `hvc`: QEMU's `virt` machine without EL2/EL3
/// firmware implements PSCI itself on that conduit.
fn psci(function: u64, a: u64, b: u64, c: u64) -> i64 {
    let r: i64;
    // SAFETY: a PSCI call clobbers only x0-x3 (SMCCC).
    unsafe {
        core::arch::asm!(
            "dsb ish",
            "hvc #0",
            inlateout("x0") function as i64 => r,
            inlateout("x1") a => _,
            inlateout("x2") b => _,
            inlateout("x3") c => _,
            options(nostack),
        );
    }
    r
}

/// The calling core's number: `MPIDR_EL1.Aff0` (QEMU `virt` numbers its
/// cores there, up to 8 in one cluster).
pub fn current_core() -> usize {
    let mpidr: u64;
    // SAFETY: reads an ID register.
    unsafe { core::arch::asm!("mrs {}, mpidr_el1", out(reg) mpidr, options(nomem, nostack)) };
    (mpidr & 0xff) as usize
}

/// Starts `core` at the secondary entry with `start` in x0, by the
/// board's method (`core_start` in its record): true when started.
///
/// # Safety
/// `core` must be claimed by the caller and `start` filled for it.
pub unsafe fn start_core(core: usize, start: *const super::threads::CoreStart) -> bool {
    match super::board().core_start {
        // SAFETY: as the caller guarantees.
        core_start::PSCI_HVC => unsafe { psci_start_core(core, start) },
        // SAFETY: as the caller guarantees.
        core_start::SPIN_TABLE => unsafe { spin_table::start_core(core, start) },
        _ => false,
    }
}

/// Ends the calling core's thread: powered off (PSCI), or waiting for the
/// next one (spin table: the core cannot power off).
pub fn stop_core() -> ! {
    if super::board().core_start == core_start::SPIN_TABLE {
        spin_table::park(current_core())
    }
    psci(PSCI_CPU_OFF, 0, 0, 0);
    // CPU_OFF returns only when refused: park.
    loop {
        // SAFETY: waits for an event; nothing is touched.
        unsafe { core::arch::asm!("wfe", options(nomem, nostack)) };
    }
}

/// Powers `core` on through PSCI `CPU_ON`: true when PSCI accepted. A
/// core still powering off after its last thread answers "already on" for
/// a moment: that is retried.
///
/// # Safety
/// As [`start_core`].
unsafe fn psci_start_core(core: usize, start: *const super::threads::CoreStart) -> bool {
    unsafe extern "C" {
        fn wafer_aarch64_secondary_entry();
    }
    let entry = wafer_aarch64_secondary_entry as *const () as usize as u64;
    loop {
        match psci(PSCI_CPU_ON, core as u64, entry, start as u64) {
            0 => return true,
            PSCI_ALREADY_ON | PSCI_ON_PENDING => core::hint::spin_loop(),
            _ => return false,
        }
    }
}

/// Turns on this core's walks through TTBR1, the guard-window table at
/// `root` (the boot core when it makes the table, a started core on its
/// way in).
///
/// # Safety
/// `root` must be the window area's zeroed root table.
#[inline(always)]
unsafe fn walk_windows(root: *mut u64) {
    // SAFETY: as the caller guarantees; the table's stores are made
    // visible to the walker before TTBR1 points at it.
    unsafe {
        core::arch::asm!(
            "dsb ishst",
            "msr ttbr1_el1, {root}",
            "msr tcr_el1, {tcr}",
            "isb",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            root = in(reg) root as u64,
            tcr = in(reg) TCR_IDENTITY & !TCR_EPD1,
            options(nostack),
        );
    }
}

/// The secondary entry's Rust half, on the thread's stack with the MMU on:
/// the guard-window table the boot core installed (if any), then the
/// thread.
#[unsafe(no_mangle)]
extern "C" fn wafer_aarch64_secondary_main(start: *const super::threads::CoreStart) -> ! {
    // SAFETY: WINDOW_ROOT is written once, before any thread is spawned
    // (instantiation makes the windows); the TTBR1 setup is the boot
    // core's in `Mmu::root`.
    unsafe {
        let root = core::ptr::addr_of!(WINDOW_ROOT).read_volatile();
        if !root.is_null() {
            walk_windows(root);
        }
        super::threads::run_core(start)
    }
}
