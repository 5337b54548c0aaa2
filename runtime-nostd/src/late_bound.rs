//! Functions an image links only if it can need them.
//!
//! hello must fit 12 KiB of flash, so runtime code that only some images
//! use must not be reachable from the code every image runs. The runtime
//! has two ways to keep it out, chosen by who knows whether it is needed:
//! - **the compiler, at link time**: `wafer build` binds a symbol to the
//!   real function or to a stub with `--defsym` (the modules to
//!   instantiate, the memory reservation, the baked file tree's WASI
//!   calls: `compiler/src/image.rs`);
//! - **the runtime, when the feature is first used**: a [`LateBound`]
//!   pointer, set by the code that starts using the feature (the first
//!   Wasm `throw`, the first growable memory on a board) and called by the
//!   shared paths (a protected call's return, the heap allocator) only once
//!   set. An image without that first use links none of the function.

use core::cell::UnsafeCell;

/// A function pointer that is empty until [`LateBound::bind`] runs.
pub struct LateBound<F: Copy>(UnsafeCell<Option<F>>);

// SAFETY: written by `bind`, whose callers guarantee no concurrent access;
// read-only otherwise.
unsafe impl<F: Copy> Sync for LateBound<F> {}

impl<F: Copy> LateBound<F> {
    pub const fn new() -> LateBound<F> {
        LateBound(UnsafeCell::new(None))
    }

    /// Sets the pointer, hidden from the optimiser: it would otherwise see
    /// the one value ever stored, call the function directly everywhere,
    /// and link it into every image.
    ///
    /// # Safety
    /// No other thread may read or bind `self` at the same time.
    pub unsafe fn bind(&self, f: F) {
        // SAFETY: as the caller guarantees.
        unsafe { *self.0.get() = Some(core::hint::black_box(f)) };
    }

    /// The function, once bound.
    pub fn get(&self) -> Option<F> {
        // SAFETY: `bind` is not running (its callers' guarantee).
        unsafe { *self.0.get() }
    }
}

impl<F: Copy> Default for LateBound<F> {
    fn default() -> Self {
        LateBound::new()
    }
}
