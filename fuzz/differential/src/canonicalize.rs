//! Closes the one NaN loophole `wasm-smith`'s `canonicalize_nans` leaves:
//! `f32.demote_f64` and `f64.promote_f32`.
//!
//! For a NaN operand the spec lets these return any arithmetic NaN, and
//! real engines differ: x86_64 and aarch64 (and wasmi) keep the payload,
//! RISC-V's `fcvt` always produces the canonical NaN. wasm-smith
//! canonicalises after arithmetic but not after these two conversions, so
//! `i32.reinterpret_f32 (f32.demote_f64 (f64.const -nan:0xfffefffffffff))`
//! put different, equally correct, bits into a global on riscv64 (the first
//! mismatch the fuzzer reported). This pass rewrites each of them as
//! `conversion; local.tee $t; f32.const nan; local.get $t; local.get $t;
//! f32.eq; select` — the same idiom wasm-smith uses for arithmetic — with
//! one added local per function and type.

use std::convert::Infallible;

use anyhow::{Result, anyhow};
use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{Function, Ieee32, Ieee64, Instruction, ValType};
use wasmparser::{Operator, Parser, Payload};

/// The canonical quiet NaNs.
const F32_NAN: u32 = 0x7fc0_0000;
const F64_NAN: u64 = 0x7ff8_0000_0000_0000;

/// Rewrites every `f32.demote_f64` / `f64.promote_f32` of `wasm` to
/// produce the canonical NaN for any NaN.
///
/// # Errors
/// `wasm` does not parse.
pub fn canonicalize_conversion_nans(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut rewriter = Rewriter {
        param_counts: defined_function_param_counts(wasm)?,
        next_function: 0,
    };
    let mut module = wasm_encoder::Module::new();
    rewriter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| anyhow!("re-encoding the module: {e:?}"))?;
    Ok(module.finish())
}

/// Parameter count of each function with a body, in order (test cases
/// have no imports, but imported functions are skipped all the same).
fn defined_function_param_counts(wasm: &[u8]) -> Result<Vec<u32>> {
    let mut type_params = Vec::new();
    let mut counts = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    type_params.push(ty?.params().len() as u32);
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let ty = ty?;
                    let params = type_params
                        .get(ty as usize)
                        .copied()
                        .ok_or_else(|| anyhow!("function of unknown type {ty}"))?;
                    counts.push(params);
                }
            }
            _ => {}
        }
    }
    Ok(counts)
}

struct Rewriter {
    param_counts: Vec<u32>,
    next_function: usize,
}

impl Reencode for Rewriter {
    type Error = Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error<Self::Error>> {
        let params = self
            .param_counts
            .get(self.next_function)
            .copied()
            .unwrap_or(0);
        self.next_function += 1;
        let mut locals = Vec::new();
        let mut declared = 0u32;
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            declared += count;
            locals.push((count, self.val_type(ty)?));
        }
        // Two scratch locals after the existing ones.
        let f32_temp = params + declared;
        let f64_temp = f32_temp + 1;
        locals.push((1, ValType::F32));
        locals.push((1, ValType::F64));
        let mut f = Function::new(locals);
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let canonicalize = match op {
                Operator::F32DemoteF64 => Some((
                    f32_temp,
                    Instruction::F32Const(Ieee32::new(F32_NAN)),
                    Instruction::F32Eq,
                )),
                Operator::F64PromoteF32 => Some((
                    f64_temp,
                    Instruction::F64Const(Ieee64::new(F64_NAN)),
                    Instruction::F64Eq,
                )),
                _ => None,
            };
            f.instruction(&self.instruction(op)?);
            if let Some((temp, nan, eq)) = canonicalize {
                f.instruction(&Instruction::LocalTee(temp));
                f.instruction(&nan);
                f.instruction(&Instruction::LocalGet(temp));
                f.instruction(&Instruction::LocalGet(temp));
                f.instruction(&eq);
                f.instruction(&Instruction::Select);
            }
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demoted_nan_payload_becomes_the_canonical_nan_and_numbers_pass() {
        let wasm = wat::parse_str(
            r#"(module
                (func (export "demote") (param f64) (result i32)
                  (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
                (func (export "promote") (param f32) (result i64)
                  (local i32)
                  (i64.reinterpret_f64 (f64.promote_f32 (local.get 0)))))"#,
        )
        .unwrap();
        let rewritten = canonicalize_conversion_nans(&wasm).unwrap();
        wasmparser::Validator::new()
            .validate_all(&rewritten)
            .unwrap();
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, &rewritten).unwrap();
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .unwrap();
        let demote = instance
            .get_typed_func::<f64, i32>(&store, "demote")
            .unwrap();
        let promote = instance
            .get_typed_func::<f32, i64>(&store, "promote")
            .unwrap();
        let payload_nan = f64::from_bits(0xffff_efff_ffff_ffff);
        assert_eq!(
            demote.call(&mut store, payload_nan).unwrap() as u32,
            F32_NAN
        );
        assert_eq!(
            demote.call(&mut store, 1.5).unwrap() as u32,
            1.5f32.to_bits()
        );
        let payload_nan = f32::from_bits(0xffc0_1234);
        assert_eq!(
            promote.call(&mut store, payload_nan).unwrap() as u64,
            F64_NAN
        );
        assert_eq!(
            promote.call(&mut store, -2.0).unwrap() as u64,
            (-2.0f64).to_bits()
        );
    }
}
