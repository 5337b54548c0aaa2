//! wafer: a WebAssembly ahead-of-time compiler for embedded and IoT hardware.
//!
//! Data flow (see `docs/architecture.md`):
//! bytes → [`input`] (wat→wasm) → [`module_info`] (parse + validate) →
//! [`translate`] (Wasm operators → Cranelift IR per function) → [`emit`]
//! (one relocatable ELF object per module: code, trap tables, descriptor) →
//! [`image`] (manifest + runtime archive + lld → executable/firmware) →
//! [`runner`] (native, qemu-user, qemu-system).

pub mod baremetal;
pub mod board_check;
pub mod cli;
pub mod config;
pub mod embed;
pub mod emit;
pub mod file_tree;
pub mod formats;
pub mod image;
pub mod import_check;
pub mod input;
pub mod link_modules;
pub mod linker;
pub mod module_info;
pub mod output;
pub mod parallel;
pub mod policy;
pub mod runner;
pub mod runtime_lib;
pub mod scratch;
pub mod size;
pub mod translate;
pub mod value;
pub mod wasi_threads;

pub use config::{Board, Isa, Platform, Target};
pub use emit::{BoundsChecks, CompileOptions, CompiledModule, ImportBinding, StackChecks, compile};
pub use image::{ImageMode, ImageOptions};
pub use value::Value;
