//! What a hello-world image costs on each bare-metal board, as `wafer size`
//! reports it: at most 12 KiB of flash and 4 KiB of static RAM (`.data`,
//! `.bss`; not the stack, not linear memory), and a raw image that holds
//! only what goes into flash.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};

use super::{example, stderr, stdout, wafer};

const BARE_METAL_BOARDS: [&str; 5] = [
    "qemu-virt-riscv64",
    "sifive-u",
    "qemu-x86_64",
    "qemu-virt-aarch64",
    "raspi3b",
];

const FLASH_BUDGET: u64 = 12 * 1024;
const STATIC_RAM_BUDGET: u64 = 4 * 1024;

fn build_hello(dir: &Path, board: &str, format: &str) -> PathBuf {
    let out = dir.join(format!("{board}.{format}"));
    let hello = example("hello.wat");
    let out_s = out.to_string_lossy();
    let o = wafer(&[
        "build", &hello, "--board", board, "--format", format, "-o", &out_s,
    ]);
    assert!(o.status.success(), "{board}: {}", stderr(&o));
    out
}

/// `wafer size` of `image`: (flash bytes, static RAM bytes without the
/// stack). Static RAM is every section `wafer size` places in RAM
/// (`RAM`, or `flash (copied to RAM)`) except the stack.
fn measure(image: &Path) -> (u64, u64) {
    let o = wafer(&["size", &image.to_string_lossy()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let flash = text
        .lines()
        .find_map(|l| l.strip_prefix("flash"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no flash line in:\n{text}"));
    let ram = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .skip(1)
        .filter(|l| l.contains("RAM") && !l.starts_with(".stack"))
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("no size in `{l}`"))
        })
        .sum();
    (flash, ram)
}

/// The one board whose boot page tables are counted apart from the 4 KiB:
/// x86_64 long mode needs a PML4 and a page-directory-pointer table, two
/// 4 KiB pages, which fit neither 4 KiB of static RAM nor, next to the
/// runtime, 12 KiB of flash. The aarch64 boards' boot map is 32 bytes of
/// flash (`compiler/src/baremetal/aarch64_boot_map.rs`); the riscv64
/// boards take their root table from the heap with the first guard window.
const PAGE_TABLES_APART: &str = "qemu-x86_64";

/// Size of the page tables the boot code keeps in `.bss`
/// (`WAFER_PAGE_TABLES*`), 0 if none.
fn page_tables(image: &Path) -> u64 {
    let bytes = std::fs::read(image).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with("WAFER_PAGE_TABLES")))
        .map(|s| s.size())
        .sum()
}

#[test]
fn hello_fits_12_kib_of_flash_and_4_kib_of_static_ram_on_every_bare_metal_board() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = String::new();
    let mut over = Vec::new();
    for board in BARE_METAL_BOARDS {
        let image = build_hello(dir.path(), board, "elf");
        let (flash, ram) = measure(&image);
        let tables = page_tables(&image);
        assert!(
            flash > 1024 && ram > 0,
            "{board}: implausible: {flash} {ram}"
        );
        report +=
            &format!("{board}: flash {flash} B, static RAM {ram} B ({tables} B page tables)\n");
        let apart = if board == PAGE_TABLES_APART {
            tables
        } else {
            0
        };
        if flash > FLASH_BUDGET || ram - apart > STATIC_RAM_BUDGET {
            over.push(board);
        }
    }
    assert!(over.is_empty(), "over budget: {over:?}\n{report}");
}

/// The 8-byte words at symbol `name` of `image`, `count` of them, read
/// from the section holding it; and whether that section lies in flash
/// (below `__wafer_ram_start`, which every board's RAM follows).
fn words_at(image: &Path, name: &str, count: usize) -> (Vec<u64>, bool) {
    use object::ObjectSection;
    let bytes = std::fs::read(image).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let address = |n: &str| {
        file.symbols()
            .find(|s| s.name() == Ok(n))
            .unwrap_or_else(|| panic!("no {n} in {}", image.display()))
            .address()
    };
    let at = address(name);
    let section = file
        .sections()
        .find(|s| s.address() <= at && at + 8 * count as u64 <= s.address() + s.size())
        .unwrap_or_else(|| panic!("no section holds {name}"));
    let data = section.data().unwrap();
    let offset = (at - section.address()) as usize;
    let words = data[offset..offset + 8 * count]
        .chunks(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
        .collect();
    (words, at < address("__wafer_ram_start"))
}

#[test]
fn the_aarch64_boot_map_is_flash_the_mmu_never_writes() {
    // Level-1 block descriptors (Arm ARM, VMSAv8-64): bit 0 valid, bit 10
    // the Access flag (set, so the MMU has no AF to update), bit 51 DBM
    // (clear: no hardware dirty-state writes), bits 53-54 UXN/PXN.
    const AF: u64 = 1 << 10;
    const DBM: u64 = 1 << 51;
    const XN: u64 = 0b11 << 53;
    let dir = tempfile::tempdir().unwrap();
    for board in ["qemu-virt-aarch64", "raspi3b"] {
        let image = build_hello(dir.path(), board, "elf");
        assert_eq!(page_tables(&image), 0, "{board}: page tables in .bss");
        let (map, in_flash) = words_at(&image, "__wafer_boot_map", 4);
        assert!(in_flash, "{board}: boot map in RAM");
        for (gib, d) in map.iter().enumerate() {
            if d & 1 == 0 {
                continue;
            }
            assert!(d & AF != 0 && d & DBM == 0, "{board} GiB {gib}: {d:#x}");
            // GiB 0-1: memory, executable; GiB 2-3: the device view.
            assert_eq!(d & XN == XN, gib >= 2, "{board} GiB {gib}: {d:#x}");
        }
        // Flash and RAM (GiB 0 on both, GiB 1 too on qemu-virt) and the
        // device view of GiB 0 (the UART on both) are mapped.
        assert!(map[0] & 1 != 0 && map[2] & 1 != 0, "{board}: {map:x?}");
    }
}

/// Demangled-or-not symbol names of `image` that match `unwanted`.
fn symbols_matching(image: &Path, unwanted: &[&str]) -> Vec<String> {
    let bytes = std::fs::read(image).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .filter(|name| unwanted.iter().any(|u| name.contains(u)))
        .collect()
}

#[test]
fn hello_links_neither_core_fmt_nor_import_name_tables() {
    // `core::fmt` (mangled `4core3fmt` in legacy and v0 names) costs 4-7 KB;
    // the WASI and spectest name tables belong to serving images only.
    let unwanted = [
        "4core3fmt",
        "core..fmt",
        "4wasi7resolve",
        "8spectest",
        "resolve_by_name",
    ];
    let dir = tempfile::tempdir().unwrap();
    for board in ["qemu-virt-riscv64", "qemu-x86_64", "qemu-virt-aarch64"] {
        let image = build_hello(dir.path(), board, "elf");
        let found = symbols_matching(&image, &unwanted);
        assert!(found.is_empty(), "{board}: {found:#?}");
        // The check sees the runtime's symbols at all.
        assert!(!symbols_matching(&image, &["wafer_wasi_fd_write"]).is_empty());
    }
}

#[test]
fn a_raw_image_holds_only_what_goes_into_flash() {
    // qemu-x86_64's RAM starts 15 MiB above its flash: anything placed in
    // RAM with a RAM load address made `--format bin` fill the gap.
    let dir = tempfile::tempdir().unwrap();
    for board in ["qemu-x86_64", "qemu-virt-riscv64", "qemu-virt-aarch64"] {
        let (flash, _) = measure(&build_hello(dir.path(), board, "elf"));
        let raw = std::fs::metadata(build_hello(dir.path(), board, "bin"))
            .unwrap()
            .len();
        // The raw image is flash from its first byte to its last: the
        // loaded sections plus the alignment between them.
        assert!(
            raw >= flash && raw <= flash + 4096,
            "{board}: raw image {raw} B for {flash} B of flash"
        );
    }
}

/// `wafer size` of hello built for `board` with extra `flags`: its output.
fn size_of_hello(dir: &Path, board: &str, flags: &[&str]) -> String {
    let out = dir.join(format!("{board}{}.elf", flags.join("")));
    let hello = example("hello.wat");
    let out_s = out.to_string_lossy();
    let mut args = vec!["build", &hello, "--board", board, "-o", &out_s];
    args.extend(flags);
    let o = wafer(&args);
    assert!(o.status.success(), "{board}: {}", stderr(&o));
    let o = wafer(&["size", &out_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn an_image_links_only_the_memory_reservation_its_modules_need() {
    let dir = tempfile::tempdir().unwrap();
    let reservations = [
        "wafer_reserve_memory_guarded",
        "wafer_reserve_memory_explicit",
        "wafer_reserve_memory_either",
    ];
    for (board, flags, wanted) in [
        ("qemu-virt-aarch64", &["--bounds-checks", "guard"][..], 0),
        ("qemu-virt-aarch64", &["--bounds-checks", "explicit"][..], 1),
        // The board's default (guard, since riscv64 boards run under Sv39).
        ("qemu-virt-riscv64", &[][..], 0),
        ("qemu-virt-riscv64", &["--bounds-checks", "explicit"][..], 1),
        ("host", &["--bounds-checks", "guard"][..], 0),
    ] {
        size_of_hello(dir.path(), board, flags);
        let image = dir.path().join(format!("{board}{}.elf", flags.join("")));
        let found = symbols_matching(&image, &reservations);
        assert_eq!(found, [reservations[wanted]], "{board} {flags:?}");
    }
}

#[test]
fn size_says_what_a_guard_mode_memory_costs_on_each_platform() {
    let dir = tempfile::tempdir().unwrap();
    let board = size_of_hello(
        dir.path(),
        "qemu-virt-aarch64",
        &["--bounds-checks", "guard"],
    );
    assert!(
        board.contains("physical RAM is the memory's whole length")
            && board.contains("page tables"),
        "{board}"
    );
    assert!(!board.contains("only the pages touched"), "{board}");
    let linux = size_of_hello(dir.path(), "linux-x86_64", &["--bounds-checks", "guard"]);
    assert!(
        linux.contains("physical memory is only the pages touched"),
        "{linux}"
    );
}

/// Checks that a module's memory (two pages, then a third from
/// `memory.grow`), a table and a grown table start zeroed / null; exits
/// 3, 4, 5 or 6 naming the first that does not, 0 when all do.
const STARTS_ZEROED: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 2)
  (table 8 funcref)
  (func $zero (param $from i32) (param $to i32) (result i32)
    (local $acc i64)
    (loop $l
      (local.set $acc (i64.or (local.get $acc) (i64.load (local.get $from))))
      (local.set $from (i32.add (local.get $from) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $from) (local.get $to))))
    (i64.eqz (local.get $acc)))
  (func (export "_start")
    (if (i32.eqz (call $zero (i32.const 0) (i32.const 131072))) (then (call $exit (i32.const 3))))
    (if (i32.eqz (ref.is_null (table.get (i32.const 7)))) (then (call $exit (i32.const 4))))
    (drop (memory.grow (i32.const 1)))
    (if (i32.eqz (call $zero (i32.const 131072) (i32.const 196608))) (then (call $exit (i32.const 5))))
    (drop (table.grow (ref.null func) (i32.const 24)))
    (if (i32.eqz (ref.is_null (table.get (i32.const 31)))) (then (call $exit (i32.const 6))))
    (call $exit (i32.const 0))))
"#;

/// The address of symbol `name` in `image`.
fn symbol_address(image: &Path, name: &str) -> u64 {
    let bytes = std::fs::read(image).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("{name} in {}", image.display()))
        .address()
}

#[test]
fn memories_and_tables_start_zeroed_on_boards_whose_ram_is_not() {
    // QEMU's RAM is zero at reset, a real board's is not, and the runtime
    // zeroes only what it hands out: fill the heap (where instances,
    // tables and memories come from) with 0xa5 before the first
    // instruction and check what the module sees. (.bss and the stack are
    // the ELF's own segments, which QEMU's loader zero-fills.)
    let dir = tempfile::tempdir().unwrap();
    let module = super::module_file(dir.path(), "zeroed.wat", STARTS_ZEROED);
    let dirty = dir.path().join("dirty.bin");
    std::fs::write(&dirty, vec![0xa5u8; 8 << 20]).unwrap();
    let boards: [(&str, &str, &[&str]); 2] = [
        (
            "qemu-virt-riscv64",
            "qemu-system-riscv64",
            &["-M", "virt", "-bios", "none", "-m", "128M", "-nographic"],
        ),
        (
            "qemu-virt-aarch64",
            "qemu-system-aarch64",
            &[
                "-M",
                "virt",
                "-cpu",
                "cortex-a53",
                "-m",
                "128M",
                "-nographic",
                "-semihosting",
            ],
        ),
    ];
    let runs = boards.into_iter().flat_map(|(board, program, args)| {
        ["guard", "explicit"].map(|mode| (board, mode, program, args))
    });
    for (board, mode, program, args) in runs {
        let image = dir.path().join(format!("{board}-{mode}.elf"));
        let image_s = image.to_string_lossy();
        let o = wafer(&[
            "build",
            &module,
            "--board",
            board,
            "--bounds-checks",
            mode,
            "-o",
            &image_s,
        ]);
        assert!(o.status.success(), "{board}: {}", stderr(&o));
        let heap = symbol_address(&image, "__wafer_heap_start");
        let run = Command::new(program)
            .args(args)
            .arg("-device")
            .arg(format!(
                "loader,file={},addr={heap:#x},force-raw=on",
                dirty.display()
            ))
            .arg("-device")
            .arg(format!("loader,cpu-num=0,file={image_s}"))
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(0),
            "{board} {mode}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
