//! Rust API of the wafer runtime library, for `no_std` firmware that links
//! modules compiled by `wafer compile` and the library `wafer runtime`
//! writes (docs/embedding.md). A thin, safe layer over the C API in
//! `wafer_rt.h`: instantiate, look up a typed export, call it, get a trap
//! back as an `Err`.
//!
//! ```text
//! unsafe extern "C" {
//!     // The descriptor of `wafer compile app.wasm --prefix app`.
//!     static wafer_module_app: wafer_embed::Module;
//! }
//! let app = wafer_embed::Instance::new(unsafe { &wafer_module_app })?;
//! let div = app.func::<(i32, i32), i32>("div")?;
//! match app.call(div, (1, 0)) {
//!     Err(wafer_embed::Error::Trap(trap)) => { /* trap.message, trap.function, ... */ }
//!     _ => {}
//! }
//! ```
//!
//! Imports are `extern "C"` functions of the firmware named `<module>_<field>`
//! (`env.led_set` is `env_led_set(vmctx: *mut c_void, on: i32)`).
//!
//! Like the runtime, single-threaded: an [`Instance`] is neither `Send`
//! nor `Sync`. A trap never unwinds a Rust frame: the runtime longjmps back
//! to the C API call, which returns it.
#![no_std]

pub mod sys;
pub mod values;

use core::marker::PhantomData;

pub use sys::ModuleDescriptor as Module;
pub use values::{Params, Results, WasmType};
pub use wafer_abi::trap::TrapCode;

use sys::{RawInstance, RawTrap, RawVal, WAFER_OK, WAFER_TRAP};
use values::MAX_TYPED_VALUES;

/// A trap of Wasm code: what and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    /// `None` for a code this crate does not know (a newer runtime).
    pub code: Option<TrapCode>,
    /// The spec's message ("integer divide by zero").
    pub message: &'static str,
    /// The module's prefix and the function's name; empty when the runtime
    /// raised the trap outside compiled code, or the function has no name.
    pub module: &'static str,
    pub function: &'static str,
    pub function_index: Option<u32>,
    /// Byte offset in the `.wasm`.
    pub wasm_offset: Option<u32>,
}

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Wasm code trapped.
    Trap(Trap),
    /// The runtime refused (an import that does not match, out of memory,
    /// too many modules): its message, cut at [`Message::CAPACITY`] bytes.
    Runtime(Message),
    /// The instance has no export of that name.
    NoSuchExport,
    /// The export is not a function of the Rust signature asked for.
    SignatureMismatch,
}

/// A runtime error message, copied (the runtime reuses its buffer).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Message {
    bytes: [u8; Message::CAPACITY],
    len: usize,
}

impl Message {
    pub const CAPACITY: usize = 96;

    fn copy(text: &[u8]) -> Message {
        let mut m = Message {
            bytes: [0; Message::CAPACITY],
            len: text.len().min(Message::CAPACITY),
        };
        m.bytes[..m.len].copy_from_slice(&text[..m.len]);
        m
    }

    /// The message (UTF-8; a message cut inside a character loses it).
    pub fn as_str(&self) -> &str {
        let bytes = &self.bytes[..self.len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

impl core::fmt::Debug for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Static text from the runtime (descriptor strings, trap messages).
///
/// # Safety
/// `ptr` must point at `len` bytes that live for the rest of the program.
unsafe fn static_str(ptr: *const u8, len: usize) -> &'static str {
    if ptr.is_null() || len == 0 {
        return "";
    }
    // SAFETY: caller's contract.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    core::str::from_utf8(bytes).unwrap_or("?")
}

/// The error of a failed C API call.
fn error(status: i32, raw: &RawTrap) -> Error {
    if status == WAFER_TRAP {
        // SAFETY: trap strings are static (wafer_rt.h).
        unsafe {
            Error::Trap(Trap {
                code: TrapCode::from_u32(raw.code),
                message: static_str(raw.message, raw.message_len),
                module: static_str(raw.module, raw.module_len),
                function: static_str(raw.function, raw.function_len),
                function_index: (raw.function_index != u32::MAX).then_some(raw.function_index),
                wasm_offset: (raw.wasm_offset != u32::MAX).then_some(raw.wasm_offset),
            })
        }
    } else {
        let text = if raw.message.is_null() {
            &[][..]
        } else {
            // SAFETY: the runtime's error buffer, valid until the next error;
            // copied right here.
            unsafe { core::slice::from_raw_parts(raw.message, raw.message_len) }
        };
        Error::Runtime(Message::copy(text))
    }
}

/// An instance of a compiled module. Lives until the firmware resets.
pub struct Instance {
    raw: *mut RawInstance,
}

/// A function export of an [`Instance`], checked to have the Wasm
/// signature of `P -> R`.
pub struct Func<P, R> {
    index: u32,
    instance: *const RawInstance,
    _signature: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for Func<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for Func<P, R> {}

impl Instance {
    /// Instantiates `module` (runs its start function).
    ///
    /// # Errors
    /// A trap in the start function, an import that does not match, out
    /// of memory.
    pub fn new(module: &'static Module) -> Result<Instance, Error> {
        let mut raw = core::ptr::null_mut();
        let mut trap = RawTrap::empty();
        // SAFETY: `module` is a descriptor (the caller declared it as one).
        let status = unsafe { sys::wafer_instance_new(module, &mut raw, &mut trap) };
        if status == WAFER_OK {
            Ok(Instance { raw })
        } else {
            Err(error(status, &trap))
        }
    }

    /// Puts the instance back in its freshly instantiated state: its own
    /// memories zeroed and back to their initial size, its own tables
    /// emptied, then globals, segments and the start function again.
    /// [`Func`]s of it stay valid.
    ///
    /// # Errors
    /// A trap in the start function; a guard-mode memory that grew.
    pub fn reset(&mut self) -> Result<(), Error> {
        let mut trap = RawTrap::empty();
        // SAFETY: a live instance; `&mut self` means no call is running.
        let status = unsafe { sys::wafer_instance_reset(self.raw, &mut trap) };
        if status == WAFER_OK {
            Ok(())
        } else {
            Err(error(status, &trap))
        }
    }

    /// The export `name` as a function `P -> R`.
    ///
    /// # Errors
    /// No such export, or not a function of that signature.
    pub fn func<P: Params, R: Results>(&self, name: &str) -> Result<Func<P, R>, Error> {
        let mut index = 0;
        let mut sig = core::ptr::null();
        let mut sig_len = 0;
        // SAFETY: a live instance; out pointers are locals.
        let status = unsafe {
            sys::wafer_export_find(
                self.raw,
                name.as_ptr(),
                name.len(),
                &mut index,
                &mut sig,
                &mut sig_len,
            )
        };
        if status != WAFER_OK {
            return Err(Error::NoSuchExport);
        }
        // SAFETY: signature strings are static descriptor data.
        let sig = unsafe { static_str(sig, sig_len) }.as_bytes();
        let Some((params, results)) = wafer_abi::values::split_signature(sig) else {
            return Err(Error::SignatureMismatch);
        };
        if !P::matches(params) || !R::matches(results) {
            return Err(Error::SignatureMismatch);
        }
        Ok(Func {
            index,
            instance: self.raw,
            _signature: PhantomData,
        })
    }

    /// Calls `func` with `params`.
    ///
    /// # Errors
    /// A trap ([`Error::Trap`]); the instance stays usable. A `func` of
    /// another instance is [`Error::NoSuchExport`].
    pub fn call<P: Params, R: Results>(&self, func: Func<P, R>, params: P) -> Result<R, Error> {
        if !core::ptr::eq(func.instance, self.raw) {
            return Err(Error::NoSuchExport);
        }
        let mut slots = [RawVal::default(); MAX_TYPED_VALUES];
        params.store(&mut slots);
        let mut trap = RawTrap::empty();
        // SAFETY: a live instance; the export's signature was checked
        // against P and R, which fit in the slots.
        let status = unsafe {
            sys::wafer_call(
                self.raw,
                func.index,
                slots.as_mut_ptr(),
                slots.len(),
                &mut trap,
            )
        };
        if status == WAFER_OK {
            Ok(R::load(&slots))
        } else {
            Err(error(status, &trap))
        }
    }

    /// Linear memory 0: its first byte (never moves) and its length now
    /// (`memory.grow` changes it); `None` without a memory.
    pub fn memory(&self) -> Option<(*mut u8, u64)> {
        // SAFETY: a live instance.
        let (base, len) = unsafe {
            (
                sys::wafer_memory_base(self.raw),
                sys::wafer_memory_length(self.raw),
            )
        };
        (!base.is_null()).then_some((base, len))
    }

    /// Linear memory 0 as a slice, for reading and writing between calls.
    /// `None` without a memory.
    ///
    /// Taking `&mut self` keeps calls (which may change the memory) from
    /// happening while the slice lives.
    pub fn memory_mut(&mut self) -> Option<&mut [u8]> {
        let (base, len) = self.memory()?;
        // SAFETY: the memory's `len` bytes are accessible and nothing else
        // touches them while `self` is borrowed mutably (calls need `self`).
        Some(unsafe { core::slice::from_raw_parts_mut(base, len as usize) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_longer_than_the_buffer_is_cut_at_a_character_boundary() {
        let mut text = [b'a'; Message::CAPACITY + 2];
        // An 'é' just before the cut, one across it.
        text[Message::CAPACITY - 2..].copy_from_slice(&[0xc3, 0xa9, 0xc3, 0xa9]);
        assert_eq!(Message::copy(&text).as_str().len(), Message::CAPACITY);
        text[Message::CAPACITY - 2..].copy_from_slice(&[b'a', 0xc3, 0xa9, b'a']);
        assert_eq!(Message::copy(&text).as_str().len(), Message::CAPACITY - 1);
        let cut = [b'x', 0xc3];
        assert_eq!(Message::copy(&cut).as_str(), "x");
    }

    #[test]
    fn trap_records_become_traps_with_unknown_parts_as_none() {
        static MESSAGE: &str = "integer divide by zero";
        let raw = RawTrap {
            code: TrapCode::IntegerDivideByZero.as_u32(),
            message: MESSAGE.as_ptr(),
            message_len: MESSAGE.len(),
            ..RawTrap::empty()
        };
        let Error::Trap(trap) = error(WAFER_TRAP, &raw) else {
            panic!("not a trap");
        };
        assert_eq!(trap.code, Some(TrapCode::IntegerDivideByZero));
        assert_eq!(trap.message, MESSAGE);
        assert_eq!((trap.module, trap.function), ("", ""));
        assert_eq!((trap.function_index, trap.wasm_offset), (None, None));
    }
}
