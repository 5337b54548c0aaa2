//! Linear memory 0 of an instance, for the firmware to read and write.

use wafer_abi::vmctx::VMMemory;

use crate::instance::Instance;

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
/// `instance` must come from [`super::wafer_instance_new`].
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
/// `instance` must come from [`super::wafer_instance_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_length(instance: *const Instance) -> u64 {
    // SAFETY: caller's contract.
    match unsafe { instance.as_ref() }.map(first_memory) {
        // SAFETY: a live memory record.
        Some(m) if !m.is_null() => unsafe { (*m).length },
        _ => 0,
    }
}
