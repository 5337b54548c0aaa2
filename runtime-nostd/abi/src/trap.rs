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

    /// Decodes a stored code; `None` for anything unknown.
    pub fn from_u32(code: u32) -> Option<TrapCode> {
        TrapCode::ALL.iter().copied().find(|c| c.as_u32() == code)
    }

    /// The message the WebAssembly spec test suite uses for this trap.
    pub const fn message(self) -> &'static str {
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
