//! The module-level environment function translation reads: types, the
//! vmctx layout, and the symbols of functions, builtins and type ids.

use cranelift_codegen::ir::{self, AbiParam, ArgumentPurpose, Signature, types};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{DataId, FuncId};
use wafer_abi::builtins::{AbiType, Builtin};
use wafer_abi::vmctx::VmctxLayout;
use wasmparser::ValType;

use crate::module_info::{FuncType, ModuleInfo};

/// Shared, read-only context for translating every function of a module.
pub struct ModuleEnv<'m, 'a> {
    pub info: &'m ModuleInfo<'a>,
    pub layout: VmctxLayout,
    /// The target's C calling convention: builtins, host functions, the
    /// trampolines and `instantiate` (called by the runtime). Wasm
    /// functions use [`WASM_CALL_CONV`].
    pub call_conv: CallConv,
    /// Symbols of the defined functions, by defined index: the entry
    /// points with the Wasm signature (tables, exports, imports).
    pub defined_funcs: Vec<FuncId>,
    /// With a budget, the bodies that take and return the fuel/deadline
    /// counter in a register ([`budget_body_signature`]), by defined
    /// index; direct calls go straight to them. Empty without a budget
    /// (the entry point is then the body).
    pub budget_bodies: Vec<FuncId>,
    /// With a budget, by defined index: the functions that keep the
    /// counter in the vmctx and have the Wasm signature, without a
    /// separate body, because tail calls through pointers reach their
    /// class (`call::counter_in_vmctx`). Empty without a budget.
    pub counter_in_vmctx: Vec<bool>,
    /// Symbols of the runtime builtins, in `wafer_abi::builtins::ALL` order.
    pub builtins: Vec<FuncId>,
    /// The canonical type-id symbol of each type index.
    pub type_ids: Vec<DataId>,
    /// How memory accesses are kept in bounds (see `memory.rs`).
    pub bounds_checks: crate::emit::BoundsChecks,
    /// Whether guard-mode accesses fold a negative constant add into the
    /// access (`guard.rs`, `split_negative_add`): not on aarch64, whose
    /// loads cannot take an extended index and a negative immediate at
    /// once, so Cranelift spends a `mov` and an `add` on the constant
    /// (n-body +16.6 % instructions there).
    pub fold_negative_adds: bool,
    /// Whether a `br_table` of up to `switch::MAX_TREE_INTERVALS` runs
    /// becomes a tree of branches instead of a jump table (x86_64, where
    /// Cranelift's jump table sits in the code: see `switch.rs`).
    pub dispatch_with_branches: bool,
    /// Whether prologues check the stack limit (see `translate_body`).
    pub stack_checks: crate::emit::StackChecks,
    /// Fuel and deadline; checks are compiled in when enabled.
    pub budget: wafer_abi::budget::Policy,
    /// The runtime's exception symbols, for a module that throws or
    /// catches (`exceptions::uses_exceptions`); `None` otherwise, and its
    /// calls are then not followed by exception checks.
    pub exceptions: Option<super::exceptions::ExceptionRuntime>,
    /// The runtime's fuel/deadline refill (`budget::declare_refill`), with
    /// a budget.
    pub budget_refill: Option<FuncId>,
}

/// The pointer type of every supported target.
pub const POINTER: ir::Type = types::I64;

/// The Cranelift type of a Wasm value type (references are pointer words).
pub fn clif_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::Ref(_) => POINTER,
    }
}

/// The calling convention of every compiled Wasm function, whatever the
/// module: Cranelift's `tail`, the only one in which `return_call` can
/// reuse the caller's frame. A funcref may be called from any module of an
/// image, so all of them must agree; code the runtime or C calls (array
/// trampolines, `instantiate`) and host functions keep the C convention
/// (`emit/host_adapters.rs` bridges imports bound to host code).
pub const WASM_CALL_CONV: CallConv = CallConv::Tail;

/// The native signature of a Wasm function: `(vmctx, params...) -> results`
/// in [`WASM_CALL_CONV`].
pub fn wasm_signature(ty: &FuncType) -> Signature {
    native_signature(ty, WASM_CALL_CONV)
}

/// The signature of host code bound to a function import (WASI, `--link`
/// symbols, the spec's `spectest` module): the Wasm shape in the target's
/// C convention `call_conv`.
pub fn host_signature(ty: &FuncType, call_conv: CallConv) -> Signature {
    native_signature(ty, call_conv)
}

fn native_signature(ty: &FuncType, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .push(AbiParam::special(POINTER, ArgumentPurpose::VMContext));
    sig.params
        .extend(ty.params.iter().map(|&t| AbiParam::new(clif_type(t))));
    sig.returns
        .extend(ty.results.iter().map(|&t| AbiParam::new(clif_type(t))));
    sig
}

/// The native signature of a function body when the module has a budget:
/// the Wasm signature with the counter as the last parameter and the last
/// result, so direct calls pass it in registers (`translate/budget.rs`).
pub fn budget_body_signature(ty: &FuncType) -> Signature {
    let mut sig = wasm_signature(ty);
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The native signature of a runtime builtin: `(vmctx, params...) -> result`.
pub fn builtin_signature(builtin: &Builtin, call_conv: CallConv) -> Signature {
    let abi = |t: &AbiType| match t {
        AbiType::I32 => AbiParam::new(types::I32),
        AbiType::I64 => AbiParam::new(types::I64),
    };
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(POINTER));
    sig.params.extend(builtin.params.iter().map(abi));
    sig.returns.extend(builtin.result.iter().map(abi));
    sig
}

impl ModuleEnv<'_, '_> {
    /// Whether defined function `defined` keeps the budget counter in the
    /// vmctx (see [`ModuleEnv::counter_in_vmctx`]).
    pub fn keeps_counter_in_vmctx(&self, defined: usize) -> bool {
        self.counter_in_vmctx.get(defined).copied().unwrap_or(false)
    }

    /// The symbol of builtin `builtin`.
    pub fn builtin_id(&self, builtin: &Builtin) -> FuncId {
        let index = wafer_abi::builtins::ALL
            .iter()
            .position(|b| b.symbol == builtin.symbol)
            .expect("every builtin is in ALL");
        self.builtins[index]
    }
}
