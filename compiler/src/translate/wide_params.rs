//! 32-bit block parameters that are zero-extended (Wasm addresses carried
//! round a loop in a local) become 64-bit parameters, on x86_64.
//!
//! Every Wasm memory access zero-extends its 32-bit address. x86_64's
//! 32-bit instructions already clear the upper half of their register, and
//! Cranelift drops the extension when it sees the instruction that made the
//! value (`iadd`, a 32-bit load folded into the extension…), but not for a
//! block parameter: a pointer walked through a loop (`p = p->next`,
//! `strncmp`'s two cursors) paid a `mov %r8d,%r10d` before every load.
//!
//! This pass gives such a parameter the type i64, extends each incoming
//! argument at its branch instead (where the defining instruction is in
//! view, so the extension is usually free), and replaces the parameter's
//! other uses by `ireduce` of the wide one, which costs nothing: the low
//! half of a register is the register. The extensions of the parameter
//! itself become the wide parameter. Values are unchanged: the wide
//! parameter is always the zero extension of the old one.
//!
//! Not on aarch64, whose loads fold the extension into the address
//! (`[x, w, uxtw]`), nor on riscv64, where an extension costs instructions
//! wherever it is placed and Zba folds it into the address add (`add.uw`).
//! Parameters reached by an edge whose argument is not a plain value (the
//! results of a `try_call`) are left alone.

use rustc_hash::{FxHashMap, FxHashSet};

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{
    BlockArg, Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

use super::ir_match::set_branch_arg;

/// Widens the zero-extended i32 block parameters of `func` (see the module
/// comment).
///
/// Returns whether it may have changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn widen_extended_params(func: &mut Function) -> bool {
    let candidates = extended_params(func);
    if candidates.is_empty() {
        return false;
    }
    let mut edges = incoming_edges(func, &candidates);
    drop_narrow_load_params(func, &mut edges);
    // Parameter -> its wide replacement, and the `ireduce` that stands for
    // the old parameter -> the wide one.
    let mut wide_of: FxHashMap<Value, Value> = FxHashMap::default();
    for param in candidates {
        if !edges.contains_key(&param) {
            continue;
        }
        let ValueDef::Param(block, _) = func.dfg.value_def(param) else {
            continue;
        };
        let wide = func.dfg.replace_block_param(param, types::I64);
        let mut cursor = FuncCursor::new(func);
        cursor.goto_first_insertion_point(block);
        let narrow = cursor.ins().ireduce(types::I32, wide);
        func.dfg.change_to_alias(param, narrow);
        wide_of.insert(narrow, wide);
    }
    widen_branch_arguments(func, &edges, &wide_of);
    replace_extensions(func, &wide_of);
    true
}

/// Non-entry i32 block parameters that some `uextend.i64` reads.
fn extended_params(func: &Function) -> Vec<Value> {
    let entry = func.layout.entry_block();
    let mut seen = FxHashSet::default();
    let mut params = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let Some(arg) = extension_to_i64(func, inst) else {
                continue;
            };
            let arg = func.dfg.resolve_aliases(arg);
            if let ValueDef::Param(param_block, _) = func.dfg.value_def(arg)
                && Some(param_block) != entry
                && func.dfg.value_type(arg) == types::I32
                && seen.insert(arg)
            {
                params.push(arg);
            }
        }
    }
    params
}

/// The operand of `inst` when it is `uextend.i64` of an i32 value.
fn extension_to_i64(func: &Function, inst: Inst) -> Option<Value> {
    let InstructionData::Unary {
        opcode: Opcode::Uextend,
        arg,
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    let result = func.dfg.first_result(inst);
    (func.dfg.value_type(result) == types::I64 && func.dfg.value_type(arg) == types::I32)
        .then_some(arg)
}

/// Where each candidate parameter gets its value: (branch, destination
/// index, argument index). A parameter with an incoming argument that is
/// not a plain value is left out.
type Edges = FxHashMap<Value, Vec<(Inst, usize, usize)>>;

fn incoming_edges(func: &Function, candidates: &[Value]) -> Edges {
    let wanted: FxHashSet<Value> = candidates.iter().copied().collect();
    let mut edges: Edges = FxHashMap::default();
    let mut rejected = FxHashSet::default();
    for (_, inst) in super::ir_match::terminators(func) {
        let dfg = &func.dfg;
        let destinations =
            dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
        for (dest_index, call) in destinations.iter().enumerate() {
            let target = call.block(&dfg.value_lists);
            let params = dfg.block_params(target);
            for (arg_index, (param, arg)) in
                params.iter().zip(call.args(&dfg.value_lists)).enumerate()
            {
                if !wanted.contains(param) {
                    continue;
                }
                match arg {
                    BlockArg::Value(_) => edges
                        .entry(*param)
                        .or_default()
                        .push((inst, dest_index, arg_index)),
                    _ => {
                        rejected.insert(*param);
                    }
                }
            }
        }
    }
    for param in rejected {
        edges.remove(&param);
    }
    edges
}

/// Drops the parameters that receive a narrow load's result (a byte or
/// halfword loaded and carried round a loop, as json's digit loop does):
/// Cranelift extends such a value with an instruction of its own, which
/// widening would only move onto the loop's back edge, next to the load,
/// instead of removing. Other arguments are free to extend (32-bit
/// arithmetic and loads clear the upper half on x86_64) or sit on a loop's
/// entry edge, where the extension runs once.
fn drop_narrow_load_params(func: &Function, edges: &mut Edges) {
    edges.retain(|_, sites| {
        !sites.iter().any(|&(inst, dest_index, arg_index)| {
            let dfg = &func.dfg;
            let call = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)
                [dest_index];
            matches!(call.args(&dfg.value_lists).nth(arg_index),
                Some(BlockArg::Value(arg)) if is_narrow_load(func, arg))
        })
    });
}

/// Whether `v` is loaded from fewer than 32 bits.
fn is_narrow_load(func: &Function, v: Value) -> bool {
    match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Result(inst, _) => matches!(
            func.dfg.insts[inst].opcode(),
            Opcode::Uload8 | Opcode::Uload16 | Opcode::Sload8 | Opcode::Sload16
        ),
        _ => false,
    }
}

/// Replaces each incoming argument of a widened parameter by its zero
/// extension (or by the wide parameter it stands for).
fn widen_branch_arguments(func: &mut Function, edges: &Edges, wide_of: &FxHashMap<Value, Value>) {
    for sites in edges.values() {
        for &(inst, dest_index, arg_index) in sites {
            let dfg = &func.dfg;
            let call = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)
                [dest_index];
            let Some(BlockArg::Value(arg)) = call.args(&dfg.value_lists).nth(arg_index) else {
                continue;
            };
            let arg = dfg.resolve_aliases(arg);
            let wide = match wide_of.get(&arg) {
                Some(&wide) => wide,
                None => {
                    let mut cursor = FuncCursor::new(func).at_inst(inst);
                    cursor.ins().uextend(types::I64, arg)
                }
            };
            set_branch_arg(func, inst, dest_index, arg_index, wide);
        }
    }
}

/// Makes every `uextend.i64` of a widened parameter an alias of the wide
/// parameter.
fn replace_extensions(func: &mut Function, wide_of: &FxHashMap<Value, Value>) {
    let mut extensions = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let Some(arg) = extension_to_i64(func, inst)
                && let Some(&wide) = wide_of.get(&func.dfg.resolve_aliases(arg))
            {
                extensions.push((inst, wide));
            }
        }
    }
    for (inst, wide) in extensions {
        let result = func.dfg.first_result(inst);
        func.layout.remove_inst(inst);
        func.dfg.detach_inst_results(inst);
        func.dfg.change_to_alias(result, wide);
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{
        Block, BlockArg, Function, InstBuilder, MemFlagsData, Opcode, ValueDef, types,
    };

    use super::widen_extended_params;
    use crate::translate::test_ir;

    /// A loop over `q` (entered with `q = start(p)`, stepping by 4 until
    /// 100) that zero-extends `q` and sums the extensions; returns the
    /// function and the loop's block.
    fn address_loop(start_with_byte_load: bool) -> (Function, Block) {
        let mut loop_block = None;
        let params = [types::I64, types::I32];
        let func = test_ir::function(&params, &[types::I64], |builder, params| {
            let [base, p] = [params[0], params[1]];
            let body = builder.create_block();
            let exit = builder.create_block();
            let q = builder.append_block_param(body, types::I32);
            let sum = builder.append_block_param(body, types::I64);
            let start = if start_with_byte_load {
                let address = builder.ins().uextend(types::I64, p);
                let address = builder.ins().iadd(base, address);
                builder
                    .ins()
                    .uload8(types::I32, MemFlagsData::trusted(), address, 0)
            } else {
                p
            };
            let zero = builder.ins().iconst(types::I64, 0);
            builder
                .ins()
                .jump(body, &[BlockArg::Value(start), BlockArg::Value(zero)]);
            builder.switch_to_block(body);
            let wide = builder.ins().uextend(types::I64, q);
            let next_sum = builder.ins().iadd(sum, wide);
            let next = builder.ins().iadd_imm_s(q, 4);
            let more = builder.ins().icmp_imm_s(IntCC::NotEqual, next, 100);
            builder.ins().brif(
                more,
                body,
                &[BlockArg::Value(next), BlockArg::Value(next_sum)],
                exit,
                &[],
            );
            builder.switch_to_block(exit);
            builder.ins().return_(&[next_sum]);
            loop_block = Some(body);
        });
        (func, loop_block.expect("the body ran"))
    }

    /// The types of `block`'s parameters.
    fn param_types(func: &Function, block: Block) -> Vec<types::Type> {
        func.dfg
            .block_params(block)
            .iter()
            .map(|&v| func.dfg.value_type(v))
            .collect()
    }

    #[test]
    fn an_extended_loop_address_becomes_a_64_bit_parameter() {
        let (mut func, body) = address_loop(false);
        widen_extended_params(&mut func);
        assert_eq!(param_types(&func, body), [types::I64, types::I64]);
        // Still well-formed IR: every use of the old parameter was rewired.
        test_ir::assert_valid(&func);
        // No extension reads the parameter any more: the loop's one
        // extension reads the 32-bit `iadd` on the back edge, which x86_64
        // extends for free.
        let operands: Vec<_> = func
            .layout
            .block_insts(body)
            .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Uextend)
            .map(|i| {
                let arg = func.dfg.resolve_aliases(func.dfg.inst_args(i)[0]);
                match func.dfg.value_def(arg) {
                    ValueDef::Result(def, _) => func.dfg.insts[def].opcode(),
                    other => panic!("extension of {other:?}"),
                }
            })
            .collect();
        assert_eq!(operands, [Opcode::Iadd]);
    }

    #[test]
    fn a_parameter_fed_by_a_byte_load_stays_32_bits() {
        let (mut func, body) = address_loop(true);
        widen_extended_params(&mut func);
        assert_eq!(param_types(&func, body), [types::I32, types::I64]);
    }
}
