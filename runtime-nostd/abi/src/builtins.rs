//! Runtime functions that compiled code calls by symbol name.
//!
//! The compiler declares each as an imported function with the listed
//! signature; the runtime defines each as `#[unsafe(no_mangle)] extern "C"`.
//! All take the calling instance's vmctx first. Addresses and lengths are
//! passed as `u64` (zero-extended i32) so memory64 needs no new ABI.
//! `data.drop` and `elem.drop` need no builtin: compiled code stores 0 into
//! the segment's vmctx length.
//! A builtin that detects a trap condition does not return: it raises the
//! trap through the runtime's unwinding (longjmp to the invocation).
//!
//! Also provided by the runtime: the libcalls Cranelift may emit
//! (`ceilf ceil floorf floor truncf trunc nearbyintf nearbyint fmaf fma`)
//! and `memcpy memmove memset memcmp bcmp`.

/// ABI types of builtin parameters and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer or pointer.
    I64,
}

/// One builtin's symbol and signature (vmctx parameter not listed).
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub symbol: &'static str,
    pub params: &'static [AbiType],
    pub result: Option<AbiType>,
}

use AbiType::{I32, I64};

/// `(mem: u32, delta_pages: u64) -> u32`: old size in pages, or `u32::MAX`
/// (-1) when the memory cannot grow that far.
pub const MEMORY_GROW: Builtin = Builtin {
    symbol: "wafer_memory_grow",
    params: &[I32, I64],
    result: Some(I32),
};
/// `(dst_mem: u32, src_mem: u32, dst: u64, src: u64, len: u64)`.
pub const MEMORY_COPY: Builtin = Builtin {
    symbol: "wafer_memory_copy",
    params: &[I32, I32, I64, I64, I64],
    result: None,
};
/// `(mem: u32, dst: u64, byte: u32, len: u64)`.
pub const MEMORY_FILL: Builtin = Builtin {
    symbol: "wafer_memory_fill",
    params: &[I32, I64, I32, I64],
    result: None,
};
/// `(mem: u32, data_segment: u32, dst: u64, src: u64, len: u64)`.
pub const MEMORY_INIT: Builtin = Builtin {
    symbol: "wafer_memory_init",
    params: &[I32, I32, I64, I64, I64],
    result: None,
};
/// `(table: u32, init: u64 (reference word), delta: u64) -> u32`: old length
/// or `u32::MAX`.
pub const TABLE_GROW: Builtin = Builtin {
    symbol: "wafer_table_grow",
    params: &[I32, I64, I64],
    result: Some(I32),
};
/// `(table: u32, dst: u64, value: u64, len: u64)`.
pub const TABLE_FILL: Builtin = Builtin {
    symbol: "wafer_table_fill",
    params: &[I32, I64, I64, I64],
    result: None,
};
/// `(dst_table: u32, src_table: u32, dst: u64, src: u64, len: u64)`.
pub const TABLE_COPY: Builtin = Builtin {
    symbol: "wafer_table_copy",
    params: &[I32, I32, I64, I64, I64],
    result: None,
};
/// `(table: u32, elem_segment: u32, dst: u64, src: u64, len: u64)`.
pub const TABLE_INIT: Builtin = Builtin {
    symbol: "wafer_table_init",
    params: &[I32, I32, I64, I64, I64],
    result: None,
};

/// `(address: u64 native pointer, count: u32) -> u32`: wakes up to `count`
/// waiters on the shared-memory word at `address` (checked and aligned by
/// the caller), returns how many it woke.
pub const ATOMIC_NOTIFY: Builtin = Builtin {
    symbol: "wafer_atomic_notify",
    params: &[I64, I32],
    result: Some(I32),
};
/// `(address: u64 native pointer, expected: u32, timeout_ns: i64) -> u32`:
/// 0 woken, 1 the value was not `expected`, 2 timed out (a negative
/// timeout waits forever).
pub const ATOMIC_WAIT32: Builtin = Builtin {
    symbol: "wafer_atomic_wait32",
    params: &[I64, I32, I64],
    result: Some(I32),
};
/// As [`ATOMIC_WAIT32`] with a 64-bit `expected`.
pub const ATOMIC_WAIT64: Builtin = Builtin {
    symbol: "wafer_atomic_wait64",
    params: &[I64, I64, I64],
    result: Some(I32),
};
/// `()`, never returns: raises the `expected shared memory` trap of a
/// wait on an unshared memory. A builtin rather than a trap instruction
/// because a trap site's code has 4 bits (codes 1..=15) and this code is 16.
pub const ATOMIC_WAIT_UNSHARED: Builtin = Builtin {
    symbol: "wafer_atomic_wait_unshared",
    params: &[],
    result: None,
};

/// Every builtin, for the compiler's declarations and the runtime's tests.
pub const ALL: &[Builtin] = &[
    MEMORY_GROW,
    MEMORY_COPY,
    MEMORY_FILL,
    MEMORY_INIT,
    TABLE_GROW,
    TABLE_FILL,
    TABLE_COPY,
    TABLE_INIT,
    ATOMIC_NOTIFY,
    ATOMIC_WAIT32,
    ATOMIC_WAIT64,
    ATOMIC_WAIT_UNSHARED,
];
