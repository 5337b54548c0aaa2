//! The contract between wafer-compiled code and the wafer runtime.
//!
//! Both sides depend on this crate and nothing else defines these numbers:
//! the compiler (`wafer`) writes code and data that match these layouts, the
//! runtime (`wafer-rt`) reads them. Everything here is `#[repr(C)]` and
//! assumes a 64-bit little-endian target (x86_64, aarch64, riscv64).
//!
//! - [`trap`]: trap codes and their spec messages.
//! - [`vmctx`]: the per-instance context every compiled function receives.
//! - [`descriptor`]: the static description of a compiled module and of an image.
//! - [`builtins`]: runtime functions that compiled code calls by symbol.
//! - [`values`]: value types, signature strings, the array-call value slot.
//! - [`serve`]: the line protocol of the serving entry point (spec harness).
//! - [`exit`]: the exit codes of images and their encoding on exit devices.
//! - [`wasi`]: the WASI preview 1 functions and their signatures.
//! - [`file_tree`]: the read-only file tree `--dir` bakes into a board's flash.
#![no_std]

pub mod budget;
pub mod builtins;
pub mod console;
pub mod descriptor;
pub mod exit;
pub mod file_tree;
pub mod serve;
pub mod trap;
pub mod values;
pub mod vmctx;
pub mod wasi;

/// Bumped whenever a layout in this crate changes; the runtime refuses
/// descriptors built for another version.
pub const ABI_VERSION: u32 = 16;

/// Size of a WebAssembly page in bytes.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// The largest number of pages a 32-bit memory can have.
pub const MAX_WASM_PAGES: u64 = 65536;

/// "no maximum" in descriptor limit fields.
pub const NO_MAX: u64 = u64::MAX;

/// Virtual address space a guard-mode linear memory reserves: the whole
/// 4 GiB a 32-bit address can reach, plus 4 GiB that is never accessible,
/// so `base + addr + offset + size` of any access stays inside it when
/// `u32::MAX + offset + size <= GUARD_WINDOW_BYTES` (the compiler keeps an
/// explicit check for the rare access with a larger static offset).
/// Everything past the memory's current length faults; only touched pages
/// cost physical memory.
pub const GUARD_WINDOW_BYTES: u64 = 8 << 30;

/// The start of every guard window that is never accessible, below the
/// memory's `base` (`base = window start + GUARD_BELOW_BYTES`): guard-mode
/// code folds `i32.add(p, k)` with `-GUARD_BELOW_BYTES <= k < 0` into the
/// access as `base + zext(p) + k`, which for `p < -k` (where the Wasm
/// address wraps to near 4 GiB) lands here and faults. One Wasm page: the
/// negative adds clang leaves in front of accesses are struct-field
/// offsets below a pointer (tens to hundreds of bytes), and every byte of
/// it lowers [`GUARDED_MAX_BYTES`].
pub const GUARD_BELOW_BYTES: u64 = 64 << 10;

/// Bytes from a guard-mode memory's `base` to the end of its window (its
/// `VMMemory::guard_window`): an access of `size` bytes with static
/// `offset` stays inside when `u32::MAX + offset + size <= GUARD_REACH_BYTES`.
pub const GUARD_REACH_BYTES: u64 = GUARD_WINDOW_BYTES - GUARD_BELOW_BYTES;

/// The largest a guard-mode memory may grow: a wrapped Wasm address
/// `2^32 + p + k` (`p < -k <= GUARD_BELOW_BYTES`) must be out of bounds,
/// as the folded access faults below `base` for it. 65 535 Wasm pages. A
/// memory declared with 65 536 pages keeps them; code folds no negative
/// adds for it, and the runtime links it to no import that declares less.
pub const GUARDED_MAX_BYTES: u64 = (1 << 32) - GUARD_BELOW_BYTES;
