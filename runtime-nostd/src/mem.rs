//! `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`: needed by `core` and by
//! Cranelift-generated code, and absent without libc. The crate is
//! `#![no_builtins]`, so these loops are not turned into calls to themselves.

#[cfg(not(test))]
mod symbols {
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // Non-overlapping ranges are a special case of `memmove`'s.
        // SAFETY: the caller guarantees non-overlapping valid ranges.
        unsafe { memmove(dst, src, n) }
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the caller guarantees valid ranges; the direction handles overlap.
        unsafe {
            if (dst as usize) <= (src as usize) {
                let mut i = 0;
                while i < n {
                    *dst.add(i) = *src.add(i);
                    i += 1;
                }
            } else {
                let mut i = n;
                while i > 0 {
                    i -= 1;
                    *dst.add(i) = *src.add(i);
                }
            }
        }
        dst
    }

    // The aarch64 board images use a smaller one from their boot code
    // (`wafer_vectors_memset`, `platform/baremetal/aarch64.rs`).
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memset(dst: *mut u8, value: i32, n: usize) -> *mut u8 {
        const WORD: usize = core::mem::size_of::<usize>();
        let byte = value as u8;
        // SAFETY: the caller guarantees a valid range; word stores are
        // aligned and end within it.
        unsafe {
            let mut i = 0;
            // Whole aligned words where the range has some: zeroing a
            // board's 64 KiB linear memory at startup took 200 000
            // instructions byte by byte.
            let head = (dst as usize).wrapping_neg() & (WORD - 1);
            if n >= head + WORD {
                while i < head {
                    *dst.add(i) = byte;
                    i += 1;
                }
                let word = usize::from_ne_bytes([byte; WORD]);
                // Four words a round: a quarter of the loop overhead.
                while n - i >= 4 * WORD {
                    let at = dst.add(i) as *mut usize;
                    at.write(word);
                    at.add(1).write(word);
                    at.add(2).write(word);
                    at.add(3).write(word);
                    i += 4 * WORD;
                }
                while n - i >= WORD {
                    (dst.add(i) as *mut usize).write(word);
                    i += WORD;
                }
            }
            while i < n {
                *dst.add(i) = byte;
                i += 1;
            }
        }
        dst
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: the caller guarantees valid ranges.
        unsafe {
            let mut i = 0;
            while i < n {
                let (x, y) = (*a.add(i), *b.add(i));
                if x != y {
                    return x as i32 - y as i32;
                }
                i += 1;
            }
        }
        0
    }

    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: as memcmp.
        unsafe { memcmp(a, b, n) }
    }
}
