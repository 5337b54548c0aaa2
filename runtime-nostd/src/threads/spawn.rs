//! `wasi.thread-spawn(start_arg) -> tid` (wasi-threads) on Linux: a new
//! instance of the calling module (its shared memory import resolves to
//! the same memory, its globals, tables and stack are its own) on a new OS
//! thread with a stack like the first thread's, running the module's
//! export `wasi_thread_start(tid, start_arg)`; when that returns the
//! thread ends. The instance is made on the calling thread, so its start
//! function runs there.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use wafer_abi::descriptor::Trampoline;
use wafer_abi::values::ValRaw;
use wafer_abi::vmctx::{self, VMFuncRef};

use super::lock::SpinLock;
use crate::instance::{self, Instance};

/// The export every wasi-threads module has, and its type.
const START_EXPORT: &[u8] = b"wasi_thread_start";
const START_SIGNATURE: &[u8] = b"ii>";
/// Thread ids are positive and below 2^29 (wasi-threads).
const MAX_TID: u32 = 0x1FFF_FFFF;
/// What `thread-spawn` returns when it cannot start a thread (negative:
/// an error, as wasi-libc and Rust's std read it).
const SPAWN_FAILED: i32 = -1;

static NEXT_TID: AtomicU32 = AtomicU32::new(1);
/// Spawns one at a time: instantiation is not reentrant.
static SPAWN_LOCK: SpinLock = SpinLock::new();
/// The OS thread id of the thread holding `SPAWN_LOCK` (0: none), so that a
/// start function spawning while its own instance is being made for a new
/// thread fails instead of waiting for itself.
static SPAWNER: AtomicUsize = AtomicUsize::new(0);

/// Holds `SPAWN_LOCK` for the calling thread until dropped.
struct Spawning<'a> {
    _held: super::lock::Guard<'a>,
}

impl Drop for Spawning<'_> {
    fn drop(&mut self) {
        SPAWNER.store(0, Ordering::Release);
    }
}

/// Takes `SPAWN_LOCK`, or `None` when the calling thread holds it.
fn start_spawning() -> Option<Spawning<'static>> {
    let me = crate::platform::threads::thread_id();
    if SPAWNER.load(Ordering::Acquire) == me {
        return None;
    }
    let held = SPAWN_LOCK.lock();
    SPAWNER.store(me, Ordering::Release);
    Some(Spawning { _held: held })
}

/// What the new thread needs, allocated by its creator.
struct ThreadStart {
    funcref: *const VMFuncRef,
    trampoline: Trampoline,
    tid: u32,
    start_arg: i32,
}

/// `wasi.thread-spawn`, bound by the compiler to this symbol
/// (`compiler/src/wasi_threads.rs`): called as `f(vmctx, start_arg)`.
///
/// # Safety
/// `vmctx` must be the calling instance's vmctx.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wafer_wasi_thread_spawn(vmctx: *mut u8, start_arg: i32) -> i32 {
    // SAFETY: the caller's vmctx header holds its instance record.
    let caller = unsafe { &**(vmctx.add(vmctx::INSTANCE as usize) as *const *const Instance) };
    // From here on the console and the allocator lock.
    super::mark_started();
    let Some(_spawning) = start_spawning() else {
        return SPAWN_FAILED;
    };
    let tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
    if tid > MAX_TID {
        return SPAWN_FAILED;
    }
    let Some(start) = new_instance(caller.desc, tid, start_arg) else {
        return SPAWN_FAILED;
    };
    // SAFETY: `start` is a fresh record for the new thread alone; the
    // stack top comes from `new_instance`.
    let r = unsafe { crate::platform::threads::spawn(start.1, thread_main, start.0 as *mut u8) };
    if r < 0 {
        return SPAWN_FAILED;
    }
    tid as i32
}

/// Instantiates `desc` again for thread `tid`, maps its stack and sets its
/// stack limit: the thread's start record and stack top.
fn new_instance(
    desc: &'static wafer_abi::descriptor::ModuleDescriptor,
    tid: u32,
    start_arg: i32,
) -> Option<(*mut ThreadStart, usize)> {
    let id = instance::instantiate(desc, instance::resolve_in_image).ok()?;
    let inst = instance::instance(id)?;
    let export = inst.export(START_EXPORT)?;
    // SAFETY: descriptor strings are static.
    if unsafe { export.ty.bytes() } != START_SIGNATURE || export.trampoline.is_null() {
        return None;
    }
    let funcref = inst.func_ref(export)?;
    // SAFETY: a non-null trampoline of a function export has this type.
    let trampoline: Trampoline = unsafe { core::mem::transmute(export.trampoline) };
    let (top, limit) = crate::platform::threads::map_thread_stack(instance::manifest().stack_size)?;
    // SAFETY: the new instance's vmctx; nothing runs on it yet.
    unsafe { *(inst.vmctx.add(vmctx::STACK_LIMIT as usize) as *mut usize) = limit };
    let start =
        crate::alloc::alloc_zeroed(core::mem::size_of::<ThreadStart>(), 16) as *mut ThreadStart;
    if start.is_null() {
        return None;
    }
    // SAFETY: a fresh allocation of the right size.
    unsafe {
        start.write(ThreadStart {
            funcref,
            trampoline,
            tid,
            start_arg,
        });
    }
    Some((start, top))
}

/// The new thread: `wasi_thread_start(tid, start_arg)`, then its end. A
/// trap inside ends the process (`trap::raise`, `trap::handle_fault`).
extern "C" fn thread_main(start: *mut u8) -> ! {
    // SAFETY: the record `wafer_wasi_thread_spawn` made for this thread.
    let start = unsafe { &*(start as *const ThreadStart) };
    let mut values = [
        ValRaw::from_u64(u64::from(start.tid)),
        ValRaw::from_u64(start.start_arg as u32 as u64),
    ];
    // SAFETY: the trampoline of an `ii>` export, with two value slots.
    unsafe { (start.trampoline)(start.funcref as *const u8, values.as_mut_ptr()) };
    crate::platform::threads::exit_thread()
}
