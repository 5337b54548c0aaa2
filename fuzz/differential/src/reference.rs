//! The reference: a test case run in the wasmi interpreter, linked into
//! this process.

use wasmi::{Engine, ExternRef, F32, F64, Func, Instance, Linker, Module, Ref, Store, Val};

use crate::generate::TestCase;
use crate::trace::{MemoryDigest, Outcome, State, Step, Trace, Trap};
use crate::value::Value;

/// wasmi's default recursion limit (1000 frames) is below what `FUEL`
/// allows, so deep but finite recursion would be "inconclusive" far more
/// often than needed; wafer's default 1 MiB stack holds several thousand
/// frames. The limits only need to be generous, not equal.
const MAX_RECURSION_DEPTH: usize = 20_000;
const MAX_STACK_HEIGHT: usize = 4_000_000;

/// Native stack for the thread wasmi runs on: with wasmi 2.0,
/// [`MAX_RECURSION_DEPTH`] frames overflowed the 2 MiB of a default thread
/// (found by the end-to-end test); the large stack keeps the reference
/// safe whatever the version does. Only touched pages are committed.
const NATIVE_STACK: usize = 512 << 20;

/// Runs `case` in wasmi, on a thread with a stack large enough for
/// [`MAX_RECURSION_DEPTH`].
///
/// # Errors
/// The module does not load in wasmi (wasm-smith produced something
/// outside what wasmi supports — a fuzzer configuration problem, not a
/// wafer bug).
pub fn run(case: &TestCase) -> anyhow::Result<Trace> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("wasmi".into())
            .stack_size(NATIVE_STACK)
            .spawn_scoped(scope, || run_here(case))
            .map_err(|e| anyhow::anyhow!("cannot start the wasmi thread: {e}"))?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn run_here(case: &TestCase) -> anyhow::Result<Trace> {
    let mut config = wasmi::Config::default();
    config
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(MAX_STACK_HEIGHT);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, &case.wasm)
        .map_err(|e| anyhow::anyhow!("wasmi rejects the module: {e}"))?;
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let mut trace = Trace::default();
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) => {
            trace.steps.push(Step {
                outcome: Outcome::Trapped(trap_of(&e)),
                state: None,
            });
            return Ok(trace);
        }
    };
    trace.steps.push(Step {
        outcome: Outcome::Returned(Vec::new()),
        state: Some(state(&store, instance, case)),
    });
    for call in &case.calls {
        let outcome = invoke(&mut store, instance, case, call);
        trace.steps.push(Step {
            outcome,
            state: Some(state(&store, instance, case)),
        });
    }
    Ok(trace)
}

fn invoke(
    store: &mut Store<()>,
    instance: Instance,
    case: &TestCase,
    call: &crate::generate::Call,
) -> Outcome {
    let Some(func) = instance.get_func(&*store, &call.export) else {
        return Outcome::Trapped(Trap::Other(format!("no function `{}`", call.export)));
    };
    let Some((_, sig)) = case.exports.funcs.iter().find(|(n, _)| *n == call.export) else {
        return Outcome::Trapped(Trap::Other(format!("no signature for `{}`", call.export)));
    };
    let args: Vec<Val> = call.args.iter().map(|v| to_wasmi(store, v)).collect();
    let mut results: Vec<Val> = sig
        .results
        .iter()
        .map(|&t| to_wasmi(store, &Value::zero(t)))
        .collect();
    match func.call(&mut *store, &args, &mut results) {
        Ok(()) => Outcome::Returned(results.iter().map(|v| from_wasmi(store, v)).collect()),
        Err(e) => Outcome::Trapped(trap_of(&e)),
    }
}

/// The trap kind of a wasmi error; anything that is neither a trap code nor
/// an out-of-bounds segment at instantiation is an `Other` with wasmi's
/// words.
fn trap_of(error: &wasmi::Error) -> Trap {
    use wasmi::TrapCode as C;
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    // Active segments that do not fit fail instantiation with a table or
    // memory error instead of a trap code; the spec calls both traps.
    match error.kind() {
        ErrorKind::Table(
            TableError::InitOutOfBounds
            | TableError::CopyOutOfBounds
            | TableError::FillOutOfBounds
            | TableError::SetOutOfBounds,
        )
        | ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            return Trap::TableOutOfBounds;
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => return Trap::MemoryOutOfBounds,
        _ => {}
    }
    match error.as_trap_code() {
        Some(C::UnreachableCodeReached) => Trap::Unreachable,
        Some(C::MemoryOutOfBounds) => Trap::MemoryOutOfBounds,
        Some(C::TableOutOfBounds) => Trap::TableOutOfBounds,
        Some(C::IndirectCallToNull) => Trap::UninitializedElement,
        Some(C::IntegerDivisionByZero) => Trap::IntegerDivideByZero,
        Some(C::IntegerOverflow) => Trap::IntegerOverflow,
        Some(C::BadConversionToInteger) => Trap::InvalidConversionToInteger,
        Some(C::StackOverflow) => Trap::CallStackExhausted,
        Some(C::BadSignature) => Trap::IndirectCallTypeMismatch,
        _ => Trap::Other(format!("wasmi: {error}")),
    }
}

/// Exported memories' digests and exported globals' values.
fn state(store: &Store<()>, instance: Instance, case: &TestCase) -> State {
    let memories = case
        .exports
        .memories
        .iter()
        .map(|name| match instance.get_memory(store, name) {
            Some(memory) => {
                let bytes = memory.data(store);
                MemoryDigest {
                    length: bytes.len() as u64,
                    hash: crate::digest::memory_digest(bytes),
                }
            }
            // Cannot happen for an exported memory; a digest no real memory
            // has makes the comparison fail loudly if it does.
            None => MemoryDigest {
                length: u64::MAX,
                hash: 0,
            },
        })
        .collect();
    let globals = case
        .exports
        .globals
        .iter()
        .map(|name| match instance.get_global(store, name) {
            Some(global) => from_wasmi(store, &global.get(store)),
            None => Value::ExternRef(Some(u32::MAX)),
        })
        .collect();
    State { memories, globals }
}

fn to_wasmi(store: &mut Store<()>, value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(bits) => Val::F32(F32::from_bits(bits)),
        Value::F64(bits) => Val::F64(F64::from_bits(bits)),
        // Only null funcrefs are passed (see `Value::token`).
        Value::FuncRef { .. } => Val::FuncRef(Ref::<Func>::Null),
        Value::ExternRef(None) => Val::ExternRef(Ref::Null),
        Value::ExternRef(Some(n)) => Val::ExternRef(Ref::Val(ExternRef::new(store, n))),
    }
}

fn from_wasmi(store: &Store<()>, value: &Val) -> Value {
    match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(Ref::Null) => Value::ExternRef(None),
        // Externrefs only ever hold the u32 payloads `to_wasmi` made.
        Val::ExternRef(Ref::Val(r)) => Value::ExternRef(Some(
            r.data(store)
                .downcast_ref::<u32>()
                .copied()
                .unwrap_or(u32::MAX),
        )),
        Val::V128(_) => Value::ExternRef(Some(u32::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Call, exports_of};

    /// wasmi 2.0.0 returned 1 for every `x` here (found by the fuzzer as
    /// "wasmi traps `integer divide by zero`, wafer returns" on trap-free
    /// modules, whose divisions wasm-smith guards with exactly this).
    #[test]
    fn the_reference_gets_the_select_eqz_divisor_guard_right() {
        let wasm = wat::parse_str(
            r#"(module
                (func (export "guard") (param i32) (result i32)
                  (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))))
                (func (export "div") (param i32 i32) (result i32)
                  (i32.div_s (local.get 0)
                    (select (i32.const 1) (local.get 1) (i32.eqz (local.get 1))))))"#,
        )
        .unwrap();
        let call = |export: &str, args: &[u32]| Call {
            export: export.into(),
            args: args.iter().map(|&a| Value::I32(a)).collect(),
        };
        let case = TestCase {
            exports: exports_of(&wasm).unwrap(),
            wasm,
            calls: vec![
                call("guard", &[0]),
                call("guard", &[2]),
                call("guard", &[u32::MAX]),
                call("div", &[7, 0]),
                call("div", &[7, 2]),
                call("div", &[5, u32::MAX]),
            ],
        };
        let trace = run(&case).unwrap();
        let results: Vec<Outcome> = trace.steps[1..].iter().map(|s| s.outcome.clone()).collect();
        let i32s = |v: u32| Outcome::Returned(vec![Value::I32(v)]);
        assert_eq!(
            results,
            [
                i32s(1),
                i32s(2),
                i32s(u32::MAX),
                i32s(7),
                i32s(3),
                i32s(-5i32 as u32)
            ]
        );
    }
}
