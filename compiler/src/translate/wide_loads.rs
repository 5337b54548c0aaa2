//! Loaded i32 values that are zero-extended (pointers loaded from memory
//! and used as addresses) are loaded at 64 bits, on x86_64.
//!
//! A Wasm `i32.load` whose result is a pointer (`p = p->next`, a hash
//! map's entry, a tree's child) is zero-extended by every access through
//! it. A 32-bit load already clears the upper half of its register
//! (`mov m32, r32`), but Cranelift's x86_64 backend drops the extension
//! only when the load has no other use and can be folded into it: a
//! pointer that is also tested (`if (p)`) or stored paid a
//! `mov %eax,%eax` after its load. The same holds for `uload8.i32` and
//! `uload16.i32` (`movzbl`/`movzwl` clear the upper half too).
//!
//! Each such load becomes the same load producing an i64 (`uload32`,
//! `uload8.i64`, `uload16.i64`: the same instruction), the old i32 value
//! becomes its `ireduce` (free: the low half of a register is the
//! register), and the zero extensions of the old value become the i64
//! load. Values are unchanged: the i64 load is by definition the zero
//! extension of the i32 one, and its `ireduce` has the i32 bits.
//!
//! Runs after [`super::wide_params`], which puts the extension of a
//! pointer carried round a loop on the branch, next to its load.

use rustc_hash::FxHashMap;

use cranelift_codegen::ir::{
    Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

/// Loads the zero-extended i32 loads of `func` at 64 bits (see the module
/// comment).
///
/// Returns whether it changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn load_extended_values_wide(func: &mut Function) -> bool {
    let extensions = extensions_of_loads(func);
    let changed = !extensions.is_empty();
    let mut wide_of: FxHashMap<Inst, Value> = FxHashMap::default();
    for (extension, load) in extensions {
        let wide = match wide_of.get(&load) {
            Some(&wide) => wide,
            None => {
                let wide = wide_twin(func, load);
                wide_of.insert(load, wide);
                wide
            }
        };
        let result = func.dfg.first_result(extension);
        func.layout.remove_inst(extension);
        func.dfg.detach_inst_results(extension);
        func.dfg.change_to_alias(result, wide);
    }
    changed
}

/// Every `uextend.i64` of an i32 zero-extending load, with that load.
fn extensions_of_loads(func: &Function) -> Vec<(Inst, Inst)> {
    let mut found = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let InstructionData::Unary {
                opcode: Opcode::Uextend,
                arg,
            } = func.dfg.insts[inst]
            else {
                continue;
            };
            if func.dfg.value_type(func.dfg.first_result(inst)) != types::I64 {
                continue;
            }
            if let Some(load) = zero_extending_load32(func, arg) {
                found.push((inst, load));
            }
        }
    }
    found
}

/// The instruction defining `v` (aliases resolved) when it is a load of an
/// i32 that clears the upper half of its register: `load.i32`,
/// `uload8.i32`, `uload16.i32`.
fn zero_extending_load32(func: &Function, v: Value) -> Option<Inst> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    if func.dfg.value_type(v) != types::I32 {
        return None;
    }
    match func.dfg.insts[inst] {
        InstructionData::Load {
            opcode: Opcode::Load | Opcode::Uload8 | Opcode::Uload16,
            ..
        } => Some(inst),
        _ => None,
    }
}

/// Inserts the i64 form of load `inst` before it, at the same Wasm offset
/// (a trap it raises is reported as before), and turns `inst` into the
/// `ireduce` of it. Returns the i64 value.
fn wide_twin(func: &mut Function, inst: Inst) -> Value {
    let mut data = func.dfg.insts[inst];
    if let InstructionData::Load { opcode, .. } = &mut data
        && *opcode == Opcode::Load
    {
        *opcode = Opcode::Uload32;
    }
    let wide = func.dfg.make_inst(data);
    func.dfg.make_inst_results(wide, types::I64);
    func.layout.insert_inst(wide, inst);
    let srcloc = func.srcloc(inst);
    func.set_srcloc(wide, srcloc);
    let value = func.dfg.first_result(wide);
    func.replace(inst).ireduce(types::I32, value);
    value
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::{Function, InstBuilder, MemFlagsData, Opcode, types};

    use super::load_extended_values_wide;
    use crate::translate::test_ir;

    /// `fn(base, p) -> (i64 sum, i32 loaded)`: loads `q = *(base + p)`
    /// with `load_op`, returns `zext(q) + zext(q)` and `q` itself.
    fn pointer_chase(load_op: Opcode) -> Function {
        let params = [types::I64, types::I32];
        test_ir::function(&params, &[types::I64, types::I32], |builder, params| {
            let address = builder.ins().uextend(types::I64, params[1]);
            let address = builder.ins().iadd(params[0], address);
            let flags = MemFlagsData::trusted();
            let q = match load_op {
                Opcode::Load => builder.ins().load(types::I32, flags, address, 4),
                Opcode::Uload8 => builder.ins().uload8(types::I32, flags, address, 4),
                Opcode::Sload8 => builder.ins().sload8(types::I32, flags, address, 4),
                other => panic!("no test for {other}"),
            };
            let first = builder.ins().uextend(types::I64, q);
            let second = builder.ins().uextend(types::I64, q);
            let sum = builder.ins().iadd(first, second);
            builder.ins().return_(&[sum, q]);
        })
    }

    /// The opcodes of `func`'s entry block, in order.
    fn opcodes(func: &Function) -> Vec<Opcode> {
        let entry = func.layout.entry_block().expect("an entry block");
        func.layout
            .block_insts(entry)
            .map(|inst| func.dfg.insts[inst].opcode())
            .collect()
    }

    #[test]
    fn an_extended_word_load_becomes_one_64_bit_load() {
        let mut func = pointer_chase(Opcode::Load);
        load_extended_values_wide(&mut func);
        test_ir::assert_valid(&func);
        // The address's own extension reads a parameter and stays; both
        // extensions of the loaded value are gone, read from the uload32.
        assert_eq!(
            opcodes(&func),
            [
                Opcode::Uextend,
                Opcode::Iadd,
                Opcode::Uload32,
                Opcode::Ireduce,
                Opcode::Iadd,
                Opcode::Return
            ]
        );
    }

    #[test]
    fn an_extended_byte_load_becomes_a_64_bit_byte_load() {
        let mut func = pointer_chase(Opcode::Uload8);
        load_extended_values_wide(&mut func);
        test_ir::assert_valid(&func);
        let ops = opcodes(&func);
        assert_eq!(ops[2], Opcode::Uload8);
        assert!(!ops[3..].contains(&Opcode::Uextend), "{ops:?}");
        let load = func
            .layout
            .block_insts(func.layout.entry_block().unwrap())
            .nth(2)
            .unwrap();
        assert_eq!(func.dfg.value_type(func.dfg.first_result(load)), types::I64);
    }

    #[test]
    fn a_sign_extending_load_is_left_alone() {
        // `sload8.i32` sets the upper bits of the i32: its zero extension
        // to i64 is not a sign-extending i64 load.
        let mut func = pointer_chase(Opcode::Sload8);
        let before = opcodes(&func);
        load_extended_values_wide(&mut func);
        assert_eq!(opcodes(&func), before);
    }
}
