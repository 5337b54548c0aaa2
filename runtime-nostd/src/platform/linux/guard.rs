//! Guard-region memories: the platform half of `--bounds-checks guard`.
//!
//! ## Contract (every platform provides these four items)
//! - [`GUARD_REGIONS`]: whether this platform can reserve guard windows.
//!   When false, [`reserve_guarded`] returns null and [`commit_guarded`]
//!   false, and the runtime refuses guard-mode modules.
//! - [`reserve_guarded`]`(bytes)`: reserves `bytes` (a multiple of the page
//!   size, in practice `wafer_abi::GUARD_WINDOW_BYTES`) of address space,
//!   none of it accessible: any load or store in it must fault into the
//!   platform's fault handler (which passes the faulting PC and data address
//!   to `crate::trap::handle_memory_fault`). Returns its base, or null when
//!   the address space cannot hold it. Nothing is ever unreserved: a
//!   window a dropped instance released is reused whole instead
//!   (`instance::dropping`).
//! - [`commit_guarded`]`(base, old_len, new_len)`: makes
//!   `base + old_len .. base + new_len` readable and writable and zeroed
//!   (`old_len <= new_len`, both multiples of 64 KiB), leaving everything
//!   from `new_len` to the end of the window faulting. Returns false (and
//!   changes nothing) when it cannot. Called with `old_len = 0` for a
//!   memory's initial pages and by `memory.grow`.
//! - [`release_guarded`]`(base, len)`: makes `base .. base + len` (what
//!   was committed) fault again and forgets its contents, so the window is
//!   as [`reserve_guarded`] returned it: committing it again gives zeroed
//!   pages. Costs in proportion to `len`, not to the window. Returns false
//!   when it cannot (the window must then not be reused).
//!
//! On Linux the window is one `PROT_NONE` anonymous mapping with
//! `MAP_NORESERVE`: it costs address space only, and committed pages cost
//! physical memory only once touched.

use super::syscall::{nr, syscall6};

/// Linux can reserve guard windows (mmap + mprotect).
pub const GUARD_REGIONS: bool = true;

/// Reserves `bytes` of inaccessible address space; null on failure (for
/// example under a `ulimit -v` smaller than `bytes`).
pub fn reserve_guarded(bytes: usize) -> *mut u8 {
    const PROT_NONE: usize = 0;
    super::map_anonymous(bytes, PROT_NONE)
}

/// Makes `base + old_len .. base + new_len` of a window from
/// [`reserve_guarded`] readable and writable (fresh anonymous pages read as
/// zero); false if the kernel refuses.
///
/// # Safety
/// `base` must come from [`reserve_guarded`] and `new_len` lie inside its
/// window.
pub unsafe fn commit_guarded(base: *mut u8, old_len: u64, new_len: u64) -> bool {
    const PROT_READ_WRITE: usize = 3;
    if new_len <= old_len {
        return true;
    }
    // SAFETY: the range lies in the caller's window, which only the memory
    // that owns it uses.
    let r = unsafe {
        syscall6(
            nr::MPROTECT,
            [
                base as usize + old_len as usize,
                (new_len - old_len) as usize,
                PROT_READ_WRITE,
                0,
                0,
                0,
            ],
        )
    };
    r == 0
}

/// Makes `base .. base + len` of a window inaccessible again and discards
/// its pages: a fresh `PROT_NONE` mapping placed over it (one syscall; the
/// kernel drops the old pages, and a later [`commit_guarded`] maps zeroed
/// ones). Only the committed part is touched: under qemu-user a mapping
/// costs time per 4 KiB page, and the window is 8 GiB.
///
/// # Safety
/// `base .. base + len` must lie in a window from [`reserve_guarded`] that
/// nothing uses any more.
pub unsafe fn release_guarded(base: *mut u8, len: u64) -> bool {
    const PROT_NONE: usize = 0;
    const MAP_PRIVATE_FIXED_ANONYMOUS_NORESERVE: usize = 0x02 | 0x10 | 0x20 | 0x4000;
    if len == 0 {
        return true;
    }
    // SAFETY: MAP_FIXED replaces only the caller's range, which nothing
    // uses (caller's contract).
    let r = unsafe {
        syscall6(
            nr::MMAP,
            [
                base as usize,
                len as usize,
                PROT_NONE,
                MAP_PRIVATE_FIXED_ANONYMOUS_NORESERVE,
                usize::MAX,
                0,
            ],
        )
    };
    r == base as isize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The protection (`rw-p`, `---p`, …) of the mapping holding `address`,
    /// from `/proc/self/maps`.
    fn protection_at(address: usize) -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        maps.lines()
            .find_map(|line| {
                let (range, rest) = line.split_once(' ')?;
                let (start, end) = range.split_once('-')?;
                let start = usize::from_str_radix(start, 16).ok()?;
                let end = usize::from_str_radix(end, 16).ok()?;
                (start <= address && address < end).then(|| rest[..4].to_string())
            })
            .unwrap_or_else(|| format!("unmapped {address:#x}"))
    }

    #[test]
    fn a_window_is_inaccessible_until_committed_and_then_zeroed_up_to_the_length() {
        const PAGE: u64 = 65536;
        let window = wafer_abi::GUARD_WINDOW_BYTES as usize;
        let base = reserve_guarded(window);
        assert!(!base.is_null());
        let at = |offset: u64| base as usize + offset as usize;
        assert_eq!(protection_at(at(0)), "---p");
        assert_eq!(protection_at(at(window as u64 - 1)), "---p");

        // SAFETY: `base` is a fresh window; the ranges lie inside it.
        unsafe {
            assert!(commit_guarded(base, 0, PAGE));
            assert_eq!(protection_at(at(0)), "rw-p");
            assert_eq!(protection_at(at(PAGE)), "---p");
            base.add(PAGE as usize - 1).write(7);

            // memory.grow by two pages: the new ones are zero, the old
            // contents stay, the rest still faults.
            assert!(commit_guarded(base, PAGE, 3 * PAGE));
            assert_eq!(base.add(PAGE as usize - 1).read(), 7);
            assert_eq!(base.add(3 * PAGE as usize - 1).read(), 0);
            assert_eq!(protection_at(at(3 * PAGE - 1)), "rw-p");
            assert_eq!(protection_at(at(3 * PAGE)), "---p");
            // Growing by nothing changes nothing.
            assert!(commit_guarded(base, 3 * PAGE, 3 * PAGE));
            assert_eq!(protection_at(at(3 * PAGE)), "---p");
        }
    }

    #[test]
    fn a_released_window_faults_again_and_commits_zeroed_pages() {
        const PAGE: u64 = 65536;
        let base = reserve_guarded(wafer_abi::GUARD_WINDOW_BYTES as usize);
        assert!(!base.is_null());
        let at = |offset: u64| base as usize + offset as usize;
        // SAFETY: `base` is a fresh window; the ranges lie inside it.
        unsafe {
            assert!(commit_guarded(base, 0, 2 * PAGE));
            base.write(1);
            base.add(2 * PAGE as usize - 1).write(2);

            assert!(release_guarded(base, 2 * PAGE));
            assert_eq!(protection_at(at(0)), "---p");
            assert_eq!(protection_at(at(2 * PAGE - 1)), "---p");
            assert_eq!(protection_at(at(2 * PAGE)), "---p");

            // Reused: one page now, and what the old memory wrote is gone.
            assert!(commit_guarded(base, 0, PAGE));
            assert_eq!(base.read(), 0);
            assert_eq!(protection_at(at(PAGE)), "---p");
            assert!(commit_guarded(base, PAGE, 2 * PAGE));
            assert_eq!(base.add(2 * PAGE as usize - 1).read(), 0);
        }
    }

    #[test]
    fn a_window_larger_than_the_address_space_is_refused() {
        assert!(reserve_guarded(1 << 62).is_null());
    }
}
