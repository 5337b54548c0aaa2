//! `--dir HOST::GUEST` on bare-metal boards: the directory baked into the
//! image's flash as a read-only tree and served through the WASI file
//! functions (tests/programs/files/baked_files.c, built with clang +
//! wasi-libc), compared with the same program on `host` reading the same
//! directory; every change refused with its errno; `--dir` mistakes as
//! clean errors; and what it costs in `wafer size`.

use super::*;

/// The tree the program reads as /data.
fn data_tree(root: &Path) -> PathBuf {
    let data = root.join("data");
    std::fs::create_dir_all(data.join("dir/sub")).unwrap();
    std::fs::write(data.join("hello.txt"), "hello from flash\n").unwrap();
    std::fs::write(data.join("dir/sub/deep.txt"), "deep\n").unwrap();
    std::fs::write(data.join("empty.txt"), "").unwrap();
    std::fs::write(data.join("numbers.txt"), "0123456789").unwrap();
    std::fs::write(data.join("dir/a"), "x").unwrap();
    data
}

/// What `baked_files common` prints for [`data_tree`], derived from the
/// tree: contents and sizes as written above; listings sorted by strcmp
/// (`../` before `./`), `/` marking directories; 6 entries in /data (4 +
/// `.` and `..`), more than a 40-byte buffer holds (a dirent is 24 bytes
/// plus its name); numbers.txt is 10 bytes, so seek 3 reads "34", end-2 is 8,
/// pread(4 at 5) "5678" leaves the position at 1. WASI errnos: 28 inval,
/// 44 noent, 54 notdir, 76 notcapable; filetypes 3 directory, 4 regular
/// file; fd 3 is /data, fd 4 nothing.
const COMMON: &str = "\
cat /data/hello.txt: 17 [hello from flash
]
cat /data/dir/sub/deep.txt: 5 [deep
]
cat /data/empty.txt: 0 []
list /data: ../ ./ dir/ empty.txt hello.txt numbers.txt
list /data/dir: ../ ./ a sub/
list /data/dir/sub: ../ ./ deep.txt
fd_readdir pieces: 6 entries, more than one call: 1
seek 3 read: 3 2 [34]
seek end-2 read: 8 2 [89] then 0
pread 5: 4 [5678] tell 1
pread past end: 0
seek past end: 50 read 0
seek before start: -1 errno 28
fstat numbers: size 10 reg 1
stat deep: size 5 reg 1
stat dir: dir 1
stat missing: -1 errno 44
open missing: 44
open missing dir: 44
open file as dir: 54
open through file: 54
escape ..: 76
escape ../x: 76
escape absolute: 76
escape dir/../..: 76
escape dir/sub/../../..: 76
inside dir/./sub/../sub: 0
open dir: 0
escape from dir fd: 76
stat escape: 76
stat via dir fd: 0 size 5 type 4
close dir: 0
prestat 3: 0 0 5 /data
prestat 4: 8
fdstat 3: 0 filetype 3
";

/// What `baked_files readonly` prints on a baked tree (docs/files.md):
/// a change to something that exists or would be created is `EROFS` (69),
/// after the path is known to stay inside (else 76) and to exist where it
/// must (else 44 noent); creating what exists is 20 (exist), as on Linux;
/// writing to or unlinking a directory 31 (isdir), rmdir of a file 54
/// (notdir); readlink of a non-symlink 28 (inval). A file opened for
/// reading has the read right and not the write right, and rights it
/// cannot have are left out when asked without `fd_write`; sync and advise
/// succeed (nothing is ever unwritten); renumber moves the open file onto
/// the old fd (which then reads numbers.txt from its start) and closes
/// the other (so closing it again is 8, badf).
const READONLY: &str = "\
create: 69
open for write: 69
truncate: 69
append: 69
create excl existing: 20
dir for write: 31
fopen w: 0 errno 69
fopen a: 0 errno 69
open read asking set_size: 0 0 set_size 0
open read: 0
fd_write: 69 99
fd_pwrite: 69
fd_write dir: 31
set_size: 69
set_times: 69
allocate: 69
advise: 0 sync: 0 datasync: 0
fdstat file: 0 filetype 4 read 1 write 0
filestat file: 0 type 4 size 17 nlink 1
mkdir: 69
mkdir existing: 20
mkdir escape: 76
unlink: 69
unlink dir: 31
unlink missing: 44
unlink escape: 76
rmdir: 69
rmdir file: 54
rename: 69
rename escape: 76
symlink: 69
link: 69
path set_times: 69
readlink file: 28
readlink missing: 44
renumber: 0
after renumber: 0 3 [012] old fd: 8
close: 0 again: 8
";

const BOARDS: [&str; 3] = ["qemu-virt-aarch64", "qemu-virt-riscv64", "qemu-x86_64"];

fn run(program: &Path, board: &str, data: &Path, mode: &str) -> Output {
    run_with(program, board, "--dir", data, mode)
}

/// Runs `program mode` with `data` preopened as /data by `flag` (`--dir`
/// or `--dir-rw`).
fn run_with(program: &Path, board: &str, flag: &str, data: &Path, mode: &str) -> Output {
    let dir = format!("{}::/data", data.display());
    wafer(&[
        "run",
        program.to_str().unwrap(),
        "--board",
        board,
        flag,
        &dir,
        "--",
        mode,
    ])
}

/// Every file of `dir` and its contents, recursively, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(snapshot(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn a_baked_tree_reads_as_the_host_directory_does() {
    let build = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/programs/files/baked_files.c", build.path())
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let data = data_tree(root.path());
    let on_host = run(&program, "host", &data, "common");
    assert_eq!(on_host.status.code(), Some(0), "host: {}", stderr(&on_host));
    assert_eq!(stdout(&on_host), COMMON, "host");
    for board in BOARDS {
        let o = run(&program, board, &data, "common");
        assert_eq!(o.status.code(), Some(0), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&on_host), "{board} differs from host");
        assert_eq!(stderr(&o), "", "{board}");
    }
}

#[test]
fn every_change_to_a_baked_tree_is_refused_with_the_spec_errno() {
    let build = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/programs/files/baked_files.c", build.path())
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let data = data_tree(root.path());
    for board in ["qemu-virt-aarch64", "qemu-virt-riscv64"] {
        let o = run(&program, board, &data, "readonly");
        assert_eq!(o.status.code(), Some(0), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), READONLY, "{board}");
    }
    // The tree was read at build time and never written back.
    assert_eq!(
        std::fs::read_to_string(data.join("hello.txt")).unwrap(),
        "hello from flash\n"
    );
    let mut names: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["dir", "empty.txt", "hello.txt", "numbers.txt"]);
}

/// `--dir-rw`: the program changes the baked tree in RAM during one boot,
/// and reads back what a Linux board reads back from a host directory
/// after the same changes; the host tree itself is never written.
#[test]
fn a_dir_rw_tree_takes_changes_as_a_host_directory_does() {
    let build = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/programs/files/baked_files.c", build.path())
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let data = data_tree(root.path());
    let before = snapshot(&data);
    let copy = tempfile::tempdir().unwrap();
    let host_data = data_tree(copy.path());
    let on_host = run(&program, "host", &host_data, "readwrite");
    assert_eq!(on_host.status.code(), Some(0), "host: {}", stderr(&on_host));
    let host_out = stdout(&on_host);
    // A few lines derived by hand: numbers.txt "0123456789" with "AB"
    // written at 4 and "Z" (90) at 12 reads 0123AB6789, two zeros, Z; the
    // final listings follow the renames and the unlink.
    for line in [
        "cat /data/new.txt: 11 [fresh\nmore\n]",
        "numbers: 13 48 49 50 51 65 66 54 55 56 57 0 0 90",
        "cat /data/numbers.txt: 3 [012]",
        "rmdir non-empty: -1 errno 55",
        "dir into itself: -1 errno 28",
        "read unlinked: 4 [kept]",
        "list /data: ../ ./ hello.txt new.txt numbers.txt renamed/",
        "list /data/renamed: ../ ./ a sub/",
    ] {
        assert!(host_out.contains(line), "host lacks `{line}`:\n{host_out}");
    }
    // On a Linux board --dir-rw is --dir.
    let copy_rw = tempfile::tempdir().unwrap();
    let o = run_with(
        &program,
        "host",
        "--dir-rw",
        &data_tree(copy_rw.path()),
        "readwrite",
    );
    assert_eq!(stdout(&o), host_out, "host with --dir-rw");
    for board in ["qemu-virt-aarch64", "qemu-virt-riscv64"] {
        let o = run_with(&program, board, "--dir-rw", &data, "readwrite");
        assert_eq!(o.status.code(), Some(0), "{board}: {}", stderr(&o));
        assert_eq!(stdout(&o), host_out, "{board} differs from host");
        // With --dir (read-only) the same program's first change fails.
        let o = run(&program, board, &data, "readwrite");
        assert!(
            stdout(&o).starts_with("fopen /data/new.txt w: errno 69\n"),
            "{board}: {}",
            stdout(&o)
        );
    }
    assert_eq!(
        snapshot(&data),
        before,
        "the baked host tree was not written"
    );
}

/// The overlay's budget (64 KiB beyond its node table) ends in `ENOSPC`
/// (51) with what fit written, and a deleted file gives its bytes back.
#[test]
fn a_dir_rw_overlay_fills_up_with_enospc_and_gives_space_back() {
    let build = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/programs/files/baked_files.c", build.path())
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let data = data_tree(root.path());
    let o = run_with(&program, "qemu-virt-riscv64", "--dir-rw", &data, "full");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 4 KiB writes: 16 fit in 64 KiB, the 17th does not.
    assert_eq!(
        stdout(&o),
        "wrote 65536 then errno 51\nunlink: 0\nafter unlink: 4096\n"
    );
}

/// Symlinks inside the tree are followed at build time: a link to a file
/// reads as the file, a link to a directory lists as one.
#[test]
fn symlinks_inside_the_tree_are_baked_as_what_they_point_at() {
    let build = tempfile::tempdir().unwrap();
    let Some(program) = build_wasi_c_program("tests/programs/files/baked_files.c", build.path())
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let data = data_tree(root.path());
    std::fs::rename(data.join("hello.txt"), data.join("dir/real.txt")).unwrap();
    std::os::unix::fs::symlink("dir/real.txt", data.join("hello.txt")).unwrap();
    std::fs::rename(data.join("dir/sub"), data.join("sub_real")).unwrap();
    std::os::unix::fs::symlink("../sub_real", data.join("dir/sub")).unwrap();
    let o = run(&program, "qemu-virt-riscv64", &data, "common");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = COMMON
        .replace(
            "list /data: ../ ./ dir/ empty.txt hello.txt numbers.txt",
            "list /data: ../ ./ dir/ empty.txt hello.txt numbers.txt sub_real/",
        )
        .replace(
            "list /data/dir: ../ ./ a sub/",
            "list /data/dir: ../ ./ a real.txt sub/",
        )
        .replace(
            "fd_readdir pieces: 6 entries",
            "fd_readdir pieces: 7 entries",
        );
    assert_eq!(stdout(&o), expected);
}

#[test]
fn dir_mistakes_on_a_board_are_one_clear_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let hello = example("hello.wat");
    let out = dir.path().join("fw.elf");
    let build = |value: &str, board: &str| {
        wafer(&[
            "build",
            &hello,
            "--board",
            board,
            "--dir",
            value,
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let check = |o: &Output, needle: &str| {
        assert_clean_error(o, needle);
        assert!(!out.exists(), "no output file after `{needle}`");
    };
    let missing = dir.path().join("missing");
    check(
        &build(missing.to_str().unwrap(), "qemu-virt-aarch64"),
        "No such file or directory",
    );
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "x").unwrap();
    check(
        &build(file.to_str().unwrap(), "qemu-virt-riscv64"),
        "file.txt: not a directory",
    );

    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::os::unix::fs::symlink("../file.txt", tree.join("out")).unwrap();
    check(
        &build(tree.to_str().unwrap(), "qemu-virt-riscv64"),
        "symlink out leads out of the directory",
    );
    std::fs::remove_file(tree.join("out")).unwrap();
    std::os::unix::fs::symlink("/etc", tree.join("abs")).unwrap();
    check(
        &build(tree.to_str().unwrap(), "qemu-virt-riscv64"),
        "symlink abs leads out of the directory",
    );
    std::fs::remove_file(tree.join("abs")).unwrap();

    // qemu-x86_64's load area is 15 MiB: a 16 MiB file (sparse on disk)
    // cannot fit.
    let big = dir.path().join("big");
    std::fs::create_dir(&big).unwrap();
    let f = std::fs::File::create(big.join("huge.bin")).unwrap();
    f.set_len(16 << 20).unwrap();
    drop(f);
    let o = build(big.to_str().unwrap(), "qemu-x86_64");
    check(&o, "more than the 15.00 MiB of flash on board qemu-x86_64");
    assert!(stderr(&o).contains("16.00 MiB"), "{}", stderr(&o));

    // A tree that fits the flash alone but not with the code: the
    // linker's overflow, explained with the tree's share.
    let f = std::fs::File::create(big.join("huge.bin")).unwrap();
    f.set_len((15 << 20) - 1000).unwrap();
    drop(f);
    let o = build(big.to_str().unwrap(), "qemu-x86_64");
    check(&o, "the image does not fit in qemu-x86_64's flash");
    assert!(
        stderr(&o)
            .contains("of which the --dir file trees take 15.00 MiB; bake a smaller directory"),
        "{}",
        stderr(&o)
    );

    let here = tree.to_str().unwrap();
    let mut many = vec![
        "build",
        hello.as_str(),
        "--board",
        "qemu-virt-aarch64",
        "-o",
        out.to_str().unwrap(),
    ];
    for _ in 0..9 {
        many.extend(["--dir", here]);
    }
    check(&wafer(&many), "at most 8 baked directories");
}

/// `wafer size` counts the tree in flash and the fd table in RAM; an image
/// without `--dir` links none of the baked backend.
#[test]
fn wafer_size_shows_the_tree_and_an_image_without_dir_carries_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.txt"), "abc").unwrap();
    let hello = example("hello.wat");
    for board in ["qemu-virt-aarch64", "qemu-virt-riscv64"] {
        let with = dir.path().join(format!("{board}-with.elf"));
        let without = dir.path().join(format!("{board}-without.elf"));
        let dir_arg = format!("{}::/t", tree.display());
        for (out, extra) in [(&with, vec!["--dir", dir_arg.as_str()]), (&without, vec![])] {
            let mut args = vec!["build", hello.as_str(), "--board", board, "-o"];
            args.push(out.to_str().unwrap());
            args.extend(extra);
            let o = wafer(&args);
            assert!(o.status.success(), "{board}: {}", stderr(&o));
        }
        let size = |path: &Path| stdout(&wafer(&["size", path.to_str().unwrap()]));
        // Header 24 + 2 nodes × 24 + name "a.txt" 5 = 77, contents at 80
        // (8-aligned), 3 bytes, the blob padded to 88.
        let report = size(&with);
        assert!(
            report.contains(
                "files: 1 baked file tree 88 B (88 B) in flash; fd table 384 B of RAM (.bss)"
            ),
            "{board}: {report}"
        );
        assert!(!size(&without).contains("files:"), "{board}");
        // --dir-rw: the same tree with an overlay budget of (2 nodes + 64
        // spare) × 32 B + 64 B + 64 KiB = 67712 B.
        let rw = dir.path().join(format!("{board}-rw.elf"));
        let o = wafer(&[
            "build",
            &hello,
            "--board",
            board,
            "--dir-rw",
            &format!("{}::/t", tree.display()),
            "-o",
            rw.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        let report = size(&rw);
        assert!(
            report.contains("fd table 384 B of RAM (.bss); --dir-rw overlay up to 67712 B (66.1 KiB) from the heap"),
            "{board}: {report}"
        );
        let baked = |path: &Path| {
            use object::{Object as _, ObjectSymbol as _};
            let bytes = std::fs::read(path).unwrap();
            let file = object::File::parse(&*bytes).unwrap();
            file.symbols()
                .filter_map(|s| s.name().ok().map(str::to_owned))
                .filter(|n| n.starts_with("wafer_baked") || n.starts_with("wafer_file_tree"))
                .count()
        };
        assert_eq!(baked(&without), 0, "{board}");
        assert!(baked(&with) > 0, "{board}");
    }
}

/// A tree damaged in the image (here its magic) stops the program at its
/// first file call with one `error:` line and the fatal status, instead
/// of serving garbage.
#[test]
fn a_corrupt_tree_in_the_image_is_a_fatal_error_not_a_read_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.txt"), "abc").unwrap();
    // exit code: fd_prestat_get(3)'s errno (0 for the preopen).
    let module = module_file(
        dir.path(),
        "prestat.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "fd_prestat_get"
               (func $prestat (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory 1)
             (func (export "_start")
               (call $exit (call $prestat (i32.const 3) (i32.const 16)))))"#,
    );
    let elf = dir.path().join("fw.elf");
    let o = wafer(&[
        "build",
        &module,
        "--board",
        "qemu-virt-aarch64",
        "--dir",
        &format!("{}::/t", tree.display()),
        "-o",
        elf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let boot = |path: &Path| {
        let loader = format!("loader,file={},cpu-num=0", path.display());
        Command::new("timeout")
            .args([
                "60",
                "qemu-system-aarch64",
                "-M",
                "virt",
                "-cpu",
                "cortex-a53",
            ])
            .args([
                "-m",
                "128M",
                "-nographic",
                "-semihosting",
                "-device",
                &loader,
            ])
            .output()
            .expect("qemu-system-aarch64 runs")
    };
    let good = boot(&elf);
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));

    let mut bytes = std::fs::read(&elf).unwrap();
    let magic = wafer_abi::file_tree::MAGIC.to_le_bytes();
    let at: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == magic)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "the magic appears once, in the tree");
    bytes[at[0]] ^= 0xff;
    let bad = dir.path().join("bad.elf");
    std::fs::write(&bad, &bytes).unwrap();
    let o = boot(&bad);
    assert_eq!(o.status.code(), Some(70), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "error: --dir /t: the file tree baked into the image is corrupt\n"
    );
}
