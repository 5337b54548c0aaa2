//! Builds the runtime archives shipped inside `wafer`.
//!
//! For every (ISA, platform), `wafer-abi` is compiled as an rlib and
//! `wafer-rt` as a staticlib with `$RUSTC` directly (no nested cargo: no
//! lock contention, no second target directory). Outputs go to
//! `$OUT_DIR/runtime/<isa>-<platform>/libwafer_rt.a`; what `wafer` embeds is
//! that archive stripped of debug info and bitcode (`strip.rs`) and
//! deflated, `libwafer_rt.a.deflate` next to it (8 MB become ~0.3 MB).

use std::path::{Path, PathBuf};
use std::process::Command;

/// (ISA, platform, Rust target) of every archive to build.
const RUNTIMES: &[(&str, &str, &str)] = &[
    ("x86_64", "linux", "x86_64-unknown-linux-gnu"),
    // Not x86_64-unknown-none: that target is soft-float, and its float
    // arguments would not match Cranelift's SSE calling convention.
    ("x86_64", "baremetal", "x86_64-unknown-linux-gnu"),
    ("aarch64", "linux", "aarch64-unknown-linux-gnu"),
    ("aarch64", "baremetal", "aarch64-unknown-none"),
    ("riscv64", "linux", "riscv64gc-unknown-linux-gnu"),
    ("riscv64", "baremetal", "riscv64gc-unknown-none-elf"),
];

fn rerun_if_changed(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rerun_if_changed(&path);
            } else {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

fn rustc(args: &[&str], what: &str, target: &str) {
    // `WAFER_RUNTIME_RUSTC` picks another compiler for the runtime only:
    // the cargo-fuzz build runs on a nightly toolchain that may lack some of
    // the runtime's targets (docs/testing.md, "Fuzzing").
    println!("cargo:rerun-if-env-changed=WAFER_RUNTIME_RUSTC");
    let rustc = std::env::var("WAFER_RUNTIME_RUSTC")
        .or_else(|_| std::env::var("RUSTC"))
        .unwrap_or_else(|_| "rustc".into());
    let output = Command::new(&rustc)
        .args(args)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {rustc}: {e}"));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("can't find crate for `core`") {
            panic!("the Rust target {target} is not installed: run `rustup target add {target}`");
        }
        panic!("building {what} for {target} failed:\n{stderr}");
    }
}

/// Builds every runtime archive into `out_dir`.
pub fn build_runtimes(out_dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-nostd");
    let root = root.canonicalize().expect("runtime-nostd exists");
    rerun_if_changed(&root.join("src"));
    rerun_if_changed(&root.join("abi/src"));
    let abi_src = root.join("abi/src/lib.rs");
    let rt_src = root.join("src/lib.rs");
    for (isa, platform, target) in RUNTIMES {
        let dir: PathBuf = out_dir.join("runtime").join(format!("{isa}-{platform}"));
        std::fs::create_dir_all(&dir).expect("create runtime output directory");
        let dir_s = dir.to_str().expect("UTF-8 OUT_DIR");
        let common = [
            "--edition=2024",
            "--target",
            target,
            "-C",
            "panic=abort",
            "-C",
            "opt-level=s",
            "-C",
            "debuginfo=0",
            "-C",
            "codegen-units=1",
            // The runtime, `wafer_abi`, `core` and `compiler_builtins` as one
            // unit: about 100 B less code in a board's hello.
            "-C",
            "lto=fat",
            "-C",
            "relocation-model=static",
            // LLVM's global merging puts a module's statics in one section,
            // so `--gc-sections` keeps all of them if one is used (riscv64
            // hello images carried the spec-test host's table).
            "-C",
            "llvm-args=-enable-global-merge=false",
            "--out-dir",
            dir_s,
        ];
        let mut abi_args = vec!["--crate-type=rlib", "--crate-name=wafer_abi"];
        abi_args.extend(common);
        abi_args.push(abi_src.to_str().unwrap());
        rustc(&abi_args, "wafer-abi", target);

        let extern_abi = format!("wafer_abi={dir_s}/libwafer_abi.rlib");
        let cfg = format!("wafer_platform=\"{platform}\"");
        let mut rt_args = vec![
            "--crate-type=staticlib",
            "--crate-name=wafer_rt",
            "--extern",
            &extern_abi,
            "--cfg",
            &cfg,
            "-L",
            dir_s,
        ];
        rt_args.extend(common);
        // Atomics inline (LL/SC) rather than through compiler-rt's outline
        // helpers, whose LSE detection needs libc's `getauxval`: the
        // runtime's thread support (`crate::threads`) uses atomics.
        if *target == "aarch64-unknown-linux-gnu" {
            rt_args.extend(["-C", "target-feature=-outline-atomics"]);
        }
        rt_args.push(rt_src.to_str().unwrap());
        rustc(&rt_args, "wafer-rt", target);
        compress_for_embedding(&dir.join("libwafer_rt.a"));
    }
}

/// Writes `<archive>.deflate`: the archive stripped and compressed, as
/// `runtime_lib.rs` embeds it (deflate's default level 6).
fn compress_for_embedding(archive: &Path) {
    let bytes = std::fs::read(archive).expect("read the runtime archive");
    let stripped = super::strip::strip_archive(&bytes);
    let packed = miniz_oxide::deflate::compress_to_vec(&stripped, 6);
    let mut name = archive.as_os_str().to_owned();
    name.push(".deflate");
    std::fs::write(&name, packed).expect("write the compressed runtime archive");
}
