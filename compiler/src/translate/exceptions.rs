//! Exception handling, unwound without unwind tables (docs/exceptions.md):
//! `throw`, `throw_ref`, the checks after calls and the way out to a
//! handler or the caller (here), `try_table` and its catch clauses
//! ([`try_table`]), and the legacy `try`/`catch`/`rethrow`/`delegate`
//! ([`legacy`]).
//!
//! The runtime keeps one pending exception (`wafer_exception_pending`, an
//! exception object or null; `runtime-nostd/src/exceptions.rs`). A throw
//! makes one pending and leaves the current function's straight line: to
//! the handler of the innermost `try_table` around it in the same
//! function, or out of the function by returning dummy results (zeros).
//! Every call made by a module that uses exceptions is followed by a load
//! of the pending word, and leaves the same way when it is set. A handler
//! compares the exception's tag with its catch clauses in order; the first
//! that matches clears the pending word and branches to its label with the
//! payload (and the `exnref` for the `_ref` forms); when none matches, the
//! exception goes on to the next handler out.
//!
//! Only modules with a `throw`, `throw_ref`, `try_table` (or legacy `try`,
//! `rethrow`) get the checks ([`uses_exceptions`]), or every module of a
//! `wafer build` image where one has them (`CompileOptions::exception_checks`);
//! every other module compiles as before. A tail
//! call leaves its `try_table` (the callee replaces the frame), so it gets
//! no check: its exception is seen by the caller's caller.

use anyhow::{Result, anyhow};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, MemFlagsData, Signature, types};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use wasmparser::Operator;

use super::FuncTranslator;
use super::control::FrameKind;
use super::env::POINTER;

pub mod legacy;
pub mod try_table;

/// The runtime's pending-exception word.
pub const PENDING_SYMBOL: &str = "wafer_exception_pending";
/// `wafer_exception_throw(tag, slots) -> exn`: allocates an exception and
/// makes it pending.
pub const THROW_SYMBOL: &str = "wafer_exception_throw";
/// `wafer_exception_free(exn)`: drops a caught exception nothing refers to.
pub const FREE_SYMBOL: &str = "wafer_exception_free";
/// Offset of the first payload slot in an exception object.
pub const PAYLOAD_OFFSET: i32 = 16;
/// Bytes per payload slot (any value type fits, `v128` included).
pub const SLOT_BYTES: i32 = 16;

/// The runtime symbols a module that uses exceptions refers to.
#[derive(Clone, Copy, Debug)]
pub struct ExceptionRuntime {
    pub pending: DataId,
    pub throw: FuncId,
    pub free: FuncId,
}

/// Whether any function of the module throws or has a handler
/// (`try_table`, or the legacy `try`): only such modules check for
/// exceptions after their calls.
///
/// # Errors
/// A body the operator reader rejects.
pub fn uses_exceptions(info: &crate::module_info::ModuleInfo<'_>) -> Result<bool> {
    for body in &info.bodies {
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            if is_exception_operator(&ops.read()?) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Whether `op` throws or has a handler: one such operator makes the
/// module check for exceptions after its calls ([`uses_exceptions`]).
pub fn is_exception_operator(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::TryTable { .. }
            | Operator::Try { .. }
            | Operator::Rethrow { .. }
    )
}

/// Refuses exception handling in a module that spawns threads
/// (wasi-threads): the runtime keeps one pending exception per image, so
/// two threads throwing at once, or a thread checking after its call while
/// another throws, would see each other's exceptions.
///
/// # Errors
/// One line naming both features.
pub fn check_no_threads(info: &crate::module_info::ModuleInfo<'_>) -> Result<()> {
    use crate::wasi_threads::{FIELD, MODULE};
    if info
        .imports
        .iter()
        .any(|i| i.module == MODULE && i.field == FIELD)
    {
        anyhow::bail!(
            "exception handling in a module that spawns threads (`{MODULE}.{FIELD}`) is not supported yet: the runtime keeps one pending exception for the whole image"
        );
    }
    Ok(())
}

/// Declares the runtime's exception symbols in `module`.
///
/// # Errors
/// A symbol clash in the object.
pub fn declare_runtime(module: &mut ObjectModule, call_conv: CallConv) -> Result<ExceptionRuntime> {
    let pending = module
        .declare_data(PENDING_SYMBOL, Linkage::Import, true, false)
        .map_err(|e| anyhow!("cannot declare `{PENDING_SYMBOL}`: {e}"))?;
    let mut throw_sig = Signature::new(call_conv);
    throw_sig.params.push(AbiParam::new(POINTER));
    throw_sig.params.push(AbiParam::new(types::I64));
    throw_sig.returns.push(AbiParam::new(POINTER));
    let throw = module
        .declare_function(THROW_SYMBOL, Linkage::Import, &throw_sig)
        .map_err(|e| anyhow!("cannot declare `{THROW_SYMBOL}`: {e}"))?;
    let mut free_sig = Signature::new(call_conv);
    free_sig.params.push(AbiParam::new(POINTER));
    let free = module
        .declare_function(FREE_SYMBOL, Linkage::Import, &free_sig)
        .map_err(|e| anyhow!("cannot declare `{FREE_SYMBOL}`: {e}"))?;
    Ok(ExceptionRuntime {
        pending,
        throw,
        free,
    })
}

fn runtime_of(t: &FuncTranslator<'_, '_, '_, '_>) -> Result<ExceptionRuntime> {
    t.env
        .exceptions
        .ok_or_else(|| anyhow!("BUG: exception operator in a module without exception support"))
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Translates `throw`, `throw_ref` and `try_table`; `Ok(false)` if `op`
    /// is none of them.
    pub fn translate_exception(&mut self, op: &Operator<'_>) -> Result<bool> {
        match op {
            Operator::Throw { tag_index } => self.throw(*tag_index)?,
            Operator::ThrowRef => {
                let exn = self.pop()?;
                self.builder.ins().trapz(
                    exn,
                    super::user_trap(wafer_abi::trap::TrapCode::NullReference),
                );
                let address = self.pending_address()?;
                self.builder
                    .ins()
                    .store(MemFlagsData::trusted(), exn, address, 0);
                self.propagate()?;
            }
            Operator::TryTable { try_table } => self.open_try_table(try_table),
            _ => return self.translate_legacy_exception(op),
        }
        Ok(true)
    }

    /// The address of the runtime's pending-exception word.
    pub(super) fn pending_address(&mut self) -> Result<ir::Value> {
        let runtime = runtime_of(self)?;
        let gv = self
            .module
            .declare_data_in_func(runtime.pending, self.builder.func);
        // The word is the runtime's, linked into the same static image as
        // this code (executables and firmware alike, far below 2 GiB
        // apart): a PC-relative address (x86_64 `mov [rip+…]`, aarch64
        // `adrp`, riscv64 `auipc`) is 8 to 10 bytes shorter per check
        // than the absolute 64-bit one an import gets.
        if let ir::GlobalValueData::Symbol { colocated, .. } =
            &mut self.builder.func.global_values[gv]
        {
            *colocated = true;
        }
        Ok(self.builder.ins().symbol_value(POINTER, gv))
    }

    /// The identity of tag `index` (see `VmctxLayout::tag`).
    pub(super) fn tag_identity(&mut self, index: u32) -> ir::Value {
        let flags = self.readonly_flags();
        let offset = self.env.layout.tag(index) as i32;
        self.builder.ins().load(POINTER, flags, self.vmctx, offset)
    }

    /// The parameter types of tag `index`.
    pub(super) fn tag_params(&self, index: u32) -> Result<Vec<wasmparser::ValType>> {
        let info = self.env.info;
        let ty = info
            .tags
            .get(index as usize)
            .and_then(|&t| info.types.get(t as usize))
            .ok_or_else(|| anyhow!("unknown tag {index}"))?;
        Ok(ty.params.clone())
    }

    fn throw(&mut self, tag_index: u32) -> Result<()> {
        let runtime = runtime_of(self)?;
        let params = self.tag_params(tag_index)?;
        let values = self.pop_n(params.len())?;
        let identity = self.tag_identity(tag_index);
        let slots = self.builder.ins().iconst(types::I64, params.len() as i64);
        let throw = self.import_function(runtime.throw);
        let call = self.builder.ins().call(throw, &[identity, slots]);
        let exn = self.builder.inst_results(call)[0];
        for (i, value) in values.into_iter().enumerate() {
            let offset = PAYLOAD_OFFSET + SLOT_BYTES * i as i32;
            self.builder
                .ins()
                .store(MemFlagsData::trusted(), value, exn, offset);
        }
        self.propagate()
    }

    /// After a call that did not replace the frame: when the callee left an
    /// exception pending, leave as a throw here would. Nothing in modules
    /// that do not use exceptions.
    pub fn check_exception_after_call(&mut self) -> Result<()> {
        if self.env.exceptions.is_none() {
            return Ok(());
        }
        let address = self.pending_address()?;
        let exn = self
            .builder
            .ins()
            .load(POINTER, MemFlagsData::trusted(), address, 0);
        let thrown = self.builder.create_block();
        let normal = self.builder.create_block();
        self.builder.ins().brif(exn, thrown, &[], normal, &[]);
        self.builder.seal_block(thrown);
        self.builder.seal_block(normal);
        self.builder.switch_to_block(thrown);
        // The normal path keeps its own view of the memory lengths.
        let stale = self.bounds.is_stale();
        self.propagate()?;
        self.bounds.set_stale(stale);
        self.builder.switch_to_block(normal);
        self.reachable = true;
        Ok(())
    }

    /// Leaves with the pending exception: to the innermost enclosing
    /// handler (a `try_table`, or a legacy `try` whose body this is), or
    /// out of the function with dummy results. The current position is
    /// unreachable afterwards.
    pub(super) fn propagate(&mut self) -> Result<()> {
        self.propagate_from(self.control.len())
    }

    /// [`Self::propagate`], looking for handlers only among the first
    /// `frames` frames of the control stack (a `delegate` skips the
    /// frames inside its label).
    pub(super) fn propagate_from(&mut self, frames: usize) -> Result<()> {
        let innermost = self.control[..frames.min(self.control.len())]
            .iter()
            .rposition(|f| match &f.kind {
                FrameKind::TryTable { .. } => true,
                FrameKind::LegacyTry(t) => !t.in_catch,
                _ => false,
            });
        match innermost {
            Some(index) => {
                // The handler's catch targets may read memory lengths.
                self.reload_stale_memory_lengths();
                let slot = match &mut self.control[index].kind {
                    FrameKind::TryTable { handler, .. } => handler,
                    FrameKind::LegacyTry(t) => &mut t.handler,
                    _ => return Err(anyhow!("BUG: a handler frame changed kind")),
                };
                let handler = match *slot {
                    Some(h) => h,
                    None => {
                        let h = self.builder.create_block();
                        *slot = Some(h);
                        h
                    }
                };
                self.builder.ins().jump(handler, &[]);
            }
            None => match self.exception_exit {
                Some(exit) => {
                    self.builder.ins().jump(exit, &[]);
                }
                None => {
                    // One exit per function: each further throw or call
                    // check outside a try_table is one jump.
                    let exit = self.builder.create_block();
                    self.exception_exit = Some(exit);
                    self.builder.ins().jump(exit, &[]);
                    self.builder.switch_to_block(exit);
                    self.return_dummies();
                }
            },
        }
        self.reachable = false;
        Ok(())
    }

    /// Returns zeros of the function's result types: the caller sees the
    /// pending exception and ignores them.
    fn return_dummies(&mut self) {
        let results = self.current_result_types();
        let mut values: Vec<ir::Value> = results.into_iter().map(|ty| self.zero_of(ty)).collect();
        values.extend(self.budget_at_return());
        self.builder.ins().return_(&values);
    }

    /// The native types of the function's Wasm results: its signature's
    /// returns without a budget counter (the function frame knows how
    /// many results are Wasm's).
    fn current_result_types(&self) -> Vec<ir::Type> {
        let wasm_results = self.control.first().map_or(0, |f| f.num_results);
        self.builder
            .func
            .signature
            .returns
            .iter()
            .take(wasm_results)
            .map(|p| p.value_type)
            .collect()
    }

    fn zero_of(&mut self, ty: ir::Type) -> ir::Value {
        match ty {
            types::F32 => self.builder.ins().f32const(0.0),
            types::F64 => self.builder.ins().f64const(0.0),
            t if t.is_vector() => self.v128_const([0; 16]),
            t => self.builder.ins().iconst(t, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uses_exceptions;
    use crate::module_info::parse;

    fn uses(wat: &str) -> bool {
        let wasm = wat::parse_str(wat).expect("test module parses");
        uses_exceptions(&parse(&wasm).expect("valid module")).expect("readable bodies")
    }

    #[test]
    fn only_throws_and_handlers_make_a_module_check_after_its_calls() {
        assert!(!uses("(module (func (call 0)))"));
        // A tag alone changes no code.
        assert!(!uses(r#"(module (tag (export "t")) (func (call 0)))"#));
        assert!(uses("(module (tag) (func (throw 0)))"));
        assert!(uses("(module (func (block (try_table (catch_all 0)))))"));
        assert!(uses(
            "(module (func (param exnref) (throw_ref (local.get 0))))"
        ));
        assert!(uses("(module (func try catch_all end))"));
        assert!(uses("(module (func try catch_all rethrow 0 end))"));
    }
}
