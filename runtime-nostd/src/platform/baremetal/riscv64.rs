//! riscv64 boot code (M-mode, then S-mode), exception vector and Sv39
//! guard windows.
//!
//! Boot, in M-mode: park every hart but the board's boot hart, set the
//! stack, enable the FPU (`mstatus.FS`), zero `.bss`, copy `.data` from
//! its load address in flash. Then drop to S-mode, the lowest mode with
//! paging: a PMP entry gives S-mode all of memory (with none, S-mode may
//! access nothing), every synchronous exception the runtime handles is
//! delegated to S-mode (`medeleg`), `stvec` gets the vector, `satp` stays
//! Bare (no translation) and `mret` enters Rust in S-mode. The runtime
//! touches no M-mode CSR afterwards: the timer is CLINT `mtime` read by
//! MMIO, and QEMU serves semihosting's `ebreak` from S-mode too. `mtvec`
//! points at the park loop: nothing is left to reach M-mode (interrupts
//! stay disabled, the runtime makes no `ecall`).
//!
//! The vector saves the caller-saved integer registers, asks the runtime
//! where to resume (a trap landing for Wasm traps) and returns there with
//! `sret`.
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
    "csrw mie, zero",
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
    "li t0, 0x2000",
    "csrs mstatus, t0",
    "fscsr zero",
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
    // PMP entry 0: NAPOT over the whole address space, RWX, for S-mode.
    "4: li t0, -1",
    "csrw pmpaddr0, t0",
    "li t0, 0x1f",
    "csrw pmpcfg0, t0",
    "li t0, {delegated}",
    "csrw medeleg, t0",
    "csrw mideleg, zero",
    "la t0, wafer_exception_vector",
    "csrw stvec, t0",
    "la t0, 9f",
    "csrw mtvec, t0",
    "csrw satp, zero",
    // mstatus.MPP = S (0b01), then `mret` to 5f in S-mode.
    "li t0, 0x1800",
    "csrc mstatus, t0",
    "li t0, 0x800",
    "csrs mstatus, t0",
    "la t0, 5f",
    "csrw mepc, t0",
    "mret",
    "5: mv a0, sp",
    "call wafer_baremetal_entry",
    ".balign 4",
    "9: wfi",
    "j 9b",
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
);

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
                core::arch::asm!(
                    "sfence.vma",
                    "csrw satp, {satp}",
                    "sfence.vma",
                    satp = in(reg) SATP_SV39 | root as usize >> 12,
                    options(nostack),
                );
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
