//! The `spectest` host module the WebAssembly spec suite imports: print
//! functions (silent), globals holding 666 / 666.6, a 10..20 funcref table
//! and a 1..2 page memory.

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
            b"memory" => {
                if MEMORY.base.is_null()
                    && crate::platform::GUARD_REGIONS
                    && crate::instance::image_uses_guard()
                {
                    // Guard-mode importers need a guard window around it.
                    let record = core::ptr::addr_of_mut!(MEMORY);
                    if crate::instance::reserve_guarded_memory(
                        record,
                        1,
                        2,
                        2,
                        MemoryShape::CLASSIC,
                    )
                    .is_err()
                    {
                        return None;
                    }
                }
                if MEMORY.base.is_null() {
                    MEMORY.base = crate::platform::map_zeroed(2 * WASM_PAGE_SIZE as usize);
                    if MEMORY.base.is_null() {
                        return None;
                    }
                }
                Extern::Memory(core::ptr::addr_of_mut!(MEMORY))
            }
            _ => return None,
        })
    }
}
