//! `icmp eq|ne (bxor a, b), 0` is `icmp eq|ne a, b` when the `bxor` has no
//! other use: one `cmp` instead of an `xor` and a `test` on x86_64, which
//! has no flags-setting `xor` that Cranelift would branch on. CoreMark's
//! list search (`(list->info->data16 & 0xff) == find`) reaches Wasm as a
//! `xor` of the two bytes compared with zero. `a ^ b` is zero exactly
//! when `a` and `b` are equal, for every width.
//!
//! (Tried too: branching on the i64 extension of an i32 loop pointer that
//! [`super::wide_params`] adds, so that the `load` could write the
//! parameter's register directly; Cranelift's mid-end folds the extension
//! out of the branch again, and the code did not change.)

use rustc_hash::FxHashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Function, InstructionData, Opcode, Value, ValueDef};

use super::ir_match::is_zero;

/// Rewrites the compares of `func` (see the module comment).
///
/// Returns whether it may have changed `func` (for
/// [`super::opaque_slot::KeptLoopView::forget_if`]).
pub fn compare_instead_of_xor(func: &mut Function) -> bool {
    // The candidates first: most functions have none, and counting the
    // readers of every value is the expensive part.
    let candidates = super::known_bits::scan(func, |inst, data| {
        let InstructionData::IntCompare {
            opcode: Opcode::Icmp,
            cond: IntCC::Equal | IntCC::NotEqual,
            args: [x, zero],
        } = *data
        else {
            return None;
        };
        if !is_zero(func, zero) {
            return None;
        }
        let x = func.dfg.resolve_aliases(x);
        let ValueDef::Result(def, _) = func.dfg.value_def(x) else {
            return None;
        };
        let InstructionData::Binary {
            opcode: Opcode::Bxor,
            args: [a, b],
        } = func.dfg.insts[def]
        else {
            return None;
        };
        Some((inst, x, a, b))
    });
    if candidates.is_empty() {
        return false;
    }
    // How many operands read each candidate's `bxor`: the compare must be
    // its only reader.
    let mut uses: FxHashMap<Value, u32> = candidates.iter().map(|&(_, x, _, _)| (x, 0)).collect();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for value in func.dfg.inst_values(inst) {
                if let Some(count) = uses.get_mut(&func.dfg.resolve_aliases(value)) {
                    *count += 1;
                }
            }
        }
    }
    for (inst, x, a, b) in candidates {
        if uses.get(&x) == Some(&1) {
            func.dfg.inst_args_mut(inst).copy_from_slice(&[a, b]);
        }
    }
    true
}
