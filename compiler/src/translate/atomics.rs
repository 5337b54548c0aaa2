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
//! Compare-exchange, and how it works around Cranelift on aarch64 and
//! riscv64, is in [`super::atomic_cas`].
//!
//! # Ordering
//! Every atomic access is sequentially consistent (the proposal has no
//! weaker ordering): Cranelift's `atomic_*` instructions give exactly that
//! on the three ISAs.

use anyhow::{Result, bail};
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
    pub(super) fn atomic_flags(&self) -> MemFlagsData {
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
                let old = self.compare_exchange(p, expected, replacement);
                let old = widened(self, old);
                self.push(old);
            }
        }
        Ok(())
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
