//! The threads proposal's memory operators: atomic loads, stores,
//! read-modify-writes and compare-exchanges, `atomic.fence`, and
//! `memory.atomic.wait32/64` / `memory.atomic.notify`.
//!
//! # Address checks
//! An atomic access traps `unaligned atomic` unless its effective address
//! (`addr + offset`) is a multiple of its size; the alignment test comes
//! first, then the bounds test (the order wasmtime and the reference
//! interpreter use: an access that is both unaligned and out of bounds
//! reports `unaligned atomic`).
//!
//! The bounds test is always explicit, in both `--bounds-checks` modes:
//! Cranelift lowers some read-modify-writes to a load-reserved /
//! store-conditional or compare-exchange loop (x86_64 `and/or/xor`,
//! riscv64 8/16-bit operations), where the instruction that would fault
//! is not one trap site the guard window can name. An explicit compare
//! costs one instruction next to a locked or fenced access.
//!
//! # Ordering
//! Every atomic access is sequentially consistent (the proposal has no
//! weaker ordering): Cranelift's `atomic_*` instructions give exactly that
//! on the three ISAs.

use anyhow::{Result, bail};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, AtomicRmwOp, InstBuilder, MemFlagsData, types};
use wafer_abi::builtins;
use wafer_abi::trap::TrapCode;
use wasmparser::{MemArg, MemArgTarget, Operator};

use super::{FuncTranslator, user_trap};

/// What an atomic memory operator does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Load,
    Store,
    Rmw(AtomicRmwOp),
    Cmpxchg,
}

/// One atomic memory operator: what it does, the Wasm value type it
/// produces or takes (`wide`), and the width it touches in memory
/// (`narrow`, zero-extended to `wide` when read).
#[derive(Clone, Copy, Debug)]
struct AtomicOp<'m> {
    access: Access,
    wide: ir::Type,
    narrow: ir::Type,
    memarg: &'m MemArg,
}

/// Classifies an atomic load/store/RMW/cmpxchg; `None` for anything else.
fn atomic_op<'m>(op: &'m Operator<'_>) -> Option<AtomicOp<'m>> {
    use AtomicRmwOp::{Add, And, Or, Sub, Xchg, Xor};
    use Operator as O;
    use types::{I8, I16, I32, I64};
    let (access, wide, narrow, memarg) = match op {
        O::I32AtomicLoad { memarg } => (Access::Load, I32, I32, memarg),
        O::I64AtomicLoad { memarg } => (Access::Load, I64, I64, memarg),
        O::I32AtomicLoad8U { memarg } => (Access::Load, I32, I8, memarg),
        O::I32AtomicLoad16U { memarg } => (Access::Load, I32, I16, memarg),
        O::I64AtomicLoad8U { memarg } => (Access::Load, I64, I8, memarg),
        O::I64AtomicLoad16U { memarg } => (Access::Load, I64, I16, memarg),
        O::I64AtomicLoad32U { memarg } => (Access::Load, I64, I32, memarg),
        O::I32AtomicStore { memarg } => (Access::Store, I32, I32, memarg),
        O::I64AtomicStore { memarg } => (Access::Store, I64, I64, memarg),
        O::I32AtomicStore8 { memarg } => (Access::Store, I32, I8, memarg),
        O::I32AtomicStore16 { memarg } => (Access::Store, I32, I16, memarg),
        O::I64AtomicStore8 { memarg } => (Access::Store, I64, I8, memarg),
        O::I64AtomicStore16 { memarg } => (Access::Store, I64, I16, memarg),
        O::I64AtomicStore32 { memarg } => (Access::Store, I64, I32, memarg),
        O::I32AtomicRmwAdd { memarg } => (Access::Rmw(Add), I32, I32, memarg),
        O::I64AtomicRmwAdd { memarg } => (Access::Rmw(Add), I64, I64, memarg),
        O::I32AtomicRmw8AddU { memarg } => (Access::Rmw(Add), I32, I8, memarg),
        O::I32AtomicRmw16AddU { memarg } => (Access::Rmw(Add), I32, I16, memarg),
        O::I64AtomicRmw8AddU { memarg } => (Access::Rmw(Add), I64, I8, memarg),
        O::I64AtomicRmw16AddU { memarg } => (Access::Rmw(Add), I64, I16, memarg),
        O::I64AtomicRmw32AddU { memarg } => (Access::Rmw(Add), I64, I32, memarg),
        O::I32AtomicRmwSub { memarg } => (Access::Rmw(Sub), I32, I32, memarg),
        O::I64AtomicRmwSub { memarg } => (Access::Rmw(Sub), I64, I64, memarg),
        O::I32AtomicRmw8SubU { memarg } => (Access::Rmw(Sub), I32, I8, memarg),
        O::I32AtomicRmw16SubU { memarg } => (Access::Rmw(Sub), I32, I16, memarg),
        O::I64AtomicRmw8SubU { memarg } => (Access::Rmw(Sub), I64, I8, memarg),
        O::I64AtomicRmw16SubU { memarg } => (Access::Rmw(Sub), I64, I16, memarg),
        O::I64AtomicRmw32SubU { memarg } => (Access::Rmw(Sub), I64, I32, memarg),
        O::I32AtomicRmwAnd { memarg } => (Access::Rmw(And), I32, I32, memarg),
        O::I64AtomicRmwAnd { memarg } => (Access::Rmw(And), I64, I64, memarg),
        O::I32AtomicRmw8AndU { memarg } => (Access::Rmw(And), I32, I8, memarg),
        O::I32AtomicRmw16AndU { memarg } => (Access::Rmw(And), I32, I16, memarg),
        O::I64AtomicRmw8AndU { memarg } => (Access::Rmw(And), I64, I8, memarg),
        O::I64AtomicRmw16AndU { memarg } => (Access::Rmw(And), I64, I16, memarg),
        O::I64AtomicRmw32AndU { memarg } => (Access::Rmw(And), I64, I32, memarg),
        O::I32AtomicRmwOr { memarg } => (Access::Rmw(Or), I32, I32, memarg),
        O::I64AtomicRmwOr { memarg } => (Access::Rmw(Or), I64, I64, memarg),
        O::I32AtomicRmw8OrU { memarg } => (Access::Rmw(Or), I32, I8, memarg),
        O::I32AtomicRmw16OrU { memarg } => (Access::Rmw(Or), I32, I16, memarg),
        O::I64AtomicRmw8OrU { memarg } => (Access::Rmw(Or), I64, I8, memarg),
        O::I64AtomicRmw16OrU { memarg } => (Access::Rmw(Or), I64, I16, memarg),
        O::I64AtomicRmw32OrU { memarg } => (Access::Rmw(Or), I64, I32, memarg),
        O::I32AtomicRmwXor { memarg } => (Access::Rmw(Xor), I32, I32, memarg),
        O::I64AtomicRmwXor { memarg } => (Access::Rmw(Xor), I64, I64, memarg),
        O::I32AtomicRmw8XorU { memarg } => (Access::Rmw(Xor), I32, I8, memarg),
        O::I32AtomicRmw16XorU { memarg } => (Access::Rmw(Xor), I32, I16, memarg),
        O::I64AtomicRmw8XorU { memarg } => (Access::Rmw(Xor), I64, I8, memarg),
        O::I64AtomicRmw16XorU { memarg } => (Access::Rmw(Xor), I64, I16, memarg),
        O::I64AtomicRmw32XorU { memarg } => (Access::Rmw(Xor), I64, I32, memarg),
        O::I32AtomicRmwXchg { memarg } => (Access::Rmw(Xchg), I32, I32, memarg),
        O::I64AtomicRmwXchg { memarg } => (Access::Rmw(Xchg), I64, I64, memarg),
        O::I32AtomicRmw8XchgU { memarg } => (Access::Rmw(Xchg), I32, I8, memarg),
        O::I32AtomicRmw16XchgU { memarg } => (Access::Rmw(Xchg), I32, I16, memarg),
        O::I64AtomicRmw8XchgU { memarg } => (Access::Rmw(Xchg), I64, I8, memarg),
        O::I64AtomicRmw16XchgU { memarg } => (Access::Rmw(Xchg), I64, I16, memarg),
        O::I64AtomicRmw32XchgU { memarg } => (Access::Rmw(Xchg), I64, I32, memarg),
        O::I32AtomicRmwCmpxchg { memarg } => (Access::Cmpxchg, I32, I32, memarg),
        O::I64AtomicRmwCmpxchg { memarg } => (Access::Cmpxchg, I64, I64, memarg),
        O::I32AtomicRmw8CmpxchgU { memarg } => (Access::Cmpxchg, I32, I8, memarg),
        O::I32AtomicRmw16CmpxchgU { memarg } => (Access::Cmpxchg, I32, I16, memarg),
        O::I64AtomicRmw8CmpxchgU { memarg } => (Access::Cmpxchg, I64, I8, memarg),
        O::I64AtomicRmw16CmpxchgU { memarg } => (Access::Cmpxchg, I64, I16, memarg),
        O::I64AtomicRmw32CmpxchgU { memarg } => (Access::Cmpxchg, I64, I32, memarg),
        _ => return None,
    };
    Some(AtomicOp {
        access,
        wide,
        narrow,
        memarg,
    })
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Translates a threads-proposal operator; `Ok(false)` if `op` is not one.
    pub fn translate_atomic(&mut self, op: &Operator<'_>) -> Result<bool> {
        if let Some(atomic) = atomic_op(op) {
            self.atomic_access(atomic)?;
            return Ok(true);
        }
        match *op {
            Operator::AtomicFence { .. } => {
                self.builder.ins().fence();
            }
            Operator::MemoryAtomicNotify { ref memarg } => self.notify(memarg)?,
            Operator::MemoryAtomicWait32 { ref memarg } => self.wait(memarg, types::I32)?,
            Operator::MemoryAtomicWait64 { ref memarg } => self.wait(memarg, types::I64)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Flags of an atomic access: its address was checked (bounds and
    /// alignment) just before, so it neither faults nor is misaligned.
    fn atomic_flags(&self) -> MemFlagsData {
        self.heap_flags().with_aligned()
    }

    /// Pops the address operand and returns the native address of an
    /// access of `size` bytes, after the alignment and bounds traps, and
    /// the memory it is in.
    fn atomic_address(&mut self, memarg: &MemArg, size: u32) -> Result<(ir::Value, u32)> {
        let MemArgTarget::Memory(index) = memarg.target else {
            bail!("GC array accesses are not supported");
        };
        let addr = self.pop()?;
        if size > 1 {
            // The low bits of `addr + offset` are those of
            // `addr + (offset mod size)`, wrap-around or not.
            let mask = i64::from(size - 1);
            let low = self
                .builder
                .ins()
                .iadd_imm_u(addr, (memarg.offset & mask as u64) as i64);
            let misaligned = self.builder.ins().band_imm_u(low, mask);
            self.builder
                .ins()
                .trapnz(misaligned, user_trap(TrapCode::UnalignedAtomic));
        }
        let addr64 = if self.builder.func.dfg.value_type(addr) == types::I64 {
            addr
        } else {
            self.builder.ins().uextend(types::I64, addr)
        };
        self.check_bounds(index, addr, addr64, memarg.offset + u64::from(size));
        let record = self.memory_record(index);
        let (native, offset) = self.native_address(record, addr64, memarg.offset);
        let native = if offset == 0 {
            native
        } else {
            self.builder.ins().iadd_imm_u(native, i64::from(offset))
        };
        Ok((native, index))
    }

    /// An atomic load, store, read-modify-write or compare-exchange.
    fn atomic_access(&mut self, op: AtomicOp<'_>) -> Result<()> {
        let narrowed = |t: &mut Self, v: ir::Value| {
            if op.narrow == op.wide {
                v
            } else {
                t.builder.ins().ireduce(op.narrow, v)
            }
        };
        let widened = |t: &mut Self, v: ir::Value| {
            if op.narrow == op.wide {
                v
            } else {
                t.builder.ins().uextend(op.wide, v)
            }
        };
        let size = op.narrow.bytes();
        let flags = self.atomic_flags();
        match op.access {
            Access::Load => {
                let (p, _) = self.atomic_address(op.memarg, size)?;
                let v = self.builder.ins().atomic_load(op.narrow, flags, p);
                let v = widened(self, v);
                self.push(v);
            }
            Access::Store => {
                let value = self.pop()?;
                let (p, _) = self.atomic_address(op.memarg, size)?;
                let value = narrowed(self, value);
                self.builder.ins().atomic_store(flags, value, p);
            }
            Access::Rmw(rmw) => {
                let operand = self.pop()?;
                let (p, _) = self.atomic_address(op.memarg, size)?;
                let operand = narrowed(self, operand);
                let old = self
                    .builder
                    .ins()
                    .atomic_rmw(op.narrow, flags, rmw, p, operand);
                let old = widened(self, old);
                self.push(old);
            }
            Access::Cmpxchg => {
                let replacement = self.pop()?;
                let expected = self.pop()?;
                let (p, _) = self.atomic_address(op.memarg, size)?;
                // A narrow cmpxchg compares the expected value wrapped to
                // its width (WebAssembly/threads#195).
                let expected = narrowed(self, expected);
                let replacement = narrowed(self, replacement);
                let old = if op.narrow == types::I32 && self.cas32_compares_64_bits() {
                    self.cas32_with_clean_expected(p, expected, replacement)
                } else if op.narrow.bits() < 32 && self.narrow_cas_rereads() {
                    self.narrow_cas_in_word(p, expected, replacement, op.narrow)
                } else {
                    self.builder
                        .ins()
                        .atomic_cas(flags, p, expected, replacement)
                };
                let old = widened(self, old);
                self.push(old);
            }
        }
        Ok(())
    }

    /// Whether Cranelift's 32-bit `atomic_cas` compares whole registers:
    /// on aarch64 without LSE its loop compares the zero-extended loaded
    /// word with all 64 bits of the expected operand, whose upper half is
    /// undefined for an i32 (after `i32.wrap_i64` it is the i64's), so a
    /// matching value could fail to swap (Cranelift 0.135).
    fn cas32_compares_64_bits(&self) -> bool {
        let isa = cranelift_module::Module::isa(self.module);
        matches!(
            isa.triple().architecture,
            target_lexicon::Architecture::Aarch64(_)
        )
    }

    /// A 32-bit compare-exchange whose `atomic_cas` only ever gets an
    /// expected operand that came from an atomic load (so its upper half
    /// is zero): load; if the word differs from `expected` that load is
    /// the result, else swap from the loaded value and retry when another
    /// thread changed the word in between. Each round is linearizable at
    /// its load (mismatch) or its successful swap.
    fn cas32_with_clean_expected(
        &mut self,
        p: ir::Value,
        expected: ir::Value,
        replacement: ir::Value,
    ) -> ir::Value {
        let flags = self.atomic_flags();
        let head = self.builder.create_block();
        let swap = self.builder.create_block();
        let done = self.builder.create_block();
        let result = self.builder.append_block_param(done, types::I32);
        self.builder.ins().jump(head, &[]);

        self.builder.switch_to_block(head);
        let loaded = self.builder.ins().atomic_load(types::I32, flags, p);
        let differs = self.builder.ins().icmp(IntCC::NotEqual, loaded, expected);
        self.builder
            .ins()
            .brif(differs, done, &[loaded.into()], swap, &[]);

        self.builder.switch_to_block(swap);
        self.builder.seal_block(swap);
        let seen = self.builder.ins().atomic_cas(flags, p, loaded, replacement);
        let swapped = self.builder.ins().icmp(IntCC::Equal, seen, loaded);
        self.builder
            .ins()
            .brif(swapped, done, &[loaded.into()], head, &[]);
        self.builder.seal_block(head);

        self.builder.switch_to_block(done);
        self.builder.seal_block(done);
        result
    }

    /// Whether Cranelift's 8/16-bit `atomic_cas` loses updates: on riscv64
    /// its loop compares the byte of one `lr.w` but stores through a
    /// second `lr.w`'s reservation, so a change between the two is
    /// overwritten (Cranelift 0.135; its RMW loops are right).
    fn narrow_cas_rereads(&self) -> bool {
        let isa = cranelift_module::Module::isa(self.module);
        matches!(
            isa.triple().architecture,
            target_lexicon::Architecture::Riscv64(_)
        )
    }

    /// An 8/16-bit compare-exchange at `p` done as a 32-bit one on the
    /// aligned word holding it: load the word; if its `ty` part is not
    /// `expected`, that part is the result; else swap the word for one
    /// with `replacement` in that part, and retry if the word changed in
    /// between. The word lies inside the memory: `p` is aligned to its
    /// size and memory lengths are multiples of 4 (whole 64 KiB pages).
    fn narrow_cas_in_word(
        &mut self,
        p: ir::Value,
        expected: ir::Value,
        replacement: ir::Value,
        ty: ir::Type,
    ) -> ir::Value {
        let flags = self.atomic_flags();
        let part_mask = (1i64 << ty.bits()) - 1;
        let aligned = self.builder.ins().band_imm_s(p, !3);
        let byte = self.builder.ins().band_imm_u(p, 3);
        let shift = self.builder.ins().ishl_imm_u(byte, 3);
        let shift = self.builder.ins().ireduce(types::I32, shift);
        let part = self.builder.ins().iconst(types::I32, part_mask);
        let mask = self.builder.ins().ishl(part, shift);
        let keep = self.builder.ins().bnot(mask);
        let expected = self.builder.ins().uextend(types::I32, expected);
        let replacement = self.builder.ins().uextend(types::I32, replacement);
        let placed = self.builder.ins().ishl(replacement, shift);

        let head = self.builder.create_block();
        let swap = self.builder.create_block();
        let done = self.builder.create_block();
        let result = self.builder.append_block_param(done, types::I32);
        self.builder.ins().jump(head, &[]);

        self.builder.switch_to_block(head);
        let word = self.builder.ins().atomic_load(types::I32, flags, aligned);
        let moved = self.builder.ins().ushr(word, shift);
        let current = self.builder.ins().band_imm_u(moved, part_mask);
        let differs = self.builder.ins().icmp(IntCC::NotEqual, current, expected);
        self.builder
            .ins()
            .brif(differs, done, &[current.into()], swap, &[]);

        self.builder.switch_to_block(swap);
        self.builder.seal_block(swap);
        let others = self.builder.ins().band(word, keep);
        let new = self.builder.ins().bor(others, placed);
        let seen = self.builder.ins().atomic_cas(flags, aligned, word, new);
        let swapped = self.builder.ins().icmp(IntCC::Equal, seen, word);
        self.builder
            .ins()
            .brif(swapped, done, &[current.into()], head, &[]);
        self.builder.seal_block(head);

        self.builder.switch_to_block(done);
        self.builder.seal_block(done);
        self.builder.ins().ireduce(ty, result)
    }

    /// Whether memory `index` was declared `shared`.
    fn is_shared(&self, index: u32) -> bool {
        self.env.info.memories[index as usize].shared
    }

    /// `memory.atomic.notify`: the number of waiters woken. On an unshared
    /// memory nobody can wait, so it is 0 after the address checks.
    fn notify(&mut self, memarg: &MemArg) -> Result<()> {
        let count = self.pop()?;
        let (p, index) = self.atomic_address(memarg, 4)?;
        let woken = if self.is_shared(index) {
            self.call_builtin(&builtins::ATOMIC_NOTIFY, &[p, count])
                .expect("notify returns a count")
        } else {
            self.builder.ins().iconst(types::I32, 0)
        };
        self.push(woken);
        Ok(())
    }

    /// `memory.atomic.wait32/64` (`ty` is the compared value's type):
    /// 0 woken, 1 not-equal, 2 timed out; the runtime decides. Waiting on
    /// an unshared memory traps after the address checks.
    fn wait(&mut self, memarg: &MemArg, ty: ir::Type) -> Result<()> {
        let timeout = self.pop()?;
        let expected = self.pop()?;
        let (p, index) = self.atomic_address(memarg, ty.bytes())?;
        if !self.is_shared(index) {
            // The builtin raises `expected shared memory` and never
            // returns; the trap after it is never reached.
            self.call_builtin(&builtins::ATOMIC_WAIT_UNSHARED, &[]);
            self.trap(TrapCode::Unreachable);
            return Ok(());
        }
        let builtin = if ty == types::I32 {
            &builtins::ATOMIC_WAIT32
        } else {
            &builtins::ATOMIC_WAIT64
        };
        let result = self
            .call_builtin(builtin, &[p, expected, timeout])
            .expect("wait returns a status");
        self.push(result);
        Ok(())
    }
}
