//! Vectors across blocks, branches and calls, and what the pass refuses.

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, Function, InstBuilder, JumpTableData, Signature,
    UserExternalName, UserFuncName,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

use super::inputs::inputs;
use super::{
    Nan, agree, build, check_differential, interpret, join_results, scalar_args, scalarize,
};
use crate::translate::scalarize::{run, scalar_abi_params};

#[test]
fn the_scalar_abi_is_two_i64_per_vector_and_leaves_scalars_alone() {
    for ty in [I8X16, I16X8, I32X4, I64X2, F32X4, F64X2] {
        assert_eq!(scalar_abi_params(ty), vec![I64, I64], "{ty}");
    }
    for ty in [I8, I32, I64, F32, F64, I128] {
        assert_eq!(scalar_abi_params(ty), vec![ty], "{ty}");
    }
}

#[test]
fn a_loop_carries_vector_block_parameters() {
    // acc = v; repeat (n & 7) times: acc = acc * v + v, in a loop whose
    // header takes the vector and the counter as block parameters.
    let func = build(&[I32X4, I32], I32X4, |b, a| {
        let header = b.create_block();
        let exit = b.create_block();
        b.append_block_param(header, I32X4);
        b.append_block_param(header, I32);
        b.append_block_param(exit, I32X4);
        let count = b.ins().band_imm_u(a[1], 7);
        b.ins().jump(header, &[a[0].into(), count.into()]);
        b.switch_to_block(header);
        let acc = b.block_params(header)[0];
        let left = b.block_params(header)[1];
        let product = b.ins().imul(acc, a[0]);
        let next = b.ins().iadd(product, a[0]);
        let left_next = b.ins().iadd_imm_s(left, -1);
        let more = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, left, 0);
        b.ins().brif(
            more,
            header,
            &[next.into(), left_next.into()],
            exit,
            &[acc.into()],
        );
        b.switch_to_block(exit);
        b.block_params(exit)[0]
    });
    check_differential("loop", &func, Nan::Exact, &inputs(1, &[I32X4, I32], 200));
}

#[test]
fn a_loop_in_the_translators_form_keeps_i8x16_between_operators() {
    // What the Wasm translator emits: every v128 is an I8X16, viewed as
    // the operator's lane type through bitcasts, in a loop that also
    // goes through memory.
    let func = build(&[I8X16, I8X16, I32], I8X16, |b, a| {
        let flags = super::cases::little();
        let header = b.create_block();
        let exit = b.create_block();
        b.append_block_param(header, I8X16);
        b.append_block_param(header, I32);
        b.append_block_param(exit, I8X16);
        let count = b.ins().band_imm_u(a[2], 7);
        b.ins().jump(header, &[a[0].into(), count.into()]);
        b.switch_to_block(header);
        let (acc, left) = (b.block_params(header)[0], b.block_params(header)[1]);
        let wide = b.ins().bitcast(I32X4, flags, acc);
        let step = b.ins().bitcast(I32X4, flags, a[1]);
        let sum = b.ins().iadd(wide, step);
        let bytes = b.ins().bitcast(I8X16, flags, sum);
        let slot = b.create_sized_stack_slot(cranelift_codegen::ir::StackSlotData::new(
            cranelift_codegen::ir::StackSlotKind::ExplicitSlot,
            16,
            4,
        ));
        let addr = b.ins().stack_addr(I64, slot, 0);
        let mem = cranelift_codegen::ir::MemFlagsData::new().with_notrap();
        b.ins().store(mem, bytes, addr, 0);
        let loaded = b.ins().load(I8X16, mem, addr, 0);
        let floats = b.ins().bitcast(F32X4, flags, loaded);
        let negated = b.ins().fneg(floats);
        let back = b.ins().bitcast(I8X16, flags, negated);
        let mixed = b.ins().uadd_sat(back, bytes);
        let left_next = b.ins().iadd_imm_s(left, -1);
        let more = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, left, 0);
        b.ins().brif(
            more,
            header,
            &[mixed.into(), left_next.into()],
            exit,
            &[acc.into()],
        );
        b.switch_to_block(exit);
        b.block_params(exit)[0]
    });
    check_differential(
        "translator loop",
        &func,
        Nan::Exact,
        &inputs(7, &[I8X16, I8X16, I32], 200),
    );
}

#[test]
fn br_table_passes_vectors_to_every_target() {
    let func = build(&[I32, F64X2, F64X2], F64X2, |b, a| {
        let join = b.create_block();
        b.append_block_param(join, F64X2);
        let targets: Vec<_> = (0..3).map(|_| b.create_block()).collect();
        let pool = &mut b.func.dfg.value_lists;
        let calls: Vec<_> = targets
            .iter()
            .map(|&t| cranelift_codegen::ir::BlockCall::new(t, [a[1].into()], pool))
            .collect();
        let default = cranelift_codegen::ir::BlockCall::new(join, [a[2].into()], pool);
        let table = b.create_jump_table(JumpTableData::new(default, &calls));
        for &t in &targets {
            b.append_block_param(t, F64X2);
        }
        b.ins().br_table(a[0], table);
        for (k, &t) in targets.iter().enumerate() {
            b.switch_to_block(t);
            let v = b.block_params(t)[0];
            let r = match k {
                0 => b.ins().fadd(v, a[2]),
                1 => b.ins().fneg(v),
                _ => v,
            };
            b.ins().jump(join, &[r.into()]);
        }
        b.switch_to_block(join);
        b.block_params(join)[0]
    });
    let mut args = inputs(2, &[I32, F64X2, F64X2], 200);
    for (n, list) in args.iter_mut().enumerate() {
        list[0] = DataValue::I32(n as i32 % 5);
    }
    check_differential("br_table", &func, Nan::AnyNan, &args);
}

/// `g(v: i16x8, s: i64) -> (i16x8, i64, f32x4)`, named `u0:1`.
fn callee() -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params
        .extend([AbiParam::new(I16X8), AbiParam::new(I64)]);
    sig.returns.extend([
        AbiParam::new(I16X8),
        AbiParam::new(I64),
        AbiParam::new(F32X4),
    ]);
    let mut func = Function::with_name_signature(UserFuncName::user(0, 1), sig);
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (v, s) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let amount = b.ins().ireduce(I32, s);
    let shifted = b.ins().sshr(v, amount);
    let sum = b.ins().iadd(shifted, v);
    let lane = b.ins().extractlane(v, 3);
    let wide = b.ins().sextend(I64, lane);
    let total = b.ins().iadd(wide, s);
    let low = b.ins().swiden_low(v);
    let floats = b.ins().fcvt_from_sint(F32X4, low);
    b.ins().return_(&[sum, total, floats]);
    b.seal_all_blocks();
    b.finalize(super::riscv64_isa().frontend_config());
    func
}

#[test]
fn calls_pass_vectors_as_two_i64_each() {
    let g = callee();
    let caller = |indirect: bool| {
        build(&[I16X8, I64], I16X8, |b, a| {
            let sig = b.import_signature(g.signature.clone());
            let name = b
                .func
                .declare_imported_user_function(UserExternalName::new(0, 1));
            let fref = b.import_function(ExtFuncData {
                name: ExternalName::user(name),
                signature: sig,
                colocated: true,
                patchable: false,
            });
            let call = if indirect {
                let addr = b.ins().func_addr(I64, fref);
                b.ins().call_indirect(sig, addr, &[a[0], a[1]])
            } else {
                b.ins().call(fref, &[a[0], a[1]])
            };
            let r = b.inst_results(call).to_vec();
            let bits = b.ins().bitcast(I16X8, super::cases::little(), r[2]);
            let count = b.ins().ireduce(I16, r[1]);
            let splat = b.ins().splat(I16X8, count);
            let mixed = b.ins().bxor(r[0], bits);
            b.ins().iadd(mixed, splat)
        })
    };
    let g_scalar = scalarize(&g);
    for indirect in [false, true] {
        let f = caller(indirect);
        let f_scalar = scalarize(&f);
        for args in inputs(3, &[I16X8, I64], 150) {
            let expected = interpret(&f, &[&g], &args);
            let got = join_results(
                &[I16X8],
                &interpret(&f_scalar, &[&g_scalar], &scalar_args(&args)),
            );
            assert!(
                agree(I16X8, Nan::Exact, &expected[0], &got[0]),
                "indirect={indirect} {args:?}: {expected:?} vs {got:?}"
            );
        }
    }
}

#[test]
fn a_tail_call_passes_vectors_in_the_scalar_abi() {
    // f(v, s) = return_call g(v ^ splat(s), s): f has g's results.
    let g = callee();
    let mut f = Function::with_name_signature(UserFuncName::testcase("f"), g.signature.clone());
    f.signature.call_conv = CallConv::Tail;
    let mut g_tail = g.clone();
    g_tail.signature.call_conv = CallConv::Tail;
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut f, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (v, s) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let sig = b.import_signature(g_tail.signature.clone());
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(0, 1));
    let fref = b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let narrow = b.ins().ireduce(I16, s);
    let splat = b.ins().splat(I16X8, narrow);
    let mixed = b.ins().bxor(v, splat);
    b.ins().return_call(fref, &[mixed, s]);
    b.seal_all_blocks();
    b.finalize(super::riscv64_isa().frontend_config());

    let (f_scalar, g_scalar) = (scalarize(&f), scalarize(&g_tail));
    let types = [I16X8, I64, F32X4];
    for args in inputs(8, &[I16X8, I64], 150) {
        let expected = interpret(&f, &[&g_tail], &args);
        let got = join_results(
            &types,
            &interpret(&f_scalar, &[&g_scalar], &scalar_args(&args)),
        );
        for ((ty, e), g) in types.iter().zip(&expected).zip(&got) {
            assert!(
                agree(*ty, Nan::Exact, e, g),
                "{args:?}: {expected:?} vs {got:?}"
            );
        }
    }
}

#[test]
fn a_function_without_vectors_is_left_unchanged() {
    let func = build(&[I32, I32], I32, |b, a| b.ins().iadd(a[0], a[1]));
    let mut copy = func.clone();
    run(&mut copy).expect("scalar code needs no lowering");
    assert_eq!(copy.display().to_string(), func.display().to_string());
}

#[test]
fn an_instruction_without_a_scalar_lowering_is_an_error_naming_it() {
    let func = build(&[I8X16, I8X16], I8X16, |b, a| {
        b.ins().x86_pshufb(a[0], a[1])
    });
    let mut copy = func.clone();
    let err = format!(
        "{:#}",
        run(&mut copy).expect_err("x86_pshufb has no scalar form")
    );
    assert!(err.contains("x86_pshufb"), "{err}");
}

#[test]
fn a_vector_select_condition_is_refused_not_miscompiled() {
    let func = build(&[I32X4, I32X4, I32X4], I32X4, |b, a| {
        b.ins().select(a[0], a[1], a[2])
    });
    let mut copy = func.clone();
    let err = format!("{:#}", run(&mut copy).expect_err("vector condition"));
    assert!(err.contains("select"), "{err}");
}
