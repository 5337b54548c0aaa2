//! Build script: embeds the target and board descriptions, and builds the
//! no_std runtime for every (ISA, platform) so that an installed `wafer` is
//! self-contained.

#[path = "build/descriptions.rs"]
mod descriptions;
#[path = "build/runtime.rs"]
mod runtime;
#[path = "build/strip.rs"]
mod strip;

fn main() {
    let out_dir =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    descriptions::generate(&out_dir);
    runtime::build_runtimes(&out_dir);
}
