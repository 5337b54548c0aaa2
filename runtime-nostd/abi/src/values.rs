//! Value types, signature strings and the array-call value slot.
//!
//! # Signature strings
//! A function type is written as its parameter letters, `>`, its result
//! letters: `(i32, i64) -> f32` is `"iI>f"`, `() -> ()` is `">"`. The letters
//! are [`ValType::letter`]. The runtime's linker compares these strings to
//! type-check imports; the compiler emits one per import and export.
//!
//! # Reference values
//! A `funcref` is a `*const VMFuncRef` (null = 0). An `externref` is an opaque
//! non-zero word chosen by the host (null = 0); the serving protocol maps the
//! spec's `ref.extern N` to the word `N + 1`.

/// A WebAssembly value type.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    I32 = 0,
    I64 = 1,
    F32 = 2,
    F64 = 3,
    V128 = 4,
    FuncRef = 5,
    ExternRef = 6,
    /// An exception reference (exception handling): a pointer to the
    /// runtime's exception object, null = 0.
    ExnRef = 7,
}

impl ValType {
    /// The letter used in signature strings and the serving protocol.
    pub const fn letter(self) -> u8 {
        match self {
            ValType::I32 => b'i',
            ValType::I64 => b'I',
            ValType::F32 => b'f',
            ValType::F64 => b'F',
            ValType::V128 => b'v',
            ValType::FuncRef => b'r',
            ValType::ExternRef => b'x',
            ValType::ExnRef => b'e',
        }
    }

    /// Inverse of [`ValType::letter`].
    pub const fn from_letter(letter: u8) -> Option<ValType> {
        Some(match letter {
            b'i' => ValType::I32,
            b'I' => ValType::I64,
            b'f' => ValType::F32,
            b'F' => ValType::F64,
            b'v' => ValType::V128,
            b'r' => ValType::FuncRef,
            b'x' => ValType::ExternRef,
            b'e' => ValType::ExnRef,
            _ => return None,
        })
    }

    /// The spec's name of the type.
    pub const fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::ExnRef => "exnref",
        }
    }
}

/// One argument or result slot of an array call (see
/// [`crate::descriptor::ExportDesc::trampoline`]).
///
/// Values are stored little-endian from byte 0: an `i32`/`f32` in the low 4
/// bytes, an `i64`/`f64`/reference in the low 8. 16 bytes so that `v128`
/// fits when SIMD lands.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValRaw {
    pub bits: [u64; 2],
}

impl ValRaw {
    /// Size in bytes of one slot.
    pub const SIZE: usize = 16;

    /// A slot holding the given low 64 bits.
    pub const fn from_u64(bits: u64) -> ValRaw {
        ValRaw { bits: [bits, 0] }
    }

    /// The low 64 bits.
    pub const fn low(self) -> u64 {
        self.bits[0]
    }
}

/// Splits a signature string into its parameter and result letters.
/// Returns `None` when there is no `>`.
pub fn split_signature(sig: &[u8]) -> Option<(&[u8], &[u8])> {
    let arrow = sig.iter().position(|&b| b == b'>')?;
    Some((&sig[..arrow], &sig[arrow + 1..]))
}
