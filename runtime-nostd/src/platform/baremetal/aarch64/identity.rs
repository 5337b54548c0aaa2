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

// Unmangled `WAFER_PAGE_TABLES*` names: `wafer size` and the footprint
// test find the boot page tables by them and report them apart.
#[unsafe(no_mangle)]
static mut WAFER_PAGE_TABLES_LEVEL1: Level1 = Level1([0; 4]);
#[unsafe(no_mangle)]
static mut WAFER_PAGE_TABLES_LEVEL2: Level2 = Level2([0; 512]);

unsafe extern "C" {
    static __wafer_flash_start: u8;
    static __wafer_flash_end: u8;
    static __wafer_ram_start: u8;
    static __wafer_ram_end: u8;
}

/// The board's flash and RAM, `[start, end)` each.
struct Memory([(u64, u64); 2]);

impl Memory {
    fn of_board() -> Memory {
        let at = |s: &u8| s as *const u8 as u64;
        // SAFETY: linker symbols; only their addresses are used.
        unsafe {
            Memory([
                (at(&__wafer_flash_start), at(&__wafer_flash_end)),
                (at(&__wafer_ram_start), at(&__wafer_ram_end)),
            ])
        }
    }

    /// Whether `[start, start + len)` overlaps flash or RAM.
    fn overlaps(&self, start: u64, len: u64) -> bool {
        self.0.iter().any(|&(s, e)| start < e && s < start + len)
    }
}

/// Whether the board has a memory-mapped device in the GiB `gib` (port
/// I/O, system registers and semihosting have no address).
fn device_in(board: &BoardConfig, gib: u64) -> bool {
    [
        (board.console_kind, board.console_base),
        (board.exit_kind, board.exit_base),
        (board.timer_kind, board.timer_base),
        (board.rng_kind, board.rng_base),
    ]
    .iter()
    .any(|&(kind, base)| {
        base / GIB == gib
            && matches!(
                kind,
                device::NS16550
                    | device::PL011
                    | device::SIFIVE_UART
                    | device::SIFIVE_TEST
                    | device::CLINT_MTIME
                    | device::HPET
                    | device::BCM2835_RNG
            )
    })
}

/// Fills the tables and returns the level-1 table's address (TTBR0).
/// Runs once, at boot, with the MMU off.
#[unsafe(no_mangle)]
extern "C" fn wafer_aarch64_identity_map() -> u64 {
    let board = super::super::board();
    let memory = Memory::of_board();
    // SAFETY: boot is single-threaded and nothing else uses the tables.
    unsafe {
        let level1 = &mut *core::ptr::addr_of_mut!(WAFER_PAGE_TABLES_LEVEL1);
        let mut spare = core::ptr::addr_of_mut!(WAFER_PAGE_TABLES_LEVEL2);
        for (gib, entry) in (0..).zip(level1.0.iter_mut()) {
            let start = gib * GIB;
            *entry = start | DEVICE_BLOCK;
            if !memory.overlaps(start, GIB) {
                continue;
            }
            if !device_in(board, gib) {
                *entry = start | NORMAL_BLOCK;
                continue;
            }
            let table = if spare.is_null() {
                super::super::map(4096) as *mut Level2
            } else {
                core::mem::replace(&mut spare, core::ptr::null_mut())
            };
            // No RAM for a table (not on a board with any heap): this GiB
            // stays Device memory.
            if table.is_null() {
                continue;
            }
            for (i, block) in (0..).zip((*table).0.iter_mut()) {
                let address = start + i * BLOCK_2M;
                *block = address
                    | if memory.overlaps(address, BLOCK_2M) {
                        NORMAL_BLOCK
                    } else {
                        DEVICE_BLOCK
                    };
            }
            *entry = table as u64 | TABLE;
        }
        level1 as *mut Level1 as u64
    }
}
