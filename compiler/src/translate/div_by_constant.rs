//! Unsigned 32-bit division and remainder by a constant as one 64-bit
//! multiply by an immediate and a shift (x86_64 and aarch64).
//!
//! Cranelift replaces `udiv.i32 x, d` by the high half of a 32-bit
//! multiply with a magic number, which x86_64 lowers to the one-operand
//! `mull`: its operand must be in `eax`, its result comes back in `edx`
//! (`eax` clobbered), and the magic number is read from the constant pool.
//! Each division costs a copy into `eax` and usually one out of `edx`, and
//! takes two fixed registers from the allocator: in hashmap's key loop
//! (`rest /= 26`, `rest % 26`) values around the divisions went to the
//! stack. Native compilers zero-extend `x` and multiply at 64 bits with
//! the magic number as an immediate (`imul $0x4ec4ec4f,%rsi,%rdi; shr
//! $35,%rdi`), in any registers.
//!
//! This pass writes that form in the IR: `q = ireduce(ushr(imul.i64(
//! uextend(x), M), 32 + s))`, and for `urem`, `x - q * d`. It is exact for
//! every `x < 2^32` when `M = ceil(2^(32+s) / d)` and `M * d - 2^(32+s)
//! <= 2^s`: the product is `x * 2^(32+s) / d` plus an error `x * (M*d -
//! 2^(32+s)) / (d * 2^(32+s))` below `1/d`, too small to reach the next
//! multiple of `d`. Only magic numbers below 2^31 are used, which
//! `imul` takes as a sign-extended 32-bit immediate (and the 64-bit product
//! cannot wrap). A larger one (`/ 10`: 0xcccccccd) would come from the
//! constant pool into the two-operand `imul`, which then needs a copy of
//! `x`: json's digit loop ran more instructions so (+0.6 %). Those
//! divisors, powers of two (a shift or mask already) and divisors without
//! such a magic number keep Cranelift's lowering.
//!
//! On aarch64 Cranelift's form is `mov w, w` (twice), `mul`, `lsr #32`,
//! `lsr #s`; this one is one extension, the `mul` and one `lsr` (the
//! magic number is a `mov`/`movk` pair either way). hashmap's key loop
//! ran 4.7 % fewer instructions under qemu-user, with a spill reload gone.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, types};

use super::ir_match::iconst_imm;

/// A magic number `M` and total shift `32 + s` with `floor(x * M /
/// 2^(32+s)) == floor(x / d)` for every 32-bit `x` and `M < 2^31` (an
/// `imul` immediate); `None` for 0, powers of two and divisors with no
/// such `M`.
pub fn magic_for_u32_divisor(d: u32) -> Option<(u64, u32)> {
    if d == 0 || d.is_power_of_two() {
        return None;
    }
    let d = u64::from(d);
    for s in 0..=32u32 {
        let power = 1u64 << (32 + s);
        let magic = power.div_ceil(d);
        if magic >= 1 << 31 {
            // Larger for every larger s.
            return None;
        }
        if magic * d - power <= 1 << s {
            return Some((magic, 32 + s));
        }
    }
    None
}

/// Rewrites each `udiv.i32`/`urem.i32` of `func` by a suitable constant
/// (see the module comment).
pub fn divide_by_multiplying(func: &mut Function) {
    let mut rewrites = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let InstructionData::Binary {
                opcode,
                args: [x, divisor],
            } = func.dfg.insts[inst]
            else {
                continue;
            };
            if !matches!(opcode, Opcode::Udiv | Opcode::Urem)
                || func.dfg.value_type(x) != types::I32
            {
                continue;
            }
            let Some(d) = iconst_imm(func, divisor) else {
                continue;
            };
            // The immediate of an i32 constant may be stored sign-extended.
            let d = d as u32;
            if let Some((magic, shift)) = magic_for_u32_divisor(d) {
                rewrites.push((inst, opcode, x, d, magic, shift));
            }
        }
    }
    for (inst, opcode, x, d, magic, shift) in rewrites {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let wide = cursor.ins().uextend(types::I64, x);
        let magic = cursor.ins().iconst(types::I64, magic as i64);
        let product = cursor.ins().imul(wide, magic);
        let quotient = cursor.ins().ushr_imm_u(product, i64::from(shift));
        if opcode == Opcode::Udiv {
            cursor.func.replace(inst).ireduce(types::I32, quotient);
        } else {
            let quotient = cursor.ins().ireduce(types::I32, quotient);
            let multiple = cursor.ins().imul_imm_u(quotient, i64::from(d));
            cursor.func.replace(inst).isub(x, multiple);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::magic_for_u32_divisor;

    /// floor(x / d) the slow way, for the check below.
    fn quotient(x: u32, magic: u64, shift: u32) -> u32 {
        ((u64::from(x) * magic) >> shift) as u32
    }

    #[test]
    fn known_magic_numbers_match_the_ones_compilers_use() {
        // clang -O2 x86_64: x / 26 is imul $0x4ec4ec4f, shr $35; x / 1000
        // is imul $0x10624dd3, shr $38 (Hacker's Delight, table 10-2).
        assert_eq!(magic_for_u32_divisor(26), Some((0x4ec4_ec4f, 35)));
        assert_eq!(magic_for_u32_divisor(1000), Some((0x1062_4dd3, 38)));
        // 641 * 6700417 = 2^32 + 1: no shift needed.
        assert_eq!(magic_for_u32_divisor(641), Some((6_700_417, 32)));
    }

    #[test]
    fn divisors_left_to_cranelift() {
        assert_eq!(magic_for_u32_divisor(0), None);
        assert_eq!(magic_for_u32_divisor(1), None);
        assert_eq!(magic_for_u32_divisor(16), None);
        assert_eq!(magic_for_u32_divisor(1 << 31), None);
        // 7 needs a 33-bit magic number (clang adds a fix-up step); 10
        // and 3 need 0xcccccccd and 0xaaaaaaab, not immediates.
        assert_eq!(magic_for_u32_divisor(7), None);
        assert_eq!(magic_for_u32_divisor(10), None);
        assert_eq!(magic_for_u32_divisor(3), None);
    }

    #[test]
    fn quotients_are_exact_at_the_edges() {
        for d in [9u32, 25, 26, 67, 100, 641, 1000, 12_345_679, 3_000_000_000] {
            let (magic, shift) = magic_for_u32_divisor(d).expect("a magic number");
            let mut xs = vec![0u32, 1, u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1];
            // Around every multiple of d near the top and bottom of the range.
            for k in [1u32, 2, 3, u32::MAX / d - 1, u32::MAX / d] {
                let m = k.wrapping_mul(d);
                xs.extend([m.wrapping_sub(1), m, m.wrapping_add(1)]);
            }
            for x in xs {
                assert_eq!(quotient(x, magic, shift), x / d, "{x} / {d}");
            }
        }
    }
}
