//! The bare-metal platform: no OS, the board's devices behind the same
//! interface as the Linux platform (see `platform/linux/mod.rs` for the
//! list). The board's devices come from the `wafer_board` record that
//! `wafer build` generates from `boards/<name>.toml`.
//!
//! Memory: the linker script gives the heap `[__wafer_heap_start,
//! __wafer_heap_end)` in RAM; instances, tables and linear memories are
//! carved from it and never freed. In serving images (the only ones that
//! check them, see `crate::canary`) every allocation gets a canary below
//! and above it, the last bytes of RAM are one, and the linker script
//! leaves room for three more around `.data`/`.bss` and the stack (placed
//! by [`enable_canaries`]). Other images pack allocations tightly.

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "riscv64")]
mod riscv64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

// Wasm threads on the board's other cores (wasi-threads).
pub mod threads;

// Guard windows for guard-mode linear memories (every board's runtime
// runs the MMU).
mod paging;
// The ISA's page-table format; `paging` does the rest.
#[cfg(target_arch = "aarch64")]
use aarch64::Mmu;
#[cfg(target_arch = "riscv64")]
use riscv64::Mmu;
#[cfg(target_arch = "x86_64")]
use x86_64::Mmu;

/// Guards the page tables of the guard windows once threads run on
/// several cores (two cores growing memories at once).
static PAGING_LOCK: crate::threads::lock::SpinLock = crate::threads::lock::SpinLock::new();
/// Guards the heap's bump pointer and growable memory once threads run on
/// several cores. Taken inside `alloc`'s lock and `PAGING_LOCK`, never
/// the other way round.
static MAP_LOCK: crate::threads::lock::SpinLock = crate::threads::lock::SpinLock::new();

/// Every board's runtime reserves guard windows (contract:
/// `platform/linux/guard.rs`).
pub const GUARD_REGIONS: bool = true;

/// Reserves a guard window of `bytes`, nothing mapped; null when the
/// window area is used up. Inlined: serving images call it from two places
/// (fresh windows, and when no released one is left), and as a call of
/// its own it cost every board's hello image 88 bytes of flash.
#[inline(always)]
pub fn reserve_guarded(bytes: usize) -> *mut u8 {
    let _held = PAGING_LOCK.lock();
    paging::reserve::<Mmu>(bytes)
}

/// Maps `base + old_len .. base + new_len` onto zeroed heap pages; false
/// (nothing changed) when the heap is full.
///
/// # Safety
/// `base` must come from [`reserve_guarded`] and `new_len` lie inside its
/// window.
pub unsafe fn commit_guarded(base: *mut u8, old_len: u64, new_len: u64) -> bool {
    let _held = PAGING_LOCK.lock();
    paging::commit::<Mmu>(base, old_len as usize, new_len as usize)
}

/// Unmaps `base .. base + len` of a window again (a dropped instance's
/// memory), so it faults as a fresh window does and its next commit maps
/// fresh zeroed pages. The old physical pages stay with the heap's bump
/// allocator (boards never free memory): only the window is reused.
///
/// # Safety
/// `base .. base + len` must lie in a window from [`reserve_guarded`] that
/// nothing uses any more.
pub unsafe fn release_guarded(base: *mut u8, len: u64) -> bool {
    let _held = PAGING_LOCK.lock();
    paging::unmap::<Mmu>(base as usize, len as usize);
    true
}

use wafer_abi::descriptor::{BoardConfig, device};

use crate::drivers;
use crate::drivers::ns16550::Mmio;
#[cfg(target_arch = "x86_64")]
use crate::drivers::ns16550::Ports;

unsafe extern "C" {
    static wafer_board: BoardConfig;
    static mut __wafer_heap_start: u8;
    static mut __wafer_heap_end: u8;
    static mut __wafer_canary_data_start: u8;
    static mut __wafer_canary_data_end: u8;
    static mut __wafer_canary_stack_bottom_start: u8;
    static mut __wafer_canary_stack_bottom_end: u8;
    static mut __wafer_canary_stack_top_start: u8;
    static mut __wafer_canary_stack_top_end: u8;
}

use crate::canary::{self, HEAP_CANARY_BYTES, Kind, Registry};

/// Serving images only: turns canaries on and places the static ones.
/// `wafer_main_serve` calls it first, before anything is allocated or
/// could write near them. No other image calls it, so none of them keeps
/// a registry or leaves room around allocations, and their linker script
/// gives the static canaries zero bytes (`compiler/src/baremetal.rs`).
pub fn enable_canaries() {
    // The registry is the first thing on the heap, taken while canaries
    // are still off (so it has none of its own: the stack-top canary is
    // below it, the next allocation's canary above).
    let registry = map(core::mem::size_of::<Registry>()) as *mut Registry;
    if registry.is_null() {
        crate::console::stderr_str("wafer: no RAM for the canary registry\n");
        exit(crate::EXIT_FATAL);
    }
    // SAFETY: `map` returned room for a `Registry` (4 KiB aligned) that
    // nothing else uses, for the rest of the program.
    unsafe {
        registry.write(Registry::new());
        canary::enable(&mut *registry);
    }
    place_static_canaries();
}

/// Fills the linker script's canaries and the end of RAM.
fn place_static_canaries() {
    // SAFETY: the linker script reserves these ranges (8-aligned, in RAM,
    // used by nothing else); the heap's last bytes are kept out of every
    // allocation by `heap_limit`.
    unsafe {
        let range = |start: *mut u8, end: *mut u8| (start as usize, end as usize - start as usize);
        for ((start, len), kind) in [
            (
                range(
                    core::ptr::addr_of_mut!(__wafer_canary_data_start),
                    core::ptr::addr_of_mut!(__wafer_canary_data_end),
                ),
                Kind::BeforeData,
            ),
            (
                range(
                    core::ptr::addr_of_mut!(__wafer_canary_stack_bottom_start),
                    core::ptr::addr_of_mut!(__wafer_canary_stack_bottom_end),
                ),
                Kind::StackBottom,
            ),
            (
                range(
                    core::ptr::addr_of_mut!(__wafer_canary_stack_top_start),
                    core::ptr::addr_of_mut!(__wafer_canary_stack_top_end),
                ),
                Kind::StackTop,
            ),
            ((heap_limit(), HEAP_CANARY_BYTES), Kind::EndOfRam),
        ] {
            canary::place(start, len, kind);
        }
    }
}

/// Where the heap ends for allocations: below the end-of-RAM canary, if
/// canaries are on.
fn heap_limit() -> usize {
    let end = core::ptr::addr_of_mut!(__wafer_heap_end) as usize;
    end - canary::heap_gap()
}

/// Where an allocation made now would start: 4 KiB aligned, with room for
/// its lower canary (if canaries are on) after the heap's current end.
/// With a growable memory ([`give_rest_of_heap`]) the heap's end is only
/// known once it is sealed: allocations seal it first, and
/// [`available`] asks [`next_payload_after_growable`].
fn next_payload() -> usize {
    let gap = canary::heap_gap();
    // SAFETY: reads a linker symbol's address and the bump pointer.
    unsafe {
        let start = core::ptr::addr_of_mut!(__wafer_heap_start) as usize;
        let next = if HEAP_NEXT == 0 { start } else { HEAP_NEXT };
        (next + gap).next_multiple_of(4096)
    }
}

/// [`next_payload`] as it will be once the growable memory, if any, is
/// sealed.
fn next_payload_after_growable() -> usize {
    // SAFETY: reads the live growable memory's record.
    unsafe {
        if GROWABLE.is_null() {
            return next_payload();
        }
        let gap = canary::heap_gap();
        let m = &*GROWABLE;
        (m.base as usize + sealed_length(m) as usize + 2 * gap).next_multiple_of(4096)
    }
}

/// Where the runtime reaches the memory-mapped device whose registers
/// start at `base`: aarch64 boards map devices into a Device view above
/// flash and RAM (`wafer_abi::descriptor::AARCH64_DEVICE_VIEW`); the other
/// ISAs at their physical address.
fn mmio(base: u64) -> u64 {
    if cfg!(target_arch = "aarch64") {
        base + wafer_abi::descriptor::AARCH64_DEVICE_VIEW
    } else {
        base
    }
}

fn board() -> &'static BoardConfig {
    // SAFETY: the image linker always provides the board record.
    unsafe { &*core::ptr::addr_of!(wafer_board) }
}

/// The framed console's entry points (`drivers::framed_console` over this
/// board's UART). Only `wafer run`'s board record points at it, so only
/// its images link it.
#[repr(C)]
pub struct FramedConsole {
    write: fn(i32, &[u8]),
    read: fn(&mut [u8]) -> usize,
}

#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static wafer_framed_console: FramedConsole = FramedConsole {
    write: |fd, bytes| drivers::framed_console::write(fd, bytes, |b| uart_write(fd, b)),
    read: |buf| drivers::framed_console::read(buf, uart_read),
};

fn framed_console() -> Option<&'static FramedConsole> {
    let at = board().framed_console;
    // SAFETY: the image linker sets it to `wafer_framed_console`'s address
    // or leaves it 0.
    (at != 0).then(|| unsafe { &*(at as usize as *const FramedConsole) })
}

/// Writes to the console (stdout and stderr share it; `wafer run` frames
/// them apart, see `drivers::framed_console`).
pub fn write(fd: i32, bytes: &[u8]) -> isize {
    match framed_console() {
        Some(console) => (console.write)(fd, bytes),
        None => uart_write(fd, bytes),
    }
    bytes.len() as isize
}

fn uart_write(fd: i32, bytes: &[u8]) {
    let b = board();
    match b.console_kind {
        device::NS16550 => drivers::ns16550::write(&Mmio(mmio(b.console_base)), bytes),
        #[cfg(target_arch = "x86_64")]
        device::NS16550_IO => drivers::ns16550::write(&Ports(b.console_base as u16), bytes),
        device::PL011 => drivers::pl011::write(mmio(b.console_base), bytes),
        device::SIFIVE_UART => drivers::sifive_uart::write(mmio(b.console_base), bytes),
        device::FIRMWARE => drivers::firmware::write(b.console_base, fd, bytes),
        _ => {}
    }
}

/// Readies the console for a stream of input: a UART with a receive FIFO
/// gets it turned on (see `drivers::ns16550::enable_fifo`). Only before
/// any input can have arrived: it may drop a byte already received.
pub fn prepare_console_for_input() {
    let b = board();
    match b.console_kind {
        device::NS16550 => drivers::ns16550::enable_fifo(&Mmio(mmio(b.console_base))),
        #[cfg(target_arch = "x86_64")]
        device::NS16550_IO => drivers::ns16550::enable_fifo(&Ports(b.console_base as u16)),
        device::PL011 => drivers::pl011::enable_fifo(mmio(b.console_base)),
        _ => {}
    }
}

/// Reads from the console (blocking for the first byte); under `wafer
/// run`, 0 at the end of the host's stdin.
pub fn read(_fd: i32, buf: &mut [u8]) -> isize {
    match framed_console() {
        Some(console) => (console.read)(buf) as isize,
        None => uart_read(buf) as isize,
    }
}

fn uart_read(buf: &mut [u8]) -> usize {
    let b = board();
    match b.console_kind {
        device::NS16550 => drivers::ns16550::read(&Mmio(mmio(b.console_base)), buf),
        #[cfg(target_arch = "x86_64")]
        device::NS16550_IO => drivers::ns16550::read(&Ports(b.console_base as u16), buf),
        device::PL011 => drivers::pl011::read(mmio(b.console_base), buf),
        device::SIFIVE_UART => drivers::sifive_uart::read(mmio(b.console_base), buf),
        _ => 0,
    }
}

/// Whether the UART has a received byte waiting; `true` for a console
/// that cannot tell (firmware), so a poll never waits on it for ever.
fn uart_rx_ready() -> bool {
    let b = board();
    match b.console_kind {
        device::NS16550 => drivers::ns16550::rx_ready(&Mmio(mmio(b.console_base))),
        #[cfg(target_arch = "x86_64")]
        device::NS16550_IO => drivers::ns16550::rx_ready(&Ports(b.console_base as u16)),
        device::PL011 => drivers::pl011::rx_ready(mmio(b.console_base)),
        device::SIFIVE_UART => drivers::sifive_uart::rx_ready(mmio(b.console_base)),
        _ => true,
    }
}

/// Stdin's state now: `Some((nbytes, ended))` when a read would not wait
/// (see `linux::wait_stdin`), else `None`. Under `wafer run` from the
/// framed console (bytes decoded, or the end-of-input byte); a plain UART
/// has no end of input, and one byte is all its ready bit promises.
fn stdin_state() -> Option<(u64, bool)> {
    match framed_console() {
        Some(_) => drivers::framed_console::poll(uart_rx_ready, uart_read),
        None => uart_rx_ready().then_some((1, false)),
    }
}

/// Waits until stdin is readable or the monotonic clock reaches
/// `deadline` (`None`: no deadline), polling the UART (the runtime takes
/// no interrupts); the result is as on Linux (`linux::wait_stdin`). A
/// board without a timer checks once: its clock never moves.
pub fn wait_stdin(deadline: Option<u64>) -> Option<(u64, bool)> {
    let timed = board().timer_kind != device::NONE;
    loop {
        if let Some(state) = stdin_state() {
            return Some(state);
        }
        match deadline {
            Some(d) if !timed || monotonic_ns() >= d => return None,
            _ => core::hint::spin_loop(),
        }
    }
}

/// Ends the program: through the board's exit device, else halts.
pub fn exit(code: i32) -> ! {
    crate::console::flush();
    let b = board();
    match b.exit_kind {
        device::SIFIVE_TEST => drivers::sifive_test::exit(mmio(b.exit_base), code),
        device::SEMIHOSTING => drivers::semihosting::exit(code),
        device::FIRMWARE => drivers::firmware::exit(b.exit_base, code),
        #[cfg(target_arch = "x86_64")]
        device::ISA_DEBUG_EXIT => drivers::isa_debug_exit::exit(b.exit_base, code),
        _ => {}
    }
    loop {
        core::hint::spin_loop();
    }
}

fn ticks_to_ns(ticks: u64, hz: u64) -> u64 {
    drivers::mul_div(ticks, 1_000_000_000, hz)
}

/// Time since boot in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let b = board();
    match b.timer_kind {
        device::CLINT_MTIME => ticks_to_ns(drivers::clint::now(mmio(b.timer_base)), b.timer_hz),
        device::ARM_GENERIC_TIMER => {
            let (ticks, hz) = drivers::arm_generic_timer::now();
            ticks_to_ns(ticks, hz)
        }
        device::HPET => drivers::hpet::now_ns(mmio(b.timer_base)),
        device::FIRMWARE => drivers::firmware::now_ns(b.timer_base),
        _ => 0,
    }
}

/// Waits until [`monotonic_ns`] reaches `deadline` (`poll_oneoff`): a
/// busy wait, as the runtime takes no timer interrupts to wake a `wfi`.
/// A board without a timer (its clock stays 0) does not wait.
pub fn sleep_until_monotonic_ns(deadline: u64) {
    if board().timer_kind == device::NONE {
        return;
    }
    while monotonic_ns() < deadline {
        core::hint::spin_loop();
    }
}

/// Boards have no wall clock: time since boot (documented).
pub fn realtime_ns() -> u64 {
    monotonic_ns()
}

static mut PRNG_STATE: u64 = 0;

/// `random_get`: the board's hardware source when it has one, else a
/// xorshift PRNG seeded from the timer at first use, which is predictable
/// (`wafer build` warns about it).
pub fn random_fill(buf: &mut [u8]) -> bool {
    let b = board();
    match b.rng_kind {
        device::BCM2835_RNG => drivers::bcm2835_rng::fill(mmio(b.rng_base), buf),
        device::RDRAND if drivers::rdrand::fill(buf) => {}
        _ => prng_fill(buf),
    }
    true
}

fn prng_fill(buf: &mut [u8]) {
    // SAFETY: single-threaded access to the generator state.
    unsafe {
        if PRNG_STATE == 0 {
            PRNG_STATE = monotonic_ns() | 1;
        }
        for b in buf {
            PRNG_STATE ^= PRNG_STATE << 13;
            PRNG_STATE ^= PRNG_STATE >> 7;
            PRNG_STATE ^= PRNG_STATE << 17;
            *b = (PRNG_STATE >> 24) as u8;
        }
    }
}

static mut HEAP_NEXT: usize = 0;

/// Memory from [`map`] holds whatever RAM held at boot.
pub const MAPPED_MEMORY_IS_ZERO: bool = false;

/// Bytes the heap can still hand out in one piece, minus `reserve`:
/// from where the next allocation would start to the end-of-RAM canary
/// (the allocation's upper canary, or a memory's end canary, may overlap
/// that one: they agree).
pub fn available(reserve: usize) -> usize {
    heap_limit()
        .saturating_sub(next_payload_after_growable())
        .saturating_sub(reserve)
}

/// Carves `bytes` (zeroed, 4 KiB aligned) from the heap; null when full.
pub fn map_zeroed(bytes: usize) -> *mut u8 {
    let p = map(bytes);
    if !p.is_null() {
        // SAFETY: `map` returned `bytes` writable bytes.
        unsafe { core::ptr::write_bytes(p, 0, bytes) };
    }
    p
}

/// The linear memory that owns the free end of the heap, if any.
static mut GROWABLE: *mut wafer_abi::vmctx::VMMemory = core::ptr::null_mut();

/// [`seal_growable`], once [`give_rest_of_heap`] has run. Late-bound
/// (`crate::late_bound`) so that images without a growable memory (guard
/// mode: its memories live in windows) link none of the sealing code.
static SEAL: crate::late_bound::LateBound<fn()> = crate::late_bound::LateBound::new();

/// Seals the growable memory, if there is one (callers hold MAP_LOCK).
fn seal_if_growable() {
    if let Some(seal) = SEAL.get() {
        seal();
    }
}

/// Hands the rest of the heap to `memory` (whose `base` must be the current
/// end of the heap): it may grow into free RAM until anything else is
/// allocated, at which point its maximum shrinks to twice its size then
/// (see [`seal_growable`]). This
/// lets one firmware module use all free RAM and many test instances share
/// it.
///
/// # Safety
/// `memory` must stay valid for the rest of the program.
pub unsafe fn give_rest_of_heap(memory: *mut wafer_abi::vmctx::VMMemory) {
    let _held = MAP_LOCK.lock();
    // SAFETY: MAP_LOCK is held; see above.
    unsafe {
        seal_growable();
        GROWABLE = memory;
        SEAL.bind(seal_growable as fn());
    }
}

/// Ends the growable memory's claim on the free heap. It keeps room to
/// grow by its length or [`SEALED_HEADROOM_PAGES`], whichever is more (at
/// most half the free heap past it, and never past its cap): a module with
/// several memories without a maximum, or a memory another module grows
/// after the next module was instantiated, can still grow (the
/// multi-memory scripts do both). Its end canary (at its length, placed by
/// `instance.rs`) moves as it grows, and the heap goes on after the kept
/// room.
fn seal_growable() {
    // SAFETY: single-threaded; GROWABLE points at a live memory record.
    unsafe {
        if GROWABLE.is_null() {
            return;
        }
        let m = &mut *GROWABLE;
        let kept = sealed_length(m);
        m.max_pages = kept / m.page_size();
        HEAP_NEXT = m.base as usize + kept as usize + canary::heap_gap();
        GROWABLE = core::ptr::null_mut();
    }
}

/// The least room to grow (1 MiB) a memory keeps when it is sealed.
const SEALED_HEADROOM_PAGES: u64 = 16;

/// The bytes a growable memory keeps when something else is allocated
/// after it (see [`seal_growable`]), in whole pages.
fn sealed_length(m: &wafer_abi::vmctx::VMMemory) -> u64 {
    let page = m.page_size();
    let end = m.base as usize + m.length as usize;
    let free_after = heap_limit().saturating_sub(end) as u64;
    let wanted = m
        .length
        .max(SEALED_HEADROOM_PAGES * wafer_abi::WASM_PAGE_SIZE);
    let headroom = wanted.min(free_after / 2) / page * page;
    (m.length + headroom).min(m.max_pages * page)
}

/// Where the next allocation would start (the base a growable memory
/// gets), with a canary placed below it (if canaries are on).
pub fn heap_cursor() -> *mut u8 {
    let _held = MAP_LOCK.lock();
    seal_if_growable();
    let at = next_payload();
    let gap = canary::heap_gap();
    // SAFETY: the canary lies between the heap's end and `at`, in RAM
    // nothing owns; single-threaded bump pointer.
    unsafe {
        canary::place(at - gap, gap, Kind::BeforeAllocation);
        HEAP_NEXT = at;
    }
    at as *mut u8
}

/// Carves `bytes` (not zeroed, 4 KiB aligned) from the heap, with a canary
/// below and above (if canaries are on); null when full.
pub fn map(bytes: usize) -> *mut u8 {
    let _held = MAP_LOCK.lock();
    seal_if_growable();
    let at = next_payload();
    let gap = canary::heap_gap();
    let size = bytes.max(1).next_multiple_of(4096);
    let Some(end) = at.checked_add(size).filter(|&e| e <= heap_limit()) else {
        return core::ptr::null_mut();
    };
    // SAFETY: both canaries lie in free heap (below `at`, and from `end`
    // up to at most the end-of-RAM canary, which has the same pattern);
    // single-threaded bump pointer.
    unsafe {
        canary::place(at - gap, gap, Kind::BeforeAllocation);
        canary::place(end, gap, Kind::AfterAllocation);
        HEAP_NEXT = end + gap;
    }
    at as *mut u8
}

/// Bare-metal stacks have no guard of the runtime's: compiled code checks
/// the stack in every prologue (`--stack-checks prologue`).
pub fn in_stack_guard(_address: usize) -> bool {
    false
}

/// The exception vector is installed by the boot code.
pub fn install_fault_handlers() {}

/// Bare-metal images have no process arguments (they are baked in).
pub fn args() -> core::iter::Empty<&'static [u8]> {
    core::iter::empty()
}

/// Bare-metal images have no process environment (it is baked in).
pub fn env() -> core::iter::Empty<&'static [u8]> {
    core::iter::empty()
}

/// Called by the boot code with the initial stack pointer.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn wafer_baremetal_entry(stack_pointer: usize) -> ! {
    crate::trap::set_stack_base(stack_pointer);
    unsafe extern "C" {
        fn wafer_main() -> !;
    }
    // SAFETY: `wafer_main` is the mode entry chosen by the image linker.
    unsafe { wafer_main() }
}
