//! The C API for firmware that embeds compiled modules itself
//! (`wafer runtime` writes it as `libwafer_rt.a` + `wafer_rt.h`;
//! docs/embedding.md).
//!
//! Every entry point catches traps: a trap inside compiled code longjmps
//! back to the protected call made here, never across a frame of the
//! firmware, and comes back as [`WAFER_TRAP`] with a [`WaferTrap`]
//! describing it. Single-threaded and not reentrant from interrupt
//! handlers, like the rest of the runtime.
//!
//! Embedded images have no module list of their own: `wafer runtime`
//! links a manifest whose module list is a writable array of
//! [`EMBED_MAX_MODULES`] slots, and [`wafer_instance_new`] appends each
//! module it instantiates there, so trap sites are found as in an image.

mod memory;
mod report;
mod reset;

pub use memory::{wafer_memory_base, wafer_memory_length};
pub use report::{WaferTrap, wafer_trap_message};
pub use reset::wafer_instance_reset;

use wafer_abi::descriptor::{ExternKind, ImageManifest, ModuleDescriptor};
use wafer_abi::values::ValRaw;

use crate::instance::{Instance, InstantiateError};
use report::{record_error, record_trap};

/// The call succeeded.
pub const WAFER_OK: i32 = 0;
/// Wasm code trapped; the trap record says why and where.
pub const WAFER_TRAP: i32 = 1;
/// Not a trap: a link error, a resource limit, a bad argument. The trap
/// record's message says which.
pub const WAFER_ERROR: i32 = 2;

/// Slots of the embedded manifest's module list (`wafer runtime` makes
/// the array this long; see `compiler/src/embed/library.rs`).
pub const EMBED_MAX_MODULES: usize = 16;

static mut STARTED: bool = false;

/// What wafer's own entry does before the first instance: route CPU faults
/// to the runtime (Linux: signal handlers, replacing the program's own for
/// SIGILL, SIGFPE, SIGSEGV, SIGBUS and SIGTRAP; bare metal: nothing, the
/// firmware's exception vector calls the runtime).
fn start_once() {
    // SAFETY: single-threaded.
    unsafe {
        if !STARTED {
            STARTED = true;
            crate::platform::install_fault_handlers();
        }
    }
}

unsafe extern "C" {
    static mut wafer_image: ImageManifest;
}

/// Adds `desc` to the embedded manifest's module list (once), so that trap
/// sites in its code are found. False when the list is full.
///
/// # Safety
/// The manifest must be the one `wafer runtime` writes (a writable module
/// list of [`EMBED_MAX_MODULES`] slots).
unsafe fn list_module(desc: &'static ModuleDescriptor) -> bool {
    // SAFETY: single-threaded; no reference into the list is live while it
    // is extended (descriptors() iterates a copy of the slice header).
    unsafe {
        let manifest = &mut *core::ptr::addr_of_mut!(wafer_image);
        let listed = manifest.modules.items();
        if listed.iter().any(|&d| core::ptr::eq(d, desc)) {
            return true;
        }
        if listed.len() >= EMBED_MAX_MODULES {
            return false;
        }
        let slots = manifest.modules.ptr as *mut *const ModuleDescriptor;
        slots.add(listed.len()).write(desc);
        manifest.modules.len += 1;
        true
    }
}

/// Instantiates `module` (a module descriptor: `wafer_module_<prefix>` of
/// an object from `wafer compile`) and stores the instance in `*instance`.
/// Its imports are the C functions the linker bound; its start function
/// runs here (a trap in it is [`WAFER_TRAP`]).
///
/// # Safety
/// `module` must be a descriptor emitted by `wafer compile`; `instance` a
/// valid pointer; `trap` null or a valid pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_instance_new(
    module: *const ModuleDescriptor,
    instance: *mut *const Instance,
    trap: *mut WaferTrap,
) -> i32 {
    if module.is_null() || instance.is_null() {
        return record_error(trap, b"wafer_instance_new: null argument");
    }
    // SAFETY: the caller passes a compiled module's descriptor.
    let desc: &'static ModuleDescriptor = unsafe { &*module };
    if desc.magic != wafer_abi::descriptor::DESCRIPTOR_MAGIC {
        return record_error(trap, b"wafer_instance_new: not a wafer module descriptor");
    }
    // Code without prologue stack checks relies on a guard below a stack
    // the runtime mapped; the firmware's stack has none.
    if desc.stack_checks != wafer_abi::descriptor::StackChecks::Prologue as u32 {
        return record_error(
            trap,
            b"wafer_instance_new: module compiled with --stack-checks guard; embedding needs --stack-checks prologue",
        );
    }
    // The Wasm stack budget is counted from the first call into the API.
    crate::trap::set_stack_base_once(crate::arch::stack_pointer());
    start_once();
    // SAFETY: `wafer runtime` links the embedded manifest.
    if !unsafe { list_module(desc) } {
        return record_error(trap, b"wafer_instance_new: too many modules (16 at most)");
    }
    match crate::instance::instantiate(desc, crate::instance::no_dynamic_imports) {
        Ok(id) => match crate::instance::instance(id) {
            Some(inst) => {
                // SAFETY: checked non-null above.
                unsafe { instance.write(inst) };
                WAFER_OK
            }
            None => record_error(trap, b"wafer_instance_new: instance vanished"),
        },
        Err(InstantiateError::Trap(t)) => {
            record_trap(trap, &t);
            WAFER_TRAP
        }
        Err(InstantiateError::Link(text)) | Err(InstantiateError::Resource(text)) => {
            record_error(trap, text.as_bytes())
        }
    }
}

/// Calls function export number `export` (in the module's export order,
/// as the generated header numbers them) of `instance` with
/// `values[..params]`; its results are left in `values[..results]`.
/// `count` is the number of slots in `values`, at least max(params,
/// results).
///
/// # Safety
/// `instance` must come from [`wafer_instance_new`]; `values` must point
/// at `count` slots; `trap` null or a valid pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_call(
    instance: *const Instance,
    export: u32,
    values: *mut ValRaw,
    count: usize,
    trap: *mut WaferTrap,
) -> i32 {
    if instance.is_null() || (values.is_null() && count > 0) {
        return record_error(trap, b"wafer_call: null argument");
    }
    // SAFETY: the caller passes a live instance.
    let inst = unsafe { &*instance };
    // SAFETY: descriptor data is static.
    let exports = unsafe { inst.desc.exports.items() };
    let Some(desc) = exports.get(export as usize) else {
        return record_error(trap, b"wafer_call: no export with this number");
    };
    if desc.kind != ExternKind::Func as u32 {
        return record_error(trap, b"wafer_call: the export is not a function");
    }
    let (params, results) = crate::modes::export_signature(desc);
    if count < params.len().max(results.len()) {
        return record_error(trap, b"wafer_call: too few value slots");
    }
    // SAFETY: `values` holds `count` slots (caller's contract).
    let slots = unsafe { core::slice::from_raw_parts_mut(values, count) };
    match crate::modes::call_export(inst, desc, slots) {
        Ok(()) => WAFER_OK,
        Err(t) => {
            record_trap(trap, &t);
            WAFER_TRAP
        }
    }
}

/// Finds the export named `name[..len]` of `instance`: its number (for
/// [`wafer_call`]) in `*index` and, for a function, its signature string
/// (`"iI>f"`: parameter letters, `>`, result letters; see
/// `wafer_abi::values`) in `*signature`/`*signature_len`. Any out pointer
/// may be null. [`WAFER_ERROR`] when there is no such export.
///
/// # Safety
/// `instance` must come from [`wafer_instance_new`]; `name` must point at
/// `len` bytes; out pointers null or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_export_find(
    instance: *const Instance,
    name: *const u8,
    len: usize,
    index: *mut u32,
    signature: *mut *const u8,
    signature_len: *mut usize,
) -> i32 {
    if instance.is_null() || (name.is_null() && len > 0) {
        return record_error(core::ptr::null_mut(), b"wafer_export_find: null argument");
    }
    // SAFETY: caller's contract; descriptor data is static.
    unsafe {
        let wanted = if len == 0 {
            &[][..]
        } else {
            core::slice::from_raw_parts(name, len)
        };
        let exports = (*instance).desc.exports.items();
        let Some(found) = exports.iter().position(|e| e.name.bytes() == wanted) else {
            return WAFER_ERROR;
        };
        let sig: &[u8] = if exports[found].kind == ExternKind::Func as u32 {
            exports[found].ty.bytes()
        } else {
            &[]
        };
        if !index.is_null() {
            index.write(found as u32);
        }
        if !signature.is_null() {
            signature.write(sig.as_ptr());
        }
        if !signature_len.is_null() {
            signature_len.write(sig.len());
        }
    }
    WAFER_OK
}
