//! Wasm exceptions (the exception-handling proposal), unwound without an
//! OS and without unwind tables.
//!
//! A `throw` in compiled code calls [`wafer_exception_throw`], which
//! allocates the exception object (tag identity and payload slots) and
//! makes it the pending exception; compiled code then stores the payload
//! and leaves: to the innermost enclosing `try_table` handler of its own
//! function, or by returning dummy results. Every call site of a module
//! that uses exceptions loads [`PENDING_EXCEPTION`] after the call and
//! does the same when it is set. A handler that catches the exception
//! clears it; an exception that leaves the export the runtime called is
//! the `uncaught exception` trap ([`take_uncaught`]).
//!
//! The exception object is also what an `exnref` points to:
//!
//! | offset | field |
//! |---:|---|
//! | 0 | the tag's identity (`VmctxLayout::tag`) |
//! | 8 | the number of payload slots |
//! | 16 + 16·i | payload value `i` (a 16-byte slot, any value type) |
//!
//! A handler without `_ref` drops the object ([`wafer_exception_free`]); one
//! that keeps an `exnref` keeps the object for the rest of the run (there
//! is no collector: a module that catches with `catch_ref` in a loop grows
//! the heap by one object per catch).

use crate::late_bound::LateBound;
use core::ptr::{addr_of, addr_of_mut};

/// Bytes before the payload.
pub const HEADER_BYTES: usize = 16;
/// Bytes of one payload slot.
pub const SLOT_BYTES: usize = 16;

/// The pending exception: null, or the exception object being thrown.
/// One per image: compiled code of every module reads it after its calls.
/// Wasm threads (wasi-threads) that throw at the same time are not
/// supported (see docs/exceptions.md).
#[unsafe(export_name = "wafer_exception_pending")]
pub static mut PENDING_EXCEPTION: *mut u8 = core::ptr::null_mut();

fn object_size(slots: u64) -> Option<usize> {
    usize::try_from(slots)
        .ok()?
        .checked_mul(SLOT_BYTES)?
        .checked_add(HEADER_BYTES)
}

/// Allocates an exception of tag `tag` with `slots` payload slots and makes
/// it the pending exception; compiled code stores the payload into it.
/// Running out of memory for it is the `abort` trap.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_exception_throw(tag: usize, slots: u64) -> *mut u8 {
    let Some(size) = object_size(slots) else {
        crate::trap::raise(crate::trap::Trap::new(wafer_abi::trap::TrapCode::Abort));
    };
    let exn = crate::alloc::alloc_zeroed(size, 16);
    if exn.is_null() {
        crate::console::stderr_str("wafer: out of memory for an exception\n");
        crate::trap::raise(crate::trap::Trap::new(wafer_abi::trap::TrapCode::Abort));
    }
    arm_reporting();
    // SAFETY: `exn` is a fresh block of `size >= 16` bytes, 16-aligned;
    // the pending slot is only used by the one thread running Wasm.
    unsafe {
        *(exn as *mut usize) = tag;
        *(exn.add(8) as *mut u64) = slots;
        *addr_of_mut!(PENDING_EXCEPTION) = exn;
    }
    exn
}

/// Frees an exception a handler caught without keeping an `exnref` to it.
///
/// # Safety
/// `exn` must come from [`wafer_exception_throw`], be no longer pending and
/// have no `exnref` that could still reach it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_exception_free(exn: *mut u8) {
    // SAFETY: as the caller guarantees; the header holds the slot count
    // it was allocated with.
    unsafe {
        let slots = *(exn.add(8) as *const u64);
        if let Some(size) = object_size(slots) {
            crate::alloc::free(exn, size);
        }
    }
}

/// [`take_pending`] and the tag report, once anything has thrown: every
/// exception starts in [`wafer_exception_throw`] (`throw_ref` rethrows
/// one of its objects), so before the first throw nothing can be pending.
/// Late-bound (`crate::late_bound`) so that images whose modules never
/// throw link none of the uncaught-exception code.
static TAKE_UNCAUGHT: LateBound<fn() -> bool> = LateBound::new();
static REPORT_TAG: LateBound<fn(&mut crate::console::Stderr)> = LateBound::new();

fn arm_reporting() {
    if TAKE_UNCAUGHT.get().is_none() {
        // SAFETY: only the thread running Wasm throws (docs/exceptions.md).
        unsafe {
            TAKE_UNCAUGHT.bind(take_pending as fn() -> bool);
            REPORT_TAG.bind(write_uncaught_tag as fn(&mut crate::console::Stderr));
        }
    }
}

/// Takes the pending exception after a call into compiled code returned:
/// `true` if one was left (it escaped the call: the caller reports the
/// `uncaught exception` trap), and its tag is remembered for the report.
/// The exception is cleared either way, so the next call starts without
/// one.
pub fn take_uncaught() -> bool {
    match TAKE_UNCAUGHT.get() {
        Some(take) => take(),
        None => false,
    }
}

/// Writes the tag of the last uncaught exception to stderr (see
/// [`write_uncaught_tag`]).
pub fn report_uncaught_tag(w: &mut crate::console::Stderr) {
    if let Some(report) = REPORT_TAG.get() {
        report(w);
    }
}

/// [`take_uncaught`] once armed. Exceptions are never freed here: an
/// `exnref` to it may live in a global or table.
fn take_pending() -> bool {
    // SAFETY: as in `wafer_exception_throw`; a pending exception is a
    // live object whose first word is its tag.
    let identity = unsafe {
        let exn = *addr_of!(PENDING_EXCEPTION);
        *addr_of_mut!(PENDING_EXCEPTION) = core::ptr::null_mut();
        if exn.is_null() {
            return false;
        }
        *(exn as *const usize)
    };
    let found = crate::instance::all()
        .chain(crate::instance::instantiating())
        .find_map(|inst| tag_of(inst, identity));
    // SAFETY: only the thread running Wasm reports traps.
    unsafe { *addr_of_mut!(UNCAUGHT_TAG) = found };
    true
}

/// A tag by where it is defined: the defining module's descriptor and
/// its index there.
#[derive(Clone, Copy)]
struct TagName {
    module: &'static wafer_abi::descriptor::ModuleDescriptor,
    index: u32,
}

/// The tag of the last exception [`take_uncaught`] found, for the report.
static mut UNCAUGHT_TAG: Option<TagName> = None;

/// Tag `identity` if `inst` defines it.
fn tag_of(inst: &crate::instance::Instance, identity: usize) -> Option<TagName> {
    let l = &inst.layout;
    let first = inst.vmctx as usize + l.tags as usize;
    let end = first + l.counts.tags as usize * 8;
    (first..end).contains(&identity).then(|| TagName {
        module: inst.desc,
        index: ((identity - first) / 8) as u32,
    })
}

/// Writes the tag of the last uncaught exception: ` (tag MODULE.EXPORT)`
/// when the defining module exports it, else ` (tag N of MODULE)`.
/// Nothing if no instance defines it (cannot happen for a tag compiled
/// code threw).
pub fn write_uncaught_tag(w: &mut impl crate::text::Sink) {
    // SAFETY: written only by `take_uncaught` on the thread running Wasm.
    let Some(tag) = (unsafe { *addr_of!(UNCAUGHT_TAG) }) else {
        return;
    };
    // SAFETY: descriptor strings and arrays are static.
    let (module, exports) = unsafe { (tag.module.name.bytes(), tag.module.exports.items()) };
    let kind = wafer_abi::descriptor::ExternKind::Tag as u32;
    w.str(" (tag ");
    match exports
        .iter()
        .find(|e| e.kind == kind && e.index == tag.index)
    {
        Some(export) => {
            w.name(module);
            w.str(".");
            // SAFETY: as above.
            w.name(unsafe { export.name.bytes() });
        }
        None => {
            w.dec(tag.index.into());
            w.str(" of ");
            w.name(module);
        }
    }
    w.str(")");
}
