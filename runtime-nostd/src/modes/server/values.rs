//! Argument values of `call`, in the syntax of `wafer run --invoke`
//! (`compiler/src/value.rs`): integers in decimal or `0x` hex, signed or
//! unsigned, `_` between digits; floats in decimal, `inf`, `nan`, and
//! `nan:0x…` for a NaN with a chosen payload (the text format's syntax);
//! a `v128` is `0x` and up to 32 hex digits, lane 0 in the last ones.

use wafer_abi::values::{ValRaw, ValType};

/// `text` as a value of type `ty`; `None` if it is not one.
pub fn parse(text: &[u8], ty: ValType) -> Option<ValRaw> {
    let text = core::str::from_utf8(text).ok()?;
    if ty == ValType::V128 {
        return parse_v128(text);
    }
    let bits = match ty {
        ValType::I32 => parse_int(text, 32)?,
        ValType::I64 => parse_int(text, 64)?,
        ValType::F32 => parse_f32(text)? as u64,
        ValType::F64 => parse_f64(text)?,
        ValType::FuncRef | ValType::ExternRef if text == "null" => 0,
        // The serving protocol's externref word is N + 1 (null is 0).
        ValType::ExternRef => parse_int(text, 64)?.checked_add(1)?,
        ValType::ExnRef if text == "null" => 0,
        ValType::FuncRef | ValType::ExnRef | ValType::V128 => return None,
    };
    Some(ValRaw::from_u64(bits))
}

/// `0x` and 1 to 32 hex digits (`_` between them allowed).
fn parse_v128(text: &str) -> Option<ValRaw> {
    let digits = text.strip_prefix("0x")?;
    let mut value: u128 = 0;
    let mut count = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        value = (value << 4) | c.to_digit(16)? as u128;
        count += 1;
        if count > 32 {
            return None;
        }
    }
    (count > 0).then_some(ValRaw {
        bits: [value as u64, (value >> 64) as u64],
    })
}

fn parse_int(text: &str, bits: u32) -> Option<u64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = parse_magnitude(digits)?;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    if negative {
        (magnitude <= 1u64 << (bits - 1)).then(|| magnitude.wrapping_neg() & mask)
    } else {
        (magnitude <= mask).then_some(magnitude)
    }
}

/// Unsigned decimal or `0x` hex, with `_` allowed between digits.
fn parse_magnitude(digits: &str) -> Option<u64> {
    let (radix, digits) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, digits),
    };
    let mut value: u64 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix)? as u64;
        value = value.checked_mul(radix as u64)?.checked_add(d)?;
        any = true;
    }
    any.then_some(value)
}

/// The sign and the rest of a float's text.
fn sign(text: &str) -> (bool, &str) {
    match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    }
}

fn parse_f32(text: &str) -> Option<u32> {
    let (negative, body) = sign(text);
    let sign_bit = if negative { 1 << 31 } else { 0 };
    if let Some(payload) = body.strip_prefix("nan:") {
        let payload = parse_magnitude(payload)?;
        let valid = payload != 0 && payload < 1 << 23;
        return valid.then_some(sign_bit | 0x7f80_0000 | payload as u32);
    }
    let magnitude = match body {
        "nan" => f32::NAN,
        "inf" => f32::INFINITY,
        _ if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') => body.parse().ok()?,
        _ => return None,
    };
    Some(sign_bit | magnitude.to_bits())
}

fn parse_f64(text: &str) -> Option<u64> {
    let (negative, body) = sign(text);
    let sign_bit = if negative { 1 << 63 } else { 0 };
    if let Some(payload) = body.strip_prefix("nan:") {
        let payload = parse_magnitude(payload)?;
        let valid = payload != 0 && payload < 1 << 52;
        return valid.then_some(sign_bit | 0x7ff0_0000_0000_0000 | payload);
    }
    let magnitude = match body {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        _ if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') => body.parse().ok()?,
        _ => return None,
    };
    Some(sign_bit | magnitude.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(text: &str, ty: ValType) -> Option<u64> {
        parse(text.as_bytes(), ty).map(ValRaw::low)
    }

    #[test]
    fn integers_take_signed_unsigned_and_hex_spellings_within_range() {
        assert_eq!(bits("-1", ValType::I32), Some(0xffff_ffff));
        assert_eq!(bits("4294967295", ValType::I32), Some(0xffff_ffff));
        assert_eq!(bits("-2147483648", ValType::I32), Some(0x8000_0000));
        assert_eq!(bits("0x1_0000", ValType::I64), Some(0x1_0000));
        assert_eq!(bits("4294967296", ValType::I32), None);
        assert_eq!(bits("-2147483649", ValType::I32), None);
        assert_eq!(bits("18446744073709551616", ValType::I64), None);
        for bad in ["", "-", "0x", "12a", "1.5", "_"] {
            assert_eq!(bits(bad, ValType::I32), None, "{bad:?}");
        }
    }

    #[test]
    fn floats_take_decimals_infinities_and_nan_payloads() {
        assert_eq!(bits("0.25", ValType::F32), Some(0x3e80_0000));
        assert_eq!(bits("-0", ValType::F64), Some(1 << 63));
        assert_eq!(bits("-inf", ValType::F32), Some(0xff80_0000));
        assert_eq!(bits("nan:0x1", ValType::F32), Some(0x7f80_0001));
        assert_eq!(bits("-nan:0x8", ValType::F64), Some(0xfff0_0000_0000_0008));
        let nan = f64::from_bits(bits("nan", ValType::F64).unwrap());
        assert!(nan.is_nan());
        // A zero payload is infinity, not a NaN; too wide a payload is not
        // a payload.
        assert_eq!(bits("nan:0x0", ValType::F32), None);
        assert_eq!(bits("nan:0x800000", ValType::F32), None);
        // Rust's own spellings that are not the --invoke syntax.
        assert_eq!(bits("infinity", ValType::F64), None);
        assert_eq!(bits("NaN", ValType::F64), None);
    }

    #[test]
    fn v128_is_one_hex_number_with_lane_zero_lowest() {
        let raw = parse(b"0x00000004000000030000000200000001", ValType::V128).unwrap();
        assert_eq!(raw.bits, [0x0000_0002_0000_0001, 0x0000_0004_0000_0003]);
        assert_eq!(parse(b"0x1", ValType::V128).map(|r| r.bits), Some([1, 0]));
        let too_long = b"0x100000000000000000000000000000000";
        for bad in [&b"1"[..], b"0x", b"0xg", too_long] {
            assert!(parse(bad, ValType::V128).is_none());
        }
    }

    #[test]
    fn references_take_null_or_an_extern_number() {
        assert_eq!(bits("null", ValType::FuncRef), Some(0));
        assert_eq!(bits("null", ValType::ExternRef), Some(0));
        assert_eq!(bits("7", ValType::ExternRef), Some(8));
        assert_eq!(bits("7", ValType::FuncRef), None);
    }
}
