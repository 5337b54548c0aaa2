//! Canaries: regions filled with a known pattern around every linear
//! memory, every heap allocation (instances, tables) and the runtime's own
//! data and stack on bare metal, where no MMU stops a stray write. Checking
//! them afterwards proves that nothing outside those objects was written:
//! the spec harness asks after every trap and every script (serve request
//! `canary`).
//!
//! The pattern of a word depends on its address, so a canary copied
//! somewhere else does not pass, and two canaries that overlap (a memory's
//! moving end canary reaching its allocation's fixed one) agree.
//!
//! A linear memory's end canary sits at its current length, not at the end
//! of its reservation: the bytes between are as forbidden as the ones past
//! the reservation. `memory.grow` moves it ([`memory_growing`]), checking it
//! first so damage done before the growth is not erased by it.
//!
//! Canaries are on only in serving images on boards ([`enable`], called by
//! `wafer_main_serve` through `platform::enable_canaries`), because only
//! the serve request `canary` ever checks them. Firmware that users flash
//! (command and invoke images) would pay for them and never look: the
//! registry, 2 KiB around every heap allocation, and the linker script's
//! 4 KiB regions, which `wafer build` makes zero bytes long outside
//! serving images. While they are off, [`place`] and the rest do nothing.
//!
//! On Linux nothing registers a region (the pages around memories are
//! unmapped or the process's own), and the check reports 0 regions.

/// What a canary guards, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Below `.data`, at the start of RAM.
    BeforeData,
    /// Between `.bss` and the bottom of the stack.
    StackBottom,
    /// Above the top of the stack, below the heap.
    StackTop,
    /// Below a heap allocation (a linear memory, or a chunk of instances
    /// and tables).
    BeforeAllocation,
    /// Above a heap allocation.
    AfterAllocation,
    /// At the current end of a linear memory.
    MemoryEnd,
    /// The last bytes of RAM, which a memory that takes the rest of the
    /// heap grows towards.
    EndOfRam,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::BeforeData => "below .data",
            Kind::StackBottom => "stack bottom (above .bss)",
            Kind::StackTop => "above the stack top",
            Kind::BeforeAllocation => "below a heap allocation",
            Kind::AfterAllocation => "above a heap allocation",
            Kind::MemoryEnd => "at the end of a linear memory",
            Kind::EndOfRam => "end of RAM",
        }
    }
}

/// Size of the canaries the runtime places on the heap (the linker
/// script's are larger; see `compiler/src/baremetal.rs`).
pub const HEAP_CANARY_BYTES: usize = 1024;

/// Regions one image can guard; more are still filled but reported as
/// unchecked.
pub const MAX_REGIONS: usize = 1024;

const PATTERN: u64 = 0xca4a_7e57_5afe_0bad;

/// The canary word at `address`.
fn word_at(address: usize) -> u64 {
    PATTERN ^ (address as u64).rotate_left(17)
}

#[derive(Clone, Copy)]
struct Region {
    start: usize,
    len: usize,
    kind: Kind,
}

/// A damaged canary: which one, and the first word that differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damage {
    pub kind: Kind,
    pub address: usize,
}

/// Why a check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckError {
    Damaged(Damage),
    /// More regions than [`MAX_REGIONS`] were placed; the rest are unchecked.
    TooMany {
        unchecked: usize,
    },
}

/// The guarded regions of an image.
pub struct Registry {
    regions: [Region; MAX_REGIONS],
    count: usize,
    unchecked: usize,
    /// The first damaged word found when a memory's end canary moved, 0 if
    /// none (kept: a damaged image stays damaged). Not an `Option`: an
    /// all-zero [`Registry::new`] is written as a memset, not copied from
    /// 24 KiB of flash.
    moved_damage_at: usize,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub const fn new() -> Registry {
        Registry {
            regions: [Region {
                start: 0,
                len: 0,
                kind: Kind::BeforeData,
            }; MAX_REGIONS],
            count: 0,
            unchecked: 0,
            moved_damage_at: 0,
        }
    }

    /// Fills `[start, start + len)` with the pattern and remembers it.
    ///
    /// # Safety
    /// The range must be writable memory nothing else uses, 8-byte aligned.
    pub unsafe fn place(&mut self, start: usize, len: usize, kind: Kind) {
        // SAFETY: forwarded from the caller.
        unsafe { fill(start, len) };
        match self.regions.get_mut(self.count) {
            Some(slot) => {
                *slot = Region { start, len, kind };
                self.count += 1;
            }
            None => self.unchecked += 1,
        }
    }

    /// Moves the [`Kind::MemoryEnd`] canary at `from` to `to`, checking it
    /// first; damage found is reported by every later [`Registry::check`].
    ///
    /// # Safety
    /// `[to, to + HEAP_CANARY_BYTES)` must be writable memory of the same
    /// linear memory's reservation (or its allocation's end canary).
    pub unsafe fn move_memory_end(&mut self, from: usize, to: usize) {
        let found = self.regions[..self.count]
            .iter_mut()
            .rev()
            .find(|r| r.kind == Kind::MemoryEnd && r.start == from);
        let Some(region) = found else { return };
        // SAFETY: registered regions stay mapped; `to` per the caller.
        unsafe {
            if let Some(address) = first_difference(region.start, region.len)
                && self.moved_damage_at == 0
            {
                self.moved_damage_at = address;
            }
            fill(to, region.len);
        }
        region.start = to;
    }

    /// Checks every region; returns how many there are.
    ///
    /// # Errors
    /// The first damaged region, or more regions than could be recorded.
    pub fn check(&self) -> Result<usize, CheckError> {
        if self.moved_damage_at != 0 {
            return Err(CheckError::Damaged(Damage {
                kind: Kind::MemoryEnd,
                address: self.moved_damage_at,
            }));
        }
        for r in &self.regions[..self.count] {
            // SAFETY: registered regions stay mapped for the image's life.
            if let Some(address) = unsafe { first_difference(r.start, r.len) } {
                return Err(CheckError::Damaged(Damage {
                    kind: r.kind,
                    address,
                }));
            }
        }
        if self.unchecked > 0 {
            return Err(CheckError::TooMany {
                unchecked: self.unchecked,
            });
        }
        Ok(self.count)
    }
}

/// # Safety
/// `[start, start + len)` writable and 8-byte aligned.
unsafe fn fill(start: usize, len: usize) {
    for at in (start..start + len).step_by(8) {
        // SAFETY: inside the range (caller). Volatile: nothing in this
        // program reads the words back except `first_difference`.
        unsafe { core::ptr::write_volatile(at as *mut u64, word_at(at)) };
    }
}

/// The first word of `[start, start + len)` that is not the pattern.
///
/// # Safety
/// The range must be readable and 8-byte aligned.
unsafe fn first_difference(start: usize, len: usize) -> Option<usize> {
    (start..start + len)
        .step_by(8)
        // SAFETY: inside the range (caller); volatile, since compiled code
        // may have written it behind the compiler's back.
        .find(|&at| unsafe { core::ptr::read_volatile(at as *const u64) } != word_at(at))
}

/// The registry in use: null (canaries off) until [`enable`].
static mut ACTIVE: *mut Registry = core::ptr::null_mut();

/// Turns canaries on, recording them in `registry`. Must run before
/// anything is allocated, so that every allocation gets its canaries (see
/// [`heap_gap`]).
///
/// The registry is not a static: only serving images use it, but a static
/// would sit in every image's `.bss`. Even one that only this function
/// referred to stayed in command images when tried (presumably because
/// the optimiser sees that `ACTIVE` can only point at it and refers to it
/// directly wherever `ACTIVE` is read). The caller takes it from the heap
/// instead.
pub fn enable(registry: &'static mut Registry) {
    // SAFETY: single-threaded; `registry` is used through `ACTIVE` only.
    unsafe { ACTIVE = registry }
}

/// Whether canaries are on (serving images on boards).
pub fn enabled() -> bool {
    // SAFETY: single-threaded read of a pointer set once at start.
    unsafe { !ACTIVE.is_null() }
}

/// Bytes the heap keeps free for a canary on each side of an allocation:
/// [`HEAP_CANARY_BYTES`] when canaries are on, none when they are off.
pub fn heap_gap() -> usize {
    if enabled() { HEAP_CANARY_BYTES } else { 0 }
}

fn registry() -> Option<&'static mut Registry> {
    // SAFETY: the runtime is single-threaded and never holds two of these
    // references at once (each function below takes it once); `ACTIVE` is
    // null or the registry given to `enable`, which lives forever.
    unsafe { ACTIVE.as_mut() }
}

/// Places a canary (see [`Registry::place`]); nothing when canaries are off.
///
/// # Safety
/// As for [`Registry::place`].
pub unsafe fn place(start: usize, len: usize, kind: Kind) {
    if let Some(registry) = registry() {
        // SAFETY: forwarded.
        unsafe { registry.place(start, len, kind) }
    }
}

/// Places the end canary of a linear memory `[base, base + length)` whose
/// reservation (or allocation end canary) has room for it; nothing when
/// canaries are off.
///
/// # Safety
/// As for [`Registry::place`], for `[base + length, + HEAP_CANARY_BYTES)`.
pub unsafe fn guard_memory_end(base: *mut u8, length: u64) {
    // SAFETY: forwarded.
    unsafe {
        place(
            base as usize + length as usize,
            HEAP_CANARY_BYTES,
            Kind::MemoryEnd,
        )
    }
}

/// Called by `memory.grow` before it zeroes the new pages: checks the end
/// canary at the old length and puts it at the new one.
///
/// # Safety
/// `new_length` must be within the memory's reservation.
pub unsafe fn memory_growing(base: *mut u8, old_length: u64, new_length: u64) {
    let base = base as usize;
    if let Some(registry) = registry() {
        // SAFETY: forwarded.
        unsafe { registry.move_memory_end(base + old_length as usize, base + new_length as usize) }
    }
}

/// Checks every canary of the image (see [`Registry::check`]); 0 regions
/// when canaries are off.
///
/// # Errors
/// As for [`Registry::check`].
pub fn check() -> Result<usize, CheckError> {
    registry().map_or(Ok(0), |registry| registry.check())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An 8-aligned buffer with room for a few canaries.
    fn buffer() -> Vec<u64> {
        vec![0; 4 * HEAP_CANARY_BYTES / 8]
    }

    #[test]
    fn intact_canaries_pass_and_any_damaged_byte_is_found() {
        let mut memory = buffer();
        let base = memory.as_mut_ptr() as usize;
        let mut registry = Box::new(Registry::new());
        unsafe {
            registry.place(base, 256, Kind::StackBottom);
            registry.place(base + 1024, 512, Kind::AfterAllocation);
        }
        assert_eq!(registry.check(), Ok(2));
        // One byte in the last word of the second region.
        let target = base + 1024 + 511;
        unsafe { *(target as *mut u8) ^= 1 };
        assert_eq!(
            registry.check(),
            Err(CheckError::Damaged(Damage {
                kind: Kind::AfterAllocation,
                address: base + 1024 + 504,
            }))
        );
    }

    #[test]
    fn a_canary_copied_elsewhere_is_not_a_canary() {
        let mut memory = buffer();
        let base = memory.as_mut_ptr() as usize;
        let mut registry = Box::new(Registry::new());
        unsafe {
            registry.place(base, 64, Kind::BeforeData);
            registry.place(base + 64, 64, Kind::StackTop);
            core::ptr::copy_nonoverlapping(base as *const u8, (base + 64) as *mut u8, 64);
        }
        assert_eq!(
            registry.check(),
            Err(CheckError::Damaged(Damage {
                kind: Kind::StackTop,
                address: base + 64,
            }))
        );
    }

    #[test]
    fn a_memory_end_canary_moves_on_growth_and_remembers_earlier_damage() {
        let mut memory = buffer();
        let base = memory.as_mut_ptr() as usize;
        let mut registry = Box::new(Registry::new());
        unsafe {
            registry.place(base + 1024, HEAP_CANARY_BYTES, Kind::MemoryEnd);
            registry.move_memory_end(base + 1024, base + 2048);
        }
        assert_eq!(registry.check(), Ok(1));
        // The old place is memory now; writing there is allowed.
        memory[1024 / 8] = 7;
        assert_eq!(registry.check(), Ok(1));
        // A write past the end, then growth over it: still reported.
        memory[2048 / 8 + 3] = 7;
        unsafe { registry.move_memory_end(base + 2048, base + 2048 + 512) };
        assert_eq!(
            registry.check(),
            Err(CheckError::Damaged(Damage {
                kind: Kind::MemoryEnd,
                address: base + 2048 + 24,
            }))
        );
    }

    /// Images other than serving ones never call `enable` (no test here
    /// does either: the state is global): nothing is written, the heap
    /// keeps no room, and the check has nothing to report.
    #[test]
    fn while_canaries_are_off_nothing_is_placed_or_moved() {
        let mut memory = buffer();
        let base = memory.as_mut_ptr() as usize;
        assert!(!enabled());
        assert_eq!(heap_gap(), 0);
        unsafe {
            place(base, 64, Kind::BeforeAllocation);
            guard_memory_end(base as *mut u8, 1024);
            memory_growing(base as *mut u8, 1024, 2048);
        }
        assert!(memory.iter().all(|&word| word == 0));
        assert_eq!(check(), Ok(0));
    }

    #[test]
    fn regions_beyond_the_registry_make_the_check_fail() {
        let mut memory = buffer();
        let base = memory.as_mut_ptr() as usize;
        let mut registry = Box::new(Registry::new());
        for _ in 0..=MAX_REGIONS {
            unsafe { registry.place(base, 8, Kind::BeforeAllocation) };
        }
        assert_eq!(registry.check(), Err(CheckError::TooMany { unchecked: 1 }));
    }
}
