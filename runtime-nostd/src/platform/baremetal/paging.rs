//! Guard windows on boards whose runtime runs the MMU (aarch64, x86_64,
//! riscv64 with Sv39): the platform side of guard-mode bounds checks.
//!
//! A guard-mode linear memory lives in a window of
//! [`wafer_abi::GUARD_WINDOW_BYTES`] of virtual address space above the
//! identity map. Its first `length` bytes are mapped with 4 KiB pages onto
//! physical pages taken from the heap; nothing else in the window is
//! mapped, so compiled code's unchecked `base + index + offset` (always
//! inside the window) reaches either the memory or a translation fault,
//! which the exception vector turns into the trap (`crate::trap`).
//!
//! Every ISA walks levels of 512 eight-byte entries, each indexing 9 VA
//! bits down to bits 20:12: four levels from bits 47:39 on aarch64 (TTBR1
//! with a 48-bit VA) and x86_64 (4-level paging), three from bits 38:30 on
//! riscv64 (Sv39); the ISA module ([`Isa`]) supplies the number of
//! levels, the descriptor format, the root table, where windows may lie
//! and the TLB maintenance. Tables and pages come from the
//! heap when a memory is reserved or grows, never from static RAM, and
//! are never freed (neither are linear memories on boards); a window a
//! dropped instance released is unmapped ([`unmap`]) and reused whole. They
//! are carved from heap chunks (64 KiB for tables, 1 MiB for pages): one
//! heap allocation (and, in serving images, one pair of canaries) per
//! chunk rather than per table or per `memory.grow`.

use wafer_abi::GUARD_WINDOW_BYTES;

const PAGE: usize = 4096;
const ENTRIES: usize = 512;

/// What an ISA's page-table format and MMU provide to the walker.
pub trait Isa {
    /// The window area: ranges of virtual addresses (first, last byte:
    /// an area may end at the top of the address space), filled with
    /// windows one after the other.
    const AREAS: &'static [(usize, usize)];
    /// The lowest VA bit the root table indexes (39 for four levels, 30
    /// for three).
    const ROOT_SHIFT: u32;
    /// Bits of a descriptor pointing at a next-level table.
    const TABLE: u64;
    /// Bits of a 4 KiB page descriptor: valid, read/write, cached normal
    /// memory, never executable.
    const PAGE: u64;
    /// The level-0 table of the window area, created on first use (null
    /// when the heap is full).
    fn root() -> *mut u64;
    /// Makes descriptors written since the last call visible to the MMU.
    fn sync();
    /// The descriptor of the table or page at physical address `pa` (4 KiB
    /// aligned) with attribute `bits` ([`Isa::TABLE`] or [`Isa::PAGE`]).
    /// Default: the address in place (aarch64, x86_64).
    fn descriptor(pa: usize, bits: u64) -> u64 {
        pa as u64 | bits
    }
    /// The physical address a table descriptor points at. Default: bits
    /// 47:12 (the low 12 bits and bits 63:48 are attributes).
    fn address(descriptor: u64) -> usize {
        (descriptor & 0x0000_ffff_ffff_f000) as usize
    }
}

/// A bump allocator over heap chunks of at least `CHUNK` bytes, and of
/// a quarter of what it took so far up to `CHUNK * 16` (so memories that
/// grow to hundreds of MiB a page at a time take a few dozen chunks, each
/// with its pair of canaries, while at most one chunk's rest is unused).
struct Pool<const CHUNK: usize> {
    next: usize,
    end: usize,
    taken: usize,
}

impl<const CHUNK: usize> Pool<CHUNK> {
    /// `bytes` (a multiple of 4 KiB) of 4 KiB aligned heap memory, not
    /// zeroed; null when the heap is full. What is left of a chunk too
    /// small for a request stays unused (requests are a multiple of 4 KiB
    /// for tables and of 64 KiB for pages, and so are the chunks).
    fn take(&mut self, bytes: usize) -> *mut u8 {
        if self.end - self.next < bytes {
            let mut size = bytes.max((self.taken / 4).clamp(CHUNK, CHUNK * 16));
            let mut chunk = super::map(size);
            if chunk.is_null() && size > bytes {
                size = bytes;
                chunk = super::map(size);
            }
            if chunk.is_null() {
                return chunk;
            }
            self.next = chunk as usize;
            self.end = self.next + size;
            self.taken += size;
        }
        let at = self.next;
        self.next += bytes;
        at as *mut u8
    }
}

/// Page tables of every window.
static mut TABLES: Pool<{ 64 * 1024 }> = Pool {
    next: 0,
    end: 0,
    taken: 0,
};
/// Pages of every window's memory.
static mut PAGES: Pool<{ 1024 * 1024 }> = Pool {
    next: 0,
    end: 0,
    taken: 0,
};

/// A zeroed 4 KiB table; null when the heap is full.
fn new_table() -> *mut u64 {
    // SAFETY: single-threaded pool; the page is fresh heap memory.
    unsafe {
        let table = (*core::ptr::addr_of_mut!(TABLES)).take(PAGE);
        if !table.is_null() {
            core::ptr::write_bytes(table, 0, PAGE);
        }
        table as *mut u64
    }
}

/// Windows handed out so far (the next one starts after them).
static mut WINDOWS: usize = 0;

/// Reserves a fresh window of `bytes` (at most [`GUARD_WINDOW_BYTES`])
/// with nothing mapped; null when the window area is used up or `bytes`
/// is too large. Inlined, as `reserve_guarded` is (flash).
#[inline(always)]
pub fn reserve<I: Isa>(bytes: usize) -> *mut u8 {
    let window = GUARD_WINDOW_BYTES as usize;
    if bytes > window || I::root().is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: single-threaded counter.
    let taken = unsafe { WINDOWS };
    let Some(start) = nth_window(I::AREAS, window, taken) else {
        return core::ptr::null_mut();
    };
    // SAFETY: as above.
    unsafe { WINDOWS = taken + 1 };
    start as *mut u8
}

/// Start of the `n`th window of `window` bytes when `areas` (first, last
/// byte) are filled in order; None past the last one that fits.
fn nth_window(areas: &[(usize, usize)], window: usize, mut n: usize) -> Option<usize> {
    for &(start, last) in areas {
        // (Saturating: an area of the whole address space loses a byte.)
        let fit = (last - start).saturating_add(1) / window;
        if n < fit {
            return Some(start + n * window);
        }
        n -= fit;
    }
    None
}

/// Maps `[base + old_len, base + new_len)` of a window from [`reserve`]
/// onto fresh zeroed heap pages (lengths are multiples of 4 KiB). False,
/// with nothing more mapped than before, when the heap is full.
pub fn commit<I: Isa>(base: *mut u8, old_len: usize, new_len: usize) -> bool {
    if new_len <= old_len {
        return true;
    }
    // SAFETY: single-threaded pool; the pages are fresh heap memory,
    // zeroed here once (`memory.grow` does not zero a window's pages again).
    let physical = unsafe {
        let pages = (*core::ptr::addr_of_mut!(PAGES)).take(new_len - old_len);
        if pages.is_null() {
            return false;
        }
        core::ptr::write_bytes(pages, 0, new_len - old_len);
        pages
    };
    let start = base as usize + old_len;
    let mut done = 0;
    while done < new_len - old_len {
        let Some(entry) = leaf_entry::<I>(start + done) else {
            unmap::<I>(start, done);
            return false;
        };
        // SAFETY: `entry` is the level-3 descriptor of a page of this
        // window (not mapped before: windows only grow); single-threaded.
        unsafe { *entry = I::descriptor(physical as usize + done, I::PAGE) };
        done += PAGE;
    }
    I::sync();
    true
}

/// Clears the page descriptors of `[start, start + bytes)` (a failed
/// commit's partial work, or a dropped instance's memory), so no page past
/// the memory's length stays mapped; `I::sync` then flushes the TLB
/// entries of the old pages on every ISA.
pub fn unmap<I: Isa>(start: usize, bytes: usize) {
    let mut at = start;
    while at < start + bytes {
        if let Some(entry) = leaf_entry::<I>(at) {
            // SAFETY: as in `commit`.
            unsafe { *entry = 0 };
        }
        at += PAGE;
    }
    I::sync();
}

/// The level-3 descriptor of `va`, creating the tables on the way (zeroed
/// heap pages); None when the heap is full.
fn leaf_entry<I: Isa>(va: usize) -> Option<*mut u64> {
    let mut table = I::root();
    if table.is_null() {
        return None;
    }
    let mut shift = I::ROOT_SHIFT;
    while shift > 12 {
        let index = (va >> shift) & (ENTRIES - 1);
        // SAFETY: `table` is a 4 KiB table of the window area (the root or
        // one allocated below); single-threaded.
        unsafe {
            let entry = table.add(index);
            if *entry == 0 {
                let next = new_table();
                if next.is_null() {
                    return None;
                }
                *entry = I::descriptor(next as usize, I::TABLE);
            }
            // Identity-mapped heap: a table's physical address is its
            // address.
            table = I::address(*entry) as *mut u64;
        }
        shift -= 9;
    }
    // SAFETY: index < 512 in a 4 KiB table.
    Some(unsafe { table.add((va >> 12) & (ENTRIES - 1)) })
}
