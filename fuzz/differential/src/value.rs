//! Values as both engines see them, in the serve protocol's spelling.

use std::fmt;

use anyhow::{Context, Result, bail};
use wafer_abi::serve::parse_hex_u64;

/// A Wasm value. Floats are kept as bits so NaN payloads survive; function
/// references only as "null or not", since a wafer funcref is a native
/// address and a wasmi one a handle: neither means anything to the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    FuncRef {
        null: bool,
    },
    /// The spec's `ref.extern N`; `None` is `ref.null extern`.
    ExternRef(Option<u32>),
}

/// The value types wasm-smith generates with the configuration of
/// [`crate::generate`] (Wasm 2.0 without SIMD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    FuncRef,
    ExternRef,
}

impl Value {
    /// Whether two results agree: bit-equal, except that any NaN matches
    /// any NaN (the spec lets engines pick NaN payloads; wasm-smith's
    /// `canonicalize_nans` removes most of that freedom, not all of it —
    /// `f32.reinterpret_i32` of a NaN pattern keeps its payload, which is
    /// deterministic, but a canonicalising engine would still be right).
    pub fn agrees_with(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            _ => self == other,
        }
    }

    /// The serve protocol's token for an argument (`i32:2a`, `funcref:null`).
    /// A non-null funcref cannot be passed (there is no address to give).
    pub fn token(&self) -> String {
        match self {
            Value::I32(v) | Value::F32(v) => format!("{}:{v:x}", self.type_name()),
            Value::I64(v) | Value::F64(v) => format!("{}:{v:x}", self.type_name()),
            Value::FuncRef { .. } => "funcref:null".into(),
            Value::ExternRef(None) => "externref:null".into(),
            Value::ExternRef(Some(n)) => format!("externref:{n:x}"),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::FuncRef { .. } => "funcref",
            Value::ExternRef(_) => "externref",
        }
    }

    /// Parses a value token of a serve reply.
    pub fn parse(token: &str) -> Result<Value> {
        let (ty, bits) = token
            .split_once(':')
            .with_context(|| format!("value `{token}` has no type"))?;
        let number = || {
            parse_hex_u64(bits.as_bytes()).with_context(|| format!("bad value bits in `{token}`"))
        };
        Ok(match ty {
            "i32" => Value::I32(number()? as u32),
            "i64" => Value::I64(number()?),
            "f32" => Value::F32(number()? as u32),
            "f64" => Value::F64(number()?),
            "funcref" => Value::FuncRef {
                null: bits == "null",
            },
            "externref" if bits == "null" => Value::ExternRef(None),
            "externref" => Value::ExternRef(Some(
                u32::try_from(number()?).context("externref payload beyond u32")?,
            )),
            _ => bail!("unknown value type in `{token}`"),
        })
    }

    /// The zero value of a type (`ref.null` for references).
    pub fn zero(ty: ValType) -> Value {
        match ty {
            ValType::I32 => Value::I32(0),
            ValType::I64 => Value::I64(0),
            ValType::F32 => Value::F32(0),
            ValType::F64 => Value::F64(0),
            ValType::FuncRef => Value::FuncRef { null: true },
            ValType::ExternRef => Value::ExternRef(None),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::FuncRef { null: false } => f.write_str("funcref:non-null"),
            _ => f.write_str(&self.token()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_the_serve_spelling() {
        for v in [
            Value::I32(0xdead_beef),
            Value::I64(u64::MAX),
            Value::F32(0x7fc0_0000),
            Value::F64(0x8000_0000_0000_0000),
            Value::FuncRef { null: true },
            Value::ExternRef(None),
            Value::ExternRef(Some(7)),
        ] {
            assert_eq!(Value::parse(&v.token()).unwrap(), v, "{v}");
        }
        assert_eq!(
            Value::parse("funcref:55d0a8").unwrap(),
            Value::FuncRef { null: false }
        );
        assert!(Value::parse("v128:0").is_err());
        assert!(Value::parse("i32").is_err());
    }

    #[test]
    fn any_nan_agrees_with_any_nan_but_not_with_a_number() {
        let quiet = Value::F32(0x7fc0_0000);
        let payload = Value::F32(0xffc0_0001);
        assert!(quiet.agrees_with(&payload));
        assert!(!quiet.agrees_with(&Value::F32(0x3f80_0000)));
        assert!(Value::F64(0x7ff8_0000_0000_0000).agrees_with(&Value::F64(0x7ff0_0000_0000_0001)));
        // Infinity is not a NaN.
        assert!(!Value::F64(0x7ff0_0000_0000_0000).agrees_with(&Value::F64(0x7ff8_0000_0000_0000)));
        assert!(
            !Value::F32(0).agrees_with(&Value::F32(0x8000_0000)),
            "+0 vs -0"
        );
        assert!(!Value::I32(1).agrees_with(&Value::I64(1)));
    }
}
