//! Test inputs: edge values of each lane type mixed with pseudo-random
//! bits, from a fixed seed so a failure reproduces.

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{Type, types};

/// xorshift64*: small, deterministic, good enough to spread bits.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bit patterns worth testing for a lane of type `lane`.
pub fn edges(lane: Type) -> Vec<u64> {
    match lane {
        types::F32 => [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            3.5,
            -3.5,
            0.499_999_97,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            2147483648.0,
            -2147483648.0,
            2147483520.0,
            -2147483904.0,
            4294967296.0,
            4294967040.0,
            9.223372e18,
            -9.223372e18,
            1.8446744e19,
            8388609.0,
            1e10,
            -1e10,
        ]
        .iter()
        .map(|f| u64::from(f.to_bits()))
        .chain([
            0x7fc0_0000,
            0x7fa0_0000,
            0xffc0_0000,
            0x7fc1_2345,
            0xff80_0001,
            1,
            0x007f_ffff,
            0x8000_0001,
        ])
        .collect(),
        types::F64 => [
            0.0f64,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.499_999_999_999_999_94,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            2147483648.0,
            -2147483648.0,
            2147483647.0,
            -2147483649.0,
            4294967296.0,
            4294967295.0,
            9.223372036854776e18,
            -9.223372036854776e18,
            1.8446744073709552e19,
            4503599627370497.0,
            3.4028234663852886e38,
            3.4028235677973366e38,
            1e300,
            -1e-300,
            1e-40,
            1e-45,
        ]
        .iter()
        .map(|f| f.to_bits())
        .chain([
            0x7ff8_0000_0000_0000,
            0x7ff4_0000_0000_0000,
            0xfff8_0000_0000_0000,
            0x7ff8_0000_0001_2345,
            1,
        ])
        .collect(),
        _ => {
            let w = lane.bits();
            let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
            let min = 1u64 << (w - 1);
            vec![
                0,
                1,
                2,
                3,
                7,
                8,
                15,
                16,
                31,
                32,
                63,
                64,
                min - 1,
                min,
                min + 1,
                mask,
                mask - 1,
                mask / 3,
                mask / 3 * 2,
            ]
        }
    }
}

/// One lane's bits: an edge value most of the time, else random.
fn lane_bits(rng: &mut Rng, lane: Type) -> u64 {
    let edges = edges(lane);
    if rng.below(10) < 6 {
        edges[rng.below(edges.len())]
    } else {
        rng.next()
    }
}

/// A random 128-bit vector of type `ty`: sometimes all zero, sometimes
/// one value in every lane, otherwise lanes drawn independently.
pub fn vector(rng: &mut Rng, ty: Type) -> DataValue {
    let lane = ty.lane_type();
    let width = lane.bytes() as usize;
    let shape = rng.below(10);
    let same = lane_bits(rng, lane);
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(width) {
        let bits = match shape {
            0 => 0,
            1 => same,
            _ => lane_bits(rng, lane),
        };
        chunk.copy_from_slice(&bits.to_le_bytes()[..width]);
    }
    DataValue::V128(bytes)
}

/// A random scalar of type `ty` (small numbers are likely, for shift
/// amounts and lane indices).
pub fn scalar(rng: &mut Rng, ty: Type) -> DataValue {
    let bits = if ty.is_int() && rng.below(2) == 0 {
        rng.below(140) as u64
    } else {
        lane_bits(rng, ty)
    };
    match ty {
        types::I8 => DataValue::I8(bits as i8),
        types::I16 => DataValue::I16(bits as i16),
        types::I32 => DataValue::I32(bits as i32),
        types::I64 => DataValue::I64(bits as i64),
        types::F32 => DataValue::F32(Ieee32::with_bits(bits as u32)),
        types::F64 => DataValue::F64(Ieee64::with_bits(bits)),
        other => panic!("no scalar inputs for {other}"),
    }
}

/// `count` argument lists for parameters `params`.
pub fn inputs(seed: u64, params: &[Type], count: usize) -> Vec<Vec<DataValue>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            params
                .iter()
                .map(|&t| {
                    if t.is_vector() {
                        vector(&mut rng, t)
                    } else {
                        scalar(&mut rng, t)
                    }
                })
                .collect()
        })
        .collect()
}
