//! Tables and references: `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.func`, and the checked
//! table lookup behind `call_indirect`.
//!
//! A table element is one pointer word: a `*const VMFuncRef` for funcref
//! tables, the host's word for externref tables; 0 is null.

use anyhow::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, types};
use wafer_abi::builtins;
use wafer_abi::trap::TrapCode as Trap;
use wafer_abi::vmctx::VMTable;
use wasmparser::Operator;

use super::env::POINTER;
use super::memory::RecordRef;
use super::{FuncTranslator, user_trap};

impl FuncTranslator<'_, '_, '_, '_> {
    /// The record of table `index` (inline when defined, else imported pointer).
    fn table_record(&mut self, index: u32) -> RecordRef {
        let layout = self.env.layout;
        self.record(super::Place::of(
            index,
            self.env.info.num_imported_tables,
            |i| layout.table_import(i),
            |i| layout.table(i),
        ))
    }

    /// Loads the length or base of table `table`. A table whose maximum is
    /// its minimum never grows (an importer's declared limits bound the
    /// table it is given), so neither field changes once the instance runs
    /// (`table.grow` by 0 keeps the buffer): the load is read-only and may
    /// be hoisted out of loops and shared between `call_indirect`s.
    fn table_field(&mut self, table: u32, record: RecordRef, field: u32) -> ir::Value {
        let ty = self.env.info.tables[table as usize];
        let flags = if ty.maximum == Some(ty.initial) {
            self.readonly_flags()
        } else {
            self.vmctx_flags()
        };
        self.builder
            .ins()
            .load(types::I64, flags, record.base, record.offset + field as i32)
    }

    fn table_elem_flags(&self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.regions.table))
    }

    /// Address of element `index` (an i32, or an i64 of a 64-bit table) of
    /// `table`, trapping with `code` when it is beyond the table's length
    /// (compared in 64 bits, so no i64 index wraps into the table).
    pub fn table_element_address(&mut self, table: u32, index: ir::Value, code: Trap) -> ir::Value {
        let record = self.table_record(table);
        let index = self.widen(index);
        let length = self.table_field(table, record, VMTable::LENGTH);
        let out_of_bounds =
            self.builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
        self.builder.ins().trapnz(out_of_bounds, user_trap(code));
        let base = self.table_field(table, record, VMTable::BASE);
        let scaled = self.builder.ins().ishl_imm_u(index, 3);
        self.builder.ins().iadd(base, scaled)
    }

    /// Whether table `index` is a 64-bit table (table64): i64 indices,
    /// sizes and `table.grow` results.
    fn is_table64(&self, index: u32) -> bool {
        self.env.info.tables[index as usize].table64
    }

    /// Loads the element at `index` of `table` (bounds-checked with `code`).
    pub fn table_get(&mut self, table: u32, index: ir::Value, code: Trap) -> ir::Value {
        let addr = self.table_element_address(table, index, code);
        let flags = self.table_elem_flags();
        self.builder.ins().load(POINTER, flags, addr, 0)
    }

    /// A `funcref` to function `index`: its record in the vmctx.
    pub fn func_ref(&mut self, index: u32) -> ir::Value {
        let layout = self.env.layout;
        let imported = self.env.info.num_imported_funcs;
        let offset = if index < imported {
            layout.func_import(index)
        } else {
            layout.funcref(index - imported)
        };
        self.builder.ins().iadd_imm_u(self.vmctx, i64::from(offset))
    }

    /// Translates a table or reference operator; `Ok(false)` if `op` is not one.
    pub fn translate_table(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::RefNull { .. } => {
                let null = self.builder.ins().iconst(POINTER, 0);
                self.push(null);
            }
            Operator::RefIsNull => {
                let r = self.pop()?;
                let is_null = self.builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
                self.push_bool(is_null);
            }
            Operator::RefFunc { function_index } => {
                let r = self.func_ref(function_index);
                self.push(r);
            }
            Operator::TableGet { table } => {
                let index = self.pop()?;
                let value = self.table_get(table, index, Trap::TableOutOfBounds);
                self.push(value);
            }
            Operator::TableSet { table } => {
                let value = self.pop()?;
                let index = self.pop()?;
                let addr = self.table_element_address(table, index, Trap::TableOutOfBounds);
                let flags = self.table_elem_flags();
                self.builder.ins().store(flags, value, addr, 0);
            }
            Operator::TableSize { table } => {
                let record = self.table_record(table);
                let length = self.table_field(table, record, VMTable::LENGTH);
                let length = if self.is_table64(table) {
                    length
                } else {
                    self.builder.ins().ireduce(types::I32, length)
                };
                self.push(length);
            }
            Operator::TableGrow { table } => {
                let delta = self.pop()?;
                let init = self.pop()?;
                let args = [self.iconst32(table), init, self.widen(delta)];
                let old = self
                    .call_builtin(&builtins::TABLE_GROW, &args)
                    .expect("table.grow returns a value");
                let old = if self.is_table64(table) {
                    self.grow_result64(old)
                } else {
                    old
                };
                self.push(old);
            }
            Operator::TableFill { table } => {
                let len = self.pop()?;
                let value = self.pop()?;
                let dst = self.pop()?;
                let args = [
                    self.iconst32(table),
                    self.widen(dst),
                    value,
                    self.widen(len),
                ];
                self.call_builtin(&builtins::TABLE_FILL, &args);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = self.pop()?;
                let src = self.pop()?;
                let dst = self.pop()?;
                let args = [
                    self.iconst32(dst_table),
                    self.iconst32(src_table),
                    self.widen(dst),
                    self.widen(src),
                    self.widen(len),
                ];
                self.call_builtin(&builtins::TABLE_COPY, &args);
            }
            Operator::TableInit { elem_index, table } => {
                let len = self.pop()?;
                let src = self.pop()?;
                let dst = self.pop()?;
                let args = [
                    self.iconst32(table),
                    self.iconst32(elem_index),
                    self.widen(dst),
                    self.widen(src),
                    self.widen(len),
                ];
                self.call_builtin(&builtins::TABLE_INIT, &args);
            }
            Operator::ElemDrop { elem_index } => {
                let zero = self.iconst32(0);
                let flags = self.vmctx_flags();
                let offset = self.env.layout.elem_length(elem_index) as i32;
                self.builder.ins().store(flags, zero, self.vmctx, offset);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
