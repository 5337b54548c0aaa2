//! Generates `$OUT_DIR/descriptions.rs`: every `targets/*.toml` and
//! `boards/*.toml` as `include_str!` entries.

use std::fmt::Write as _;
use std::path::Path;

fn list(dir: &Path) -> Vec<std::path::PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn table(name: &str, dir: &Path) -> String {
    let mut out = format!("pub const {name}: &[(&str, &str)] = &[\n");
    for file in list(dir) {
        println!("cargo:rerun-if-changed={}", file.display());
        let stem = file.file_name().unwrap().to_string_lossy().into_owned();
        writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

pub fn generate(out_dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().expect("workspace root exists");
    let mut code = table("TARGETS", &root.join("targets"));
    code.push_str(&table("BOARDS", &root.join("boards")));
    std::fs::write(out_dir.join("descriptions.rs"), code).expect("write descriptions.rs");
}
