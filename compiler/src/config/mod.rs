//! ISA and board descriptions, read from `targets/*.toml` and `boards/*.toml`.
//!
//! The description files are embedded at build time (see `build.rs`), so an
//! installed `wafer` needs no files beside it. Adding a board with known
//! peripherals means adding one TOML file.

mod board;
mod host_cpu;
mod target;

pub use board::{BareMetal, Board, Device, MemoryMap, Platform, QemuSystem, Region};
pub use target::{Isa, Target, TargetSpec};

/// `(file stem, contents)` of every embedded description.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/descriptions.rs"));
}
