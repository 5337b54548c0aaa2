//! The image's entry points, one per `wafer_abi::descriptor::ImageMode`.
//! The image linker keeps exactly one (`--defsym=wafer_main=...`).

pub mod command;
pub mod invoke;
pub mod serve;
pub mod server;

use wafer_abi::descriptor::{ExportDesc, Trampoline};
use wafer_abi::values::{ValRaw, split_signature};

use crate::instance::Instance;
use crate::trap::Trap;

/// Most parameters/results a call can have through [`call_export`].
pub const MAX_VALUES: usize = 256;

/// Calls function export `export` of `inst` with `values[..params]`;
/// results are left in `values[..results]`.
pub fn call_export(
    inst: &Instance,
    export: &ExportDesc,
    values: &mut [ValRaw],
) -> Result<(), Trap> {
    let Some(funcref) = inst.func_ref(export) else {
        return Err(Trap::new(wafer_abi::trap::TrapCode::Unreachable));
    };
    // SAFETY: the trampoline was generated for this export's signature and
    // `values` holds enough slots (checked by callers against the signature).
    unsafe {
        // Fuel and deadline are per call.
        crate::budget::start_call();
        let trampoline: Trampoline = core::mem::transmute(export.trampoline);
        let f: unsafe extern "C" fn(*mut u8, *mut u8) = core::mem::transmute(trampoline);
        // An exception no handler caught comes back as a trap too.
        crate::trap::catch(f, funcref as *mut u8, values.as_mut_ptr() as *mut u8)
    }
}

/// Instantiates every module of the image in order and returns the entry
/// module's instance ([`wafer_abi::descriptor::ImageManifest::entry_module`]);
/// on failure reports it and exits (134 for a trap, else 70).
pub fn instantiate_all_or_exit() -> Option<&'static Instance> {
    // SAFETY: `wafer build` defines the symbol as one of the two functions
    // below, which have this signature.
    unsafe { wafer_instantiate_modules() }
}

unsafe extern "Rust" {
    /// Instantiates every module (or exits) and returns the entry
    /// module's instance. `wafer build` points it (`--defsym`,
    /// `compiler/src/image.rs`) at [`wafer_instantiate_unlinked`] when no
    /// module imports from another, so a one-module image carries no name
    /// lookup, else at [`wafer_instantiate_linked`].
    fn wafer_instantiate_modules() -> Option<&'static Instance>;
}

/// [`wafer_instantiate_modules`] for images whose modules import nothing
/// from each other: `wafer build` binds every function import at link time
/// (and refuses other imports), so nothing is resolved by name.
#[unsafe(no_mangle)]
pub fn wafer_instantiate_unlinked() -> Option<&'static Instance> {
    instantiate_each(crate::instance::no_dynamic_imports)
}

/// [`wafer_instantiate_modules`] for images whose modules import from each
/// other: those imports are bound to the exporter's instance by its name in
/// the manifest (`wafer build` checked them all and ordered the modules so
/// every exporter comes first).
#[unsafe(no_mangle)]
pub fn wafer_instantiate_linked() -> Option<&'static Instance> {
    instantiate_each(crate::instance::resolve_in_image)
}

/// Instantiates the modules in order; the entry module's instance, taken
/// when it is the newest (no walk through the instance list).
fn instantiate_each(resolve: impl crate::instance::Resolver + Copy) -> Option<&'static Instance> {
    let entry = crate::instance::manifest().entry_module as usize;
    let mut found = None;
    for (k, desc) in crate::instance::descriptors().enumerate() {
        if let Err(e) = crate::instance::instantiate(desc, resolve) {
            crate::instance::report_error(desc, &e);
            crate::platform::exit(match e {
                crate::instance::InstantiateError::Trap(_) => crate::EXIT_TRAP,
                _ => crate::EXIT_FATAL,
            });
        }
        if k == entry {
            found = crate::instance::newest();
        }
    }
    found
}

/// Parameter and result letters of a function export.
pub fn export_signature(export: &ExportDesc) -> (&'static [u8], &'static [u8]) {
    // SAFETY: descriptor strings are static.
    let sig = unsafe { export.ty.bytes() };
    split_signature(sig).unwrap_or((&[], &[]))
}
