//! Memory offsets beyond riscv64's 12-bit displacement, split.
//!
//! A riscv64 load or store holds a signed 12-bit offset. Cranelift builds
//! a larger one in a register (`lui`+`addi`) and adds it to the address:
//! three instructions per access. Wasm data lives at addresses past 2 KiB
//! (clang puts the stack first), so a static array access (`table[i]`,
//! the access offset is the array's address) paid them every time:
//! CRC-32's table at 4016 cost `lui; addi; add` per byte.
//!
//! For an access whose address is `iadd(p, q)` (neither a constant), the
//! offset `o` becomes `hi + lo`, `lo` in [-2048, 2047] and `hi` a multiple
//! of 4096 (one `lui`): the address becomes `iadd(p, iadd(q, hi))` with
//! offset `lo`. `q` is the operand that is not a load (the memory base is
//! loaded from the vmctx and stays in a register), so `q + hi` is `lui` and
//! `add`, and accesses of one index at several offsets of one 4 KiB window
//! share it. The address computed is the same 64-bit sum, so every access
//! reads and writes and faults where it did. Cranelift folds a constant
//! operand of the address's own `iadd` back into the offset, not one nested
//! in an operand.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, Value, ValueDef};

use super::ir_match::{access_address, set_access_address};

/// Splits the offsets of `func`'s memory accesses that do not fit in 12
/// bits (see the module comment).
pub fn split_large_offsets(func: &mut Function) {
    let mut accesses = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let Some((address, offset)) = access_address(func, inst)
                && !fits_in_12_bits(offset)
                && let Some((p, q)) = sum_of_values(func, address)
            {
                accesses.push((inst, offset, p, q));
            }
        }
    }
    for (inst, offset, p, q) in accesses {
        let (hi, lo) = split(offset);
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let ty = cursor.func.dfg.value_type(q);
        let hi = cursor.ins().iconst(ty, hi);
        let index = cursor.ins().iadd(q, hi);
        let address = cursor.ins().iadd(p, index);
        set_access_address(func, inst, address, lo);
    }
}

fn fits_in_12_bits(offset: i32) -> bool {
    (-2048..=2047).contains(&offset)
}

/// `offset` as `hi + lo`: `lo` in [-2048, 2047], `hi` a multiple of 4096.
fn split(offset: i32) -> (i64, i32) {
    let offset = i64::from(offset);
    let hi = (offset + 0x800) & !0xfff;
    // In [-2048, 2047] by construction, so the cast keeps the value.
    (hi, (offset - hi) as i32)
}

/// `address` as `iadd(p, q)` of two non-constant values, `q` not a load
/// when one of them is.
fn sum_of_values(func: &Function, address: Value) -> Option<(Value, Value)> {
    let definition = |v: Value| match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Result(inst, _) => Some(func.dfg.insts[inst].opcode()),
        _ => None,
    };
    let Some(Opcode::Iadd) = definition(address) else {
        return None;
    };
    let ValueDef::Result(inst, _) = func.dfg.value_def(func.dfg.resolve_aliases(address)) else {
        return None;
    };
    let InstructionData::Binary { args: [a, b], .. } = func.dfg.insts[inst] else {
        return None;
    };
    if definition(a) == Some(Opcode::Iconst) || definition(b) == Some(Opcode::Iconst) {
        return None;
    }
    Some(if definition(b) == Some(Opcode::Load) {
        (b, a)
    } else {
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::{fits_in_12_bits, split};

    #[test]
    fn split_offsets_add_up_and_the_low_part_fits() {
        for offset in [
            2048,
            4016,
            4095,
            4096,
            6143,
            6144,
            -2049,
            -4096,
            i32::MAX,
            i32::MIN,
        ] {
            let (hi, lo) = split(offset);
            assert_eq!(hi + i64::from(lo), i64::from(offset), "{offset}");
            assert!(fits_in_12_bits(lo), "{offset}: lo {lo}");
            assert_eq!(hi % 4096, 0, "{offset}: hi {hi}");
        }
        assert_eq!(split(4016), (4096, -80));
        assert_eq!(split(2048), (4096, -2048));
        assert_eq!(split(6143), (4096, 2047));
    }
}
