//! The translator's explicit bounds checks, read back from the IR by the
//! passes that merge them (`straight_versions.rs`, `check_windows.rs`).
//!
//! `bounds.rs` checks an access at the i32 address `a` as
//! `trapnz (icmp sgt (uextend.i64 a), y)` with the trap code
//! `HEAP_OUT_OF_BOUNDS`, where `y` is the memory's length minus the
//! access's end (so `|y| < 2^34`); on aarch64 as
//! `trapnz (icmp ugt a, (ireduce.i32 y))` where `0 <= y < 2^32`, which
//! traps for the same addresses. Both trap exactly when
//! `zext(a) > y` as signed 64-bit values. On x86_64 an access ending one
//! byte past the length variable's bias compares with the variable
//! `v = y + 1` itself: `icmp sge (uextend.i64 a), v`
//! (`compares_at_variable` in bounds.rs).
//! `a` is read as `root + c` (a chain of adds and subtracts of constants,
//! modulo 2^32) and `y` as `base + d`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Function, Inst, InstructionData, Opcode, TrapCode, Value, types};

use super::ir_match::{compare_operands, constant_distance, unary_operand};

/// One bounds check: traps when `zext(address) > limit`, where `address`
/// is `root + c` modulo 2^32 and `limit` is `base + d`.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    pub trap: Inst,
    /// Position of `trap` in its block.
    pub position: usize,
    /// The i32 address checked.
    pub address: Value,
    pub root: Value,
    pub c: i64,
    pub base: Value,
    pub d: i64,
}

/// `inst` as a bounds check (see the module comment), at `position`.
pub fn check_of(func: &Function, inst: Inst, position: usize) -> Option<Check> {
    let InstructionData::CondTrap {
        opcode: Opcode::Trapnz,
        arg,
        code,
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    if code != TrapCode::HEAP_OUT_OF_BOUNDS {
        return None;
    }
    let extended = |address64| unary_operand(func, address64, Opcode::Uextend);
    // `inclusive`: the compare is `>=`, against `limit + 1`.
    let (address, limit, inclusive) =
        if let Some((address64, limit)) = compare_operands(func, arg, IntCC::SignedGreaterThan) {
            (extended(address64)?, limit, false)
        } else if let Some((address64, limit)) =
            compare_operands(func, arg, IntCC::SignedGreaterThanOrEqual)
        {
            (extended(address64)?, limit, true)
        } else {
            // aarch64's form (`compares_in_32_bits` in bounds.rs).
            let (address, limit32) = compare_operands(func, arg, IntCC::UnsignedGreaterThan)?;
            (
                address,
                unary_operand(func, limit32, Opcode::Ireduce)?,
                false,
            )
        };
    if func.dfg.value_type(address) != types::I32 || func.dfg.value_type(limit) != types::I64 {
        return None;
    }
    let (root, c) = constant_distance(func, address);
    let (base, d) = constant_distance(func, limit);
    Some(Check {
        trap: inst,
        position,
        address,
        root,
        c,
        base,
        d: if inclusive { d - 1 } else { d },
    })
}
