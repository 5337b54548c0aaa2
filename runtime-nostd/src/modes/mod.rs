//! The image's entry points, one per `wafer_abi::descriptor::ImageMode`.
//! The image linker keeps exactly one (`--defsym=wafer_main=...`).

pub mod command;
pub mod invoke;
pub mod serve;

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
        crate::budget::start_call(inst.vmctx);
        let trampoline: Trampoline = core::mem::transmute(export.trampoline);
        let f: unsafe extern "C" fn(*mut u8, *mut u8) = core::mem::transmute(trampoline);
        crate::trap::catch(f, funcref as *mut u8, values.as_mut_ptr() as *mut u8)
    }
}

/// Instantiates every module of the image in order and returns the last
/// instance; on failure reports it and exits (134 for a trap, else 70).
/// `wafer build` binds every function import of these images at link time
/// (and refuses other imports), so nothing is resolved by name here.
pub fn instantiate_all_or_exit() -> Option<&'static Instance> {
    let mut last = None;
    for desc in crate::instance::descriptors() {
        match crate::instance::instantiate(desc, crate::instance::no_dynamic_imports) {
            Ok(id) => last = Some(id),
            Err(e) => {
                crate::instance::report_error(desc, &e);
                crate::platform::exit(match e {
                    crate::instance::InstantiateError::Trap(_) => crate::EXIT_TRAP,
                    _ => crate::EXIT_FATAL,
                });
            }
        }
    }
    last.and_then(crate::instance::instance)
}

/// Parameter and result letters of a function export.
pub fn export_signature(export: &ExportDesc) -> (&'static [u8], &'static [u8]) {
    // SAFETY: descriptor strings are static.
    let sig = unsafe { export.ty.bytes() };
    split_signature(sig).unwrap_or((&[], &[]))
}
