//! Options that change what wafer builds, and where arguments may go:
//! `--max-memory`, `--stack-size`, `--prefix`, flag order, `.wasm` input,
//! `build` for every Linux board, and the trap example.

use std::path::Path;

use object::{Object, ObjectSymbol};

use super::{LINUX_BOARDS, elf_kind, example, invoke, module_file, stderr, stdout, wafer};

#[test]
fn flags_may_follow_invoke_values_and_negative_specials_are_values() {
    let arith = example("arith.wat");
    let o = wafer(&[
        "run",
        &arith,
        "--invoke",
        "add",
        "-5",
        "2",
        "--board",
        "linux-aarch64",
    ]);
    assert_eq!(stdout(&o), "-3\n", "{}", stderr(&o));
    let o = invoke("host", "neg", &["-inf"]);
    assert_eq!(stdout(&o), "inf\n", "{}", stderr(&o));
    let o = invoke("host", "quarter", &["-0.5"]);
    assert_eq!(stdout(&o), "-0.125\n", "{}", stderr(&o));
    let o = invoke("host", "neg", &["--", "-nan"]);
    assert_eq!(stdout(&o), "nan\n", "{}", stderr(&o));
}

#[test]
fn binary_modules_run_like_text_ones() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("arith.wat")).unwrap();
    let binary = dir.path().join("arith.wasm");
    std::fs::write(&binary, wat::parse_str(&text).unwrap()).unwrap();
    let o = wafer(&[
        "run",
        binary.to_str().unwrap(),
        "--board",
        "linux-riscv64",
        "--invoke",
        "fac",
        "5",
    ]);
    assert_eq!(stdout(&o), "120\n", "{}", stderr(&o));
}

#[test]
fn max_memory_caps_memory_grow() {
    let dir = tempfile::tempdir().unwrap();
    let grow = module_file(
        dir.path(),
        "grow.wat",
        r#"(module (memory 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let run = |extra: &[&str], pages: &str| {
        let mut args = vec!["run", grow.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--invoke", "grow", pages]);
        let o = wafer(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // memory.grow returns the old size in pages, or -1 when refused.
    assert_eq!(run(&[], "3"), "1\n");
    assert_eq!(run(&["--max-memory", "3"], "2"), "1\n");
    assert_eq!(run(&["--max-memory", "3"], "3"), "-1\n");

    let o = wafer(&["run", &grow, "--max-memory", "65537"]);
    assert_eq!(o.status.code(), Some(2), "a usage error: {}", stderr(&o));
}

#[test]
fn stack_size_bounds_recursion_depth() {
    let dir = tempfile::tempdir().unwrap();
    let depth = module_file(
        dir.path(),
        "depth.wat",
        r#"(module
             (func $depth (export "depth") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (i32.const 1)
                         (call $depth (i32.sub (local.get 0) (i32.const 1))))))))"#,
    );
    for board in LINUX_BOARDS {
        let run = |stack: &str, n: &str| {
            wafer(&[
                "run",
                &depth,
                "--board",
                board,
                "--stack-size",
                stack,
                "--invoke",
                "depth",
                n,
            ])
        };
        let o = run("1048576", "5000");
        assert_eq!(stdout(&o), "5000\n", "{board}: {}", stderr(&o));
        let o = run("16384", "10");
        assert_eq!(stdout(&o), "10\n", "{board}: {}", stderr(&o));
        let o = run("16384", "5000");
        assert_eq!(o.status.code(), Some(134), "{board}");
        assert!(
            stderr(&o).starts_with("trap: call stack exhausted\n"),
            "{board}: {}",
            stderr(&o)
        );
    }
}

/// Global symbols an object defines.
fn defined_symbols(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .map(|s| s.name().unwrap().to_string())
        .collect()
}

#[test]
fn compile_names_the_module_after_its_file_or_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(
        dir.path(),
        "my-app.v2.wat",
        &std::fs::read_to_string(example("arith.wat")).unwrap(),
    );
    let out = dir.path().join("app.o");
    let out = out.to_str().unwrap();
    let o = wafer(&["compile", &input, "--target", "aarch64", "-o", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let symbols = defined_symbols(Path::new(out));
    assert!(
        symbols.iter().any(|s| s == "wafer_module_my_app_v2"),
        "{symbols:?}"
    );

    let o = wafer(&[
        "compile", &input, "--target", "x86_64", "--prefix", "sensor", "-o", out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let symbols = defined_symbols(Path::new(out));
    assert!(
        symbols.iter().any(|s| s == "wafer_module_sensor"),
        "{symbols:?}"
    );
}

#[test]
fn build_writes_a_static_executable_for_every_linux_board() {
    let dir = tempfile::tempdir().unwrap();
    for (board, machine) in LINUX_BOARDS.into_iter().zip([62, 183, 243]) {
        let out = dir.path().join(board);
        let o = wafer(&[
            "build",
            &example("hello.wat"),
            "--board",
            board,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        assert_eq!(elf_kind(&out), (2, machine), "{board}: ET_EXEC");
        let run = wafer::Board::by_name(board)
            .unwrap()
            .run_command(&out)
            .unwrap()
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&run.stdout),
            "Hello from wafer!\n",
            "{board}"
        );
    }
}

#[test]
fn the_trap_example_prints_then_traps_on_every_linux_board() {
    for board in LINUX_BOARDS {
        let o = wafer(&["run", &example("trap.wat"), "--board", board]);
        assert_eq!(o.status.code(), Some(134), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), "reading past the end of memory\n", "{board}");
        assert!(
            stderr(&o).starts_with("trap: out of bounds memory access\n"),
            "{board}: {}",
            stderr(&o)
        );
    }
}
