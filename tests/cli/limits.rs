//! Huge and deeply nested inputs, and function names that look like wafer's
//! own symbols (docs/limits.md).
//!
//! Every big input here is generated as Wasm bytes, scaled so that the test
//! takes seconds but the behaviour before the limits were set (about 1 KiB
//! and a quadratic amount of time per nested `block`, 740 bytes per operand
//! stack value) would break the memory or time bound. Peak memory is the
//! child's high-water mark as `tests/cli/measure.rs` reads it, so tests
//! running in parallel do not disturb each other's numbers.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::wasm_bytes::{HEADER, leb_into, section, vector};
use super::{assert_clean_error, measure, module_file, stderr, stdout, wafer};

const MIB: u64 = 1024 * 1024;

/// Peak memory and time of one `wafer` run, and the checks on them.
struct Measured(measure::Measured);

impl Measured {
    fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    fn assert_within(&self, what: &str, max_rss: u64, max_time: Duration) {
        assert!(
            self.0.peak_rss <= max_rss,
            "{what}: peak RSS {} MiB > {} MiB",
            self.0.peak_rss / MIB,
            max_rss / MIB
        );
        assert!(
            self.0.elapsed <= max_time,
            "{what}: took {:?} > {max_time:?}",
            self.0.elapsed
        );
    }

    fn assert_success(&self, what: &str) {
        assert_eq!(self.code(), Some(0), "{what}: {}", self.0.stderr);
    }

    /// One `error:` line naming `needle`, exit 1 (as `assert_clean_error`).
    fn assert_clean_error(&self, needle: &str) {
        let stderr = &self.0.stderr;
        assert_eq!(self.code(), Some(1), "stderr: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }
}

/// Runs `wafer args` and measures its peak memory and time.
fn measure(args: &[&str]) -> Measured {
    measure_program(env!("CARGO_BIN_EXE_wafer"), args)
}

/// Runs `program args` and measures its peak memory and time (bounded at
/// ten minutes: the assertions bound it much lower).
fn measure_program(program: &str, args: &[&str]) -> Measured {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let mut command = Command::new(program);
    command.args(args);
    let run = measure::run(
        &command,
        &scratch.path().join("run"),
        Duration::from_secs(600),
    );
    Measured(run.expect("the program ends"))
}

// ---- Wasm bytes ----------------------------------------------------------

const TYPE_VOID_TO_I32: &[u8] = &[0x60, 0x00, 0x01, 0x7f];
const I32_CONST_7: &[u8] = &[0x41, 0x07];
const BLOCK_EMPTY: &[u8] = &[0x02, 0x40];
const END: u8 = 0x0b;

/// A module whose one function `main: () -> i32` has no locals and runs
/// `code` (then `end`).
fn module_with_main(code: &[u8]) -> Vec<u8> {
    module_with_main_and_locals(&[0x00], code)
}

/// As [`module_with_main`], with `locals` (the encoded local declarations).
fn module_with_main_and_locals(locals: &[u8], code: &[u8]) -> Vec<u8> {
    let mut body = locals.to_vec();
    body.extend_from_slice(code);
    body.push(END);
    let mut entry = Vec::new();
    leb_into(body.len() as u64, &mut entry);
    entry.extend_from_slice(&body);
    let mut m = HEADER.to_vec();
    m.extend(section(1, &vector(&[TYPE_VOID_TO_I32.to_vec()])));
    m.extend(section(3, &vector(&[vec![0]])));
    m.extend(section(7, &vector(&[b"\x04main\x00\x00".to_vec()])));
    m.extend(section(10, &vector(&[entry])));
    m
}

/// `block` nested `depth` deep around `i32.const 7`; nothing branches.
fn nested_blocks(depth: usize) -> Vec<u8> {
    nested(depth, BLOCK_EMPTY)
}

/// `opener` (a `block`, `loop` or `if` with its condition) nested `depth`
/// deep around `i32.const 7`.
fn nested(depth: usize, opener: &[u8]) -> Vec<u8> {
    let mut code = opener.repeat(depth);
    code.extend(std::iter::repeat_n(END, depth));
    code.extend_from_slice(I32_CONST_7);
    module_with_main(&code)
}

/// `values` constants on the operand stack, added up into one.
fn tall_operand_stack(values: usize) -> Vec<u8> {
    let mut code = [0x41, 0x01].repeat(values); // i32.const 1
    code.extend(std::iter::repeat_n(0x6a, values - 1)); // i32.add
    module_with_main(&code)
}

/// `count` functions `() -> i32`; function `i` returns `i`, the last is
/// exported as `last`, and each is named `function_<i>` in the name section.
fn many_functions(count: u32) -> Vec<u8> {
    let bodies: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let mut body = vec![0x00, 0x41];
            leb_into(u64::from(i), &mut body); // i32.const i (i < 2^20: positive LEB)
            body.push(END);
            let mut entry = Vec::new();
            leb_into(body.len() as u64, &mut entry);
            entry.extend(body);
            entry
        })
        .collect();
    let mut export = b"\x04last\x00".to_vec();
    leb_into(u64::from(count - 1), &mut export);
    let names: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let name = format!("function_{i}");
            let mut naming = Vec::new();
            leb_into(u64::from(i), &mut naming);
            leb_into(name.len() as u64, &mut naming);
            naming.extend(name.as_bytes());
            naming
        })
        .collect();
    let function_names = vector(&names);
    let mut name_payload = b"\x04name\x01".to_vec();
    leb_into(function_names.len() as u64, &mut name_payload);
    name_payload.extend(function_names);
    let mut m = HEADER.to_vec();
    m.extend(section(1, &vector(&[TYPE_VOID_TO_I32.to_vec()])));
    m.extend(section(3, &vector(&vec![vec![0]; count as usize])));
    m.extend(section(7, &vector(&[export])));
    m.extend(section(10, &vector(&bodies)));
    m.extend(section(0, &name_payload));
    m
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file is writable");
    path.to_string_lossy().into_owned()
}

fn compile_args<'a>(input: &'a str, output: &'a str) -> [&'a str; 6] {
    ["compile", input, "--target", "x86_64", "-o", output]
}

/// The largest function body wasmparser accepts (7 654 321 bytes), all of
/// it straight-line code: `local.get 0; i32.const 1; i32.add; local.set 0`.
fn largest_body() -> Vec<u8> {
    const MAX_BODY: usize = 7_654_321;
    let locals = [0x01, 0x01, 0x7f]; // one i32
    let step = [0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00];
    let tail = [0x20, 0x00]; // local.get 0, then `end`
    let steps = (MAX_BODY - locals.len() - tail.len() - 1) / step.len();
    let mut code = step.repeat(steps);
    code.extend(tail);
    module_with_main_and_locals(&locals, &code)
}

// ---- nesting and the operand stack --------------------------------------

#[test]
fn nesting_at_the_limit_compiles_in_bounded_memory_and_time() {
    // 100 000 nested blocks used to cost 96 MiB and 21 s here (a
    // Cranelift block per level, a dominator tree 100 000 deep); a block
    // nothing branches to now costs no Cranelift block at all.
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "nested.wasm", &nested_blocks(100_000));
    let output = dir.path().join("nested.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_success("100 000 nested blocks");
    m.assert_within("100 000 nested blocks", 64 * MIB, Duration::from_secs(10));
    let o = wafer(&["run", &input, "--invoke", "main"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "7\n");
}

#[test]
fn nesting_beyond_the_limit_is_one_error_line() {
    // 1 000 000 levels (3 MB) took 845 MiB and 10 s before the limit.
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "deep.wasm", &nested_blocks(1_000_000));
    let output = dir.path().join("deep.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_clean_error("nested more than 100000 deep");
    assert!(
        m.0.stderr.contains("function 0 (`deep::main`)"),
        "{}",
        m.0.stderr
    );
    m.assert_within("1 000 000 nested blocks", 96 * MIB, Duration::from_secs(10));
    assert!(!Path::new(&output).exists());

    // One level over is refused too, and the limit itself (above) is not.
    let input = write(dir.path(), "over.wasm", &nested_blocks(100_001));
    assert_clean_error(
        &wafer(&compile_args(&input, &output)),
        "nested more than 100000 deep",
    );
}

#[test]
fn an_operand_stack_beyond_the_limit_is_one_error_line() {
    // 1 000 000 live values took 725 MiB and 20 s in Cranelift before.
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "tall.wasm", &tall_operand_stack(1_000_000));
    let output = dir.path().join("tall.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_clean_error("more than 100000 values on the operand stack");
    m.assert_within("1 000 000 stack values", 96 * MIB, Duration::from_secs(10));
}

#[test]
fn an_operand_stack_at_the_limit_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "tall.wasm", &tall_operand_stack(100_000));
    let output = dir.path().join("tall.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_success("100 000 stack values");
    // Measured: ~90 MiB, ~1 s (docs/limits.md).
    m.assert_within("100 000 stack values", 256 * MIB, Duration::from_secs(60));
}

// ---- many functions, big declarations, bad counts ------------------------

#[test]
fn twenty_thousand_named_functions_compile_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "many.wasm", &many_functions(20_000));
    let output = dir.path().join("many.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_success("20 000 functions");
    // Measured: ~60 MiB, ~1.5 s; 100 000 functions take ~245 MiB.
    m.assert_within("20 000 functions", 160 * MIB, Duration::from_secs(60));
    let o = wafer(&["run", &input, "--invoke", "last"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "19999\n");
}

#[test]
fn a_count_larger_than_the_section_is_refused_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    // The function section claims 2^32 - 1 entries and holds one byte.
    let mut claims_all = HEADER.to_vec();
    claims_all.extend(section(1, &vector(&[vec![0x60, 0, 0]])));
    claims_all.extend(section(3, &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    // The type section claims 1 000 000 types (the most allowed) and holds one.
    let mut claims_many = HEADER.to_vec();
    let mut types = Vec::new();
    leb_into(1_000_000, &mut types);
    types.extend([0x60, 0, 0]);
    claims_many.extend(section(1, &types));
    for (name, bytes, needle) in [
        (
            "all.wasm",
            claims_all,
            "functions count exceeds limit of 1000000",
        ),
        ("many.wasm", claims_many, "unexpected end-of-file"),
    ] {
        let input = write(dir.path(), name, &bytes);
        let output = dir.path().join("x.o").to_string_lossy().into_owned();
        let m = measure(&compile_args(&input, &output));
        m.assert_clean_error(needle);
        m.assert_within(name, 64 * MIB, Duration::from_secs(10));
    }
}

#[test]
fn a_4_gib_memory_is_usable_to_its_last_byte() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(
        dir.path(),
        "big.wat",
        r#"(module (memory 65536)
             (func (export "last") (result i32)
               (i32.store (i32.const 0xfffffffc) (i32.const 5))
               (i32.load (i32.const 0xfffffffc)))
             (func (export "pages") (result i32) (memory.size)))"#,
    );
    let o = wafer(&["run", &wat, "--invoke", "last"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "5\n");
    let o = wafer(&["run", &wat, "--invoke", "pages"]);
    assert_eq!(stdout(&o), "65536\n", "{}", stderr(&o));
}

#[test]
fn segments_past_the_end_trap_at_instantiation() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, trap) in [
        (
            "data_wraps.wat",
            r#"(module (memory 1) (data (i32.const 0xfffffff0) "abcdefghijklmnopqrstuvwxyz")
                 (func (export "main") (result i32) (i32.const 1)))"#,
            "out of bounds memory access",
        ),
        (
            "data_straddles.wat",
            r#"(module (memory 1) (data (i32.const 65530) "abcdefgh")
                 (func (export "main") (result i32) (i32.const 1)))"#,
            "out of bounds memory access",
        ),
        (
            "elem_wraps.wat",
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 0xffffffff) $f $f)
                 (func (export "main") (result i32) (i32.const 1)))"#,
            "out of bounds table access",
        ),
    ] {
        let wat = module_file(dir.path(), name, text);
        let o = wafer(&["run", &wat, "--invoke", "main"]);
        assert_eq!(o.status.code(), Some(134), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(trap), "{name}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{name}: main must not run");
    }
}

// ---- names that look like wafer's symbols --------------------------------

/// Functions named like wafer's generated and runtime symbols, and names
/// an ELF symbol or `nm` cannot show as they are.
const LOOK_ALIKES: &str = r#"(module
  (func $instantiate (@name "instantiate") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (@name "trampoline[i>i]") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func (@name "wafer_memory_grow") (param i32) (result i32)
    (i32.sub (local.get 0) (i32.const 3)))
  (func (@name "_start") (param i32) (result i32) (call $instantiate (local.get 0)))
  (func (@name "memcpy") (param i32) (result i32) (i32.const 5))
  (func (@name "func[0]") (param i32) (result i32) (i32.const 6))
  (func (@name "") (param i32) (result i32) (i32.const 7))
  (func (@name "a\00b::c#1\n") (param i32) (result i32) (i32.const 8))
  (func (@name "instantiate") (param i32) (result i32) (i32.const 9))
  (func (@name "wafer_module_names") (param i32) (result i32) (i32.const 10))
  (export "instantiate" (func 0))
  (export "t" (func 1))
  (export "g" (func 2))
  (export "s" (func 3))
  (export "m" (func 4))
  (export "f" (func 5))
  (export "e" (func 6))
  (export "n" (func 7))
  (export "d" (func 8))
  (export "w" (func 9)))"#;

#[test]
fn functions_named_like_wafer_symbols_build_and_run() {
    // Used to fail with `DuplicateDefinition("m::instantiate")` or a dump
    // of two Cranelift signatures.
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "names.wat", LOOK_ALIKES);
    for (export, expected) in [
        ("instantiate", "11"),
        ("t", "20"),
        ("g", "7"),
        ("s", "11"),
        ("m", "5"),
        ("f", "6"),
        ("e", "7"),
        ("n", "8"),
        ("d", "9"),
        ("w", "10"),
    ] {
        let o = wafer(&["run", &wat, "--invoke", export, "10"]);
        assert!(o.status.success(), "{export}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{expected}\n"), "{export}");
    }
}

#[test]
fn look_alike_names_get_their_own_readable_symbols() {
    use object::{Object, ObjectSymbol};
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(dir.path(), "names.wat", LOOK_ALIKES);
    let obj = dir.path().join("names.o").to_string_lossy().into_owned();
    let o = wafer(&["compile", &wat, "--target", "x86_64", "-o", &obj]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&obj).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let symbols: Vec<String> = file
        .symbols()
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|name| !name.is_empty()) // section symbols
        .collect();
    for expected in [
        "names.instantiate",
        "names.trampoline[i>i]",
        "names::instantiate",
        "names::instantiate#8",
        "names::trampoline[i>i]",
        "names::wafer_memory_grow",
        "names::_start",
        "names::memcpy",
        "names::func[0]",
        "names::func[6]",
        "names::a_b::c_1_",
        "names::wafer_module_names",
        "wafer_module_names",
    ] {
        assert!(
            symbols.iter().any(|s| s == expected),
            "no `{expected}` in {symbols:?}"
        );
    }
    let unique: std::collections::HashSet<&String> = symbols.iter().collect();
    assert_eq!(unique.len(), symbols.len(), "{symbols:?}");
}

#[test]
fn imports_that_would_bind_to_runtime_symbols_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (import, symbol) in [
        (
            r#"(import "wafer" "memory_grow" (func (param i32) (result i32)))"#,
            "wafer_memory_grow",
        ),
        (r#"(import "" "start" (func))"#, "_start"),
    ] {
        let wat = module_file(dir.path(), "imp.wat", &format!("(module {import})"));
        let out = dir.path().join("imp").to_string_lossy().into_owned();
        let o = wafer(&["build", &wat, "-o", &out]);
        assert_clean_error(&o, &format!("`{symbol}`"));
        assert!(!Path::new(&out).exists());
    }
}

// ---- the table in docs/limits.md ----------------------------------------

#[test]
#[ignore = "a measurement for docs/limits.md, not a check (about two minutes): \
            WAFER=path/to/wafer cargo test -p wafer --test cli -- --ignored \
            limits_table --nocapture"]
fn limits_table() {
    let wafer = std::env::var("WAFER").unwrap_or_else(|_| env!("CARGO_BIN_EXE_wafer").into());
    let dir = tempfile::tempdir().unwrap();
    // Generated one at a time, so that this process's own peak (which the
    // child's `ru_maxrss` includes) stays small.
    type Generator = Box<dyn Fn() -> Vec<u8>>;
    let cases: Vec<(&str, Generator)> = vec![
        (
            "a trivial module (baseline)",
            Box::new(|| module_with_main(I32_CONST_7)),
        ),
        (
            "1 000 000 nested `block`s (refused)",
            Box::new(|| nested(1_000_000, BLOCK_EMPTY)),
        ),
        (
            "1 000 000 operand stack values (refused)",
            Box::new(|| tall_operand_stack(1_000_000)),
        ),
        (
            "100 000 nested `block`s (the limit)",
            Box::new(|| nested(100_000, BLOCK_EMPTY)),
        ),
        (
            "100 000 nested `loop`s",
            Box::new(|| nested(100_000, &[0x03, 0x40])),
        ),
        (
            "100 000 nested `if`s",
            Box::new(|| nested(100_000, &[0x41, 0x01, 0x04, 0x40])),
        ),
        (
            "100 000 operand stack values (the limit)",
            Box::new(|| tall_operand_stack(100_000)),
        ),
        (
            "a 7 654 321-byte function body (the limit)",
            Box::new(largest_body),
        ),
        (
            "50 000 locals read after 20 000 `br_if`s",
            Box::new(|| locals_read_after_branches(50_000, 20_000)),
        ),
        (
            "100 000 named functions",
            Box::new(|| many_functions(100_000)),
        ),
        (
            "1 000 000 named functions (the limit)",
            Box::new(|| many_functions(1_000_000)),
        ),
    ];
    println!("| input (`wafer compile --target x86_64`) | module | result | time | peak RSS |");
    println!("|---|---:|---|---:|---:|");
    for (what, generate) in cases {
        let bytes = generate();
        let input = write(dir.path(), "m.wasm", &bytes);
        let size = bytes.len();
        drop(bytes);
        let output = dir.path().join("m.o").to_string_lossy().into_owned();
        let m = measure_program(&wafer, &compile_args(&input, &output));
        println!(
            "| {what} | {:.1} MB | {} | {:.2} s | {} MiB |",
            size as f64 / 1e6,
            if m.code() == Some(0) {
                "compiled"
            } else {
                "one `error:` line"
            },
            m.0.elapsed.as_secs_f64(),
            m.0.peak_rss / MIB
        );
    }
}

#[test]
fn imports_sharing_a_symbol_with_different_types_are_named() {
    // `a-b` and `a_b` both become `env_a_b`; used to be a dump of two
    // Cranelift signatures.
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(
        dir.path(),
        "two.wat",
        r#"(module (import "env" "a-b" (func (param i32))) (import "env" "a_b" (func (result i32))))"#,
    );
    let obj = dir.path().join("two.o").to_string_lossy().into_owned();
    let o = wafer(&["compile", &wat, "--target", "x86_64", "-o", &obj]);
    assert_clean_error(
        &o,
        "`env.a-b` (i>) and `env.a_b` (>i) both bind to the native symbol `env_a_b`",
    );
    // With the same type they are one native function.
    let wat = module_file(
        dir.path(),
        "same.wat",
        r#"(module (import "env" "a-b" (func (param i32))) (import "env" "a_b" (func (param i32))))"#,
    );
    let o = wafer(&["compile", &wat, "--target", "x86_64", "-o", &obj]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn trap_reports_name_functions_on_one_line() {
    // The report printed the name as it was: a newline and a NUL in it.
    let dir = tempfile::tempdir().unwrap();
    let wat = module_file(
        dir.path(),
        "trapname.wat",
        r#"(module (func (@name "bad\nname\00x") (export "main") (result i32) unreachable))"#,
    );
    let o = wafer(&["run", &wat, "--invoke", "main"]);
    assert_eq!(o.status.code(), Some(134), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "trap: unreachable\n  at trapname!bad_name_x (wasm offset 0x22)\n"
    );
}

/// `main` with `locals` i32 locals: sets the last to 5, runs `branches`
/// `br_if`s (each a Cranelift block), reads every local, and returns the
/// last plus 2 (7).
fn locals_read_after_branches(locals: u32, branches: usize) -> Vec<u8> {
    let mut declared = vec![0x01];
    leb_into(u64::from(locals), &mut declared);
    declared.push(0x7f);
    let last = u64::from(locals - 1);
    let mut code = vec![0x41, 0x05, 0x21]; // i32.const 5; local.set last
    leb_into(last, &mut code);
    code.extend(BLOCK_EMPTY);
    code.extend([0x41, 0x00, 0x0d, 0x00].repeat(branches)); // i32.const 0; br_if 0
    code.push(END);
    for i in 0..locals {
        code.push(0x20); // local.get i
        leb_into(u64::from(i), &mut code);
        code.push(0x1a); // drop
    }
    code.push(0x20); // local.get last
    leb_into(last, &mut code);
    code.extend([0x41, 0x02, 0x6a]); // i32.const 2; i32.add
    module_with_main_and_locals(&declared, &code)
}

#[test]
fn many_locals_read_after_many_branches_compile_in_bounded_memory() {
    // As SSA variables this took 4 GiB and 130 s (Cranelift recorded every
    // local in every block); now the locals live in a stack slot.
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "lb.wasm",
        &locals_read_after_branches(50_000, 20_000),
    );
    let output = dir.path().join("lb.o").to_string_lossy().into_owned();
    let m = measure(&compile_args(&input, &output));
    m.assert_success("50 000 locals after 20 000 branches");
    m.assert_within(
        "50 000 locals after 20 000 branches",
        256 * MIB,
        Duration::from_secs(30),
    );
    let o = wafer(&["run", &input, "--invoke", "main"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "7\n");
}
