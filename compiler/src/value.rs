//! Typed WebAssembly values on the host side: parsing `--invoke` arguments
//! and encoding them into array-call slots.

use anyhow::{Result, bail};
use wafer_abi::values::{ValRaw, ValType};

/// A WebAssembly value. Floats are kept as bits so NaN payloads survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    /// `None` is `ref.null func`; `Some` is an opaque non-null reference.
    FuncRef(Option<u64>),
    /// `None` is `ref.null extern`; `Some(n)` is the spec's `ref.extern n`.
    ExternRef(Option<u64>),
    /// The 128 bits as one little-endian number (lane 0 in the low bits).
    V128(u128),
}

impl Value {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
            Value::F32(_) => ValType::F32,
            Value::F64(_) => ValType::F64,
            Value::FuncRef(_) => ValType::FuncRef,
            Value::ExternRef(_) => ValType::ExternRef,
            Value::V128(_) => ValType::V128,
        }
    }

    /// Parses a command-line argument as a value of type `ty`: decimal
    /// integers (negative too, or hex with `0x`), decimal floats or
    /// `inf`/`-inf`/`nan`, `null` for references, and for a `v128` `0x`
    /// with up to 32 hex digits (lane 0 in the last digits, as results
    /// print).
    ///
    /// # Errors
    /// Text that is not a value of that type.
    pub fn parse(text: &str, ty: ValType) -> Result<Value> {
        let bad = || anyhow::anyhow!("`{text}` is not a valid {} argument", ty.name());
        Ok(match ty {
            ValType::I32 => Value::I32(parse_int(text, 32).ok_or_else(bad)? as i32),
            ValType::I64 => Value::I64(parse_int(text, 64).ok_or_else(bad)? as i64),
            ValType::F32 => Value::F32(
                parse_float(text)
                    .ok_or_else(bad)
                    .map(|f| (f as f32).to_bits())?,
            ),
            ValType::F64 => Value::F64(parse_float(text).ok_or_else(bad)?.to_bits()),
            ValType::FuncRef | ValType::ExternRef if text == "null" => {
                if ty == ValType::FuncRef {
                    Value::FuncRef(None)
                } else {
                    Value::ExternRef(None)
                }
            }
            ValType::ExternRef => Value::ExternRef(Some(parse_int(text, 64).ok_or_else(bad)?)),
            ValType::V128 => Value::V128(parse_v128(text).ok_or_else(bad)?),
            ValType::FuncRef | ValType::ExnRef => {
                bail!(
                    "arguments of type {} cannot be given on the command line",
                    ty.name()
                )
            }
        })
    }

    /// The value in an array-call slot, as the runtime expects it.
    pub fn to_raw(&self) -> ValRaw {
        let low = match *self {
            Value::I32(v) => v as u32 as u64,
            Value::I64(v) => v as u64,
            Value::F32(bits) => bits as u64,
            Value::F64(bits) => bits,
            Value::FuncRef(r) => r.unwrap_or(0),
            Value::ExternRef(r) => r.map_or(0, |n| n + 1),
            Value::V128(bits) => {
                return ValRaw {
                    bits: [bits as u64, (bits >> 64) as u64],
                };
            }
        };
        ValRaw::from_u64(low)
    }
}

/// Parses a signed or unsigned integer that fits in `bits` bits (both
/// `-1` and `4294967295` are valid i32 text), returned as raw bits.
fn parse_int(text: &str, bits: u32) -> Option<u64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.replace('_', "");
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u64>().ok()?,
    };
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    if negative {
        let limit = 1u64 << (bits - 1);
        if magnitude > limit {
            return None;
        }
        Some(magnitude.wrapping_neg() & mask)
    } else {
        (magnitude <= mask).then_some(magnitude)
    }
}

/// `0x` and 1 to 32 hex digits (`_` between them allowed).
fn parse_v128(text: &str) -> Option<u128> {
    let hex = text.strip_prefix("0x")?.replace('_', "");
    if hex.is_empty() || hex.len() > 32 {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        "nan" | "+nan" => Some(f64::NAN),
        "-nan" => Some(-f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => text.parse::<f64>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_signed_and_unsigned_spellings() {
        assert_eq!(Value::parse("-5", ValType::I32).unwrap(), Value::I32(-5));
        assert_eq!(
            Value::parse("4294967295", ValType::I32).unwrap(),
            Value::I32(-1)
        );
        assert_eq!(Value::parse("0x10", ValType::I64).unwrap(), Value::I64(16));
        assert!(Value::parse("4294967296", ValType::I32).is_err());
        assert!(Value::parse("-2147483649", ValType::I32).is_err());
        // A v128 is one hex number, lane 0 in its low bits.
        let v = Value::parse("0x0000000400000003_0000000200000001", ValType::V128).unwrap();
        assert_eq!(
            v.to_raw().bits,
            [0x0000_0002_0000_0001, 0x0000_0004_0000_0003]
        );
        assert_eq!(Value::parse("0x1", ValType::V128).unwrap(), Value::V128(1));
        for bad in ["1", "0x", "-0x1", &format!("0x1{}", "0".repeat(32))] {
            assert!(Value::parse(bad, ValType::V128).is_err(), "{bad}");
        }
        assert!(Value::parse("abc", ValType::I32).is_err());
    }

    #[test]
    fn floats_accept_specials() {
        assert_eq!(
            Value::parse("0.25", ValType::F32).unwrap(),
            Value::F32(0.25f32.to_bits())
        );
        assert_eq!(
            Value::parse("-inf", ValType::F64).unwrap(),
            Value::F64(f64::NEG_INFINITY.to_bits())
        );
        let Value::F64(bits) = Value::parse("nan", ValType::F64).unwrap() else {
            panic!()
        };
        assert!(f64::from_bits(bits).is_nan());
    }
}
