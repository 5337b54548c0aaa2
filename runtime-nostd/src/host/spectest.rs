//! The `spectest` host module the WebAssembly spec suite imports: print
//! functions (silent), globals holding 666 / 666.6, a 10..20 funcref table
//! and a 1..2 page memory, unshared (`memory`) and shared (`shared_memory`).

use wafer_abi::WASM_PAGE_SIZE;
use wafer_abi::vmctx::{MemoryShape, VMGlobal, VMMemory, VMTable};

use crate::instance::Extern;

extern "C" fn print(_vmctx: *mut u8) {}

static mut GLOBAL_I32: VMGlobal = VMGlobal { bits: [666, 0] };
static mut GLOBAL_I64: VMGlobal = VMGlobal { bits: [666, 0] };
static mut GLOBAL_F32: VMGlobal = VMGlobal {
    bits: [0x4426_a666, 0], // 666.6f32
};
static mut GLOBAL_F64: VMGlobal = VMGlobal {
    bits: [0x4084_d4cc_cccc_cccd, 0], // 666.6f64
};

static mut TABLE_ITEMS: [usize; 20] = [0; 20];
static mut TABLE: VMTable = VMTable {
    base: core::ptr::null_mut(),
    length: 10,
    max: 20,
    capacity: 20,
};
static mut MEMORY: VMMemory = VMMemory {
    base: core::ptr::null_mut(),
    length: WASM_PAGE_SIZE,
    max_pages: 2,
    reserved: 2,
    guard_window: 0,
    page_size_log2: 16,
    index64: 0,
};

/// `spectest.shared_memory` (threads proposal): also 1..2 pages, shared.
static mut SHARED_MEMORY: VMMemory = VMMemory {
    base: core::ptr::null_mut(),
    length: WASM_PAGE_SIZE,
    max_pages: 2,
    reserved: 2,
    guard_window: 0,
    page_size_log2: 16,
    index64: 0,
};

/// One of the 1..2 page host memories, reserved on first use (in a guard
/// window when guard-mode importers need one).
///
/// # Safety
/// `record` is one of this module's memory statics; single-threaded.
unsafe fn memory(record: *mut VMMemory, ty: &'static [u8]) -> Option<Extern> {
    // SAFETY: single-threaded lazy initialisation of a host static.
    unsafe {
        if (*record).base.is_null()
            && crate::platform::GUARD_REGIONS
            && crate::instance::image_uses_guard()
        {
            // Guard-mode importers need a guard window around it.
            crate::instance::reserve_guarded_memory(record, 1, 2, 2, MemoryShape::CLASSIC).ok()?;
        }
        if (*record).base.is_null() {
            (*record).base = crate::platform::map_zeroed(2 * WASM_PAGE_SIZE as usize);
            if (*record).base.is_null() {
                return None;
            }
        }
        Some(Extern::Memory { memory: record, ty })
    }
}

/// Resolves `spectest.<field>`.
pub fn resolve(field: &[u8]) -> Option<Extern> {
    let func = |sig: &'static [u8]| Extern::HostFunc {
        code: print as *const () as usize,
        sig,
    };
    // SAFETY: single-threaded lazy initialisation of host statics.
    unsafe {
        Some(match field {
            b"print" => func(b">"),
            b"print_i32" => func(b"i>"),
            b"print_i64" => func(b"I>"),
            b"print_f32" => func(b"f>"),
            b"print_f64" => func(b"F>"),
            b"print_i32_f32" => func(b"if>"),
            b"print_f64_f64" => func(b"FF>"),
            b"global_i32" => Extern::Global {
                cell: core::ptr::addr_of_mut!(GLOBAL_I32),
                ty: b"i",
            },
            b"global_i64" => Extern::Global {
                cell: core::ptr::addr_of_mut!(GLOBAL_I64),
                ty: b"I",
            },
            b"global_f32" => Extern::Global {
                cell: core::ptr::addr_of_mut!(GLOBAL_F32),
                ty: b"f",
            },
            b"global_f64" => Extern::Global {
                cell: core::ptr::addr_of_mut!(GLOBAL_F64),
                ty: b"F",
            },
            b"table" => {
                TABLE.base = core::ptr::addr_of_mut!(TABLE_ITEMS) as *mut usize;
                Extern::Table {
                    table: core::ptr::addr_of_mut!(TABLE),
                    elem: b'r',
                    index64: false,
                }
            }
            b"memory" => memory(core::ptr::addr_of_mut!(MEMORY), b"")?,
            b"shared_memory" => memory(core::ptr::addr_of_mut!(SHARED_MEMORY), b"s")?,
            _ => return None,
        })
    }
}
