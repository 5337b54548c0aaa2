//! Byte and halfword values at 64 bits, on riscv64.
//!
//! riscv64 keeps an i32 in a 64-bit register with undefined upper bits, so
//! Cranelift sign-extends both operands of every i32 compare (`sext.w`, even
//! for a constant it has just built with `li`) and zero-extends an i32 that
//! becomes an address (`slli`+`srli` without Zba). It skips the extension
//! when it sees the instruction that made the value (an `addw`, another
//! extension), but not after an 8- or 16-bit load: `lbu`/`lhu` clear the
//! upper bits, yet `uload8.i32` is not one of the instructions it knows.
//! json's scanner paid `sext.w` twice per compare of the current character
//! with a constant, CRC-32 a shift pair on `(crc ^ b) & 0xff`.
//!
//! A *narrow* value is an i32 with at most 16 significant bits: an 8- or
//! 16-bit zero-extending load, a zero extension from i8/i16, and `band`,
//! `bor`, `bxor` of narrow values and constants below 2^16 (`band` with any
//! constant). Each gets an i64 twin holding the same number: the load
//! becomes an i64 load (the same instruction, `lbu`/`lhu`) and the i32 value
//! its `ireduce` (free: the low half of the register); the others are
//! computed at i64 from their operands' twins and the i32 value becomes the
//! `ireduce` of the twin. Then the uses that extend read the twin:
//! `uextend`/`sextend` to i64 (equal for a number below 2^31), `icmp` with a
//! constant or another narrow value (both sides are non-negative numbers
//! below 2^16, so every condition gives the same answer at 64 bits as at 32,
//! with the constant extended as the condition reads it: signed conditions
//! sign-extend, the others zero-extend), `brif` and `select`.
//!
//! Every other i32 compare becomes a compare of the sign extensions at
//! i64: sign extension keeps both the signed and the unsigned order of
//! 32-bit values, it is free after the instructions that already
//! sign-extend (`addw`, `slliw`...), where an unsigned i32 compare paid a
//! shift pair per side, and a constant is built extended by `li`. An i32
//! load that such a test reads becomes a sign-extending i64 load (`lw` is
//! one), read by the test directly.
//!
//! Not for x86_64 and aarch64, whose backends compare and address 32-bit
//! registers directly.

use rustc_hash::{FxHashMap, FxHashSet};

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::{
    Function, Inst, InstBuilder, InstructionData, Opcode, Value, ValueDef, types,
};

/// Gives the narrow values of `func` i64 twins and lets their extending
/// uses read them (see the module comment).
pub fn narrow_values_at_64_bits(func: &mut Function) {
    let narrow = narrow_values(func);
    let twins = make_twins(func, &narrow);
    let signed = signed_load_twins(func);
    read_twins(func, &twins, &signed);
}

/// The i32 loads that a sign test reads (a compare, `brif`, `select`, a
/// sign extension): each becomes an `sload32.i64` (the same `lw`, which
/// sign-extends) whose `ireduce` stands for the old value, and the sign
/// tests read the i64 load instead of extending again. A list walk's
/// `p = p->next; if (p)` paid a `sext.w` per node. Returns value -> twin.
fn signed_load_twins(func: &mut Function) -> FxHashMap<Value, Value> {
    let is_load = |func: &Function, v: Value| {
        let v = func.dfg.resolve_aliases(v);
        let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
            return None;
        };
        matches!(
            func.dfg.insts[inst],
            InstructionData::Load {
                opcode: Opcode::Load,
                ..
            }
        )
        .then_some(inst)
        .filter(|_| func.dfg.value_type(v) == types::I32)
    };
    let mut loads = Vec::new();
    let mut seen = FxHashSet::default();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let tested: &[Value] = match &func.dfg.insts[inst] {
                InstructionData::IntCompare {
                    opcode: Opcode::Icmp,
                    args,
                    ..
                } => args,
                InstructionData::Brif { arg, .. }
                | InstructionData::Unary {
                    opcode: Opcode::Sextend,
                    arg,
                } => std::slice::from_ref(arg),
                InstructionData::Ternary {
                    opcode: Opcode::Select,
                    args,
                } => &args[..1],
                _ => continue,
            };
            for &v in tested {
                if let Some(load) = is_load(func, v)
                    && seen.insert(load)
                {
                    loads.push(load);
                }
            }
        }
    }
    let mut twins = FxHashMap::default();
    for load in loads {
        let result = func.dfg.first_result(load);
        let mut data = func.dfg.insts[load];
        if let InstructionData::Load { opcode, .. } = &mut data {
            *opcode = Opcode::Sload32;
        }
        twins.insert(result, load_twin(func, load, data));
    }
    twins
}

/// Inserts `data`, a load producing an i64, before the i32 load `inst`,
/// at the same Wasm offset so that a trap it raises is reported as
/// before, and turns `inst` into the `ireduce` of it. Returns the i64.
fn load_twin(func: &mut Function, inst: Inst, data: InstructionData) -> Value {
    let wide = func.dfg.make_inst(data);
    func.dfg.make_inst_results(wide, types::I64);
    func.layout.insert_inst(wide, inst);
    let srcloc = func.srcloc(inst);
    func.set_srcloc(wide, srcloc);
    let twin = func.dfg.first_result(wide);
    func.replace(inst).ireduce(types::I32, twin);
    twin
}

/// Is `v` (resolved) an i32 constant below 2^16, or any i32 constant when
/// `any` is set? Returns its bits zero-extended.
fn small_constant(func: &Function, v: Value, any: bool) -> Option<u64> {
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    let InstructionData::UnaryImm {
        opcode: Opcode::Iconst,
        imm,
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    if func.dfg.value_type(v) != types::I32 {
        return None;
    }
    let bits = imm.bits() as u64 & 0xffff_ffff;
    (any || bits < 0x1_0000).then_some(bits)
}

/// The instructions whose i32 result is narrow, in layout order. A
/// bitwise operation is narrow when its operands are, so the scan repeats
/// until nothing changes (a loop can bring an operand's definition later
/// in the layout).
fn narrow_values(func: &Function) -> Vec<Inst> {
    let mut narrow: FxHashSet<Value> = FxHashSet::default();
    let mut order = Vec::new();
    loop {
        let before = order.len();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let Some(&result) = func.dfg.inst_results(inst).first() else {
                    continue;
                };
                if func.dfg.value_type(result) != types::I32 || narrow.contains(&result) {
                    continue;
                }
                if is_narrow(func, inst, &narrow) {
                    narrow.insert(result);
                    order.push(inst);
                }
            }
        }
        if order.len() == before {
            return order;
        }
    }
}

fn is_narrow(func: &Function, inst: Inst, narrow: &FxHashSet<Value>) -> bool {
    match func.dfg.insts[inst] {
        InstructionData::Load {
            opcode: Opcode::Uload8 | Opcode::Uload16,
            ..
        } => true,
        InstructionData::Unary {
            opcode: Opcode::Uextend,
            arg,
        } => matches!(func.dfg.value_type(arg), types::I8 | types::I16),
        InstructionData::Binary {
            opcode: opcode @ (Opcode::Band | Opcode::Bor | Opcode::Bxor),
            args,
        } => {
            let is = |v: Value| narrow.contains(&func.dfg.resolve_aliases(v));
            let constant = |v: Value, any: bool| small_constant(func, v, any).is_some();
            if opcode == Opcode::Band {
                // A mask below 2^16 makes any value narrow (its other
                // operand is then read sign-extended, free after the
                // 32-bit arithmetic that makes most values).
                let masked = |[x, m]: [Value; 2]| constant(m, false) && !constant(x, true);
                let narrowed = |[x, m]: [Value; 2]| is(x) && (is(m) || constant(m, true));
                masked(args)
                    || masked([args[1], args[0]])
                    || narrowed(args)
                    || narrowed([args[1], args[0]])
            } else {
                // At least one operand must be a narrow value: two
                // constants are the mid-end's to fold.
                let operand = |v: Value| is(v) || constant(v, false);
                (is(args[0]) || is(args[1])) && operand(args[0]) && operand(args[1])
            }
        }
        _ => false,
    }
}

/// Makes the i64 twin of each narrow value (in `order`, operands first)
/// and turns the i32 value into its `ireduce`. Returns value -> twin.
fn make_twins(func: &mut Function, order: &[Inst]) -> FxHashMap<Value, Value> {
    let mut twins: FxHashMap<Value, Value> = FxHashMap::default();
    for &inst in order {
        let result = func.dfg.first_result(inst);
        let data = func.dfg.insts[inst];
        let twin = match data {
            // The same load at i64: `lbu`/`lhu` already write all 64 bits.
            InstructionData::Load { .. } => load_twin(func, inst, data),
            InstructionData::Unary { arg, .. } => {
                let mut cursor = FuncCursor::new(func).at_inst(inst);
                cursor.next_inst();
                cursor.ins().uextend(types::I64, arg)
            }
            InstructionData::Binary { opcode, args } => {
                let mut wide_args = [result; 2];
                for (wide, arg) in wide_args.iter_mut().zip(args) {
                    let arg = func.dfg.resolve_aliases(arg);
                    *wide = match twins.get(&arg) {
                        Some(&twin) => twin,
                        None => {
                            let mut cursor = FuncCursor::new(func).at_inst(inst);
                            match small_constant(cursor.func, arg, true) {
                                Some(bits) => cursor.ins().iconst(types::I64, bits as i64),
                                // The value under a mask (`is_narrow`).
                                None => cursor.ins().sextend(types::I64, arg),
                            }
                        }
                    };
                }
                let mut cursor = FuncCursor::new(func).at_inst(inst);
                let [a, b] = wide_args;
                let twin = match opcode {
                    Opcode::Band => cursor.ins().band(a, b),
                    Opcode::Bor => cursor.ins().bor(a, b),
                    _ => cursor.ins().bxor(a, b),
                };
                func.replace(inst).ireduce(types::I32, twin);
                twin
            }
            _ => continue,
        };
        twins.insert(result, twin);
    }
    twins
}

/// One side of a compare.
#[derive(Clone, Copy)]
enum Operand {
    Value(Value),
    /// The low 32 bits of an i32 constant.
    Constant(u64),
}

fn operand(func: &Function, v: Value) -> Operand {
    match small_constant(func, v, true) {
        Some(bits) => Operand::Constant(bits),
        None => Operand::Value(v),
    }
}

/// The sides of an i32 compare, with `x + c1 == c2` read as
/// `x == c2 - c1` (the same for `!=`: adding a constant modulo 2^32 is a
/// bijection). Wasm code compares a character with a range this way
/// (`c - '[' == 0`, `c - '[' == 2`), and Cranelift's mid-end would fold it
/// back into a 32-bit compare of `c`.
fn without_offset(func: &Function, cond: IntCC, [x, y]: [Value; 2]) -> (IntCC, Operand, Operand) {
    let (x, y) = (operand(func, x), operand(func, y));
    let (cond, x, y) = match (x, y) {
        (Operand::Constant(_), Operand::Value(_)) => (cond.swap_args(), y, x),
        _ => (cond, x, y),
    };
    if !matches!(cond, IntCC::Equal | IntCC::NotEqual) {
        return (cond, x, y);
    }
    let (Operand::Value(v), Operand::Constant(c2)) = (x, y) else {
        return (cond, x, y);
    };
    let v = func.dfg.resolve_aliases(v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return (cond, x, y);
    };
    let InstructionData::Binary {
        opcode: Opcode::Iadd,
        args,
    } = func.dfg.insts[inst]
    else {
        return (cond, x, y);
    };
    match (operand(func, args[0]), operand(func, args[1])) {
        (Operand::Value(a), Operand::Constant(c1)) | (Operand::Constant(c1), Operand::Value(a)) => {
            (
                cond,
                Operand::Value(a),
                Operand::Constant(c2.wrapping_sub(c1) & 0xffff_ffff),
            )
        }
        _ => (cond, x, y),
    }
}

/// The rewrites of the uses of narrow values.
enum Use {
    /// An extension to i64: its result becomes the twin.
    Extension(Inst, Value),
    /// `icmp` of a narrow value with a constant or another narrow value:
    /// the compare at i64. `constant` is the other side's bits when it is a
    /// constant.
    Compare(Inst, IntCC, Value, Result<Value, u64>),
    /// `icmp` of any i32 with a constant: the compare of the sign
    /// extensions at i64, which orders i32 values as both signed and
    /// unsigned i32 compares do. Cranelift omits the extension after the
    /// instructions that sign-extend (`addw`...), and the constant is
    /// built extended (`li`) instead of being extended again.
    SignedCompare(Inst, IntCC, Operand, Operand),
    /// `brif` or `select` on a narrow value: it tests the twin.
    Branch(Inst, Value),
}

/// Lets the uses of narrow values read their zero-extended `twins`, and
/// sign tests of loads their `signed` twins.
fn read_twins(
    func: &mut Function,
    twins: &FxHashMap<Value, Value>,
    signed: &FxHashMap<Value, Value>,
) {
    let twin_of = |func: &Function, v: Value| twins.get(&func.dfg.resolve_aliases(v)).copied();
    let signed_of = |func: &Function, v: Value| signed.get(&func.dfg.resolve_aliases(v)).copied();
    let mut uses = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            match func.dfg.insts[inst] {
                InstructionData::Unary { opcode, arg }
                    if matches!(opcode, Opcode::Uextend | Opcode::Sextend)
                        && func.dfg.value_type(func.dfg.first_result(inst)) == types::I64 =>
                {
                    let sign_twin = (opcode == Opcode::Sextend)
                        .then(|| signed_of(func, arg))
                        .flatten();
                    if let Some(twin) = twin_of(func, arg).or(sign_twin) {
                        uses.push(Use::Extension(inst, twin));
                    }
                }
                InstructionData::IntCompare {
                    opcode: Opcode::Icmp,
                    cond,
                    args,
                } if func.dfg.value_type(args[0]) == types::I32 => {
                    let (cond, x, y) = without_offset(func, cond, args);
                    let side = |v: Operand| match v {
                        Operand::Value(v) => twin_of(func, v).map(Ok),
                        Operand::Constant(c) => Some(Err(c)),
                    };
                    let twin = |v: Operand| match v {
                        Operand::Value(v) => twin_of(func, v),
                        Operand::Constant(_) => None,
                    };
                    match (twin(x), side(y), side(x), twin(y)) {
                        (Some(tx), Some(other), _, _) => {
                            uses.push(Use::Compare(inst, cond, tx, other));
                        }
                        (_, _, Some(Err(c)), Some(ty)) => {
                            uses.push(Use::Compare(inst, cond.swap_args(), ty, Err(c)));
                        }
                        _ => uses.push(Use::SignedCompare(inst, cond, x, y)),
                    }
                }
                InstructionData::Brif { arg, .. }
                | InstructionData::Ternary {
                    opcode: Opcode::Select,
                    args: [arg, _, _],
                } => {
                    // A sign or zero extension is zero exactly when the value is.
                    if let Some(twin) = twin_of(func, arg).or_else(|| signed_of(func, arg)) {
                        uses.push(Use::Branch(inst, twin));
                    }
                }
                _ => {}
            }
        }
    }
    for u in uses {
        match u {
            Use::Extension(inst, twin) => {
                let result = func.dfg.first_result(inst);
                func.layout.remove_inst(inst);
                func.dfg.detach_inst_results(inst);
                func.dfg.change_to_alias(result, twin);
            }
            Use::Compare(inst, cond, twin, other) => {
                let other = match other {
                    Ok(twin) => twin,
                    Err(bits) => {
                        // `unsigned` maps exactly the signed conditions elsewhere.
                        let wide = if cond.unsigned() != cond {
                            i64::from(bits as u32 as i32)
                        } else {
                            bits as i64
                        };
                        let mut cursor = FuncCursor::new(func).at_inst(inst);
                        cursor.ins().iconst(types::I64, wide)
                    }
                };
                func.replace(inst).icmp(cond, twin, other);
            }
            Use::SignedCompare(inst, cond, x, y) => {
                let mut cursor = FuncCursor::new(func).at_inst(inst);
                let [x, y] = [x, y].map(|side| match side {
                    // A narrow value's twin is its sign extension too (it
                    // is below 2^31).
                    Operand::Value(v) => {
                        match twin_of(cursor.func, v).or(signed_of(cursor.func, v)) {
                            Some(twin) => twin,
                            None => cursor.ins().sextend(types::I64, v),
                        }
                    }
                    Operand::Constant(bits) => cursor
                        .ins()
                        .iconst(types::I64, i64::from(bits as u32 as i32)),
                });
                func.replace(inst).icmp(cond, x, y);
            }
            Use::Branch(inst, twin) => {
                func.dfg.inst_args_mut(inst)[0] = twin;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{
        Function, InstBuilder, InstructionData, MemFlagsData, Opcode, types,
    };

    use super::narrow_values_at_64_bits;
    use crate::translate::test_ir;

    /// `f(base, p, w) = (u8[base + p] == ']') + (i32[base + p] <u w)`.
    fn byte_and_word_compares() -> Function {
        let params = [types::I64, types::I32, types::I32];
        test_ir::function(&params, &[types::I8], |builder, params| {
            let index = builder.ins().uextend(types::I64, params[1]);
            let address = builder.ins().iadd(params[0], index);
            let flags = MemFlagsData::trusted();
            let byte = builder.ins().uload8(types::I32, flags, address, 0);
            let bracket = builder.ins().iconst(types::I32, 93);
            let is_bracket = builder.ins().icmp(IntCC::Equal, byte, bracket);
            let word = builder.ins().load(types::I32, flags, address, 0);
            let below = builder.ins().icmp(IntCC::UnsignedLessThan, word, params[2]);
            let sum = builder.ins().iadd(is_bracket, below);
            builder.ins().return_(&[sum]);
        })
    }

    /// (opcode, type of the first operand) of every compare and load.
    fn compares_and_loads(func: &Function) -> Vec<(Opcode, types::Type)> {
        let block = func.layout.entry_block().expect("entry block");
        func.layout
            .block_insts(block)
            .filter_map(|inst| match func.dfg.insts[inst] {
                InstructionData::IntCompare { args, .. } => {
                    Some((Opcode::Icmp, func.dfg.value_type(args[0])))
                }
                InstructionData::Load { opcode, .. } => {
                    Some((opcode, func.dfg.value_type(func.dfg.first_result(inst))))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn byte_compares_and_word_sign_tests_happen_at_64_bits() {
        let mut func = byte_and_word_compares();
        narrow_values_at_64_bits(&mut func);
        test_ir::assert_valid(&func);
        assert_eq!(
            compares_and_loads(&func),
            [
                // The byte load at i64 (`lbu`) and its compare with ']' at
                // i64, then the word as the sign-extending `lw` its
                // compare reads.
                (Opcode::Uload8, types::I64),
                (Opcode::Icmp, types::I64),
                (Opcode::Sload32, types::I64),
                (Opcode::Icmp, types::I64),
            ]
        );
    }
}
