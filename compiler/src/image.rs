//! Images: compiled modules + a generated manifest + the runtime archive,
//! linked by lld into a static executable (Linux) or firmware (boards).

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::config::Board;
use crate::emit::CompiledModule;
use crate::value::Value;

/// What the image does when it starts (see `wafer_abi::descriptor::ImageMode`).
#[derive(Clone, Debug, PartialEq)]
pub enum ImageMode {
    /// Run the module as a WASI command (`_start`).
    Command,
    /// Call one export with baked-in arguments and print the results.
    Invoke { export: String, args: Vec<Value> },
    /// Answer the serving protocol (spec harness).
    Serve,
}

/// How to build an image.
#[derive(Clone, Debug)]
pub struct ImageOptions {
    pub board: Board,
    pub mode: ImageMode,
    /// Native stack compiled code may use before `call stack exhausted`.
    pub stack_size: u64,
    /// Cap on every linear memory, in 64 KiB pages.
    pub max_memory_pages: u64,
    /// WASI arguments baked into the image (after argv[0]).
    pub args: Vec<String>,
    /// WASI environment baked into the image (`KEY=VALUE`).
    pub env: Vec<String>,
    /// Extra objects/archives to link (providers of static imports).
    pub link_objects: Vec<PathBuf>,
}

impl ImageOptions {
    /// Defaults for `board`: command mode, 1 MiB of wasm stack, memories
    /// capped at 4 GiB (65536 pages).
    pub fn new(board: Board) -> ImageOptions {
        ImageOptions {
            board,
            mode: ImageMode::Command,
            stack_size: 1 << 20,
            max_memory_pages: wafer_abi::MAX_WASM_PAGES,
            args: Vec::new(),
            env: Vec::new(),
            link_objects: Vec::new(),
        }
    }
}

/// Links `modules` (in instantiation order) into an image at `output`,
/// written atomically.
///
/// # Errors
/// Modules for another ISA than the board's, unresolved static imports
/// (named), a missing linker, link failures.
pub fn link(modules: &[CompiledModule], options: &ImageOptions, output: &Path) -> Result<()> {
    let _ = (modules, options, output);
    anyhow::bail!("not yet implemented")
}
