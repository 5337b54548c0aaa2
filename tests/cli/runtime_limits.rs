//! Runtime limits and contracts, end to end: `proc_exit` codes outside
//! 0–125, imports refused at build time, WASI calls with bad pointers,
//! stack budgets against the real stack, table caps, address-space limits.

use std::process::Command;
use std::time::Duration;

use super::{assert_clean_error, module_file, stderr, stdout, wafer, wafer_within};

const EXIT_MODULE: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "exit") (param i32) (call $exit (local.get 0))))"#;

#[test]
fn proc_exit_codes_beyond_125_exit_with_125_on_every_kind_of_board() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "exit.wat", EXIT_MODULE);
    // 256 is 0 in an 8-bit status (it used to report success); 134 is a
    // trap's status; -1 is 4294967295 as WASI passes it.
    let cases = [
        (0, 0),
        (7, 7),
        (125, 125),
        (126, 125),
        (134, 125),
        (256, 125),
        (-1, 125),
    ];
    for board in ["host", "linux-aarch64", "qemu-virt-riscv64"] {
        for (code, expected) in cases {
            let arg = code.to_string();
            let o = wafer(&["run", &module, "--board", board, "--invoke", "exit", &arg]);
            assert_eq!(o.status.code(), Some(expected), "{board} proc_exit({code})");
            let note = format!(
                "wafer: proc_exit({}) is outside 0-125; exiting with 125\n",
                code as u32
            );
            // Boards have one console for stdout and stderr.
            let console = stdout(&o) + &stderr(&o);
            if code as u32 > 125 {
                assert_eq!(console, note, "{board}");
            } else {
                assert_eq!(console, "", "{board} proc_exit({code})");
            }
        }
    }
}

#[test]
fn imports_an_image_cannot_satisfy_are_refused_by_build() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"(module (import "env" "mem" (memory 1)) (func (export "_start")))"#,
            "imports memory `env.mem`, which a wafer image cannot provide",
        ),
        (
            r#"(module (import "env" "t" (table 1 funcref)) (func (export "_start")))"#,
            "imports table `env.t`",
        ),
        (
            r#"(module (import "env" "g" (global i32)) (func (export "_start")))"#,
            "imports global `env.g`",
        ),
        (
            r#"(module (import "wasi_snapshot_preview1" "fd_write"
                 (func (param i32 i32 i32) (result i32))) (func (export "_start")))"#,
            "imports `wasi_snapshot_preview1.fd_write` with type (func (param i32 i32 i32) (result i32)), but WASI's `fd_write` has type (func (param i32 i32 i32 i32) (result i32))",
        ),
        (
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
                 (func (export "_start")))"#,
            "but WASI's `proc_exit` has type (func (param i32))",
        ),
        (
            r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func (result i32)))
                 (func (export "_start")))"#,
            "`wasi_snapshot_preview1.no_such_call`, which is not a WASI preview 1 function",
        ),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let module = module_file(dir.path(), &format!("m{i}.wat"), text);
        let image = dir.path().join(format!("m{i}.elf"));
        let o = wafer(&["build", &module, "-o", image.to_str().unwrap()]);
        assert_clean_error(&o, needle);
        assert!(!image.exists(), "no image is left behind for {text}");
        let o = wafer(&["run", &module]);
        assert_clean_error(&o, needle);
    }
    // `compile` makes an object for firmware that resolves imports itself.
    let module = module_file(dir.path(), "mem.wat", cases[0].0);
    let object = dir.path().join("mem.o");
    let o = wafer(&[
        "compile",
        &module,
        "--target",
        "x86_64",
        "-o",
        object.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn wasi_imports_with_their_own_signature_still_build_and_run() {
    // An unimplemented WASI function (ENOSYS = 52) with its real signature.
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "shutdown.wat",
        r#"(module (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
             (func (export "sync") (result i32) (call $shutdown (i32.const 1) (i32.const 0))))"#,
    );
    let o = wafer(&["run", &module, "--invoke", "sync"]);
    assert_eq!(stdout(&o), "52\n", "{}", stderr(&o));
}

/// fd_write/fd_read/args_get/environ_sizes_get with one bad pointer each;
/// memory holds iovec 0 = "leak\n" at 16 and the sentinel 0x11111111 at
/// 0x100.
const BAD_POINTERS: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\10\00\00\00\05\00\00\00\ff\ff\0f\00\05\00\00\00")
  (data (i32.const 16) "leak\n")
  (data (i32.const 0x100) "\11\11\11\11\11\11\11\11")
  ;; 0x20000000 iovecs: the first is fine, the array runs out of memory.
  (func (export "huge_iovec_count") (result i32)
    (call $write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 0x200)))
  ;; The second iovec's buffer is outside memory.
  (func (export "bad_second_iovec") (result i32)
    (call $write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 0x200)))
  ;; Everything fine but where the byte count goes.
  (func (export "bad_nwritten") (result i32)
    (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0xfffe)))
  (func (export "bad_nread") (result i32)
    (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0xfffe)))
  ;; Pointer array fine, string buffer outside memory: the array must not
  ;; be written either.
  (func (export "bad_args_buffer") (result i32 i32)
    (call $args (i32.const 0x100) (i32.const 0xffff))
    (i32.load (i32.const 0x100)))
  (func (export "bad_env_size_pointer") (result i32 i32)
    (call $env_sizes (i32.const 0x100) (i32.const 0x10000))
    (i32.load (i32.const 0x100))))"#;

#[test]
fn wasi_calls_with_a_bad_pointer_have_no_effect_and_return_efault() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "bad.wat", BAD_POINTERS);
    let cases = [
        ("huge_iovec_count", "21\n"),
        ("bad_second_iovec", "21\n"),
        ("bad_nwritten", "21\n"),
        ("bad_nread", "21\n"),
        // 286331153 = 0x11111111: the sentinel is untouched.
        ("bad_args_buffer", "21\n286331153\n"),
        ("bad_env_size_pointer", "21\n286331153\n"),
    ];
    for board in ["host", "linux-riscv64"] {
        for (export, expected) in cases {
            let o = wafer(&["run", &module, "--board", board, "--invoke", export]);
            assert!(o.status.success(), "{board} {export}: {}", stderr(&o));
            // Nothing of "leak\n" reached stdout: only the printed results.
            assert_eq!(stdout(&o), expected, "{board} {export}");
        }
    }
}

#[test]
fn fd_read_on_a_board_checks_its_pointers_before_waiting_for_the_uart() {
    // Nothing ever arrives on the UART: a read that waits first never ends.
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "bad.wat", BAD_POINTERS);
    for (export, expected) in [("bad_nread", "21\n"), ("huge_iovec_count", "21\n")] {
        let o = wafer_within(
            &[
                "run",
                &module,
                "--board",
                "qemu-virt-riscv64",
                "--invoke",
                export,
            ],
            Duration::from_secs(60),
        )
        .unwrap_or_else(|| panic!("{export} blocked"));
        assert!(o.status.success(), "{export}: {}", stderr(&o));
        assert_eq!(stdout(&o), expected, "{export}");
    }
}

const DEPTH: &str = r#"(module
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
              (call $depth (i32.sub (local.get 0) (i32.const 1))))))))"#;

/// `wafer args` under `ulimit -s <stack_kib>` (which qemu-user also takes
/// as the size of the guest's stack).
fn wafer_with_stack_rlimit(stack_kib: u32, args: &[&str]) -> std::process::Output {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -s {stack_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_wafer"))
        .args(args);
    command.output().expect("sh runs")
}

#[test]
fn deep_recursion_traps_whatever_the_stack_rlimit() {
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    let deeper_than_any_budget = "100000000";
    for board in ["host", "linux-aarch64", "linux-riscv64"] {
        // (rlimit KiB, --stack-size): the default budget under a 1 MiB
        // rlimit, and a budget as large as the whole 8 MiB rlimit.
        for (rlimit, budget) in [
            (1024, None),
            (8192, Some("8388608")),
            (1024, Some("8388608")),
        ] {
            let mut args = vec!["run", &depth, "--board", board, "--invoke", "depth"];
            args.push(deeper_than_any_budget);
            if let Some(budget) = budget {
                args.extend(["--stack-size", budget]);
            }
            let o = wafer_with_stack_rlimit(rlimit, &args);
            let what = format!("{board}, ulimit -s {rlimit}, --stack-size {budget:?}");
            assert_eq!(o.status.code(), Some(134), "{what}: {}", stderr(&o));
            assert!(
                stderr(&o).starts_with("trap: call stack exhausted\n"),
                "{what}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn a_stack_budget_beyond_the_rlimit_is_really_available() {
    // 200000 frames need several MiB: more than `ulimit -s 1024` allows,
    // within a 64 MiB budget, which the runtime maps itself.
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    for board in ["host", "linux-aarch64", "linux-riscv64"] {
        let o = wafer_with_stack_rlimit(
            1024,
            &[
                "run",
                &depth,
                "--board",
                board,
                "--stack-size",
                "67108864",
                "--invoke",
                "depth",
                "200000",
            ],
        );
        assert_eq!(stdout(&o), "200000\n", "{board}: {}", stderr(&o));
        // ... and the default 1 MiB budget is too small for it.
        let o = wafer(&[
            "run", &depth, "--board", board, "--invoke", "depth", "200000",
        ]);
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
    }
}

#[test]
fn stack_size_outside_its_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    for size in ["18446744073709551615", "1073741825", "0", "4095"] {
        let o = wafer(&[
            "run",
            &depth,
            "--stack-size",
            size,
            "--invoke",
            "depth",
            "1",
        ]);
        assert_eq!(o.status.code(), Some(2), "{size}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is not in 4096..=1073741824"),
            "{}",
            stderr(&o)
        );
    }
    let o = wafer(&[
        "run",
        &depth,
        "--stack-size",
        "1073741824",
        "--invoke",
        "depth",
        "1",
    ]);
    assert_eq!(stdout(&o), "1\n", "the largest budget maps: {}", stderr(&o));
}

#[test]
fn a_stack_the_address_space_cannot_hold_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    let image = dir.path().join("depth");
    let o = wafer(&[
        "build",
        &depth,
        "--stack-size",
        "1073741824",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert!(image.exists(), "{}", stderr(&o));
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 500000 && exec \"$0\"")
        .arg(&image)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(70), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: cannot map a stack of 1073741824 bytes for Wasm code (--stack-size): the address space is limited (ulimit -v); raise the limit or use a smaller --stack-size\n"
    );
}

const TABLE_GROWTH: &str = r#"(module
  (table $t 0 funcref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  ;; Grows by 65536 until refused; the size it reached.
  (func (export "grow_until_refused") (result i32)
    (loop $again
      (br_if $again
        (i32.ne (table.grow $t (ref.null func) (i32.const 65536)) (i32.const -1))))
    (table.size $t)))"#;

#[test]
fn a_table_without_maximum_stops_growing_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "grow.wat", TABLE_GROWTH);
    // The default cap is 2^20 elements; it used to grow until the kernel
    // killed the process.
    for board in ["host", "linux-aarch64", "qemu-virt-riscv64"] {
        let o = wafer(&[
            "run",
            &module,
            "--board",
            board,
            "--invoke",
            "grow_until_refused",
        ]);
        assert_eq!(stdout(&o), "1048576\n", "{board}: {}", stderr(&o));
        assert!(o.status.success(), "{board}");
    }
    let run = |cap: &str, delta: &str| {
        let o = wafer(&[
            "run",
            &module,
            "--max-table-elements",
            cap,
            "--invoke",
            "grow",
            delta,
        ]);
        stdout(&o)
    };
    assert_eq!(run("1000", "1000"), "0\n", "up to the cap");
    assert_eq!(
        run("1000", "1001"),
        "-1\n",
        "beyond it: the spec's failed grow"
    );
    assert_eq!(run("0", "1"), "-1\n");
    let o = wafer(&[
        "run",
        &module,
        "--max-table-elements",
        "4294967296",
        "--invoke",
        "grow",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2), "beyond u32: {}", stderr(&o));
}

#[test]
fn a_table_larger_than_the_cap_at_start_is_refused_by_build() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "big.wat", "(module (table 2000 funcref))");
    let image = dir.path().join("big");
    let o = wafer(&[
        "build",
        &module,
        "--max-table-elements",
        "1000",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert_clean_error(
        &o,
        "module `big` needs a table of 2000 elements at start, but --max-table-elements allows 1000",
    );
    assert!(!image.exists());
}

#[test]
fn a_table_too_large_for_the_boards_ram_is_refused_by_build_with_the_numbers() {
    // 20 million 8-byte references are 152.59 MiB; the board has 128 MiB.
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "big.wat",
        "(module (table 20000000 funcref) (memory 1))",
    );
    let image = dir.path().join("fw.elf");
    let o = wafer(&[
        "build",
        &module,
        "--board",
        "qemu-virt-riscv64",
        "--max-table-elements",
        "100000000",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert_clean_error(
        &o,
        "module `big` needs 152.59 MiB of RAM for tables (20000000 elements) and 64.0 KiB for linear memory at start; qemu-virt-riscv64 leaves 126.62 MiB for them (RAM 128.00 MiB minus 1.09 MiB of stack); use smaller initial tables",
    );
    assert!(!image.exists());
    // The same table fits on the host, where it is only address space.
    let o = wafer(&[
        "run",
        &module,
        "--max-table-elements",
        "100000000",
        "--invoke",
        "nothing",
    ]);
    assert!(!stderr(&o).contains("table"), "{}", stderr(&o));
}

/// Runs the image at `image` under `ulimit -v <kib>`.
pub(crate) fn run_with_address_space_limit(
    kib: u32,
    image: &std::path::Path,
) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\""))
        .arg(image)
        .output()
        .unwrap()
}

#[test]
fn memories_fit_a_limited_address_space_or_say_why_not() {
    let dir = tempfile::tempdir().unwrap();
    // Explicit bounds checks: a memory reserves what it may grow to (or
    // less, see below). Guard mode needs a whole window: tests/cli/bounds.rs.
    // One page that grows by 1000 pages (62.5 MiB): every memory used to
    // reserve 4 GiB of address space, refused under `ulimit -v 3000000`.
    let small = module_file(
        dir.path(),
        "small.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory 1)
             (func (export "_start")
               (call $exit (i32.add (i32.const 10) (memory.grow (i32.const 1000))))))"#,
    );
    let image = dir.path().join("small");
    let o = wafer(&[
        "build",
        &small,
        "--bounds-checks",
        "explicit",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_with_address_space_limit(3_000_000, &image);
    assert_eq!(
        o.status.code(),
        Some(11),
        "grew from 1 page: {}",
        stderr(&o)
    );

    // 50000 pages (3.05 GiB) at start cannot fit in 2.86 GiB.
    let big = module_file(
        dir.path(),
        "big.wat",
        r#"(module (memory 50000) (func (export "_start")))"#,
    );
    let image = dir.path().join("big");
    let o = wafer(&[
        "build",
        &big,
        "--bounds-checks",
        "explicit",
        "-o",
        image.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_with_address_space_limit(3_000_000, &image);
    assert_eq!(o.status.code(), Some(70));
    assert_eq!(
        stderr(&o),
        "error: cannot instantiate module `big`: cannot reserve 50000 pages of linear memory: the address space is limited (ulimit -v); raise the limit or give the module a smaller initial memory\n"
    );
}

#[test]
fn qemu_users_own_guest_stack_size_does_not_matter() {
    // QEMU_STACK_SIZE sets the guest's main stack (fixed, not growable);
    // 64 KiB holds far fewer than 10000 frames, the runtime's stack does.
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(dir.path(), "depth.wat", DEPTH);
    for board in ["linux-aarch64", "linux-riscv64"] {
        let run = |n: &str| {
            Command::new(env!("CARGO_BIN_EXE_wafer"))
                .args(["run", &depth, "--board", board, "--invoke", "depth", n])
                .env("QEMU_STACK_SIZE", "65536")
                .output()
                .unwrap()
        };
        let o = run("10000");
        assert_eq!(stdout(&o), "10000\n", "{board}: {}", stderr(&o));
        let o = run("100000000");
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("trap: call stack exhausted\n"),
            "{board}"
        );
    }
}
