//! Commutative operations take their deeper operand first, so that
//! Cranelift computes a long chain before the short values combined with
//! it, not the other way round.
//!
//! Cranelift's mid-end places pure instructions where they are needed
//! ("elaboration"), operands in order, depth first. A chain such as
//! CoreMark's unrolled CRC-16, `crc = f(crc ^ (data >> k))` for k = 1..15,
//! arrives from Wasm as `bxor(data >> k, crc)`: elaborating the final
//! value computes `data >> 15`, then descends into `crc`, computes
//! `data >> 14`, and so on, so all fifteen shifts are live at once before
//! the first step of the chain, and five of them went to the stack
//! (callee-saved registers saved and restored on every call). With the
//! chain first, each shift is computed right before its step.
//!
//! The depth of a value is the length of the longest chain of pure
//! instructions that computes it (parameters, loads, calls and constants
//! are leaves), counted in one pass in layout order; an operand whose
//! definition comes later in the layout counts as a leaf (a heuristic
//! only). Only `iadd`, `imul`, `band`, `bor` and `bxor` on integers are
//! swapped, and only when the first operand is computed too (not a leaf)
//! and the second is strictly deeper: the result is the same value bit for
//! bit. A leaf first stays first: it is usually a load or a parameter that
//! dies there, which x86_64's two-operand instructions overwrite in place
//! (swapped, `xor` of a byte with a loop invariant needed a copy of the
//! invariant), and an address's base stays the base register.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{Function, Inst, InstructionData, Opcode, Value};

/// Swaps the operands of the commutative operations of `func` whose second
/// operand is deeper (see the module comment).
pub fn deep_operand_first(func: &mut Function) {
    // Indexed by value, 0 for a leaf: cheaper than hashing every result
    // of a large function.
    let mut depths: SecondaryMap<Value, u32> = SecondaryMap::with_capacity(func.dfg.num_values());
    let swaps = super::known_bits::scan(func, |inst, data| {
        record_depth(func, &mut depths, inst);
        let InstructionData::Binary {
            opcode,
            args: [a, b],
        } = *data
        else {
            return None;
        };
        if !is_commutative(opcode) || !func.dfg.value_type(a).is_int() {
            return None;
        }
        let depth_of = |v: Value| depths[func.dfg.resolve_aliases(v)];
        let (first, second) = (depth_of(a), depth_of(b));
        (first > 0 && second > first).then_some(inst)
    });
    for inst in swaps {
        swap_operands(func, inst);
    }
}

fn is_commutative(opcode: Opcode) -> bool {
    matches!(opcode, Opcode::Band | Opcode::Bor | Opcode::Bxor)
}

fn swap_operands(func: &mut Function, inst: Inst) {
    func.dfg.inst_args_mut(inst).swap(0, 1);
}

/// Records the depth of `inst`'s result when it is a pure instruction
/// with one result and operands (see the module comment).
fn record_depth(func: &Function, depths: &mut SecondaryMap<Value, u32>, inst: Inst) {
    let opcode = func.dfg.insts[inst].opcode();
    let pure = !opcode.can_load()
        && !opcode.can_store()
        && !opcode.is_call()
        && !opcode.can_trap()
        && !opcode.other_side_effects()
        && !opcode.is_branch()
        && !opcode.is_terminator();
    let args = func.dfg.inst_args(inst);
    let [result] = func.dfg.inst_results(inst) else {
        return;
    };
    if !pure || args.is_empty() {
        return;
    }
    let deepest = args
        .iter()
        .map(|&arg| depths[func.dfg.resolve_aliases(arg)])
        .max()
        .unwrap_or(0);
    depths[*result] = deepest.saturating_add(1);
}
