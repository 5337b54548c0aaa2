//! Guard-mode memory accesses (`--bounds-checks guard`): no check in the
//! code; the runtime reserves 8 GiB of address space per memory
//! (`wafer_abi::GUARD_WINDOW_BYTES`): [`GUARD_BELOW_BYTES`] that never are
//! accessible, then the memory's `base`, of which only the first `length`
//! bytes are accessible, so an out-of-bounds access faults and the fault
//! at this trap site becomes `out of bounds memory access`.
//!
//! The native address is `base + zext64(addr) + offset` and the access
//! touches `size` bytes from there; with `addr <= u32::MAX` it stays inside
//! the window exactly when `u32::MAX + offset + size <= GUARD_REACH_BYTES`
//! ([`window_covers`]). An access with a larger static offset keeps the
//! explicit check (it is out of bounds for every address anyway, as no
//! 32-bit memory is longer than 4 GiB, but the check says so without
//! relying on the window).

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, types};
use wafer_abi::{GUARD_BELOW_BYTES, GUARD_REACH_BYTES, GUARDED_MAX_BYTES};
use wasmparser::MemArg;

use super::FuncTranslator;
use crate::emit::BoundsChecks;

/// Whether every access of `size` bytes with static `offset` (any 32-bit
/// address) lies inside the guard window.
pub fn window_covers(offset: u64, size: u64) -> bool {
    u64::from(u32::MAX)
        .checked_add(offset)
        .and_then(|end| end.checked_add(size))
        .is_some_and(|end| end <= GUARD_REACH_BYTES)
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Whether this access goes unchecked, relying on the guard window.
    /// Accesses of a 64-bit memory or of one with 1-byte pages never are
    /// (see `always_checked`): they keep the explicit check in both modes.
    pub fn guarded(&self, memarg: &MemArg, size: u64) -> bool {
        let windowed = match memarg.target {
            wasmparser::MemArgTarget::Memory(index) => !self.always_checked(index),
            _ => false,
        };
        self.env.bounds_checks == BoundsChecks::Guard
            && windowed
            && window_covers(memarg.offset, size)
    }

    /// The native address of a guarded access: `(address, immediate offset)`.
    pub fn guarded_address(&mut self, memarg: &MemArg) -> Result<(ir::Value, i32)> {
        let addr32 = self.pop()?;
        let wasmparser::MemArgTarget::Memory(index) = memarg.target else {
            anyhow::bail!("GC array accesses are not supported");
        };
        let record = self.memory_record(index);
        if memarg.offset == 0
            && self.env.fold_negative_adds
            && self.min_bytes(index) <= GUARDED_MAX_BYTES
            && let Some((x, below)) = self.split_negative_add(addr32)
        {
            let addr = self.builder.ins().uextend(types::I64, x);
            let (native, _) = self.native_address(record, addr, 0);
            return Ok((native, below));
        }
        let (addr32, folded) = self.split_constant_add(addr32);
        let addr = self.builder.ins().uextend(types::I64, addr32);
        Ok(self.native_address(record, addr, memarg.offset + folded))
    }

    /// `addr32` as `(x, k)` with `addr32 == x + k` (i32, wrapping) and
    /// `-GUARD_BELOW_BYTES <= k < 0`, for an access with static offset 0:
    /// `base + zext(x) + k` is then the access's native address. For
    /// `x >= -k` it is exactly `base + zext(x + k)`; for `x < -k` the Wasm
    /// address wraps to `2^32 + x + k`, out of bounds as no guard-mode
    /// memory grows past `GUARDED_MAX_BYTES` (the caller leaves out a
    /// memory declared larger: 65 536 pages), and the folded address lies
    /// in the guard below `base`: the same trap. (A nonzero
    /// static offset would move some of those folded addresses back into
    /// the memory, so it keeps the `add`.) Clang leaves such adds in front
    /// of accesses to fields below a pointer (n-body's `p - 48`).
    fn split_negative_add(&self, addr32: ir::Value) -> Option<(ir::Value, i32)> {
        let dfg = &self.builder.func.dfg;
        let sum = dfg.resolve_aliases(addr32);
        let ir::ValueDef::Result(inst, _) = dfg.value_def(sum) else {
            return None;
        };
        let ir::InstructionData::Binary { opcode, args } = dfg.insts[inst] else {
            return None;
        };
        let [a, b] = args.map(|v| dfg.resolve_aliases(v));
        let constant = |v: ir::Value| self.constant_of(v).map(|c| i64::from(c as i32));
        let below = |k: i64| {
            (-(GUARD_BELOW_BYTES as i64)..0)
                .contains(&k)
                .then_some(k as i32)
        };
        match opcode {
            ir::Opcode::Iadd => match (constant(a).and_then(below), constant(b).and_then(below)) {
                (_, Some(k)) => Some((a, k)),
                (Some(k), _) => Some((b, k)),
                _ => None,
            },
            // `x - c` is `x + (-c)`.
            ir::Opcode::Isub => Some((a, below(-constant(b)?)?)),
            _ => None,
        }
    }

    /// `addr32` as `(x, c)` with `addr32 == x + c` exactly (no i32
    /// wrap-around), so that `c` can join the access's static offset:
    /// `zext(x + c) == zext(x) + c` only when the sum stays below 2^32,
    /// which `address_bound` must prove for `x` (CRC's table lookup,
    /// `((crc ^ byte) & 0xff) << 2` plus the table's address). The native
    /// address is the same either way, and so is the fault of an access
    /// past the memory's end; the `lea` computing the sum goes away.
    /// `(addr32, 0)` when that cannot be shown.
    pub(super) fn split_constant_add(&self, addr32: ir::Value) -> (ir::Value, u64) {
        let dfg = &self.builder.func.dfg;
        let sum = dfg.resolve_aliases(addr32);
        let ir::ValueDef::Result(inst, _) = dfg.value_def(sum) else {
            return (addr32, 0);
        };
        let ir::InstructionData::Binary {
            opcode: ir::Opcode::Iadd,
            args,
        } = dfg.insts[inst]
        else {
            return (addr32, 0);
        };
        let [a, b] = args.map(|v| dfg.resolve_aliases(v));
        let constant = |v: ir::Value| self.constant_of(v).map(|c| u64::from(c as u32));
        let (x, c) = match (constant(a), constant(b)) {
            (_, Some(c)) => (a, c),
            (Some(c), _) => (b, c),
            _ => return (addr32, 0),
        };
        match super::address_bound::address_bound(dfg, x) {
            Some(max) if max + c <= u64::from(u32::MAX) => (x, c),
            _ => (addr32, 0),
        }
    }

    /// Flags of the load/store itself: a registered trap site when guarded
    /// (the fault is the check), `notrap` when checked before.
    pub fn access_flags(&self, memarg: &MemArg, size: u64) -> MemFlagsData {
        if self.guarded(memarg, size) {
            MemFlagsData::new()
                .with_alias_region(Some(self.regions.heap))
                .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
        } else {
            self.heap_flags()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::window_covers;

    #[test]
    fn the_window_covers_every_32_bit_offset_up_to_its_last_byte() {
        // The window reaches 8 GiB - 64 KiB = 0x1_FFFF_0000 bytes past the
        // base. The highest address (u32::MAX) plus offset 0xFFFE_FFFF
        // ends the access at 0x1_FFFE_FFFE + size: two bytes still end
        // inside, three do not.
        assert!(window_covers(0xFFFE_FFFF, 1));
        assert!(window_covers(0xFFFE_FFFF, 2));
        assert!(!window_covers(0xFFFE_FFFF, 3));
        assert!(window_covers(0xFFFE_FFF9, 8));
        assert!(!window_covers(0xFFFE_FFFA, 8));
        assert!(!window_covers(0xFFFF_FFFF, 1));
        assert!(window_covers(0, 16));
        assert!(window_covers(0x8000_0000, 8));
    }

    #[test]
    fn offsets_beyond_32_bits_are_never_covered_and_do_not_overflow() {
        assert!(!window_covers(1 << 32, 2));
        assert!(!window_covers(u64::MAX, 8));
    }
}
