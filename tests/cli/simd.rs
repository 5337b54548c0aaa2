//! SIMD from the command line: `v128` arguments and results through
//! `--invoke` and the public `--serve` protocol, on every ISA that has a
//! vector unit (riscv64 through its `rv64gcv` preset).

use std::io::Write;
use std::process::{Command, Stdio};

use super::{module_file, stderr, stdout, wafer};

/// Adds two i32x4 vectors and also returns lane 0 of the first.
const ADD: &str = r#"(module
  (func (export "add") (param v128 v128) (result v128 i32)
    (i32x4.add (local.get 0) (local.get 1))
    (i32x4.extract_lane 0 (local.get 0))))"#;

/// i32x4 (1, 2, 3, 4) and (1, 0, 0, 0x1000_0000), lane 0 last.
const A: &str = "0x00000004000000030000000200000001";
const B: &str = "0x10000000000000000000000000000001";
/// Their lane-wise sum (2, 2, 3, 0x1000_0004), and lane 0 of A.
const SUM: &str = "0x10000004000000030000000200000002\n1\n";

#[test]
fn v128_arguments_and_results_through_invoke_on_every_vector_isa() {
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(dir.path(), "add.wat", ADD);
    let boards: [&[&str]; 4] = [
        &["--board", "host"],
        &["--board", "linux-aarch64"],
        &["--board", "linux-riscv64", "--cpu", "rv64gcv"],
        &["--board", "qemu-virt-aarch64"],
    ];
    for board in boards {
        let mut args = vec!["run", &input];
        args.extend_from_slice(board);
        args.extend_from_slice(&["--invoke", "add", A, B]);
        let o = wafer(&args);
        assert_eq!(o.status.code(), Some(0), "{board:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), SUM, "{board:?}");
    }
}

#[test]
fn v128_through_the_serve_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(dir.path(), "add.wat", ADD);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args(["run", &input, "--serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let requests = format!("list\ncall add.add {A} {B}\ncall add.add 0x1 nope\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(requests.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("func add.add v128 v128 -> v128 i32\n"),
        "{out}"
    );
    assert!(
        out.contains("ok 0x10000004000000030000000200000002 1\n"),
        "{out}"
    );
    assert!(
        out.contains("error argument 2 of add.add: `nope` is not a valid v128"),
        "{out}"
    );
}

/// A function with so many locals and branches that its locals live in a
/// stack slot instead of SSA variables (`translate/locals.rs`: more than
/// 64 Mi local × block pairs), with `v128` locals among 64-bit ones.
fn v128_locals_in_memory() -> String {
    let mut wat = String::from(
        "(module (func (export \"f\") (param v128) (result v128)\n(local i64) (local v128) (local",
    );
    wat.push_str(&" i64".repeat(5000));
    wat.push_str(")\n(local.set 1 (i64.const 7))\n");
    wat.push_str("(local.set 2 (i32x4.add (local.get 0) (v128.const i32x4 10 20 30 40)))\n");
    // 5003 locals × 14 003 blocks > 64 Mi.
    wat.push_str("(block\n");
    wat.push_str(&"(br_if 0 (i32.const 0))\n".repeat(14_000));
    wat.push_str(")\n(i64x2.replace_lane 1 (local.get 2) (local.get 1))))");
    wat
}

#[test]
fn v128_locals_keep_their_values_when_locals_live_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(dir.path(), "many.wat", &v128_locals_in_memory());
    // i32x4 (1, 2, 3, 4) + (10, 20, 30, 40) = (11, 22, 33, 44); then i64
    // lane 1 (i32 lanes 2 and 3) becomes 7.
    let o = wafer(&["run", &input, "--invoke", "f", A]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "0x0000000000000007000000160000000b\n");
}

#[test]
fn targets_names_the_presets_that_add_vector_features() {
    let o = wafer(&["targets"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let listing = stdout(&o);
    let line = |isa: &str| {
        listing
            .lines()
            .find(|l| l.starts_with(isa))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("riscv64").contains("rv64gcv (+V: SIMD in vector registers)"),
        "{listing}"
    );
    assert!(line("x86_64").contains("v3 (+AVX2, FMA)"), "{listing}");
    // Presets without such a feature carry no note.
    assert!(
        line("riscv64").contains("rva22,") || line("riscv64").ends_with("rva22"),
        "{listing}"
    );
}
