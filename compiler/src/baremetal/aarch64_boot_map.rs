//! The aarch64 boards' boot map: TTBR0's translation table, computed here
//! from the board description and linked into flash as constant data, so
//! it costs no static RAM and no boot code builds it.
//!
//! 4 KiB granule and a 32-bit VA (T0SZ = 32): the walk starts at level 1,
//! whose table has four 1 GiB entries (32 bytes, 64-byte aligned). GiB 0
//! and 1 map onto themselves as Normal write-back memory where they hold
//! flash or RAM; GiB 2 and 3 are a Device-nGnRnE, never-executable view of
//! GiB 0 and 1 where those hold device registers, and the runtime reaches
//! devices there (`wafer_abi::descriptor::AARCH64_DEVICE_VIEW`). Both
//! aarch64 boards keep memory and devices in one GiB (qemu-virt: flash and
//! the PL011; raspi3b: all of it); an identity map telling them apart would
//! need a 4 KiB level-2 table of 2 MiB blocks, which fits neither the 4 KiB
//! of static RAM nor the 12 KiB of flash a hello image may use.
//!
//! The identity view of such a GiB covers its device registers as Normal
//! memory too. The runtime never accesses them through it; only a
//! speculative read could, a risk on out-of-order cores accepted here for
//! the in-order Cortex-A53 of both boards (docs/architecture.md, "Boot
//! page tables").
//!
//! The MMU never writes the table: every descriptor has the Access flag
//! set, and the runtime leaves TCR_EL1.HA/HD (hardware Access and Dirty
//! flag updates, ARMv8.1) clear.

use anyhow::{Result, bail};
use wafer_abi::descriptor::{AARCH64_DEVICE_VIEW, device};

use super::device_kind;
use crate::config::BareMetal;

const GIB: u64 = 1 << 30;
/// Level-1 block: AttrIndx 1 (MAIR attr1, Normal write-back), inner
/// shareable, Access flag; EL1 read/write and executable.
const NORMAL_BLOCK: u64 = 0b01 | 1 << 2 | 0b11 << 8 | 1 << 10;
/// Level-1 block: AttrIndx 0 (MAIR attr0, Device-nGnRnE), Access flag,
/// never executable (PXN, UXN).
const DEVICE_BLOCK: u64 = 0b01 | 1 << 10 | 1 << 53 | 1 << 54;
/// The GiBs identity-mapped as memory; the device view covers as many.
const MAPPED_GIBS: u64 = AARCH64_DEVICE_VIEW / GIB;

/// The four level-1 descriptors of `bare`'s boot map, or why the board
/// does not fit its layout.
pub fn level1(board_name: &str, bare: &BareMetal) -> Result<[u64; 4]> {
    let memory = [&bare.memory.flash, &bare.memory.ram];
    for region in memory {
        if region.size > 0 && region.base + region.size > AARCH64_DEVICE_VIEW {
            bail!(
                "board {board_name}: memory at {:#x}..{:#x} lies above 2 GiB, which the aarch64 boot map does not cover",
                region.base,
                region.base + region.size
            );
        }
    }
    let mut devices = Vec::new();
    for d in [&bare.console, &bare.exit, &bare.timer, &bare.rng] {
        if has_registers(device_kind(d)?) {
            if d.base >= AARCH64_DEVICE_VIEW {
                bail!(
                    "board {board_name}: the {} registers at {:#x} lie above 2 GiB, which the aarch64 boot map does not cover",
                    d.kind,
                    d.base
                );
            }
            devices.push(d.base);
        }
    }
    let mut table = [0u64; 4];
    for gib in 0..MAPPED_GIBS {
        let (start, end) = (gib * GIB, (gib + 1) * GIB);
        if memory
            .iter()
            .any(|r| r.size > 0 && r.base < end && start < r.base + r.size)
        {
            table[gib as usize] = start | NORMAL_BLOCK;
        }
        if devices.iter().any(|&base| base / GIB == gib) {
            table[(gib + MAPPED_GIBS) as usize] = start | DEVICE_BLOCK;
        }
    }
    Ok(table)
}

/// Whether a device of `kind` is memory-mapped (port I/O, system registers
/// and semihosting have no address).
fn has_registers(kind: u32) -> bool {
    matches!(
        kind,
        device::NS16550
            | device::PL011
            | device::SIFIVE_UART
            | device::SIFIVE_TEST
            | device::CLINT_MTIME
            | device::HPET
            | device::BCM2835_RNG
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Board;

    fn map_of(board: &str) -> [u64; 4] {
        let b = Board::by_name(board).unwrap();
        level1(&b.name, b.bare.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn qemu_virt_maps_flash_and_ram_as_memory_and_the_pl011_gib_as_devices() {
        // Flash at 0 and the PL011 at 0x0900_0000 share GiB 0; RAM from
        // 0x4020_0000 is GiB 1. Descriptor bits by the Arm ARM's level-1
        // block format: 0x705 = valid block | AttrIndx 1 | SH inner | AF;
        // 0x0060_0000_0000_0401 = valid block | AttrIndx 0 | AF | PXN | UXN.
        assert_eq!(
            map_of("qemu-virt-aarch64"),
            [0x705, 0x4000_0705, 0x0060_0000_0000_0401, 0]
        );
    }

    #[test]
    fn raspi3b_maps_its_first_gib_twice() {
        // Load area, RAM, UART0 and the RNG all lie in GiB 0.
        assert_eq!(map_of("raspi3b"), [0x705, 0, 0x0060_0000_0000_0401, 0]);
    }

    #[test]
    fn a_board_with_registers_above_2_gib_is_refused() {
        let b = Board::by_name("raspi3b").unwrap();
        let mut bare = b.bare.clone().unwrap();
        bare.console.base = 0x8000_1000;
        let e = level1("custom", &bare).unwrap_err().to_string();
        assert!(e.contains("pl011 registers at 0x80001000"), "{e}");
        bare.console.base = 0x3f20_1000;
        bare.memory.ram.base = 0x7000_0000;
        let e = level1("custom", &bare).unwrap_err().to_string();
        assert!(e.contains("memory at 0x70000000..0xaa000000"), "{e}");
    }
}
