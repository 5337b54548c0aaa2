//! Server mode: the public invoke protocol (`wafer build --serve`,
//! docs/serve.md). Every module of the image is instantiated at start;
//! then each console line is one request and gets one reply line (`list`
//! and `help` print lines before theirs), ending with `ok`, `trap` or
//! `error`. The spec harness speaks its own protocol (`serve.rs`).

mod lines;
mod values;

use core::fmt::Write;

use wafer_abi::descriptor::{ExportDesc, ExternKind};
use wafer_abi::values::{ValRaw, ValType};

use crate::console::{Stdout, flush};
use crate::instance::{self, Instance, manifest};
use crate::text::Utf8;
use lines::{LINE_MAX, Line, LineReader};

/// The greeting, first line of every session; the number is the protocol
/// version, raised only for changes an existing client would misread.
const GREETING: &str = "wafer-serve 1";

/// In `.bss`: the image's static RAM is a few KiB on small boards, and a
/// stack copy would cost as much again.
static mut READER: LineReader<{ LINE_MAX + 1 }> = LineReader::new();

/// Entry point of serving images built with `--serve`.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_main_server() -> ! {
    // Failing to instantiate exits with the report, before the greeting: a
    // client that sees the greeting can call every module.
    super::instantiate_all_or_exit();
    reply(format_args!("{GREETING}"));
    loop {
        // SAFETY: single-threaded; the line is used before the next read.
        let reader = unsafe { &mut *core::ptr::addr_of_mut!(READER) };
        match reader.next_line(|buf| crate::platform::read(0, buf)) {
            Line::Text(text) => handle(text),
            Line::TooLong => reply(format_args!(
                "error line too long (at most {LINE_MAX} bytes)"
            )),
            Line::End => break,
        }
    }
    crate::platform::exit(0)
}

/// Request text quoted in a reply: control characters and bytes that are
/// not UTF-8 as `\xNN`, at most [`Shown::MAX_CHARS`] characters then `…`,
/// so that garbage cannot garble the client's terminal or flood the reply.
struct Shown<'a>(&'a [u8]);

impl Shown<'_> {
    const MAX_CHARS: usize = 64;
}

impl core::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut budget = Self::MAX_CHARS;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                if budget == 0 {
                    return f.write_str("…");
                }
                budget -= 1;
                if c.is_control() {
                    write!(f, "\\x{:02x}", c as u32)?;
                } else {
                    f.write_char(c)?;
                }
            }
            for &b in chunk.invalid() {
                if budget == 0 {
                    return f.write_str("…");
                }
                budget -= 1;
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

fn reply(args: core::fmt::Arguments<'_>) {
    let _ = Stdout.write_fmt(args);
    let _ = Stdout.write_str("\n");
    flush();
}

fn handle(line: &[u8]) {
    let mut tokens = line
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|t| !t.is_empty());
    let Some(command) = tokens.next() else {
        return; // blank line
    };
    match command {
        _ if command.starts_with(b"#") => {} // comment
        b"call" => call(tokens),
        b"list" if tokens.next().is_none() => list(),
        b"help" if tokens.next().is_none() => help(),
        b"quit" => quit(tokens),
        b"list" | b"help" => reply(format_args!("error {} takes no arguments", Utf8(command))),
        _ => reply(format_args!(
            "error unknown command `{}` (commands: call, list, help, quit)",
            Shown(command)
        )),
    }
}

/// The name of module `index` (instance `index`: modules are instantiated
/// in manifest order).
fn module_name(index: usize) -> &'static [u8] {
    // SAFETY: manifest data is static.
    let names = unsafe { manifest().module_names.items() };
    // SAFETY: as above.
    names.get(index).map_or(&[], |n| unsafe { n.bytes() })
}

fn module_count() -> usize {
    // SAFETY: manifest data is static.
    unsafe { manifest().modules.items().len() }
}

fn function_exports(inst: &Instance) -> impl Iterator<Item = &'static ExportDesc> {
    // SAFETY: descriptor data is static.
    let exports = unsafe { inst.desc.exports.items() };
    exports.iter().filter(|e| e.kind == ExternKind::Func as u32)
}

/// `list`: `module NAME`, then `func NAME.EXPORT PARAMS -> RESULTS` for
/// each of its function exports; `ok`.
fn list() {
    let mut out = Stdout;
    for index in 0..module_count() {
        let Some(inst) = instance::instance(index) else {
            continue;
        };
        let name = module_name(index);
        reply(format_args!("module {}", Utf8(name)));
        for export in function_exports(inst) {
            // SAFETY: descriptor strings are static.
            let export_name = unsafe { export.name.bytes() };
            let _ = write!(out, "func {}.{}", Utf8(name), Utf8(export_name));
            let (params, results) = super::export_signature(export);
            write_types(&mut out, params);
            let _ = out.write_str(" ->");
            write_types(&mut out, results);
            reply(format_args!(""));
        }
    }
    reply(format_args!("ok"));
}

fn write_types(out: &mut Stdout, letters: &[u8]) {
    for &letter in letters {
        let name = ValType::from_letter(letter).map_or("?", ValType::name);
        let _ = write!(out, " {name}");
    }
}

fn help() {
    for line in [
        "call MODULE.EXPORT ARG...   call a function export: ok RESULT... | trap MESSAGE | error MESSAGE",
        "list                        modules and their function exports with signatures",
        "help                        this text",
        "quit [CODE]                 end the server with exit code CODE (default 0)",
    ] {
        reply(format_args!("{line}"));
    }
    reply(format_args!("ok"));
}

/// `quit [CODE]`: `ok`, then exit with CODE (0 to 255).
fn quit<'a>(mut tokens: impl Iterator<Item = &'a [u8]>) {
    let code = match (tokens.next(), tokens.next()) {
        (None, _) => Some(0),
        (Some(code), None) => core::str::from_utf8(code)
            .ok()
            .and_then(|c| c.parse::<u8>().ok()),
        _ => None,
    };
    match code {
        Some(code) => {
            reply(format_args!("ok"));
            crate::platform::exit(code.into())
        }
        None => reply(format_args!("error quit takes one exit code from 0 to 255")),
    }
}

/// The instance and export that `MODULE.EXPORT` names: the longest module
/// name followed by `.` (module names may contain dots).
fn resolve(target: &[u8]) -> Result<(&'static Instance, &'static ExportDesc), ()> {
    let mut module = None;
    for index in 0..module_count() {
        let name = module_name(index);
        let dotted = target.len() > name.len() && target[name.len()] == b'.';
        if dotted
            && target.starts_with(name)
            && module.is_none_or(|(_, len): (usize, usize)| name.len() > len)
        {
            module = Some((index, name.len()));
        }
    }
    let Some((index, len)) = module else {
        let before_dot = target.split(|&b| b == b'.').next().unwrap_or(target);
        reply(format_args!(
            "error unknown module `{}` (`list` shows the modules)",
            Shown(before_dot)
        ));
        return Err(());
    };
    let export_name = &target[len + 1..];
    let found = instance::instance(index).and_then(|inst| {
        let export = inst
            .export(export_name)
            .filter(|e| e.kind == ExternKind::Func as u32)?;
        Some((inst, export))
    });
    found.ok_or_else(|| {
        reply(format_args!(
            "error module `{}` exports no function `{}`",
            Utf8(module_name(index)),
            Shown(export_name)
        ))
    })
}

/// `call MODULE.EXPORT ARG...`: `ok RESULT...` (as `--invoke` prints
/// them), `trap MESSAGE [at LOCATION]`, or `error MESSAGE`.
fn call<'a>(mut tokens: impl Iterator<Item = &'a [u8]>) {
    let Some(target) = tokens.next() else {
        return reply(format_args!(
            "error call needs MODULE.EXPORT and its arguments"
        ));
    };
    let Ok((inst, export)) = resolve(target) else {
        return;
    };
    let (params, results) = super::export_signature(export);
    let mut values = [ValRaw::default(); super::MAX_VALUES];
    if params.len() > values.len() || results.len() > values.len() {
        return reply(format_args!(
            "error the export has more than {} values",
            values.len()
        ));
    }
    let mut given = 0;
    for token in tokens {
        if let Some(&letter) = params.get(given) {
            let ty = ValType::from_letter(letter).unwrap_or(ValType::V128);
            let Some(raw) = values::parse(token, ty) else {
                return reply(format_args!(
                    "error argument {} of {}: `{}` is not a valid {}",
                    given + 1,
                    Utf8(target),
                    Shown(token),
                    ty.name()
                ));
            };
            values[given] = raw;
        }
        given += 1;
    }
    if given != params.len() {
        let mut out = Stdout;
        let _ = write!(
            out,
            "error {} takes {} argument(s) (",
            Utf8(target),
            params.len()
        );
        for (i, &letter) in params.iter().enumerate() {
            let name = ValType::from_letter(letter).map_or("?", ValType::name);
            let _ = write!(out, "{}{name}", if i == 0 { "" } else { " " });
        }
        return reply(format_args!("), {given} given"));
    }
    match super::call_export(inst, export, &mut values) {
        Ok(()) => {
            let mut out = Stdout;
            let _ = out.write_str("ok");
            for (i, &letter) in results.iter().enumerate() {
                let ty = ValType::from_letter(letter).unwrap_or(ValType::I64);
                let _ = out.write_str(" ");
                let _ = super::invoke::write_value(&mut out, ty, values[i]);
            }
            reply(format_args!(""));
        }
        Err(trap) => reply_trap(&trap),
    }
}

/// `trap MESSAGE`, then ` at MODULE!FUNCTION` and the Wasm offset when
/// known (as the trap report of a command prints them).
fn reply_trap(trap: &crate::trap::Trap) {
    let mut out = Stdout;
    let _ = write!(out, "trap {}", trap.code.message());
    if trap.code == wafer_abi::trap::TrapCode::UncaughtException {
        crate::exceptions::write_uncaught_tag(&mut out);
    }
    if let (Some(module), Some(function)) = (trap.module, trap.function) {
        // SAFETY: descriptor strings are static.
        let (module_name, name) = unsafe { (module.name.bytes(), module.function_name(function)) };
        let _ = write!(out, " at {}!", Utf8(module_name));
        if name.is_empty() {
            let _ = write!(out, "func[{}]", function.index);
        } else {
            let _ = write!(out, "{}", Utf8(name));
        }
        if trap.wasm_offset != u32::MAX {
            let _ = write!(out, " (wasm offset {:#x})", trap.wasm_offset);
        }
    }
    reply(format_args!(""));
}
