//! Drops `and`s with a constant mask that keeps every bit the other
//! operand can have, across blocks and loops.
//!
//! Clang masks bytes it loaded with `load8_u` again (`(c & 255) == 92`),
//! often after the byte went round a loop in a local: json's string scan
//! and wasi-libc's `strncmp` both carry the last byte loaded into the next
//! iteration and mask it there. Cranelift's optimizer sees through neither
//! the load nor the block parameter, so the `and` stayed in both hot loops.
//!
//! This runs on the finished IR of a function: it bounds the significant
//! bits of every block parameter by the arguments of every branch to it (a
//! fixed point, starting from "no bits" and only growing, so a loop-carried
//! value gets the bound that holds on every path), then rewrites each
//! `band(x, mask)` whose mask covers `x`'s bits to `band(x, x)`, which
//! Cranelift's optimizer folds to `x`.
//!
//! The same bounds widen scaled indices ([`widen_scaled_indices`]): a Wasm
//! address `i << k` is 32-bit arithmetic, so `uextend(ishl.i32(i, k))`
//! must wrap and Cranelift keeps the shift as its own instruction. When
//! `i` is known to have at most `32 - k` significant bits the shift cannot
//! wrap, the value equals `ishl.i64(uextend(i), k)`, and that form folds
//! into the scaled-index addressing mode of x86_64 (`(%base,%i,4)`) and
//! aarch64 (`[x, w, uxtw #2]`): CRC-32's `table[(crc ^ b) & 0xff]`.

use rustc_hash::FxHashMap;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

/// How many definitions a bound follows back from a value (parameters are
/// leaves: their bound comes from the fixed point).
const MAX_DEPTH: u32 = 4;

/// Passes over the function before the fixed point is given up (then
/// nothing is rewritten, which is always correct).
const MAX_PASSES: usize = 16;

/// Rewrites the redundant masks of `func` (see the module comment).
pub fn drop_redundant_masks(func: &mut Function) {
    let redundant_mask = |bounds: &Bounds, inst, data: &InstructionData| {
        let InstructionData::Binary {
            opcode: Opcode::Band,
            args: [x, y],
        } = *data
        else {
            return None;
        };
        [(x, y, 1), (y, x, 0)]
            .into_iter()
            .find(|&(value, mask, _)| bounds.mask_covers(mask, value))
            .map(|(value, _, mask_index)| (inst, mask_index, value))
    };
    for (inst, mask_index, value) in find_with_bounds(func, redundant_mask) {
        func.dfg.inst_args_mut(inst)[mask_index] = value;
    }
}

/// Rewrites `uextend.i64(ishl.i32(i, k))` to `ishl.i64(uextend.i64(i), k)`
/// where `i` has at most `32 - k` significant bits (see the module comment).
pub fn widen_scaled_indices(func: &mut Function) {
    let widened_shift = |bounds: &Bounds, inst, data: &InstructionData| {
        let InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } = *data
        else {
            return None;
        };
        if func.dfg.value_type(func.dfg.first_result(inst)) != types::I64 {
            return None;
        }
        let (index, shift) = bounds.non_wrapping_shift(arg)?;
        Some((inst, index, shift))
    };
    for (inst, index, shift) in find_with_bounds(func, widened_shift) {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let wide = cursor.ins().uextend(types::I64, index);
        cursor.func.replace(inst).ishl(wide, shift);
    }
}

/// What `find` makes of each instruction of `func` under the bounds of the
/// fixed point ([`Bounds::of`]), in layout order: the rewrites of the
/// passes that read bounds. The fixed point walks the whole function
/// several times, so `find` is first asked under [`Bounds::lowest`], at no
/// cost, and a function with no candidate there (most functions of a large
/// module) has none at the fixed point either: nothing is computed. Empty
/// when the fixed point is given up.
pub(crate) fn find_with_bounds<T>(
    func: &Function,
    find: impl Fn(&Bounds, Inst, &InstructionData) -> Option<T>,
) -> Vec<T> {
    let lowest = Bounds::lowest(func);
    if !any_inst(func, |inst, data| find(&lowest, inst, data).is_some()) {
        return Vec::new();
    }
    let Some(bounds) = Bounds::of(func) else {
        return Vec::new();
    };
    scan(func, |inst, data| find(&bounds, inst, data))
}

/// Whether some instruction of `func` is a `candidate`. The rewriting
/// passes ask it before computing [`Bounds`]: its fixed point walks the
/// whole function several times, for nothing when no instruction has the
/// shape a pass rewrites (most functions of a large module). With
/// [`Bounds::lowest`] a candidate can be the whole rewrite condition.
fn any_inst(func: &Function, mut candidate: impl FnMut(Inst, &InstructionData) -> bool) -> bool {
    func.layout.blocks().any(|block| {
        func.layout
            .block_insts(block)
            .any(|inst| candidate(inst, &func.dfg.insts[inst]))
    })
}

/// What `find` makes of each instruction of `func`, in layout order. The
/// rewriting passes collect their rewrites with it first: the function
/// cannot change while its layout is walked.
pub(crate) fn scan<T>(
    func: &Function,
    mut find: impl FnMut(Inst, &InstructionData) -> Option<T>,
) -> Vec<T> {
    let mut found = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            found.extend(find(inst, &func.dfg.insts[inst]));
        }
    }
    found
}

/// A bound on the significant bits of each non-entry block parameter, or
/// `None` when the fixed point takes more than [`MAX_PASSES`].
fn parameter_bounds(func: &Function) -> Option<FxHashMap<Value, u32>> {
    let entry = func.layout.entry_block();
    let mut bounds = Bounds {
        func,
        params: FxHashMap::default(),
        lowest: false,
    };
    for block in func.layout.blocks() {
        for &param in func.dfg.block_params(block) {
            let start = if Some(block) == entry {
                width(func, param)
            } else {
                0
            };
            bounds.params.insert(param, start);
        }
    }
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        for (_, inst) in super::ir_match::terminators(func) {
            let dfg = &func.dfg;
            let destinations =
                dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
            for call in destinations {
                let target = call.block(&dfg.value_lists);
                let params = dfg.block_params(target);
                for (&param, arg) in params.iter().zip(call.args(&dfg.value_lists)) {
                    let bits = match arg {
                        BlockArg::Value(v) => bounds.significant_bits(v, MAX_DEPTH),
                        _ => width(func, param),
                    };
                    let known = bounds.params.entry(param).or_insert(0);
                    if bits > *known {
                        *known = bits;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return Some(bounds.params);
        }
    }
    None
}

/// The bit width of `v`'s type.
fn width(func: &Function, v: Value) -> u32 {
    func.dfg.value_type(v).bits()
}

/// A mask of the low `bits` bits (`bits` <= 64).
fn low_bits(bits: u32) -> u64 {
    u64::MAX.checked_shr(64 - bits).unwrap_or(0)
}

/// The bit bounds of one function's values: what the rewrites here and in
/// [`super::range_compares`] read.
pub(crate) struct Bounds<'f> {
    func: &'f Function,
    params: FxHashMap<Value, u32>,
    /// Every non-entry block parameter taken as 0 bits, where the fixed
    /// point starts (`params` is then unused): see [`Self::lowest`].
    lowest: bool,
}

impl<'f> Bounds<'f> {
    /// The bounds of `func`'s values, or `None` when the fixed point over
    /// its block parameters takes more than [`MAX_PASSES`].
    pub(crate) fn of(func: &'f Function) -> Option<Self> {
        let params = parameter_bounds(func)?;
        Some(Bounds {
            func,
            params,
            lowest: false,
        })
    }

    /// Bounds no larger than [`Self::of`]'s, at no cost: every non-entry
    /// block parameter has 0 bits, where the fixed point starts. A bound
    /// only grows with its parameters' (`significant_bits` combines them
    /// with `min` and `max`), and every rewrite here asks for a bound
    /// *at most* some width, so an instruction that is no candidate with
    /// these bounds is none with the fixed point's either: the passes
    /// look for one this way before paying for the fixed point.
    pub(crate) fn lowest(func: &'f Function) -> Self {
        Bounds {
            func,
            params: FxHashMap::default(),
            lowest: true,
        }
    }

    /// [`Self::significant_bits`] following definitions [`MAX_DEPTH`] deep.
    pub(crate) fn bits_of(&self, v: Value) -> u32 {
        self.significant_bits(v, MAX_DEPTH)
    }

    /// Whether `mask` is a constant that keeps every bit `value` can have.
    fn mask_covers(&self, mask: Value, value: Value) -> bool {
        let Some(mask) = self.constant(mask) else {
            return false;
        };
        let bits = self.significant_bits(value, MAX_DEPTH);
        mask & low_bits(bits) == low_bits(bits)
    }

    /// `(i, k)` when `v` is `ishl.i32(i, k)` with a constant `k < 32` and
    /// `i` has at most `32 - k` significant bits: the shift cannot wrap.
    fn non_wrapping_shift(&self, v: Value) -> Option<(Value, Value)> {
        let dfg = &self.func.dfg;
        let v = dfg.resolve_aliases(v);
        let ValueDef::Result(inst, _) = dfg.value_def(v) else {
            return None;
        };
        let InstructionData::Binary {
            opcode: Opcode::Ishl,
            args: [index, shift],
        } = dfg.insts[inst]
        else {
            return None;
        };
        if dfg.value_type(v) != types::I32 {
            return None;
        }
        let k = self.constant(shift).filter(|&k| k < 32)?;
        let bits = u64::from(self.significant_bits(index, MAX_DEPTH));
        (bits + k <= 32).then_some((index, shift))
    }

    /// The value of integer constant `v`, zero-extended from its width.
    pub(crate) fn constant(&self, v: Value) -> Option<u64> {
        let dfg = &self.func.dfg;
        let v = dfg.resolve_aliases(v);
        let ValueDef::Result(inst, _) = dfg.value_def(v) else {
            return None;
        };
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits() as u64 & low_bits(width(self.func, v))),
            _ => None,
        }
    }

    /// A number of low bits outside which integer `v` is known to be zero
    /// (its type's width when nothing better is known).
    fn significant_bits(&self, v: Value, depth: u32) -> u32 {
        let dfg = &self.func.dfg;
        let v = dfg.resolve_aliases(v);
        let full = width(self.func, v);
        let known = match dfg.value_def(v) {
            ValueDef::Param(block, _) if self.lowest => {
                if Some(block) == self.func.layout.entry_block() {
                    full
                } else {
                    0
                }
            }
            ValueDef::Param(..) => self.params.get(&v).copied().unwrap_or(full),
            ValueDef::Result(inst, _) => match dfg.insts[inst] {
                InstructionData::Load { opcode, .. } => match opcode {
                    Opcode::Uload8 => 8,
                    Opcode::Uload16 => 16,
                    Opcode::Uload32 => 32,
                    _ => full,
                },
                InstructionData::Unary {
                    opcode: Opcode::Uextend,
                    arg,
                } if depth > 0 => self.significant_bits(arg, depth - 1),
                InstructionData::Binary {
                    opcode: Opcode::Band,
                    args: [x, y],
                } if depth > 0 => self
                    .significant_bits(x, depth - 1)
                    .min(self.significant_bits(y, depth - 1)),
                InstructionData::Binary {
                    opcode: Opcode::Bor | Opcode::Bxor,
                    args: [x, y],
                } if depth > 0 => self
                    .significant_bits(x, depth - 1)
                    .max(self.significant_bits(y, depth - 1)),
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    ..
                } => self
                    .constant(v)
                    .map_or(full, |c| u64::BITS - c.leading_zeros()),
                InstructionData::IntCompare { .. } | InstructionData::FloatCompare { .. } => 1,
                _ => full,
            },
            ValueDef::Union(..) => full,
        };
        known.min(full)
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{Function, InstBuilder, Opcode, Value, ValueDef, types};

    use super::{low_bits, widen_scaled_indices};
    use crate::translate::test_ir;

    /// `fn(x: i32) -> i64 { zext64((x & mask) << shift) }`, and the
    /// returned value.
    fn scaled_index(mask: i64, shift: i64) -> (Function, Value) {
        let mut wide = None;
        let func = test_ir::function(&[types::I32], &[types::I64], |builder, params| {
            let mask = builder.ins().iconst(types::I32, mask);
            let masked = builder.ins().band(params[0], mask);
            let shift = builder.ins().iconst(types::I32, shift);
            let shifted = builder.ins().ishl(masked, shift);
            let extended = builder.ins().uextend(types::I64, shifted);
            builder.ins().return_(&[extended]);
            wide = Some(extended);
        });
        (func, wide.expect("the body ran"))
    }

    fn opcode_of(func: &Function, v: Value) -> Opcode {
        match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, _) => func.dfg.insts[inst].opcode(),
            other => panic!("{v} is not an instruction result: {other:?}"),
        }
    }

    #[test]
    fn a_shift_that_cannot_wrap_becomes_a_64_bit_shift() {
        // 8 bits << 2 and 30 bits << 2 fit 32 bits.
        for (mask, shift) in [(0xff, 2), (0x3fff_ffff, 2), (0xffff, 16)] {
            let (mut func, wide) = scaled_index(mask, shift);
            widen_scaled_indices(&mut func);
            assert_eq!(opcode_of(&func, wide), Opcode::Ishl, "{mask:#x} << {shift}");
            assert_eq!(func.dfg.value_type(wide), types::I64);
        }
    }

    #[test]
    fn a_shift_that_may_wrap_keeps_its_32_bit_form() {
        // 31 bits << 2, 17 bits << 16, and a shift by 32 or more (taken
        // mod 32 by Wasm, mod 64 by an i64 shift).
        for (mask, shift) in [(0x7fff_ffff, 2), (0x1ffff, 16), (0xff, 33)] {
            let (mut func, wide) = scaled_index(mask, shift);
            widen_scaled_indices(&mut func);
            assert_eq!(
                opcode_of(&func, wide),
                Opcode::Uextend,
                "{mask:#x} << {shift}"
            );
        }
    }

    #[test]
    fn low_bit_masks_cover_zero_to_sixty_four_bits() {
        assert_eq!(low_bits(0), 0);
        assert_eq!(low_bits(1), 1);
        assert_eq!(low_bits(8), 0xff);
        assert_eq!(low_bits(32), 0xffff_ffff);
        assert_eq!(low_bits(64), u64::MAX);
    }
}
