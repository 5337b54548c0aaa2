//! Trap codes shared by the compiler's trap tables and the runtime's reports.
//!
//! Compiled code raises a trap by executing a trap instruction (or a
//! faulting `idiv` on x86_64) at a PC listed in its function's trap-site table
//! ([`crate::descriptor::TrapSite`]); the runtime builtins raise them directly.
//! Either way the runtime reports a [`TrapCode`] plus the Wasm location.

/// Why a WebAssembly computation stopped. Stored as a `u32` in trap tables.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapCode {
    /// The `unreachable` instruction was executed.
    Unreachable = 1,
    /// A load, store or bulk memory operation left linear memory.
    MemoryOutOfBounds = 2,
    /// `table.get/set/fill/copy/init` left a table.
    TableOutOfBounds = 3,
    /// `call_indirect` index beyond the table's length.
    UndefinedElement = 4,
    /// `call_indirect` through a null entry.
    UninitializedElement = 5,
    /// `call_indirect` through an entry of another function type.
    IndirectCallTypeMismatch = 6,
    /// Signed division overflow or float-to-int out of range.
    IntegerOverflow = 7,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 8,
    /// Float-to-int conversion of NaN.
    InvalidConversionToInteger = 9,
    /// The wasm stack budget ran out (deep or infinite recursion).
    CallStackExhausted = 10,
    /// A null reference was dereferenced (reserved for typed references).
    NullReference = 11,
    /// The call used up its `--fuel` (see [`crate::budget`]).
    FuelExhausted = 12,
    /// The call ran past its `--timeout-ms` (see [`crate::budget`]).
    DeadlineExceeded = 13,
    /// The module called AssemblyScript's `env.abort` (runtime-nostd's
    /// `host::abort`).
    Abort = 14,
    /// An atomic access whose effective address is not a multiple of its
    /// size (threads proposal).
    UnalignedAtomic = 15,
    /// `memory.atomic.wait32/64` on a memory not declared `shared`. Codes
    /// from 16 on do not fit a trap site (`TrapSite::CODE_BITS`): only the
    /// runtime raises them.
    ExpectedSharedMemory = 16,
    /// `memory.atomic.wait32/64` without a timeout where no other thread
    /// exists that could ever notify: it would never return.
    WaitDeadlock = 17,
    /// A Wasm exception (exception handling) left the export or `_start`
    /// that was called: no `try_table` caught it.
    UncaughtException = 18,
}

impl TrapCode {
    /// Every code, for tables and tests.
    pub const ALL: [TrapCode; 18] = [
        TrapCode::Unreachable,
        TrapCode::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds,
        TrapCode::UndefinedElement,
        TrapCode::UninitializedElement,
        TrapCode::IndirectCallTypeMismatch,
        TrapCode::IntegerOverflow,
        TrapCode::IntegerDivideByZero,
        TrapCode::InvalidConversionToInteger,
        TrapCode::CallStackExhausted,
        TrapCode::NullReference,
        TrapCode::FuelExhausted,
        TrapCode::DeadlineExceeded,
        TrapCode::Abort,
        TrapCode::UnalignedAtomic,
        TrapCode::ExpectedSharedMemory,
        TrapCode::WaitDeadlock,
        TrapCode::UncaughtException,
    ];

    /// The numeric code stored in tables.
    pub const fn as_u32(self) -> u32 {
        self as u32
    }

    /// Decodes a stored code; `None` for anything unknown. A `match`
    /// rather than a search of [`TrapCode::ALL`]: it compiles to a range
    /// check, where the search kept `ALL` (72 bytes) in every image.
    pub fn from_u32(code: u32) -> Option<TrapCode> {
        Some(match code {
            1 => TrapCode::Unreachable,
            2 => TrapCode::MemoryOutOfBounds,
            3 => TrapCode::TableOutOfBounds,
            4 => TrapCode::UndefinedElement,
            5 => TrapCode::UninitializedElement,
            6 => TrapCode::IndirectCallTypeMismatch,
            7 => TrapCode::IntegerOverflow,
            8 => TrapCode::IntegerDivideByZero,
            9 => TrapCode::InvalidConversionToInteger,
            10 => TrapCode::CallStackExhausted,
            11 => TrapCode::NullReference,
            12 => TrapCode::FuelExhausted,
            13 => TrapCode::DeadlineExceeded,
            14 => TrapCode::Abort,
            15 => TrapCode::UnalignedAtomic,
            16 => TrapCode::ExpectedSharedMemory,
            17 => TrapCode::WaitDeadlock,
            18 => TrapCode::UncaughtException,
            _ => return None,
        })
    }

    /// The message the WebAssembly spec test suite uses for this trap.
    ///
    /// Read from one packed byte string ([`MESSAGE_BYTES`]): a table of
    /// `&str` costs 16 bytes of pointer and length per code in every image,
    /// a length byte per code here (firmware counts flash bytes).
    pub fn message(self) -> &'static str {
        let index = self as usize - 1;
        let start: usize = MESSAGE_LENGTHS
            .iter()
            .take(index)
            .map(|&len| len as usize)
            .sum();
        let len = MESSAGE_LENGTHS.get(index).map_or(0, |&len| len as usize);
        let bytes = MESSAGE_BYTES.get(start..start + len).unwrap_or(&[]);
        // SAFETY: MESSAGE_BYTES is the messages' UTF-8 laid end to end and
        // `start..start + len` is exactly one of them.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }

    /// The messages as written, for [`MESSAGE_BYTES`] (evaluated at compile
    /// time only).
    const fn spec_message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::CallStackExhausted => "call stack exhausted",
            TrapCode::NullReference => "null reference",
            TrapCode::FuelExhausted => "fuel exhausted",
            TrapCode::DeadlineExceeded => "deadline exceeded",
            TrapCode::Abort => "abort",
            TrapCode::UnalignedAtomic => "unaligned atomic",
            TrapCode::ExpectedSharedMemory => "expected shared memory",
            TrapCode::WaitDeadlock => "wait would deadlock: no other thread can notify",
            TrapCode::UncaughtException => "uncaught exception",
        }
    }
}

/// Each code's message length, in code order ([`TrapCode::ALL`]; code 1
/// first).
const MESSAGE_LENGTHS: [u8; TrapCode::ALL.len()] = {
    let mut lengths = [0u8; TrapCode::ALL.len()];
    let mut i = 0;
    while i < lengths.len() {
        let len = TrapCode::ALL[i].spec_message().len();
        assert!(len <= u8::MAX as usize, "a trap message fits a length byte");
        lengths[i] = len as u8;
        i += 1;
    }
    lengths
};

/// Every message's bytes, laid end to end in code order.
const MESSAGE_BYTES: [u8; MESSAGE_TOTAL] = {
    let mut bytes = [0u8; MESSAGE_TOTAL];
    let mut at = 0;
    let mut i = 0;
    while i < TrapCode::ALL.len() {
        let message = TrapCode::ALL[i].spec_message().as_bytes();
        let mut j = 0;
        while j < message.len() {
            bytes[at] = message[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    bytes
};

const MESSAGE_TOTAL: usize = {
    let mut total = 0;
    let mut i = 0;
    while i < TrapCode::ALL.len() {
        total += TrapCode::ALL[i].spec_message().len();
        i += 1;
    }
    total
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_its_own_message_from_the_packed_bytes() {
        for (i, code) in TrapCode::ALL.iter().enumerate() {
            // The packing relies on ALL being in code order from 1.
            assert_eq!(code.as_u32() as usize, i + 1, "{code:?}");
            assert_eq!(code.message(), code.spec_message(), "{code:?}");
        }
        assert_eq!(
            TrapCode::MemoryOutOfBounds.message(),
            "out of bounds memory access"
        );
        assert_eq!(
            TrapCode::WaitDeadlock.message(),
            "wait would deadlock: no other thread can notify"
        );
    }

    #[test]
    fn every_code_decodes_to_itself_and_nothing_else_decodes() {
        for code in TrapCode::ALL {
            assert_eq!(TrapCode::from_u32(code.as_u32()), Some(code));
        }
        for unknown in [0, 19, 20, 0xff, u32::MAX] {
            assert_eq!(TrapCode::from_u32(unknown), None, "{unknown}");
        }
    }
}
