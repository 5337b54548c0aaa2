//! WASI files on the Linux boards: `--dir` preopens, the file functions
//! through them (tests/cli/files.c, built with clang + wasi-libc), every
//! way out of the sandbox refused, and `--dir` mistakes as clean errors.

use super::*;

/// A fresh tree: `root/secret.txt` outside the preopen `root/sandbox`,
/// which holds `in.txt`, a directory `sub`, and symlinks that lead out
/// (`out_rel` → `..`, `out_abs` → secret's absolute path, `sub/up` →
/// `../..`), one that stays inside (`inside` → `sub`) and a loop.
fn sandbox_tree(root: &Path) -> PathBuf {
    use std::os::unix::fs::symlink;
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(root.join("secret.txt"), "top secret\n").unwrap();
    std::fs::write(sandbox.join("in.txt"), "hello file\n").unwrap();
    symlink("..", sandbox.join("out_rel")).unwrap();
    symlink(root.join("secret.txt"), sandbox.join("out_abs")).unwrap();
    symlink("loop_b", sandbox.join("loop_a")).unwrap();
    symlink("loop_a", sandbox.join("loop_b")).unwrap();
    symlink("../..", sandbox.join("sub/up")).unwrap();
    symlink("sub", sandbox.join("inside")).unwrap();
    sandbox
}

/// What files.c prints, check by check (each value derived from what the
/// check does; WASI errnos: 8 badf, 32 loop, 54 notdir, 76 notcapable;
/// a failed call leaves its output untouched; filetypes:
/// 3 directory, 4 regular file).
const EXPECTED: &str = "\
prestat 3: 0 0 8 /sandbox
prestat 4: 8
fdstat 3: filetype 3
read: hello file
appended: abcdef
excl: -1 EEXIST
fdstat file: filetype 4
seek+read: cde tell 5 end 6
pwrite+pread: Xb
truncated: 2
allocate: 0
allocated: 100
advise: 0 sync: 0 0
stat in.txt: reg 1 size 11
stat /sandbox: dir 1
utimensat: 0
times: 1000000000 5 1234567890
mkdir: 0
readdir: 100 files 2 dots
rmdir non-empty: ENOTEMPTY
rename: 0
old name: ENOENT
unlink: 0 rmdir: 0
gone: ENOENT
symlink: 0
readlink: 7 new.txt
lstat link: 1
through link: Xb
link: 0
nlink: 2
renumber: 0
after renumber: hello close old: 8
write read-only: 76 99
readdir file: 54
escape ..: 76
escape absolute: 76
escape sub/../..: 76
escape via dir link: 76
escape via absolute link: 76
escape via nested link: 76
link loop: 32
unfollowed link: 32
inside: 0 0
stat escape: 76
mkdir escape: 76
unlink escape: 76
rename escape: 76
symlink escape: 76
libc escape: 76
";

#[test]
fn file_functions_work_inside_a_preopen_and_nothing_outside_is_reachable() {
    let build_dir = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/cli/files.c", build_dir.path()) else {
        return;
    };
    // linux-riscv64 too: its open flags are the generic ones, aarch64's
    // differ, and host is x86_64's.
    for board in ["host", "linux-aarch64", "linux-riscv64"] {
        let root = tempfile::tempdir().unwrap();
        let sandbox = sandbox_tree(root.path());
        let dir = format!("{}::/sandbox", sandbox.display());
        let o = wafer(&[
            "run",
            program.to_str().unwrap(),
            "--board",
            board,
            "--dir",
            &dir,
        ]);
        assert_eq!(o.status.code(), Some(0), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), EXPECTED, "{board}");

        // The host side agrees: the file the program wrote and linked,
        // and nothing created, changed or removed outside the preopen.
        let new = std::fs::read(sandbox.join("new.txt")).unwrap();
        assert_eq!(new.len(), 100, "{board}: truncated to 2, allocated to 100");
        assert_eq!(&new[..2], b"Xb", "{board}");
        assert!(new[2..].iter().all(|&b| b == 0), "{board}");
        assert_eq!(std::fs::read(sandbox.join("hard.txt")).unwrap(), new);
        assert_eq!(
            std::fs::read_link(sandbox.join("link")).unwrap(),
            Path::new("new.txt")
        );
        assert_eq!(
            std::fs::read_to_string(root.path().join("secret.txt")).unwrap(),
            "top secret\n"
        );
        let mut outside: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        outside.sort();
        assert_eq!(outside, ["sandbox", "secret.txt"], "{board}");
    }
}

#[test]
fn build_bakes_the_preopen_and_the_executable_opens_it_where_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/cli/files.c", dir.path()) else {
        return;
    };
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    sandbox_tree(&work);
    let exe = dir.path().join("files");
    // A relative HOST: resolved against the working directory of the
    // executable when it starts (checked at build time against wafer's).
    let o = Command::new(env!("CARGO_BIN_EXE_wafer"))
        .current_dir(&work)
        .args(["build", program.to_str().unwrap(), "--board", "host"])
        .args(["--dir", "sandbox::/sandbox", "-o", exe.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let run = Command::new(&exe).current_dir(&work).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), EXPECTED);

    // Started where `sandbox` does not exist: one error line and the
    // runtime's fatal status (70, wafer_abi::exit::FATAL) before the
    // program runs.
    let run = Command::new(&exe).current_dir(dir.path()).output().unwrap();
    assert_eq!(run.stdout, b"");
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        err,
        "error: --dir sandbox: cannot open the directory (WASI errno 44)\n"
    );
    assert_eq!(run.status.code(), Some(70));
}

#[test]
fn dir_mistakes_are_one_clear_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let hello = example("hello.wat");
    let file = module_file(dir.path(), "plain.txt", "not a directory");
    let missing = dir.path().join("missing");
    let out = dir.path().join("app");
    let build = |dir_arg: &str, board: &str| {
        wafer(&[
            "build",
            &hello,
            "--board",
            board,
            "--dir",
            dir_arg,
            "-o",
            out.to_str().unwrap(),
        ])
    };
    assert_clean_error(
        &build(missing.to_str().unwrap(), "host"),
        "No such file or directory",
    );
    assert_clean_error(&build(&file, "host"), "not a directory");
    for malformed in ["a::b::c", "::guest", "host::"] {
        // A malformed value is a usage error: exit 2, one line.
        let o = build(malformed, "host");
        assert_eq!(o.status.code(), Some(2), "{malformed}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains("is not of the form HOST or HOST::GUEST"),
            "{err}"
        );
    }
    let here = dir.path().to_str().unwrap();
    let mut many = vec!["build", hello.as_str(), "-o", out.to_str().unwrap()];
    for _ in 0..33 {
        many.extend(["--dir", here]);
    }
    assert_clean_error(&wafer(&many), "at most 32 preopened directories");
    assert!(!out.exists(), "no output file after an error");
    assert_clean_error(
        &wafer(&["run", &hello, "--dir", missing.to_str().unwrap()]),
        "--dir",
    );
}

/// On a bare-metal board no fd above 2 is open: the file functions return
/// `EBADF` (8), not `ENOSYS`.
#[test]
fn bare_metal_boards_answer_ebadf_for_file_functions() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(
        dir.path(),
        "open.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "path_open"
               (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "fd_prestat_get"
               (func $prestat (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory 1)
             (func (export "_start")
               ;; exit code: path_open's errno * 10 + fd_prestat_get's errno / 8
               (call $exit
                 (i32.add
                   (i32.mul
                     (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1)
                                 (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0)
                                 (i32.const 16))
                     (i32.const 10))
                   (i32.div_u (call $prestat (i32.const 3) (i32.const 32)) (i32.const 8))))))"#,
    );
    let o = wafer(&["run", &module, "--board", "qemu-virt-riscv64"]);
    assert_eq!(o.status.code(), Some(81), "{}", stderr(&o));
}

/// The runtime's symbols in the image at `path` whose names contain one of
/// `needles`.
fn symbols_with(path: &Path, needles: &[&str]) -> Vec<String> {
    use object::{Object as _, ObjectSymbol as _};
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .filter(|name| needles.iter().any(|n| name.contains(n)))
        .collect()
}

/// An image links the file functions only when its module imports them.
#[test]
fn file_functions_are_linked_only_when_imported() {
    let dir = tempfile::tempdir().unwrap();
    // `2fs5statx`: `wafer_rt::platform::fs::statx`, which the path walk
    // and the stat functions use.
    let file_functions = ["wafer_wasi_path_open", "wafer_wasi_fd_readdir", "2fs5statx"];
    let hello = dir.path().join("hello");
    let o = wafer(&[
        "build",
        &example("hello.wat"),
        "--board",
        "linux-x86_64",
        "-o",
        hello.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(symbols_with(&hello, &file_functions), Vec::<String>::new());
    // The check sees the runtime's symbols at all.
    assert_eq!(symbols_with(&hello, &["wafer_wasi_fd_write"]).len(), 1);

    let Some(program) = build_wasi_c_program("tests/cli/files.c", dir.path()) else {
        return;
    };
    let files = dir.path().join("files");
    let o = wafer(&[
        "build",
        program.to_str().unwrap(),
        "--board",
        "linux-x86_64",
        "-o",
        files.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let found = symbols_with(&files, &file_functions);
    assert_eq!(found.len(), 3, "{found:?}");
}
