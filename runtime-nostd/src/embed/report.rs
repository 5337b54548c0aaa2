//! How an API call says what went wrong: the `wafer_trap` record it fills
//! and the statuses' messages.

use wafer_abi::trap::TrapCode;

use super::WAFER_ERROR;
use crate::text::FixedBuf;
use crate::trap::Trap;

/// What went wrong in an API call (`wafer_trap` in `wafer_rt.h`).
/// Strings are not NUL-terminated: print them with `%.*s`.
#[repr(C)]
pub struct WaferTrap {
    /// A `wafer_abi::trap::TrapCode` for [`super::WAFER_TRAP`], 0 otherwise.
    pub code: u32,
    /// Byte offset in the Wasm binary, `u32::MAX` if unknown.
    pub wasm_offset: u32,
    pub message: *const u8,
    pub message_len: usize,
    /// The module (its prefix) and function the trap happened in; empty
    /// when it was raised by the runtime.
    pub module: *const u8,
    pub module_len: usize,
    pub function: *const u8,
    pub function_len: usize,
    /// The function's index in the module, `u32::MAX` if unknown.
    pub function_index: u32,
}

/// The message of the last [`WAFER_ERROR`] (errors are built in a buffer;
/// traps point at static strings).
static mut ERROR_TEXT: FixedBuf<256> = FixedBuf::new();

fn empty() -> (*const u8, usize) {
    (b"".as_ptr(), 0)
}

/// Fills `out` (if not null) for `trap`.
pub(super) fn record_trap(out: *mut WaferTrap, trap: &Trap) {
    if out.is_null() {
        return;
    }
    let message = trap.code.message();
    // SAFETY: descriptor strings are static; `out` is the caller's record.
    unsafe {
        let (module, function, index) = match (trap.module, trap.function) {
            (Some(m), Some(f)) => {
                let (name, fname) = (m.name.bytes(), m.function_name(f));
                (
                    (name.as_ptr(), name.len()),
                    (fname.as_ptr(), fname.len()),
                    f.index,
                )
            }
            _ => (empty(), empty(), u32::MAX),
        };
        out.write(WaferTrap {
            code: trap.code.as_u32(),
            wasm_offset: trap.wasm_offset,
            message: message.as_ptr(),
            message_len: message.len(),
            module: module.0,
            module_len: module.1,
            function: function.0,
            function_len: function.1,
            function_index: index,
        });
    }
}

/// Fills `out` (if not null) for an error that is not a trap.
pub(super) fn record_error(out: *mut WaferTrap, text: &[u8]) -> i32 {
    // SAFETY: single-threaded; the buffer lives until the next error.
    unsafe {
        let buf = &mut *core::ptr::addr_of_mut!(ERROR_TEXT);
        *buf = FixedBuf::new();
        crate::text::Sink::put(buf, text);
        if !out.is_null() {
            let (none, _) = empty();
            let bytes = buf.as_bytes();
            out.write(WaferTrap {
                code: 0,
                wasm_offset: u32::MAX,
                message: bytes.as_ptr(),
                message_len: bytes.len(),
                module: none,
                module_len: 0,
                function: none,
                function_len: 0,
                function_index: u32::MAX,
            });
        }
    }
    WAFER_ERROR
}

/// The message of trap code `code` (the spec's wording), NUL-terminated;
/// "unknown trap" for anything else.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_trap_message(code: u32) -> *const core::ffi::c_char {
    match TrapCode::from_u32(code) {
        Some(c) => trap_message_z(c).as_ptr(),
        None => c"unknown trap".as_ptr(),
    }
}

/// [`TrapCode::message`] with a NUL, for C callers.
fn trap_message_z(code: TrapCode) -> &'static core::ffi::CStr {
    match code {
        TrapCode::Unreachable => c"unreachable",
        TrapCode::MemoryOutOfBounds => c"out of bounds memory access",
        TrapCode::TableOutOfBounds => c"out of bounds table access",
        TrapCode::UndefinedElement => c"undefined element",
        TrapCode::UninitializedElement => c"uninitialized element",
        TrapCode::IndirectCallTypeMismatch => c"indirect call type mismatch",
        TrapCode::IntegerOverflow => c"integer overflow",
        TrapCode::IntegerDivideByZero => c"integer divide by zero",
        TrapCode::InvalidConversionToInteger => c"invalid conversion to integer",
        TrapCode::CallStackExhausted => c"call stack exhausted",
        TrapCode::NullReference => c"null reference",
        TrapCode::FuelExhausted => c"fuel exhausted",
        TrapCode::DeadlineExceeded => c"deadline exceeded",
        TrapCode::Abort => c"abort",
        TrapCode::UnalignedAtomic => c"unaligned atomic",
        TrapCode::ExpectedSharedMemory => c"expected shared memory",
        TrapCode::WaitDeadlock => c"wait would deadlock: no other thread can notify",
        TrapCode::UncaughtException => c"uncaught exception",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nul_terminated_trap_message_is_the_spec_message() {
        for code in TrapCode::ALL {
            assert_eq!(trap_message_z(code).to_bytes(), code.message().as_bytes());
        }
    }
}
