//! `wafer_instance_reset`: an instance back to its freshly instantiated
//! state, in place.

use wafer_abi::vmctx::VMMemory;

use super::report::{WaferTrap, record_error, record_trap};
use super::{WAFER_OK, WAFER_TRAP};
use crate::instance::Instance;

/// Puts `instance` back in its freshly instantiated state, in place:
/// its defined memories zeroed and back to their initial size, its
/// defined tables emptied and back to theirs, then its initialiser again
/// (globals, element and data segments, start function: a trap there is
/// [`WAFER_TRAP`]). Imported memories, tables and globals belong to their
/// exporter and are left alone. A guard-mode memory that grew is refused
/// ([`super::WAFER_ERROR`]): its pages past the initial size would stay
/// accessible.
///
/// # Safety
/// `instance` must come from [`super::wafer_instance_new`] and no call into it
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
        let memories = desc.memories();
        let record =
            |i: usize| inst.vmctx.add(inst.layout.memory(i as u32) as usize) as *mut VMMemory;
        for (i, m) in memories.iter().enumerate() {
            let initial = m.min_pages * m.shape().page_size();
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
            memory.length = m.min_pages * m.shape().page_size();
        }
        for (i, t) in desc.tables().iter().enumerate() {
            let table = &mut *(inst.vmctx.add(inst.layout.table(i as u32) as usize)
                as *mut wafer_abi::vmctx::VMTable);
            // Elements are words: a funcref pointer or an externref.
            core::ptr::write_bytes(table.base, 0, table.length as usize);
            table.length = t.min;
        }
        crate::instance::set_data_lengths(desc, inst.vmctx, &inst.layout);
        for (i, elem) in desc.elems().iter().enumerate() {
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
