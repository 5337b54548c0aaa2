//! The prebuilt runtime archives embedded in wafer (built by
//! `build/runtime.rs` for every ISA and platform).

use crate::config::{Isa, Platform};

macro_rules! archive {
    ($dir:literal) => {
        include_bytes!(concat!(
            env!("OUT_DIR"),
            "/runtime/",
            $dir,
            "/libwafer_rt.a"
        ))
    };
}

/// The runtime static library for `isa` on `platform`.
pub fn runtime_archive(isa: Isa, platform: Platform) -> &'static [u8] {
    match (isa, platform) {
        (Isa::X86_64, Platform::Linux) => archive!("x86_64-linux"),
        (Isa::Aarch64, Platform::Linux) => archive!("aarch64-linux"),
        (Isa::Riscv64, Platform::Linux) => archive!("riscv64-linux"),
        (Isa::X86_64, Platform::Baremetal) => archive!("x86_64-baremetal"),
        (Isa::Aarch64, Platform::Baremetal) => archive!("aarch64-baremetal"),
        (Isa::Riscv64, Platform::Baremetal) => archive!("riscv64-baremetal"),
    }
}
