//! Low-bit masks as zero extensions: `band(x, 0xff)` becomes
//! `uextend(ireduce.i8(x))`, likewise `0xffff` (i16) and, for i64,
//! `0xffff_ffff` (i32).
//!
//! Cranelift's x86_64 backend lowers `band` with a constant as a copy and
//! an `and` (`mov %r15,%rdi; and $0xff,%edi`), and an i64 `and` with
//! `0xffff_ffff` needs the constant in a register first; a zero extension
//! is one `movzbl`/`movzwl`/`mov %r32,%r32` that copies as it goes. On
//! aarch64 (`uxtb`/`uxth`/`mov w`) and riscv64 (`andi 255`, shift pairs for
//! 16 and 32 bits, as for an `and` with a constant that `andi` cannot
//! hold) the extension costs the same as the `and`. CRC-32's
//! `(crc ^ b) & 0xff` is the case that mattered.
//!
//! Runs on the finished IR after [`super::known_bits`], which drops the
//! masks that keep every bit their operand can have: those must stay
//! `band`s until then.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, Type, Value, types};

use super::ir_match::iconst_imm;

/// Rewrites the low-bit masks of `func` (see the module comment).
///
/// Returns whether it changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn masks_as_extensions(func: &mut Function) -> bool {
    let rewrites = super::known_bits::scan(func, |inst, data| {
        let InstructionData::Binary {
            opcode: Opcode::Band,
            args: [x, y],
        } = *data
        else {
            return None;
        };
        let ty = func.dfg.value_type(func.dfg.first_result(inst));
        let (value, narrow) = [(x, y), (y, x)].into_iter().find_map(|(value, mask)| {
            narrow_type_of_mask(ty, constant(func, mask)?).map(|narrow| (value, narrow))
        })?;
        Some((inst, value, narrow, ty))
    });
    let changed = !rewrites.is_empty();
    for (inst, value, narrow, ty) in rewrites {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let low = cursor.ins().ireduce(narrow, value);
        cursor.func.replace(inst).uextend(ty, low);
    }
    changed
}

/// The type whose zero extension to `ty` keeps exactly the bits of `mask`.
fn narrow_type_of_mask(ty: Type, mask: u64) -> Option<Type> {
    match (ty, mask) {
        (types::I32 | types::I64, 0xff) => Some(types::I8),
        (types::I32 | types::I64, 0xffff) => Some(types::I16),
        (types::I64, 0xffff_ffff) => Some(types::I32),
        _ => None,
    }
}

/// The bits of `v` when it is an integer constant, zero-extended from its
/// width.
fn constant(func: &Function, v: Value) -> Option<u64> {
    let bits = func.dfg.value_type(v).bits();
    Some(iconst_imm(func, v)? as u64 & (u64::MAX >> (64 - bits)))
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::types;

    use super::narrow_type_of_mask;

    #[test]
    fn only_masks_of_a_whole_narrower_integer_become_extensions() {
        assert_eq!(narrow_type_of_mask(types::I32, 0xff), Some(types::I8));
        assert_eq!(narrow_type_of_mask(types::I64, 0xffff), Some(types::I16));
        assert_eq!(
            narrow_type_of_mask(types::I64, 0xffff_ffff),
            Some(types::I32)
        );
        // The whole width is not a narrowing; other masks keep their `and`.
        assert_eq!(narrow_type_of_mask(types::I32, 0xffff_ffff), None);
        assert_eq!(narrow_type_of_mask(types::I32, 0x7f), None);
        assert_eq!(narrow_type_of_mask(types::I32, 0x1ff), None);
        assert_eq!(narrow_type_of_mask(types::I8, 0xff), None);
    }
}
