//! What running a test case produced, in a form both engines can fill in.

use std::fmt;

use crate::value::Value;

/// A trap, by kind. Both engines' traps are mapped onto these so that
/// "trapped" is never enough: the kind must agree too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trap {
    Unreachable,
    MemoryOutOfBounds,
    /// An index past a table's end: `call_indirect` (the spec says
    /// "undefined element") or a table instruction ("out of bounds table
    /// access"). wasmi reports both as one code, so they are one kind here.
    TableOutOfBounds,
    UninitializedElement,
    IndirectCallTypeMismatch,
    IntegerOverflow,
    IntegerDivideByZero,
    InvalidConversionToInteger,
    /// Depth limits legitimately differ between engines: a call that
    /// exhausts the stack on either side is inconclusive (see
    /// [`crate::compare`]).
    CallStackExhausted,
    /// Anything else, with the engine's words (always a mismatch).
    Other(String),
}

impl Trap {
    /// Maps a spec trap message (wafer's `trap <code> <message>` replies use
    /// the spec's wording) to its kind.
    pub fn from_spec_message(message: &str) -> Trap {
        match message {
            "unreachable" => Trap::Unreachable,
            "out of bounds memory access" => Trap::MemoryOutOfBounds,
            "undefined element" | "out of bounds table access" => Trap::TableOutOfBounds,
            "uninitialized element" => Trap::UninitializedElement,
            "indirect call type mismatch" => Trap::IndirectCallTypeMismatch,
            "integer overflow" => Trap::IntegerOverflow,
            "integer divide by zero" => Trap::IntegerDivideByZero,
            "invalid conversion to integer" => Trap::InvalidConversionToInteger,
            "call stack exhausted" => Trap::CallStackExhausted,
            other => Trap::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Trap::Unreachable => "unreachable",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "undefined element / out of bounds table access",
            Trap::UninitializedElement => "uninitialized element",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivideByZero => "integer divide by zero",
            Trap::InvalidConversionToInteger => "invalid conversion to integer",
            Trap::CallStackExhausted => "call stack exhausted",
            Trap::Other(message) => message,
        };
        write!(f, "trap `{text}`")
    }
}

/// How one instantiation or call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Returned(Vec<Value>),
    Trapped(Trap),
}

impl Outcome {
    /// Whether the stack ran out: the outcome says nothing about wafer's
    /// correctness, and neither does anything after it.
    pub fn is_exhaustion(&self) -> bool {
        matches!(self, Outcome::Trapped(Trap::CallStackExhausted))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) if values.is_empty() => f.write_str("returned nothing"),
            Outcome::Returned(values) => {
                let list: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                write!(f, "returned {}", list.join(" "))
            }
            Outcome::Trapped(trap) => trap.fmt(f),
        }
    }
}

/// The observable state of an instance: every exported memory (length and
/// FNV-1a digest of its bytes) and every exported global, in export order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub memories: Vec<MemoryDigest>,
    pub globals: Vec<Value>,
}

/// Length and digest of one memory (`wafer_abi::serve::fnv1a64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryDigest {
    pub length: u64,
    pub hash: u64,
}

/// Everything one engine did with one test case: the instantiation, then
/// each call of [`crate::generate::TestCase::calls`] in order, with the state
/// after each. A trace stops after an instantiation trap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub steps: Vec<Step>,
}

/// One instantiation or call and the state after it (`None` after a trapped
/// instantiation: there is no instance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub outcome: Outcome,
    pub state: Option<State>,
}
