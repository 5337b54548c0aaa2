//! Embedding in firmware wafer does not build: `wafer compile --header`,
//! `wafer runtime`, the C example firmware under QEMU, and a Linux program
//! linking the library (docs/embedding.md).

use std::path::Path;
use std::process::{Command, Output};

use super::{assert_clean_error, examples, module_file, stderr, stdout, wafer};

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Runs a tool the test setup installs (clang, gcc, ld.lld, QEMU).
fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (installed by .ci/setup): {e}"))
}

fn assert_ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\n{}{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// Boots `elf` on QEMU's aarch64 `virt` machine (Cortex-A53, 128 MiB,
/// semihosting for the exit), killed after 60 s.
fn run_on_qemu_virt_aarch64(elf: &str) -> Output {
    tool(
        "timeout",
        &[
            "60",
            "qemu-system-aarch64",
            "-M",
            "virt",
            "-cpu",
            "cortex-a53",
            "-m",
            "128M",
            "-nographic",
            "-semihosting",
            "-kernel",
            elf,
        ],
    )
}

#[test]
fn the_c_firmware_example_calls_exports_and_survives_traps_on_qemu_virt_aarch64() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| path_str(&dir.path().join(name));
    let src = examples().join("embed-c");
    let s = |name: &str| path_str(&src.join(name));
    assert_ok(
        &wafer(&[
            "compile",
            &s("app.wat"),
            "--target",
            "aarch64",
            "-o",
            &d("app.o"),
            "--header",
            &d("app.h"),
        ]),
        "wafer compile",
    );
    assert_ok(
        &wafer(&[
            "runtime",
            "--target",
            "aarch64",
            "--board",
            "qemu-virt-aarch64",
            "-o",
            &d("libwafer_rt.a"),
        ]),
        "wafer runtime",
    );
    let include = format!("-I{}", dir.path().display());
    assert_ok(
        &tool(
            "clang",
            &[
                "--target=aarch64-none-elf",
                "-ffreestanding",
                "-nostdlib",
                "-O2",
                "-Wall",
                "-Werror",
                "-std=c11",
                &include,
                "-c",
                &s("main.c"),
                "-o",
                &d("main.o"),
            ],
        ),
        "clang main.c",
    );
    assert_ok(
        &tool(
            "clang",
            &[
                "--target=aarch64-none-elf",
                "-c",
                &s("start.S"),
                "-o",
                &d("start.o"),
            ],
        ),
        "clang start.S",
    );
    assert_ok(
        &tool(
            "ld.lld",
            &[
                "-T",
                &s("link.ld"),
                "--gc-sections",
                "-o",
                &d("firmware.elf"),
                &d("start.o"),
                &d("main.o"),
                &d("app.o"),
                &d("libwafer_rt.a"),
            ],
        ),
        "ld.lld",
    );
    let o = run_on_qemu_virt_aarch64(&d("firmware.elf"));
    // Offsets checked against `wasm-objdump -d`: i32.div_s at 0x98, the
    // i32.load8_u at 0x9e.
    let expected = "firmware: start\n\
                    LED off\nLED on\nLED off\n\
                    blink returned 3\n\
                    div(84, 2) = 42\n\
                    trap: integer divide by zero in app!div at wasm offset 152\n\
                    memory: 65536 bytes, data at 16: hi\n\
                    peek(100) = 42\n\
                    trap: out of bounds memory access in app!peek at wasm offset 158\n\
                    swap-pair(-7, 2.5) = (25/10, -7)\n\
                    LED off\n\
                    firmware: done\n";
    assert_eq!(stdout(&o).replace("\r\n", "\n"), expected, "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn the_rust_firmware_example_does_the_same_through_wafer_embed_on_qemu_virt_riscv64() {
    let target_dir = tempfile::tempdir().unwrap();
    let manifest = examples().join("embed-rust/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(&cargo)
        .args([
            "build",
            "--offline",
            "--release",
            "--target",
            "riscv64gc-unknown-none-elf",
            "--manifest-path",
            &path_str(&manifest),
            "--target-dir",
            &path_str(target_dir.path()),
        ])
        // Its build script runs this wafer.
        .env("WAFER", env!("CARGO_BIN_EXE_wafer"))
        // Not the flags of the test build (coverage, cfgs of the host).
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert_ok(&o, "cargo build of examples/embed-rust");
    let firmware = target_dir
        .path()
        .join("riscv64gc-unknown-none-elf/release/embed-rust-firmware");
    let o = tool(
        "timeout",
        &[
            "60",
            "qemu-system-riscv64",
            "-M",
            "virt",
            "-bios",
            "none",
            "-m",
            "128M",
            "-nographic",
            "-kernel",
            &path_str(&firmware),
        ],
    );
    // The same module and offsets as the C example's.
    let expected = "firmware: start\n\
                    LED off\nLED on\nLED off\n\
                    blink returned 3\n\
                    div(84, 2) = 42\n\
                    trap: integer divide by zero in app!div at wasm offset 152\n\
                    memory: 65536 bytes, data at 16: hi\n\
                    peek(100) = 42\n\
                    trap: out of bounds memory access in app!peek at wasm offset 158\n\
                    swap-pair(-7, 2.5) = (2.5, -7)\n\
                    LED off\n\
                    after reset: byte 100 = 0, data at 16: hi\n\
                    firmware: done\n";
    assert_eq!(stdout(&o).replace("\r\n", "\n"), expected, "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0));
}

/// WASI output, clock and exit through the firmware's platform functions.
const WASI_MODULE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hello through the firmware\n")
  (func (export "hello") (result i32)
    (i32.store (i32.const 0) (i32.const 8))
    (i32.store (i32.const 4) (i32.const 27))
    (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 100)))
  (func (export "now") (result i64)
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 200)))
    (i64.load (i32.const 200)))
  (func (export "bye") (call $exit (i32.const 3))))
"#;

const PLATFORM_FIRMWARE: &str = r#"#include <stddef.h>
#include <stdint.h>
#include "wasi.h"
void semihosting_exit(int32_t code);
static void uart_putc(char c) {
    volatile uint32_t *uart = (volatile uint32_t *)0x09000000UL;
    while (uart[0x18 / 4] & (1u << 5)) {
    }
    uart[0] = (uint32_t)(unsigned char)c;
}
static void print(const char *s) {
    while (*s) uart_putc(*s++);
}
static void print_u64(uint64_t u) {
    char d[24];
    int n = 0;
    do { d[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) uart_putc(d[--n]);
}
/* The platform functions of a library written with --platform baremetal. */
void wafer_platform_write(int32_t fd, const uint8_t *bytes, size_t len) {
    print(fd == 2 ? "[stderr] " : "[stdout] ");
    for (size_t i = 0; i < len; i++) uart_putc((char)bytes[i]);
}
static uint64_t ticks;
uint64_t wafer_platform_monotonic_ns(void) {
    ticks += 1000;
    return ticks;
}
void wafer_platform_exit(int32_t code) {
    print("firmware exit ");
    print_u64((uint64_t)code);
    print("\n");
    semihosting_exit(code);
}
/* The MMU stays off: this module makes aligned accesses only. */
void mmu_on(void) {}
int main(void) {
    wafer_instance *m;
    wafer_trap trap;
    int32_t r = -1;
    int64_t now = -1;
    if (wasi_instantiate(&m, &trap) != WAFER_OK) return 1;
    if (wasi_hello(m, &r, &trap) != WAFER_OK) return 1;
    print("hello returned ");
    print_u64((uint64_t)r);
    print("\n");
    if (wasi_now(m, &now, &trap) != WAFER_OK) return 1;
    print("now = ");
    print_u64((uint64_t)now);
    print("\n");
    wasi_bye(m, &trap);
    print("bye returned\n");
    return 1;
}
"#;

#[test]
fn a_library_without_a_board_uses_the_firmwares_platform_functions() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| path_str(&dir.path().join(name));
    let src = examples().join("embed-c");
    let s = |name: &str| path_str(&src.join(name));
    let module = module_file(dir.path(), "wasi.wat", WASI_MODULE);
    let main = module_file(dir.path(), "main.c", PLATFORM_FIRMWARE);
    assert_ok(
        &wafer(&[
            "compile",
            &module,
            "--target",
            "aarch64",
            "-o",
            &d("wasi.o"),
            "--header",
            &d("wasi.h"),
        ]),
        "wafer compile",
    );
    assert_ok(
        &wafer(&[
            "runtime",
            "--target",
            "aarch64",
            "--platform",
            "baremetal",
            "-o",
            &d("lib.a"),
        ]),
        "wafer runtime",
    );
    let include = format!("-I{}", dir.path().display());
    for (what, args) in [
        (
            "clang main.c",
            vec![
                "--target=aarch64-none-elf",
                "-ffreestanding",
                "-nostdlib",
                "-O2",
                "-Wall",
                "-Werror",
                "-std=c11",
                &include,
                "-c",
                &main,
                "-o",
                &d("main.o"),
            ],
        ),
        (
            "clang start.S",
            vec![
                "--target=aarch64-none-elf",
                "-c",
                &s("start.S"),
                "-o",
                &d("start.o"),
            ],
        ),
    ] {
        assert_ok(&tool("clang", &args), what);
    }
    assert_ok(
        &tool(
            "ld.lld",
            &[
                "-T",
                &s("link.ld"),
                "--gc-sections",
                "-o",
                &d("fw.elf"),
                &d("start.o"),
                &d("main.o"),
                &d("wasi.o"),
                &d("lib.a"),
            ],
        ),
        "ld.lld",
    );
    let o = run_on_qemu_virt_aarch64(&d("fw.elf"));
    // fd_write(2, ...) reaches wafer_platform_write with fd 2; the clock
    // reads wafer_platform_monotonic_ns once (its first value: 1000);
    // proc_exit(3) ends through wafer_platform_exit.
    assert_eq!(
        stdout(&o).replace("\r\n", "\n"),
        "[stderr] hello through the firmware\n\
         hello returned 0\n\
         now = 1000\n\
         firmware exit 3\n",
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(3));
}

/// Calls the API and defines everything a firmware must (for the link
/// test below: it is linked, not run).
const LINK_ONLY_FIRMWARE: &str = r#"#include "app.h"
void env_led_set(void *vmctx, int32_t on) { (void)vmctx; (void)on; }
void wafer_platform_write(int32_t fd, const uint8_t *bytes, size_t len) {
    (void)fd; (void)bytes; (void)len;
}
void wafer_platform_exit(int32_t code) { (void)code; }
uint64_t wafer_platform_monotonic_ns(void) { return 0; }
int32_t entry(void) {
    wafer_instance *app;
    wafer_trap trap;
    int32_t r = 0;
    if (app_instantiate(&app, &trap) != WAFER_OK) return -1;
    app_div(app, 6, 3, &r, &trap);
    app_reset(app, &trap);
    return r;
}
"#;

const LINK_ONLY_SCRIPT: &str = "ENTRY(entry)
SECTIONS {
  . = 0x100000;
  .text : { *(.text .text.*) }
  .rodata : { *(.rodata .rodata.* .srodata .srodata.*) }
  .data : { *(.data .data.* .sdata .sdata.* .got .got.*) }
  .bss : { *(.bss .bss.* .sbss .sbss.* COMMON) }
  __wafer_heap_start = ALIGN(4096);
  __wafer_heap_end = 0x800000;
  /DISCARD/ : { *(.eh_frame .comment) }
}
";

#[test]
fn firmware_links_with_the_library_of_every_bare_metal_board_and_without_a_board() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| path_str(&dir.path().join(name));
    let app = path_str(&examples().join("embed-c/app.wat"));
    let source = module_file(dir.path(), "fw.c", LINK_ONLY_FIRMWARE);
    let script = module_file(dir.path(), "fw.ld", LINK_ONLY_SCRIPT);
    let include = format!("-I{}", dir.path().display());
    for (isa, clang_target, flags, libraries) in [
        (
            "aarch64",
            "aarch64-none-elf",
            &[][..],
            &[
                "--board=qemu-virt-aarch64",
                "--board=raspi3b",
                "--platform=baremetal",
            ][..],
        ),
        (
            "riscv64",
            "riscv64-unknown-elf",
            &["-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany"][..],
            &[
                "--board=qemu-virt-riscv64",
                "--board=sifive-u",
                "--platform=baremetal",
            ][..],
        ),
        (
            "x86_64",
            "x86_64-none-elf",
            &[][..],
            &["--board=qemu-x86_64", "--platform=baremetal"][..],
        ),
    ] {
        assert_ok(
            &wafer(&[
                "compile",
                &app,
                "--target",
                isa,
                "-o",
                &d("app.o"),
                "--header",
                &d("app.h"),
            ]),
            "wafer compile",
        );
        // wafer_rt.h, which app.h includes (the same for every library).
        assert_ok(
            &wafer(&["runtime", "--target", isa, libraries[0], "-o", &d("lib.a")]),
            "wafer runtime",
        );
        let target = format!("--target={clang_target}");
        let mut args = vec![
            target.as_str(),
            "-ffreestanding",
            "-nostdlib",
            "-O2",
            "-Wall",
        ];
        args.extend_from_slice(flags);
        args.extend(["-Werror", "-std=c11", &include, "-c", &source]);
        let object = d("fw.o");
        args.extend(["-o", object.as_str()]);
        assert_ok(&tool("clang", &args), &format!("clang for {isa}"));
        for library in libraries {
            assert_ok(
                &wafer(&["runtime", "--target", isa, library, "-o", &d("lib.a")]),
                "wafer runtime",
            );
            let o = tool(
                "ld.lld",
                &[
                    "-T",
                    &script,
                    "--gc-sections",
                    "-o",
                    &d("fw.elf"),
                    &object,
                    &d("app.o"),
                    &d("lib.a"),
                ],
            );
            assert_ok(
                &o,
                &format!("linking {isa} firmware with the {library} library"),
            );
        }
    }
}

/// Exports whose names are not C identifiers or collide after sanitizing
/// (with each other and with the header's own names), every value type,
/// several results, imports of the firmware and of WASI.
const AWKWARD: &str = r#"(module
  (import "env" "mix" (func (param i32 i64 f32 f64) (result f64)))
  (import "env" "nothing" (func))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "mem") 1)
  (global (export "g") i32 (i32.const 7))
  (func $id (param i64) (result i64) (local.get 0))
  (func (export "a-b") (result i32) (i32.const 1))
  (func (export "a.b") (result i32) (i32.const 2))
  (func (export "instantiate") (result i32) (i32.const 3))
  (func (export "f") (result i32 f32) (i32.const 4) (f32.const 0.5))
  (func (export "f_results") (param f64) (result f64) (local.get 0))
  (func (export "0start"))
  (func (export "id") (param i64) (result i64) (call $id (local.get 0)))
  (func (export "*/ #include <oops>") (param i32 i32) (result i32 i64 f64)
    (i32.const 0) (i64.const 0) (f64.const 0)))"#;

/// Calls every wrapper, so the compiler type-checks them.
const USES_AWKWARD: &str = r#"#include "m.h"
double env_mix(void *vmctx, int32_t a, int64_t b, float c, double d) {
    (void)vmctx;
    return (double)a + (double)b + (double)c + d;
}
void env_nothing(void *vmctx) { (void)vmctx; }
int use(void) {
    wafer_instance *i;
    wafer_trap t;
    int32_t r32;
    int64_t r64;
    double r;
    m_f_results fr;
    m_____include__oops__results weird;
    uint64_t len;
    if (m_instantiate(&i, &t) != WAFER_OK) return 1;
    return m_a_b(i, &r32, &t) + m_a_b_2(i, &r32, &t) + m_instantiate_2(i, &r32, &t)
        + m_f(i, &fr, &t) + m_f_results_2(i, 1.0, &r, &t) + m__0start(i, &t)
        + m_id(i, (int64_t)-1, &r64, &t) + m_____include__oops_(i, 1, 2, &weird, &t)
        + (m_memory(i, &len) != 0);
}
"#;

#[test]
fn generated_headers_compile_warning_free_with_clang_and_gcc() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "m.wat", AWKWARD);
    let d = |name: &str| path_str(&dir.path().join(name));
    assert_ok(
        &wafer(&[
            "compile",
            &module,
            "--target",
            "x86_64",
            "-o",
            &d("m.o"),
            "--header",
            &d("m.h"),
        ]),
        "wafer compile",
    );
    assert_ok(
        &wafer(&["runtime", "--target", "x86_64", "-o", &d("lib.a")]),
        "wafer runtime",
    );
    let header = std::fs::read_to_string(d("m.h")).unwrap();
    for declaration in [
        "double env_mix(void *vmctx, int32_t p0, int64_t p1, float p2, double p3);",
        "void env_nothing(void *vmctx);",
        "extern const wafer_module wafer_module_m;",
    ] {
        assert!(
            header.contains(declaration),
            "{declaration} not in:\n{header}"
        );
    }
    // WASI imports are the runtime's, not the firmware's to define.
    assert!(!header.contains("wafer_wasi_proc_exit("), "{header}");
    assert!(header.contains("Export \"mem\" is a Memory"), "{header}");
    let source = module_file(dir.path(), "use.c", USES_AWKWARD);
    let include = format!("-I{}", dir.path().display());
    for compiler in ["clang", "gcc"] {
        for standard in ["-std=c11", "-std=c99"] {
            let o = tool(
                compiler,
                &[
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-pedantic",
                    standard,
                    &include,
                    "-c",
                    &source,
                    "-o",
                    &d("use.o"),
                ],
            );
            assert_ok(&o, &format!("{compiler} {standard}"));
        }
    }
}

const HOST_PROGRAM: &str = r#"#include <stdio.h>
#include "app.h"
void env_led_set(void *vmctx, int32_t on) { (void)vmctx; printf("led %d\n", on); }
int main(void) {
    wafer_instance *app;
    wafer_trap trap;
    int32_t r = 0;
    if (app_instantiate(&app, &trap) != WAFER_OK) return 2;
    if (app_blink(app, 2, &r, &trap) != WAFER_OK) return 3;
    printf("blink %d\n", r);
    wafer_status s = app_div(app, 1, 0, &r, &trap);
    printf("status %d code %u: %.*s (%s)\n", s, trap.code, (int)trap.message_len,
           trap.message, wafer_trap_message(trap.code));
    s = app_div(app, -9, 3, &r, &trap);
    printf("status %d: %d\n", s, r);
    return 0;
}
"#;

/// Compiles each `(module path, name)` for x86_64 with its header, writes
/// the Linux runtime library, and links `program` (C source) with them by
/// gcc into an executable in `dir`; returns its path.
fn linux_program(dir: &Path, modules: &[(&str, &str)], program: &str) -> String {
    let d = |name: &str| path_str(&dir.join(name));
    let mut objects = Vec::new();
    for (module, name) in modules {
        let object = d(&format!("{name}.o"));
        assert_ok(
            &wafer(&[
                "compile",
                module,
                "--target",
                "x86_64",
                "-o",
                &object,
                "--header",
                &d(&format!("{name}.h")),
            ]),
            "wafer compile",
        );
        objects.push(object);
    }
    assert_ok(
        &wafer(&["runtime", "--target", "x86_64", "-o", &d("libwafer_rt.a")]),
        "wafer runtime",
    );
    let source = module_file(dir, "main.c", program);
    let include = format!("-I{}", dir.display());
    let library = d("libwafer_rt.a");
    let executable = d("program");
    // The runtime is not position-independent: -no-pie.
    let mut args = vec!["-no-pie", "-Wall", "-Werror", "-std=c11", &include, &source];
    args.extend(objects.iter().map(String::as_str));
    args.extend([library.as_str(), "-o", executable.as_str()]);
    assert_ok(&tool("gcc", &args), "gcc");
    executable
}

#[test]
fn a_linux_program_links_the_library_and_gets_traps_as_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let app = path_str(&examples().join("embed-c/app.wat"));
    let program = linux_program(dir.path(), &[(&app, "app")], HOST_PROGRAM);
    // The header goes beside the library unless --header says otherwise.
    assert!(dir.path().join("wafer_rt.h").is_file());
    let o = tool(&program, &[]);
    assert_eq!(
        stdout(&o),
        "led 0\nled 1\nblink 2\n\
         status 1 code 8: integer divide by zero (integer divide by zero)\n\
         status 0: -3\n",
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(0));
}

/// An import that calls back into the instance whose call is running it;
/// the inner call traps.
const REENTRANT_PROGRAM: &str = r#"#include <stdio.h>
#include "app.h"
static wafer_instance *app;
void env_led_set(void *vmctx, int32_t on) {
    wafer_trap t;
    int32_t r = 0;
    (void)vmctx;
    wafer_status s = app_div(app, 1, 0, &r, &t);
    printf("inner %d: status %d %.*s\n", on, s, (int)t.message_len, t.message);
}
int main(void) {
    wafer_trap trap;
    int32_t r = 0;
    if (app_instantiate(&app, &trap) != WAFER_OK) return 2;
    wafer_status s = app_blink(app, 2, &r, &trap);
    printf("outer: status %d result %d\n", s, r);
    return 0;
}
"#;

#[test]
fn an_import_calling_back_into_wasm_gets_the_inner_trap_and_the_outer_call_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let app = path_str(&examples().join("embed-c/app.wat"));
    let program = linux_program(dir.path(), &[(&app, "app")], REENTRANT_PROGRAM);
    let o = tool(&program, &[]);
    assert_eq!(
        stdout(&o),
        "inner 0: status 1 integer divide by zero\n\
         inner 1: status 1 integer divide by zero\n\
         outer: status 0 result 2\n",
        "{}",
        stderr(&o)
    );
}

const SECOND_MODULE: &str = r#"(module
  (func (export "boom") (result i32) unreachable)
  (func (export "div") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1))))"#;

const TWO_MODULES_PROGRAM: &str = r#"#include <stdio.h>
#include "app.h"
#include "b.h"
void env_led_set(void *vmctx, int32_t on) { (void)vmctx; (void)on; }
static void show(const char *what, wafer_status s, const wafer_trap *t) {
    printf("%s: %d %.*s in %.*s!%.*s\n", what, s, (int)t->message_len, t->message,
           (int)t->module_len, t->module, (int)t->function_len, t->function);
}
int main(void) {
    wafer_instance *a, *b1, *b2;
    wafer_trap t;
    int32_t r;
    if (app_instantiate(&a, &t) || b_instantiate(&b1, &t) || b_instantiate(&b2, &t)) return 2;
    show("b2.boom", b_boom(b2, &r, &t), &t);
    show("b1.div", b_div(b1, 5, 0, &r, &t), &t);
    show("app.div", app_div(a, 5, 0, &r, &t), &t);
    wafer_status s = b_div(b1, 7, 4, &r, &t);
    printf("b1.div(7, 4) %d -> %d\n", s, r);
    return 0;
}
"#;

#[test]
fn two_modules_and_two_instances_of_one_each_report_their_own_traps() {
    let dir = tempfile::tempdir().unwrap();
    let app = path_str(&examples().join("embed-c/app.wat"));
    let second = module_file(dir.path(), "b.wat", SECOND_MODULE);
    let modules = [(app.as_str(), "app"), (second.as_str(), "b")];
    let program = linux_program(dir.path(), &modules, TWO_MODULES_PROGRAM);
    let o = tool(&program, &[]);
    assert_eq!(
        stdout(&o),
        "b2.boom: 1 unreachable in b!boom\n\
         b1.div: 1 integer divide by zero in b!div\n\
         app.div: 1 integer divide by zero in app!div\n\
         b1.div(7, 4) 0 -> 3\n",
        "{}",
        stderr(&o)
    );
}

/// State of every kind a reset must restore.
const RESETTABLE: &str = r#"(module
  (memory (export "memory") 1 4)
  (global $g (mut i32) (i32.const 5))
  (global $starts (mut i32) (i32.const 0))
  (table 2 funcref)
  (elem (i32.const 0) $seven)
  (data (i32.const 16) "hi")
  (func $seven (result i32) (i32.const 7))
  (func $start (global.set $starts (i32.add (global.get $starts) (i32.const 1))))
  (start $start)
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
  (func (export "starts") (result i32) (global.get $starts))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "size") (result i32) (memory.size))
  (func (export "call0") (result i32) (call_indirect (result i32) (i32.const 0)))
  (func (export "clear") (table.set (i32.const 0) (ref.null func))))"#;

const RESET_PROGRAM: &str = r#"#include <stdio.h>
#include "r.h"
static void state(wafer_instance *m) {
    wafer_trap t;
    int32_t g = 0, starts = 0, size = 0, called = 0;
    uint64_t length;
    uint8_t *memory = r_memory(m, &length);
    r_bump(m, &g, &t);
    r_starts(m, &starts, &t);
    r_size(m, &size, &t);
    wafer_status s = r_call0(m, &called, &t);
    printf("bump %d starts %d pages %d length %llu data %c%c byte100 %d call0 %d/%d\n", g,
           starts, size, (unsigned long long)length, memory[16], memory[17], memory[100], s,
           s == WAFER_OK ? called : (int)t.code);
}
int main(void) {
    wafer_instance *m;
    wafer_trap t;
    int32_t r;
    if (r_instantiate(&m, &t) != WAFER_OK) return 2;
    state(m);
    uint64_t length;
    uint8_t *memory = r_memory(m, &length);
    memory[16] = 'X';
    memory[100] = 42;
    r_grow(m, &r, &t);
    r_clear(m, &t);
    state(m);
    printf("reset %d\n", r_reset(m, &t));
    state(m);
    return 0;
}
"#;

#[test]
fn reset_restores_memory_tables_globals_and_reruns_the_start_function() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "r.wat", RESETTABLE);
    let program = linux_program(dir.path(), &[(&module, "r")], RESET_PROGRAM);
    let o = tool(&program, &[]);
    // Trap code 5: uninitialized element.
    assert_eq!(
        stdout(&o),
        "bump 6 starts 1 pages 1 length 65536 data hi byte100 0 call0 0/7\n\
         bump 7 starts 1 pages 2 length 131072 data Xi byte100 42 call0 1/5\n\
         reset 0\n\
         bump 6 starts 1 pages 1 length 65536 data hi byte100 0 call0 0/7\n",
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_header_that_would_overwrite_the_object_or_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "m.wat", "(module)");
    let d = |name: &str| path_str(&dir.path().join(name));
    let compile = |header: &str| {
        wafer(&[
            "compile",
            &module,
            "--target",
            "x86_64",
            "-o",
            &d("m.o"),
            "--header",
            header,
        ])
    };
    assert_clean_error(&compile(&d("m.o")), "is the output object");
    assert_clean_error(&compile(&module), "is the input");
    assert_clean_error(&compile(&d("no/such/dir/m.h")), "no/such/dir");
    // Neither output exists after a refusal.
    assert!(!dir.path().join("m.o").exists());
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "only the input is left: {entries:?}");
}

#[test]
fn an_unwritable_header_leaves_no_object_behind() {
    let dir = tempfile::tempdir().unwrap();
    let module = module_file(dir.path(), "m.wat", "(module)");
    let object = dir.path().join("m.o");
    // No user, root included, can create a file in /proc.
    let o = wafer(&[
        "compile",
        &module,
        "--target",
        "x86_64",
        "-o",
        &path_str(&object),
        "--header",
        "/proc/wafer-embed-test.h",
    ]);
    assert_clean_error(&o, "/proc");
    assert!(
        !object.exists(),
        "the object must not exist without its header"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn runtime_refuses_boards_it_cannot_build_a_library_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("lib.a"));
    let run = |args: &[&str]| {
        let mut all = vec!["runtime", "-o", out.as_str()];
        all.extend_from_slice(args);
        wafer(&all)
    };
    assert_clean_error(
        &run(&["--target", "x86_64", "--board", "linux-x86_64"]),
        "not a bare-metal board",
    );
    assert_clean_error(
        &run(&["--target", "riscv64", "--board", "qemu-virt-aarch64"]),
        "is aarch64, not riscv64",
    );
    assert_clean_error(&run(&["--target", "x86_64", "--board", "nope"]), "nope");
    assert_clean_error(
        &run(&[
            "--target",
            "aarch64",
            "--board",
            "qemu-virt-aarch64",
            "--platform",
            "linux",
        ]),
        "cannot go with --platform linux",
    );
    assert_clean_error(
        &run(&["--target", "x86_64", "--header", out.as_str()]),
        "would overwrite the library",
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
