//! The runtime's allocator: a bump pointer over 1 MiB chunks of platform
//! pages, plus what a growing table needs — extending the last allocation
//! in place, and giving back a buffer that growth moved away from.
//!
//! Instances and registries live until exit and are never freed. Table
//! buffers are the one thing that moves: [`grow_zeroed`] extends in place
//! when the buffer is the newest allocation, else moves it and [`free`]s
//! the old one, which is reused by later allocations (a small first-fit
//! list; when it is full a freed block is forgotten, which only wastes it).
//! Behind a lock once Wasm threads exist (`crate::threads`).

const CHUNK_SIZE: usize = 1 << 20;
const FREE_SLOTS: usize = 64;
/// Leftovers smaller than this are not worth a free-list slot.
const MIN_SPLIT: usize = 64;

/// A free block: address and size.
#[derive(Clone, Copy)]
struct Block {
    at: usize,
    size: usize,
}

struct Heap {
    /// The bump cursor inside the current chunk; memory from it to
    /// `cursor + left` is unused and holds whatever it held (on boards,
    /// RAM is not zeroed at boot: each allocation zeroes its own bytes,
    /// so a 1 MiB chunk costs nothing until it is handed out).
    cursor: *mut u8,
    left: usize,
    free: [Block; FREE_SLOTS],
    free_count: usize,
}

impl Heap {
    const fn new() -> Heap {
        Heap {
            cursor: core::ptr::null_mut(),
            left: 0,
            free: [Block { at: 0, size: 0 }; FREE_SLOTS],
            free_count: 0,
        }
    }

    fn alloc_zeroed(&mut self, size: usize, align: usize) -> *mut u8 {
        if let Some(p) = self.take_free(size, align) {
            // SAFETY: the block is `size` bytes we own and nobody uses.
            unsafe { core::ptr::write_bytes(p, 0, size) };
            return p;
        }
        let pad = (self.cursor as usize).wrapping_neg() & (align - 1);
        if self.cursor.is_null() || pad + size > self.left {
            if size >= CHUNK_SIZE {
                // Its own mapping, handed out whole.
                return crate::platform::map_zeroed(size);
            }
            let chunk = crate::platform::map(CHUNK_SIZE);
            if chunk.is_null() {
                return chunk;
            }
            if !self.cursor.is_null() {
                // The rest of the old chunk stays usable.
                self.free(self.cursor, self.left);
            }
            self.cursor = chunk;
            self.left = CHUNK_SIZE;
            return self.alloc_zeroed(size, align);
        }
        // SAFETY: `pad + size <= left`: inside the current chunk, unused.
        unsafe {
            let p = self.cursor.add(pad);
            core::ptr::write_bytes(p, 0, size);
            self.cursor = p.add(size);
            self.left -= pad + size;
            p
        }
    }

    /// First fit from the free list, splitting off what is left.
    fn take_free(&mut self, size: usize, align: usize) -> Option<*mut u8> {
        // Iterators and `get`, not indexing: no panic path linked.
        let listed = self.free.get(..self.free_count)?;
        let i = listed
            .iter()
            .position(|b| b.at & (align - 1) == 0 && b.size >= size)?;
        let block = listed[i];
        self.free_count -= 1;
        self.free.swap(i, self.free_count);
        if block.size - size >= MIN_SPLIT {
            self.remember(Block {
                at: block.at + size,
                size: block.size - size,
            });
        }
        Some(block.at as *mut u8)
    }

    fn remember(&mut self, block: Block) {
        if let Some(slot) = self.free.get_mut(self.free_count) {
            *slot = block;
            self.free_count += 1;
        }
    }

    fn free(&mut self, p: *mut u8, size: usize) {
        if p.is_null() || size == 0 {
            return;
        }
        if p.wrapping_add(size) == self.cursor {
            // The newest allocation: give it back to the bump pointer
            // (which zeroes what it hands out).
            self.cursor = p;
            self.left += size;
            return;
        }
        self.remember(Block {
            at: p as usize,
            size,
        });
    }

    fn grow_zeroed(&mut self, p: *mut u8, old: usize, new: usize, align: usize) -> *mut u8 {
        if p.wrapping_add(old) == self.cursor && new - old <= self.left {
            // The newest allocation grows in place; the added bytes are
            // zeroed here.
            // SAFETY: `new - old <= left`: inside the current chunk, unused.
            self.cursor = unsafe {
                core::ptr::write_bytes(self.cursor, 0, new - old);
                self.cursor.add(new - old)
            };
            self.left -= new - old;
            return p;
        }
        let q = self.alloc_zeroed(new, align);
        if q.is_null() {
            return q;
        }
        // SAFETY: `p` holds `old` bytes, `q` at least `new >= old`, and
        // they are different blocks.
        unsafe { core::ptr::copy_nonoverlapping(p, q, old) };
        self.free(p, old);
        q
    }
}

static mut HEAP: Heap = Heap::new();
/// Guards `HEAP` once Wasm threads exist (`crate::threads`).
static HEAP_LOCK: crate::threads::lock::SpinLock = crate::threads::lock::SpinLock::new();

fn heap() -> &'static mut Heap {
    // SAFETY: single-threaded; no reference outlives one allocator call.
    unsafe { &mut *core::ptr::addr_of_mut!(HEAP) }
}

/// Allocates `size` zeroed bytes aligned to `align` (a power of two ≤ 4096);
/// null when the platform is out of memory.
pub fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    let _held = HEAP_LOCK.lock();
    heap().alloc_zeroed(size, align)
}

/// Grows the block `p` of `old` bytes (from [`alloc_zeroed`] or
/// [`grow_zeroed`]) to `new >= old` bytes: in place when it is the newest
/// allocation, else by moving it (the old block is freed). The added bytes
/// are zero. Null, with `p` untouched, when out of memory.
///
/// # Safety
/// `p` must be a live block of exactly `old` bytes, aligned to `align`;
/// after a move it must no longer be used.
pub unsafe fn grow_zeroed(p: *mut u8, old: usize, new: usize, align: usize) -> *mut u8 {
    let _held = HEAP_LOCK.lock();
    heap().grow_zeroed(p, old, new, align)
}

/// Gives back the block `p` of `size` bytes for later allocations.
///
/// # Safety
/// `p` must be `size` bytes of memory the runtime owns that nothing uses
/// any more.
pub unsafe fn free(p: *mut u8, size: usize) {
    let _held = HEAP_LOCK.lock();
    heap().free(p, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_block_grows_in_place_and_the_added_bytes_are_zero() {
        let mut heap = Heap::new();
        let p = heap.alloc_zeroed(64, 8);
        unsafe { core::ptr::write_bytes(p, 0xaa, 64) };
        let q = heap.grow_zeroed(p, 64, 256, 8);
        assert_eq!(q, p, "in place");
        let bytes = unsafe { core::slice::from_raw_parts(q, 256) };
        assert!(bytes[..64].iter().all(|&b| b == 0xaa));
        assert!(bytes[64..].iter().all(|&b| b == 0));
    }

    #[test]
    fn a_block_that_moves_is_reused_by_the_next_allocation_that_fits() {
        let mut heap = Heap::new();
        let table = heap.alloc_zeroed(128, 8);
        unsafe { core::ptr::write_bytes(table, 0x55, 128) };
        let _instance = heap.alloc_zeroed(32, 16); // blocks growth in place
        let moved = heap.grow_zeroed(table, 128, 512, 8);
        assert_ne!(moved, table);
        let bytes = unsafe { core::slice::from_raw_parts(moved, 512) };
        assert!(bytes[..128].iter().all(|&b| b == 0x55), "contents kept");
        assert!(bytes[128..].iter().all(|&b| b == 0));
        let reused = heap.alloc_zeroed(100, 8);
        assert_eq!(reused, table, "the old buffer is reused");
        let bytes = unsafe { core::slice::from_raw_parts(reused, 100) };
        assert!(bytes.iter().all(|&b| b == 0), "and handed out zeroed");
    }

    #[test]
    fn bytes_given_back_to_the_bump_pointer_come_out_zeroed_again() {
        // The bump pointer zeroes what it hands out, not what it gets back
        // (nor, on boards, the chunk it starts from).
        let mut heap = Heap::new();
        let p = heap.alloc_zeroed(256, 8);
        unsafe { core::ptr::write_bytes(p, 0xcc, 256) };
        heap.free(p, 256);
        let q = heap.alloc_zeroed(512, 8);
        assert_eq!(q, p, "the same bytes, from the bump pointer");
        let bytes = unsafe { core::slice::from_raw_parts(q, 512) };
        assert!(bytes.iter().all(|&b| b == 0));
    }

    #[test]
    fn growth_loops_stay_bounded() {
        // Doubling a table 1000 times over with an allocation in between
        // each time: freed buffers are reused, so the heap does not keep
        // every old copy.
        let mut heap = Heap::new();
        let mut table = heap.alloc_zeroed(8, 8);
        let mut size = 8;
        let start = heap.cursor as usize;
        for _ in 0..1000 {
            let _between = heap.alloc_zeroed(16, 16);
            let new = if size < 4096 { size * 2 } else { size };
            table = heap.grow_zeroed(table, size, new, 8);
            assert!(!table.is_null());
            size = new;
        }
        let used = heap.cursor as usize - start;
        assert!(used < 64 * 1024, "{used} bytes used");
    }
}
