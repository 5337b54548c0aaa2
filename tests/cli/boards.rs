//! Every board, bare metal included: the examples behave the same
//! everywhere, images boot the way the real hardware loads them, and what
//! does not fit a board is refused at build time with numbers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::wasm_bytes::{leb_into, module, section};
use super::{assert_clean_error, example, invoke, module_file, stderr, stdout, wafer};

/// Every board `wafer boards` lists except `host` (the reference).
const BOARDS: [&str; 8] = [
    "linux-x86_64",
    "linux-aarch64",
    "linux-riscv64",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
    "raspi3b",
    "sifive-u",
];

/// What a user sees of a run: stdout, then stderr with every line marked
/// `stderr: ` (a board has one console; `wafer run` must still put the trap
/// report on stderr, as on Linux), and the exit code.
fn observed(board: &str, args: &[&str]) -> (String, Option<i32>) {
    let mut all = vec!["run", "--board", board];
    all.extend_from_slice(args);
    let o = wafer(&all);
    let marked: String = stderr(&o)
        .lines()
        .map(|line| format!("stderr: {line}\n"))
        .collect();
    (format!("{}{marked}", stdout(&o)), o.status.code())
}

#[test]
fn examples_behave_the_same_on_every_board() {
    let (hello, args, trap, arith, env) = (
        example("hello.wat"),
        example("args.wat"),
        example("trap.wat"),
        example("arith.wat"),
        example("env.wat"),
    );
    let runs: Vec<Vec<&str>> = vec![
        vec![&hello],
        vec![&args, "--", "first", "-x", "third"],
        vec![&trap],
        vec![&arith, "--invoke", "fac", "20"],
        vec![&arith, "--invoke", "quarter", "-3"],
        vec![&arith, "--invoke", "div", "1", "0"],
        vec![&env, "--env", "GREETING=hi there"],
    ];
    // The reference, checked against known output so that a board agreeing
    // with a broken host cannot pass.
    let reference: Vec<(String, Option<i32>)> = runs.iter().map(|r| observed("host", r)).collect();
    assert_eq!(reference[0], ("Hello from wafer!\n".into(), Some(0)));
    assert_eq!(reference[1], ("first\n-x\nthird\n".into(), Some(3)));
    assert_eq!(reference[2].1, Some(134));
    assert!(
        reference[2].0.starts_with(
            "reading past the end of memory\nstderr: trap: out of bounds memory access\n"
        ),
        "{}",
        reference[2].0
    );
    assert_eq!(reference[3], ("2432902008176640000\n".into(), Some(0)));
    assert_eq!(reference[4], ("-0.75\n".into(), Some(0)));
    assert_eq!(reference[5].1, Some(134));
    assert!(reference[6].0.contains("GREETING=hi there\n"));

    std::thread::scope(|scope| {
        for board in BOARDS {
            let (runs, reference, env) = (&runs, &reference, &env);
            scope.spawn(move || {
                for (run, expected) in runs.iter().zip(reference) {
                    let got = observed(board, run);
                    // Linux passes the process environment through after
                    // the baked variables; a board has only the baked ones.
                    if run[0] == env.as_str() && board.starts_with("linux-") {
                        assert!(got.0.contains("GREETING=hi there\n"), "{board}: {got:?}");
                    } else if run[0] == env.as_str() {
                        assert_eq!(got, ("GREETING=hi there\n".into(), Some(0)), "{board}");
                    } else {
                        assert_eq!(&got, expected, "{board}: {run:?}");
                    }
                }
            });
        }
    });
}

/// The bare-metal boards.
const BARE_METAL: [&str; 5] = [
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
    "raspi3b",
    "sifive-u",
];

/// Builds `examples/hello.wat` for `board` as `format` into `dir`.
fn build_hello(dir: &Path, board: &str, format: &str) -> PathBuf {
    let out = dir.join(format!("{board}.{format}"));
    let o = wafer(&[
        "build",
        &example("hello.wat"),
        "--board",
        board,
        "--format",
        format,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{board}: {}", stderr(&o));
    out
}

/// Runs a QEMU system emulator the way a user would type it.
fn qemu(program: &str, args: &[&str], last: impl AsRef<std::ffi::OsStr>) -> Output {
    Command::new(program)
        .args(args)
        .arg(last)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

#[test]
fn bare_metal_boards_trap_recover_and_allow_unaligned_access() {
    let dir = tempfile::tempdir().unwrap();
    let unaligned = module_file(
        dir.path(),
        "unaligned.wat",
        r#"(module (memory 1)
             (func (export "u") (result i64)
               (i64.store offset=1 (i32.const 2) (i64.const 0x1122334455667788))
               (i64.load offset=3 (i32.const 0))))"#,
    );
    std::thread::scope(|scope| {
        for board in BARE_METAL {
            let unaligned = &unaligned;
            scope.spawn(move || {
                // Traps arrive as CPU exceptions and are recovered the same
                // way as on Linux; `wafer run` takes the report off the
                // one console and puts it on stderr.
                let o = invoke(board, "divmod", &["7", "2"]);
                assert_eq!(stdout(&o), "3\n1\n", "{board}: {}", stderr(&o));
                let o = invoke(board, "forever", &["1"]);
                assert_eq!(o.status.code(), Some(134), "{board}");
                assert!(
                    stderr(&o).starts_with("trap: call stack exhausted\n"),
                    "{board}: {}",
                    stderr(&o)
                );
                assert_eq!(stdout(&o), "", "{board}");
                // Wasm allows unaligned accesses; on aarch64 with the MMU
                // off they would fault.
                let o = wafer(&["run", unaligned, "--board", board, "--invoke", "u"]);
                assert_eq!(
                    stdout(&o),
                    format!("{}\n", 0x1122334455667788i64),
                    "{board}: {}",
                    stderr(&o)
                );
            });
        }
    });
}

/// Boards whose runtime runs the MMU and maps guard windows: every
/// bare-metal board (the riscv64 ones in S-mode with Sv39).
const GUARD_BOARDS: [&str; 5] = [
    "qemu-virt-aarch64",
    "raspi3b",
    "qemu-x86_64",
    "qemu-virt-riscv64",
    "sifive-u",
];

#[test]
fn mmu_boards_bound_memory_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    // 40 more pages: 2.5 MiB, so the memory spans two 2 MiB stretches of
    // page table in guard mode.
    let edge = module_file(
        dir.path(),
        "edge.wat",
        r#"(module (memory 1)
             (func $end (result i32) (i32.mul (memory.size) (i32.const 65536)))
             (func (export "last") (param i32) (result i32)
               (drop (memory.grow (local.get 0)))
               (i32.store8 (i32.sub (call $end) (i32.const 1)) (i32.const 0x5a))
               (i32.load8_u (i32.sub (call $end) (i32.const 1))))
             (func (export "past") (param i32) (result i32)
               (drop (memory.grow (local.get 0)))
               (i32.load8_u (call $end)))
             (func (export "far") (param i32) (result i32)
               (drop (memory.grow (local.get 0)))
               (i32.load offset=0xfffffff0 (i32.const -1))))"#,
    );
    std::thread::scope(|scope| {
        for board in GUARD_BOARDS {
            for mode in ["guard", "explicit"] {
                let edge = &edge;
                scope.spawn(move || {
                    let run = |export: &str| {
                        let args = ["run", edge, "--board", board, "--bounds-checks", mode];
                        wafer(&[&args[..], &["--invoke", export, "40"]].concat())
                    };
                    let o = run("last");
                    assert_eq!(stdout(&o), "90\n", "{board} {mode}: {}", stderr(&o));
                    // Just past the end, and near the top of the window
                    // (guard mode: under tables no memory page needs).
                    for export in ["past", "far"] {
                        let o = run(export);
                        assert_eq!(o.status.code(), Some(134), "{board} {mode} {export}");
                        assert!(
                            stderr(&o).starts_with("trap: out of bounds memory access\n"),
                            "{board} {mode} {export}: {}",
                            stderr(&o)
                        );
                    }
                });
            }
        }
    });
}

#[test]
fn bare_metal_images_start_at_the_boards_boot_address() {
    let dir = tempfile::tempdir().unwrap();
    for (board, entry) in [
        ("qemu-virt-riscv64", 0x2000_0000u64),
        ("sifive-u", 0x2000_0000),
        ("qemu-virt-aarch64", 0),
        ("raspi3b", 0x8_0000),
        ("qemu-x86_64", 0x10_0000),
    ] {
        let bytes = std::fs::read(build_hello(dir.path(), board, "elf")).unwrap();
        let e_entry = u64::from_le_bytes(bytes[24..32].try_into().unwrap());
        assert_eq!(e_entry, entry, "{board} boots from its flash/load base");
    }
}

#[test]
fn raw_binaries_boot_from_emulated_nor_flash() {
    // The flashing proof: the .bin a user would flash, written into QEMU's
    // pflash bank 0 (a copy padded to the bank's size), boots with no
    // -kernel, with the plain QEMU command lines of the README.
    let dir = tempfile::tempdir().unwrap();
    let boards: [(&str, &str, &[&str], usize); 2] = [
        (
            "qemu-virt-riscv64",
            "qemu-system-riscv64",
            &["-M", "virt", "-bios", "none", "-nographic", "-drive"],
            32 << 20,
        ),
        (
            "qemu-virt-aarch64",
            "qemu-system-aarch64",
            &[
                "-M",
                "virt",
                "-cpu",
                "cortex-a53",
                "-nographic",
                "-semihosting",
                "-drive",
            ],
            64 << 20,
        ),
    ];
    for (board, program, args, bank) in boards {
        let image = std::fs::read(build_hello(dir.path(), board, "bin")).unwrap();
        assert!(
            image.len() < 256 * 1024,
            "{board}: the image stays small: {}",
            image.len()
        );
        let mut padded = image;
        padded.resize(bank, 0xff);
        let flash = dir.path().join(format!("{board}-flash.bin"));
        std::fs::write(&flash, padded).unwrap();
        let drive = format!("if=pflash,format=raw,unit=0,file={}", flash.display());
        let run = qemu(program, args, drive);
        assert_eq!(
            String::from_utf8_lossy(&run.stdout),
            "Hello from wafer!\n",
            "{board}"
        );
        assert!(run.status.success(), "{board}");
    }

    let hex = std::fs::read_to_string(build_hello(dir.path(), "qemu-virt-riscv64", "hex")).unwrap();
    assert!(
        hex.starts_with(":020000042000DA\n"),
        "upper address 0x2000: {hex:.40}"
    );
    assert!(hex.ends_with(":00000001FF\n"));
}

#[test]
fn raspi3b_kernel8_img_boots_the_way_the_pi_firmware_loads_it() {
    // The Pi's GPU firmware loads kernel8.img (a raw binary) at 0x80000 and
    // starts the cores at EL2, as QEMU's -kernel does for raspi3b.
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("kernel8.img");
    std::fs::rename(build_hello(dir.path(), "raspi3b", "bin"), &img).unwrap();
    let run = qemu(
        "qemu-system-aarch64",
        &["-M", "raspi3b", "-nographic", "-semihosting", "-kernel"],
        &img,
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello from wafer!\n");
    assert_eq!(run.status.code(), Some(0));
}

#[test]
fn size_reports_flash_and_ram() {
    let dir = tempfile::tempdir().unwrap();
    let out = build_hello(dir.path(), "qemu-virt-riscv64", "elf");
    let o = wafer(&["size", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let total = |label: &str| -> u64 {
        let line = report
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{report}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let image = std::fs::read(&out).unwrap().len() as u64;
    let flash = total("flash");
    assert!(
        flash > 1024 && flash < image,
        "flash {flash} of a {image}-byte ELF"
    );
    assert!(total("RAM") >= 1 << 20, "RAM includes the 1 MiB Wasm stack");
    assert!(report.contains("compiled module"), "{report}");
    // hello.wat declares one page; the stack is 1 MiB + the runtime's share.
    assert!(
        report
            .contains("RAM parts: stack 1.09 MiB; linear memory at start 64.0 KiB (hello: 1 page)"),
        "{report}"
    );
}

#[test]
fn qemu_x86_64_exit_codes_survive_the_debug_exit_device() {
    // isa-debug-exit leaves 7 bits of status; wafer decodes them back.
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "exit.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "exit") (param i32) (call $exit (local.get 0))))"#,
    );
    for (code, expected) in [(0, 0), (1, 1), (3, 3), (124, 124), (125, 125), (200, 125)] {
        let arg = code.to_string();
        let o = wafer(&[
            "run",
            &module,
            "--board",
            "qemu-x86_64",
            "--invoke",
            "exit",
            &arg,
        ]);
        assert_eq!(o.status.code(), Some(expected), "proc_exit({code})");
    }
}

#[test]
fn arguments_and_environment_are_baked_into_images() {
    let dir = tempfile::tempdir().unwrap();
    let fw = dir.path().join("fw.elf");
    let o = wafer(&[
        "build",
        &example("args.wat"),
        "--board",
        "qemu-virt-riscv64",
        "--arg",
        "one",
        "--arg=--two",
        "-o",
        fw.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The image runs on its own, with plain QEMU: nothing is passed at run time.
    let run = qemu(
        "qemu-system-riscv64",
        &[
            "-M",
            "virt",
            "-bios",
            "none",
            "-m",
            "128M",
            "-nographic",
            "-device",
        ],
        format!("loader,cpu-num=0,file={}", fw.display()),
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "one\n--two\n");

    // On Linux the process's own arguments follow the baked ones.
    let o = wafer(&[
        "run",
        &example("args.wat"),
        "--board",
        "linux-aarch64",
        "--arg",
        "baked",
        "--",
        "given",
    ]);
    assert_eq!(stdout(&o), "baked\ngiven\n", "{}", stderr(&o));

    let o = wafer(&["run", &example("env.wat"), "--env", "NOEQUALS"]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(
        stderr(&o).contains("is not of the form KEY=VALUE"),
        "{}",
        stderr(&o)
    );
}

/// A module with one active data segment of `size` bytes.
fn module_with_data(size: usize) -> Vec<u8> {
    let pages = size.div_ceil(65536) + 1;
    let mut memory = vec![1, 0];
    leb_into(pages as u64, &mut memory);
    let mut data = vec![1, 0, 0x41, 0, 0x0b];
    leb_into(size as u64, &mut data);
    data.resize(data.len() + size, 0x5a);
    module(&[section(5, &memory), section(11, &data)])
}

#[test]
fn what_does_not_fit_a_board_is_refused_with_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fw.elf");
    let out_s = out.to_str().unwrap();
    let big_memory = module_file(dir.path(), "big.wat", "(module (memory 3000))");

    let o = wafer(&[
        "build",
        &big_memory,
        "--board",
        "qemu-virt-riscv64",
        "-o",
        out_s,
    ]);
    assert_clean_error(&o, "needs 3000 pages = 187.50 MiB of RAM for linear memory");
    assert!(
        stderr(&o).contains("qemu-virt-riscv64 leaves"),
        "{}",
        stderr(&o)
    );

    let o = wafer(&["build", &big_memory, "--max-memory", "10", "-o", out_s]);
    assert_clean_error(
        &o,
        "module `big` needs 3000 pages of memory at start, more than --max-memory 10",
    );

    let o = wafer(&[
        "build",
        &example("hello.wat"),
        "--board",
        "sifive-u",
        "--stack-size",
        "200000000",
        "-o",
        out_s,
    ]);
    assert_clean_error(&o, "does not fit in the 128.00 MiB of RAM of sifive-u");

    // 16 MiB of data segment: more than qemu-x86_64's 15 MiB load area.
    let wasm = dir.path().join("data.wasm");
    std::fs::write(&wasm, module_with_data(16 << 20)).unwrap();
    let o = wafer(&[
        "build",
        wasm.to_str().unwrap(),
        "--board",
        "qemu-x86_64",
        "-o",
        out_s,
    ]);
    assert_clean_error(&o, "does not fit in qemu-x86_64's flash");
    assert!(
        stderr(&o).contains("more than its 15.00 MiB"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "no half-written image");
}

#[test]
fn random_get_without_a_hardware_source_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "rand.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
             (memory 1)
             (func (export "two_draws_differ") (result i32)
               (drop (call $r (i32.const 0) (i32.const 8)))
               (drop (call $r (i32.const 8) (i32.const 8)))
               (i64.ne (i64.load (i32.const 0)) (i64.load (i32.const 8)))))"#,
    );
    for (board, warns) in [
        ("qemu-virt-riscv64", true),
        ("raspi3b", false),
        ("qemu-x86_64", false),
    ] {
        let o = wafer(&[
            "run",
            &module,
            "--board",
            board,
            "--invoke",
            "two_draws_differ",
        ]);
        assert_eq!(stdout(&o), "1\n", "{board}: {}", stderr(&o));
        let warning = format!("warning: {board} has no hardware random source");
        assert_eq!(
            stderr(&o).contains(&warning),
            warns,
            "{board}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn gdb_flag_starts_a_gdb_server_that_waits_for_the_debugger() {
    let port = 20000 + (std::process::id() % 20000) as u16;
    let port_arg = format!("--gdb={port}");
    let child = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args([
            "run",
            &example("hello.wat"),
            "--board",
            "qemu-virt-aarch64",
            &port_arg,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wafer runs");
    // QEMU waits for the debugger forever: a failing assertion must not
    // leave it behind.
    let child = KillOnDrop(Some(child));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stream = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(Instant::now() < deadline, "no gdb server on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Remote protocol: ask why the target stopped (it waits at reset)...
    stream.write_all(b"$?#3f").unwrap();
    // The acknowledgement and the stop packet may arrive in pieces.
    let mut reply = String::new();
    let mut buf = [0u8; 64];
    while !reply.contains('#') {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the gdb server closed the connection: {reply}");
        reply.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(reply.contains("$T05") || reply.contains("$S05"), "{reply}");
    // ...then continue: the program runs to its end.
    stream.write_all(b"+$c#63").unwrap();
    let out = child.wait_with_output();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Hello from wafer!\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("target remote localhost:{port}")),
        "{err}"
    );
    assert!(out.status.success());
}

struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    fn wait_with_output(mut self) -> std::process::Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_missing_qemu_or_linker_names_the_debian_package() {
    // A PATH with lld but no QEMU, then one with neither (and no rustc, so
    // no rust-lld either).
    let dir = tempfile::tempdir().unwrap();
    let lld = which("ld.lld").expect("ld.lld is installed (.ci/setup)");
    std::os::unix::fs::symlink(lld, dir.path().join("ld.lld")).unwrap();
    let run = |path: &Path, board: &str| {
        Command::new(env!("CARGO_BIN_EXE_wafer"))
            .args(["run", &example("hello.wat"), "--board", board])
            .env("PATH", path)
            .output()
            .expect("wafer runs")
    };
    for (board, package) in [
        ("sifive-u", "apt-get install qemu-system-misc"),
        ("raspi3b", "apt-get install qemu-system-arm"),
        ("qemu-x86_64", "apt-get install qemu-system-x86"),
        ("linux-riscv64", "apt-get install qemu-user"),
    ] {
        assert_clean_error(&run(dir.path(), board), package);
    }
    let empty = tempfile::tempdir().unwrap();
    assert_clean_error(&run(empty.path(), "sifive-u"), "apt-get install lld");
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[test]
fn board_clocks_tick_at_the_rate_of_real_time() {
    // The module spins until clock_time_get says 500 ms have passed; with a
    // timer frequency off by 10x (sifive-u's CLINT runs at 1 MHz, not the
    // virt board's 10 MHz) it would return after 50 ms or 5 s.
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "spin.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "clock_time_get"
               (func $now (param i32 i64 i32) (result i32)))
             (memory 1)
             (func (export "_start") (local $t0 i64)
               (drop (call $now (i32.const 1) (i64.const 0) (i32.const 0)))
               (local.set $t0 (i64.load (i32.const 0)))
               (loop $spin
                 (drop (call $now (i32.const 1) (i64.const 0) (i32.const 0)))
                 (br_if $spin (i64.lt_u (i64.sub (i64.load (i32.const 0)) (local.get $t0))
                                        (i64.const 500000000))))))"#,
    );
    std::thread::scope(|scope| {
        for board in BARE_METAL {
            let module = &module;
            scope.spawn(move || {
                let start = Instant::now();
                let o = wafer(&["run", module, "--board", board]);
                let elapsed = start.elapsed();
                assert!(o.status.success(), "{board}: {}", stderr(&o));
                assert!(
                    elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(3),
                    "{board}: 500 ms of guest time took {elapsed:?}"
                );
            });
        }
    });
}
