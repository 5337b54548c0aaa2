//! Constant expressions (global initialisers, segment offsets, element
//! items), translated as ordinary operators into the module's
//! `instantiate` function. This also covers extended-const arithmetic.

use anyhow::{Result, bail};
use cranelift_codegen::ir;
use wasmparser::{ConstExpr, Operator};

use super::FuncTranslator;

impl FuncTranslator<'_, '_, '_, '_> {
    /// Emits code computing `expr` and returns its value.
    ///
    /// # Errors
    /// Operators that are not constant.
    pub fn const_expr(&mut self, expr: &ConstExpr<'_>) -> Result<ir::Value> {
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = reader.read()?;
            if matches!(op, Operator::End) {
                break;
            }
            let handled = self.translate_numeric(&op)?
                || self.translate_table(&op)?
                || self.translate_variable(&op)?
                || self.translate_simd(&op)?;
            if !handled {
                bail!("unsupported operator in constant expression: {op:?}");
            }
        }
        self.pop()
    }
}
