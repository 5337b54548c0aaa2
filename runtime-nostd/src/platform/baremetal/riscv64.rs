//! riscv64 boot code (M-mode, then S-mode), exception vector and Sv39
//! guard windows.
//!
//! Boot, in M-mode: park every hart but the board's boot hart (below), set
//! the stack, enable the FPU (`mstatus.FS`), zero `.bss`, copy `.data` from
//! its load address in flash. Then drop to S-mode, the lowest mode with
//! paging: a PMP entry gives S-mode all of memory (with none, S-mode may
//! access nothing), every synchronous exception the runtime handles is
//! delegated to S-mode (`medeleg`), `stvec` gets the vector, `satp` stays
//! Bare (no translation) and `mret` enters Rust in S-mode. The runtime
//! touches no M-mode CSR afterwards: the timer is CLINT `mtime` read by
//! MMIO (a spawner raises another hart's `msip` by MMIO too), and QEMU
//! serves semihosting's `ebreak` from S-mode. `mtvec` points at the park
//! loop: the only way back to M-mode is a finished thread's `ecall`
//! (interrupts stay disabled in S-mode: `mie` is zero there).
//!
//! The vector saves the caller-saved integer registers, asks the runtime
//! where to resume (a trap landing for Wasm traps) and returns there with
//! `sret`.
//!
//! Harts for Wasm threads (`threads.rs`): a parked hart sleeps in `wfi` in
//! M-mode with only the machine software interrupt enabled (`mie.MSIE`,
//! `mstatus.MIE` off, so it wakes without a trap). `start_core` writes the
//! hart's mailbox (secondary entry, `CoreStart` record), then its CLINT
//! `msip`; the hart checks `mip.MSIP`, reads the mailbox, runs the boot
//! hart's M-mode setup (`wafer_riscv_enter_supervisor`) on the thread's
//! stack and the thread in S-mode, with the boot hart's Sv39 table if
//! guard windows exist. A finished thread's `ecall` (not delegated) takes
//! the hart back to M-mode at `mtvec`: the park loop. S-mode cannot read
//! `mhartid`: every hart keeps its number in `sscratch`.
//!
//! Guard windows (guard-mode linear memories, see `paging.rs`): the first
//! one turns Sv39 paging on with a root table from the heap (so images
//! without guard-mode memories pay no RAM for it) that identity-maps the
//! first 4 GiB with 1 GiB pages (flash, RAM and every device of both
//! boards) and holds the windows' tables. Sv39 has 512 GiB of VA: windows
//! fill 4-252 GiB and the upper 256 GiB, 63 of 8 GiB.

use super::paging::Isa;

core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".globl _start",
    "_start:",
    "csrr t0, mhartid",
    ".option push",
    ".option norelax",
    "la t1, wafer_board",
    ".option pop",
    "lwu t1, {boot_core}(t1)",
    "bne t0, t1, 9f",
    ".option push",
    ".option norelax",
    "la sp, __wafer_stack_top",
    ".option pop",
    "la t0, __wafer_bss_start",
    "la t1, __wafer_bss_end",
    "1: bgeu t0, t1, 2f",
    "sd zero, 0(t0)",
    "addi t0, t0, 8",
    "j 1b",
    "2: la t0, __wafer_data_start",
    "la t1, __wafer_data_end",
    "la t2, __wafer_data_load",
    "3: bgeu t0, t1, 4f",
    "ld t3, 0(t2)",
    "sd t3, 0(t0)",
    "addi t0, t0, 8",
    "addi t2, t2, 8",
    "j 3b",
    "4: la t0, 5f",
    // Every hart's way from M-mode into the runtime (the boot hart's from
    // here, a started hart's from `wafer_riscv_secondary_entry`): enters
    // t0 in S-mode, keeping sp and a0. Clobbers t1.
    ".globl wafer_riscv_enter_supervisor",
    "wafer_riscv_enter_supervisor:",
    "csrw mie, zero",
    "li t1, 0x2000",
    "csrs mstatus, t1",
    "fscsr zero",
    // The hart's number for S-mode, which cannot read `mhartid`.
    "csrr t1, mhartid",
    "csrw sscratch, t1",
    // PMP entry 0: NAPOT over the whole address space, RWX, for S-mode.
    "li t1, -1",
    "csrw pmpaddr0, t1",
    "li t1, 0x1f",
    "csrw pmpcfg0, t1",
    "li t1, {delegated}",
    "csrw medeleg, t1",
    "csrw mideleg, zero",
    "la t1, wafer_exception_vector",
    "csrw stvec, t1",
    "la t1, 9f",
    "csrw mtvec, t1",
    "csrw satp, zero",
    // mstatus.MPP = S (0b01), then `mret` to t0 in S-mode.
    "li t1, 0x1800",
    "csrc mstatus, t1",
    "li t1, 0x800",
    "csrs mstatus, t1",
    "csrw mepc, t0",
    "mret",
    "5: mv a0, sp",
    "call wafer_baremetal_entry",
    // The park loop (M-mode): every hart but the boot hart from reset, a
    // hart whose thread ended (its `ecall`, see `stop_core`) and any other
    // M-mode trap. Interrupts stay globally off (`mstatus.MIE` = 0); with
    // the machine software interrupt enabled in `mie`, a spawner's IPI
    // (CLINT `msip`) ends the `wfi` without a trap. Then the hart's
    // mailbox names the routine to run with a0 = its record: none (0)
    // until a spawner fills it, so a wake-up without the IPI parks again.
    ".balign 4",
    "9: li t0, {msie}",
    "csrw mie, t0",
    "wfi",
    "csrr t0, mip",
    "andi t0, t0, {msie}",
    "beqz t0, 9b",
    "fence iorw, iorw",
    "csrr t0, mhartid",
    "slli t0, t0, 4",
    "la t1, {mailbox}",
    "add t1, t1, t0",
    "ld a0, 8(t1)",
    "ld t0, 0(t1)",
    "beqz t0, 9b",
    "jr t0",
    "",
    ".text",
    ".balign 4",
    ".globl wafer_exception_vector",
    "wafer_exception_vector:",
    "addi sp, sp, -256",
    "sd ra, 8(sp)",
    "sd gp, 24(sp)",
    "sd tp, 32(sp)",
    "sd t0, 40(sp)",
    "sd t1, 48(sp)",
    "sd t2, 56(sp)",
    "sd s0, 64(sp)",
    "sd s1, 72(sp)",
    "sd a0, 80(sp)",
    "sd a1, 88(sp)",
    "sd a2, 96(sp)",
    "sd a3, 104(sp)",
    "sd a4, 112(sp)",
    "sd a5, 120(sp)",
    "sd a6, 128(sp)",
    "sd a7, 136(sp)",
    "sd t3, 224(sp)",
    "sd t4, 232(sp)",
    "sd t5, 240(sp)",
    "sd t6, 248(sp)",
    "csrr a0, scause",
    "csrr a1, sepc",
    "csrr a2, stval",
    "call wafer_riscv_exception",
    "csrw sepc, a0",
    "ld ra, 8(sp)",
    "ld gp, 24(sp)",
    "ld tp, 32(sp)",
    "ld t0, 40(sp)",
    "ld t1, 48(sp)",
    "ld t2, 56(sp)",
    "ld s0, 64(sp)",
    "ld s1, 72(sp)",
    "ld a0, 80(sp)",
    "ld a1, 88(sp)",
    "ld a2, 96(sp)",
    "ld a3, 104(sp)",
    "ld a4, 112(sp)",
    "ld a5, 120(sp)",
    "ld a6, 128(sp)",
    "ld a7, 136(sp)",
    "ld t3, 224(sp)",
    "ld t4, 232(sp)",
    "ld t5, 240(sp)",
    "ld t6, 248(sp)",
    "addi sp, sp, 256",
    "sret",
    boot_core = const core::mem::offset_of!(wafer_abi::descriptor::BoardConfig, boot_core),
    delegated = const DELEGATED_EXCEPTIONS,
    msie = const MIP_MSIP,
    mailbox = sym HART_MAILBOX,
);

/// `mie.MSIE` / `mip.MSIP`: the machine software interrupt (CLINT `msip`).
const MIP_MSIP: usize = 1 << 3;

/// Per hart: the M-mode routine a parked hart jumps to when its IPI
/// arrives and the argument it gets in a0 (`[routine, argument]`), written
/// by [`start_core`] before the IPI. Routine 0: stay parked.
static mut HART_MAILBOX: [[usize; 2]; wafer_abi::descriptor::MAX_CORES as usize] =
    [[0; 2]; wafer_abi::descriptor::MAX_CORES as usize];

/// `scause` codes the runtime tells apart.
const INSTRUCTION_PAGE_FAULT: usize = 12;
const LOAD_PAGE_FAULT: usize = 13;
const STORE_PAGE_FAULT: usize = 15;

/// `medeleg`: the exceptions S-mode handles. Misaligned, access-fault,
/// illegal-instruction (Wasm trap sites are `unimp`) and breakpoint
/// (causes 0-7) and the page faults; not the `ecall`s (8-11).
const DELEGATED_EXCEPTIONS: usize =
    0xff | 1 << INSTRUCTION_PAGE_FAULT | 1 << LOAD_PAGE_FAULT | 1 << STORE_PAGE_FAULT;

/// Called by the exception vector with `scause`, `sepc` and `stval`:
/// returns where to resume (the trap landing) or ends the program. A load
/// or store page fault is a memory fault at `stval` (the trap only inside
/// a live guard window); anything else goes to the trap-site lookup.
#[unsafe(no_mangle)]
extern "C" fn wafer_riscv_exception(cause: usize, pc: usize, tval: usize) -> usize {
    if cause == LOAD_PAGE_FAULT || cause == STORE_PAGE_FAULT {
        crate::trap::handle_memory_fault(cause as i32, pc, tval)
    } else {
        crate::trap::handle_fault(cause as i32, pc)
    }
}

/// The guard-window area of the Sv39 root table: the entries past the
/// identity map.
pub struct Mmu;

/// The Sv39 root table, once the first window exists.
static mut ROOT: *mut u64 = core::ptr::null_mut();

/// GiB of identity map at the bottom of the root table.
const IDENTITY_GIB: usize = 4;
/// PTE bits: valid, readable, writable, executable, global, accessed,
/// dirty (A and D preset, so the MMU never has to set them).
const V: u64 = 1;
const R: u64 = 1 << 1;
const W: u64 = 1 << 2;
const X: u64 = 1 << 3;
const G: u64 = 1 << 5;
const A: u64 = 1 << 6;
const D: u64 = 1 << 7;
/// `satp.MODE` of Sv39.
const SATP_SV39: usize = 8 << 60;

impl Isa for Mmu {
    const AREAS: &'static [(usize, usize)] = &[
        (IDENTITY_GIB << 30, (1 << 38) - 1),
        (0xffff_ffc0_0000_0000, usize::MAX),
    ];
    const ROOT_SHIFT: u32 = 30;
    /// A pointer to the next level: valid, no R/W/X.
    const TABLE: u64 = V;
    /// Read/write data, not executable.
    const PAGE: u64 = V | R | W | A | D;

    fn root() -> *mut u64 {
        // SAFETY: single-threaded; the table is a zeroed heap page that
        // stays the root for the rest of the program, and identity-maps
        // everything the runtime touches (flash, RAM, devices) before
        // translation starts.
        unsafe {
            if ROOT.is_null() {
                let root = super::map_zeroed(4096) as *mut u64;
                if root.is_null() {
                    return root;
                }
                for gib in 0..IDENTITY_GIB {
                    *root.add(gib) = Self::descriptor(gib << 30, V | R | W | X | G | A | D);
                }
                ROOT = root;
                translate_through(root);
            }
            ROOT
        }
    }

    fn sync() {
        // SAFETY: orders the page-table stores before later translations.
        unsafe { core::arch::asm!("sfence.vma", options(nostack)) };
    }

    /// Sv39 PTE: the physical page number in bits 53:10.
    fn descriptor(pa: usize, bits: u64) -> u64 {
        (pa as u64 >> 12) << 10 | bits
    }

    fn address(descriptor: u64) -> usize {
        ((descriptor >> 10 & ((1 << 44) - 1)) << 12) as usize
    }
}

// A hart started by `start_core` comes here from the park loop, in M-mode
// with a0 = its `CoreStart` record: on the thread's stack it sets up what
// the boot hart did (`wafer_riscv_enter_supervisor`: FPU, PMP, delegation,
// vectors) and enters `wafer_riscv_secondary_main` in S-mode. Its own
// section, so an image that never spawns drops it (--gc-sections).
core::arch::global_asm!(
    ".section .text.wafer_riscv_secondary_entry,\"ax\",@progbits",
    ".balign 4",
    ".globl wafer_riscv_secondary_entry",
    "wafer_riscv_secondary_entry:",
    "ld sp, 0(a0)",
    "la t0, {main}",
    "j wafer_riscv_enter_supervisor",
    main = sym wafer_riscv_secondary_main,
);

/// Offset of `mtime` in the CLINT: the board record's timer base minus it
/// is the CLINT, whose first words are the harts' `msip` registers.
const CLINT_MTIME: u64 = 0xbff8;

/// The `msip` register of `hart` (4 bytes each from the CLINT's base).
fn msip(hart: usize) -> *mut u32 {
    let clint = (super::board().timer_base - CLINT_MTIME) as usize as *mut u32;
    clint.wrapping_add(hart)
}

/// The calling hart's number: `sscratch`, set from `mhartid` when the
/// hart entered S-mode (nothing else writes it).
pub fn current_core() -> usize {
    let hart: usize;
    // SAFETY: reads a CSR of the hart's own mode.
    unsafe { core::arch::asm!("csrr {}, sscratch", out(reg) hart, options(nomem, nostack)) };
    hart
}

/// Wakes the parked `core` at the secondary entry with `start` in a0:
/// fills its mailbox, then raises its IPI. A hart whose last thread is
/// still on its way to the park loop sees the IPI there (`msip` stays set
/// until the woken hart clears it), so the wake-up is never lost.
///
/// # Safety
/// `core` must be claimed by the caller and `start` filled for it.
pub unsafe fn start_core(core: usize, start: *const super::threads::CoreStart) -> bool {
    unsafe extern "C" {
        fn wafer_riscv_secondary_entry();
    }
    let Some(slot) = (unsafe { (*core::ptr::addr_of_mut!(HART_MAILBOX)).get_mut(core) }) else {
        return false;
    };
    let routine = wafer_riscv_secondary_entry as *const () as usize;
    // SAFETY: the mailbox is read by the parked hart only after its IPI,
    // which the fence orders after these stores; `msip` is the CLINT's
    // register for that hart (identity-mapped, PMP open to S-mode).
    unsafe {
        core::ptr::write_volatile(slot, [routine, start as usize]);
        core::arch::asm!("fence rw, ow", options(nostack));
        msip(core).write_volatile(1);
    }
    true
}

/// Parks the calling hart again (its thread has ended): the `ecall` is
/// not delegated, so it enters M-mode at `mtvec`, the park loop.
pub fn stop_core() -> ! {
    loop {
        // SAFETY: leaves S-mode for the park loop, which never returns
        // here (a later start enters at the secondary entry).
        unsafe { core::arch::asm!("ecall", options(nomem, nostack)) };
    }
}

/// Turns on Sv39 translation through the root table `root` on this hart
/// (the boot hart when it makes the table, a started hart on its way in).
///
/// # Safety
/// `root` must be the guard windows' root table, with the identity map.
#[inline(always)]
unsafe fn translate_through(root: *mut u64) {
    // SAFETY: as the caller guarantees: the code and data keep their
    // addresses through the identity map.
    unsafe {
        core::arch::asm!(
            "sfence.vma",
            "csrw satp, {satp}",
            "sfence.vma",
            satp = in(reg) SATP_SV39 | root as usize >> 12,
            options(nostack),
        );
    }
}

/// The secondary entry's S-mode half, on the thread's stack: empties the
/// hart's mailbox and then clears its IPI (so a later wake-up can never
/// find this start's record again), turns on the guard windows' Sv39 table the boot hart made
/// (if any), then runs the thread.
#[unsafe(no_mangle)]
extern "C" fn wafer_riscv_secondary_main(start: *const super::threads::CoreStart) -> ! {
    // SAFETY: the hart's own mailbox (no spawner writes it while the hart
    // is busy) and `msip`; ROOT is written once, before any
    // thread is spawned (instantiation makes the windows), and the satp
    // setup is the boot hart's in `Mmu::root`.
    unsafe {
        let hart = current_core();
        if let Some(slot) = (*core::ptr::addr_of_mut!(HART_MAILBOX)).get_mut(hart) {
            core::ptr::write_volatile(slot, [0; 2]);
        }
        core::arch::asm!("fence rw, ow", options(nostack));
        msip(hart).write_volatile(0);
        let root = core::ptr::addr_of!(ROOT).read_volatile();
        if !root.is_null() {
            translate_through(root);
        }
        super::threads::run_core(start)
    }
}
