//! The aarch64 identity map of the first 4 GiB, built at boot with the
//! MMU off (4 KiB granule, TTBR0 with a 32-bit VA: a level-1 table of
//! four 1 GiB entries).
//!
//! Each GiB is one block when it can be: Device-nGnRnE (never executable)
//! when it holds none of the board's flash or RAM, Normal write-back when
//! it holds flash or RAM and none of the board's memory-mapped devices.
//! A GiB holding both gets a level-2 table of 2 MiB blocks, Normal where
//! a block overlaps flash or RAM, Device elsewhere (as peripherals sit
//! wherever the board puts them). The boards need one such table
//! (qemu-virt: flash and the PL011 share the first GiB; raspi3b: all of
//! the board does), so one lives in `.bss`; a board needing more takes them
//! from the heap.

use wafer_abi::descriptor::{BoardConfig, device};

const GIB: u64 = 1 << 30;
const BLOCK_2M: u64 = 1 << 21;
/// Block descriptors: AttrIndx 1 (Normal WB), inner shareable, AF.
const NORMAL_BLOCK: u64 = 0b01 | 1 << 2 | 0b11 << 8 | 1 << 10;
/// Block descriptors: AttrIndx 0 (Device-nGnRnE), AF, PXN, UXN.
const DEVICE_BLOCK: u64 = 0b01 | 1 << 10 | 1 << 53 | 1 << 54;
const TABLE: u64 = 0b11;

#[repr(C, align(64))]
struct Level1([u64; 4]);

#[repr(C, align(4096))]
struct Level2([u64; 512]);

static mut LEVEL1: Level1 = Level1([0; 4]);
static mut LEVEL2: Level2 = Level2([0; 512]);

unsafe extern "C" {
    static __wafer_flash_start: u8;
    static __wafer_flash_end: u8;
    static __wafer_ram_start: u8;
    static __wafer_ram_end: u8;
}

/// The board's flash and RAM, `[start, end)` each.
fn memory() -> [(u64, u64); 2] {
    let at = |s: &u8| s as *const u8 as u64;
    // SAFETY: linker symbols; only their addresses are used.
    unsafe {
        [
            (at(&__wafer_flash_start), at(&__wafer_flash_end)),
            (at(&__wafer_ram_start), at(&__wafer_ram_end)),
        ]
    }
}

/// Base addresses of the board's memory-mapped devices (port I/O, system
/// registers and semihosting have none).
fn devices(board: &BoardConfig) -> [Option<u64>; 4] {
    let mmio = |kind: u32, base: u64| match kind {
        device::NS16550
        | device::PL011
        | device::SIFIVE_UART
        | device::SIFIVE_TEST
        | device::CLINT_MTIME
        | device::HPET
        | device::BCM2835_RNG => Some(base),
        _ => None,
    };
    [
        mmio(board.console_kind, board.console_base),
        mmio(board.exit_kind, board.exit_base),
        mmio(board.timer_kind, board.timer_base),
        mmio(board.rng_kind, board.rng_base),
    ]
}

fn overlaps_memory(start: u64, end: u64) -> bool {
    memory().iter().any(|&(s, e)| start < e && s < end)
}

/// Fills the tables and returns the level-1 table's address (TTBR0).
/// Runs once, at boot, with the MMU off.
#[unsafe(no_mangle)]
extern "C" fn wafer_aarch64_identity_map() -> u64 {
    let board = super::super::board();
    // SAFETY: boot is single-threaded and nothing else uses the tables.
    unsafe {
        let level1 = &mut *core::ptr::addr_of_mut!(LEVEL1);
        let mut spare = Some(&mut *core::ptr::addr_of_mut!(LEVEL2));
        for (gib, entry) in level1.0.iter_mut().enumerate() {
            let start = gib as u64 * GIB;
            let end = start + GIB;
            let has_device = devices(board)
                .iter()
                .flatten()
                .any(|&base| (start..end).contains(&base));
            *entry = if !overlaps_memory(start, end) {
                start | DEVICE_BLOCK
            } else if !has_device {
                start | NORMAL_BLOCK
            } else {
                let table = match spare.take() {
                    Some(table) => table as *mut Level2,
                    None => super::super::map_zeroed(4096) as *mut Level2,
                };
                if table.is_null() {
                    // No RAM for a table (cannot happen on a board with
                    // any heap): leave this GiB as Device memory.
                    start | DEVICE_BLOCK
                } else {
                    fill_level2(&mut *table, start);
                    table as u64 | TABLE
                }
            };
        }
        level1 as *mut Level1 as u64
    }
}

/// 2 MiB blocks of the GiB at `start`.
fn fill_level2(table: &mut Level2, start: u64) {
    for (i, entry) in table.0.iter_mut().enumerate() {
        let block = start + i as u64 * BLOCK_2M;
        let attributes = if overlaps_memory(block, block + BLOCK_2M) {
            NORMAL_BLOCK
        } else {
            DEVICE_BLOCK
        };
        *entry = block | attributes;
    }
}
