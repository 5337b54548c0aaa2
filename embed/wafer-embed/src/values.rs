//! Rust values in and out of the runtime's value slots, and the check that
//! a Rust signature is the export's Wasm signature.

use crate::sys::RawVal;

/// A Rust type that is a Wasm number type.
pub trait WasmType: Copy {
    /// Its letter in signature strings (`wafer_abi::values`).
    const LETTER: u8;
    fn to_raw(self) -> RawVal;
    fn from_raw(raw: RawVal) -> Self;
}

impl WasmType for i32 {
    const LETTER: u8 = b'i';
    fn to_raw(self) -> RawVal {
        RawVal {
            bits: [self as u32 as u64, 0],
        }
    }
    fn from_raw(raw: RawVal) -> Self {
        raw.bits[0] as u32 as i32
    }
}

impl WasmType for i64 {
    const LETTER: u8 = b'I';
    fn to_raw(self) -> RawVal {
        RawVal {
            bits: [self as u64, 0],
        }
    }
    fn from_raw(raw: RawVal) -> Self {
        raw.bits[0] as i64
    }
}

impl WasmType for f32 {
    const LETTER: u8 = b'f';
    fn to_raw(self) -> RawVal {
        RawVal {
            bits: [self.to_bits() as u64, 0],
        }
    }
    fn from_raw(raw: RawVal) -> Self {
        f32::from_bits(raw.bits[0] as u32)
    }
}

impl WasmType for f64 {
    const LETTER: u8 = b'F';
    fn to_raw(self) -> RawVal {
        RawVal {
            bits: [self.to_bits(), 0],
        }
    }
    fn from_raw(raw: RawVal) -> Self {
        f64::from_bits(raw.bits[0])
    }
}

/// Parameters of a call: `()`, one value, or a tuple of up to six.
pub trait Params {
    /// Whether `letters` (the export's parameter letters) are these types.
    fn matches(letters: &[u8]) -> bool;
    /// Writes the values into the first slots.
    fn store(self, slots: &mut [RawVal]);
}

/// Results of a call: `()`, one value, or a tuple of up to six.
pub trait Results: Sized {
    /// Whether `letters` (the export's result letters) are these types.
    fn matches(letters: &[u8]) -> bool;
    /// Reads the values from the first slots.
    fn load(slots: &[RawVal]) -> Self;
}

impl<T: WasmType> Params for T {
    fn matches(letters: &[u8]) -> bool {
        letters == [T::LETTER]
    }
    fn store(self, slots: &mut [RawVal]) {
        slots[0] = self.to_raw();
    }
}

impl<T: WasmType> Results for T {
    fn matches(letters: &[u8]) -> bool {
        letters == [T::LETTER]
    }
    fn load(slots: &[RawVal]) -> Self {
        T::from_raw(slots[0])
    }
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),*))*) => {$(
        impl<$($t: WasmType),*> Params for ($($t,)*) {
            fn matches(letters: &[u8]) -> bool {
                letters == [$($t::LETTER),*]
            }
            #[allow(unused_variables, reason = "the empty tuple stores nothing")]
            fn store(self, slots: &mut [RawVal]) {
                $(slots[$i] = self.$i.to_raw();)*
            }
        }
        impl<$($t: WasmType),*> Results for ($($t,)*) {
            fn matches(letters: &[u8]) -> bool {
                letters == [$($t::LETTER),*]
            }
            #[allow(unused_variables, clippy::unused_unit, reason = "the empty tuple loads nothing")]
            fn load(slots: &[RawVal]) -> Self {
                ($($t::from_raw(slots[$i]),)*)
            }
        }
    )*};
}

tuples! {
    ()
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
}

/// The most parameters or results a typed call has (six).
pub const MAX_TYPED_VALUES: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_slots_with_the_abi_encoding() {
        assert_eq!((-1i32).to_raw().bits, [0xffff_ffff, 0]);
        assert_eq!(i32::from_raw((-5i32).to_raw()), -5);
        assert_eq!(i64::from_raw(i64::MIN.to_raw()), i64::MIN);
        assert_eq!(1.5f32.to_raw().bits[0], 0x3fc0_0000);
        assert_eq!(f64::from_raw((-0.25f64).to_raw()), -0.25);
    }

    #[test]
    fn signatures_match_only_the_same_letters_in_order() {
        assert!(<(i32, f64) as Params>::matches(b"iF"));
        assert!(!<(i32, f64) as Params>::matches(b"Fi"));
        assert!(!<(i32, f64) as Params>::matches(b"iFi"));
        assert!(<() as Params>::matches(b""));
        assert!(<i64 as Results>::matches(b"I"));
        assert!(!<i64 as Results>::matches(b"i"));
        assert!(<(f32, i32) as Results>::matches(b"fi"));
    }

    #[test]
    fn tuples_store_and_load_in_order() {
        let mut slots = [RawVal::default(); MAX_TYPED_VALUES];
        (7i32, 2.5f64, -3i64).store(&mut slots);
        let back: (i32, f64, i64) = Results::load(&slots);
        assert_eq!(back, (7, 2.5, -3));
    }
}
