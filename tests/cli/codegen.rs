//! Code generation options: `--jobs` (parallel, deterministic compilation)
//! and `--cpu` presets, including `native`.

use std::fmt::Write as _;

use super::{assert_clean_error, disassembly_of, example, module_file, stderr, stdout, wafer};

/// A module of `count` functions of different sizes calling each other.
fn many_functions_wat(count: usize) -> String {
    let mut wat = String::from("(module (memory 1)\n");
    for f in 0..count {
        let _ = writeln!(
            wat,
            "(func $f{f} (export \"f{f}\") (param i32) (result i32) local.get 0"
        );
        for step in 0..(count - f) * 6 {
            let _ = writeln!(wat, "(i32.load offset={} (local.get 0)) i32.xor", step * 8);
        }
        if f + 1 < count {
            let _ = writeln!(wat, "call $f{}", f + 1);
        }
        wat.push_str(")\n");
    }
    wat.push(')');
    wat
}

#[test]
fn compile_writes_the_same_object_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(dir.path(), "many.wat", &many_functions_wat(40));
    let mut objects = Vec::new();
    for jobs in ["1", "2", "5"] {
        let out = dir.path().join(format!("many-{jobs}.o"));
        let o = wafer(&[
            "compile",
            &input,
            "--target",
            "x86_64",
            "-j",
            jobs,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "-j {jobs}: {}", stderr(&o));
        objects.push((jobs, std::fs::read(&out).unwrap()));
    }
    for (jobs, object) in &objects[1..] {
        assert!(
            *object == objects[0].1,
            "the object with -j {jobs} differs from the one with -j 1"
        );
    }
}

#[test]
fn jobs_must_be_a_positive_number() {
    let o = wafer(&[
        "compile",
        &example("arith.wat"),
        "--jobs",
        "0",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("positive number of threads"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("arith.o");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wafer"))
        .args([
            "compile",
            &example("arith.wat"),
            "--target",
            "x86_64",
            "-o",
            out.to_str().unwrap(),
        ])
        .env("WAFER_JOBS", "many")
        .output()
        .unwrap();
    assert_clean_error(
        &o,
        "WAFER_JOBS: expected a positive number of threads, got `many`",
    );
    assert!(!out.exists(), "no object after an error");
}

#[test]
fn cpu_native_is_refused_for_another_isa_than_the_hosts() {
    let host = std::env::consts::ARCH;
    let other = if host == "aarch64" {
        "riscv64"
    } else {
        "aarch64"
    };
    let o = wafer(&[
        "compile",
        &example("arith.wat"),
        "--target",
        &format!("{other}:native"),
        "-o",
        "/dev/null",
    ]);
    assert_clean_error(&o, &format!("cannot generate {other} code"));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn cpu_native_builds_an_image_that_runs_here() {
    let o = wafer(&[
        "run",
        &example("arith.wat"),
        "--cpu",
        "native",
        "--invoke",
        "fac",
        "20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2432902008176640000\n");
}

#[test]
fn every_preset_compiles_and_the_riscv_bitmanip_ones_run_under_qemu() {
    // Each preset's flags must be ones Cranelift knows (a typo is a BUG
    // error at compile time), and the presets with extensions QEMU's
    // default CPU must support have to run there.
    for (isa, presets) in [
        ("x86_64", &["baseline", "v2", "v3"][..]),
        (
            "aarch64",
            &["armv8a", "armv8-1a", "armv8-2a", "neoverse-n1"][..],
        ),
        (
            "riscv64",
            &["rv64g", "rv64gc", "rv64gc_zba_zbb", "rva22"][..],
        ),
    ] {
        for preset in presets {
            let o = wafer(&[
                "compile",
                &example("arith.wat"),
                "--target",
                &format!("{isa}:{preset}"),
                "-o",
                "/dev/null",
            ]);
            assert!(o.status.success(), "{isa}:{preset}: {}", stderr(&o));
        }
    }
    for preset in ["rv64gc_zba_zbb", "rva22"] {
        let o = wafer(&[
            "run",
            &example("arith.wat"),
            "--board",
            "linux-riscv64",
            "--cpu",
            preset,
            "--invoke",
            "mul64",
            "-3",
            "1000000000000",
        ]);
        assert!(o.status.success(), "{preset}: {}", stderr(&o));
        assert_eq!(stdout(&o), "-3000000000000\n", "{preset}");
    }
}

#[test]
fn targets_lists_native_on_the_host_isa_only() {
    let o = wafer(&["targets"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = stdout(&o);
    for line in listing.lines() {
        let isa = line.split_whitespace().next().unwrap_or_default();
        assert_eq!(
            line.contains("native"),
            isa == std::env::consts::ARCH,
            "{line}"
        );
    }
    assert!(listing.contains("rv64gc_zba_zbb"), "{listing}");
}

/// clang's loop unrolled by two: the counter runs up to `n & -2`, computed
/// once before the loop (matmul's inner loop).
const UNROLLED_BOUND: &str = r#"(module (memory 1)
  (func (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $end i32)
    (local.set $end (i32.and (local.get $n) (i32.const -2)))
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $l (i32.ne (local.get $i) (local.get $end))))
    (local.get $acc)))"#;

/// The instructions of the innermost loops of function `name` in the
/// object at `path` (from each backward branch's target to the branch), by
/// llvm-objdump.
fn loop_bodies(path: &str, name: &str) -> Vec<Vec<String>> {
    let body = disassembly_of(path, name);
    // `   2c:  b.ne  0x38 <f+0x38>`: (address, instruction text).
    let lines: Vec<(u64, String)> = body
        .lines()
        .filter_map(|line| {
            let (address, text) = line.trim().split_once(':')?;
            Some((
                u64::from_str_radix(address, 16).ok()?,
                text.trim().to_string(),
            ))
        })
        .collect();
    let target = |text: &str| {
        let hex = text.split_whitespace().find_map(|w| w.strip_prefix("0x"))?;
        u64::from_str_radix(hex, 16).ok()
    };
    lines
        .iter()
        .filter_map(|(address, text)| {
            let to = target(text).filter(|to| to < address)?;
            Some(
                lines
                    .iter()
                    .filter(|(a, _)| (to..=*address).contains(a))
                    .map(|(_, t)| t.clone())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn aarch64_keeps_a_loop_invariant_mask_out_of_the_loop() {
    // Cranelift recomputes `n & -2` where it is used, inside the loop, an
    // `and` every round; `keep_invariants.rs` keeps it before the loop.
    let dir = tempfile::tempdir().unwrap();
    let input = module_file(dir.path(), "unrolled.wat", UNROLLED_BOUND);
    let out = dir.path().join("unrolled.o");
    let out = out.to_str().unwrap();
    for mode in ["guard", "explicit"] {
        let o = wafer(&[
            "compile",
            &input,
            "--target",
            "aarch64",
            "--bounds-checks",
            mode,
            "-o",
            out,
        ]);
        assert!(o.status.success(), "{mode}: {}", stderr(&o));
        let loops = loop_bodies(out, "unrolled::sum");
        assert!(!loops.is_empty(), "{mode}: no loop found");
        for body in loops {
            assert!(
                body.iter().all(|text| !text.starts_with("and")),
                "{mode}: the mask is computed in the loop: {body:#?}"
            );
        }
    }
}
