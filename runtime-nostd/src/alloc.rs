//! A bump allocator over platform pages: instances, tables and registries
//! are allocated and never freed (an image's instances live until exit).

static mut CHUNK: *mut u8 = core::ptr::null_mut();
static mut CHUNK_LEFT: usize = 0;
const CHUNK_SIZE: usize = 1 << 20;

/// Allocates `size` zeroed bytes aligned to `align` (a power of two ≤ 4096);
/// null when the platform is out of memory.
pub fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    // SAFETY: single-threaded bump pointer over memory this module owns.
    unsafe {
        let pad = (CHUNK as usize).wrapping_neg() & (align - 1);
        if CHUNK.is_null() || pad + size > CHUNK_LEFT {
            let bytes = size.max(CHUNK_SIZE);
            let chunk = crate::platform::map_zeroed(bytes);
            if chunk.is_null() {
                return chunk;
            }
            if size >= CHUNK_SIZE {
                return chunk;
            }
            CHUNK = chunk;
            CHUNK_LEFT = bytes;
            return alloc_zeroed(size, align);
        }
        let p = CHUNK.add(pad);
        CHUNK = p.add(size);
        CHUNK_LEFT -= pad + size;
        p
    }
}
