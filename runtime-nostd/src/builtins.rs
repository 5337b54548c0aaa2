//! Builtins compiled code calls (`wafer_abi::builtins`): growing memories
//! and tables, and the bulk operations. Each checks its whole range before
//! touching anything and raises the spec's trap if it does not fit.

use wafer_abi::descriptor::ModuleDescriptor;
use wafer_abi::trap::TrapCode;
use wafer_abi::vmctx::{self, VMMemory, VMTable, VmctxLayout};

use crate::trap::{Trap, raise};

/// The layout and descriptor of the instance owning `vmctx`.
///
/// # Safety
/// `vmctx` must be a live instance's vmctx.
unsafe fn context(vmctx: *mut u8) -> (&'static ModuleDescriptor, VmctxLayout) {
    // SAFETY: the header's descriptor pointer is set at instantiation.
    unsafe {
        let desc = &**(vmctx.add(vmctx::DESCRIPTOR as usize) as *const *const ModuleDescriptor);
        (desc, VmctxLayout::new(desc.counts))
    }
}

/// Memory `index` of the instance owning `vmctx`.
///
/// # Safety
/// `vmctx` must be a live instance's vmctx and `index` valid for it.
pub unsafe fn memory(vmctx: *mut u8, index: u32) -> *mut VMMemory {
    // SAFETY: offsets from the instance's own layout.
    unsafe {
        let (_, layout) = context(vmctx);
        if index < layout.counts.imported_memories {
            *(vmctx.add(layout.memory_import(index) as usize) as *const *mut VMMemory)
        } else {
            vmctx.add(layout.memory(index - layout.counts.imported_memories) as usize)
                as *mut VMMemory
        }
    }
}

/// Table `index` of the instance owning `vmctx`.
///
/// # Safety
/// As for [`memory`].
pub unsafe fn table(vmctx: *mut u8, index: u32) -> *mut VMTable {
    // SAFETY: offsets from the instance's own layout.
    unsafe {
        let (_, layout) = context(vmctx);
        if index < layout.counts.imported_tables {
            *(vmctx.add(layout.table_import(index) as usize) as *const *mut VMTable)
        } else {
            vmctx.add(layout.table(index - layout.counts.imported_tables) as usize) as *mut VMTable
        }
    }
}

/// Whether `[start, start + len)` fits in `limit` (no overflow: all < 2^34).
fn fits(start: u64, len: u64, limit: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= limit)
}

fn trap(code: TrapCode) -> ! {
    raise(Trap::new(code))
}

/// `start..start + len` of the `limit` elements at `base`.
struct Span<T> {
    base: *const T,
    limit: u64,
    start: u64,
}

impl<T> Span<T> {
    fn new(base: *const T, limit: u64, start: u64) -> Self {
        Span { base, limit, start }
    }
}

/// The shared step of `memory.copy/init` and `table.copy/init`: checks
/// both spans for `len` elements, trapping with `code` if either does not
/// fit, then copies (overlap allowed).
///
/// # Safety
/// Each span's `base` must point at `limit` valid elements, `dst`'s
/// writable.
unsafe fn checked_copy<T>(dst: Span<T>, src: Span<T>, len: u64, code: TrapCode) {
    if !fits(dst.start, len, dst.limit) || !fits(src.start, len, src.limit) {
        trap(code);
    }
    if len == 0 {
        return; // a dropped segment's base may be dangling
    }
    // SAFETY: both ranges are inside their limits (checked above).
    unsafe {
        core::ptr::copy(
            src.base.add(src.start as usize),
            (dst.base as *mut T).add(dst.start as usize),
            len as usize,
        );
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_grow(vmctx: *mut u8, mem: u32, delta: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    unsafe {
        let m = &mut *memory(vmctx, mem);
        let page = m.page_size();
        let old = m.length / page;
        if delta > m.max_pages - old {
            return u32::MAX;
        }
        let new_length = m.length + delta * page;
        // A guard window makes the new pages accessible first (zeroed);
        // the platform may refuse, and then the memory does not grow.
        if m.guard_window != 0 && !crate::platform::commit_guarded(m.base, m.length, new_length) {
            return u32::MAX;
        }
        // Boards: the memory's end canary moves to the new end (checked
        // first, before the zeroing below would erase damage).
        #[cfg(wafer_platform = "baremetal")]
        crate::canary::memory_growing(m.base, m.length, new_length);
        // The reservation already covers max_pages. A guard window's
        // pages come zeroed from `commit_guarded`.
        if !crate::platform::MAPPED_MEMORY_IS_ZERO && m.guard_window == 0 {
            core::ptr::write_bytes(m.base.add(m.length as usize), 0, (delta * page) as usize);
        }
        m.length = new_length;
        old as u32
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: the records belong to the calling instance.
    unsafe {
        let d = &*memory(vmctx, dst_mem);
        let s = &*memory(vmctx, src_mem);
        checked_copy(
            Span::new(d.base, d.length, dst),
            Span::new(s.base, s.length, src),
            len,
            TrapCode::MemoryOutOfBounds,
        );
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_fill(
    vmctx: *mut u8,
    mem: u32,
    dst: u64,
    byte: u32,
    len: u64,
) {
    // SAFETY: the range is checked first.
    unsafe {
        let m = &*memory(vmctx, mem);
        if !fits(dst, len, m.length) {
            trap(TrapCode::MemoryOutOfBounds);
        }
        core::ptr::write_bytes(m.base.add(dst as usize), byte as u8, len as usize);
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_memory_init(
    vmctx: *mut u8,
    mem: u32,
    segment: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: the segment's current length (0 once dropped) bounds the
    // source.
    unsafe {
        let (desc, layout) = context(vmctx);
        let available = *(vmctx.add(layout.data_length(segment) as usize) as *const u32) as u64;
        let m = &*memory(vmctx, mem);
        // `get`: the compiler only emits valid segment indices, and a
        // bounds-check panic would link `core::fmt` into every image.
        let Some(data) = desc.data_segment(segment as usize) else {
            crate::trap::raise(Trap::new(TrapCode::MemoryOutOfBounds))
        };
        checked_copy(
            Span::new(m.base, m.length, dst),
            Span::new(data.as_ptr(), available, src),
            len,
            TrapCode::MemoryOutOfBounds,
        );
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_table_grow(
    vmctx: *mut u8,
    index: u32,
    init: u64,
    delta: u64,
) -> u32 {
    // SAFETY: the table record belongs to a live instance; the buffer is
    // grown (or moved, the old one freed) before the record is updated.
    unsafe {
        let t = &mut *table(vmctx, index);
        // The image's cap (--max-table-elements) bounds tables without a
        // maximum: growth beyond it fails like any other (-1).
        let limit = crate::instance::table_cap(t.max);
        let old = t.length;
        if delta > limit - old.min(limit) {
            return u32::MAX;
        }
        let new_length = old + delta;
        if new_length > t.capacity {
            // Doubling keeps the copies (on boards) amortised.
            let capacity = new_length.max(t.capacity * 2).min(limit.max(new_length));
            let base = crate::alloc::grow_zeroed(
                t.base as *mut u8,
                (t.capacity * 8) as usize,
                (capacity * 8) as usize,
                8,
            ) as *mut usize;
            if base.is_null() {
                return u32::MAX;
            }
            t.base = base;
            t.capacity = capacity;
        }
        for i in old..new_length {
            *t.base.add(i as usize) = init as usize;
        }
        t.length = new_length;
        old as u32
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_table_fill(
    vmctx: *mut u8,
    index: u32,
    dst: u64,
    value: u64,
    len: u64,
) {
    // SAFETY: the range is checked first.
    unsafe {
        let t = &*table(vmctx, index);
        if !fits(dst, len, t.length) {
            trap(TrapCode::TableOutOfBounds);
        }
        for i in dst..dst + len {
            *t.base.add(i as usize) = value as usize;
        }
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: the records belong to the calling instance.
    unsafe {
        let d = &*table(vmctx, dst_table);
        let s = &*table(vmctx, src_table);
        checked_copy(
            Span::new(d.base, d.length, dst),
            Span::new(s.base, s.length, src),
            len,
            TrapCode::TableOutOfBounds,
        );
    }
}

/// A builtin called by compiled code (see `wafer_abi::builtins`).
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx and the indices valid for it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_table_init(
    vmctx: *mut u8,
    index: u32,
    segment: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: the segment's items were written by the module's initialiser;
    // its current length (0 once dropped) bounds the source.
    unsafe {
        let (desc, layout) = context(vmctx);
        let available = *(vmctx.add(layout.elem_length(segment) as usize) as *const u32) as u64;
        let t = &*table(vmctx, index);
        let first = desc.elems()[segment as usize].first_item;
        let items = vmctx.add(layout.elem_item(first) as usize) as *const usize;
        checked_copy(
            Span::new(t.base, t.length, dst),
            Span::new(items, available, src),
            len,
            TrapCode::TableOutOfBounds,
        );
    }
}
