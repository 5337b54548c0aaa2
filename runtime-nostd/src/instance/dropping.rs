//! Dropping instances (serving images only: the `drop` request of
//! `wafer_abi::serve`) and reusing the guard windows they release.
//!
//! The spec harness instantiates thousands of modules in one image. Each
//! guard-mode memory takes a window of `GUARD_WINDOW_BYTES`, which costs
//! little natively but about 75 ms of qemu-user's time per window (it
//! records flags for every 4 KiB page of a new mapping), and a riscv64 board
//! has room for only 63. Once the script can no longer name an instance,
//! the harness drops it: the instance leaves the list of live instances and
//! each memory it defines gives its window back, committed pages made
//! inaccessible and discarded, for the next guard-mode memory to take.
//!
//! What could still reach a dropped instance, and why it cannot:
//! - its id and the newest-instance pointer: it leaves the live list that
//!   [`super::instance`], [`super::all`] and [`super::newest`] walk;
//! - the fault path ([`super::in_guard_window`]) walks the same list, so a
//!   fault in a released window is no trap of anyone's (and a reused window
//!   is the new owner's);
//! - registered names: an instance registered under a name is refused;
//! - its functions, held by other instances: only through an import, since
//!   it is not registered, so nobody imports from it. An instance that
//!   imports a table, a mutable reference global, or a function taking a
//!   reference could have stored its own `funcref` (or an `exnref` carrying
//!   one) where a live instance reaches it: such an instance is kept.
//!
//! Its vmctx and record stay allocated (exception tags are the addresses of
//! its tag words, and must stay unique); only the windows are reused.

use wafer_abi::GUARD_BELOW_BYTES;
use wafer_abi::descriptor::ExternKind;
use wafer_abi::vmctx::VMMemory;

use super::{ABANDONED, INSTANCE_COUNT, Instance, NEWEST, REGISTERED, REGISTERED_COUNT};

/// Dropped instances with a released window not taken again yet, newest
/// first, linked through their `previous`: an instance leaves the list
/// when its last window is taken, so finding one stays quick however many
/// were dropped.
static mut DROPPED: *const Instance = core::ptr::null();

/// Why [`drop_instance`] did not drop an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropRefused {
    /// No live instance has this id: never created, or dropped already.
    Unknown,
    /// The instance is registered under a name: later imports may name it.
    Registered,
    /// Its functions may be held by a live instance; the reason.
    Reachable(&'static str),
}

/// Drops instance `id`: it is never reachable again, and the guard windows
/// of the memories it defines are released for reuse.
///
/// # Errors
/// [`DropRefused`]: nothing changed.
pub fn drop_instance(id: usize) -> Result<(), DropRefused> {
    // SAFETY: single-threaded (serving images run no threads); the live
    // list and the registry hold valid records.
    unsafe {
        if id >= INSTANCE_COUNT {
            return Err(DropRefused::Unknown);
        }
        // The link that points at the instance: NEWEST or a newer
        // instance's `previous`.
        let mut link = core::ptr::addr_of_mut!(NEWEST);
        while !(*link).is_null() && (**link).id != id {
            link = core::ptr::addr_of!((**link).previous).cast_mut();
        }
        let inst = *link as *mut Instance;
        if inst.is_null() {
            return Err(DropRefused::Unknown);
        }
        let registry = &*core::ptr::addr_of!(REGISTERED);
        if registry[..REGISTERED_COUNT]
            .iter()
            .any(|&(_, _, registered)| registered == id)
        {
            return Err(DropRefused::Registered);
        }
        if let Some(why) = escape_route(&*inst) {
            return Err(DropRefused::Reachable(why));
        }
        *link = (*inst).previous;
        release_memories(inst);
    }
    Ok(())
}

/// After an instantiation whose initialiser trapped (a data segment out
/// of bounds, a trapping start function): releases the windows of the
/// memories it defined, as for a dropped instance. It never became an
/// instance anyone can name, but its element segments may have put its
/// functions into an imported table before the trap, and its start
/// function may have passed them on: then (as [`drop_instance`] would)
/// it keeps them.
pub fn release_abandoned() {
    // SAFETY: single-threaded; ABANDONED is null or the record of a failed
    // instantiation, whose vmctx lives on and on which nothing runs.
    unsafe {
        let inst = ABANDONED;
        ABANDONED = core::ptr::null_mut();
        if !inst.is_null() && escape_route(&*inst).is_none() {
            release_memories(inst);
        }
    }
}

/// How the functions of `inst` could have reached a live instance, if
/// they could: an import through which it can store a reference.
fn escape_route(inst: &Instance) -> Option<&'static str> {
    let holds_reference = |letters: &[u8]| letters.iter().any(|&l| l == b'r' || l == b'e');
    // SAFETY: descriptor data is static.
    let imports = unsafe { inst.desc.imports.items() };
    imports.iter().find_map(|import| {
        // SAFETY: as above.
        let ty = unsafe { import.ty.bytes() };
        match ExternKind::from_u32(import.kind)? {
            ExternKind::Table => Some("it imports a table"),
            ExternKind::Global if ty.ends_with(b"m") && holds_reference(ty) => {
                Some("it imports a mutable reference global")
            }
            ExternKind::Func => {
                let params = ty.split(|&l| l == b'>').next().unwrap_or(ty);
                holds_reference(params).then_some("it imports a function taking a reference")
            }
            _ => None,
        }
    })
}

/// Releases the windows of the memories `inst` defines (imported ones
/// belong to their exporter). In the dropped record, a non-zero
/// `guard_window` then means "this window is free" until
/// [`take_released_window`] clears it. A memory without a window (explicit
/// checks) keeps its reservation and its record is left alone: on boards
/// the heap may still track it (`platform::give_rest_of_heap`).
///
/// # Safety
/// `inst` was just dropped (or never became an instance), and is in no
/// list: no code runs on its memories any more.
unsafe fn release_memories(inst: *mut Instance) {
    let mut released = false;
    // SAFETY: the records lie in the instance's vmctx (its layout).
    unsafe {
        for i in 0..(*inst).layout.counts.defined_memories {
            let record = memory_record(&*inst, i);
            if (*record).guard_window == 0 {
                continue;
            }
            // Free only if its pages are gone: a reused window must read
            // as a fresh one.
            if crate::platform::release_guarded((*record).base, (*record).length) {
                released = true;
            } else {
                (*record).guard_window = 0;
            }
            (*record).length = 0;
        }
        if released {
            (*inst).previous = DROPPED;
            DROPPED = inst;
        }
    }
}

/// Defined memory `i` of `inst`.
fn memory_record(inst: &Instance, i: u32) -> *mut VMMemory {
    // SAFETY: the offset comes from the instance's own layout.
    unsafe { inst.vmctx.add(inst.layout.memory(i) as usize) as *mut VMMemory }
}

/// A window a dropped instance released, now the caller's: its start (the
/// memory's base minus [`GUARD_BELOW_BYTES`]), all of it faulting.
pub fn take_released_window() -> Option<*mut u8> {
    // SAFETY: single-threaded; dropped records and their vmctxs live on.
    unsafe {
        let inst = DROPPED.as_ref()?;
        let mut free = (0..inst.layout.counts.defined_memories)
            .map(|i| memory_record(inst, i))
            .filter(|&record| (*record).guard_window != 0);
        // Listed instances have at least one.
        let record = free.next()?;
        if free.next().is_none() {
            DROPPED = inst.previous;
        }
        (*record).guard_window = 0;
        Some((*record).base.sub(GUARD_BELOW_BYTES as usize))
    }
}
