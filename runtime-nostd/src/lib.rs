//! wafer-rt: the runtime linked into every wafer image.
//!
//! `#![no_std]`, no allocator, no libc. It instantiates the compiled
//! modules listed in the image manifest, owns their memories and tables,
//! implements the builtins compiled code calls, turns CPU faults at trap
//! sites into Wasm traps, and provides WASI on top of the platform layer.
//!
//! - [`platform`]: the one small interface to the machine (console, exit,
//!   clocks, random, pages, fault handlers, process args). Linux today.
//! - [`arch`]: per-ISA assembly: entry, protected calls, trap landing.
//! - [`trap`]: catching and raising traps, trap-site lookup.
//! - [`instance`]: instantiation and import resolution.
//! - [`builtins`]: `memory.grow/copy/fill/init`, `table.*` for compiled code.
//! - [`atomics`]: `memory.atomic.wait/notify` for compiled code.
//! - [`canary`]: guard patterns around memories and runtime data (boards).
//! - [`host`]: host modules `wasi_snapshot_preview1` and `spectest`.
//! - [`modes`]: the three entry points (command, invoke, serve).
//! - [`embed`]: the C API for firmware that links the runtime as a library.
#![cfg_attr(not(test), no_std)]
// The runtime provides memcpy & co.; LLVM must not turn their loops into
// calls to themselves.
#![no_builtins]

pub mod alloc;
pub mod arch;
pub mod atomics;
pub mod budget;
pub mod builtins;
pub mod canary;
pub mod console;
pub mod embed;
pub mod exceptions;
pub mod host;
pub mod instance;
pub mod late_bound;
pub mod libcalls;
pub mod mem;
pub mod modes;
pub mod text;
pub mod threads;
pub mod trap;

#[cfg(not(wafer_platform = "baremetal"))]
#[path = "platform/linux/mod.rs"]
pub mod platform;
#[cfg(wafer_platform = "baremetal")]
#[path = "platform/baremetal/mod.rs"]
pub mod platform;

#[cfg(wafer_platform = "baremetal")]
pub mod drivers;
// The framed console is plain logic over a UART's read: its unit tests run
// on the host, where the other drivers are not built.
#[cfg(all(test, not(wafer_platform = "baremetal")))]
#[path = "drivers/framed_console.rs"]
#[allow(dead_code)] // `write` is tested through the boards
mod framed_console_on_the_host;

/// Exit status for a Wasm trap (see `wafer_abi::exit`).
pub const EXIT_TRAP: i32 = wafer_abi::exit::TRAP;
/// Exit status for a fault of the runtime itself or an unusable image.
pub const EXIT_FATAL: i32 = wafer_abi::exit::FATAL;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    console::stderr_str("wafer: runtime panic\n");
    platform::exit(EXIT_FATAL)
}

/// The precompiled `core` of `*-linux-gnu` targets refers to this symbol even
/// with `panic=abort`; nothing ever unwinds.
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
