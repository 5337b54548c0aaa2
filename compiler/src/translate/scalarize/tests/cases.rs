//! Lane operations, one test per family, each on every lane type
//! Cranelift defines it for.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::{
    ConstantData, Endianness, InstBuilder, MemFlagsData, Opcode, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

use super::inputs::inputs;
use cranelift_codegen::data_value::DataValue;

use super::{Nan, build, bytes_of, check_against, check_differential};

const INTS: [Type; 4] = [I8X16, I16X8, I32X4, I64X2];
const FLOATS: [Type; 2] = [F32X4, F64X2];
const RUNS: usize = 250;

/// A seed per case name, so each case sees its own inputs.
fn seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn case(
    name: &str,
    params: &[Type],
    result: Type,
    nan: Nan,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]) -> Value,
) {
    let func = build(params, result, body);
    check_differential(name, &func, nan, &inputs(seed(name), params, RUNS));
}

pub fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

#[test]
fn integer_arithmetic_matches_the_vector_instructions() {
    let ops = [
        Opcode::Iadd,
        Opcode::Isub,
        Opcode::Imul,
        Opcode::Smin,
        Opcode::Smax,
        Opcode::Umin,
        Opcode::Umax,
        Opcode::Band,
        Opcode::Bor,
        Opcode::Bxor,
    ];
    for ty in INTS {
        for op in ops {
            case(&format!("{op}.{ty}"), &[ty, ty], ty, Nan::Exact, |b, a| {
                let (inst, dfg) = b.ins().Binary(op, ty, a[0], a[1]);
                dfg.first_result(inst)
            });
        }
        case(
            &format!("band_not.{ty}"),
            &[ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().band_not(a[0], a[1]),
        );
        case(&format!("ineg.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            b.ins().ineg(a[0])
        });
        case(&format!("iabs.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            b.ins().iabs(a[0])
        });
        case(&format!("bnot.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            b.ins().bnot(a[0])
        });
        case(
            &format!("bitselect.{ty}"),
            &[ty, ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().bitselect(a[0], a[1], a[2]),
        );
    }
    case("popcnt.i8x16", &[I8X16], I8X16, Nan::Exact, |b, a| {
        b.ins().popcnt(a[0])
    });
}

/// `x` as a value with lanes but no halves (an arithmetic result), so the
/// operation after it takes the lane-by-lane path rather than `swar`.
fn lanes_only(b: &mut FunctionBuilder, x: Value) -> Value {
    let ty = b.func.dfg.value_type(x);
    if ty.lane_type().is_float() {
        let once = b.ins().fneg(x);
        b.ins().fneg(once)
    } else {
        let one = b.ins().iconst(ty.lane_type(), 1);
        let ones = b.ins().splat(ty, one);
        b.ins().imul(x, ones)
    }
}

#[test]
fn bitwise_and_add_match_on_lanes_as_well_as_on_halves() {
    for ty in INTS.into_iter().chain(FLOATS) {
        let mut ops = vec![Opcode::Band, Opcode::Bor, Opcode::Bxor];
        if ty.lane_type().is_int() {
            ops.extend([Opcode::Iadd, Opcode::Isub]);
        }
        for op in ops {
            case(
                &format!("lanes {op}.{ty}"),
                &[ty, ty],
                ty,
                Nan::Exact,
                |b, a| {
                    let (x, y) = (lanes_only(b, a[0]), lanes_only(b, a[1]));
                    let (inst, dfg) = b.ins().Binary(op, ty, x, y);
                    dfg.first_result(inst)
                },
            );
        }
        case(
            &format!("lanes bnot.{ty}"),
            &[ty],
            ty,
            Nan::Exact,
            |b, a| {
                let x = lanes_only(b, a[0]);
                b.ins().bnot(x)
            },
        );
        case(
            &format!("lanes bitselect.{ty}"),
            &[ty, ty, ty],
            ty,
            Nan::Exact,
            |b, a| {
                let c = lanes_only(b, a[0]);
                b.ins().bitselect(c, a[1], a[2])
            },
        );
    }
}

#[test]
fn saturating_and_rounding_arithmetic_matches() {
    for ty in [I8X16, I16X8] {
        for op in [
            Opcode::UaddSat,
            Opcode::SaddSat,
            Opcode::UsubSat,
            Opcode::SsubSat,
        ] {
            case(&format!("{op}.{ty}"), &[ty, ty], ty, Nan::Exact, |b, a| {
                let (inst, dfg) = b.ins().Binary(op, ty, a[0], a[1]);
                dfg.first_result(inst)
            });
        }
    }
    // The interpreter's vector `avg_round` is unimplemented: the expected
    // lanes are (a + b + 1) / 2 computed without overflow here.
    for ty in [I8X16, I16X8] {
        let func = build(&[ty, ty], ty, |b, a| b.ins().avg_round(a[0], a[1]));
        let width = ty.lane_bits() as usize / 8;
        check_against(
            &format!("avg_round.{ty}"),
            &func,
            &inputs(seed("avg"), &[ty, ty], RUNS),
            |args| {
                let (a, b) = (bytes_of(&args[0]), bytes_of(&args[1]));
                let mut out = [0u8; 16];
                for ((o, x), y) in out
                    .chunks_mut(width)
                    .zip(a.chunks(width))
                    .zip(b.chunks(width))
                {
                    let lane = |c: &[u8]| {
                        c.iter()
                            .rev()
                            .fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte))
                    };
                    let avg = (lane(x) + lane(y)).div_ceil(2);
                    o.copy_from_slice(&avg.to_le_bytes()[..width]);
                }
                DataValue::V128(out)
            },
        );
    }
    for ty in [I16X8, I32X4] {
        case(
            &format!("sqmul_round_sat.{ty}"),
            &[ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().sqmul_round_sat(a[0], a[1]),
        );
        case(
            &format!("iadd_pairwise.{ty}"),
            &[ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().iadd_pairwise(a[0], a[1]),
        );
    }
}

#[test]
fn shifts_take_the_amount_modulo_the_lane_width() {
    for ty in INTS {
        for op in [Opcode::Ishl, Opcode::Ushr, Opcode::Sshr] {
            case(&format!("{op}.{ty}"), &[ty, I32], ty, Nan::Exact, |b, a| {
                let (inst, dfg) = b.ins().Binary(op, ty, a[0], a[1]);
                dfg.first_result(inst)
            });
        }
    }
}

#[test]
fn integer_comparisons_give_lane_masks() {
    let conds = [
        IntCC::Equal,
        IntCC::NotEqual,
        IntCC::SignedLessThan,
        IntCC::SignedGreaterThanOrEqual,
        IntCC::SignedGreaterThan,
        IntCC::SignedLessThanOrEqual,
        IntCC::UnsignedLessThan,
        IntCC::UnsignedGreaterThanOrEqual,
        IntCC::UnsignedGreaterThan,
        IntCC::UnsignedLessThanOrEqual,
    ];
    for ty in INTS {
        for cc in conds {
            case(
                &format!("icmp.{cc}.{ty}"),
                &[ty, ty],
                ty,
                Nan::Exact,
                |b, a| b.ins().icmp(cc, a[0], a[1]),
            );
        }
    }
}

#[test]
fn reductions_to_a_scalar_match() {
    for ty in INTS {
        case(&format!("vany_true.{ty}"), &[ty], I8, Nan::Exact, |b, a| {
            b.ins().vany_true(a[0])
        });
        case(&format!("vall_true.{ty}"), &[ty], I8, Nan::Exact, |b, a| {
            b.ins().vall_true(a[0])
        });
        case(
            &format!("vhigh_bits.{ty}"),
            &[ty],
            I32,
            Nan::Exact,
            |b, a| b.ins().vhigh_bits(I32, a[0]),
        );
        case(
            &format!("vhigh_bits.i64.{ty}"),
            &[ty],
            I64,
            Nan::Exact,
            |b, a| b.ins().vhigh_bits(I64, a[0]),
        );
    }
}

#[test]
fn float_arithmetic_matches_with_wasm_nan_rules() {
    let ops = [
        Opcode::Fadd,
        Opcode::Fsub,
        Opcode::Fmul,
        Opcode::Fdiv,
        Opcode::Fmin,
        Opcode::Fmax,
    ];
    for ty in FLOATS {
        for op in ops {
            case(&format!("{op}.{ty}"), &[ty, ty], ty, Nan::AnyNan, |b, a| {
                let (inst, dfg) = b.ins().Binary(op, ty, a[0], a[1]);
                dfg.first_result(inst)
            });
        }
        for op in [
            Opcode::Sqrt,
            Opcode::Ceil,
            Opcode::Floor,
            Opcode::Trunc,
            Opcode::Nearest,
        ] {
            case(&format!("{op}.{ty}"), &[ty], ty, Nan::AnyNan, |b, a| {
                let (inst, dfg) = b.ins().Unary(op, ty, a[0]);
                dfg.first_result(inst)
            });
        }
        // Sign operations are bitwise in Wasm: NaN payloads must survive.
        case(&format!("fabs.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            b.ins().fabs(a[0])
        });
        case(&format!("fneg.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            b.ins().fneg(a[0])
        });
        case(
            &format!("fcopysign.{ty}"),
            &[ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().fcopysign(a[0], a[1]),
        );
        case(
            &format!("fma.{ty}"),
            &[ty, ty, ty],
            ty,
            Nan::AnyNan,
            |b, a| b.ins().fma(a[0], a[1], a[2]),
        );
        // Bitwise operations on float vectors work on the bits.
        case(&format!("bxor.{ty}"), &[ty, ty], ty, Nan::Exact, |b, a| {
            b.ins().bxor(a[0], a[1])
        });
        case(
            &format!("bitselect.{ty}"),
            &[ty, ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().bitselect(a[0], a[1], a[2]),
        );
    }
}

#[test]
fn float_comparisons_give_integer_lane_masks() {
    let conds = [
        FloatCC::Equal,
        FloatCC::NotEqual,
        FloatCC::LessThan,
        FloatCC::LessThanOrEqual,
        FloatCC::GreaterThan,
        FloatCC::GreaterThanOrEqual,
        FloatCC::Unordered,
        FloatCC::Ordered,
    ];
    for (ty, mask) in [(F32X4, I32X4), (F64X2, I64X2)] {
        for cc in conds {
            case(
                &format!("fcmp.{cc}.{ty}"),
                &[ty, ty],
                mask,
                Nan::Exact,
                |b, a| b.ins().fcmp(cc, a[0], a[1]),
            );
        }
    }
}

#[test]
fn conversions_match() {
    for (int, float) in [(I32X4, F32X4), (I64X2, F64X2)] {
        case(
            &format!("fcvt_from_sint.{float}"),
            &[int],
            float,
            Nan::Exact,
            |b, a| b.ins().fcvt_from_sint(float, a[0]),
        );
        case(
            &format!("fcvt_from_uint.{float}"),
            &[int],
            float,
            Nan::Exact,
            |b, a| b.ins().fcvt_from_uint(float, a[0]),
        );
        case(
            &format!("fcvt_to_sint_sat.{int}"),
            &[float],
            int,
            Nan::Exact,
            |b, a| b.ins().fcvt_to_sint_sat(int, a[0]),
        );
        case(
            &format!("fcvt_to_uint_sat.{int}"),
            &[float],
            int,
            Nan::Exact,
            |b, a| b.ins().fcvt_to_uint_sat(int, a[0]),
        );
    }
    case("fvdemote", &[F64X2], F32X4, Nan::AnyNan, |b, a| {
        b.ins().fvdemote(a[0])
    });
    case("fvpromote_low", &[F32X4], F64X2, Nan::AnyNan, |b, a| {
        b.ins().fvpromote_low(a[0])
    });
}

#[test]
fn narrowing_and_widening_match() {
    for (wide, narrow) in [(I16X8, I8X16), (I32X4, I16X8)] {
        case(
            &format!("snarrow.{wide}"),
            &[wide, wide],
            narrow,
            Nan::Exact,
            |b, a| b.ins().snarrow(a[0], a[1]),
        );
        case(
            &format!("unarrow.{wide}"),
            &[wide, wide],
            narrow,
            Nan::Exact,
            |b, a| b.ins().unarrow(a[0], a[1]),
        );
        case(
            &format!("uunarrow.{wide}"),
            &[wide, wide],
            narrow,
            Nan::Exact,
            |b, a| b.ins().uunarrow(a[0], a[1]),
        );
    }
    case(
        "snarrow.i64x2",
        &[I64X2, I64X2],
        I32X4,
        Nan::Exact,
        |b, a| b.ins().snarrow(a[0], a[1]),
    );
    case(
        "uunarrow.i64x2",
        &[I64X2, I64X2],
        I32X4,
        Nan::Exact,
        |b, a| b.ins().uunarrow(a[0], a[1]),
    );
    for (narrow, wide) in [(I8X16, I16X8), (I16X8, I32X4), (I32X4, I64X2)] {
        case(
            &format!("swiden_low.{narrow}"),
            &[narrow],
            wide,
            Nan::Exact,
            |b, a| b.ins().swiden_low(a[0]),
        );
        case(
            &format!("swiden_high.{narrow}"),
            &[narrow],
            wide,
            Nan::Exact,
            |b, a| b.ins().swiden_high(a[0]),
        );
        case(
            &format!("uwiden_low.{narrow}"),
            &[narrow],
            wide,
            Nan::Exact,
            |b, a| b.ins().uwiden_low(a[0]),
        );
        case(
            &format!("uwiden_high.{narrow}"),
            &[narrow],
            wide,
            Nan::Exact,
            |b, a| b.ins().uwiden_high(a[0]),
        );
    }
}

#[test]
fn lane_access_splat_and_constants_match() {
    for ty in INTS.into_iter().chain(FLOATS) {
        let lane = ty.lane_type();
        case(&format!("splat.{ty}"), &[lane], ty, Nan::Exact, |b, a| {
            b.ins().splat(ty, a[0])
        });
        case(
            &format!("scalar_to_vector.{ty}"),
            &[lane],
            ty,
            Nan::Exact,
            |b, a| b.ins().scalar_to_vector(ty, a[0]),
        );
        for idx in 0..ty.lane_count() as u8 {
            case(
                &format!("extractlane.{idx}.{ty}"),
                &[ty],
                lane,
                Nan::Exact,
                |b, a| b.ins().extractlane(a[0], idx),
            );
            case(
                &format!("insertlane.{idx}.{ty}"),
                &[ty, lane],
                ty,
                Nan::Exact,
                |b, a| b.ins().insertlane(a[0], a[1], idx),
            );
        }
        // A constant whose every byte differs shows the lane order.
        case(&format!("vconst.{ty}"), &[ty], ty, Nan::Exact, |b, a| {
            let bytes: Vec<u8> = (0..16u8)
                .map(|i| i.wrapping_mul(37).wrapping_add(0x81))
                .collect();
            let handle = b.func.dfg.constants.insert(ConstantData::from(bytes));
            let c = b.ins().vconst(ty, handle);
            b.ins().bxor(a[0], c)
        });
        case(
            &format!("select.{ty}"),
            &[I8, ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().select(a[0], a[1], a[2]),
        );
        case(
            &format!("select_spectre_guard.{ty}"),
            &[I8, ty, ty],
            ty,
            Nan::Exact,
            |b, a| b.ins().select_spectre_guard(a[0], a[1], a[2]),
        );
    }
}

#[test]
fn shuffles_and_swizzles_move_the_right_bytes() {
    let masks: [[u8; 16]; 4] = [
        core::array::from_fn(|i| i as u8),
        core::array::from_fn(|i| 31 - i as u8),
        core::array::from_fn(|i| {
            if i % 2 == 0 {
                i as u8 / 2
            } else {
                16 + i as u8 / 2
            }
        }),
        [3, 3, 17, 0, 31, 16, 8, 9, 10, 11, 12, 13, 14, 15, 2, 30],
    ];
    for (n, mask) in masks.into_iter().enumerate() {
        case(
            &format!("shuffle.{n}"),
            &[I8X16, I8X16],
            I8X16,
            Nan::Exact,
            |b, a| {
                let imm = b
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(mask.to_vec()));
                b.ins().shuffle(a[0], a[1], imm)
            },
        );
    }
    // Indices from the input generator include 0..=15, 16, 31, 32, 63,
    // 64, 127, 128 and 255: in range, just past it, and far past it.
    case("swizzle", &[I8X16, I8X16], I8X16, Nan::Exact, |b, a| {
        b.ins().swizzle(a[0], a[1])
    });
}

#[test]
fn bitcasts_keep_the_bits_in_little_endian_lane_order() {
    let all = [I8X16, I16X8, I32X4, I64X2, F32X4, F64X2];
    for from in all {
        for to in all {
            case(
                &format!("bitcast.{from}.{to}"),
                &[from],
                to,
                Nan::Exact,
                |b, a| b.ins().bitcast(to, little(), a[0]),
            );
            // Through a third shape and back: the chain shortcut.
            case(
                &format!("bitcast.{from}.{to}.i16x8"),
                &[from],
                to,
                Nan::Exact,
                |b, a| {
                    let mid = b.ins().bitcast(to, little(), a[0]);
                    let other = b.ins().bitcast(I16X8, little(), mid);
                    let back = b.ins().bitcast(from, little(), other);
                    let sum = b.ins().bxor(back, a[0]);
                    let sum = b.ins().bor(sum, a[0]);
                    b.ins().bitcast(to, little(), sum)
                },
            );
        }
        // The interpreter has no vector <-> I128 bitcast: the expected
        // value is the 16 bytes read as a little-endian integer.
        let to_int = build(&[from], I128, |b, a| b.ins().bitcast(I128, little(), a[0]));
        check_against(
            &format!("bitcast.{from}.i128"),
            &to_int,
            &inputs(seed("i128"), &[from], RUNS),
            |args| DataValue::I128(i128::from_le_bytes(bytes_of(&args[0]))),
        );
        let from_int = build(&[I64, I64], from, |b, a| {
            let wide = b.ins().iconcat(a[0], a[1]);
            b.ins().bitcast(from, little(), wide)
        });
        check_against(
            &format!("bitcast.i128.{from}"),
            &from_int,
            &inputs(seed("i64"), &[I64, I64], RUNS),
            |args| {
                let (DataValue::I64(low), DataValue::I64(high)) = (&args[0], &args[1]) else {
                    unreachable!()
                };
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&low.to_le_bytes());
                bytes[8..].copy_from_slice(&high.to_le_bytes());
                DataValue::V128(bytes)
            },
        );
    }
}
