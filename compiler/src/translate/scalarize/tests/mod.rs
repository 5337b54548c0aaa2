//! Differential tests: each case is a small function using vector
//! instructions, run in Cranelift's interpreter before and after [`run`]
//! on many inputs (edge values of each lane type and pseudo-random bits),
//! with results compared lane by lane. Every scalarized function is also
//! checked by Cranelift's verifier, searched for leftover vector types and
//! compiled for wafer's default riscv64 preset (rv64gc, no V), the ISA
//! the pass exists for.

mod cases;
mod control;
mod inputs;
mod memory;

use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{
    AbiParam, Function, InstBuilder, Signature, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_interpreter::environment::FunctionStore;
use cranelift_interpreter::interpreter::{Interpreter, InterpreterState};
use cranelift_interpreter::step::ControlFlow;

use super::{is_vector, run};
use crate::config::Target;
use crate::emit::isa::build_isa;

/// How float results are compared.
#[derive(Clone, Copy, PartialEq)]
pub enum Nan {
    /// Bit for bit, NaNs included (bitwise and lane-moving operations).
    Exact,
    /// Any NaN equals any NaN, as Wasm allows for arithmetic results
    /// (riscv64 hardware returns the canonical NaN where x86 keeps
    /// payloads); everything else bit for bit.
    AnyNan,
}

/// A function `fn(params) -> result` whose body `body` builds.
pub fn build(
    params: &[Type],
    result: Type,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]) -> Value,
) -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns.push(AbiParam::new(result));
    let mut func = Function::with_name_signature(UserFuncName::testcase("f"), sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let args = b.block_params(entry).to_vec();
    let r = body(&mut b, &args);
    b.ins().return_(&[r]);
    b.seal_all_blocks();
    b.finalize(riscv64_isa().frontend_config());
    func
}

pub fn riscv64_isa() -> cranelift_codegen::isa::OwnedTargetIsa {
    build_isa(&Target::parse("riscv64").expect("the riscv64 target")).expect("the riscv64 ISA")
}

/// Runs `func` (named `f`, plus `others`) in the interpreter.
pub fn interpret(func: &Function, others: &[&Function], args: &[DataValue]) -> Vec<DataValue> {
    let mut store = FunctionStore::default();
    store.add("f".to_string(), func);
    for other in others {
        store.add(other.name.to_string(), other);
    }
    let state = InterpreterState::default().with_function_store(store);
    match Interpreter::new(state).call_by_name("f", args) {
        Ok(ControlFlow::Return(values)) => values.to_vec(),
        Ok(other) => panic!("{} did not return: {other:?}", func.name),
        Err(e) => panic!("{} failed in the interpreter: {e}", func.name),
    }
}

/// Scalarizes a copy of `func` and checks the result is scalar code that
/// the verifier accepts and rv64gc compiles.
pub fn scalarize(func: &Function) -> Function {
    let mut scalar = func.clone();
    run(&mut scalar).unwrap_or_else(|e| panic!("scalarize failed: {e:#}\n{func}"));
    assert_scalar(&scalar);
    let isa = riscv64_isa();
    if let Err(e) = cranelift_codegen::verify_function(&scalar, &*isa) {
        panic!("verifier: {e}\n{scalar}");
    }
    let mut ctx = Context::for_function(scalar.clone());
    if let Err(e) = ctx.compile(&*isa, &mut ControlPlane::default()) {
        panic!(
            "rv64gc cannot compile the scalar code: {:?}\n{scalar}",
            e.inner
        );
    }
    scalar
}

/// No value, parameter or signature of `func` has a vector type.
pub fn assert_scalar(func: &Function) {
    let sigs = std::iter::once(&func.signature).chain(func.dfg.signatures.values());
    for sig in sigs {
        assert!(
            sig.params
                .iter()
                .chain(&sig.returns)
                .all(|p| !is_vector(p.value_type)),
            "vector in signature {sig}"
        );
    }
    for block in func.layout.blocks() {
        for &p in func.dfg.block_params(block) {
            assert!(
                !is_vector(func.dfg.value_type(p)),
                "vector block parameter {p}\n{func}"
            );
        }
        for inst in func.layout.block_insts(block) {
            let dfg = &func.dfg;
            let values = dfg.inst_args(inst).iter().chain(dfg.inst_results(inst));
            for &v in values {
                assert!(
                    !is_vector(dfg.value_type(v)),
                    "vector value in `{}`\n{func}",
                    dfg.display_inst(inst)
                );
            }
        }
    }
}

/// Arguments in the scalar ABI: each 128-bit vector as two `I64`.
pub fn scalar_args(args: &[DataValue]) -> Vec<DataValue> {
    let mut out = Vec::new();
    for arg in args {
        match arg {
            DataValue::V128(bytes) => {
                let (low, high) = bytes.split_at(8);
                out.push(DataValue::I64(i64::from_le_bytes(low.try_into().unwrap())));
                out.push(DataValue::I64(i64::from_le_bytes(high.try_into().unwrap())));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// Results in the scalar ABI turned back into values of `types`.
pub fn join_results(types: &[Type], values: &[DataValue]) -> Vec<DataValue> {
    let mut out = Vec::new();
    let mut next = values.iter();
    for &ty in types {
        if is_vector(ty) {
            let (Some(DataValue::I64(low)), Some(DataValue::I64(high))) =
                (next.next(), next.next())
            else {
                panic!("vector result not returned as two I64: {values:?}");
            };
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&low.to_le_bytes());
            bytes[8..].copy_from_slice(&high.to_le_bytes());
            out.push(DataValue::V128(bytes));
        } else {
            out.push(next.next().expect("a scalar result").clone());
        }
    }
    out
}

/// Whether `expected` and `got`, of type `ty`, agree under `nan`.
pub fn agree(ty: Type, nan: Nan, expected: &DataValue, got: &DataValue) -> bool {
    match (expected, got) {
        (DataValue::V128(e), DataValue::V128(g)) => {
            let width = ty.lane_bits() as usize / 8;
            e.chunks(width).zip(g.chunks(width)).all(|(e, g)| {
                e == g
                    || (nan == Nan::AnyNan && ty.lane_type().is_float() && is_nan(e) && is_nan(g))
            })
        }
        (DataValue::F32(e), DataValue::F32(g)) => {
            e.bits() == g.bits() || (nan == Nan::AnyNan && e.is_nan() && g.is_nan())
        }
        (DataValue::F64(e), DataValue::F64(g)) => {
            e.bits() == g.bits() || (nan == Nan::AnyNan && e.is_nan() && g.is_nan())
        }
        (e, g) => e == g,
    }
}

/// Whether little-endian float bytes (4 or 8) are a NaN.
fn is_nan(bytes: &[u8]) -> bool {
    match bytes.len() {
        4 => f32::from_le_bytes(bytes.try_into().unwrap()).is_nan(),
        8 => f64::from_le_bytes(bytes.try_into().unwrap()).is_nan(),
        _ => false,
    }
}

/// Runs `func` before and after scalarizing on `inputs`, comparing.
pub fn check_differential(name: &str, func: &Function, nan: Nan, inputs: &[Vec<DataValue>]) {
    // Names the case when the interpreter or a backend panics.
    eprintln!("case {name}");
    let scalar = scalarize(func);
    let result_types: Vec<Type> = func
        .signature
        .returns
        .iter()
        .map(|p| p.value_type)
        .collect();
    for args in inputs {
        let expected = interpret(func, &[], args);
        let got = join_results(&result_types, &interpret(&scalar, &[], &scalar_args(args)));
        for ((ty, e), g) in result_types.iter().zip(&expected).zip(&got) {
            assert!(
                agree(*ty, nan, e, g),
                "{name}: args {args:?}\nexpected {e:?}\n     got {g:?}\noriginal:\n{func}\nscalar:\n{scalar}"
            );
        }
    }
}

/// Runs `func` after scalarizing on `inputs` against `reference`, for
/// instructions the interpreter cannot run in vector form (`avg_round`,
/// bitcasts to `I128`): the expected value is computed in Rust.
pub fn check_against(
    name: &str,
    func: &Function,
    inputs: &[Vec<DataValue>],
    reference: impl Fn(&[DataValue]) -> DataValue,
) {
    eprintln!("case {name}");
    let scalar = scalarize(func);
    let result_types: Vec<Type> = func
        .signature
        .returns
        .iter()
        .map(|p| p.value_type)
        .collect();
    for args in inputs {
        let expected = reference(args);
        let got = join_results(&result_types, &interpret(&scalar, &[], &scalar_args(args)));
        assert!(
            agree(result_types[0], Nan::Exact, &expected, &got[0]),
            "{name}: args {args:?}\nexpected {expected:?}\n     got {:?}\nscalar:\n{scalar}",
            got[0]
        );
    }
}

/// The bytes of a `V128` argument.
pub fn bytes_of(value: &DataValue) -> [u8; 16] {
    match value {
        DataValue::V128(bytes) => *bytes,
        other => panic!("not a vector: {other:?}"),
    }
}
