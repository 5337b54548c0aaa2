//! Shared memories the runtime provides: a shared memory import that no
//! module of the image exports (wasi-threads' `env.memory`, which
//! `wasm32-wasip1-threads` programs import) is created at the first
//! instantiation that imports it, with the import's limits, and every
//! later import of the same `module.field` — the instances `thread-spawn`
//! makes — gets the same memory.

use wafer_abi::descriptor::{ExternKind, ImportDesc};
use wafer_abi::vmctx::VMMemory;

use super::lock::SpinLock;
use crate::instance::Extern;

/// Distinct `module.field` shared memories an image may import.
const MAX_CREATED: usize = 8;

type Created = (&'static [u8], &'static [u8], *mut VMMemory);

static mut CREATED: [Option<Created>; MAX_CREATED] = [None; MAX_CREATED];
static CREATED_LOCK: SpinLock = SpinLock::new();

/// The memory for `import` when it is a shared memory import: the one
/// made for the same name before, or a new one (reserved as guard-mode
/// code needs it when `guarded`). `None` for any other import, or when
/// the memory cannot be reserved (the import is then unknown).
///
/// # Safety
/// `import` must come from a module descriptor (static strings).
pub unsafe fn resolve(import: &ImportDesc, guarded: bool) -> Option<Extern> {
    // SAFETY: descriptor strings are static.
    let (module, field, ty) = unsafe {
        (
            import.module.bytes(),
            import.field.bytes(),
            import.ty.bytes(),
        )
    };
    if ExternKind::from_u32(import.kind) != Some(ExternKind::Memory) || ty != b"s" {
        return None;
    }
    let _held = CREATED_LOCK.lock();
    // SAFETY: guarded by CREATED_LOCK once threads exist.
    let created = unsafe { &mut *core::ptr::addr_of_mut!(CREATED) };
    let memory = match created
        .iter()
        .flatten()
        .find(|(m, f, _)| *m == module && *f == field)
    {
        Some(&(_, _, memory)) => memory,
        None => {
            let slot = created.iter_mut().find(|s| s.is_none())?;
            let record =
                crate::alloc::alloc_zeroed(core::mem::size_of::<VMMemory>(), 16) as *mut VMMemory;
            if record.is_null() {
                return None;
            }
            let cap = import
                .max
                .min(crate::instance::manifest().max_memory_pages)
                .min(wafer_abi::MAX_WASM_PAGES);
            // Boards without a guard window: the memory would take the
            // free end of the heap only until the next allocation (the
            // threads' instances and stacks come right after it), then
            // keep little room to grow. It gets half the free heap up
            // front instead, so threads can grow it while spawning.
            #[cfg(wafer_platform = "baremetal")]
            let cap = if guarded {
                cap
            } else {
                let half = crate::platform::available(0) as u64 / 2 / wafer_abi::WASM_PAGE_SIZE;
                cap.min(half).max(import.min)
            };
            if import.min > cap {
                return None;
            }
            // SAFETY: `record` is a fresh allocation that lives forever.
            unsafe {
                crate::instance::reserve_linear_memory(
                    record,
                    import.min,
                    cap,
                    import.max,
                    wafer_abi::vmctx::MemoryShape::CLASSIC,
                    guarded,
                )
                .ok()?;
            }
            *slot = Some((module, field, record));
            record
        }
    };
    Some(Extern::Memory { memory, ty: b"s" })
}
