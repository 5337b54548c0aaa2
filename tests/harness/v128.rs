//! `v128` values in scripts: arguments as serve tokens (`v128:` and 32 hex
//! digits, lane 0 last) and expected results lane by lane, where a float
//! lane may be a NaN class (`f32x4 nan:canonical 1.0 …`).

use std::fmt;

use wast::core::{V128Const, V128Pattern};

use crate::expect::{Float, float_matches, nan_class};

/// One expected lane of a `v128` result.
#[derive(Clone, Debug)]
pub enum Lane {
    /// An integer lane of `bits` bits, exact.
    Int {
        bits: u32,
        value: u64,
    },
    F32(Float<u32>),
    F64(Float<u64>),
}

impl Lane {
    fn bits(&self) -> u32 {
        match self {
            Lane::Int { bits, .. } => *bits,
            Lane::F32(_) => 32,
            Lane::F64(_) => 64,
        }
    }
}

/// The serve token of a `v128.const` argument.
pub fn argument(value: &V128Const) -> String {
    format!("v128:{:032x}", u128::from_le_bytes(value.to_le_bytes()))
}

/// The lanes a script expects.
pub fn lanes(pattern: &V128Pattern) -> Vec<Lane> {
    let int = |bits: u32, value: u64| Lane::Int {
        bits,
        value: value & (u64::MAX >> (64 - bits)),
    };
    match pattern {
        V128Pattern::I8x16(v) => v.iter().map(|&x| int(8, x as u64)).collect(),
        V128Pattern::I16x8(v) => v.iter().map(|&x| int(16, x as u64)).collect(),
        V128Pattern::I32x4(v) => v.iter().map(|&x| int(32, x as u64)).collect(),
        V128Pattern::I64x2(v) => v.iter().map(|&x| int(64, x as u64)).collect(),
        V128Pattern::F32x4(v) => v
            .iter()
            .map(|p| Lane::F32(nan_class(p, |f| f.bits)))
            .collect(),
        V128Pattern::F64x2(v) => v
            .iter()
            .map(|p| Lane::F64(nan_class(p, |f| f.bits)))
            .collect(),
    }
}

/// The 128 bits of a reply value (`v128:…`), if it is a `v128`.
pub fn parse_token(token: &str) -> Option<u128> {
    let hex = token.strip_prefix("v128:")?;
    (hex.len() == 32)
        .then(|| u128::from_str_radix(hex, 16).ok())
        .flatten()
}

/// Whether the reply token `token` holds a `v128` whose lanes match.
pub fn matches(lanes: &[Lane], token: &str) -> bool {
    let Some(value) = parse_token(token) else {
        return false;
    };
    lanes.iter().enumerate().all(|(i, lane)| {
        let bits = lane.bits();
        let raw = (value >> (i as u32 * bits)) as u64 & (u64::MAX >> (64 - bits));
        match lane {
            Lane::Int { value, .. } => raw == *value,
            Lane::F32(f) => {
                let f = match f {
                    Float::Bits(b) => Float::Bits(*b as u64),
                    Float::CanonicalNan => Float::CanonicalNan,
                    Float::ArithmeticNan => Float::ArithmeticNan,
                };
                float_matches(&f, raw, 1 << 31, 0x7f80_0000, 0x0040_0000)
            }
            Lane::F64(f) => float_matches(
                f,
                raw,
                1 << 63,
                0x7ff0_0000_0000_0000,
                0x0008_0000_0000_0000,
            ),
        }
    })
}

/// Expected lanes in the script's notation: `(v128.const i32x4 1 2 3 4)`.
pub fn describe_lanes(lanes: &[Lane], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let shape = match lanes.first() {
        Some(Lane::F32(_)) => "f32x4",
        Some(Lane::F64(_)) => "f64x2",
        Some(lane) => match lane.bits() {
            8 => "i8x16",
            16 => "i16x8",
            32 => "i32x4",
            _ => "i64x2",
        },
        None => "?",
    };
    write!(f, "(v128.const {shape}")?;
    for lane in lanes {
        match lane {
            Lane::Int { bits, value } => {
                let signed = ((*value << (64 - bits)) as i64) >> (64 - bits);
                write!(f, " {signed}")?;
            }
            Lane::F32(Float::Bits(b)) => write!(f, " {}", f32::from_bits(*b))?,
            Lane::F64(Float::Bits(b)) => write!(f, " {}", f64::from_bits(*b))?,
            Lane::F32(nan) => write!(f, " {nan}")?,
            Lane::F64(nan) => write!(f, " {nan}")?,
        }
    }
    f.write_str(")")
}

/// A reply `v128` in the script's notation, as i32x4 and as raw hex.
pub fn describe_token(value: u128) -> String {
    let lanes: Vec<String> = (0..4)
        .map(|i| ((value >> (32 * i)) as u32 as i32).to_string())
        .collect();
    format!("(v128.const i32x4 {} [{value:#034x}])", lanes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_read_from_the_low_end_of_the_number() {
        // i32x4 1 2 3 -1: lane 0 is the lowest 32 bits.
        let token = "v128:ffffffff000000030000000200000001";
        let expected: Vec<Lane> = [1u64, 2, 3, 0xffff_ffff]
            .iter()
            .map(|&value| Lane::Int { bits: 32, value })
            .collect();
        assert!(matches(&expected, token));
        let swapped: Vec<Lane> = expected.iter().rev().cloned().collect();
        assert!(!matches(&swapped, token));
        assert!(!matches(&expected, "i32:1"));
        assert!(!matches(&expected, "v128:1"));
    }

    #[test]
    fn float_lanes_accept_nan_classes_per_lane() {
        // f32x4 [canonical NaN, 1.0, arithmetic NaN, -0.0].
        let token = "v128:80000000ffc000013f8000007fc00000";
        let lanes = vec![
            Lane::F32(Float::CanonicalNan),
            Lane::F32(Float::Bits(0x3f80_0000)),
            Lane::F32(Float::ArithmeticNan),
            Lane::F32(Float::Bits(0x8000_0000)),
        ];
        assert!(matches(&lanes, token));
        // The third lane is arithmetic, not canonical.
        let mut strict = lanes.clone();
        strict[2] = Lane::F32(Float::CanonicalNan);
        assert!(!matches(&strict, token));
    }

    #[test]
    fn either_accepts_any_of_its_v128_alternatives() {
        use crate::expect::{Pattern, matches as pattern_matches};
        let int = |values: [u64; 2]| {
            Pattern::V128(
                values
                    .iter()
                    .map(|&value| Lane::Int { bits: 64, value })
                    .collect(),
            )
        };
        let either = Pattern::Either(vec![int([1, 2]), int([3, 4])]);
        assert!(pattern_matches(
            &either,
            &format!("v128:{:016x}{:016x}", 4, 3)
        ));
        assert!(pattern_matches(
            &either,
            &format!("v128:{:016x}{:016x}", 2, 1)
        ));
        assert!(!pattern_matches(
            &either,
            &format!("v128:{:016x}{:016x}", 1, 2)
        ));
    }

    #[test]
    fn arguments_put_lane_zero_in_the_last_digits() {
        let mut bytes = [0i8; 16];
        bytes[0] = 1;
        bytes[15] = -128;
        let value = V128Const::I8x16(bytes);
        assert_eq!(argument(&value), "v128:80000000000000000000000000000001");
    }
}
