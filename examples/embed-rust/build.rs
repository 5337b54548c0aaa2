//! Compiles `app.wat` with `wafer compile` and writes the runtime library
//! with `wafer runtime` (the `wafer` on PATH, or `$WAFER`), and links both
//! into the firmware with `link.ld`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn wafer(args: &[&str]) {
    let program = std::env::var("WAFER").unwrap_or_else(|_| "wafer".into());
    let status = Command::new(&program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {program} (set WAFER to wafer's path): {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let path = |p: &Path| p.to_str().expect("UTF-8 paths").to_string();
    wafer(&[
        "compile",
        &path(&here.join("app.wat")),
        "--target",
        "riscv64",
        "-o",
        &path(&out.join("app.o")),
    ]);
    wafer(&[
        "runtime",
        "--target",
        "riscv64",
        "--board",
        "qemu-virt-riscv64",
        "-o",
        &path(&out.join("libwafer_rt.a")),
    ]);
    println!("cargo:rustc-link-arg=-T{}", path(&here.join("link.ld")));
    println!("cargo:rustc-link-arg={}", path(&out.join("app.o")));
    println!("cargo:rustc-link-search=native={}", path(&out));
    println!("cargo:rustc-link-lib=static=wafer_rt");
    println!("cargo:rerun-if-changed=app.wat");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-env-changed=WAFER");
}
