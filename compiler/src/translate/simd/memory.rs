//! SIMD memory access: `v128.load/store`, the extending `loadNxM`,
//! `load*_splat`, `load*_zero`, `load*_lane` and `store*_lane`.
//!
//! Every access goes through [`FuncTranslator::checked_address`] with its
//! real width, so it is bounds-checked exactly like a scalar access of
//! that many bytes, in both `--bounds-checks` modes.

use anyhow::Result;
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, types};
use wasmparser::{MemArg, Operator};

use super::V128;
use crate::translate::FuncTranslator;

/// How a narrow load is widened into a vector.
#[derive(Clone, Copy)]
enum Widen {
    /// 8 bytes, each lane sign- or zero-extended (`loadNxM_s/u`).
    Extend { lanes: ir::Type, signed: bool },
    /// One lane repeated in every lane (`loadN_splat`).
    Splat(ir::Type),
    /// One lane, the others zero (`loadN_zero`).
    Zero(ir::Type),
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Flags of a heap access of `size` bytes; Wasm memory is little-endian.
    fn vector_access_flags(&self, memarg: &MemArg, size: u64) -> MemFlagsData {
        self.access_flags(memarg, size)
            .with_endianness(Endianness::Little)
    }

    fn load_v128(&mut self, memarg: &MemArg) -> Result<()> {
        let (addr, offset) = self.checked_address(memarg, 16)?;
        let flags = self.vector_access_flags(memarg, 16);
        let v = self.builder.ins().load(V128, flags, addr, offset);
        self.push(v);
        Ok(())
    }

    fn load_widened(&mut self, memarg: &MemArg, widen: Widen) -> Result<()> {
        let size = match widen {
            Widen::Extend { .. } => 8,
            Widen::Splat(lane) | Widen::Zero(lane) => u64::from(lane.bytes()),
        };
        let (addr, offset) = self.checked_address(memarg, size)?;
        let flags = self.vector_access_flags(memarg, size);
        let ins = self.builder.ins();
        let v = match widen {
            Widen::Extend { lanes, signed } => match (lanes, signed) {
                (types::I16X8, true) => ins.sload8x8(flags, addr, offset),
                (types::I16X8, false) => ins.uload8x8(flags, addr, offset),
                (types::I32X4, true) => ins.sload16x4(flags, addr, offset),
                (types::I32X4, false) => ins.uload16x4(flags, addr, offset),
                (_, true) => ins.sload32x2(flags, addr, offset),
                (_, false) => ins.uload32x2(flags, addr, offset),
            },
            Widen::Splat(lane) => {
                let x = self.builder.ins().load(lane, flags, addr, offset);
                let vector = lane.by(16 / lane.bytes()).expect("a 128-bit vector type");
                self.builder.ins().splat(vector, x)
            }
            Widen::Zero(lane) => {
                let x = self.builder.ins().load(lane, flags, addr, offset);
                let vector = lane.by(16 / lane.bytes()).expect("a 128-bit vector type");
                self.builder.ins().scalar_to_vector(vector, x)
            }
        };
        self.push_vector(v);
        Ok(())
    }

    /// `loadN_lane`: the vector is on top, the address below it.
    fn load_lane(&mut self, memarg: &MemArg, vector: ir::Type, lane: u8) -> Result<()> {
        let v = self.pop_vector(vector)?;
        let size = u64::from(vector.lane_type().bytes());
        let (addr, offset) = self.checked_address(memarg, size)?;
        let flags = self.vector_access_flags(memarg, size);
        let x = self
            .builder
            .ins()
            .load(vector.lane_type(), flags, addr, offset);
        let r = self.builder.ins().insertlane(v, x, lane);
        self.push_vector(r);
        Ok(())
    }

    /// `storeN_lane`: the vector is on top, the address below it.
    fn store_lane(&mut self, memarg: &MemArg, vector: ir::Type, lane: u8) -> Result<()> {
        let v = self.pop_vector(vector)?;
        let size = u64::from(vector.lane_type().bytes());
        let (addr, offset) = self.checked_address(memarg, size)?;
        let flags = self.vector_access_flags(memarg, size);
        let x = self.builder.ins().extractlane(v, lane);
        self.builder.ins().store(flags, x, addr, offset);
        Ok(())
    }

    /// Loads the last byte of a guarded 16-byte store's target, so that a
    /// store reaching past the memory's end faults before it writes
    /// anything. Without it, a 16-byte store straddling the end writes its
    /// in-bounds half on aarch64 under QEMU (it splits the `str q` into two
    /// 8-byte stores), and Arm allows a faulting unaligned store to have
    /// written some bytes; Wasm requires a trapping store to write none.
    /// If the last byte is in bounds, so is every byte before it.
    fn probe_last_byte(&mut self, memarg: &MemArg, addr: ir::Value, offset: i32) {
        let flags = self.access_flags(memarg, 16);
        let (addr, offset) = match offset.checked_add(15) {
            Some(last) => (addr, last),
            None => (
                self.builder.ins().iadd_imm_s(addr, i64::from(offset) + 15),
                0,
            ),
        };
        self.builder.ins().load(types::I8, flags, addr, offset);
    }

    /// Translates a SIMD memory operator; `Ok(false)` if `op` is not one.
    pub fn translate_simd_memory(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{I8, I8X16, I16, I16X8, I32, I32X4, I64, I64X2};
        let extend = |lanes, signed| Widen::Extend { lanes, signed };
        match *op {
            Operator::V128Load { ref memarg } => self.load_v128(memarg)?,
            Operator::V128Store { ref memarg } => {
                let v = self.pop_vector(V128)?;
                let (addr, offset) = self.checked_address(memarg, 16)?;
                if self.guarded(memarg, 16) {
                    self.probe_last_byte(memarg, addr, offset);
                }
                let flags = self.vector_access_flags(memarg, 16);
                self.builder.ins().store(flags, v, addr, offset);
            }
            Operator::V128Load8x8S { ref memarg } => {
                self.load_widened(memarg, extend(I16X8, true))?
            }
            Operator::V128Load8x8U { ref memarg } => {
                self.load_widened(memarg, extend(I16X8, false))?
            }
            Operator::V128Load16x4S { ref memarg } => {
                self.load_widened(memarg, extend(I32X4, true))?
            }
            Operator::V128Load16x4U { ref memarg } => {
                self.load_widened(memarg, extend(I32X4, false))?
            }
            Operator::V128Load32x2S { ref memarg } => {
                self.load_widened(memarg, extend(I64X2, true))?
            }
            Operator::V128Load32x2U { ref memarg } => {
                self.load_widened(memarg, extend(I64X2, false))?
            }
            Operator::V128Load8Splat { ref memarg } => {
                self.load_widened(memarg, Widen::Splat(I8))?
            }
            Operator::V128Load16Splat { ref memarg } => {
                self.load_widened(memarg, Widen::Splat(I16))?
            }
            Operator::V128Load32Splat { ref memarg } => {
                self.load_widened(memarg, Widen::Splat(I32))?
            }
            Operator::V128Load64Splat { ref memarg } => {
                self.load_widened(memarg, Widen::Splat(I64))?
            }
            Operator::V128Load32Zero { ref memarg } => {
                self.load_widened(memarg, Widen::Zero(I32))?
            }
            Operator::V128Load64Zero { ref memarg } => {
                self.load_widened(memarg, Widen::Zero(I64))?
            }
            Operator::V128Load8Lane { ref memarg, lane } => self.load_lane(memarg, I8X16, lane)?,
            Operator::V128Load16Lane { ref memarg, lane } => self.load_lane(memarg, I16X8, lane)?,
            Operator::V128Load32Lane { ref memarg, lane } => self.load_lane(memarg, I32X4, lane)?,
            Operator::V128Load64Lane { ref memarg, lane } => self.load_lane(memarg, I64X2, lane)?,
            Operator::V128Store8Lane { ref memarg, lane } => {
                self.store_lane(memarg, I8X16, lane)?
            }
            Operator::V128Store16Lane { ref memarg, lane } => {
                self.store_lane(memarg, I16X8, lane)?
            }
            Operator::V128Store32Lane { ref memarg, lane } => {
                self.store_lane(memarg, I32X4, lane)?
            }
            Operator::V128Store64Lane { ref memarg, lane } => {
                self.store_lane(memarg, I64X2, lane)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
