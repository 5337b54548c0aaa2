//! Narrow stores of constants as stores of narrow constants: `istore8(iconst
//! c, p)` becomes `store(iconst.i8 (c & 0xff), p)`, likewise `istore16` and
//! `istore32`.
//!
//! Cranelift's x86_64 backend stores an immediate directly (`movb $1,
//! (%r12,%r8,1)`) only for `store`; `istore8` of a constant first built the
//! constant in a register (`mov $0x1,%edi; mov %dil,(...)`). Wasm has no
//! other way to write a constant byte than `i32.store8`: the sieve's
//! marking loop (`composite[j] = 1`) paid the extra `mov` on every store.
//! Both forms write the same low bits at the same address, with the same
//! flags (so the same trap).

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{Function, InstBuilder, InstructionData, Opcode, Type, types};

use super::ir_match::iconst_imm;

/// Rewrites the narrow constant stores of `func` (see the module comment).
///
/// Returns whether it changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn store_narrow_constants(func: &mut Function) -> bool {
    let rewrites = super::known_bits::scan(func, |inst, data| {
        let InstructionData::Store {
            opcode,
            args: [value, address],
            flags,
            offset,
        } = *data
        else {
            return None;
        };
        let narrow = narrow_type_of_store(opcode)?;
        let bits = (iconst_imm(func, value)? as u64) & (u64::MAX >> (64 - narrow.bits()));
        Some((inst, narrow, bits, address, flags, offset))
    });
    let changed = !rewrites.is_empty();
    for (inst, narrow, bits, address, flags, offset) in rewrites {
        let mut cursor = FuncCursor::new(func).at_inst(inst);
        let constant = cursor.ins().iconst(narrow, bits as i64);
        // The same instruction with the same flags (trap code, region),
        // now a plain store of the narrow constant.
        func.dfg.insts[inst] = InstructionData::Store {
            opcode: Opcode::Store,
            args: [constant, address],
            flags,
            offset,
        };
    }
    changed
}

/// The type whose plain `store` writes what `opcode` writes.
fn narrow_type_of_store(opcode: Opcode) -> Option<Type> {
    match opcode {
        Opcode::Istore8 => Some(types::I8),
        Opcode::Istore16 => Some(types::I16),
        Opcode::Istore32 => Some(types::I32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{Opcode, types};

    use super::narrow_type_of_store;

    #[test]
    fn each_narrow_store_has_the_type_of_its_width() {
        assert_eq!(narrow_type_of_store(Opcode::Istore8), Some(types::I8));
        assert_eq!(narrow_type_of_store(Opcode::Istore16), Some(types::I16));
        assert_eq!(narrow_type_of_store(Opcode::Istore32), Some(types::I32));
        assert_eq!(narrow_type_of_store(Opcode::Store), None);
    }
}
