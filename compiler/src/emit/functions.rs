//! Compiling every defined function and collecting its trap sites.
//!
//! Translation to Cranelift IR reads the object module only (every callee
//! and data object a body refers to is declared beforehand), so with
//! several threads each one translates and generates the code of the next
//! function by index. The machine code is then defined into the object in
//! index order, so the object is byte-identical whatever the number of
//! threads and however their work interleaves.
//!
//! cranelift-object records no trap metadata, so each function's trap sites
//! are read from its code buffer and kept for the descriptor, each with the
//! Wasm byte offset of the instruction it came from (from the source
//! locations set during translation).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{Context as _, Result, anyhow};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{Context, FinalizedMachReloc};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{FuncId, Module, ModuleError, ModuleReloc};
use cranelift_object::ObjectModule;
use wafer_abi::descriptor::TrapSite;

use super::body_facts::BodyFacts;
use super::errors::module_error;
use super::inline::{self, Callees};
use crate::translate::check_windows::merge_check_windows;
use crate::translate::compare_forms::compare_instead_of_xor;
use crate::translate::constant_stores::store_narrow_constants;
use crate::translate::counted_loops::count_with_pointers;
use crate::translate::counter_tests::test_pointers_for_counters;
use crate::translate::deep_operand_first::deep_operand_first;
use crate::translate::div_by_constant::divide_by_multiplying;
use crate::translate::env::{ModuleEnv, budget_body_signature, wasm_signature};
use crate::translate::float_constants::float_constants_from_pool;
use crate::translate::fold_after_access::fold_after_access;
use crate::translate::ir_match::remove_dead_code;
use crate::translate::keep_invariants::keep_invariants_out_of_loops;
use crate::translate::known_bits::{drop_redundant_masks, widen_scaled_indices};
use crate::translate::large_offsets::split_large_offsets;
use crate::translate::loop_pointers::carry_addresses_in_loops;
use crate::translate::mask_extend::masks_as_extensions;
use crate::translate::narrow_wide::narrow_values_at_64_bits;
use crate::translate::opaque_slot::KeptLoopView;
use crate::translate::park_live_through::park_live_through_values;
use crate::translate::range_compares::unmask_range_compares;
use crate::translate::scalarize;
use crate::translate::simd::{needs_scalar_simd, uses_vectors};
use crate::translate::straight_versions::version_straight_runs;
use crate::translate::wide_loads::load_extended_values_wide;
use crate::translate::wide_params::widen_extended_params;
use crate::translate::zero_tests::zero_tests_by_arithmetic;
use crate::translate::{translate_body, wafer_trap_code};

/// A compiled function as the descriptor needs it.
pub struct CompiledFunction {
    /// The code: the function, or with a budget its body.
    pub id: FuncId,
    pub code_size: u64,
    pub traps: Vec<TrapSite>,
}

/// Thread count set by the command line (`--jobs`); 0 = not set.
static JOBS_OVERRIDE: AtomicUsize = AtomicUsize::new(0);

/// Sets the number of code generation threads for later compilations in
/// this process (the CLI's `--jobs`); it takes precedence over `WAFER_JOBS`.
pub fn set_default_jobs(jobs: NonZeroUsize) {
    JOBS_OVERRIDE.store(jobs.get(), Ordering::Relaxed);
}

/// The number of code generation threads: `--jobs`, else the `WAFER_JOBS`
/// environment variable, else the number of cores.
///
/// # Errors
/// `WAFER_JOBS` is set but is not a positive integer.
pub fn default_jobs() -> Result<NonZeroUsize> {
    if let Some(jobs) = NonZeroUsize::new(JOBS_OVERRIDE.load(Ordering::Relaxed)) {
        return Ok(jobs);
    }
    if let Some(text) = std::env::var_os("WAFER_JOBS") {
        let text = text.to_string_lossy();
        return parse_jobs(&text).map_err(|e| anyhow!("WAFER_JOBS: {e}"));
    }
    Ok(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
}

/// Parses a thread count (`--jobs`, `WAFER_JOBS`): a positive integer.
///
/// # Errors
/// Anything else, as a sentence.
pub fn parse_jobs(text: &str) -> Result<NonZeroUsize, String> {
    text.trim()
        .parse::<NonZeroUsize>()
        .map_err(|_| format!("expected a positive number of threads, got `{text}`"))
}

/// A function translated to Cranelift IR, waiting for code generation.
struct Translated {
    defined: usize,
    /// For error messages: "function 3 (`m::f`)".
    what: String,
    id: FuncId,
    func: Function,
    /// Whether memory accesses go unchecked behind guard regions; some
    /// rewrites pay only there.
    guarded: bool,
    /// Versioned loops whose unchecked copy may pack lane pairs, and the
    /// headers of their checked copies.
    loops: crate::translate::TranslatedLoops,
    /// Whether neighbouring explicit checks may share one compare
    /// (`check_windows.rs`): every access is checked and no memory grows
    /// past `GUARDED_MAX_BYTES`.
    merges_check_windows: bool,
}

/// Machine code of one function, ready to define into the object.
struct MachineCode {
    what: String,
    id: FuncId,
    alignment: u64,
    bytes: Vec<u8>,
    relocs: Vec<ModuleReloc>,
    traps: Vec<TrapSite>,
}

/// Translates and compiles every defined function, defining them into
/// `module` in index order, with `jobs` code generation threads.
///
/// # Errors
/// Translation or code generation failures, naming the function. When
/// several functions fail, the one with the lowest index is reported,
/// whatever the thread count.
pub fn compile_functions(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    symbols: &[String],
    jobs: NonZeroUsize,
    facts: &BodyFacts,
) -> Result<Vec<CompiledFunction>> {
    let count = env.info.bodies.len();
    let workers = jobs.get().min(count);
    let callees = keep_callees(env, module, isa, symbols, facts)?;
    if workers <= 1 {
        return compile_on_this_thread(env, module, isa, symbols, &callees);
    }
    compile_on_workers(env, module, isa, symbols, workers, &callees)
}

/// The small callees inlined at their call sites (`inline.rs`), translated
/// once up front; none with a budget.
fn keep_callees(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    symbols: &[String],
    facts: &BodyFacts,
) -> Result<Callees> {
    if env.budget.enabled() {
        return Ok(Callees::default());
    }
    let plan = inline::plan_from_loop_calls(
        env.info,
        &facts.loop_calls,
        inline::max_callee_bytes(isa.triple().architecture),
    );
    let wanted = plan.callees.clone();
    let mut callees = Callees::new(plan);
    let mut builder_ctx = FunctionBuilderContext::new();
    for defined in wanted {
        // A body that fails to translate is reported in its own turn
        // (the lowest failing index wins); it is just not inlined.
        let Ok(translated) = translate(
            env,
            module,
            symbols,
            defined,
            &mut builder_ctx,
            Function::new(),
        ) else {
            continue;
        };
        if !callees.keep(defined, translated.id, translated.func) {
            break;
        }
    }
    Ok(callees)
}

fn compile_on_this_thread(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    symbols: &[String],
    callees: &Callees,
) -> Result<Vec<CompiledFunction>> {
    let mut builder_ctx = FunctionBuilderContext::new();
    let mut codegen_ctx = Context::new();
    let mut compiled = Vec::with_capacity(env.info.bodies.len());
    for defined in 0..env.info.bodies.len() {
        let spare = std::mem::replace(&mut codegen_ctx.func, Function::new());
        let translated = translate(env, module, symbols, defined, &mut builder_ctx, spare)?;
        let code = generate_code(isa, callees, translated, &mut codegen_ctx)?;
        compiled.push(define(module, code)?);
    }
    Ok(compiled)
}

/// `workers` threads (the calling one among them) each take the next
/// function by index, translate it and generate its code; the calling
/// thread then defines the machine code in index order. Translation reads
/// the object module only, so it runs beside code generation and `-j N`
/// scales both. Only machine code waits to be defined, a few bytes per
/// Wasm byte, never IR.
fn compile_on_workers(
    env: &ModuleEnv<'_, '_>,
    module: &mut ObjectModule,
    isa: &dyn TargetIsa,
    symbols: &[String],
    workers: usize,
    callees: &Callees,
) -> Result<Vec<CompiledFunction>> {
    let count = env.info.bodies.len();
    let shared = Worklist {
        env,
        module,
        isa,
        symbols,
        callees,
        next: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
    };
    // Every index below the first failing one was taken before it and
    // finished, so the first error in index order is the lowest failing
    // function's, whatever the thread count.
    let results = crate::parallel::indexed_on_threads(workers, || shared.work());
    let mut compiled = Vec::with_capacity(count);
    for (_, code) in results {
        compiled.push(define(module, code?)?);
    }
    if compiled.len() < count {
        return Err(anyhow!("BUG: a code generation thread stopped early"));
    }
    Ok(compiled)
}

/// What the threads of [`compile_on_workers`] share: the next function to
/// take, and whether one has failed (then no thread takes another).
struct Worklist<'w, 'm, 'a> {
    env: &'w ModuleEnv<'m, 'a>,
    module: &'w ObjectModule,
    isa: &'w dyn TargetIsa,
    symbols: &'w [String],
    callees: &'w Callees,
    next: AtomicUsize,
    failed: AtomicBool,
}

impl Worklist<'_, '_, '_> {
    /// Compiles functions until none is left (or one failed), returning
    /// each one's machine code with its index.
    fn work(&self) -> Vec<(usize, Result<MachineCode>)> {
        let mut builder_ctx = FunctionBuilderContext::new();
        let mut codegen_ctx = Context::new();
        let mut done = Vec::new();
        while !self.failed.load(Ordering::Relaxed) {
            let defined = self.next.fetch_add(1, Ordering::Relaxed);
            if defined >= self.env.info.bodies.len() {
                break;
            }
            let spare = std::mem::replace(&mut codegen_ctx.func, Function::new());
            let code = translate(
                self.env,
                self.module,
                self.symbols,
                defined,
                &mut builder_ctx,
                spare,
            )
            .and_then(|job| generate_code(self.isa, self.callees, job, &mut codegen_ctx));
            if code.is_err() {
                self.failed.store(true, Ordering::Relaxed);
            }
            done.push((defined, code));
        }
        done
    }
}

/// Translates defined function `defined` into `spare`, a function whose
/// allocations are reused (the previous function's, already compiled).
fn translate(
    env: &ModuleEnv<'_, '_>,
    module: &ObjectModule,
    symbols: &[String],
    defined: usize,
    builder_ctx: &mut FunctionBuilderContext,
    spare: Function,
) -> Result<Translated> {
    let index = env.info.num_imported_funcs + defined as u32;
    let symbol = &symbols[defined];
    let func_type = env.info.func_type(index);
    // With a budget the code is the body that passes the counter in
    // registers; its Wasm-signature entry point is `budget_entry.rs`'s.
    let (id, signature) = match env.budget_bodies.get(defined) {
        Some(&body) if env.keeps_counter_in_vmctx(defined) => (body, wasm_signature(func_type)),
        Some(&body) => (body, budget_body_signature(func_type)),
        None => (env.defined_funcs[defined], wasm_signature(func_type)),
    };
    let mut func = spare;
    func.clear();
    // `Function::clear` (Cranelift 0.135) leaves the exception tables.
    func.dfg.exception_tables.clear();
    func.name = UserFuncName::user(0, id.as_u32());
    func.signature = signature;
    let body = &env.info.bodies[defined];
    let builder = FunctionBuilder::new(&mut func, builder_ctx);
    let loops = translate_body(env, module, builder, func_type, body)
        .with_context(|| format!("in function {index} (`{symbol}`)"))?;
    if crate::translate::fold_after_access::applies(env) {
        let architecture = cranelift_module::Module::isa(module).triple().architecture;
        fold_after_access(&mut func, env.bounds_checks, architecture);
    }
    Ok(Translated {
        defined,
        what: format!("function {index} (`{symbol}`)"),
        id,
        func,
        guarded: env.bounds_checks == crate::emit::BoundsChecks::Guard,
        loops,
        merges_check_windows: env.bounds_checks == crate::emit::BoundsChecks::Explicit
            && crate::translate::fold_after_access::applies(env),
    })
}

/// Cranelift code generation for one function; what
/// `ObjectModule::define_function` does before writing the bytes. `ctx` is
/// the thread's: reusing it keeps the allocations of its analyses and of
/// the register allocator from one function to the next.
fn generate_code(
    isa: &dyn TargetIsa,
    callees: &Callees,
    mut job: Translated,
    ctx: &mut Context,
) -> Result<MachineCode> {
    // First: every later pass sees the callees' bodies in place.
    callees
        .inline_into(&mut job.func, job.defined)
        .with_context(|| format!("in {}", job.what))?;
    // Before the passes that rewrite addresses: it reads them as the
    // translator wrote them.
    crate::translate::lane_pairs::pack_lane_pairs(&mut job.func, &job.loops.packable);
    if needs_scalar_simd(isa) && uses_vectors(&job.func) {
        // No vector unit: the vector IR becomes scalar IR (docs/simd-scalar.md).
        scalarize::run(&mut job.func).with_context(|| format!("in {}", job.what))?;
    }
    drop_redundant_masks(&mut job.func);
    widen_scaled_indices(&mut job.func);
    // Explicit checks in long straight runs: one test, an unchecked copy.
    // Before the loop passes, so that their loop analysis sees its blocks.
    version_straight_runs(&mut job.func);
    let arch = isa.triple().architecture;
    // Shorter runs of checks through one address: one compare, a cold
    // exact replay. Before the loop passes too: run after them, a first
    // version of it changed the register allocation of n-body's loops
    // (x86_64 +1.4 % instructions against -0.2 % here).
    if job.merges_check_windows && merge_check_windows(&mut job.func, &job.loops.checked_copies) {
        // The merged checks no longer read `p + k`: on x86_64 and aarch64
        // the fold after a dominating access now takes it into the
        // access's offset (hashmap -1.09 % and -0.95 % instructions).
        // riscv64 folds such sums whether checked or not; a second pass
        // there moved its branch islands (json +1.3 %).
        if !matches!(arch, target_lexicon::Architecture::Riscv64(_)) {
            remove_dead_code(&mut job.func);
            fold_after_access(&mut job.func, super::BoundsChecks::Explicit, arch);
        }
    }
    let x86_64 = arch == target_lexicon::Architecture::X86_64;
    // aarch64 takes the rewrites that ran it faster under qemu-user
    // (docs/architecture.md, "Code generation"); the others added
    // instructions there or changed nothing.
    let aarch64 = matches!(arch, target_lexicon::Architecture::Aarch64(_));
    // One loop analysis while the passes leave the function alone: the
    // passes between the loop passes report whether they changed it.
    let mut views = KeptLoopView::default();
    if x86_64 || aarch64 {
        // Before the masks become extensions (it reads them as `band`s)
        // and before parameters turn i64 (it bounds them as they are).
        unmask_range_compares(&mut job.func);
        divide_by_multiplying(&mut job.func);
        // Before widening: the carried addresses are widened like indices.
        carry_addresses_in_loops(&mut job.func, &mut views);
        if x86_64 {
            // aarch64: hashmap +2.2 % instructions under qemu-user.
            count_with_pointers(&mut job.func, &mut views);
            test_pointers_for_counters(&mut job.func, &mut views);
        }
    }
    if x86_64 {
        views.forget_if(widen_extended_params(&mut job.func));
        if job.guarded {
            // With explicit checks it executes fewer instructions but ran
            // interp 10 % and CoreMark 5 % slower side by side: the extra
            // 64-bit values change the allocation of the dispatch loops
            // (docs/architecture.md, "Code generation").
            views.forget_if(load_extended_values_wide(&mut job.func));
        }
        views.forget_if(compare_instead_of_xor(&mut job.func));
        views.forget_if(zero_tests_by_arithmetic(&mut job.func));
        views.forget_if(store_narrow_constants(&mut job.func));
    }
    views.forget_if(masks_as_extensions(&mut job.func));
    if matches!(arch, target_lexicon::Architecture::Riscv64(_)) {
        // After the mask pass: its extensions are narrow values. The
        // offsets last, so that they split the loads narrow_wide adds.
        narrow_values_at_64_bits(&mut job.func);
        split_large_offsets(&mut job.func);
    }
    if x86_64 || aarch64 {
        // Last: the earlier passes read values through their definitions.
        // Measured on riscv64 too (docs/architecture.md): no gain there.
        keep_invariants_out_of_loops(&mut job.func, &mut views);
        if x86_64 {
            // aarch64: CoreMark +1.2 % instructions with the three.
            park_live_through_values(&mut job.func, &mut views);
            deep_operand_first(&mut job.func);
            float_constants_from_pool(&mut job.func);
        }
    }
    // Where the stack guard alone cannot bound every frame (riscv64's
    // probe loop runs bottom-up), a function whose frame turns out too
    // large is compiled again with the prologue check.
    let fallback = super::isa::largest_guarded_frame(isa).map(|limit| (limit, job.func.clone()));
    ctx.clear();
    ctx.func = job.func;
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| module_error(&job.what, &ModuleError::Compilation(e.inner)))?;
    if let Some((limit, mut func)) = fallback
        && frame_size(ctx) > limit
    {
        crate::translate::check_stack_in_prologue(&mut func);
        ctx.clear();
        ctx.func = func;
        ctx.compile(isa, &mut ControlPlane::default())
            .map_err(|e| module_error(&job.what, &ModuleError::Compilation(e.inner)))?;
    }
    let code = ctx
        .compiled_code()
        .ok_or_else(|| anyhow!("BUG: no compiled code for {}", job.what))?;
    let buffer = &code.buffer;
    let relocs = buffer
        .relocs()
        .iter()
        .map(|reloc: &FinalizedMachReloc| ModuleReloc::from_mach_reloc(reloc, &ctx.func, job.id))
        .collect();
    Ok(MachineCode {
        what: job.what,
        id: job.id,
        alignment: u64::from(buffer.alignment),
        bytes: buffer.data().to_vec(),
        relocs,
        traps: trap_sites(buffer)?,
    })
}

/// Bytes of the compiled function's frame below its frame pointer
/// (callee-saved registers, slots, outgoing arguments): what its prologue
/// allocates and probes.
fn frame_size(ctx: &Context) -> u32 {
    ctx.compiled_code()
        .and_then(|code| code.buffer.frame_layout())
        .map_or(u32::MAX, |layout| layout.frame_to_fp_offset)
}

fn define(module: &mut ObjectModule, code: MachineCode) -> Result<CompiledFunction> {
    module
        .define_function_bytes(code.id, code.alignment, &code.bytes, &code.relocs)
        .map_err(|e| module_error(&code.what, &e))?;
    Ok(CompiledFunction {
        id: code.id,
        code_size: code.bytes.len() as u64,
        traps: code.traps,
    })
}

fn trap_sites(
    buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>,
) -> Result<Vec<TrapSite>> {
    let srclocs = buffer.get_srclocs_sorted();
    let mut sites = Vec::with_capacity(buffer.traps().len());
    for trap in buffer.traps() {
        let code = wafer_trap_code(trap.code)
            .filter(|&c| TrapSite::can_hold(c))
            .ok_or_else(|| anyhow!("BUG: Cranelift emitted unknown trap code {}", trap.code))?;
        // Sorted, non-overlapping ranges: the candidate is the last one
        // starting at or before the trap (a linear scan is quadratic in
        // the size of large functions).
        let candidates = srclocs.partition_point(|s| s.start <= trap.offset);
        let wasm_offset = candidates
            .checked_sub(1)
            .map(|i| &srclocs[i])
            .filter(|s| trap.offset < s.end && !s.loc.is_default())
            .map(|s| s.loc.bits());
        sites.push(TrapSite::new(trap.offset, code, wasm_offset));
    }
    sites.sort_by_key(|s| s.code_offset);
    Ok(sites)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::num::NonZeroUsize;

    use crate::config::{Isa, Target};
    use crate::emit::{BoundsChecks, CompileOptions, ImportBinding, compile_with_jobs};

    /// `count` functions whose sizes shrink with their index, so that with
    /// several threads the later (smaller) ones finish first: if completion
    /// order leaked into the object, the objects would differ. They call
    /// each other, directly and through the table, and access memory, so
    /// relocations and trap tables are part of the comparison; each calls
    /// a small function in a loop, which is inlined.
    /// `count` functions calling each other; function `failing_in`, if
    /// given, nests blocks deeper than wafer's limit, so its translation
    /// fails (on a worker thread when there are several).
    fn many_functions(count: usize, failing_in: Option<usize>) -> Vec<u8> {
        let mut wat = String::from(
            "(module (memory 1) (table 4 funcref) (type $t (func (param i32) (result i32)))\n",
        );
        for f in 0..count {
            let _ = writeln!(wat, "(func $f{f} (param i32) (result i32) local.get 0");
            for step in 0..(count - f) * 8 {
                let _ = writeln!(
                    wat,
                    "(i32.load offset={} (local.get 0)) i32.add i32.const {step} i32.mul",
                    step * 4
                );
            }
            // A small callee called in a loop: inlined (`inline.rs`).
            let _ = writeln!(
                wat,
                "(loop $l (param i32) (result i32) (call $small (local.get 0)) i32.add \
                 (br_if $l (i32.eqz (local.get 0))))"
            );
            if f + 1 < count {
                let _ = writeln!(wat, "call $f{}", f + 1);
            }
            let _ = writeln!(
                wat,
                "(call_indirect (type $t) (local.get 0) (i32.const 0)) i32.add"
            );
            if failing_in == Some(f) {
                let depth = crate::translate::limits::MAX_NESTING_DEPTH + 1;
                wat.push_str(&"(block ".repeat(depth));
                wat.push_str(&")".repeat(depth));
                wat.push('\n');
            }
            wat.push_str(")\n");
        }
        wat.push_str("(func $small (param i32) (result i32) (i32.load offset=8 (local.get 0)))\n");
        let _ = write!(wat, "(elem (i32.const 0) $f0) (export \"f0\" (func $f0)))");
        wat::parse_str(&wat).expect("generated module parses")
    }

    fn options(isa: Isa) -> CompileOptions {
        CompileOptions {
            target: Target::new(isa).unwrap(),
            prefix: "m".into(),
            imports: ImportBinding::Dynamic,
            bounds_checks: BoundsChecks::Explicit,
            stack_checks: crate::emit::StackChecks::Prologue,
            budget: Default::default(),
            exception_checks: false,
        }
    }

    fn jobs(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    #[test]
    fn objects_are_byte_identical_whatever_the_thread_count() {
        let wasm = many_functions(48, None);
        // With a fuel budget every function is a body and an entry point.
        let fuel = wafer_abi::budget::Policy {
            fuel: 1000,
            timeout_ns: 0,
        };
        for isa in Isa::ALL {
            for budget in [Default::default(), fuel] {
                let options = CompileOptions {
                    budget,
                    exception_checks: false,
                    ..options(isa)
                };
                let one = compile_with_jobs(&wasm, &options, jobs(1)).unwrap();
                for n in [2, 4, 7] {
                    let many = compile_with_jobs(&wasm, &options, jobs(n)).unwrap();
                    assert!(
                        one.object == many.object,
                        "{isa} {budget:?}: the object with {n} threads differs from the one with 1"
                    );
                }
            }
        }
    }

    #[test]
    fn the_failing_function_is_named_whatever_the_thread_count() {
        let wasm = many_functions(24, Some(17));
        for n in [1, 4] {
            let err = compile_with_jobs(&wasm, &options(Isa::Riscv64), jobs(n))
                .map(|_| ())
                .unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains("function 17 "), "{n} threads: {text}");
            assert!(text.contains("nested more than"), "{n} threads: {text}");
        }
    }

    #[test]
    fn thread_counts_must_be_positive_integers() {
        assert_eq!(super::parse_jobs("3").unwrap().get(), 3);
        assert!(super::parse_jobs("0").unwrap_err().contains("positive"));
        assert!(super::parse_jobs("two").unwrap_err().contains("`two`"));
    }
}
