//! Variables: `local.get/set/tee` and `global.get/set`.
//!
//! Defined globals live inline in the vmctx; imported ones are reached
//! through a pointer to the exporter's cell. Immutable globals are loaded
//! with read-only flags so Cranelift can merge and hoist the loads.

use anyhow::{Result, anyhow};
use cranelift_codegen::ir::{self, InstBuilder};
use wasmparser::Operator;

use super::FuncTranslator;
use super::env::clif_type;

impl FuncTranslator<'_, '_, '_, '_> {
    /// Address of global `index`'s cell as `(base, offset)`.
    pub fn global_address(&mut self, index: u32) -> (ir::Value, i32) {
        let layout = self.env.layout;
        let record = self.record(super::Place::of(
            index,
            self.env.info.num_imported_globals,
            |i| layout.global_import(i),
            |i| layout.global(i),
        ));
        (record.base, record.offset)
    }

    /// Loads global `index`.
    pub fn global_get(&mut self, index: u32) -> ir::Value {
        let ty = self.env.info.globals[index as usize];
        let (base, offset) = self.global_address(index);
        let flags = if ty.mutable {
            self.vmctx_flags()
        } else {
            self.readonly_flags()
        };
        self.builder
            .ins()
            .load(clif_type(ty.content_type), flags, base, offset)
    }

    fn local(&self, index: u32) -> Result<super::locals::Local> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| anyhow!("local {index} out of range"))
    }

    /// Translates a local/global operator; `Ok(false)` if `op` is not one.
    pub fn translate_variable(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::LocalGet { local_index } => {
                let local = self.local(local_index)?;
                let v = super::locals::get(&mut self.builder, local);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let local = self.local(local_index)?;
                let v = self.pop()?;
                super::locals::set(&mut self.builder, local, v);
            }
            Operator::LocalTee { local_index } => {
                let local = self.local(local_index)?;
                let v = *self
                    .stack
                    .last()
                    .ok_or_else(|| anyhow!("operand stack underflow"))?;
                super::locals::set(&mut self.builder, local, v);
            }
            Operator::GlobalGet { global_index } => {
                let v = self.global_get(global_index);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop()?;
                let (base, offset) = self.global_address(global_index);
                let flags = self.vmctx_flags();
                self.builder.ins().store(flags, v, base, offset);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
