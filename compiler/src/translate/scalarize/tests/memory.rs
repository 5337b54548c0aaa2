//! Vector loads and stores: same bytes, same flags, high half first.

use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::{
    InstBuilder, InstructionData, MemFlagsData, Opcode, StackSlotData, StackSlotKind, TrapCode,
    Type,
};
use cranelift_frontend::FunctionBuilder;

use super::inputs::inputs;
use super::{
    Nan, agree, build, check_differential, interpret, join_results, scalar_args, scalarize,
};

/// A 48-byte stack slot's address.
fn slot(b: &mut FunctionBuilder) -> cranelift_codegen::ir::Value {
    let slot = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 48, 4));
    b.ins().stack_addr(I64, slot, 0)
}

#[test]
fn stores_and_loads_round_trip_at_any_offset_and_shape() {
    let shapes = [I8X16, I16X8, I32X4, I64X2, F32X4, F64X2];
    for store_ty in shapes {
        for load_ty in [I8X16, F64X2, I32X4] {
            for offset in [0, 3, 8, 16] {
                let func = build(&[store_ty, store_ty], load_ty, |b, a| {
                    let base = slot(b);
                    let flags = MemFlagsData::new().with_notrap();
                    b.ins().store(flags, a[0], base, 0);
                    b.ins().store(flags, a[1], base, 16);
                    b.ins().load(load_ty, flags, base, offset)
                });
                let name = format!("store.{store_ty}.load.{load_ty}+{offset}");
                check_differential(
                    &name,
                    &func,
                    Nan::Exact,
                    &inputs(4, &[store_ty, store_ty], 60),
                );
            }
        }
    }
}

#[test]
fn extending_loads_match_a_load_then_widen() {
    let cases: [(Opcode, Type); 6] = [
        (Opcode::Uload8x8, I16X8),
        (Opcode::Sload8x8, I16X8),
        (Opcode::Uload16x4, I32X4),
        (Opcode::Sload16x4, I32X4),
        (Opcode::Uload32x2, I64X2),
        (Opcode::Sload32x2, I64X2),
    ];
    for (opcode, wide) in cases {
        for offset in [0i32, 5, 8] {
            let narrow = match wide {
                I16X8 => I8X16,
                I32X4 => I16X8,
                _ => I32X4,
            };
            let signed = matches!(
                opcode,
                Opcode::Sload8x8 | Opcode::Sload16x4 | Opcode::Sload32x2
            );
            // The interpreter has no `uload8x8` and friends, so the
            // reference loads 16 bytes and widens the low half.
            let fill = |b: &mut FunctionBuilder, a: &[cranelift_codegen::ir::Value]| {
                let base = slot(b);
                let flags = MemFlagsData::new().with_notrap();
                b.ins().store(flags, a[0], base, 0);
                b.ins().store(flags, a[1], base, 16);
                (base, flags)
            };
            let under_test = build(&[I8X16, I8X16], wide, |b, a| {
                let (base, flags) = fill(b, a);
                match opcode {
                    Opcode::Uload8x8 => b.ins().uload8x8(flags, base, offset),
                    Opcode::Sload8x8 => b.ins().sload8x8(flags, base, offset),
                    Opcode::Uload16x4 => b.ins().uload16x4(flags, base, offset),
                    Opcode::Sload16x4 => b.ins().sload16x4(flags, base, offset),
                    Opcode::Uload32x2 => b.ins().uload32x2(flags, base, offset),
                    _ => b.ins().sload32x2(flags, base, offset),
                }
            });
            let reference = build(&[I8X16, I8X16], wide, |b, a| {
                let (base, flags) = fill(b, a);
                let v = b.ins().load(narrow, flags, base, offset);
                if signed {
                    b.ins().swiden_low(v)
                } else {
                    b.ins().uwiden_low(v)
                }
            });
            let scalar = scalarize(&under_test);
            for args in inputs(5, &[I8X16, I8X16], 60) {
                let expected = interpret(&reference, &[], &args);
                let got = join_results(&[wide], &interpret(&scalar, &[], &scalar_args(&args)));
                assert!(
                    agree(wide, Nan::Exact, &expected[0], &got[0]),
                    "{opcode}+{offset} {args:?}"
                );
            }
        }
    }
}

/// The scalar code's stores, in program order: (offset, flags).
fn stores(func: &cranelift_codegen::ir::Function) -> Vec<(i32, MemFlagsData)> {
    let mut out = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let InstructionData::Store {
                opcode: Opcode::Store,
                offset,
                ..
            } = func.dfg.insts[inst]
            {
                let flags = func.dfg.insts[inst].memflags_data(&func.dfg).unwrap();
                out.push((offset.into(), flags));
            }
        }
    }
    out
}

#[test]
fn a_store_writes_its_high_half_first_with_the_original_flags() {
    // Guard mode: if the high half faults nothing was written; if it does
    // not, the low half is in bounds. The trap code must stay the heap's.
    let flags = MemFlagsData::new().with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS));
    let func = build(&[I64, I32X4], I64, |b, a| {
        b.ins().store(flags, a[1], a[0], 100);
        a[0]
    });
    let scalar = scalarize(&func);
    let found = stores(&scalar);
    assert_eq!(
        found.iter().map(|(o, _)| *o).collect::<Vec<_>>(),
        vec![108, 100],
        "\n{scalar}"
    );
    for (_, f) in found {
        assert_eq!(f, flags);
    }
}

#[test]
fn an_offset_near_the_32_bit_limit_moves_into_the_address() {
    // offset + 8 no longer fits the instruction: both halves must still
    // address base + offset and base + offset + 8.
    let big = i32::MAX - 4;
    let func = build(&[I32X4, I32X4], I32X4, |b, a| {
        let base = slot(b);
        let flags = MemFlagsData::new().with_notrap();
        let shifted = b.ins().iadd_imm_s(base, -i64::from(big));
        b.ins().store(flags, a[0], shifted, big);
        b.ins().store(flags, a[1], base, 16);
        let first = b.ins().load(I32X4, flags, base, 0);
        let again = b.ins().load(I32X4, flags, shifted, big);
        let second = b.ins().load(I32X4, flags, base, 16);
        let both = b.ins().bxor(first, second);
        b.ins().iadd(both, again)
    });
    check_differential(
        "big offset",
        &func,
        Nan::Exact,
        &inputs(6, &[I32X4, I32X4], 40),
    );
}
