//! Memories beyond Wasm 2.0 as a user builds them for a board: several
//! memories (multi-memory), 64-bit memories (memory64) and 1-byte pages
//! (custom page sizes), seen through `wafer size`, a run, and the build
//! errors. The spec scripts (`tests/wast/custom_page_sizes*.wast`,
//! `escape_memory64.wast`, the suite's proposals) check the semantics.

use super::{assert_clean_error, module_file, stderr, stdout, wafer};

/// Writes the last of 3000 one-byte pages and exits with what it reads
/// back plus 1 if `memory.size` is 3000: 8. (The trap one byte further is
/// in `tests/wast/custom_page_sizes.wast`, run on the boards too.)
const BYTES_3000: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 3000 (pagesize 1))
  (func (export "_start")
    (i32.store8 (i32.const 2999) (i32.const 7))
    (call $exit (i32.add (i32.load8_u (i32.const 2999))
                         (i32.eq (memory.size) (i32.const 3000))))))"#;

#[test]
fn a_memory_of_3000_one_byte_pages_takes_3000_bytes_on_a_board() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "bytes.wat", BYTES_3000);
    let image = dir.path().join("fw.elf");
    let image_s = image.to_str().unwrap();
    let o = wafer(&["build", &wat, "--board", "qemu-virt-riscv64", "-o", image_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wafer(&["size", image_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    // 3000 B = 2.93 KiB, where one 64 KiB page would say "1 page = 64.0 KiB".
    assert!(
        report.contains("linear memory at start 2.9 KiB (bytes: 3000 B)"),
        "{report}"
    );
    assert!(report.contains("always checked explicitly"), "{report}");
    let o = wafer(&["run", &wat, "--board", "qemu-virt-riscv64"]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
}

#[test]
fn a_64_bit_memory_larger_than_the_board_is_refused_naming_the_board() {
    let dir = tempfile::tempdir().unwrap();
    // 4096 pages = 256 MiB: more than the 128 MiB of RAM of the board.
    let wat = module_file(
        dir.path(),
        "big.wat",
        r#"(module (memory i64 4096) (func (export "_start")))"#,
    );
    let image = dir.path().join("fw.elf");
    let o = wafer(&[
        "build",
        &wat,
        "--board",
        "qemu-virt-riscv64",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert_clean_error(
        &o,
        "module `big` declares a 64-bit memory (memory64) of 4096 pages = 256.00 MiB at start, more than the RAM of board qemu-virt-riscv64",
    );
    assert!(!image.exists());
}

#[test]
fn size_counts_every_memory_of_a_module_and_runs_use_each_one() {
    let dir = tempfile::tempdir().unwrap();
    // Memory 1 holds 40 at its last byte, memory 0 holds 2 at its first;
    // copying the byte between them checks each memory's own bounds.
    let wat = module_file(
        dir.path(),
        "two.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory $a 1)
  (memory $b 2)
  (data (memory $b) (i32.const 0x1ffff) "\28")
  (data (memory $a) (i32.const 0) "\02")
  (func (export "_start")
    (memory.copy $a $b (i32.const 1) (i32.const 0x1ffff) (i32.const 1))
    (call $exit (i32.add (i32.load8_u $a (i32.const 0)) (i32.load8_u $a (i32.const 1))))))"#,
    );
    let image = dir.path().join("fw.elf");
    let image_s = image.to_str().unwrap();
    let o = wafer(&["build", &wat, "--board", "qemu-virt-aarch64", "-o", image_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = wafer(&["size", image_s]);
    let report = stdout(&o);
    assert!(
        report.contains("linear memory at start 192.0 KiB (two: 3 pages)"),
        "{report}"
    );
    assert!(report.contains("(2 defined here)"), "{report}");
    let o = wafer(&["run", &wat, "--board", "qemu-virt-aarch64"]);
    assert_eq!(o.status.code(), Some(42), "{}", stderr(&o));
}
