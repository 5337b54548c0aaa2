//! One check per `wasi_snapshot_preview1` function: tests/programs/wasi/
//! calls.c calls each import directly (wasi/api.h, no libc in between) and
//! prints one line per call; every line is asserted against what the WASI
//! preview1 spec says (errno values from its `errno` enum: 8 badf, 20
//! exist, 28 inval, 44 noent, 52 nosys, 55 notempty, 58 notsup, 70 spipe,
//! 76 notcapable; filetypes: 2 character device, 3 directory, 4 regular
//! file; eventtypes: 0 clock, 1 fd_read).
//!
//! The console, clock, args, environ, random, poll, sched and proc rows
//! run on `host`, `linux-aarch64` and two bare-metal boards; the file rows
//! on the two Linux boards, in an empty preopen that must be empty again
//! afterwards (file rows on bare-metal boards come with their baked file
//! tree).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::programs::{c_can_build_wasm, toolchain_missing, wasi_sysroot};
use super::programs_io::without_wafer_notes;
use super::{stderr, stdout};

/// What the program reads from stdin: 10 bytes.
const STDIN: &str = "two\nlines\n";

/// The console lines for a run with `args` after argv[0].
fn console_lines(args: &[&str]) -> String {
    // args_sizes_get counts each argument with its NUL; ü is 2 bytes.
    let bytes: usize = args.iter().map(|a| a.len() + 1).sum();
    format!(
        "\
args_sizes_get: 0, {count} args and {bytes} bytes after argv[0]
args_get: 0 {joined} (libc's argc {argc})
environ_sizes_get: 0
environ_get: 0, sizes agree 1, WASI_CALLS=on found 1
clock_res_get realtime: 0, positive 1
clock_res_get monotonic: 0, positive 1
clock_res_get clock 9: 28
clock_time_get monotonic: 0, never backwards 1
clock_time_get realtime: 0
clock_time_get clock 9: 28
random_get: 0, draws differ 1
random_get 0 bytes: 0
raw stdout
fd_write 1: 0 11
fd_write 2: 0 11
fd_write 9: 8
fd_read 0: 0, 10 bytes \"two|lines|\", then 0 0 at the end
fd_read 9: 8
fd_fdstat_get 0: 0, filetype 2 flags 0 read 1 write 0 seek 0 tell 0
fd_fdstat_get 1: 0, filetype 2 flags 0 read 0 write 1 seek 0 tell 0
fd_fdstat_get 2: 0, filetype 2 flags 0 read 0 write 1 seek 0 tell 0
fd_fdstat_get 9: 8
fd_fdstat_set_flags 1 append: 0
fd_fdstat_set_flags 1 nonblock: 58
fd_filestat_get 1: 0, filetype 2 size 0
fd_filestat_get 9: 8
fd_seek 1: 70
fd_tell 1: 70
poll_oneoff relative 20ms: 0, 1 event userdata 42 type 0 error 0, waited 20ms 1
poll_oneoff absolute +10ms: 0, 1 event type 0, reached 1
poll_oneoff stdin+stdout+5s: 0, stdin ready 1 stdout ready 1 clock fired 0, before the timeout 1
poll_oneoff fd 9: 0, 1 event type 1 error 8
poll_oneoff no subscriptions: 28
sched_yield: 0
proc_raise: 52
sock_accept: 52
sock_recv: 52
sock_send: 52
sock_shutdown: 52
",
        count = args.len(),
        joined = args.join("|"),
        argc = args.len() + 1,
    )
}

/// The file lines, in an empty preopen `/sandbox` (fd 3). Each value
/// follows from the calls before it: "hello world" is 11 bytes; fd_pwrite
/// and fd_pread leave the offset alone; fd_allocate grows to 64 and
/// set_size cuts to 5 ("HEllo"); the lowest free fds are 4, 5, 6.
const FILE_LINES: &str = "\
fd_prestat_get 3: 0, tag 0 name length 8
fd_prestat_dir_name 3: 0 /sandbox
fd_prestat_get 4: 8
path_open f.txt creat: 0 fd 4
fd_write file: 0 11
fd_tell: 0 11
fd_seek set 0: 0 0
fd_read file: 0 11 hello world
fd_pwrite at 0: 0 2
fd_pread at 0: 0 5 HEllo
fd_tell after pread/pwrite: 11
fd_sync: 0
fd_datasync: 0
fd_advise: 0
fd_allocate 64: 0, size 64
fd_filestat_get file: 0, filetype 4 nlink 1 size 64
fd_filestat_set_size 5: 0, size 5
fd_filestat_set_times: 0, atim 1000000000 mtim 2000000000
fd_fdstat_get file: 0, filetype 4 flags 0 read 1 write 1 seek 1
fd_fdstat_set_flags file append: 0, flags 1
fd_write after append, at 0: 0, size 6 HElloZ
fd_fdstat_set_flags file none: 0, flags 0
fd_fdstat_set_flags file nonblock: 58
fd_fdstat_set_flags file sync: 58
fd_fdstat_set_rights file: 52
path_create_directory d: 0
path_create_directory d again: 20
path_filestat_get d: 0, filetype 3
path_filestat_set_times f.txt: 0, mtim 3000000000
fd_readdir preopen: 0 . .. d f.txt
path_open d directory: 0 fd 5
path_rename f.txt d/g.txt: 0
path_filestat_get f.txt: 44
fd_readdir d: 0 . .. g.txt
path_link d/g.txt h.txt: 0, nlink 2
path_symlink d/g.txt s: 0
path_readlink s: 0 7 d/g.txt
path_open through s: 0, reads HEllo
path_unlink_file h.txt: 0
path_unlink_file h.txt again: 44
path_remove_directory d (not empty): 55
fd_renumber 6 to 4: 0
fd_close 6 (moved away): 8
fd 4 after renumber reads HEllo
fd_close 4: 0
fd_close 4 again: 8
fd_close directory: 0
path_open ../x: 76
path_open /etc/passwd: 76
path_open up/x (up -> ..): 76
path_unlink_file d/g.txt s up: 0
path_remove_directory d: 0
fd_readdir preopen at the end: 0 . ..
";

/// Lines where wafer differs from the spec today: (the spec's line, wafer's
/// line, why). The test expects wafer's line, so fixing the runtime fails
/// it until the entry is removed, and the list can only shrink.
const DEVIATIONS: [(&str, &str, &str); 0] = [];

/// `spec` with the known deviations put in.
fn as_wafer_answers(spec: &str) -> String {
    let mut text = spec.to_string();
    for (want, got, _why) in DEVIATIONS {
        let line = format!("{want}\n");
        if text.contains(&line) {
            text = text.replacen(&line, &format!("{got}\n"), 1);
        }
    }
    text
}

/// calls.c built for wasm32-wasi once per test binary (under Cargo's
/// scratch directory for integration tests); `None` without clang and
/// wasi-libc.
fn calls_wasm() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi_calls");
            std::fs::create_dir_all(&dir).unwrap();
            if let Err(why) = c_can_build_wasm(&dir) {
                toolchain_missing("C", &why);
                return None;
            }
            let source =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/wasi/calls.c");
            let wasm = dir.join("calls.wasm");
            super::programs::build(
                Command::new("clang")
                    .args(["--target=wasm32-wasi", "--sysroot", &wasi_sysroot()])
                    .args(["-O1", "-Wall", "-Wextra", "-Werror", "-o"])
                    .arg(&wasm)
                    .arg(&source),
                "clang wasm32-wasi calls.c",
            );
            Some(wasm)
        })
        .as_deref()
}

/// Runs calls.wasm on `board` with STDIN, `--env WASI_CALLS=on`, the
/// preopen `sandbox` (if any) and `args`; asserts stdout, stderr and the
/// exit code of proc_exit(7).
fn assert_calls(wasm: &Path, board: &str, sandbox: Option<&Path>, args: &[&str], expected: &str) {
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(input.path(), STDIN).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wafer"));
    cmd.arg("run")
        .arg(wasm)
        .args(["--board", board, "--env", "WASI_CALLS=on"]);
    if let Some(sandbox) = sandbox {
        cmd.arg("--dir")
            .arg(format!("{}::/sandbox", sandbox.display()));
    }
    let o = cmd
        .arg("--")
        .args(args)
        .stdin(Stdio::from(std::fs::File::open(input.path()).unwrap()))
        .output()
        .unwrap();
    let out = stdout(&o);
    // Line by line first, so a failure names the call.
    for (got, want) in out.lines().zip(expected.lines()) {
        assert_eq!(got, want, "{board}");
    }
    assert_eq!(out, expected, "{board}");
    assert_eq!(
        without_wafer_notes(&stderr(&o), board),
        "raw stderr\n",
        "{board}"
    );
    assert_eq!(o.status.code(), Some(7), "{board}: proc_exit(7)");
}

/// Every function of `wasi_snapshot_preview1` (the preview1 witx, in its
/// order).
const PREVIEW1: [&str; 46] = [
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// The program reaches every function: its module imports all 46.
#[test]
fn the_calls_program_imports_every_preview1_function() {
    let Some(wasm) = calls_wasm() else {
        return;
    };
    let bytes = std::fs::read(wasm).unwrap();
    let mut imported = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ImportSection(reader) = payload.unwrap() {
            for import in reader.into_imports() {
                let import = import.unwrap();
                assert_eq!(import.module, "wasi_snapshot_preview1");
                imported.push(import.name.to_string());
            }
        }
    }
    imported.sort();
    let mut all = PREVIEW1.map(String::from).to_vec();
    all.sort();
    assert_eq!(imported, all);
}

#[test]
fn every_wasi_function_answers_as_the_spec_says_on_linux_boards() {
    let Some(wasm) = calls_wasm() else {
        return;
    };
    let args = ["console", "files", "a b", "ü"];
    let spec = format!("{}{FILE_LINES}proc_exit: 7\n", console_lines(&args));
    for (want, _, _) in DEVIATIONS {
        assert!(spec.lines().any(|l| l == want), "{want}: no such line");
    }
    let expected = as_wafer_answers(&spec);
    for board in ["host", "linux-aarch64"] {
        let root = tempfile::tempdir().unwrap();
        let sandbox = root.path().join("sandbox");
        std::fs::create_dir(&sandbox).unwrap();
        assert_calls(wasm, board, Some(&sandbox), &args, &expected);
        // The program left its preopen empty and touched nothing beside it.
        assert_eq!(std::fs::read_dir(&sandbox).unwrap().count(), 0, "{board}");
        assert_eq!(
            std::fs::read_dir(root.path()).unwrap().count(),
            1,
            "{board}"
        );
    }
}

#[test]
fn console_clock_args_env_random_and_proc_functions_answer_as_the_spec_says_on_bare_metal() {
    let Some(wasm) = calls_wasm() else {
        return;
    };
    let args = ["console", "a b", "ü"];
    let expected = as_wafer_answers(&format!("{}proc_exit: 7\n", console_lines(&args)));
    std::thread::scope(|scope| {
        for board in ["qemu-virt-aarch64", "qemu-virt-riscv64"] {
            let (args, expected) = (&args, &expected);
            scope.spawn(move || assert_calls(wasm, board, None, args, expected));
        }
    });
}
