//! The bad-input catalog: every way a user can hand wafer something wrong,
//! one row each. Every row runs `wafer` once in a fresh directory and
//! checks the same promises:
//!
//! - the expected outcome: one `error:` line naming the problem and exit 1
//!   (usage errors from the argument parser: exit 2), or the spec's trap
//!   message and exit 134 for modules that trap when they run;
//! - no Rust panic, and no error line that prints an internal structure
//!   (`Foo { .. }`, `Some(..)`);
//! - no hang: the row's wall-clock bound, after which wafer is killed and
//!   the row fails;
//! - the input is untouched and the directory holds nothing new afterwards
//!   (no output, no `.wafer-*` temporary), and wafer's private TMPDIR is
//!   empty;
//! - peak memory (the largest resident set of wafer and anything it waited
//!   for: lld, QEMU, the image; see `measure.rs`) below the row's bound.
//!
//! Inputs are made here: WebAssembly text, or binaries assembled with the
//! helpers below, so every byte of a case is visible in this file.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::measure::{self, Measured};
use super::wasm_bytes::{leb, module, section, vector};

/// Makes a case's input bytes.
type Generator = Box<dyn Fn() -> Vec<u8> + Send + Sync>;

/// What a row expects of wafer.
#[derive(Clone, Debug)]
enum Expect {
    /// Exit 1, exactly one line `error: ...` containing the text.
    Error(&'static str),
    /// Exit 2 (a usage error), exactly one line `error: ...` containing the
    /// text.
    Usage(&'static str),
    /// Exit 134, stderr starting with `trap: <message>`, stdout empty.
    Trap(&'static str),
    /// Exit 0 with the output file written, or a clean error containing
    /// the text: for inputs at the limits (owned by the `limits` work),
    /// where either is honest but a crash, hang or memory blow-up is not.
    CompilesOrError(&'static str),
    /// Exit 0, the output file written (a valid module next to bad ones).
    Builds,
    /// A command that never returns: after the image has started, SIGTERM
    /// must end wafer with 143 and leave nothing behind.
    StoppedBySigterm,
    /// A non-zero exit without a crash: a module that must not look
    /// successful, whatever its exact exit code.
    Fails,
}

/// One row of the catalog.
struct Case {
    name: &'static str,
    /// The input file's name in the case directory and what makes its
    /// contents; `None` leaves it missing. Made when the row runs, so that
    /// the catalog's megabytes do not sit in this process (whose size is
    /// the floor of every child's measured peak).
    input: Option<(&'static str, Generator)>,
    /// `wafer` arguments; `{in}` is the input's path, `{out}` the output's
    /// (`out.bin` in the case directory), `{dir}` the case directory.
    args: Vec<String>,
    expect: Expect,
    /// Wall-clock bound.
    seconds: u64,
    /// Bound on peak resident memory.
    max_mib: u64,
    /// Prepares extra files in the case directory (links, objects).
    setup: Option<fn(&Path)>,
    /// The branch whose work the row checks, when that is not this one's:
    /// named in the failure so that a row failing before the merge is
    /// recognised.
    needs: Option<&'static str>,
}

/// Default bounds: a debug build of wafer answers a small module in well
/// under a second (measured: at most 0.4 s, QEMU included) and its peak
/// reads as ~60 MiB, most of it this test process (see the module docs).
const SECONDS: u64 = 10;
const MAX_MIB: u64 = 160;
const MIB: u64 = 1024 * 1024;

impl Case {
    fn new(name: &'static str, args: &str, expect: Expect) -> Case {
        Case {
            name,
            input: None,
            args: args.split_whitespace().map(String::from).collect(),
            expect,
            seconds: SECONDS,
            max_mib: MAX_MIB,
            setup: None,
            needs: None,
        }
    }

    fn needs(mut self, branch: &'static str) -> Case {
        self.needs = Some(branch);
        self
    }

    fn file(self, name: &'static str, bytes: impl Into<Vec<u8>>) -> Case {
        let bytes = bytes.into();
        self.file_made(name, move || bytes.clone())
    }

    /// An input made only when the row runs (large inputs).
    fn file_made(
        mut self,
        name: &'static str,
        make: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Case {
        self.input = Some((name, Box::new(make)));
        self
    }

    fn bounds(mut self, seconds: u64, max_mib: u64) -> Case {
        self.seconds = seconds;
        self.max_mib = max_mib;
        self
    }

    fn setup(mut self, setup: fn(&Path)) -> Case {
        self.setup = Some(setup);
        self
    }
}

/// `wafer compile` of a `.wasm` binary for x86_64.
fn compile_wasm(name: &'static str, bytes: Vec<u8>, expect: Expect) -> Case {
    Case::new(name, "compile {in} --target x86_64 -o {out}", expect).file("m.wasm", bytes)
}

/// `wafer compile` of a large `.wasm` binary made when the row runs.
fn compile_made(
    name: &'static str,
    make: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    expect: Expect,
) -> Case {
    Case::new(name, "compile {in} --target x86_64 -o {out}", expect).file_made("m.wasm", make)
}

/// `wafer compile` of a `.wat` text for x86_64.
fn compile_wat(name: &'static str, text: &str, expect: Expect) -> Case {
    Case::new(name, "compile {in} --target x86_64 -o {out}", expect).file("m.wat", text)
}

/// `wafer run` of a `.wat` text on the host.
fn run_wat(name: &'static str, text: &str, expect: Expect) -> Case {
    Case::new(name, "run {in}", expect).file("m.wat", text)
}

// ---- hand-assembled binaries -------------------------------------------

/// A function body: size, local groups `(count, type)`, code (with `end`).
fn body(locals: &[(u64, u8)], code: &[u8]) -> Vec<u8> {
    let groups: Vec<Vec<u8>> = locals
        .iter()
        .map(|&(count, ty)| {
            let mut g = leb(count);
            g.push(ty);
            g
        })
        .collect();
    let mut inner = vector(&groups);
    inner.extend_from_slice(code);
    let mut out = leb(inner.len() as u64);
    out.extend(inner);
    out
}

/// Type section with one type `() -> ()`.
fn void_type() -> Vec<u8> {
    section(1, &vector(&[vec![0x60, 0, 0]]))
}

/// A module with `functions` functions of type `() -> ()`, all with `code`.
fn functions(count: usize, locals: &[(u64, u8)], code: &[u8]) -> Vec<u8> {
    let one = body(locals, code);
    let mut bodies = leb(count as u64);
    for _ in 0..count {
        bodies.extend_from_slice(&one);
    }
    let mut declared = leb(count as u64);
    declared.extend(std::iter::repeat_n(0u8, count));
    module(&[void_type(), section(3, &declared), section(10, &bodies)])
}

/// A module with one function `() -> ()` whose body is `code`.
fn one_function(code: &[u8]) -> Vec<u8> {
    functions(1, &[], code)
}

/// `(memory min)` as a memory section (limits without a maximum).
fn memory_section(min: u64) -> Vec<u8> {
    let mut memory = vec![0x00];
    memory.extend(leb(min));
    section(5, &vector(&[memory]))
}

/// A valid module with one exported function, to damage.
fn exported_function(name: &[u8]) -> Vec<u8> {
    let mut export = leb(name.len() as u64);
    export.extend_from_slice(name);
    export.extend([0x00, 0x00]); // function 0
    module(&[
        void_type(),
        section(3, &vector(&[vec![0]])),
        section(7, &vector(&[export])),
        section(10, &vector(&[body(&[], &[0x0b])])),
    ])
}

// ---- the catalog -------------------------------------------------------

fn catalog() -> Vec<Case> {
    use Expect::*;
    let valid = exported_function(b"_start");
    let mut cases = vec![
        // -- files that are not modules, and the header (defect 2)
        compile_wasm(
            "empty .wasm",
            vec![],
            Error("not a WebAssembly binary (expected \\0asm, found end of file)"),
        ),
        compile_wasm(
            "wrong magic",
            b"\0asn\x01\0\0\0".to_vec(),
            Error("not a WebAssembly binary (expected \\0asm, found 00 61 73 6e)"),
        ),
        compile_wasm(
            "text in a .wasm file",
            b"(module)".to_vec(),
            Error("not a WebAssembly binary (expected \\0asm, found 28 6d 6f 64)"),
        ),
        compile_wasm(
            "ELF object named .wasm",
            b"\x7fELF\x02\x01\x01\0".to_vec(),
            Error("found 7f 45 4c 46"),
        ),
        compile_wasm(
            "magic without a version",
            b"\0asm".to_vec(),
            Error("unsupported version (expected 01 00 00 00, found end of file)"),
        ),
        compile_wasm(
            "component-model version",
            b"\0asm\x0d\0\x01\0".to_vec(),
            Error("unsupported version (expected 01 00 00 00, found 0d 00 01 00)"),
        ),
        compile_wasm(
            "version 2",
            b"\0asm\x02\0\0\0".to_vec(),
            Error("found 02 00 00 00"),
        ),
        Case::new(
            "binary garbage named .wat",
            "compile {in} --target x86_64 -o {out}",
            Error("neither a WebAssembly binary"),
        )
        .file("m.wat", vec![0xff, 0xfe, 0x00, 0x80]),
        Case::new(
            "invalid UTF-8 in a .wat file",
            "compile {in} --target x86_64 -o {out}",
            Error("nor UTF-8 text"),
        )
        .file("m.wat", b"(module (func $\xc3\x28))".to_vec()),
        compile_wat(
            "WAT syntax error",
            "(module (func (i32.add",
            Error("m.wat:1:23: expected an instruction"),
        ),
        compile_wat(
            "unknown WAT instruction",
            "(module (func i32.frobnicate))",
            Error("unknown operator"),
        ),
        compile_wat(
            "empty .wat file",
            "",
            Error("m.wat:1:1: expected at least one module field"),
        ),
        // -- damaged binaries
        compile_wasm(
            "truncated section",
            {
                let mut m = valid.clone();
                m.truncate(m.len() - 3);
                m
            },
            Error("unexpected end"),
        ),
        compile_wasm(
            "section longer than the file",
            module(&[vec![1, 0x7f, 0x01, 0x60]]),
            Error("unexpected end"),
        ),
        compile_wasm(
            "section shorter than its contents",
            module(&[section(1, &[0x02, 0x60, 0, 0])]),
            Error("unexpected end"),
        ),
        compile_wasm(
            "LEB128 longer than 5 bytes",
            module(&[vec![1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]]),
            Error("invalid var_u32: integer representation too long"),
        ),
        compile_wasm(
            "LEB128 value above u32",
            module(&[vec![1, 0xff, 0xff, 0xff, 0xff, 0x7f]]),
            Error("integer too large"),
        ),
        compile_wasm(
            "type count of 2^32-1",
            module(&[section(1, &leb(u32::MAX as u64))]),
            Error("types count exceeds limit of 1000000"),
        ),
        compile_wasm(
            "function count of 2^32-1",
            module(&[void_type(), section(3, &leb(u32::MAX as u64))]),
            Error("functions count exceeds limit of 1000000"),
        ),
        compile_wasm(
            "local count of 2^32-1",
            functions(1, &[(u32::MAX as u64, 0x7f)], &[0x0b]),
            Error("too many locals"),
        ),
        compile_wasm(
            "50001 locals in two groups",
            functions(1, &[(25_000, 0x7f), (25_001, 0x7e)], &[0x0b]),
            Error("too many locals"),
        ),
        compile_wasm(
            "more bodies than functions",
            module(&[
                void_type(),
                section(3, &vector(&[vec![0]])),
                section(10, &vector(&[body(&[], &[0x0b]), body(&[], &[0x0b])])),
            ]),
            Error("function and code section have inconsistent lengths"),
        ),
        compile_wasm(
            "function without a body",
            module(&[void_type(), section(3, &vector(&[vec![0]]))]),
            Error("function section has non-zero count but code section is absent"),
        ),
        compile_wasm(
            "unknown section id",
            module(&[section(0x20, &[])]),
            Error("malformed section id"),
        ),
        compile_wasm(
            "sections out of order",
            module(&[section(3, &vector(&[])), void_type()]),
            Error("section out of order"),
        ),
        compile_wasm(
            "unknown opcode",
            one_function(&[0xff, 0x0b]),
            Error("illegal opcode: 0xff"),
        ),
        compile_wasm(
            "unknown 0xfc sub-opcode",
            one_function(&[0xfc, 0x7f, 0x0b]),
            Error("unknown 0xfc subopcode"),
        ),
        compile_wasm(
            "body without its final end",
            one_function(&[0x01]),
            Error("control frames remain at end of function body"),
        ),
        compile_wasm(
            "invalid UTF-8 export name",
            exported_function(b"\xff\xfe"),
            Error("malformed UTF-8 encoding"),
        ),
        compile_wasm(
            "export name longer than the section",
            {
                let mut export = leb(1000);
                export.extend_from_slice(b"abc");
                module(&[void_type(), section(7, &vector(&[export]))])
            },
            Error("unexpected end"),
        ),
        compile_wasm(
            "data count disagrees with the data section",
            module(&[
                memory_section(1),
                section(12, &leb(2)),
                section(11, &vector(&[])),
            ]),
            Error("data count and data section have inconsistent lengths"),
        ),
        compile_made(
            "body larger than 7 654 321 bytes",
            // One body of 7.6 MB of `nop`s: over wasmparser's limit.
            || one_function(&[vec![0x01; 7_654_400], vec![0x0b]].concat()),
            Error("function body size"),
        ),
        // -- modules that decode but do not validate
        compile_wat(
            "type mismatch",
            "(module (func (result i32)))",
            Error("type mismatch"),
        ),
        compile_wat(
            "unknown local",
            "(module (func (drop (local.get 3))))",
            Error("unknown local"),
        ),
        compile_wasm(
            "call of an unknown function",
            one_function(&[0x10, 0x05, 0x0b]),
            Error("unknown function"),
        ),
        compile_wasm(
            "branch to an unknown label",
            one_function(&[0x0c, 0x01, 0x0b]),
            Error("unknown label"),
        ),
        compile_wat(
            "start function with parameters",
            "(module (func $f (param i32)) (start $f))",
            Error("invalid start function type"),
        ),
        compile_wasm(
            "start function out of range",
            module(&[void_type(), section(8, &leb(7))]),
            Error("unknown function"),
        ),
        compile_wat(
            "duplicate export names",
            r#"(module (func $f) (export "a" (func $f)) (export "a" (func $f)))"#,
            Error("duplicate export name"),
        ),
        compile_wat(
            "memory above 65536 pages",
            "(module (memory 65537))",
            Error("memory size must be at most 0x10000 65536-byte pages"),
        ),
        // Typed function references (a proposal wafer does not compile).
        compile_wat(
            "a typed function reference",
            "(module (type $t (func)) (func (param (ref null $t))))",
            Error("function references required"),
        ),
        compile_wat(
            "a GC struct type",
            "(module (type (struct)))",
            Error("without the gc feature"),
        ),
        compile_wat(
            "shared memory without a maximum",
            "(module (memory 1 shared))",
            Error("shared memory must have maximum size"),
        ),
        // The bare-metal runtime does not switch the vector unit on.
        Case::new(
            "the V preset on a bare-metal riscv64 board",
            "build {in} --board qemu-virt-riscv64 --cpu rv64gcv -o {out}",
            Error("the CPU preset `rv64gcv` is not supported on the bare-metal board qemu-virt-riscv64"),
        )
        .file("m.wat", "(module (func (export \"_start\")))"),
        compile_wasm(
            "memory.init without a data count section",
            // (The text format adds the data count section by itself.)
            module(&[
                void_type(),
                section(3, &vector(&[vec![0]])),
                memory_section(1),
                section(
                    10,
                    &vector(&[body(
                        &[],
                        &[0x41, 0, 0x41, 0, 0x41, 1, 0xfc, 0x08, 0x00, 0x00, 0x0b],
                    )]),
                ),
                section(11, &vector(&[vec![0x01, 0x01, b'x']])),
            ]),
            Error("data count section required"),
        ),
        compile_wat(
            "global initialised with the wrong type",
            "(module (global i32 (i64.const 1)))",
            Error("type mismatch"),
        ),
        // -- at the limits (the `limits` work): compile or refuse, within
        //    bounds, never crash
        compile_made(
            "100 000 functions",
            || functions(100_000, &[], &[0x0b]),
            CompilesOrError("functions"),
        )
        // Measured: 14 s and 139 MiB for a debug build sharing two cores.
        .needs("limits")
        .bounds(40, 400),
        compile_made(
            "1 000 000 nested blocks",
            || {
                one_function(
                    &[
                        [0x02, 0x40].repeat(1_000_000),
                        vec![0x0b; 1_000_000],
                        vec![0x0b],
                    ]
                    .concat(),
                )
            },
            CompilesOrError("nest"),
        )
        // Like the million operand-stack values below; needs the `limits`
        // work (on the `cli` branch alone it does not finish in 20 s).
        .needs("limits")
        .bounds(20, 400),
        compile_made(
            "1 000 000 values on the operand stack",
            // (i32.const 0) x 1e6, then (drop) x 1e6
            || {
                one_function(
                    &[
                        [0x41, 0x00].repeat(1_000_000),
                        vec![0x1a; 1_000_000],
                        vec![0x0b],
                    ]
                    .concat(),
                )
            },
            CompilesOrError("operand stack"),
        )
        // Measured: 2.9 s and 93 MiB.
        .needs("limits")
        .bounds(20, 400),
        compile_made(
            "7.6 MB body of nops",
            // Just under wasmparser's 7 654 321-byte limit.
            || one_function(&[vec![0x01; 7_600_000], vec![0x0b]].concat()),
            CompilesOrError("function"),
        )
        .needs("limits")
        // Measured: 0.7 s; wafer's own peak 21 MiB.
        .bounds(20, 200),
        compile_made(
            "7.6 MB body of 2.5 million instructions",
            // (i32.const 0) (drop), 2 533 000 times.
            || one_function(&[[0x41, 0x00, 0x1a].repeat(2_533_000), vec![0x0b]].concat()),
            CompilesOrError("function"),
        )
        .needs("limits")
        // Measured: 2.4 s; wafer's own peak 214 MiB.
        .bounds(30, 400),
        Case::new(
            "4 GiB memory on a bare-metal board",
            "build {in} --board qemu-virt-riscv64 -o {out}",
            Error("needs 65536 pages = 4096.00 MiB of RAM"),
        )
        .file(
            "m.wat",
            "(module (memory 65536) (func (export \"_start\")))",
        ),
        run_wat(
            "4 GiB memory declared and run on the host",
            // Reserved, not touched: little resident memory.
            "(module (memory 65536) (func (export \"_start\")))",
            CompilesOrError("memory"),
        ),
        // -- files and outputs
        Case::new(
            "missing input",
            "compile {dir}/nope.wasm --target x86_64 -o {out}",
            Error("No such file or directory"),
        ),
        Case::new(
            "input is a directory",
            "compile {dir} --target x86_64 -o {out}",
            Error("Is a directory"),
        ),
        Case::new(
            "output directory does not exist",
            "compile {in} --target x86_64 -o {dir}/no/such/out.o",
            Error("does not exist"),
        )
        .file("m.wasm", valid.clone()),
        Case::new(
            "output is a directory",
            "compile {in} --target x86_64 -o {dir}/sub",
            Error("it is a directory; give a file name"),
        )
        .file("m.wasm", valid.clone())
        .setup(|dir| std::fs::create_dir(dir.join("sub")).unwrap()),
        Case::new(
            "output name ending in /",
            "compile {in} --target x86_64 -o {dir}/new/",
            Error("a file name cannot end with `/`"),
        )
        .file("m.wasm", valid.clone()),
        Case::new(
            "output in an unwritable place",
            "compile {in} --target x86_64 -o /proc/wafer.o",
            Error("cannot create a file in /proc"),
        )
        .file("m.wasm", valid.clone()),
        // -- the output is the input (defect 1)
        Case::new(
            "build -o the input",
            "build {in} -o {in}",
            Error("refusing to overwrite"),
        )
        .file("m.wat", "(module (func (export \"_start\")))"),
        Case::new(
            "compile -o the input",
            "compile {in} --target x86_64 -o {in}",
            Error("refusing to overwrite"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "-o the input spelled differently",
            "compile {in} --target x86_64 -o {dir}/./m.wat",
            Error("refusing to overwrite"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "-o a symlink to the input",
            "compile {in} --target x86_64 -o {dir}/link.wat",
            Error("refusing to overwrite"),
        )
        .file("m.wat", "(module)")
        .setup(|dir| std::os::unix::fs::symlink(dir.join("m.wat"), dir.join("link.wat")).unwrap()),
        Case::new(
            "-o a hard link to the input",
            "build {in} -o {dir}/hard.wat",
            Error("refusing to overwrite"),
        )
        .file("m.wat", "(module)")
        .setup(|dir| std::fs::hard_link(dir.join("m.wat"), dir.join("hard.wat")).unwrap()),
        Case::new(
            "-o a --link object",
            "build {in} --link {dir}/lib.o -o {dir}/lib.o",
            Error("the input"),
        )
        .file("m.wat", "(module)")
        .setup(|dir| std::fs::write(dir.join("lib.o"), b"\x7fELF not really").unwrap()),
        Case::new(
            "--link a missing object",
            "build {in} --link {dir}/nope.o -o {out}",
            Error("nope.o"),
        )
        .file("m.wat", r#"(module (import "env" "f" (func)))"#),
        Case::new(
            "--link a file that is not an object",
            "build {in} --link {dir}/junk.o -o {out}",
            Error("junk.o"),
        )
        .file("m.wat", r#"(module (import "env" "f" (func)))"#)
        .setup(|dir| std::fs::write(dir.join("junk.o"), b"not an object").unwrap()),
        Case::new(
            "import nobody provides",
            "build {in} -o {out}",
            Error("env_sensor_read"),
        )
        .file("m.wat", r#"(module (import "env" "sensor_read" (func)))"#),
        // -- formats and boards (defect 3)
        Case::new(
            "--format bin for a Linux board",
            "build {in} --board linux-aarch64 --format bin -o {out}",
            Error("--format bin is for flashing bare-metal boards"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "--format hex for the host",
            "build {in} --format hex -o {out}",
            Error("host is a Linux board"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "unknown board",
            "build {in} --board pdp11 -o {out}",
            Error("unknown board `pdp11`"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "unknown target",
            "compile {in} --target mips -o {out}",
            Error("unknown target `mips`"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "unknown CPU",
            "compile {in} --target riscv64 --cpu z80 -o {out}",
            Error("unknown CPU `z80`"),
        )
        .file("m.wat", "(module)"),
        // -- flags and values the parser rejects
        Case::new(
            "unknown flag",
            "compile {in} --target x86_64 --frobnicate -o {out}",
            Usage("--frobnicate"),
        )
        .file("m.wat", "(module)"),
        Case::new("unknown command", "frobnicate {in}", Usage("frobnicate"))
            .file("m.wat", "(module)"),
        Case::new(
            "unknown --format",
            "build {in} --format srec -o {out}",
            Usage("srec"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "--max-memory above 65536",
            "build {in} --max-memory 65537 -o {out}",
            Usage("65537"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "--stack-size not a number",
            "build {in} --stack-size lots -o {out}",
            Usage("lots"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "--env without =",
            "build {in} --env NOVALUE -o {out}",
            Usage("KEY=VALUE"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "build without -o",
            "build {in}",
            Usage("required arguments were not provided: --output <OUTPUT>"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "--gdb port not a number",
            "run {in} --board qemu-virt-riscv64 --gdb=http",
            Usage("http"),
        )
        .file("m.wat", "(module (func (export \"_start\")))"),
        Case::new(
            "size of a file that is not ELF",
            "size {in}",
            Error("m.wat"),
        )
        .file("m.wat", "(module)"),
        Case::new(
            "size of a missing file",
            "size {dir}/nope.elf",
            Error("cannot read"),
        ),
        // -- `--invoke` mistakes
        Case::new(
            "--invoke an unknown export",
            "run {in} --invoke nope",
            Error("the module exports no function `nope`; its exported functions: add"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke with too few arguments",
            "run {in} --invoke add 1",
            Error("`add` takes 2 argument(s) (i32, i32), but 1 were given"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke with too many arguments",
            "run {in} --invoke add 1 2 3",
            Error("but 3 were given"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke with a word for an i32",
            "run {in} --invoke add 1 x",
            Error("`x` is not a valid i32"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke with an i32 out of range",
            "run {in} --invoke add 1 4294967296",
            Error("`4294967296` is not a valid i32"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke with a malformed float",
            "run {in} --invoke half 1.2.3",
            Error("`1.2.3` is not a valid f64"),
        )
        .file("m.wat", ADD),
        Case::new(
            "--invoke a memory export",
            "run {in} --invoke mem",
            Error("exports no function `mem`"),
        )
        .file("m.wat", ADD),
        Case::new(
            "run a module without _start",
            "run {in}",
            Error("exports no `_start` function"),
        )
        .file("m.wat", ADD),
        // -- modules that trap when they run (the spec's messages)
        run_wat(
            "start function traps",
            r#"(module (func $s unreachable) (start $s) (func (export "_start")))"#,
            Trap("unreachable"),
        ),
        run_wat(
            "data segment out of bounds",
            r#"(module (memory 1) (data (i32.const 65535) "ab") (func (export "_start")))"#,
            Trap("out of bounds memory access"),
        ),
        run_wat(
            "element segment out of bounds",
            r#"(module (table 1 funcref) (elem (i32.const 1) $f) (func $f) (func (export "_start")))"#,
            Trap("out of bounds table access"),
        ),
        run_wat(
            "unbounded recursion",
            r#"(module (func $f (export "_start") (call $f)))"#,
            Trap("call stack exhausted"),
        ),
        run_wat(
            "divide by zero",
            r#"(module (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 0)))))"#,
            Trap("integer divide by zero"),
        ),
        Case::new(
            "start function traps on a bare-metal board",
            "run {in} --board qemu-virt-riscv64",
            Trap("unreachable"),
        )
        .file(
            "m.wat",
            r#"(module (func $s unreachable) (start $s) (func (export "_start")))"#,
        ),
        // -- runtime checks (the `rt` work)
        run_wat(
            "proc_exit(256) does not look like success",
            // An exit status keeps 8 bits: 256 must not become 0.
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (func (export "_start") (call $exit (i32.const 256))))"#,
            Fails,
        )
        .needs("rt"),
        Case::new(
            "WASI import with the wrong signature",
            "build {in} -o {out}",
            Error("fd_write"),
        )
        .file(
            "m.wat",
            r#"(module (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32)))
                     (func (export "_start") (call $w (i32.const 1))))"#,
        )
        .needs("rt"),
        Case::new(
            "--stack-size of 2^64-1",
            "build {in} --stack-size 18446744073709551615 -o {out}",
            Usage("--stack-size"),
        )
        .file("m.wat", "(module)")
        .needs("rt"),
        // -- a start function that never returns: valid, so it builds; it
        //    runs until stopped, and stopping it leaves nothing behind
        Case::new(
            "build of a start function that never returns",
            "build {in} -o {out}",
            Builds,
        )
        .file("m.wat", SPIN_IN_START),
        Case::new(
            "run of a start function that never returns",
            "run {in}",
            StoppedBySigterm,
        )
        .file("m.wat", SPIN_IN_START),
        Case::new(
            "run of a start function that never returns on a bare-metal board",
            "run {in} --board qemu-virt-riscv64",
            StoppedBySigterm,
        )
        .file("m.wat", SPIN_IN_START),
    ];
    for case in &mut cases {
        if case.input.is_none() && case.args.iter().any(|a| a.contains("{in}")) {
            panic!("case `{}` uses {{in}} without an input", case.name);
        }
    }
    cases
}

/// A library module for the `--invoke` rows.
const ADD: &str = r#"(module (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5))))"#;

/// A start function that loops forever.
const SPIN_IN_START: &str =
    r#"(module (func $s (loop (br 0))) (start $s) (func (export "_start")))"#;

// ---- running a row -----------------------------------------------------

/// Runs wafer for `case` in `dir` with `tmp` as TMPDIR.
fn run_case(case: &Case, dir: &Path, tmp: &Path) -> Result<Measured, String> {
    let input = case
        .input
        .as_ref()
        .map(|(name, _)| dir.join(name))
        .unwrap_or_default();
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            a.replace("{in}", &input.to_string_lossy())
                .replace("{out}", &dir.join("out.bin").to_string_lossy())
                .replace("{dir}", &dir.to_string_lossy())
        })
        .collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wafer"));
    command.args(&args).env("TMPDIR", tmp);
    // Output goes to files beside (not into) TMPDIR, which must stay empty.
    let running = measure::spawn(&command, &tmp.with_extension("run"));
    let bound = Duration::from_secs(case.seconds);
    if matches!(case.expect, Expect::StoppedBySigterm) {
        let wafer = running.program_pid(bound);
        super::hygiene::started_child(wafer as u32, bound);
        // SAFETY: signalling our own child.
        unsafe { libc::kill(wafer, libc::SIGTERM) };
    }
    running.wait(bound)
}

/// Does `line` look like Rust `Debug` output of an internal value:
/// `Foo { a: 1 }`, `Some(..)`, `Compilation(CodeTooLarge)`,
/// `DuplicateDefinition("f")`?
fn looks_like_debug(line: &str) -> bool {
    let variant_call = line.match_indices('(').any(|(at, _)| {
        let before = &line[..at];
        let ident_start = before
            .rfind(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(0, |i| i + 1);
        let ident = &before[ident_start..];
        let after = line[at + 1..].chars().next();
        ident.len() > 1
            && ident.starts_with(|c: char| c.is_ascii_uppercase())
            && after.is_some_and(|c| c.is_ascii_uppercase() || c == '"')
    });
    let struct_like = line.split(" { ").next().is_some_and(|head| {
        head.len() < line.len() && head.ends_with(|c: char| c.is_alphanumeric())
    }) && line.contains(": ")
        && line.contains(" }");
    variant_call
        || struct_like
        || ["Some(", "None,", "Ok(", "Err(", "Error {", "kind: "]
            .iter()
            .any(|token| line.contains(token))
}

fn names_in(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    names
}

/// Length and hash of a file's contents.
fn fingerprint(bytes: &[u8]) -> (usize, u64) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    (bytes.len(), hasher.finish())
}

/// Runs one row; the list of broken promises, and `<seconds> <MiB>`.
fn check(case: &Case) -> (Vec<String>, String) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("case");
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    // The input's fingerprint, kept instead of its bytes (see `Case::input`).
    let input_print = case.input.as_ref().map(|(name, make)| {
        let bytes = make();
        std::fs::write(dir.join(name), &bytes).unwrap();
        (dir.join(name), fingerprint(&bytes))
    });
    if let Some(setup) = case.setup {
        setup(&dir);
    }
    let before = names_in(&dir);

    let done = match run_case(case, &dir, &tmp) {
        Ok(done) => done,
        Err(e) => return (vec![e], "killed".into()),
    };
    let mut broken = Vec::new();
    let code = done.status.code();
    let err = done.stderr.as_str();
    let first = err.lines().next().unwrap_or("");
    let mut expect_output = false;
    match &case.expect {
        Expect::Error(needle) => {
            if code != Some(1) {
                broken.push(format!("exit {:?}, expected 1", done.status));
            }
            if err.lines().count() != 1 || !first.starts_with("error: ") {
                broken.push("expected exactly one `error:` line".into());
            }
            if !first.contains(needle) {
                broken.push(format!("`{needle}` not in the error"));
            }
        }
        Expect::Usage(needle) => {
            if code != Some(2) {
                broken.push(format!("exit {:?}, expected 2", done.status));
            }
            if err.lines().count() != 1 || !first.starts_with("error: ") {
                broken.push("expected exactly one `error:` line".into());
            }
            if !first.contains(needle) {
                broken.push(format!("`{needle}` not in the error"));
            }
        }
        Expect::Trap(message) => {
            if code != Some(134) {
                broken.push(format!("exit {:?}, expected 134", done.status));
            }
            if first != format!("trap: {message}") {
                broken.push(format!("expected `trap: {message}` first"));
            }
            if !done.stdout.is_empty() {
                broken.push("output on stdout".into());
            }
        }
        Expect::CompilesOrError(needle) => {
            if code == Some(0) {
                expect_output = !case.args.iter().any(|a| a == "run");
            } else if code != Some(1)
                || err.lines().count() != 1
                || !first.starts_with("error: ")
                || !first.contains(needle)
            {
                broken.push(format!(
                    "neither compiled nor one `error:` line naming `{needle}` (exit {:?})",
                    done.status
                ));
            }
        }
        Expect::Builds => {
            expect_output = true;
            if code != Some(0) {
                broken.push(format!("exit {:?}, expected 0", done.status));
            }
        }
        Expect::Fails => {
            if code.is_none_or(|c| c == 0) {
                broken.push(format!("exit {:?}, expected a failure", done.status));
            }
        }
        Expect::StoppedBySigterm => {
            if code != Some(143) {
                broken.push(format!(
                    "exit {:?}, expected 143 after SIGTERM",
                    done.status
                ));
            }
        }
    }
    if err.contains("panicked") || err.contains("internal error") || done.status.signal().is_some()
    {
        broken.push("a crash".into());
    }
    if err.lines().any(looks_like_debug) {
        broken.push("an internal structure in the message".into());
    }
    if done.elapsed > Duration::from_secs(case.seconds) {
        broken.push(format!("took {:?}", done.elapsed));
    }
    if done.peak_rss / MIB > case.max_mib {
        broken.push(format!(
            "peak memory {} MiB > {} MiB",
            done.peak_rss / MIB,
            case.max_mib
        ));
    }
    if let Some((path, print)) = &input_print
        && std::fs::read(path).ok().map(|bytes| fingerprint(&bytes)) != Some(*print)
    {
        broken.push("the input changed".into());
    }
    let mut after = names_in(&dir);
    if expect_output {
        let out = dir.join("out.bin");
        if !after.contains(&out) {
            broken.push("no output written".into());
        }
        after.retain(|p| *p != out);
    }
    if after != before {
        broken.push(format!("the directory changed: {before:?} -> {after:?}"));
    }
    let left = names_in(&tmp);
    if !left.is_empty() {
        broken.push(format!("temporary files left: {left:?}"));
    }
    if !broken.is_empty() {
        broken.push(format!("stderr: {err}"));
    }
    let timing = format!(
        "{:6.2}s {:5} MiB",
        done.elapsed.as_secs_f64(),
        done.peak_rss / MIB
    );
    (broken, timing)
}

#[test]
fn internal_structures_are_recognised() {
    for debug in [
        "error: code generation failed for f: Compilation(CodeTooLarge)",
        "error: DuplicateDefinition(\"m::f\")",
        "error: bad export Export { name: \"f\", kind: Func }",
        "error: got Some(3)",
        "error: Os { code: 2, kind: NotFound, message: \"x\" }",
    ] {
        assert!(looks_like_debug(debug), "{debug}");
    }
    for sentence in [
        "error: cannot read /x/m.wasm: No such file or directory (os error 2)",
        "error: --format hex is for flashing bare-metal boards; host is a Linux board (use --format elf)",
        "error: cannot compile m.wat: invalid module: type mismatch: expected i32 (at byte offset 0x1f)",
        "error: module `big` needs 3000 pages = 187.50 MiB of RAM",
        "trap: integer divide by zero",
        "  at arith!div (wasm offset 0x8e)",
    ] {
        assert!(!looks_like_debug(sentence), "{sentence}");
    }
}

#[test]
fn catalog_has_at_least_60_distinct_cases() {
    let cases = catalog();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "duplicate case names");
}

#[test]
fn every_bad_input_gets_a_clean_answer() {
    let cases = catalog();
    // Two workers: the machine's two cores.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let (broken, timing) = check(case);
                    if std::env::var_os("WAFER_CATALOG_TIMES").is_some() {
                        eprintln!("{timing} {}", case.name);
                    }
                    if !broken.is_empty() {
                        let needs = case
                            .needs
                            .map(|b| format!(" [needs the `{b}` branch]"))
                            .unwrap_or_default();
                        failures.lock().unwrap().push(format!(
                            "{}{needs}: {}",
                            case.name,
                            broken.join("; ")
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
