//! Test support: small Cranelift functions built by hand, for the unit
//! tests of the IR passes that look for shapes the Wasm translator emits.
//! Each test describes only its body; the signature, entry block and
//! frontend settings (a 64-bit System V target) are the same for all.

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{
    AbiParam, Function, InstructionData, Opcode, Signature, TrapCode, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_interpreter::environment::FunctionStore;
use cranelift_interpreter::interpreter::{Interpreter, InterpreterState};
use cranelift_interpreter::step::ControlFlow;

/// `fn(params) -> returns`, its entry block holding the parameters; `body`
/// emits the instructions from the entry block on (it may add blocks) and
/// gets the parameters. All blocks are sealed afterwards.
pub fn function(
    params: &[Type],
    returns: &[Type],
    body: impl FnOnce(&mut FunctionBuilder, &[Value]),
) -> Function {
    let mut signature = Signature::new(CallConv::SystemV);
    signature
        .params
        .extend(params.iter().map(|&ty| AbiParam::new(ty)));
    signature
        .returns
        .extend(returns.iter().map(|&ty| AbiParam::new(ty)));
    let mut func = Function::with_name_signature(UserFuncName::default(), signature);
    let mut context = FunctionBuilderContext::new();
    let mut builder = FunctionBuilder::new(&mut func, &mut context);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    let values = builder.block_params(entry).to_vec();
    body(&mut builder, &values);
    builder.seal_all_blocks();
    builder.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    });
    func
}

/// Panics with the verifier's report unless `func` is valid IR (a pass's
/// output must be).
pub fn assert_valid(func: &Function) {
    let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
    if let Err(errors) = cranelift_codegen::verify_function(func, &flags) {
        panic!("invalid IR after the pass:\n{errors}\n{}", func.display());
    }
}

/// The result of calling `func` with `args` in Cranelift's interpreter: its
/// return values, or the trap it stopped at.
pub fn interpret(func: &Function, args: &[DataValue]) -> Result<Vec<DataValue>, String> {
    let mut store = FunctionStore::default();
    store.add("f".to_string(), func);
    let state = InterpreterState::default().with_function_store(store);
    match Interpreter::new(state).call_by_name("f", args) {
        Ok(ControlFlow::Return(values)) => Ok(values.to_vec()),
        Ok(ControlFlow::Trap(trap)) => Err(format!("{trap:?}")),
        other => panic!("unexpected interpreter outcome: {other:?}"),
    }
}

/// The bounds checks (`trapnz` with `HEAP_OUT_OF_BOUNDS`) of each block of
/// `func`: (the block is cold, how many).
pub fn heap_checks_per_block(func: &Function) -> Vec<(bool, usize)> {
    func.layout
        .blocks()
        .map(|block| {
            let checks = func
                .layout
                .block_insts(block)
                .filter(|&inst| {
                    matches!(
                        func.dfg.insts[inst],
                        InstructionData::CondTrap {
                            opcode: Opcode::Trapnz,
                            code: TrapCode::HEAP_OUT_OF_BOUNDS,
                            ..
                        }
                    )
                })
                .count();
            (func.layout.is_cold(block), checks)
        })
        .collect()
}
