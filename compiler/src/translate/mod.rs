//! Translation of Wasm function bodies to Cranelift IR.
//!
//! One [`FuncTranslator`] walks one body's operators, keeping the Wasm
//! operand stack as SSA values and the control stack as Cranelift blocks.
//! The operators are split by concept: [`control`] (blocks, branches),
//! [`numeric`] (arithmetic, comparisons, conversions), [`memory`] (loads,
//! stores, bounds checks, bulk memory), [`table`] (tables and references),
//! [`call`] (direct and indirect calls), [`global`] (globals and locals),
//! [`simd`] (`v128` and relaxed SIMD as Cranelift vector IR).
//! Lowerings chosen for speed: [`switch`] (small `br_table`s as branches),
//! [`peephole`] (rewrites of common patterns Cranelift leaves as they are),
//! [`known_bits`] (a pass over the finished IR dropping redundant masks),
//! [`mask_extend`], [`wide_params`] and [`wide_loads`] (further rewrites of
//! the finished IR),
//! [`keep_invariants`] and [`park_live_through`] (values across loops),
//! on x86_64 and aarch64 [`range_compares`], [`div_by_constant`] and
//! [`loop_pointers`], and on x86_64 [`counted_loops`], [`compare_forms`],
//! [`zero_tests`], [`constant_stores`], [`deep_operand_first`] and
//! [`float_constants`] (forms the backends emit in fewer instructions).
//! Module-level context lives in [`env`]; constant expressions (global and
//! segment initialisers) are in [`const_expr`].

pub mod address_alignment;
pub mod address_bound;
pub mod atomic_cas;
pub mod atomics;
pub mod bounds;
pub mod budget;
pub mod call;
pub mod check_shape;
pub mod check_windows;
pub mod compare_forms;
pub mod const_expr;
pub mod constant_stores;
pub mod control;
pub mod counted_loops;
pub mod counter_tests;
pub mod deep_operand_first;
pub mod div_by_constant;
pub mod env;
pub mod exceptions;
pub mod float_constants;
pub mod fold_after_access;
pub mod global;
pub mod guard;
pub mod ir_match;
pub mod keep_invariants;
pub mod known_bits;
pub mod lane_pairs;
pub mod lane_unroll;
pub mod large_offsets;
pub mod limits;
pub mod locals;
pub mod loop_lengths;
pub mod loop_pointers;
pub mod loop_scan;
pub mod loop_version;
pub mod mask_extend;
pub mod memory;
pub mod narrow_wide;
pub mod numeric;
pub mod opaque_slot;
pub mod park_live_through;
pub mod peephole;
pub mod range_compares;
pub mod scalarize;
pub mod short_loops;
pub mod simd;
pub mod straight_versions;
pub mod switch;
pub mod table;
#[cfg(test)]
pub mod test_ir;
pub mod wide_loads;
pub mod wide_params;
pub mod zero_tests;

use anyhow::{Context, Result, anyhow, bail};
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, types};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{FuncId, Module as _};
use cranelift_object::ObjectModule;
use wasmparser::{FunctionBody, Operator};

use crate::module_info::FuncType;
use control::Frame;
use env::{ModuleEnv, POINTER, clif_type};

/// A wafer trap code as a Cranelift user trap code.
pub fn user_trap(code: wafer_abi::trap::TrapCode) -> TrapCode {
    TrapCode::user(code.as_u32() as u8).expect("wafer trap codes are valid user codes")
}

/// Maps a Cranelift trap code (built-in or wafer user code) to wafer's.
pub fn wafer_trap_code(code: TrapCode) -> Option<wafer_abi::trap::TrapCode> {
    use wafer_abi::trap::TrapCode as W;
    Some(match code {
        TrapCode::STACK_OVERFLOW => W::CallStackExhausted,
        TrapCode::HEAP_OUT_OF_BOUNDS => W::MemoryOutOfBounds,
        TrapCode::INTEGER_OVERFLOW => W::IntegerOverflow,
        TrapCode::INTEGER_DIVISION_BY_ZERO => W::IntegerDivideByZero,
        TrapCode::BAD_CONVERSION_TO_INTEGER => W::InvalidConversionToInteger,
        other => return W::from_u32(other.as_raw().get() as u32),
    })
}

/// Alias regions: loads from one never alias stores to another, so
/// Cranelift may reuse a loaded memory length across heap stores.
#[derive(Clone, Copy)]
pub struct Regions {
    pub vmctx: ir::AliasRegion,
    pub heap: ir::AliasRegion,
    pub table: ir::AliasRegion,
}

impl Regions {
    /// Declares the regions in `func`.
    pub fn declare(func: &mut ir::Function) -> Regions {
        let mut region = |user_id, description| {
            func.dfg.alias_regions.insert(ir::AliasRegionData {
                user_id,
                description: std::borrow::Cow::Borrowed(description),
            })
        };
        Regions {
            vmctx: region(1, "vmctx"),
            heap: region(2, "heap"),
            table: region(3, "table"),
        }
    }
}

/// Where a memory, table or global record lives in the vmctx.
#[derive(Clone, Copy)]
pub enum Place {
    /// Behind the pointer in this import slot (the exporter's record).
    Imported(u32),
    /// Inline at this offset (defined by the module).
    Inline(u32),
}

impl Place {
    /// The place of entity `index` of a kind with `imported` imports.
    pub fn of(
        index: u32,
        imported: u32,
        slot: impl Fn(u32) -> u32,
        inline: impl Fn(u32) -> u32,
    ) -> Place {
        if index < imported {
            Place::Imported(slot(index))
        } else {
            Place::Inline(inline(index - imported))
        }
    }
}

/// Translates one function body.
pub struct FuncTranslator<'f, 'e, 'm, 'a> {
    pub env: &'e ModuleEnv<'m, 'a>,
    /// Read only: every symbol a body refers to is declared before
    /// translation starts, so bodies can be translated on several threads.
    pub module: &'e ObjectModule,
    pub builder: FunctionBuilder<'f>,
    pub stack: Vec<ir::Value>,
    pub control: Vec<Frame>,
    /// False after `br`, `return`, `unreachable` until the enclosing frame ends.
    pub reachable: bool,
    /// Nesting depth of blocks opened while unreachable (skipped whole).
    pub skip_depth: u32,
    pub vmctx: ir::Value,
    pub locals: Vec<locals::Local>,
    pub regions: Regions,
    /// Cached memory lengths and the bounds checks already made.
    pub bounds: bounds::Bounds,
    /// The fuel/deadline counter, when the module has a budget.
    pub budget: Option<budget::Counter>,
    /// The block that returns dummy results with an exception pending,
    /// shared by every throw and call check outside a `try_table`
    /// (`exceptions.rs`); created on first use.
    pub exception_exit: Option<ir::Block>,
}

impl<'f, 'e, 'm, 'a> FuncTranslator<'f, 'e, 'm, 'a> {
    /// A translator positioned in `builder`'s current block.
    pub fn new(
        env: &'e ModuleEnv<'m, 'a>,
        module: &'e ObjectModule,
        builder: FunctionBuilder<'f>,
        vmctx: ir::Value,
        regions: Regions,
    ) -> Self {
        FuncTranslator {
            env,
            module,
            builder,
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            skip_depth: 0,
            vmctx,
            locals: Vec::new(),
            regions,
            bounds: bounds::Bounds::default(),
            budget: None,
            exception_exit: None,
        }
    }

    /// A reference from the function being built to the declared function
    /// `id`: what `Module::declare_func_in_func` makes, without the `&mut`
    /// on the module it does not need (it reads the declaration only).
    pub fn import_function(&mut self, id: FuncId) -> ir::FuncRef {
        let decl = self.module.declarations().get_function_decl(id);
        let func = &mut *self.builder.func;
        let signature = func.import_signature(decl.signature.clone());
        let name = func.declare_imported_user_function(ir::UserExternalName {
            namespace: 0,
            index: id.as_u32(),
        });
        func.import_function(ir::ExtFuncData {
            name: ir::ExternalName::user(name),
            signature,
            colocated: decl.linkage.is_final(),
            patchable: false,
        })
    }

    /// Seals and finalises the function.
    pub fn finish(mut self) {
        self.builder.seal_all_blocks();
        let config = cranelift_module::Module::target_config(self.module);
        self.builder.finalize(config);
    }

    /// Flags for runtime-owned fields of the vmctx and its records.
    pub fn vmctx_flags(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.vmctx))
    }

    /// Flags for vmctx fields that never change once the instance runs
    /// (import slots, memory bases): Cranelift may hoist and merge them.
    pub fn readonly_flags(&self) -> MemFlagsData {
        self.vmctx_flags().with_readonly().with_can_move()
    }

    /// The record at `place`. Import slots never change once the instance
    /// runs, so the pointer load is read-only and may be hoisted.
    pub fn record(&mut self, place: Place) -> memory::RecordRef {
        match place {
            Place::Imported(slot) => {
                let flags = self.readonly_flags();
                let base = self
                    .builder
                    .ins()
                    .load(POINTER, flags, self.vmctx, slot as i32);
                memory::RecordRef { base, offset: 0 }
            }
            Place::Inline(offset) => memory::RecordRef {
                base: self.vmctx,
                offset: offset as i32,
            },
        }
    }

    /// Pops one operand.
    pub fn pop(&mut self) -> Result<ir::Value> {
        self.stack
            .pop()
            .ok_or_else(|| anyhow!("operand stack underflow"))
    }

    /// Pops `n` operands, in push order.
    pub fn pop_n(&mut self, n: usize) -> Result<Vec<ir::Value>> {
        let len = self.stack.len();
        if n > len {
            bail!("operand stack underflow");
        }
        Ok(self.stack.split_off(len - n))
    }

    /// Pops two operands `(a, b)` where `b` was on top.
    pub fn pop2(&mut self) -> Result<(ir::Value, ir::Value)> {
        let b = self.pop()?;
        let a = self.pop()?;
        Ok((a, b))
    }

    /// Pushes a value.
    pub fn push(&mut self, v: ir::Value) {
        self.stack.push(v);
    }

    /// Converts an `i8` boolean (from `icmp`/`fcmp`) to a Wasm `i32`.
    pub fn push_bool(&mut self, b: ir::Value) {
        let v = self.builder.ins().uextend(types::I32, b);
        self.push(v);
    }

    /// Traps unconditionally and marks the rest of the block unreachable.
    pub fn trap(&mut self, code: wafer_abi::trap::TrapCode) {
        self.builder.ins().trap(user_trap(code));
        self.reachable = false;
    }
}

/// Makes `func`'s prologue compare SP minus its frame with
/// `vmctx.stack_limit` and trap with `call stack exhausted` below it
/// (Cranelift's stack-limit check).
pub fn check_stack_in_prologue(func: &mut ir::Function) {
    let vmctx = func.create_global_value(ir::GlobalValueData::VMContext);
    let flags = func
        .dfg
        .mem_flags
        .insert_unchecked(MemFlagsData::trusted().with_readonly().with_can_move());
    let stack_limit = func.create_global_value(ir::GlobalValueData::Load {
        base: vmctx,
        offset: (wafer_abi::vmctx::STACK_LIMIT as i32).into(),
        global_type: POINTER,
        flags,
    });
    func.stack_limit = Some(stack_limit);
}

/// What translation leaves for the passes after it, besides the IR.
#[derive(Default)]
pub struct TranslatedLoops {
    /// Versioned loops whose unchecked copy may pack lane pairs.
    pub packable: Vec<lane_pairs::PackableLoop>,
    /// The headers of the checked copies of versioned loops: they run only
    /// when the entry test fails.
    pub checked_copies: Vec<ir::Block>,
}

/// Translates `body` of defined function `defined_index` into `builder`'s
/// function, which already has its signature.
///
/// # Errors
/// Operators wafer does not support (with their byte offset).
pub fn translate_body(
    env: &ModuleEnv<'_, '_>,
    module: &ObjectModule,
    mut builder: FunctionBuilder<'_>,
    func_type: &FuncType,
    body: &FunctionBody<'_>,
) -> Result<TranslatedLoops> {
    let regions = Regions::declare(builder.func);

    // With prologue checks, the prologue compares SP with vmctx.stack_limit
    // (trap: call stack exhausted), so runaway recursion stops before
    // leaving its stack. With guard checks there is no check: the runtime's
    // stack guard catches it (probes keep large frames from skipping it).
    if env.stack_checks == crate::emit::StackChecks::Prologue {
        check_stack_in_prologue(builder.func);
    }

    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.seal_block(entry);
    let params = builder.block_params(entry).to_vec();
    let vmctx = params[0];

    let mut local_types: Vec<ir::Type> = func_type.params.iter().map(|&t| clif_type(t)).collect();
    let mut reader = body.get_locals_reader()?;
    for _ in 0..reader.get_count() {
        let (count, ty) = reader.read()?;
        // The validator caps a function's locals at 50 000.
        local_types.extend(std::iter::repeat_n(clif_type(ty), count as usize));
    }
    let in_memory = locals::needs_memory_locals(local_types.len(), body)?;
    // With a budget the counter comes after the Wasm parameters.
    let wasm_params = &params[1..=func_type.params.len()];
    let counter_param = env
        .budget
        .enabled()
        .then(|| params.get(func_type.params.len() + 1).copied())
        .flatten();
    let locals = locals::declare_locals(&mut builder, &local_types, wasm_params, in_memory);

    let return_block = builder.create_block();
    for &ty in &func_type.results {
        builder.append_block_param(return_block, clif_type(ty));
    }

    let mut translator = FuncTranslator::new(env, module, builder, vmctx, regions);
    translator.locals = locals;
    translator.init_memory_lengths(body)?;
    translator
        .control
        .push(Frame::function(return_block, func_type.results.len()));

    let mut ops = body.get_operators_reader()?;
    // A check at entry traps at the function's first operator.
    translator
        .builder
        .set_srcloc(ir::SourceLoc::new(ops.original_position() as u32));
    translator.budget_enter_function(body, counter_param)?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        translator
            .builder
            .set_srcloc(ir::SourceLoc::new(offset as u32));
        translator
            .translate_operator(&op, offset as usize)
            .and_then(|()| limits::check(translator.control.len(), translator.stack.len()))
            .with_context(|| format!("at byte offset {offset:#x}"))?;
    }
    let loops = TranslatedLoops {
        packable: std::mem::take(&mut translator.bounds.packable),
        checked_copies: std::mem::take(&mut translator.bounds.checked_copies),
    };
    translator.finish();
    Ok(loops)
}

impl FuncTranslator<'_, '_, '_, '_> {
    fn translate_operator(&mut self, op: &Operator<'_>, offset: usize) -> Result<()> {
        if !self.reachable {
            return self.skip_unreachable(op);
        }
        self.budget_charge(op);
        if self.translate_control(op)?
            || self.translate_numeric(op)?
            || self.translate_memory(op)?
            || self.translate_table(op)?
            || self.translate_call(op)?
            || self.translate_variable(op)?
            || self.translate_atomic(op)?
            || self.translate_simd(op)?
            || self.translate_exception(op)?
        {
            return Ok(());
        }
        let name = format!("{op:?}");
        let name = name.split(['{', ' ', '(']).next().unwrap_or("?");
        bail!("unsupported operator `{name}` at byte offset {offset:#x}")
    }
}
