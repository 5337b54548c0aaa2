//! wasi-threads (`wasi.thread-spawn`): which import it is, the runtime
//! function it is bound to, and the boards that can run it.
//!
//! A module built for `wasm32-wasip1-threads` imports
//! `wasi.thread-spawn: (func (param i32) (result i32))` and a shared
//! memory (`env.memory`), and exports `wasi_thread_start(tid, arg)`. Each
//! spawned thread is a new instance of the module sharing that memory, run
//! on an OS thread of its own on the Linux boards, on a core of its own on
//! bare-metal boards with several (`cores` in `boards/<name>.toml`): the
//! runtime creates them (runtime-nostd/src/threads). A board that runs the
//! runtime on one core refuses a module that spawns threads at build time.

use anyhow::{Result, bail};
use wafer_abi::descriptor::ExternKind;

use crate::CompiledModule;
use crate::config::Board;

/// The import module and field of wasi-threads' spawn function.
pub const MODULE: &str = "wasi";
pub const FIELD: &str = "thread-spawn";
/// Its type as a signature string: `(param i32) (result i32)`.
pub const SIGNATURE: &str = "i>i";
/// The runtime's function it is bound to.
pub const SYMBOL: &str = "wafer_wasi_thread_spawn";

/// The runtime symbol for an import of `module.field` with type `ty`, if
/// it is wasi-threads' spawn function.
pub fn spawn_symbol(module: &str, field: &str, ty: &str) -> Option<&'static str> {
    (module == MODULE && field == FIELD && ty == SIGNATURE).then_some(SYMBOL)
}

/// Whether a compiled module imports `wasi.thread-spawn` (bound to the
/// runtime).
pub fn spawns_threads(module: &CompiledModule) -> bool {
    module.imports.iter().any(|i| {
        i.kind == ExternKind::Func && i.module == MODULE && i.field == FIELD && i.symbol.is_some()
    })
}

/// Refuses a module that spawns threads on a board without them, or
/// whose threads could not share its memory.
///
/// # Errors
/// One line naming the module, the feature and the board (or the memory).
pub fn check_board(modules: &[CompiledModule], board: &Board) -> Result<()> {
    // Each thread is a new instance: a memory the module defines would be
    // a new, empty one per thread (wasi-threads modules import theirs).
    if let Some(m) = modules
        .iter()
        .find(|m| spawns_threads(m) && !m.memories.is_empty())
    {
        bail!(
            "module `{}` uses threads (wasi-threads `{MODULE}.{FIELD}`) but defines its memory: each thread runs in a new instance and would get a memory of its own; import a shared memory instead (as `wasm32-wasip1-threads` programs do)",
            m.prefix
        );
    }
    let Some(bare) = &board.bare else {
        return Ok(());
    };
    if bare.cores > 1 {
        return Ok(());
    }
    if let Some(m) = modules.iter().find(|m| spawns_threads(m)) {
        bail!(
            "module `{}` uses threads (wasi-threads `{MODULE}.{FIELD}`), which board {} does not support: wafer runs its runtime on one core of this board; build for a linux-* board, a board with several cores (`wafer boards`), or without threads",
            m.prefix,
            board.name
        );
    }
    Ok(())
}
