//! Linear memory: loads, stores, `memory.size/grow`, bulk memory.
//!
//! # Bounds checks — the sandbox depends on this file
//! There is no MMU on most targets, so no guard pages: every access is
//! checked explicitly before it happens (`addr + offset + size <= length`);
//! how that check is made cheap is in [`super::bounds`]. An access whose
//! address is constant, or provably small ([`super::address_bound`]: masks,
//! shifts, narrow loads), and lies wholly below the memory's declared
//! minimum (a memory never shrinks, and an import is at least its declared
//! minimum) is not checked at all. `base` never moves, so its load is
//! marked read-only and Cranelift hoists it.
//!
//! With `--bounds-checks guard` most accesses skip all of this: see
//! `guard.rs`. Not those of 64-bit memories (memory64: i64 addresses,
//! checked with an overflow trap, `bounds.rs` `check_bounds64`) or of
//! memories with 1-byte pages, which are checked in both modes
//! (docs/memories.md).
//!
//! Any change here needs a second reviewer and the edge tests in
//! `tests/wast/` (accesses at `length - size`, `length - size + 1`, offsets
//! near 2^32).

use anyhow::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, types};
use wafer_abi::builtins;
use wafer_abi::vmctx::VMMemory;
use wasmparser::{MemArg, Operator};

use super::FuncTranslator;
use super::env::POINTER;

/// Where a memory record lives: `record + field offset` addresses a field.
#[derive(Clone, Copy)]
pub struct RecordRef {
    pub base: ir::Value,
    pub offset: i32,
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// The record of memory `index`: inline in the vmctx when defined
    /// here, behind a pointer when imported.
    pub fn memory_record(&mut self, index: u32) -> RecordRef {
        let layout = self.env.layout;
        self.record(super::Place::of(
            index,
            self.env.info.num_imported_memories,
            |i| layout.memory_import(i),
            |i| layout.memory(i),
        ))
    }

    /// Whether memory `index` is a 64-bit memory (memory64): i64
    /// addresses, always checked explicitly (no guard window can cover a
    /// 64-bit address).
    pub fn is_memory64(&self, index: u32) -> bool {
        self.env.info.memories[index as usize].memory64
    }

    /// Whether every access of memory `index` is checked explicitly, in
    /// guard mode too (`wafer_abi::vmctx::MemoryShape::always_checked`):
    /// a 64-bit memory (no window covers a 64-bit address) or one with
    /// 1-byte pages (an OS page holds many of them, so the MMU cannot stop
    /// an access one byte past the end; the runtime gives it no window).
    pub fn always_checked(&self, index: u32) -> bool {
        let ty = &self.env.info.memories[index as usize];
        ty.memory64 || crate::module_info::page_size_log2(ty) < 16
    }

    /// The bytes of memory `index`'s minimum (its declared initial pages
    /// times its page size).
    pub fn min_bytes(&self, index: u32) -> u64 {
        let ty = &self.env.info.memories[index as usize];
        ty.initial.saturating_mul(crate::module_info::page_size(ty))
    }

    /// Computes the checked native address of an access of `size` bytes
    /// (popping its i32 or, for a 64-bit memory, i64 address); returns
    /// `(address, immediate offset)`. Every memory operator should get its
    /// address here: it picks the guard window, the 32-bit or the 64-bit
    /// check per memory.
    pub fn checked_address(&mut self, memarg: &MemArg, size: u64) -> Result<(ir::Value, i32)> {
        let wasmparser::MemArgTarget::Memory(index) = memarg.target else {
            anyhow::bail!("GC array accesses are not supported");
        };
        if self.is_memory64(index) {
            return self.checked_address64(index, memarg.offset, size);
        }
        if self.guarded(memarg, size) {
            // In a versioned loop's unchecked copy, hoisted accesses are
            // addressed from their induction as with explicit checks, so
            // that `lane_pairs.rs` finds them.
            let top = *self
                .stack
                .last()
                .ok_or_else(|| anyhow::anyhow!("stack underflow"))?;
            if let Some(hoisted) = self.hoisted_address(index, top, memarg.offset, size) {
                self.pop()?;
                return Ok(hoisted);
            }
            // Guard mode: the MMU checks (see guard.rs).
            return self.guarded_address(memarg);
        }
        let addr32 = self.pop()?;
        let record = self.memory_record(index);
        let min_bytes = self.min_bytes(index);
        let end_offset = memarg.offset + size;

        // A constant address, or one whose masks and shifts keep it small
        // (table lookups), below the declared minimum needs no check.
        let provably_in_bounds =
            super::address_bound::address_bound(&self.builder.func.dfg, addr32)
                .is_some_and(|max| max + end_offset <= min_bytes);
        if provably_in_bounds {
            // No check reads `addr32`: a non-wrapping `+ c` can join the
            // static offset as in guard mode (see `split_constant_add`).
            let (base, folded) = self.split_constant_add(addr32);
            let addr = self.builder.ins().uextend(types::I64, base);
            return Ok(self.native_address(record, addr, memarg.offset + folded));
        }
        if let Some(hoisted) = self.hoisted_address(index, addr32, memarg.offset, size) {
            return Ok(hoisted);
        }
        let addr = self.builder.ins().uextend(types::I64, addr32);
        self.check_bounds(index, addr32, addr, end_offset);
        Ok(self.native_address(record, addr, memarg.offset))
    }

    /// Inside a versioned loop's unchecked copy, where neither the
    /// induction nor `induction + plus` wraps in any iteration
    /// (`hoisted_distance`): `zext(induction) + plus` is the address of
    /// `addr32 + offset` and `plus` joins the immediate (n-body's `p - 48`
    /// fields: no `lea` per access). `None` for an access no hoisted range
    /// covers.
    fn hoisted_address(
        &mut self,
        index: u32,
        addr32: ir::Value,
        offset: u64,
        size: u64,
    ) -> Option<(ir::Value, i32)> {
        let (induction, plus) = self.hoisted_distance(index, addr32, offset + size)?;
        let offset = i32::try_from(offset as i64 + plus)
            .ok()
            .filter(|&offset| offset >= 0 || self.env.fold_negative_adds)?;
        let record = self.memory_record(index);
        let addr = self.builder.ins().uextend(types::I64, induction);
        let (native, _) = self.native_address(record, addr, 0);
        Some((native, offset))
    }

    /// The checked native address of an access of `size` bytes at the i64
    /// address on the stack with static `offset`, in 64-bit memory
    /// `index`: `(address, immediate offset)`. Only a constant address
    /// below the declared minimum goes unchecked; everything else gets the
    /// overflow-proof check of [`Self::check_bounds64`].
    fn checked_address64(
        &mut self,
        index: u32,
        offset: u64,
        size: u64,
    ) -> Result<(ir::Value, i32)> {
        let addr = self.pop()?;
        let record = self.memory_record(index);
        let min_bytes = self.min_bytes(index);
        let below_minimum = self.constant_of(addr).is_some_and(|c| {
            (c as u64)
                .checked_add(offset)
                .and_then(|end| end.checked_add(size))
                .is_some_and(|end| end <= min_bytes)
        });
        if !below_minimum {
            self.check_bounds64(index, addr, offset, size);
        }
        Ok(self.native_address(record, addr, offset))
    }

    /// `memory.base + addr`, with the static `offset` as the access's
    /// immediate when it fits one: `(address, immediate offset)`. `base`
    /// never moves, so its load is read-only and hoisted.
    pub fn native_address(
        &mut self,
        record: RecordRef,
        addr: ir::Value,
        offset: u64,
    ) -> (ir::Value, i32) {
        let flags = self.readonly_flags();
        let base = self.builder.ins().load(
            POINTER,
            flags,
            record.base,
            record.offset + VMMemory::BASE as i32,
        );
        let native = self.builder.ins().iadd(base, addr);
        if offset <= i32::MAX as u64 {
            (native, offset as i32)
        } else {
            (self.builder.ins().iadd_imm_u(native, offset as i64), 0)
        }
    }

    /// The constant value of `v` if it is an `iconst`.
    pub fn constant_of(&self, v: ir::Value) -> Option<i64> {
        let dfg = &self.builder.func.dfg;
        let ir::ValueDef::Result(inst, _) = dfg.value_def(v) else {
            return None;
        };
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    pub fn heap_flags(&self) -> MemFlagsData {
        // Checked above, so the access itself cannot fault; Wasm allows
        // unaligned accesses, so no alignment is promised.
        MemFlagsData::new()
            .with_notrap()
            .with_alias_region(Some(self.regions.heap))
    }

    /// `load` of `ty` (`size` bytes), optionally extended to `extend_to`.
    fn load(
        &mut self,
        memarg: &MemArg,
        ty: ir::Type,
        extend: Option<(ir::Type, bool)>,
    ) -> Result<()> {
        let (addr, offset) = self.checked_address(memarg, u64::from(ty.bytes()))?;
        let flags = self.access_flags(memarg, u64::from(ty.bytes()));
        let value = match extend {
            None => self.builder.ins().load(ty, flags, addr, offset),
            Some((wide, signed)) => match (ty, signed) {
                (types::I8, true) => self.builder.ins().sload8(wide, flags, addr, offset),
                (types::I8, false) => self.builder.ins().uload8(wide, flags, addr, offset),
                (types::I16, true) => self.builder.ins().sload16(wide, flags, addr, offset),
                (types::I16, false) => self.builder.ins().uload16(wide, flags, addr, offset),
                (types::I32, true) => self.builder.ins().sload32(flags, addr, offset),
                (types::I32, false) => self.builder.ins().uload32(flags, addr, offset),
                _ => unreachable!("only 8/16/32-bit loads extend"),
            },
        };
        self.push(value);
        Ok(())
    }

    /// `store` of the low `size` bytes of the top value.
    fn store(&mut self, memarg: &MemArg, narrow: Option<ir::Type>) -> Result<()> {
        let value = self.pop()?;
        let ty = self.builder.func.dfg.value_type(value);
        let size = narrow.unwrap_or(ty).bytes();
        let (addr, offset) = self.checked_address(memarg, u64::from(size))?;
        let flags = self.access_flags(memarg, u64::from(size));
        match narrow {
            None => self.builder.ins().store(flags, value, addr, offset),
            Some(types::I8) => self.builder.ins().istore8(flags, value, addr, offset),
            Some(types::I16) => self.builder.ins().istore16(flags, value, addr, offset),
            Some(_) => self.builder.ins().istore32(flags, value, addr, offset),
        };
        Ok(())
    }

    /// Calls a runtime builtin with the vmctx first.
    pub fn call_builtin(
        &mut self,
        builtin: &builtins::Builtin,
        args: &[ir::Value],
    ) -> Option<ir::Value> {
        let id = self.env.builtin_id(builtin);
        let callee = self.import_function(id);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let call = self.builder.ins().call(callee, &all);
        // Only `memory.grow` changes a length today, but a builtin is a
        // call like any other (the reload is lazy: free if unused).
        self.invalidate_memory_lengths();
        self.builder.inst_results(call).first().copied()
    }

    /// Widens an i32 address or length to the builtins' u64; an i64 (a
    /// 64-bit memory's address or length) is already one.
    pub fn widen(&mut self, v: ir::Value) -> ir::Value {
        if self.builder.func.dfg.value_type(v) == types::I64 {
            return v;
        }
        self.builder.ins().uextend(types::I64, v)
    }

    /// The builtin's u32 result (old size in pages, `u32::MAX` when the
    /// memory cannot grow) as `memory.grow`'s i64 on a 64-bit memory:
    /// -1 on failure, else the zero-extended old size (a sign extension
    /// would turn a 1-byte-page memory of 2 GiB and more negative).
    pub fn grow_result64(&mut self, old: ir::Value) -> ir::Value {
        let failed = self.builder.ins().icmp_imm_s(IntCC::Equal, old, -1);
        let minus_one = self.builder.ins().iconst(types::I64, -1);
        let pages = self.builder.ins().uextend(types::I64, old);
        self.builder.ins().select(failed, minus_one, pages)
    }

    pub fn iconst32(&mut self, v: u32) -> ir::Value {
        self.builder.ins().iconst(types::I32, i64::from(v as i32))
    }

    /// Translates a memory operator; `Ok(false)` if `op` is not one.
    pub fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32, F64, I8, I16, I32, I64};
        match *op {
            Operator::I32Load { ref memarg } => self.load(memarg, I32, None)?,
            Operator::I64Load { ref memarg } => self.load(memarg, I64, None)?,
            Operator::F32Load { ref memarg } => self.load(memarg, F32, None)?,
            Operator::F64Load { ref memarg } => self.load(memarg, F64, None)?,
            Operator::I32Load8S { ref memarg } => self.load(memarg, I8, Some((I32, true)))?,
            Operator::I32Load8U { ref memarg } => self.load(memarg, I8, Some((I32, false)))?,
            Operator::I32Load16S { ref memarg } => self.load(memarg, I16, Some((I32, true)))?,
            Operator::I32Load16U { ref memarg } => self.load(memarg, I16, Some((I32, false)))?,
            Operator::I64Load8S { ref memarg } => self.load(memarg, I8, Some((I64, true)))?,
            Operator::I64Load8U { ref memarg } => self.load(memarg, I8, Some((I64, false)))?,
            Operator::I64Load16S { ref memarg } => self.load(memarg, I16, Some((I64, true)))?,
            Operator::I64Load16U { ref memarg } => self.load(memarg, I16, Some((I64, false)))?,
            Operator::I64Load32S { ref memarg } => self.load(memarg, I32, Some((I64, true)))?,
            Operator::I64Load32U { ref memarg } => self.load(memarg, I32, Some((I64, false)))?,
            Operator::I32Store { ref memarg }
            | Operator::I64Store { ref memarg }
            | Operator::F32Store { ref memarg }
            | Operator::F64Store { ref memarg } => self.store(memarg, None)?,
            Operator::I32Store8 { ref memarg } | Operator::I64Store8 { ref memarg } => {
                self.store(memarg, Some(I8))?
            }
            Operator::I32Store16 { ref memarg } | Operator::I64Store16 { ref memarg } => {
                self.store(memarg, Some(I16))?
            }
            Operator::I64Store32 { ref memarg } => self.store(memarg, Some(I32))?,
            Operator::MemorySize { mem } => {
                let bytes = self.memory_length(mem);
                let log2 =
                    crate::module_info::page_size_log2(&self.env.info.memories[mem as usize]);
                let pages = self.builder.ins().ushr_imm_u(bytes, i64::from(log2));
                let pages = if self.is_memory64(mem) {
                    pages
                } else {
                    self.builder.ins().ireduce(I32, pages)
                };
                self.push(pages);
            }
            Operator::MemoryGrow { mem } => {
                let delta = self.pop()?;
                let delta = self.widen(delta);
                let index = self.iconst32(mem);
                let old = self
                    .call_builtin(&builtins::MEMORY_GROW, &[index, delta])
                    .expect("memory.grow returns a value");
                let old = if self.is_memory64(mem) {
                    self.grow_result64(old)
                } else {
                    old
                };
                self.push(old);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let len = self.pop()?;
                let src = self.pop()?;
                let dst = self.pop()?;
                let args = [
                    self.iconst32(dst_mem),
                    self.iconst32(src_mem),
                    self.widen(dst),
                    self.widen(src),
                    self.widen(len),
                ];
                self.call_builtin(&builtins::MEMORY_COPY, &args);
            }
            Operator::MemoryFill { mem } => {
                let len = self.pop()?;
                let byte = self.pop()?;
                let dst = self.pop()?;
                let args = [self.iconst32(mem), self.widen(dst), byte, self.widen(len)];
                self.call_builtin(&builtins::MEMORY_FILL, &args);
            }
            Operator::MemoryInit { data_index, mem } => {
                let len = self.pop()?;
                let src = self.pop()?;
                let dst = self.pop()?;
                let args = [
                    self.iconst32(mem),
                    self.iconst32(data_index),
                    self.widen(dst),
                    self.widen(src),
                    self.widen(len),
                ];
                self.call_builtin(&builtins::MEMORY_INIT, &args);
            }
            Operator::DataDrop { data_index } => {
                let zero = self.iconst32(0);
                let flags = self.vmctx_flags();
                let offset = self.env.layout.data_length(data_index) as i32;
                self.builder.ins().store(flags, zero, self.vmctx, offset);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
