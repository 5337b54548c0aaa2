//! Programs that do what real programs do with their environment, one per
//! language (`tests/programs/{rust/ledger,c/linesort,go/tally,
//! assemblyscript/linestats}`): read stdin to its end, write diagnostics to
//! stderr, exit with a code their input decides, read a file from a `--dir`
//! preopen and, on the Linux boards, write one and read it back.
//!
//! Each program is built once (native and wasm), run natively once per
//! variant of its arguments, and run once on each of the nine boards with
//! the same stdin, arguments and files; stdout, stderr, the exit code and
//! the files it leaves in its directory must equal the native run's
//! (AssemblyScript: the expected output committed next to it).
//!
//! Paths: each run gets a fresh directory holding a copy of the program's
//! `data/`; the native program runs in it, and the wasm sees it as its
//! root preopen (`--dir RUN::/`), so both open the same relative paths
//! (`data/…`). wasi-libc and Rust resolve a relative path against a `/`
//! preopen; Go joins it to `$PWD`, else to the first preopen, so the guest
//! is run without the host's `PWD` (the Linux boards pass the host's
//! environment to the guest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::programs::{
    BOARDS, asc, build, build_go, c_can_build_wasm, go_toolchain, programs, rust_has_wasip1,
    source, toolchain_missing, wasi_sysroot,
};
use super::{stderr, stdout};

/// Boards whose runs get a preopened directory and read a file from it:
/// all nine (on a bare-metal board `--dir HOST::GUEST` bakes a read-only
/// file tree into the image, docs/files.md).
const FILE_BOARDS: [&str; 9] = [
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

/// Boards where the program also writes a file: the Linux boards, whose
/// preopens are host directories (a baked tree is read-only).
const WRITE_BOARDS: [&str; 4] = ["host", "linux-x86_64", "linux-aarch64", "linux-riscv64"];

/// What a run may do with files, which decides its arguments.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Files {
    None,
    Read,
    ReadWrite,
}

fn files_on(board: &str) -> Files {
    if WRITE_BOARDS.contains(&board) {
        Files::ReadWrite
    } else if FILE_BOARDS.contains(&board) {
        Files::Read
    } else {
        Files::None
    }
}

/// A program in `tests/programs/<lang>/<name>/`, with its stdin file and
/// its arguments: `args` always, `read_args` when it has files,
/// `write_args` too when it may write.
struct IoProgram {
    lang: &'static str,
    name: &'static str,
    stdin: &'static str,
    args: &'static [&'static str],
    read_args: &'static [&'static str],
    write_args: &'static [&'static str],
}

impl IoProgram {
    fn dir(&self) -> PathBuf {
        programs().join(self.lang).join(self.name)
    }

    fn args(&self, files: Files) -> Vec<&'static str> {
        let mut all = self.args.to_vec();
        if files >= Files::Read {
            all.extend_from_slice(self.read_args);
        }
        if files == Files::ReadWrite {
            all.extend_from_slice(self.write_args);
        }
        all
    }

    fn stdin(&self) -> Stdio {
        let path = self.dir().join(self.stdin);
        Stdio::from(
            std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
    }

    /// A fresh run directory: a copy of the program's `data/`.
    fn run_dir(&self) -> tempfile::TempDir {
        let run = tempfile::tempdir().unwrap();
        let data = run.path().join("data");
        std::fs::create_dir(&data).unwrap();
        for entry in std::fs::read_dir(self.dir().join("data")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), data.join(entry.file_name())).unwrap();
        }
        run
    }
}

/// Everything a run is compared on.
#[derive(PartialEq, Eq, Debug, Clone)]
struct Observed {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    /// The files in `data/` after the run, name → content.
    files: BTreeMap<String, String>,
}

fn data_files(run: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(run.join("data"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let content = std::fs::read(e.path()).unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&content).into_owned(),
            )
        })
        .collect()
}

fn observe(cmd: &mut Command, run: &Path, what: &str) -> Observed {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    Observed {
        stdout: stdout(&o),
        stderr: stderr(&o),
        code: o.status.code(),
        files: data_files(run),
    }
}

fn native_run(program: &IoProgram, exe: &Path, files: Files) -> Observed {
    let run = program.run_dir();
    observe(
        Command::new(exe)
            .args(program.args(files))
            .current_dir(run.path())
            .env("PWD", run.path())
            .stdin(program.stdin()),
        run.path(),
        &format!("native {}", program.name),
    )
}

fn wafer_run(program: &IoProgram, wasm: &Path, board: &str) -> Observed {
    let files = files_on(board);
    let run = program.run_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wafer"));
    cmd.arg("run").arg(wasm).args(["--board", board]);
    if files != Files::None {
        cmd.arg("--dir").arg(format!("{}::/", run.path().display()));
    }
    cmd.arg("--")
        .args(program.args(files))
        .current_dir(run.path())
        .env_remove("PWD")
        .stdin(program.stdin());
    let mut got = observe(&mut cmd, run.path(), &format!("{board}: {}", program.name));
    got.stderr = without_wafer_notes(&got.stderr, board);
    got
}

/// `stderr` without wafer's own note, printed before the image runs and not
/// part of the program's output: a module importing `random_get` (Go's
/// runtime does) on a board without a hardware random source.
pub(super) fn without_wafer_notes(stderr: &str, board: &str) -> String {
    let note = format!("warning: {board} has no hardware random source: ");
    stderr
        .lines()
        .filter(|l| !l.starts_with(&note))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The reference of each variant of the arguments the boards need.
type References = BTreeMap<Files, Observed>;

/// The variants the boards need, and always the plain one (no files),
/// whose native run the tests also check by hand.
fn variants() -> Vec<Files> {
    let mut all: Vec<Files> = BOARDS.iter().map(|b| files_on(b)).collect();
    all.push(Files::None);
    all.sort();
    all.dedup();
    all
}

/// Runs `wasm` once on each of the nine boards (one thread per board) and
/// asserts each run equals the reference of its variant.
fn assert_same_on_every_board(program: &IoProgram, wasm: &Path, references: &References) {
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for board in BOARDS {
            scope.spawn(move || {
                let got = wafer_run(program, wasm, board);
                let expected = &references[&files_on(board)];
                assert_eq!(&got, expected, "{board}: {}", program.name);
            });
        }
    });
    eprintln!(
        "{}: one run on each of {} boards in {:.1}s",
        program.name,
        BOARDS.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Asserts `text` has each of `lines` as a whole line.
fn assert_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(
            text.lines().any(|l| l == *line),
            "{line:?} missing in:\n{text}"
        );
    }
}

const LEDGER: IoProgram = IoProgram {
    lang: "rust",
    name: "ledger",
    stdin: "input.csv",
    args: &[],
    read_args: &["--budget", "data/budget.txt"],
    write_args: &["--report", "data/report.txt"],
};

#[test]
fn rust_ledger_reads_stdin_files_and_exits_as_native_on_every_board() {
    if let Err(why) = rust_has_wasip1() {
        return toolchain_missing("Rust", &why);
    }
    let dir = tempfile::tempdir().unwrap();
    let main = source("rust", "ledger", "main.rs");
    let wasm = dir.path().join("ledger.wasm");
    let native = dir.path().join("ledger");
    let common = ["--edition", "2021", "-O", "-C", "strip=debuginfo"];
    build(
        Command::new("rustc")
            .args(common)
            .args(["--target", "wasm32-wasip1", &main, "-o"])
            .arg(&wasm),
        "rustc wasm32-wasip1 ledger",
    );
    build(
        Command::new("rustc")
            .args(common)
            .arg(&main)
            .arg("-o")
            .arg(&native),
        "rustc native ledger",
    );
    let references: References = variants()
        .into_iter()
        .map(|f| (f, native_run(&LEDGER, &native, f)))
        .collect();
    // The reference must be right by itself. Sums by hand from input.csv:
    // food 42.17 + 18.90 + 7.25 + 55.08, travel 120.5 + 89.99 + 15; three
    // lines cannot be parsed (exit 1), food and travel are over their
    // budgets of 100 and 200 (+2).
    let full = &references[&Files::ReadWrite];
    assert_eq!(references[&Files::None].code, Some(1));
    assert_eq!(full.code, Some(3));
    assert_lines(
        &full.stdout,
        &[
            "food         4 entries     123.40 mean    30.850",
            "travel       3 entries     225.49 mean    75.163",
            "total                     1330.29",
            "over budget: food by 23.40 (123.4%)",
            "within budget: books, 18.60 left",
            // 4 lines of 49 bytes and the total's 34.
            "report written: 230 bytes, 5 lines, same: true",
        ],
    );
    assert_eq!(
        full.stderr,
        "ledger: line 6: amount \"not-a-number\" is not a number; skipped\n\
         ledger: line 8: 1 fields, want 3; skipped\n\
         ledger: line 12: empty account; skipped\n\
         ledger: 3 line(s) skipped\n"
    );
    assert!(full.files["report.txt"].starts_with("books        1 entries"));
    assert_same_on_every_board(&LEDGER, &wasm, &references);
}

const LINESORT: IoProgram = IoProgram {
    lang: "c",
    name: "linesort",
    stdin: "input.txt",
    args: &[],
    read_args: &["-x", "data/exclude.txt"],
    write_args: &["-o", "data/sorted.txt"],
};

#[test]
fn c_linesort_reads_stdin_files_and_exits_as_native_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    if let Err(why) = c_can_build_wasm(dir.path()) {
        return toolchain_missing("C", &why);
    }
    let main = source("c", "linesort", "main.c");
    let wasm = dir.path().join("linesort.wasm");
    let native = dir.path().join("linesort");
    let warnings = ["-O2", "-Wall", "-Wextra", "-Werror"];
    build(
        Command::new("clang")
            .args(["--target=wasm32-wasi", "--sysroot", &wasi_sysroot(), "-s"])
            .args(warnings)
            .args([&main, "-o"])
            .arg(&wasm),
        "clang wasm32-wasi linesort",
    );
    build(
        Command::new("clang")
            .args(warnings)
            .args([&main, "-o"])
            .arg(&native),
        "clang native linesort",
    );
    let references: References = variants()
        .into_iter()
        .map(|f| (f, native_run(&LINESORT, &native, f)))
        .collect();
    // By hand from input.txt: 12 lines, one empty, one over 40 bytes (exit
    // 2); without exclusions 10 lines of 47 bytes; excluding fig and date
    // leaves apple x3, banana x2, cherry, pear: 37 bytes in 7 lines.
    let plain = &references[&Files::None];
    assert_eq!(plain.code, Some(2));
    assert_lines(
        &plain.stdout,
        &["   2 fig", "10 lines, 6 distinct, mean length 4.700"],
    );
    let full = &references[&Files::ReadWrite];
    assert_eq!(full.code, Some(2));
    assert_lines(
        &full.stdout,
        &["   3 apple", "7 lines, 4 distinct, mean length 5.286"],
    );
    assert_eq!(
        full.files["sorted.txt"],
        "apple\napple\napple\nbanana\nbanana\ncherry\npear\n"
    );
    assert!(
        full.stdout
            .ends_with("wrote data/sorted.txt: 44 bytes, checksum 17625\n")
    );
    assert_eq!(
        full.stderr,
        "linesort: line 6: empty\n\
         linesort: line 8: longer than 40 bytes\n\
         linesort: 3 line(s) excluded\n"
    );
    assert_same_on_every_board(&LINESORT, &wasm, &references);
}

const TALLY: IoProgram = IoProgram {
    lang: "go",
    name: "tally",
    stdin: "input.txt",
    args: &["-top", "4"],
    read_args: &["-want", "data/want.txt"],
    write_args: &["-out", "data/counts.txt"],
};

#[test]
fn go_tally_reads_stdin_files_and_exits_as_native_on_every_board() {
    let go = match go_toolchain() {
        Ok(go) => go,
        Err(why) => return toolchain_missing("Go", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let (wasm, native) = build_go(&go, dir.path(), "tally");
    let references: References = variants()
        .into_iter()
        .map(|f| (f, native_run(&TALLY, &native, f)))
        .collect();
    // By hand from input.txt: 32 words once "3", "2024" and "7am" are
    // ignored; "the" 6 times (18.75%); "owl" never occurs (exit 3).
    let plain = &references[&Files::None];
    assert_eq!(plain.code, Some(0));
    assert_eq!(plain.stderr, "tally: ignored 3 token(s) with digits\n");
    let full = &references[&Files::ReadWrite];
    assert_eq!(full.code, Some(3));
    assert_lines(
        &full.stdout,
        &[
            "32 words, 21 distinct",
            "the        6  18.8%",
            "want fox: 3",
            "want owl: 0",
            "wrote data/counts.txt: 143 bytes, 21 lines, same true",
        ],
    );
    assert!(full.files["counts.txt"].starts_with("the 6\na 3\ndog 3\nfox 3\n"));
    assert_eq!(
        full.stderr,
        "tally: ignored 3 token(s) with digits\ntally: owl never occurs\n"
    );
    assert_same_on_every_board(&TALLY, &wasm, &references);
}

const LINESTATS: IoProgram = IoProgram {
    lang: "assemblyscript",
    name: "linestats",
    stdin: "input.txt",
    args: &[],
    read_args: &["--head", "data/notes.txt"],
    write_args: &["--save", "data/stats.txt"],
};

/// AssemblyScript has no native build: the references are the committed
/// `expected*.txt` (derived by hand: see the program's comment and
/// tests/programs/assemblyscript/README.md), exit code 5 for the two `!`
/// lines, and the files a run leaves.
fn linestats_references() -> References {
    let read = |name: &str| std::fs::read_to_string(LINESTATS.dir().join(name)).unwrap();
    let stderr = read("expected-stderr.txt");
    let mut data = data_files(&LINESTATS.dir());
    let plain = Observed {
        stdout: read("expected.txt"),
        stderr,
        code: Some(5),
        files: data.clone(),
    };
    let with_read = Observed {
        stdout: read("expected-read.txt"),
        ..plain.clone()
    };
    // The saved statistics are the first three lines of stdout.
    data.insert("stats.txt".into(), plain.stdout.clone());
    let with_write = Observed {
        stdout: read("expected-write.txt"),
        files: data,
        ..plain.clone()
    };
    [
        (Files::None, plain),
        (Files::Read, with_read),
        (Files::ReadWrite, with_write),
    ]
    .into()
}

#[test]
fn assemblyscript_linestats_reads_stdin_files_and_exits_as_expected_on_every_board() {
    let asc = match asc() {
        Ok(asc) => asc,
        Err(why) => return toolchain_missing("AssemblyScript", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("linestats.wasm");
    // See programs.rs: the shim's config, named relative to where asc runs.
    build(
        Command::new(&asc)
            .arg("linestats/index.ts")
            .args([
                "--config",
                "node_modules/@assemblyscript/wasi-shim/asconfig.json",
            ])
            .args(["-O2", "-o"])
            .arg(&wasm)
            .current_dir(programs().join("assemblyscript")),
        "asc linestats",
    );
    assert_same_on_every_board(&LINESTATS, &wasm, &linestats_references());
}
