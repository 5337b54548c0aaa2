//! The "one quick example per language" of docs/wasi.md, run as written:
//! each ```sh block's first line (which gets a directory to work in) is
//! done here in a temporary directory, and every other line is run with
//! `sh -c` there, with `wafer` and Go on `PATH`. Build lines must succeed;
//! each `wafer run` line must end with the exit code, stdout line and
//! stderr line the text around the block promises.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::programs::{
    asc, c_can_build_wasm, go_toolchain, programs, rust_has_wasip1, toolchain_missing,
};
use super::{stderr, stdout};

/// What one `wafer run` line of an example must give.
struct Promise {
    code: i32,
    stdout_line: &'static str,
    stderr_line: &'static str,
}

/// The ```sh blocks of docs/wasi.md's examples section, as lists of lines.
fn example_blocks() -> Vec<Vec<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/wasi.md"))
            .unwrap();
    let section = doc
        .split("## One quick example per language")
        .nth(1)
        .expect("docs/wasi.md has the examples section");
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| {
            let body = block.split("```").next().unwrap();
            body.lines().map(str::to_owned).collect()
        })
        .collect()
}

/// The block that starts with `first`.
fn block(first: &str) -> Vec<String> {
    example_blocks()
        .into_iter()
        .find(|b| b.first().is_some_and(|l| l == first))
        .unwrap_or_else(|| panic!("docs/wasi.md has no example starting {first:?}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs the block's lines after the first in `work`: build lines must
/// succeed, `wafer run` lines must keep their promises, in order.
fn run_block(lines: &[String], work: &Path, extra_path: Option<PathBuf>, promises: &[Promise]) {
    let wafer_dir = Path::new(env!("CARGO_BIN_EXE_wafer")).parent().unwrap();
    let mut path =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect::<Vec<_>>();
    path.insert(0, wafer_dir.to_path_buf());
    if let Some(extra) = extra_path {
        path.insert(0, extra);
    }
    let path = std::env::join_paths(path).unwrap();
    let mut promises = promises.iter();
    for line in &lines[1..] {
        let o = Command::new("sh")
            .args(["-c", line])
            .current_dir(work)
            // As `cd` would leave it; Go must never fetch a toolchain.
            .env("PWD", work)
            .env("PATH", &path)
            .env("GOTOOLCHAIN", "local")
            .output()
            .unwrap();
        if !line.starts_with("wafer run") {
            assert!(o.status.success(), "{line}: {}{}", stdout(&o), stderr(&o));
            continue;
        }
        let promise = promises.next().expect("a promise per wafer run line");
        let (out, err) = (stdout(&o), stderr(&o));
        assert_eq!(o.status.code(), Some(promise.code), "{line}: {err}");
        assert!(
            out.lines().any(|l| l == promise.stdout_line),
            "{line}: {:?} missing in:\n{out}",
            promise.stdout_line
        );
        assert!(
            err.lines().any(|l| l == promise.stderr_line),
            "{line}: {:?} missing in:\n{err}",
            promise.stderr_line
        );
    }
    assert!(
        promises.next().is_none(),
        "a promise without its wafer run line"
    );
}

/// Copies `tests/programs/<lang>/<name>` into a temporary directory, as
/// the block's first line (`cp -r … && cd …`) does.
fn program_copy(lang: &str, name: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&programs().join(lang).join(name), work.path());
    work
}

#[test]
fn rust_example_runs_as_documented() {
    if let Err(why) = rust_has_wasip1() {
        return toolchain_missing("Rust", &why);
    }
    let lines = block("cp -r tests/programs/rust/ledger /tmp/ledger && cd /tmp/ledger");
    let work = program_copy("rust", "ledger");
    run_block(
        &lines,
        work.path(),
        None,
        &[Promise {
            code: 3,
            stdout_line: "over budget: food by 23.40 (123.4%)",
            stderr_line: "ledger: 3 line(s) skipped",
        }],
    );
}

#[test]
fn c_example_runs_as_documented() {
    let probe = tempfile::tempdir().unwrap();
    if let Err(why) = c_can_build_wasm(probe.path()) {
        return toolchain_missing("C", &why);
    }
    let lines = block("cp -r tests/programs/c/linesort /tmp/linesort && cd /tmp/linesort");
    let work = program_copy("c", "linesort");
    run_block(
        &lines,
        work.path(),
        None,
        &[
            Promise {
                code: 2,
                stdout_line: "10 lines, 6 distinct, mean length 4.700",
                stderr_line: "linesort: line 8: longer than 40 bytes",
            },
            Promise {
                code: 2,
                stdout_line: "wrote sorted.txt: 44 bytes, checksum 17625",
                stderr_line: "linesort: 3 line(s) excluded",
            },
        ],
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("sorted.txt")).unwrap(),
        "apple\napple\napple\nbanana\nbanana\ncherry\npear\n"
    );
}

#[test]
fn go_example_runs_as_documented() {
    let go = match go_toolchain() {
        Ok(go) => go,
        Err(why) => return toolchain_missing("Go", &why),
    };
    let lines = block("cp -r tests/programs/go/tally /tmp/tally && cd /tmp/tally");
    let work = program_copy("go", "tally");
    // `go` itself when found by name, else the directory of the one found.
    let go_dir = go
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf);
    run_block(
        &lines,
        work.path(),
        go_dir,
        &[Promise {
            code: 3,
            stdout_line: "want owl: 0",
            stderr_line: "tally: owl never occurs",
        }],
    );
}

#[test]
fn assemblyscript_example_runs_as_documented() {
    if let Err(why) = asc() {
        return toolchain_missing("AssemblyScript", &why);
    }
    let lines = block("cd tests/programs/assemblyscript && npm ci");
    // The installed packages (what `npm ci` gives) and a copy of the
    // program, so the build writes nothing into the source tree.
    let work = tempfile::tempdir().unwrap();
    let root = programs().join("assemblyscript");
    std::os::unix::fs::symlink(root.join("node_modules"), work.path().join("node_modules"))
        .unwrap();
    copy_dir(&root.join("linestats"), &work.path().join("linestats"));
    run_block(
        &lines,
        work.path(),
        None,
        &[Promise {
            code: 5,
            stdout_line: "head of data/notes.txt: Notes for linestats (32 bytes)",
            stderr_line: "linestats: 2 error line(s)",
        }],
    );
}
