//! Expected results of assertions and matching them against serve replies.

use std::fmt;

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
    /// A `v128`, lane by lane.
    V128(Vec<crate::v128::Lane>),
}

/// An expected float: exact bits or a class of NaNs.
#[derive(Clone, Debug)]
pub enum Float<T> {
    Bits(T),
    CanonicalNan,
    ArithmeticNan,
}

/// An expected float or NaN class from the script.
pub fn nan_class<T: Copy, F>(p: &NanPattern<F>, bits: impl Fn(&F) -> T) -> Float<T> {
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
        WastRetCore::F32(p) => Pattern::F32(nan_class(p, |f| f.bits)),
        WastRetCore::F64(p) => Pattern::F64(nan_class(p, |f| f.bits)),
        WastRetCore::RefNull(_) => Pattern::Null,
        WastRetCore::RefExtern(n) => Pattern::Extern(*n),
        WastRetCore::RefFunc(_) => Pattern::Func,
        WastRetCore::V128(v) => Pattern::V128(crate::v128::lanes(v)),
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
        WastArgCore::RefNull(wast::core::HeapType::Abstract {
            ty: wast::core::AbstractHeapType::Exn,
            ..
        }) => "exnref:null".into(),
        WastArgCore::RefNull(_) => "funcref:null".into(),
        WastArgCore::RefExtern(n) => format!("externref:{n:x}"),
        WastArgCore::V128(v) => crate::v128::argument(v),
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
pub fn float_matches(
    expected: &Float<u64>,
    bits: u64,
    sign: u64,
    exponent: u64,
    quiet: u64,
) -> bool {
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
    match pattern {
        Pattern::V128(lanes) => return crate::v128::matches(lanes, token),
        Pattern::Either(options) => return options.iter().any(|p| matches(p, token)),
        _ => {}
    }
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
        Pattern::Null => {
            value.is_none() && (ty == "funcref" || ty == "externref" || ty == "exnref")
        }
        Pattern::Extern(n) => {
            ty == "externref" && value.is_some() && n.is_none_or(|n| value == Some(n as u64))
        }
        Pattern::Func => ty == "funcref" && value.is_some(),
        // Handled before the token is parsed as a scalar.
        Pattern::Either(_) | Pattern::V128(_) => false,
    }
}

/// Whether a trap message from wafer satisfies the script's expected text.
///
/// wafer reports the spec's messages exactly; the reference interpreter
/// sometimes appends the element index (`uninitialized element 2`), which
/// wafer does not know, so that form matches too. An empty message never
/// does.
pub fn trap_message_matches(expected: &str, actual: &str) -> bool {
    let index_appended = |rest: &str| {
        rest.strip_prefix(' ')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    !actual.is_empty()
        && (actual.starts_with(expected)
            || expected.strip_prefix(actual).is_some_and(index_appended))
}

/// Whether a link error from wafer (`unknown import: m.f`, `incompatible
/// import type (table limits): m.f`) is the one the script expects.
pub fn link_message_matches(expected: &str, actual: &str) -> bool {
    !expected.is_empty() && actual.starts_with(expected)
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Success => f.write_str("success"),
            Expect::Values(patterns) => {
                f.write_str("results")?;
                for p in patterns {
                    write!(f, " {p}")?;
                }
                Ok(())
            }
            Expect::Trap(message) => write!(f, "trap `{message}`"),
            Expect::Link(message) => write!(f, "link error `{message}`"),
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::I32(v) => write!(f, "(i32.const {})", *v as i32),
            Pattern::I64(v) => write!(f, "(i64.const {})", *v as i64),
            Pattern::F32(Float::Bits(b)) => {
                write!(f, "(f32.const {} [{b:#010x}])", f32::from_bits(*b))
            }
            Pattern::F64(Float::Bits(b)) => {
                write!(f, "(f64.const {} [{b:#018x}])", f64::from_bits(*b))
            }
            Pattern::F32(nan) => write!(f, "(f32.const {nan})"),
            Pattern::F64(nan) => write!(f, "(f64.const {nan})"),
            Pattern::Null => f.write_str("(ref.null)"),
            Pattern::Extern(Some(n)) => write!(f, "(ref.extern {n})"),
            Pattern::Extern(None) => f.write_str("(ref.extern)"),
            Pattern::Func => f.write_str("(ref.func)"),
            Pattern::Either(options) => {
                f.write_str("(either")?;
                for option in options {
                    write!(f, " {option}")?;
                }
                f.write_str(")")
            }
            Pattern::V128(lanes) => crate::v128::describe_lanes(lanes, f),
        }
    }
}

impl<T> fmt::Display for Float<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Float::Bits(_) => f.write_str("<bits>"),
            Float::CanonicalNan => f.write_str("nan:canonical"),
            Float::ArithmeticNan => f.write_str("nan:arithmetic"),
        }
    }
}

/// A reply value token (`i32:29`) in the script's notation, for failure
/// messages: `(i32.const 41)`.
pub fn describe_token(token: &str) -> String {
    if let Some(value) = crate::v128::parse_token(token) {
        return crate::v128::describe_token(value);
    }
    let Some((ty, value)) = parse_token(token) else {
        return format!("`{token}`");
    };
    match (ty, value) {
        ("i32", Some(v)) => format!("(i32.const {})", v as u32 as i32),
        ("i64", Some(v)) => format!("(i64.const {})", v as i64),
        ("f32", Some(v)) => format!("(f32.const {} [{v:#010x}])", f32::from_bits(v as u32)),
        ("f64", Some(v)) => format!("(f64.const {} [{v:#018x}])", f64::from_bits(v)),
        (_, None) => format!("(ref.null {ty})"),
        ("externref", Some(v)) => format!("(ref.extern {v})"),
        _ => format!("`{token}`"),
    }
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

    #[test]
    fn trap_messages_match_exactly_or_with_the_interpreter_s_details() {
        assert!(trap_message_matches("unreachable", "unreachable"));
        assert!(trap_message_matches(
            "uninitialized element 2",
            "uninitialized element"
        ));
        assert!(!trap_message_matches("uninitialized element", ""));
        assert!(!trap_message_matches("integer overflow", "integer"));
        assert!(!trap_message_matches(
            "undefined element",
            "uninitialized element"
        ));
        assert!(link_message_matches(
            "incompatible import type",
            "incompatible import type (table limits): m.t"
        ));
        assert!(!link_message_matches(
            "unknown import",
            "incompatible import type: m.f"
        ));
    }

    #[test]
    fn reply_tokens_match_by_type_and_bits() {
        assert!(matches(&Pattern::I32(-1i32 as u32), "i32:ffffffff"));
        assert!(!matches(&Pattern::I32(1), "i64:1"));
        assert!(matches(&Pattern::I64(1 << 63), "i64:8000000000000000"));
        let minus_zero = Pattern::F32(Float::Bits(0x8000_0000));
        assert!(matches(&minus_zero, "f32:80000000"));
        assert!(!matches(&minus_zero, "f32:0"));
        assert!(matches(
            &Pattern::F64(Float::CanonicalNan),
            "f64:fff8000000000000"
        ));
        assert!(!matches(&Pattern::F64(Float::CanonicalNan), "f32:7fc00000"));
        assert!(matches(&Pattern::Null, "externref:null"));
        assert!(!matches(&Pattern::Null, "funcref:1000"));
        assert!(matches(&Pattern::Extern(Some(3)), "externref:3"));
        assert!(!matches(&Pattern::Extern(Some(3)), "externref:4"));
        assert!(matches(&Pattern::Func, "funcref:401000"));
        let either = Pattern::Either(vec![Pattern::I32(1), Pattern::I32(2)]);
        assert!(matches(&either, "i32:2") && !matches(&either, "i32:3"));
        assert!(!matches(&Pattern::I32(0), "garbage"));
    }

    #[test]
    fn failures_read_like_the_script() {
        assert_eq!(Pattern::I32(-5i32 as u32).to_string(), "(i32.const -5)");
        assert_eq!(describe_token("i32:fffffffb"), "(i32.const -5)");
        assert_eq!(
            describe_token("f32:3e800000"),
            "(f32.const 0.25 [0x3e800000])"
        );
        assert_eq!(describe_token("externref:null"), "(ref.null externref)");
        assert_eq!(
            Pattern::F64(Float::ArithmeticNan).to_string(),
            "(f64.const nan:arithmetic)"
        );
    }
}
