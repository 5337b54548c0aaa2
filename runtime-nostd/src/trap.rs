//! Traps as data: catching them around calls into compiled code, raising
//! them from builtins, and turning a faulting PC into a [`Trap`].
//!
//! The runtime is single-threaded: one chain of protected calls exists at a
//! time, and [`CURRENT_JMPBUF`] points at the innermost one.

use crate::text::Sink;
use core::ptr::null_mut;

use wafer_abi::descriptor::{FuncDesc, ModuleDescriptor, find_trap_site};
use wafer_abi::trap::TrapCode;

use crate::arch::{JmpBuf, wafer_call_protected, wafer_longjmp};

/// The innermost protected call's saved registers (read by the trap
/// landing stub in assembly).
pub static mut CURRENT_JMPBUF: *mut JmpBuf = null_mut();

/// A trap: what happened and where in the Wasm code.
#[derive(Clone, Copy, Debug)]
pub struct Trap {
    pub code: TrapCode,
    /// The module and function the trap happened in, when it was in
    /// compiled code.
    pub module: Option<&'static ModuleDescriptor>,
    pub function: Option<&'static FuncDesc>,
    /// Byte offset in the Wasm binary (u32::MAX if unknown).
    pub wasm_offset: u32,
}

impl Trap {
    /// A trap raised by the runtime (no compiled-code location).
    pub const fn new(code: TrapCode) -> Trap {
        Trap {
            code,
            module: None,
            function: None,
            wasm_offset: u32::MAX,
        }
    }
}

static mut PENDING: Option<Trap> = None;

/// Where compiled code may not push its stack below (set at entry).
static mut STACK_LIMIT: usize = 0;

/// Bytes below the stack limit that must stay usable for host functions and
/// builtins called from Wasm at the very edge of its budget, when the code
/// checks the stack in its prologues (with `--stack-checks guard` on Linux
/// the guard sits right below the budget instead:
/// `platform/linux/stack.rs`).
pub const HOST_RESERVE: usize = 64 * 1024;

/// Sets the stack limit compiled code runs with, from the stack pointer at
/// entry and the manifest's budget.
pub fn set_stack_base(stack_pointer: usize) {
    // SAFETY: single-threaded; written before any Wasm runs.
    unsafe {
        STACK_BASE = stack_pointer;
    }
}

static mut STACK_BASE: usize = 0;

/// As [`set_stack_base`], unless a base is set already: firmware that
/// embeds the runtime (`crate::embed`) has no entry of wafer's, so the
/// stack budget counts from its first call into the C API.
pub fn set_stack_base_once(stack_pointer: usize) {
    // SAFETY: single-threaded.
    unsafe {
        if STACK_BASE == 0 {
            STACK_BASE = stack_pointer;
        }
    }
}

/// The stack limit for `budget` bytes of Wasm stack below the entry SP.
pub fn stack_limit(budget: u64) -> usize {
    // SAFETY: single-threaded reads of values written at entry.
    unsafe {
        if STACK_LIMIT == 0 {
            // HOST_RESERVE more stays mapped below the limit for host
            // functions called at the edge (Linux: platform/linux/stack.rs
            // maps it; boards: the linker script's runtime share).
            STACK_LIMIT = STACK_BASE.saturating_sub(budget as usize);
        }
        STACK_LIMIT
    }
}

/// Calls `f(a, b)`; a trap inside ends the call and is returned.
///
/// # Safety
/// `f` must be safe to call with `a` and `b`.
pub unsafe fn catch(
    f: unsafe extern "C" fn(*mut u8, *mut u8),
    a: *mut u8,
    b: *mut u8,
) -> Result<(), Trap> {
    // Protected calls are the first thread's: on a spawned thread a trap
    // ends the process (`crate::threads`), so there is nothing to catch.
    if crate::threads::on_spawned_thread() {
        // SAFETY: as the caller guarantees.
        unsafe { f(a, b) };
        return Ok(());
    }
    let mut buf = JmpBuf::new();
    // SAFETY: single-threaded; the jmpbuf outlives the protected call and
    // is unlinked before returning.
    unsafe {
        let previous = CURRENT_JMPBUF;
        CURRENT_JMPBUF = &mut buf;
        let code = wafer_call_protected(&mut buf, f, a, b);
        CURRENT_JMPBUF = previous;
        // A Wasm exception no handler caught left the call: its results are
        // dummies, so it ends the call like a trap. Taken after a trap too,
        // so the next call starts without one.
        let uncaught = crate::exceptions::take_uncaught();
        if code == 0 {
            if uncaught {
                return Err(Trap::new(TrapCode::UncaughtException));
            }
            return Ok(());
        }
        let pending = core::ptr::replace(core::ptr::addr_of_mut!(PENDING), None);
        Err(pending.unwrap_or(Trap::new(TrapCode::Unreachable)))
    }
}

/// Raises `trap` from runtime code called by compiled code.
pub fn raise(trap: Trap) -> ! {
    if crate::threads::on_spawned_thread() {
        crate::threads::trap_on_spawned_thread(&trap);
    }
    // SAFETY: a protected call is active whenever compiled code runs, and
    // compiled code is the only caller of builtins and host functions.
    unsafe {
        let buf = CURRENT_JMPBUF;
        if buf.is_null() {
            crate::console::stderr_str("wafer: trap outside of a protected call\n");
            crate::platform::exit(crate::EXIT_FATAL);
        }
        PENDING = Some(trap);
        wafer_longjmp(buf, 1)
    }
}

/// Handles a CPU fault at `pc`: if `pc` is a trap site of compiled code
/// inside a protected call, records the trap and returns the address to
/// resume at; otherwise reports the fault and exits.
pub fn handle_fault(signal: i32, pc: usize) -> usize {
    handle_fault_accessing(signal, pc, None)
}

/// As [`handle_fault`], for a memory-access fault (Linux SIGSEGV/SIGBUS, a
/// data abort) at data address `address`: an unchecked guard-mode access
/// (a `MemoryOutOfBounds` trap site that faulted instead of trapping) is
/// only that trap when `address` lies in the guard window of a memory of a
/// live instance; any other address there is a fatal fault, not a trap.
pub fn handle_memory_fault(signal: i32, pc: usize, address: usize) -> usize {
    handle_fault_accessing(signal, pc, Some(address))
}

fn handle_fault_accessing(signal: i32, pc: usize, address: Option<usize>) -> usize {
    // Looked up once for both cases: a spawned thread's trap ends the
    // process, the first thread's resumes at its protected call. A fault in
    // the stack's guard is classified by its address first: with
    // `--stack-checks guard` any code (a prologue's push, a probe, a host
    // function or builtin called at the edge) may be the one to hit it.
    let trap = match address {
        Some(address) if crate::platform::in_stack_guard(address) => Some(stack_exhausted_at(pc)),
        _ => lookup(pc)
            .filter(|trap| fault_is_trap(trap.code, address, crate::instance::in_guard_window)),
    };
    if let Some(trap) = trap {
        if crate::threads::on_spawned_thread() {
            crate::threads::trap_on_spawned_thread(&trap);
        }
        // SAFETY: on the first thread, which the fault interrupted.
        unsafe {
            if !CURRENT_JMPBUF.is_null() {
                PENDING = Some(trap);
                return crate::arch::trap_landing();
            }
        }
    }
    let mut w = crate::console::Stderr;
    // `signal` is a signal number on Linux, the ISA's exception cause
    // (mcause, ESR_EL1, x86 vector) on bare metal.
    let what = if cfg!(wafer_platform = "baremetal") {
        "CPU exception, cause"
    } else {
        "signal"
    };
    w.str("wafer: fatal fault (");
    w.str(what);
    w.str(" ");
    w.hex(signal as u32 as u64);
    w.str(") at pc ");
    w.hex(pc as u64);
    w.str("\n");
    crate::platform::exit(crate::EXIT_FATAL)
}

/// Whether a fault at a trap site of kind `code` is that trap: a
/// memory-access fault (`address` known) at an out-of-bounds site is one
/// only inside a guard window (`in_window`); every other fault at a trap
/// site is (trap instructions, `idiv`).
fn fault_is_trap(
    code: TrapCode,
    address: Option<usize>,
    in_window: impl Fn(usize) -> bool,
) -> bool {
    match address {
        Some(address) if code == TrapCode::MemoryOutOfBounds => in_window(address),
        _ => true,
    }
}

/// `call stack exhausted` at `pc`: in the Wasm function containing it (as
/// a prologue check reports it: the function, no byte offset), or without
/// a location when runtime code ran out of stack.
fn stack_exhausted_at(pc: usize) -> Trap {
    let mut trap = Trap::new(TrapCode::CallStackExhausted);
    if let Some((module, function)) = function_at(pc) {
        trap.module = Some(module);
        trap.function = Some(function);
    }
    trap
}

/// The compiled function whose code contains `pc`, with its module.
fn function_at(pc: usize) -> Option<(&'static ModuleDescriptor, &'static FuncDesc)> {
    for desc in crate::instance::descriptors() {
        // SAFETY: descriptors are static data emitted by the compiler.
        let functions = unsafe { desc.functions() };
        for f in functions {
            let start = f.ptr as usize;
            if (start..start + f.code_size as usize).contains(&pc) {
                return Some((desc, f));
            }
        }
    }
    None
}

/// Finds the trap site at `pc` in every instantiated module.
fn lookup(pc: usize) -> Option<Trap> {
    let (desc, f) = function_at(pc)?;
    let offset = (pc - f.ptr as usize) as u32;
    // SAFETY: descriptors are static data emitted by the compiler.
    let site = find_trap_site(unsafe { desc.trap_sites(f) }, offset)?;
    // Named after the function whose Wasm instruction trapped: a callee
    // inlined into `f` when the site came from one.
    // SAFETY: as above.
    let holder = site
        .wasm_offset()
        .and_then(|at| unsafe { desc.function_holding(at) });
    Some(Trap {
        code: site.code()?,
        module: Some(desc),
        function: Some(holder.unwrap_or(f)),
        wasm_offset: site.wasm_offset().unwrap_or(u32::MAX),
    })
}

/// Writes `trap: <message>` and, when known, the Wasm location.
pub fn report(trap: &Trap) {
    let mut w = crate::console::Stderr;
    w.str("trap: ");
    w.str(trap.code.message());
    if trap.code == TrapCode::UncaughtException {
        crate::exceptions::report_uncaught_tag(&mut w);
    }
    w.str("\n");
    if let (Some(module), Some(function)) = (trap.module, trap.function) {
        // SAFETY: descriptor strings are static.
        let (module_name, name) = unsafe { (module.name.bytes(), module.function_name(function)) };
        w.str("  at ");
        w.name(module_name);
        w.str("!");
        if name.is_empty() {
            w.str("func[");
            w.dec(function.index.into());
            w.str("]");
        } else {
            w.name(name);
        }
        if trap.wasm_offset != u32::MAX {
            w.str(" (wasm offset ");
            w.hex(trap.wasm_offset.into());
            w.str(")");
        }
        w.str("\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_fault_at_an_out_of_bounds_site_is_a_trap_only_inside_a_guard_window() {
        let window = |a: usize| (0x1000..0x2000).contains(&a);
        let oob = TrapCode::MemoryOutOfBounds;
        assert!(fault_is_trap(oob, Some(0x1fff), window));
        assert!(!fault_is_trap(oob, Some(0x2000), window));
        assert!(!fault_is_trap(oob, Some(0), window));
        // Trap instructions (no data address) and other kinds of site.
        assert!(fault_is_trap(oob, None, window));
        assert!(fault_is_trap(
            TrapCode::IntegerDivideByZero,
            Some(0),
            window
        ));
    }
}
