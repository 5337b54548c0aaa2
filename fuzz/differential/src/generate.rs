//! Test cases: a `wasm-smith` module that wafer must accept, and the calls
//! to make on it. Built from arbitrary bytes, so libFuzzer's inputs and the
//! batch driver's random bytes go through the same door.

use anyhow::{Context, Result, bail};
use arbitrary::Unstructured;
use wasmparser::{ExternalKind, Parser, Payload, RefType};

use crate::value::{ValType, Value};

/// Fuel given to every module by `wasm-smith`'s `ensure_termination`: one
/// unit per loop iteration and function entry, shared by all calls of the
/// module (the fuel global is not exported, so it cannot be refilled).
/// Small, because each unit may hide a `memory.fill` of a whole memory and
/// the image runs under an emulator for two of the three ISAs. Running out
/// traps with `unreachable` on both sides, which is compared like any trap.
pub const FUEL: u32 = 1000;

/// Largest linear memory, in 64 KiB pages. Every memory and table gets a
/// declared maximum, so `memory.grow`/`table.grow` fail the same way in both
/// engines (wafer's image-wide cap and wasmi's allocation limits never come
/// into play), and digesting a memory after every call stays cheap.
pub const MAX_MEMORY_PAGES: u64 = 16;

/// Argument sets per exported function: all zeros first, then arbitrary.
pub const ARGUMENT_SETS: usize = 3;

/// The `wasm-smith` configuration: the Wasm 2.0 feature set wafer compiles
/// (`wafer::module_info::features`) minus SIMD, no imports (nothing to
/// provide on either side), everything exported (so the state is
/// observable), NaNs canonicalised after arithmetic (the one freedom the
/// spec leaves engines that would otherwise show up in memory digests;
/// [`crate::canonicalize`] covers the two conversions wasm-smith skips),
/// and limits that keep a module small and every growth bounded.
pub fn module_config() -> wasm_smith::Config {
    wasm_smith::Config {
        // Wasm 2.0 proposals: on.
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        // Later proposals and SIMD: off.
        simd_enabled: false,
        relaxed_simd_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        compact_imports_enabled: false,
        custom_descriptors_enabled: false,
        max_memories: 1,
        // Shape.
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        max_tables: 2,
        table_max_size_required: true,
        max_table_elements: 1000,
        memory_max_size_required: true,
        max_memory32_bytes: MAX_MEMORY_PAGES << 16,
        max_globals: 16,
        // At least one function (and so one type for it), so that with
        // everything exported every module has something to call; without
        // these, half of the modules had no function at all.
        min_types: 1,
        min_funcs: 1,
        max_funcs: 32,
        max_instructions: 200,
        ..wasm_smith::Config::default()
    }
}

/// The signature of an exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncSig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// A module's exports by kind, in export order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exports {
    pub funcs: Vec<(String, FuncSig)>,
    pub memories: Vec<String>,
    pub globals: Vec<String>,
}

/// One call: an exported function and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub export: String,
    pub args: Vec<Value>,
}

/// A module and what to do with it.
#[derive(Clone, Debug)]
pub struct TestCase {
    pub wasm: Vec<u8>,
    pub exports: Exports,
    pub calls: Vec<Call>,
}

impl TestCase {
    /// Builds a test case from fuzzer bytes. Runs out of bytes gracefully:
    /// `wasm-smith` and the argument choices use defaults then.
    ///
    /// # Errors
    /// Only if `wasm-smith` itself fails (it does not on short input).
    pub fn generate(data: &[u8]) -> Result<TestCase> {
        let mut u = Unstructured::new(data);
        // Random code traps early and often (three calls in four, mostly
        // on wasm-smith's own `unreachable`s), leaving the code after the
        // trap unexercised; half of the modules are generated without
        // trapping instructions (`disallow_traps`: masked addresses,
        // guarded divisions, ...), so their calls run to the end.
        let config = wasm_smith::Config {
            disallow_traps: u.ratio(1, 2).unwrap_or(false),
            ..module_config()
        };
        let mut module = wasm_smith::Module::new(config, &mut u)
            .map_err(|e| anyhow::anyhow!("wasm-smith: {e}"))?;
        module
            .ensure_termination(FUEL)
            .context("wasm-smith: ensure_termination")?;
        let wasm = crate::canonicalize::canonicalize_conversion_nans(&module.to_bytes())?;
        let exports = exports_of(&wasm)?;
        let calls = calls_for(&exports, &mut u);
        Ok(TestCase {
            wasm,
            exports,
            calls,
        })
    }
}

/// Every exported function once per argument set: zeros, then arbitrary.
fn calls_for(exports: &Exports, u: &mut Unstructured<'_>) -> Vec<Call> {
    let mut calls = Vec::new();
    for set in 0..ARGUMENT_SETS {
        for (name, sig) in &exports.funcs {
            let args = sig
                .params
                .iter()
                .map(|&ty| {
                    if set == 0 {
                        Value::zero(ty)
                    } else {
                        arbitrary_value(ty, u)
                    }
                })
                .collect();
            calls.push(Call {
                export: name.clone(),
                args,
            });
        }
    }
    calls
}

/// A value of `ty`, half the time an edge case (the values where
/// arithmetic, conversions and bounds checks change behaviour).
fn arbitrary_value(ty: ValType, u: &mut Unstructured<'_>) -> Value {
    const I32_EDGES: &[u32] = &[
        0,
        1,
        u32::MAX,
        0x8000_0000,
        0x7fff_ffff,
        0xffff,
        0x1_0000,
        0xfff8,
        0xffff_fff8,
    ];
    const I64_EDGES: &[u64] = &[
        0,
        1,
        u64::MAX,
        1 << 63,
        (1 << 63) - 1,
        0xffff_ffff,
        0x1_0000_0000,
    ];
    const F32_EDGES: &[f32] = &[
        0.0,
        -0.0,
        1.0,
        -1.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        2147483648.0,
        -2147483904.0,
        4294967296.0,
        f32::MIN_POSITIVE,
    ];
    const F64_EDGES: &[f64] = &[
        0.0,
        -0.0,
        1.0,
        -1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        2147483648.0,
        -2147483649.0,
        9223372036854775808.0,
        f64::MIN_POSITIVE,
    ];
    let edge = u.arbitrary::<bool>().unwrap_or(true);
    let mut pick = |n: usize| u.choose_index(n).unwrap_or(0);
    match ty {
        ValType::I32 if edge => Value::I32(I32_EDGES[pick(I32_EDGES.len())]),
        ValType::I64 if edge => Value::I64(I64_EDGES[pick(I64_EDGES.len())]),
        ValType::F32 if edge => Value::F32(F32_EDGES[pick(F32_EDGES.len())].to_bits()),
        ValType::F64 if edge => Value::F64(F64_EDGES[pick(F64_EDGES.len())].to_bits()),
        ValType::I32 => Value::I32(u.arbitrary().unwrap_or(0)),
        ValType::I64 => Value::I64(u.arbitrary().unwrap_or(0)),
        ValType::F32 => Value::F32(u.arbitrary().unwrap_or(0)),
        ValType::F64 => Value::F64(u.arbitrary().unwrap_or(0)),
        // Only null can be passed in for a funcref (see `Value::token`).
        ValType::FuncRef => Value::FuncRef { null: true },
        ValType::ExternRef if edge => Value::ExternRef(None),
        ValType::ExternRef => Value::ExternRef(Some(u.int_in_range(0..=3).unwrap_or(0))),
    }
}

/// Reads the exports (and exported functions' signatures) of `wasm`.
///
/// # Errors
/// Malformed sections, or types outside [`ValType`] (SIMD, GC).
pub fn exports_of(wasm: &[u8]) -> Result<Exports> {
    let mut types = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut exports = Exports::default();
    let mut raw_exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty?;
                    let convert = |list: &[wasmparser::ValType]| -> Result<Vec<ValType>> {
                        list.iter().map(|&t| val_type(t)).collect()
                    };
                    types.push(FuncSig {
                        params: convert(ty.params())?,
                        results: convert(ty.results())?,
                    });
                }
            }
            Payload::ImportSection(reader) if reader.count() > 0 => {
                bail!("the module imports something; test cases must not");
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    func_types.push(ty?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    raw_exports.push((export.name.to_string(), export.kind, export.index));
                }
            }
            _ => {}
        }
    }
    for (name, kind, index) in raw_exports {
        match kind {
            ExternalKind::Func => {
                let sig = func_types
                    .get(index as usize)
                    .and_then(|&t| types.get(t as usize))
                    .with_context(|| format!("export `{name}`: no such function"))?;
                exports.funcs.push((name, sig.clone()));
            }
            ExternalKind::Memory => exports.memories.push(name),
            ExternalKind::Global => exports.globals.push(name),
            _ => {}
        }
    }
    Ok(exports)
}

fn val_type(ty: wasmparser::ValType) -> Result<ValType> {
    Ok(match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::Ref(r) if r == RefType::FUNCREF => ValType::FuncRef,
        wasmparser::ValType::Ref(r) if r == RefType::EXTERNREF => ValType::ExternRef,
        other => bail!("value type {other:?} is outside Wasm 2.0 without SIMD"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn generated_modules_are_valid_wasm2_as_wafer_validates_it() {
        let mut rng = Rng::new(1);
        let mut with_calls = 0;
        for _ in 0..200 {
            let bytes = rng.bytes(2048);
            let case = TestCase::generate(&bytes).unwrap();
            wasmparser::Validator::new_with_features(wafer::module_info::features())
                .validate_all(&case.wasm)
                .unwrap_or_else(|e| panic!("wasm-smith made a module wafer rejects: {e}"));
            assert_eq!(
                case.calls.len(),
                case.exports.funcs.len() * ARGUMENT_SETS,
                "every export, every argument set"
            );
            with_calls += usize::from(!case.calls.is_empty());
        }
        // Random bytes that never produce a callable export would make the
        // differential target a compile-only test.
        assert!(
            with_calls > 100,
            "only {with_calls} of 200 cases have calls"
        );
    }

    #[test]
    fn exports_are_read_with_their_signatures() {
        let wasm = wat::parse_str(
            r#"(module
                (memory (export "mem") 1 2)
                (global (export "g") (mut i64) (i64.const 5))
                (func (export "f") (param i32 externref) (result f64 funcref)
                  f64.const 0 ref.null func))"#,
        )
        .unwrap();
        let exports = exports_of(&wasm).unwrap();
        assert_eq!(exports.memories, ["mem"]);
        assert_eq!(exports.globals, ["g"]);
        assert_eq!(
            exports.funcs,
            [(
                "f".to_string(),
                FuncSig {
                    params: vec![ValType::I32, ValType::ExternRef],
                    results: vec![ValType::F64, ValType::FuncRef],
                }
            )]
        );
    }

    #[test]
    fn the_same_bytes_give_the_same_test_case() {
        let bytes: Vec<u8> = (0..1500u32).map(|i| (i * 7 + 3) as u8).collect();
        let a = TestCase::generate(&bytes).unwrap();
        let b = TestCase::generate(&bytes).unwrap();
        assert_eq!(a.wasm, b.wasm);
        assert_eq!(a.calls, b.calls);
    }
}
