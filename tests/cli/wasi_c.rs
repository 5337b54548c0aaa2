//! Building the tests' small C programs for wasm32-wasi with clang and
//! wasi-libc, shared by the file tests (files.rs, baked_files.rs).

use super::*;

/// Builds the C file at `source` (relative to the repository root) for
/// wasm32-wasi into `dir`, warnings as errors; `None` when clang cannot
/// build for wasm32-wasi (clang or wasi-libc not installed: the caller's
/// test says so and checks nothing else; under `CI=true` it fails).
pub fn build_wasi_c_program(source: &str, dir: &Path) -> Option<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(source);
    let stem = source
        .file_stem()
        .expect("a C source file name")
        .to_string_lossy();
    let out = dir.join(format!("{stem}.wasm"));
    let built = Command::new("clang")
        .args(["--target=wasm32-wasi", "-O1", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(&source)
        .output();
    match built {
        Ok(o) if o.status.success() => Some(out),
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("-Werror") => {
            panic!("{} has warnings: {}", source.display(), stderr(&o))
        }
        // CI installs both (.ci/setup): there, a missing toolchain is a
        // failure, not a skip.
        other if std::env::var_os("CI").is_some_and(|v| v == "true") => {
            panic!("clang cannot build for wasm32-wasi under CI (.ci/setup installs it): {other:?}")
        }
        other => {
            eprintln!(
                "skipped: clang cannot build for wasm32-wasi (install clang and wasi-libc): {other:?}"
            );
            None
        }
    }
}
