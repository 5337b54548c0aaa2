//! Wasm threads (docs/threads.md): wasi-threads programs on the Linux
//! boards and on the bare-metal boards that run threads on their other
//! cores — `.wat` programs that need no toolchain, and Rust std threads
//! built for `wasm32-wasip1-threads` against the native build — and the
//! build-time refusal on boards that run one core.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{LINUX_BOARDS, assert_clean_error, stderr, stdout, wafer, wafer_within};

/// Bare-metal boards that run Wasm threads on their other cores (a
/// `cores` field above 1 in `boards/<name>.toml`): qemu-virt-aarch64 starts
/// them through PSCI, qemu-virt-riscv64 through a CLINT software interrupt,
/// raspi3b through its spin table.
const MULTICORE_BOARDS: [&str; 3] = ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b"];

/// How many cores each multicore board runs (its `cores`): the most
/// threads at once is one less (`_start` holds the boot core).
fn board_cores(board: &str) -> i32 {
    match board {
        "qemu-virt-aarch64" | "qemu-virt-riscv64" => 8,
        "raspi3b" => 4,
        other => panic!("no core count for {other}"),
    }
}

/// Every board that runs wasi-threads programs.
fn thread_boards() -> impl Iterator<Item = &'static str> {
    LINUX_BOARDS.into_iter().chain(MULTICORE_BOARDS)
}

fn program(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs/threads")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs `wasm` on `board` (and bounds-check mode), failing instead of
/// hanging: a lost notify would otherwise block the test forever.
fn run(wasm: &str, board: &str, bounds: &str) -> std::process::Output {
    let args = ["run", wasm, "--board", board, "--bounds-checks", bounds];
    wafer_within(&args, Duration::from_secs(120))
        .unwrap_or_else(|| panic!("{wasm} on {board} ({bounds}) did not finish in 2 minutes"))
}

#[test]
fn spawned_threads_share_memory_and_wake_a_waiter_on_every_thread_board() {
    // 1 + 20 + 100 from the three threads' start arguments.
    let sum = program("sum.wat");
    for board in thread_boards() {
        for bounds in ["guard", "explicit"] {
            let o = run(&sum, board, bounds);
            assert_eq!(
                o.status.code(),
                Some(121),
                "{board} {bounds}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn atomic_read_modify_writes_lose_no_update_under_contention() {
    // Exit code 0: every counter holds its 80 000 increments (wrapped for
    // the narrow ones); 1..=5 names the counter that lost one. Losses are
    // races, so each board runs it several times (riscv64's 8-bit
    // cmpxchg, before wafer worked around Cranelift, lost updates in
    // about a third of runs).
    let contention = program("contention.wat");
    for board in thread_boards() {
        for bounds in ["guard", "guard", "guard", "explicit"] {
            let o = run(&contention, board, bounds);
            assert_eq!(o.status.code(), Some(0), "{board} {bounds}: {}", stderr(&o));
        }
    }
}

#[test]
fn a_page_another_thread_grew_is_accessible_without_a_call_in_between() {
    // Explicit checks must not use a length loaded before the other
    // thread's `memory.grow`; exit code: the byte stored in the new page.
    let grow = program("grow.wat");
    for board in thread_boards() {
        for bounds in ["explicit", "guard"] {
            let o = run(&grow, board, bounds);
            assert_eq!(o.status.code(), Some(5), "{board} {bounds}: {}", stderr(&o));
        }
    }
}

#[test]
fn a_trap_on_a_spawned_thread_ends_the_process_with_the_trap_status() {
    let trap = program("trap.wat");
    for board in thread_boards() {
        let o = run(&trap, board, "guard");
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("trap: integer divide by zero\n"),
            "{board}: {err}"
        );
        assert!(err.contains("wasi_thread_start"), "{board}: {err}");
    }
}

#[test]
fn recursion_on_a_spawned_thread_stops_at_its_own_stack_limit() {
    let recursion = program("recursion.wat");
    for board in thread_boards() {
        for bounds in ["guard", "explicit"] {
            let o = run(&recursion, board, bounds);
            assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
            assert!(
                stderr(&o).starts_with("trap: call stack exhausted\n"),
                "{board}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn a_start_function_that_spawns_does_not_deadlock_the_spawner() {
    // Exit code: the number of threads that started, exactly 1.
    let nested = program("nested.wat");
    for board in thread_boards() {
        let o = run(&nested, board, "guard");
        assert_eq!(o.status.code(), Some(1), "{board}: {}", stderr(&o));
    }
}

#[test]
fn proc_exit_on_a_spawned_thread_ends_the_process_with_its_code() {
    let exit = program("exit.wat");
    for board in thread_boards() {
        let o = run(&exit, board, "guard");
        assert_eq!(o.status.code(), Some(7), "{board}: {}", stderr(&o));
    }
}

#[test]
fn fuel_and_deadlines_stop_a_runaway_spawned_thread() {
    let spin = program("spin.wat");
    for (option, value, message) in [
        ("--fuel", "10000000", "trap: fuel exhausted\n"),
        ("--timeout-ms", "300", "trap: deadline exceeded\n"),
    ] {
        for board in thread_boards() {
            let args = ["run", &spin, "--board", board, option, value];
            let o = wafer_within(&args, Duration::from_secs(120))
                .unwrap_or_else(|| panic!("{board} {option}: the thread was not stopped"));
            assert_eq!(
                o.status.code(),
                Some(134),
                "{board} {option}: {}",
                stderr(&o)
            );
            assert!(
                stderr(&o).starts_with(message),
                "{board} {option}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn a_module_that_spawns_threads_must_import_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let wat = super::module_file(
        dir.path(),
        "own_memory.wat",
        r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (memory 1 1 shared)
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "_start") (drop (call $spawn (i32.const 0)))))"#,
    );
    let o = wafer(&["run", &wat, "--board", "host"]);
    assert_clean_error(
        &o,
        "uses threads (wasi-threads `wasi.thread-spawn`) but defines its memory",
    );
}

#[test]
fn threads_are_refused_at_build_time_on_boards_that_run_one_core() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fw.elf");
    let out = out.to_string_lossy();
    for board in ["qemu-x86_64", "sifive-u"] {
        let o = wafer(&["build", &program("sum.wat"), "--board", board, "-o", &out]);
        assert_clean_error(&o, "uses threads (wasi-threads `wasi.thread-spawn`)");
        assert!(stderr(&o).contains(board), "{}", stderr(&o));
        assert!(stderr(&o).contains("one core"), "{}", stderr(&o));
        assert!(!dir.path().join("fw.elf").exists(), "no image is written");
    }
}

#[test]
fn a_spawn_with_every_core_busy_fails_and_freed_cores_run_threads_again() {
    // qemu-virt-aarch64 and qemu-virt-riscv64 run 8 cores: `_start` holds
    // one, so 7 threads run at once and the 8th spawn must return an error
    // (raspi3b: 3, the 4th); after they end, a spawn works again (+100).
    let busy = program("busy.wat");
    for board in MULTICORE_BOARDS {
        for bounds in ["guard", "explicit"] {
            let o = run(&busy, board, bounds);
            assert_eq!(
                o.status.code(),
                Some(100 + board_cores(board) - 1),
                "{board} {bounds}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn boards_list_their_cores() {
    let o = wafer(&["boards"]);
    let boards = stdout(&o);
    let line = |name: &str| {
        boards
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing: {boards}"))
            .to_string()
    };
    assert!(line("qemu-virt-aarch64").contains("cores 8"), "{boards}");
    assert!(line("qemu-virt-riscv64").contains("cores 8"), "{boards}");
    assert!(line("raspi3b").contains("cores 4"), "{boards}");
    assert!(line("sifive-u").contains("cores 1"), "{boards}");
    // Linux boards run OS threads: no core count.
    assert!(line("linux-aarch64").contains("cores -"), "{boards}");
}

fn rust_has_wasip1_threads() -> Result<(), String> {
    let o = Command::new("rustc")
        .args([
            "--print",
            "target-libdir",
            "--target",
            "wasm32-wasip1-threads",
        ])
        .output()
        .map_err(|e| format!("rustc: {e}"))?;
    let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let has_std = std::fs::read_dir(&dir).is_ok_and(|mut files| {
        files.any(|f| f.is_ok_and(|f| f.file_name().to_string_lossy().starts_with("libstd")))
    });
    if o.status.success() && has_std {
        Ok(())
    } else {
        Err(
            "no wasm32-wasip1-threads standard library (rustup target add wasm32-wasip1-threads)"
                .into(),
        )
    }
}

fn rustc(args: &[&str], source: &str, output: &Path) {
    let o = Command::new("rustc")
        .args(["--edition", "2021", "-O", "-C", "strip=debuginfo"])
        .args(args)
        .arg(source)
        .arg("-o")
        .arg(output)
        .output()
        .expect("rustc runs");
    assert!(o.status.success(), "rustc {args:?}: {}", stderr(&o));
}

#[test]
fn rust_std_threads_print_the_same_as_native_on_every_thread_board() {
    if let Err(why) = rust_has_wasip1_threads() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("Rust threads toolchain missing under CI (run .ci/setup): {why}");
        }
        eprintln!("skipping the Rust threads program: {why}");
        return;
    }
    let source: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/rust/threads/main.rs");
    let source = source.to_string_lossy();
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("threads.wasm");
    let native = dir.path().join("threads");
    rustc(&["--target", "wasm32-wasip1-threads"], &source, &wasm);
    rustc(&[], &source, &native);
    let expected = Command::new(&native).output().expect("native build runs");
    let expected = stdout(&expected);
    // The reference must be right, or agreeing proves nothing: thread t
    // sums i * (t + 1) for i < 50 000, (t + 1) * 1 249 975 000.
    assert!(
        expected.starts_with(
            "sums [1249975000, 2499950000, 3749925000, 4999900000]\ntotal 12499750000\n"
        ),
        "{expected}"
    );
    assert!(expected.contains("pushed 40 first Some(0) last Some(309)\ncondvar ready\n"));
    let wasm = wasm.to_string_lossy();
    for board in thread_boards() {
        // The program runs four workers beside `main` at once (a 4-party
        // Barrier): a board with fewer than five cores cannot run it, one
        // thread per core. Its fourth spawn must fail as a refused thread
        // does on Linux (EAGAIN, which std reports and panics on), not hang.
        if MULTICORE_BOARDS.contains(&board) && board_cores(board) < 5 {
            let o = run(&wasm, board, "guard");
            assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("failed to spawn thread") && stderr(&o).contains("WouldBlock"),
                "{board}: {}",
                stderr(&o)
            );
            continue;
        }
        // Bare metal in explicit mode places the shared memory differently
        // (half the free heap up front): run both modes there.
        let modes: &[&str] = if MULTICORE_BOARDS.contains(&board) {
            &["guard", "explicit"]
        } else {
            &["guard"]
        };
        for bounds in modes {
            let o = run(&wasm, board, bounds);
            assert_eq!(o.status.code(), Some(0), "{board} {bounds}: {}", stderr(&o));
            assert_eq!(stdout(&o), expected, "{board} {bounds}");
        }
    }
}

#[test]
fn a_shared_memory_nobody_exports_is_created_with_the_imports_limits_on_every_board() {
    // 2 pages at start; the atomic adds at 65540 (the second page) give
    // 40 + 2: the exit code is memory.size + 42 = 44.
    let dir = tempfile::tempdir().unwrap();
    let wat = super::module_file(
        dir.path(),
        "shared.wat",
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 2 4 shared))
  (func (export "_start")
    (drop (i32.atomic.rmw.add (i32.const 65540) (i32.const 40)))
    (drop (i32.atomic.rmw.add (i32.const 65540) (i32.const 2)))
    (call $exit (i32.add (memory.size) (i32.atomic.load (i32.const 65540))))))"#,
    );
    for board in [
        "host",
        "linux-aarch64",
        "qemu-virt-riscv64",
        "raspi3b",
        "qemu-x86_64",
    ] {
        let o = wafer_within(&["run", &wat, "--board", board], Duration::from_secs(120))
            .unwrap_or_else(|| panic!("{board}: did not finish"));
        assert_eq!(o.status.code(), Some(44), "{board}: {}", stderr(&o));
    }
    // An unshared memory import stays refused: only shared ones are the
    // runtime's to create.
    let unshared = super::module_file(
        dir.path(),
        "unshared.wat",
        r#"(module (import "env" "memory" (memory 1 1)) (func (export "_start")))"#,
    );
    let o = wafer(&["run", &unshared, "--board", "host"]);
    assert_clean_error(
        &o,
        "imports memory `env.memory`, which a wafer image cannot provide",
    );
}
