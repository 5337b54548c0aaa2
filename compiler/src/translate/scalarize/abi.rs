//! The scalar ABI of vectors: signatures, calls and returns.
//!
//! A 128-bit vector parameter or result is passed as two `I64`, the low
//! half first ([`scalar_abi_params`]), whatever its lane type: the rule is
//! the same for every function, so callers, callees and the export
//! trampolines agree without knowing which lane type a `v128` had.

use anyhow::{Result, bail};
use cranelift_codegen::ir::{self, AbiParam, ArgumentPurpose, InstBuilder, Type, Value, types};

use super::lanes::{check_shape, halves_of, unpack};
use super::{Lower, Lowered, is_vector};

/// The scalar types that carry a value of type `ty` in a signature after
/// the pass: two `I64` (low half, then high half) for a 128-bit vector,
/// `ty` itself otherwise.
pub fn scalar_abi_params(ty: Type) -> Vec<Type> {
    if ty.is_vector() && ty.bits() == 128 {
        vec![types::I64, types::I64]
    } else {
        vec![ty]
    }
}

/// Rewrites the function's own signature and every signature it calls
/// through, by [`scalar_abi_params`].
pub fn rewrite_signatures(func: &mut ir::Function) -> Result<()> {
    rewrite_signature(&mut func.signature)?;
    for sig in func.dfg.signatures.values_mut() {
        rewrite_signature(sig)?;
    }
    Ok(())
}

fn rewrite_signature(sig: &mut ir::Signature) -> Result<()> {
    sig.params = rewrite_params(&sig.params)?;
    sig.returns = rewrite_params(&sig.returns)?;
    Ok(())
}

fn rewrite_params(params: &[AbiParam]) -> Result<Vec<AbiParam>> {
    let mut out = Vec::with_capacity(params.len());
    for param in params {
        if !is_vector(param.value_type) {
            out.push(*param);
            continue;
        }
        check_shape(param.value_type)?;
        if param.purpose != ArgumentPurpose::Normal {
            bail!(
                "vector parameter with purpose {:?} has no scalar form",
                param.purpose
            );
        }
        out.extend(
            scalar_abi_params(param.value_type)
                .into_iter()
                .map(AbiParam::new),
        );
    }
    Ok(out)
}

/// Values in the scalar ABI: each vector as its two halves.
fn abi_args(cx: &mut Lower, values: &[Value]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(values.len());
    for &v in values {
        let ty = cx.type_of(v);
        if is_vector(ty) {
            out.extend(halves_of(&mut cx.pos, cx.map, v)?);
        } else {
            out.push(v);
        }
    }
    Ok(out)
}

/// `return`, `call`, `call_indirect`, `return_call`, `return_call_indirect`
/// with vector arguments or results.
pub fn call_or_return(cx: &mut Lower) -> Result<Lowered> {
    let args: Vec<Value> = cx.pos.func.dfg.inst_args(cx.inst).to_vec();
    let data = cx.pos.func.dfg.insts[cx.inst];
    let new_inst = match data {
        ir::InstructionData::MultiAry {
            opcode: ir::Opcode::Return,
            ..
        } => {
            let values = abi_args(cx, &args)?;
            cx.pos.ins().return_(&values);
            return Ok(Lowered::Done);
        }
        ir::InstructionData::Call {
            opcode, func_ref, ..
        } => {
            let values = abi_args(cx, &args)?;
            match opcode {
                ir::Opcode::Call => cx.pos.ins().call(func_ref, &values),
                _ => cx.pos.ins().return_call(func_ref, &values),
            }
        }
        ir::InstructionData::CallIndirect {
            opcode, sig_ref, ..
        } => {
            let Some((&callee, rest)) = args.split_first() else {
                bail!("indirect call without callee")
            };
            let values = abi_args(cx, rest)?;
            match opcode {
                ir::Opcode::CallIndirect => cx.pos.ins().call_indirect(sig_ref, callee, &values),
                _ => cx.pos.ins().return_call_indirect(sig_ref, callee, &values),
            }
        }
        _ => bail!("unexpected call form"),
    };
    rebind_results(cx, new_inst)?;
    Ok(Lowered::Done)
}

/// Binds the old call's results to the new call's: scalars by alias,
/// vectors unpacked from their two halves.
fn rebind_results(cx: &mut Lower, new_inst: ir::Inst) -> Result<()> {
    let old: Vec<Value> = cx.pos.func.dfg.inst_results(cx.inst).to_vec();
    let new: Vec<Value> = cx.pos.func.dfg.inst_results(new_inst).to_vec();
    cx.pos.func.dfg.detach_inst_results(cx.inst);
    let mut next = new.into_iter();
    let mut take = || {
        next.next()
            .ok_or_else(|| anyhow::anyhow!("call results do not match the signature"))
    };
    for result in old {
        let ty = cx.type_of(result);
        if is_vector(ty) {
            let halves = [take()?, take()?];
            let lanes = unpack(&mut cx.pos, ty, halves)?;
            cx.map.define_with_halves(result, lanes, halves);
        } else {
            let value = take()?;
            cx.pos.func.dfg.change_to_alias(result, value);
        }
    }
    Ok(())
}
