//! Compare-exchange (`*.atomic.rmw*.cmpxchg*`) as Cranelift `atomic_cas`,
//! except where Cranelift 0.135's loop is wrong:
//!
//! - aarch64 (no LSE): the 32-bit loop compares the zero-extended loaded
//!   word with all 64 bits of the expected operand, whose upper half is
//!   undefined for an i32 (after `i32.wrap_i64` it is the i64's), so a
//!   matching value could fail to swap. wafer compares in 32 bits itself
//!   and hands `atomic_cas` the loaded word as the expected value.
//! - riscv64: the 8/16-bit loop compares the part read by one `lr.w` but
//!   stores under the reservation of a second `lr.w`, so a change between
//!   the two is overwritten (lost updates under contention). wafer swaps
//!   the whole aligned 32-bit word instead.
//!
//! Both are retry loops over `atomic_load` + `atomic_cas`, linearizable at
//! the load (when the value differs) or at the successful swap.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};

use cranelift_frontend::FunctionBuilder;

use super::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    /// Compares the `ty`-wide word at `p` (checked, aligned) with
    /// `expected` and, if equal, replaces it with `replacement` (both of
    /// the word's type); returns the old word.
    pub(super) fn compare_exchange(
        &mut self,
        p: ir::Value,
        expected: ir::Value,
        replacement: ir::Value,
    ) -> ir::Value {
        let ty = self.builder.func.dfg.value_type(expected);
        if ty == types::I32 && self.cas32_compares_64_bits() {
            self.cas32_with_clean_expected(p, expected, replacement)
        } else if ty.bits() < 32 && self.narrow_cas_rereads() {
            self.narrow_cas_in_word(p, expected, replacement, ty)
        } else {
            let flags = self.atomic_flags();
            self.builder
                .ins()
                .atomic_cas(flags, p, expected, replacement)
        }
    }

    /// The target's architecture: for the Cranelift bugs bound to one
    /// here, and for the per-ISA choices of the bounds checks.
    pub(super) fn architecture(&self) -> target_lexicon::Architecture {
        cranelift_module::Module::isa(self.module)
            .triple()
            .architecture
    }

    /// Whether Cranelift's 32-bit `atomic_cas` compares whole registers:
    /// on aarch64 without LSE its loop compares the zero-extended loaded
    /// word with all 64 bits of the expected operand, whose upper half is
    /// undefined for an i32 (after `i32.wrap_i64` it is the i64's), so a
    /// matching value could fail to swap (Cranelift 0.135).
    fn cas32_compares_64_bits(&self) -> bool {
        matches!(
            self.architecture(),
            target_lexicon::Architecture::Aarch64(_)
        )
    }

    /// A 32-bit compare-exchange whose `atomic_cas` only ever gets an
    /// expected operand that came from an atomic load (so its upper half
    /// is zero).
    fn cas32_with_clean_expected(
        &mut self,
        p: ir::Value,
        expected: ir::Value,
        replacement: ir::Value,
    ) -> ir::Value {
        self.cas_retry_loop(p, expected, |_, word| word, |_, _| replacement)
    }

    /// Whether Cranelift's 8/16-bit `atomic_cas` loses updates: on riscv64
    /// its loop compares the byte of one `lr.w` but stores through a
    /// second `lr.w`'s reservation, so a change between the two is
    /// overwritten (Cranelift 0.135; its RMW loops are right).
    fn narrow_cas_rereads(&self) -> bool {
        matches!(
            self.architecture(),
            target_lexicon::Architecture::Riscv64(_)
        )
    }

    /// An 8/16-bit compare-exchange at `p` done as a 32-bit one on the
    /// aligned word holding it, comparing and replacing only its `ty`
    /// part. The word lies inside the memory: `p` is aligned to its size
    /// and memory lengths are multiples of 4 (whole 64 KiB pages).
    fn narrow_cas_in_word(
        &mut self,
        p: ir::Value,
        expected: ir::Value,
        replacement: ir::Value,
        ty: ir::Type,
    ) -> ir::Value {
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

        let result = self.cas_retry_loop(
            aligned,
            expected,
            |builder, word| {
                let moved = builder.ins().ushr(word, shift);
                builder.ins().band_imm_u(moved, part_mask)
            },
            |builder, word| {
                let others = builder.ins().band(word, keep);
                builder.ins().bor(others, placed)
            },
        );
        self.builder.ins().ireduce(ty, result)
    }

    /// The retry loop both workarounds share, over the 32-bit word at
    /// `at`: load the word; if its part (`part_of`) is not `expected`, that
    /// part is the result; else swap the word for `replaced(word)` and
    /// retry if another thread changed it in between. Each round is
    /// linearizable at its load (mismatch) or its successful swap, and
    /// `atomic_cas` only ever gets an expected operand that came from an
    /// atomic load. Returns the old part (an i32).
    fn cas_retry_loop(
        &mut self,
        at: ir::Value,
        expected: ir::Value,
        part_of: impl Fn(&mut FunctionBuilder, ir::Value) -> ir::Value,
        replaced: impl Fn(&mut FunctionBuilder, ir::Value) -> ir::Value,
    ) -> ir::Value {
        let flags = self.atomic_flags();
        let head = self.builder.create_block();
        let swap = self.builder.create_block();
        let done = self.builder.create_block();
        let result = self.builder.append_block_param(done, types::I32);
        self.builder.ins().jump(head, &[]);

        self.builder.switch_to_block(head);
        let word = self.builder.ins().atomic_load(types::I32, flags, at);
        let current = part_of(&mut self.builder, word);
        let differs = self.builder.ins().icmp(IntCC::NotEqual, current, expected);
        self.builder
            .ins()
            .brif(differs, done, &[current.into()], swap, &[]);

        self.builder.switch_to_block(swap);
        self.builder.seal_block(swap);
        let new = replaced(&mut self.builder, word);
        let seen = self.builder.ins().atomic_cas(flags, at, word, new);
        let swapped = self.builder.ins().icmp(IntCC::Equal, seen, word);
        self.builder
            .ins()
            .brif(swapped, done, &[current.into()], head, &[]);
        self.builder.seal_block(head);

        self.builder.switch_to_block(done);
        self.builder.seal_block(done);
        result
    }
}
