//! The C API of `libwafer_rt.a`, as `wafer_rt.h` declares it (the runtime
//! side is `runtime-nostd/src/embed/`).

/// A module descriptor (`wafer_module_<prefix>` of a `wafer compile`
/// object). Opaque: only its address is used.
#[repr(C)]
pub struct ModuleDescriptor {
    _opaque: [u8; 0],
}

/// An instance (opaque).
#[repr(C)]
pub struct RawInstance {
    _opaque: [u8; 0],
}

/// `wafer_trap`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawTrap {
    pub code: u32,
    pub wasm_offset: u32,
    pub message: *const u8,
    pub message_len: usize,
    pub module: *const u8,
    pub module_len: usize,
    pub function: *const u8,
    pub function_len: usize,
    pub function_index: u32,
}

impl RawTrap {
    pub const fn empty() -> RawTrap {
        RawTrap {
            code: 0,
            wasm_offset: u32::MAX,
            message: core::ptr::null(),
            message_len: 0,
            module: core::ptr::null(),
            module_len: 0,
            function: core::ptr::null(),
            function_len: 0,
            function_index: u32::MAX,
        }
    }
}

/// `wafer_val`: one value slot.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct RawVal {
    pub bits: [u64; 2],
}

pub const WAFER_OK: i32 = 0;
pub const WAFER_TRAP: i32 = 1;
pub const WAFER_ERROR: i32 = 2;

unsafe extern "C" {
    pub fn wafer_instance_new(
        module: *const ModuleDescriptor,
        instance: *mut *mut RawInstance,
        trap: *mut RawTrap,
    ) -> i32;
    pub fn wafer_instance_reset(instance: *mut RawInstance, trap: *mut RawTrap) -> i32;
    pub fn wafer_call(
        instance: *mut RawInstance,
        export_index: u32,
        values: *mut RawVal,
        count: usize,
        trap: *mut RawTrap,
    ) -> i32;
    pub fn wafer_export_find(
        instance: *const RawInstance,
        name: *const u8,
        name_len: usize,
        export_index: *mut u32,
        signature: *mut *const u8,
        signature_len: *mut usize,
    ) -> i32;
    pub fn wafer_memory_base(instance: *const RawInstance) -> *mut u8;
    pub fn wafer_memory_length(instance: *const RawInstance) -> u64;
}
