//! The prebuilt runtime archives embedded in wafer (built by
//! `build/runtime.rs` for every ISA and platform, stripped of debug info
//! and bitcode, and deflated: six archives cost ~2 MB of `wafer` instead of
//! ~50 MB).

use anyhow::{Result, anyhow};

use crate::config::{Isa, Platform};

macro_rules! archive {
    ($dir:literal) => {
        include_bytes!(concat!(
            env!("OUT_DIR"),
            "/runtime/",
            $dir,
            "/libwafer_rt.a.deflate"
        ))
    };
}

/// The deflated runtime static library for `isa` on `platform`.
fn compressed_archive(isa: Isa, platform: Platform) -> &'static [u8] {
    match (isa, platform) {
        (Isa::X86_64, Platform::Linux) => archive!("x86_64-linux"),
        (Isa::Aarch64, Platform::Linux) => archive!("aarch64-linux"),
        (Isa::Riscv64, Platform::Linux) => archive!("riscv64-linux"),
        (Isa::X86_64, Platform::Baremetal) => archive!("x86_64-baremetal"),
        (Isa::Aarch64, Platform::Baremetal) => archive!("aarch64-baremetal"),
        (Isa::Riscv64, Platform::Baremetal) => archive!("riscv64-baremetal"),
    }
}

/// The runtime static library for `isa` on `platform` (inflated: a few
/// milliseconds per image).
///
/// # Errors
/// The embedded archive does not inflate (a broken build of wafer).
pub fn runtime_archive(isa: Isa, platform: Platform) -> Result<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec(compressed_archive(isa, platform))
        .map_err(|e| anyhow!("the runtime archive embedded in wafer is corrupt ({e:?})"))
}
