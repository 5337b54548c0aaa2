//! `--bounds-checks explicit|guard`: which boards allow which mode, what
//! each command defaults to, the edges of the guard window (static offsets
//! near 2^32 on a full 4 GiB memory) in both modes on every Linux board,
//! and guard mode under a limited address space.

use std::path::Path;

use super::runtime_limits::run_with_address_space_limit;
use super::{LINUX_BOARDS, module_file, stderr, stdout, wafer};

/// A full 4 GiB memory and accesses whose static offset reaches past it.
const EDGES: &str = r#"(module (memory 65536)
  (func (export "load8_max") (param i32) (result i32)
    (i32.load8_u offset=0xFFFFFFFF (local.get 0)))
  (func (export "load16_max") (param i32) (result i32)
    (i32.load16_u offset=0xFFFFFFFF (local.get 0)))
  (func (export "load32_max") (param i32) (result i32)
    (i32.load offset=0xFFFFFFFF (local.get 0)))
  (func (export "store64_max") (param i32)
    (i64.store offset=0xFFFFFFF9 (local.get 0) (i64.const -1)))
  (func (export "last_byte") (result i32)
    (i32.store8 (i32.const 0xFFFFFFFF) (i32.const 9))
    (i32.load8_u offset=0xFFFFFFFF (i32.const 0)))
  ;; p - 1 wraps to the last byte for p = 0: guard mode must not fold the
  ;; negative add for a 4 GiB memory (translate/guard.rs).
  (func (export "minus_one") (param i32) (result i32)
    (i32.store8 (i32.add (local.get 0) (i32.const -1)) (i32.const 7))
    (i32.load8_u (i32.add (local.get 0) (i32.const -1)))))"#;

fn run_edge(
    wat: &str,
    board: &str,
    mode: &str,
    export: &str,
    args: &[&str],
) -> std::process::Output {
    let mut all = vec![
        "run",
        wat,
        "--board",
        board,
        "--bounds-checks",
        mode,
        "--invoke",
        export,
    ];
    all.extend_from_slice(args);
    wafer(&all)
}

#[test]
fn offsets_near_4_gib_trap_or_reach_the_last_byte_in_both_modes_on_every_linux_board() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "edges.wat", EDGES);
    // (export, argument, result or None for the trap)
    let cases: &[(&str, &[&str], Option<&str>)] = &[
        ("last_byte", &[], Some("9\n")),
        ("minus_one", &["0"], Some("7\n")),
        ("minus_one", &["1"], Some("7\n")),
        // Address 0 + offset 0xFFFF_FFFF: the memory's last byte.
        ("load8_max", &["0"], Some("0\n")),
        ("load8_max", &["1"], None),
        // Address and offset 0xFFFF_FFFF: the window's last two bytes in
        // guard mode (no check), then a size that needs the kept check.
        ("load8_max", &["-1"], None),
        ("load16_max", &["-1"], None),
        ("load32_max", &["-1"], None),
        ("load32_max", &["0"], None),
        ("store64_max", &["0"], None),
        ("store64_max", &["-1"], None),
    ];
    for board in LINUX_BOARDS {
        for mode in ["explicit", "guard"] {
            for (export, args, expected) in cases {
                let what = format!("{board} {mode} {export} {args:?}");
                let o = run_edge(&wat, board, mode, export, args);
                match expected {
                    Some(value) => {
                        assert!(o.status.success(), "{what}: {}", stderr(&o));
                        assert_eq!(stdout(&o), *value, "{what}");
                    }
                    None => {
                        assert_eq!(o.status.code(), Some(134), "{what}: {}", stderr(&o));
                        assert!(
                            stderr(&o).starts_with("trap: out of bounds memory access\n"),
                            "{what}: {}",
                            stderr(&o)
                        );
                    }
                }
            }
        }
    }
}

/// Memories stop growing at 65 535 pages (4 GiB - 64 KiB,
/// `wafer_abi::GUARDED_MAX_BYTES`) in both modes: a folded negative add
/// (guard mode) whose Wasm address wraps must be out of bounds, and an
/// access through `p` must prove `p + k` (k <= 64 KiB) does not wrap
/// (`fold_after_access.rs`, both modes). The spec lets `memory.grow` fail:
/// it returns -1 and the memory keeps its 65 535 pages.
#[test]
fn memories_grow_to_65535_pages_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(
        dir.path(),
        "grow.wat",
        r#"(module (memory 1)
  (func (export "grow_to_65535_then_1") (result i32)
    (if (i32.ne (memory.grow (i32.const 65534)) (i32.const 1)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
    (memory.size)))"#,
    );
    for board in LINUX_BOARDS {
        for mode in ["explicit", "guard"] {
            let o = run_edge(&wat, board, mode, "grow_to_65535_then_1", &[]);
            assert!(o.status.success(), "{board} {mode}: {}", stderr(&o));
            assert_eq!(stdout(&o), "65535\n", "{board} {mode}");
        }
    }
}

/// A memory that declares 65 536 pages keeps them in both modes: its last
/// byte (0xFFFF_FFFF) is readable and one byte further is past 4 GiB.
/// (Linux reserves the 4 GiB as address space; only the touched pages are
/// backed, so this runs on a small machine.)
#[test]
fn a_memory_declared_with_65536_pages_reaches_4_gib_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(
        dir.path(),
        "whole.wat",
        r#"(module (memory 65536)
  (func (export "last_plus") (param i32) (result i32)
    (i32.store8 (i32.const -1) (i32.const 0x5a))
    (drop (i32.load8_u (local.get 0)))
    (i32.add (memory.size)
      (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 1))))))"#,
    );
    for board in LINUX_BOARDS {
        for mode in ["explicit", "guard"] {
            // p = 0xFFFF_FFFD: p + 1 + 1 is the last byte, 0x5a; the memory
            // has 65 536 pages (0x10000 + 0x5a = 65626).
            let o = run_edge(&wat, board, mode, "last_plus", &["-3"]);
            assert!(o.status.success(), "{board} {mode}: {}", stderr(&o));
            assert_eq!(stdout(&o), "65626\n", "{board} {mode}");
            // p = 0xFFFF_FFFE: p + 1 + 1 is 2^32, past the end.
            let o = run_edge(&wat, board, mode, "last_plus", &["-2"]);
            assert!(
                stderr(&o).starts_with("trap: out of bounds memory access\n"),
                "{board} {mode}: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn an_unknown_bounds_check_mode_is_a_usage_error() {
    // (Every board supports both modes now; a board without guard mode
    // is refused with one line: `config::board` unit tests.)
    let hello = super::example("hello.wat");
    let o = wafer(&["run", &hello, "--bounds-checks", "fence"]);
    assert_eq!(o.status.code(), Some(2), "a usage error: {}", stderr(&o));
}

/// The `bounds checks` line of `wafer size` for `hello.wat` built with `args`.
fn size_bounds_line(dir: &Path, args: &[&str]) -> String {
    let image = dir.join("hello.img");
    let hello = super::example("hello.wat");
    let mut all = vec!["build", hello.as_str(), "-o", image.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = wafer(&all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let o = wafer(&["size", image.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .find(|l| l.starts_with("bounds checks (hello): "))
        .unwrap_or_else(|| panic!("no bounds line in: {}", stdout(&o)))
        .to_string()
}

#[test]
fn boards_default_to_guard_and_explicit_is_chosen_by_flag_as_size_reports() {
    let dir = tempfile::tempdir().unwrap();
    // Linux and bare metal alike (every board's runtime runs the MMU; the
    // riscv64 boards' in S-mode with Sv39).
    for board in ["host", "linux-aarch64", "qemu-virt-riscv64", "sifive-u"] {
        let line = size_bounds_line(dir.path(), &["--board", board]);
        assert!(
            line.contains(
                "guard: each linear memory reserves 8 GiB of virtual address space (1 defined here)"
            ),
            "{board}: {line}"
        );
    }
    let line = size_bounds_line(dir.path(), &["--bounds-checks", "explicit"]);
    assert!(line.contains("explicit: "), "{line}");
    let line = size_bounds_line(
        dir.path(),
        &["--board", "sifive-u", "--bounds-checks", "explicit"],
    );
    assert!(line.contains("explicit: "), "{line}");
}

#[test]
fn compile_defaults_to_explicit_checks() {
    let dir = tempfile::tempdir().unwrap();
    let object = |name: &str, mode: Option<&str>| {
        let out = dir.path().join(name);
        let hello = super::example("hello.wat");
        let mut args = vec![
            "compile",
            hello.as_str(),
            "--target",
            "x86_64",
            "--prefix",
            "hello",
            "-o",
            out.to_str().unwrap(),
        ];
        if let Some(mode) = mode {
            args.extend(["--bounds-checks", mode]);
        }
        let o = wafer(&args);
        assert!(o.status.success(), "{mode:?}: {}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let default = object("default.o", None);
    assert_eq!(default, object("explicit.o", Some("explicit")));
    assert_ne!(default, object("guard.o", Some("guard")));
}

#[test]
fn guard_mode_in_a_too_small_address_space_says_what_it_needs_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let small = module_file(
        dir.path(),
        "small.wat",
        r#"(module (memory 1) (func (export "_start")))"#,
    );
    let image = dir.path().join("small");
    let o = wafer(&["build", &small, "-o", image.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 2.86 GiB: enough for the image, not for an 8 GiB window.
    let o = run_with_address_space_limit(3_000_000, &image);
    assert_eq!(o.status.code(), Some(70), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: cannot instantiate module `small`: guard mode needs 8 GiB of address space per linear memory and the address space is limited (ulimit -v); raise the limit or build with --bounds-checks explicit\n"
    );
    // The same module with explicit checks fits.
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
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A text section's bytes and its relocations (offset, symbol name).
type TextSection = (Vec<u8>, Vec<(u64, String)>);

/// The machine code (every text section) of `module` compiled for `isa`
/// with `mode`.
fn code_of(dir: &Path, module: &str, isa: &str, mode: &str) -> Vec<TextSection> {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget, SectionKind};
    let out = dir.join(format!("{isa}-{mode}.o"));
    let o = wafer(&[
        "compile",
        module,
        "--target",
        isa,
        "--bounds-checks",
        mode,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{isa} {mode}: {}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let symbol_name = |target| match target {
        RelocationTarget::Symbol(index) => file
            .symbol_by_index(index)
            .ok()
            .and_then(|s| s.name().ok())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    file.sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .map(|s| {
            let relocations = s
                .relocations()
                .map(|(at, r)| (at, symbol_name(r.target())))
                .collect();
            (s.data().unwrap().to_vec(), relocations)
        })
        .collect()
}

/// CI runs the spec suite a second time with the other bounds mode only on
/// the scripts that have a memory (`WAFER_SPEC_MEMORY_ONLY=1`): for a module
/// without one the mode must not change a byte of machine code. The module
/// with a memory shows the comparison does see the mode where it matters.
#[test]
fn bounds_mode_leaves_memoryless_code_alone() {
    let dir = tempfile::tempdir().unwrap();
    let memoryless = module_file(
        dir.path(),
        "memoryless.wat",
        r#"(module
  (type $unary (func (param i32) (result i32)))
  (table $t 4 funcref)
  (global $g (mut i64) (i64.const 7))
  (func $arith (param i32 i64 f32 f64) (result f64)
    (f64.add (f64.promote_f32 (f32.nearest (local.get 2)))
             (f64.mul (local.get 3) (f64.convert_i64_s (local.get 1)))))
  (func $bits (type $unary) (i32.popcnt (i32.rotl (local.get 0) (i32.const 3))))
  (func $div (type $unary) (i32.div_s (i32.const 100) (local.get 0)))
  (func $simd (param v128) (result v128)
    (i32x4.add (local.get 0) (i8x16.swizzle (local.get 0) (local.get 0))))
  (func (export "run") (param i32) (result i32)
    (global.set $g (i64.add (global.get $g) (i64.extend_i32_u (local.get 0))))
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $bits (i32.const 1)))
      (else (call_indirect $t (type $unary) (local.get 0) (i32.const 1)))))
  (func (export "loop") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (call $div (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (elem (i32.const 0) $bits $div)
  (export "arith" (func $arith))
  (export "simd" (func $simd)))"#,
    );
    let with_memory = module_file(
        dir.path(),
        "memory.wat",
        r#"(module (memory 1)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#,
    );
    for isa in ["x86_64", "aarch64", "riscv64"] {
        let guard = code_of(dir.path(), &memoryless, isa, "guard");
        assert!(
            !guard.is_empty() && !guard[0].0.is_empty(),
            "{isa}: no code"
        );
        assert!(
            guard == code_of(dir.path(), &memoryless, isa, "explicit"),
            "{isa}: the bounds mode changed the code of a module without a memory"
        );
        assert!(
            code_of(dir.path(), &with_memory, isa, "guard")
                != code_of(dir.path(), &with_memory, isa, "explicit"),
            "{isa}: both modes gave the same code for a load"
        );
    }
}

/// Accesses with a smaller end than the length variable's bias (8, from
/// the loop's `i64.load`s) compare with the bias first and check exactly
/// in a cold block only when that fails (`check_with_stricter_bias` in
/// `translate/bounds.rs`): the trap raised there names the access's own
/// function and Wasm offset, and an access in the last bytes comes back.
const STRICTER_BIAS: &str = r#"(module
  (memory 1)
  (data (i32.const 65535) "\2a")
  (func $byte (param $p i32) (param $q i32) (result i32)
    (local $n i32)
    (local.set $n (i32.const 2))
    (loop $l
      (drop (i64.load (local.get $q)))
      (drop (i64.load (local.get $q)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store (i32.const 0) (local.get $p))
    (i32.load8_u (local.get $p)))
  (func (export "main") (param $p i32) (result i32)
    (call $byte (local.get $p) (i32.const 0))))"#;

#[test]
fn a_check_against_a_larger_bias_traps_at_its_own_access_or_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "bias.wat", STRICTER_BIAS);
    let wasm = wat::parse_str(STRICTER_BIAS).unwrap();
    let offset = super::inline::operator_offset(&wasm, 0, |op| {
        matches!(op, wasmparser::Operator::I32Load8U { .. })
    });
    std::thread::scope(|scope| {
        for board in LINUX_BOARDS {
            let wat = &wat;
            scope.spawn(move || {
                let run = |p: &str| {
                    wafer(&[
                        "run",
                        wat,
                        "--board",
                        board,
                        "--bounds-checks",
                        "explicit",
                        "--invoke",
                        "main",
                        p,
                    ])
                };
                let o = run("65535");
                assert!(o.status.success(), "{board}: {}", stderr(&o));
                assert_eq!(stdout(&o).trim(), "42", "{board}");
                let o = run("65536");
                assert_eq!(
                    stderr(&o),
                    format!(
                        "trap: out of bounds memory access\n  at bias!byte (wasm offset {offset:#x})\n"
                    ),
                    "{board}"
                );
                assert_eq!(o.status.code(), Some(134), "{board}");
            });
        }
    });
}
