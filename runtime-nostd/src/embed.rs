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

use wafer_abi::descriptor::{ExternKind, ImageManifest, ModuleDescriptor};
use wafer_abi::trap::TrapCode;
use wafer_abi::values::ValRaw;
use wafer_abi::vmctx::VMMemory;

use crate::instance::{Instance, InstantiateError};
use crate::text::FixedBuf;
use crate::trap::Trap;

/// The call succeeded.
pub const WAFER_OK: i32 = 0;
/// Wasm code trapped; the trap record says why and where.
pub const WAFER_TRAP: i32 = 1;
/// Not a trap: a link error, a resource limit, a bad argument. The trap
/// record's message says which.
pub const WAFER_ERROR: i32 = 2;

/// Slots of the embedded manifest's module list (`wafer runtime` makes
/// the array this long; see `compiler/src/cli/runtime_cmd.rs`).
pub const EMBED_MAX_MODULES: usize = 16;

/// What went wrong in an API call (`wafer_trap` in `wafer_rt.h`).
/// Strings are not NUL-terminated: print them with `%.*s`.
#[repr(C)]
pub struct WaferTrap {
    /// A `wafer_abi::trap::TrapCode` for [`WAFER_TRAP`], 0 otherwise.
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
fn record_trap(out: *mut WaferTrap, trap: &Trap) {
    if out.is_null() {
        return;
    }
    let message = trap.code.message();
    // SAFETY: descriptor strings are static; `out` is the caller's record.
    unsafe {
        let (module, function, index) = match (trap.module, trap.function) {
            (Some(m), Some(f)) => {
                let (name, fname) = (m.name.bytes(), f.name.bytes());
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
fn record_error(out: *mut WaferTrap, text: &[u8]) -> i32 {
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

/// Puts `instance` back in its freshly instantiated state, in place:
/// its defined memories zeroed and back to their initial size, its
/// defined tables emptied and back to theirs, then its initialiser again
/// (globals, element and data segments, start function: a trap there is
/// [`WAFER_TRAP`]). Imported memories, tables and globals belong to their
/// exporter and are left alone. A guard-mode memory that grew is refused
/// ([`WAFER_ERROR`]): its pages past the initial size would stay
/// accessible.
///
/// # Safety
/// `instance` must come from [`wafer_instance_new`] and no call into it
/// may be running (an import function of its must not reset it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_instance_reset(
    instance: *const Instance,
    trap: *mut WaferTrap,
) -> i32 {
    // SAFETY: caller's contract.
    let Some(inst) = (unsafe { instance.as_ref() }) else {
        return record_error(trap, b"wafer_instance_reset: null argument");
    };
    let desc = inst.desc;
    let guarded = wafer_abi::descriptor::BoundsChecks::from_u32(desc.bounds_checks)
        != Some(wafer_abi::descriptor::BoundsChecks::Explicit);
    // SAFETY: offsets come from the instance's layout; descriptor data is
    // static; the records are the instance's own.
    unsafe {
        let memories = desc.memories.items();
        let record =
            |i: usize| inst.vmctx.add(inst.layout.memory(i as u32) as usize) as *mut VMMemory;
        for (i, m) in memories.iter().enumerate() {
            let initial = m.min_pages * wafer_abi::WASM_PAGE_SIZE;
            if guarded && (*record(i)).length != initial {
                return record_error(
                    trap,
                    b"wafer_instance_reset: a guard-mode memory that grew cannot shrink",
                );
            }
        }
        for (i, m) in memories.iter().enumerate() {
            let memory = &mut *record(i);
            core::ptr::write_bytes(memory.base, 0, memory.length as usize);
            memory.length = m.min_pages * wafer_abi::WASM_PAGE_SIZE;
        }
        for (i, t) in desc.tables.items().iter().enumerate() {
            let table = &mut *(inst.vmctx.add(inst.layout.table(i as u32) as usize)
                as *mut wafer_abi::vmctx::VMTable);
            // Elements are words: a funcref pointer or an externref.
            core::ptr::write_bytes(table.base, 0, table.length as usize);
            table.length = t.min;
        }
        for (i, data) in desc.data.items().iter().enumerate() {
            *(inst.vmctx.add(inst.layout.data_length(i as u32) as usize) as *mut u32) =
                data.len as u32;
        }
        for (i, elem) in desc.elems.items().iter().enumerate() {
            *(inst.vmctx.add(inst.layout.elem_length(i as u32) as usize) as *mut u32) = elem.len;
        }
        let init = desc.instantiate as *mut u8;
        match crate::trap::catch(run_initialiser, init, inst.vmctx) {
            Ok(()) => WAFER_OK,
            Err(t) => {
                record_trap(trap, &t);
                WAFER_TRAP
            }
        }
    }
}

/// Calls a descriptor's `instantiate(vmctx)` (under [`crate::trap::catch`]).
unsafe extern "C" fn run_initialiser(init: *mut u8, vmctx: *mut u8) {
    // SAFETY: `init` is the descriptor's instantiate function.
    unsafe {
        let init: wafer_abi::descriptor::InstantiateFn = core::mem::transmute(init);
        init(vmctx);
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

/// The record of `instance`'s first linear memory (defined or imported),
/// null if it has none.
fn first_memory(inst: &Instance) -> *const VMMemory {
    let counts = inst.desc.counts;
    // SAFETY: offsets come from the instance's layout; import slots hold
    // pointers to live memory records.
    unsafe {
        if counts.imported_memories > 0 {
            *(inst.vmctx.add(inst.layout.memory_import(0) as usize) as *const *const VMMemory)
        } else if counts.defined_memories > 0 {
            inst.vmctx.add(inst.layout.memory(0) as usize) as *const VMMemory
        } else {
            core::ptr::null()
        }
    }
}

/// The first byte of `instance`'s memory 0 (null if it has none). It never
/// moves for the life of the instance.
///
/// # Safety
/// `instance` must come from [`wafer_instance_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_base(instance: *const Instance) -> *mut u8 {
    // SAFETY: caller's contract.
    match unsafe { instance.as_ref() }.map(first_memory) {
        // SAFETY: a live memory record.
        Some(m) if !m.is_null() => unsafe { (*m).base },
        _ => core::ptr::null_mut(),
    }
}

/// The current length in bytes of `instance`'s memory 0 (0 if it has
/// none); `memory.grow` changes it.
///
/// # Safety
/// `instance` must come from [`wafer_instance_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_length(instance: *const Instance) -> u64 {
    // SAFETY: caller's contract.
    match unsafe { instance.as_ref() }.map(first_memory) {
        // SAFETY: a live memory record.
        Some(m) if !m.is_null() => unsafe { (*m).length },
        _ => 0,
    }
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
