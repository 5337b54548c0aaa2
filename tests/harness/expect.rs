//! Expected results of assertions and matching them against serve replies.

use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// What a step expects.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Success; results are not checked (`module`, `register`, actions).
    Success,
    /// Success with these results.
    Values(Vec<Pattern>),
    /// A trap whose message matches.
    Trap(String),
    /// A link error (unknown import, incompatible import type).
    Link(String),
}

/// An expected value.
#[derive(Clone, Debug)]
pub enum Pattern {
    I32(u32),
    I64(u64),
    F32(Float<u32>),
    F64(Float<u64>),
    /// Any null reference.
    Null,
    /// `ref.extern N`, or any non-null externref.
    Extern(Option<u32>),
    /// Any non-null funcref.
    Func,
    Either(Vec<Pattern>),
}

/// An expected float: exact bits or a class of NaNs.
#[derive(Clone, Debug)]
pub enum Float<T> {
    Bits(T),
    CanonicalNan,
    ArithmeticNan,
}

fn float<T: Copy, F>(p: &NanPattern<F>, bits: impl Fn(&F) -> T) -> Float<T> {
    match p {
        NanPattern::CanonicalNan => Float::CanonicalNan,
        NanPattern::ArithmeticNan => Float::ArithmeticNan,
        NanPattern::Value(v) => Float::Bits(bits(v)),
    }
}

/// Converts a script's expected result.
pub fn pattern(ret: &WastRet<'_>) -> Result<Pattern, String> {
    let WastRet::Core(core) = ret else {
        return Err("component values are not supported".into());
    };
    core_pattern(core)
}

fn core_pattern(core: &WastRetCore<'_>) -> Result<Pattern, String> {
    Ok(match core {
        WastRetCore::I32(v) => Pattern::I32(*v as u32),
        WastRetCore::I64(v) => Pattern::I64(*v as u64),
        WastRetCore::F32(p) => Pattern::F32(float(p, |f| f.bits)),
        WastRetCore::F64(p) => Pattern::F64(float(p, |f| f.bits)),
        WastRetCore::RefNull(_) => Pattern::Null,
        WastRetCore::RefExtern(n) => Pattern::Extern(*n),
        WastRetCore::RefFunc(_) => Pattern::Func,
        WastRetCore::Either(options) => {
            Pattern::Either(options.iter().map(core_pattern).collect::<Result<_, _>>()?)
        }
        other => return Err(format!("unsupported expected value {other:?}")),
    })
}

/// Encodes a script argument as a serve-protocol value token.
pub fn argument(arg: &WastArg<'_>) -> Result<String, String> {
    let WastArg::Core(core) = arg else {
        return Err("component values are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => format!("i32:{:x}", *v as u32),
        WastArgCore::I64(v) => format!("i64:{:x}", *v as u64),
        WastArgCore::F32(f) => format!("f32:{:x}", f.bits),
        WastArgCore::F64(f) => format!("f64:{:x}", f.bits),
        WastArgCore::RefNull(wast::core::HeapType::Abstract {
            ty: wast::core::AbstractHeapType::Extern,
            ..
        }) => "externref:null".into(),
        WastArgCore::RefNull(_) => "funcref:null".into(),
        WastArgCore::RefExtern(n) => format!("externref:{n:x}"),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn parse_token(token: &str) -> Option<(&str, Option<u64>)> {
    let (ty, value) = token.split_once(':')?;
    if value == "null" {
        return Some((ty, None));
    }
    Some((ty, Some(u64::from_str_radix(value, 16).ok()?)))
}

/// Matches float `bits` (as u64) with the given sign, exponent and quiet-bit masks.
fn float_matches(expected: &Float<u64>, bits: u64, sign: u64, exponent: u64, quiet: u64) -> bool {
    match expected {
        Float::Bits(b) => *b == bits,
        // Canonical: exponent all ones, only the quiet bit in the payload.
        Float::CanonicalNan => bits & !sign == exponent | quiet,
        // Arithmetic: exponent all ones and the quiet bit set.
        Float::ArithmeticNan => bits & (exponent | quiet) == exponent | quiet,
    }
}

/// Whether the reply token `token` (`i32:2a`, …) matches `pattern`.
pub fn matches(pattern: &Pattern, token: &str) -> bool {
    let Some((ty, value)) = parse_token(token) else {
        return false;
    };
    match pattern {
        Pattern::I32(v) => ty == "i32" && value == Some(*v as u64),
        Pattern::I64(v) => ty == "i64" && value == Some(*v),
        Pattern::F32(f) => {
            let f = match f {
                Float::Bits(b) => Float::Bits(*b as u64),
                Float::CanonicalNan => Float::CanonicalNan,
                Float::ArithmeticNan => Float::ArithmeticNan,
            };
            ty == "f32"
                && value.is_some_and(|b| float_matches(&f, b, 1 << 31, 0x7f80_0000, 0x0040_0000))
        }
        Pattern::F64(f) => {
            ty == "f64"
                && value.is_some_and(|b| {
                    float_matches(f, b, 1 << 63, 0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000)
                })
        }
        Pattern::Null => value.is_none() && (ty == "funcref" || ty == "externref"),
        Pattern::Extern(n) => {
            ty == "externref" && value.is_some() && n.is_none_or(|n| value == Some(n as u64))
        }
        Pattern::Func => ty == "funcref" && value.is_some(),
        Pattern::Either(options) => options.iter().any(|p| matches(p, token)),
    }
}

/// Whether a trap message from wafer satisfies the script's expected text.
pub fn trap_message_matches(expected: &str, actual: &str) -> bool {
    expected.starts_with(actual) || actual.starts_with(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_classes() {
        let canonical = Float::CanonicalNan;
        let arithmetic = Float::ArithmeticNan;
        let (s, e, q) = (1u64 << 31, 0x7f80_0000u64, 0x0040_0000u64);
        assert!(float_matches(&canonical, 0x7fc0_0000, s, e, q));
        assert!(float_matches(&canonical, 0xffc0_0000, s, e, q));
        assert!(!float_matches(&canonical, 0x7fc0_0001, s, e, q));
        assert!(float_matches(&arithmetic, 0x7fc0_0001, s, e, q));
        assert!(!float_matches(&arithmetic, 0x7f80_0001, s, e, q));
        assert!(!float_matches(&arithmetic, 0x7f80_0000, s, e, q));
    }
}
