//! Float rounding libcalls Cranelift emits on x86_64 without SSE4.1 (the
//! `baseline` CPU preset): `ceil floor trunc nearbyint` and their `f`
//! variants, with Wasm's exact semantics (round-half-even for nearest, the
//! sign of zero kept, NaN in → quiet NaN out).
//!
//! `fma`/`fmaf` are not provided: no Wasm 2.0 scalar operator lowers to them
//! (relaxed SIMD's `madd` is unfused, docs/simd.md).
//!
//! `__cranelift_x86_pshufb`: without SSSE3 (the `baseline` preset) Cranelift
//! lowers `i8x16.swizzle` and `i8x16.shuffle` to a call of this byte shuffle.

macro_rules! rounding {
    ($float:ty, $bits:ty, $mantissa:expr, $bias:expr, $trunc:ident, $floor:ident, $ceil:ident, $nearest:ident) => {
        /// Rounds toward zero.
        pub fn $trunc(x: $float) -> $float {
            let bits = x.to_bits();
            let exp =
                ((bits >> $mantissa) & ((1 << (<$bits>::BITS - 1 - $mantissa)) - 1)) as i32 - $bias;
            if exp == $bias + 1 {
                return x + x; // infinity stays, NaN becomes quiet
            }
            if exp >= $mantissa {
                return x;
            }
            if exp < 0 {
                return <$float>::from_bits(bits & (1 << (<$bits>::BITS - 1)));
            }
            let fraction: $bits = (1 << ($mantissa - exp)) - 1;
            <$float>::from_bits(bits & !fraction)
        }

        /// Rounds toward negative infinity.
        pub fn $floor(x: $float) -> $float {
            let t = $trunc(x);
            if x < 0.0 && t != x { t - 1.0 } else { t }
        }

        /// Rounds toward positive infinity.
        pub fn $ceil(x: $float) -> $float {
            let t = $trunc(x);
            if x > 0.0 && t != x { t + 1.0 } else { t }
        }

        /// Rounds to the nearest integer, ties to even.
        pub fn $nearest(x: $float) -> $float {
            let t = $trunc(x);
            if t.is_nan() || t.is_infinite() || t == x {
                return t;
            }
            // |x| < 2^mantissa here, so `x - t` is exact and `t` fits an i64.
            let diff = x - t;
            let one: $float = if x < 0.0 { -1.0 } else { 1.0 };
            let half = diff.abs();
            if half > 0.5 || (half == 0.5 && (t as i64) & 1 == 1) {
                t + one
            } else {
                t
            }
        }
    };
}

rounding!(f64, u64, 52, 1023, trunc64, floor64, ceil64, nearest64);
rounding!(f32, u32, 23, 127, trunc32, floor32, ceil32, nearest32);

/// SSSE3 `pshufb`: byte `i` of the result is `table[indices[i] & 15]`, or 0
/// when bit 7 of `indices[i]` is set.
pub fn byte_shuffle(table: [u8; 16], indices: [u8; 16]) -> [u8; 16] {
    indices.map(|i| {
        if i & 0x80 != 0 {
            0
        } else {
            table[(i & 15) as usize]
        }
    })
}

#[cfg(not(test))]
mod symbols {
    use super::*;

    #[unsafe(no_mangle)]
    pub extern "C" fn ceil(x: f64) -> f64 {
        ceil64(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn ceilf(x: f32) -> f32 {
        ceil32(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn floor(x: f64) -> f64 {
        floor64(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn floorf(x: f32) -> f32 {
        floor32(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn trunc(x: f64) -> f64 {
        trunc64(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn truncf(x: f32) -> f32 {
        trunc32(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn nearbyint(x: f64) -> f64 {
        nearest64(x)
    }
    #[unsafe(no_mangle)]
    pub extern "C" fn nearbyintf(x: f32) -> f32 {
        nearest32(x)
    }

    /// Cranelift's `X86Pshufb` libcall: vectors in and out in xmm registers.
    #[cfg(target_arch = "x86_64")]
    #[unsafe(no_mangle)]
    #[allow(
        improper_ctypes_definitions,
        reason = "Cranelift passes and returns the I8X16 values in xmm0/xmm1, as the System V ABI does for __m128i"
    )]
    pub extern "C" fn __cranelift_x86_pshufb(
        table: core::arch::x86_64::__m128i,
        indices: core::arch::x86_64::__m128i,
    ) -> core::arch::x86_64::__m128i {
        // SAFETY: `__m128i` and `[u8; 16]` are both 16 plain bytes.
        let (table, indices): ([u8; 16], [u8; 16]) = unsafe {
            (
                core::mem::transmute::<core::arch::x86_64::__m128i, [u8; 16]>(table),
                core::mem::transmute::<core::arch::x86_64::__m128i, [u8; 16]>(indices),
            )
        };
        // SAFETY: as above.
        unsafe {
            core::mem::transmute::<[u8; 16], core::arch::x86_64::__m128i>(byte_shuffle(
                table, indices,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[f64] = &[
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.49999999999999994,
        1e300,
        -1e-300,
        4503599627370495.5,
        -4503599627370497.0,
        3.7,
        -3.7,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];

    #[test]
    fn byte_shuffle_picks_low_four_index_bits_and_zeroes_on_bit_seven() {
        let table: [u8; 16] = core::array::from_fn(|i| 100 + i as u8);
        let mut indices = [0u8; 16];
        indices[0] = 15;
        indices[1] = 0x80;
        indices[2] = 0x13; // bits 4-6 are ignored: lane 3
        indices[3] = 0xff;
        let r = byte_shuffle(table, indices);
        assert_eq!(&r[..4], &[115, 0, 103, 0]);
        assert_eq!(r[4], 100);
    }

    #[test]
    fn f64_rounding_matches_std() {
        for &x in SAMPLES {
            assert_eq!(trunc64(x).to_bits(), x.trunc().to_bits(), "trunc {x}");
            assert_eq!(floor64(x).to_bits(), x.floor().to_bits(), "floor {x}");
            assert_eq!(ceil64(x).to_bits(), x.ceil().to_bits(), "ceil {x}");
            assert_eq!(
                nearest64(x).to_bits(),
                x.round_ties_even().to_bits(),
                "nearest {x}"
            );
        }
        assert!(nearest64(f64::NAN).is_nan());
    }

    #[test]
    fn f32_rounding_matches_std() {
        for &x in SAMPLES {
            let x = x as f32;
            assert_eq!(trunc32(x).to_bits(), x.trunc().to_bits(), "trunc {x}");
            assert_eq!(floor32(x).to_bits(), x.floor().to_bits(), "floor {x}");
            assert_eq!(ceil32(x).to_bits(), x.ceil().to_bits(), "ceil {x}");
            assert_eq!(
                nearest32(x).to_bits(),
                x.round_ties_even().to_bits(),
                "nearest {x}"
            );
        }
    }
}
