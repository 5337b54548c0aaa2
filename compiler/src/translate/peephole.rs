//! Rewrites of common compiler-generated Wasm patterns that Cranelift's
//! optimizer leaves as they are, made while translating (the operands'
//! definitions are at hand then).
//!
//! - `select` between two integer constants one apart on a comparison is
//!   `b ± comparison`, as C compilers emit it (`i += c == '\\' ? 2 : 1`):
//!   no conditional move and no register or spill slot holding a constant
//!   across a loop (json's string scan kept the constant 1 in a spill slot).

use cranelift_codegen::ir::{self, InstBuilder, types};

use super::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    /// `condition ? a : b` (Wasm `select`).
    pub fn select(&mut self, condition: ir::Value, a: ir::Value, b: ir::Value) -> ir::Value {
        let ty = self.builder.func.dfg.value_type(a);
        let step = match (self.constant_of(a), self.constant_of(b)) {
            (Some(a), Some(b)) if ty.is_int() => wrapping_difference(ty, a, b),
            _ => None,
        };
        if let (Some(step @ (1 | -1)), Some(flag)) = (step, self.comparison_of(condition)) {
            let one_or_zero = self.builder.ins().uextend(ty, flag);
            return if step == 1 {
                self.builder.ins().iadd(b, one_or_zero)
            } else {
                self.builder.ins().isub(b, one_or_zero)
            };
        }
        self.builder.ins().select(condition, a, b)
    }

    /// The `i8` comparison result that `v` zero-extends, if it is one
    /// (Wasm comparisons are pushed as `uextend(icmp)`, see `push_bool`).
    fn comparison_of(&self, v: ir::Value) -> Option<ir::Value> {
        let dfg = &self.builder.func.dfg;
        let ir::ValueDef::Result(inst, _) = dfg.value_def(v) else {
            return None;
        };
        let ir::InstructionData::Unary {
            opcode: ir::Opcode::Uextend,
            arg,
        } = dfg.insts[inst]
        else {
            return None;
        };
        let ir::ValueDef::Result(compare, _) = dfg.value_def(arg) else {
            return None;
        };
        matches!(
            dfg.insts[compare].opcode(),
            ir::Opcode::Icmp | ir::Opcode::Fcmp
        )
        .then_some(arg)
    }
}

/// `a - b` in `ty`'s width, as a signed number, for integer constants
/// (`iconst` immediates of `i32` hold the low 32 bits only).
fn wrapping_difference(ty: types::Type, a: i64, b: i64) -> Option<i64> {
    match ty {
        types::I32 => Some(i64::from((a as i32).wrapping_sub(b as i32))),
        types::I64 => Some(a.wrapping_sub(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::wrapping_difference;
    use cranelift_codegen::ir::types;

    #[test]
    fn constant_differences_wrap_in_the_values_width() {
        // i32 MIN is MAX + 1, even with the immediate stored zero-extended.
        assert_eq!(
            wrapping_difference(types::I32, 0x8000_0000, 0x7fff_ffff),
            Some(1)
        );
        assert_eq!(wrapping_difference(types::I32, -5, -4), Some(-1));
        assert_eq!(
            wrapping_difference(types::I64, i64::MAX, i64::MIN),
            Some(-1)
        );
        assert_eq!(wrapping_difference(types::F64, 2, 1), None);
    }
}
