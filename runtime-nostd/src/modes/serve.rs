//! Serve mode: the line protocol of `wafer_abi::serve`, used by the spec
//! harness to drive many instantiations and calls through one process.

use core::fmt::Write;

use wafer_abi::descriptor::ExternKind;
use wafer_abi::serve::{READY, fnv1a64, hex_decode, parse_hex_u64};
use wafer_abi::values::{ValRaw, ValType};

use crate::console::{Stdout, flush};
use crate::instance::{self, DropRefused, Extern, InstantiateError};
use crate::text::Utf8;

const LINE_MAX: usize = 256 * 1024;
static mut INPUT: [u8; LINE_MAX] = [0; LINE_MAX];
static mut INPUT_START: usize = 0;
static mut INPUT_END: usize = 0;
static mut NAME: [u8; LINE_MAX / 2] = [0; LINE_MAX / 2];

/// The next line of stdin without its newline; `None` at end of input.
fn read_line() -> Option<&'static [u8]> {
    // SAFETY: single-threaded access to the input buffer; returned slices
    // are used before the next call.
    unsafe {
        let input = &mut *core::ptr::addr_of_mut!(INPUT);
        loop {
            if let Some(pos) = input[INPUT_START..INPUT_END]
                .iter()
                .position(|&b| b == b'\n')
            {
                let line = &input[INPUT_START..INPUT_START + pos];
                INPUT_START += pos + 1;
                return Some(core::slice::from_raw_parts(line.as_ptr(), line.len()));
            }
            if INPUT_START > 0 {
                input.copy_within(INPUT_START..INPUT_END, 0);
                INPUT_END -= INPUT_START;
                INPUT_START = 0;
            }
            if INPUT_END == LINE_MAX {
                return None;
            }
            let n = crate::platform::read(0, &mut input[INPUT_END..]);
            if n <= 0 {
                return None;
            }
            INPUT_END += n as usize;
        }
    }
}

fn parse_value(token: &[u8]) -> Option<(ValType, ValRaw)> {
    let colon = token.iter().position(|&b| b == b':')?;
    let (name, rest) = (&token[..colon], &token[colon + 1..]);
    let ty = [
        ValType::I32,
        ValType::I64,
        ValType::F32,
        ValType::F64,
        ValType::V128,
        ValType::FuncRef,
        ValType::ExternRef,
        ValType::ExnRef,
    ]
    .into_iter()
    .find(|t| t.name().as_bytes() == name)?;
    if ty == ValType::V128 {
        return Some((ty, parse_v128(rest)?));
    }
    let bits = if rest == b"null" {
        0
    } else {
        let v = parse_hex_u64(rest)?;
        if ty == ValType::ExternRef {
            v.checked_add(1)?
        } else {
            v
        }
    };
    Some((ty, ValRaw::from_u64(bits)))
}

/// A `v128` as exactly 32 hex digits, most significant first.
fn parse_v128(text: &[u8]) -> Option<ValRaw> {
    if text.len() != 32 {
        return None;
    }
    let high = parse_hex_u64(&text[..16])?;
    let low = parse_hex_u64(&text[16..])?;
    Some(ValRaw { bits: [low, high] })
}

fn write_value(w: &mut Stdout, ty: ValType, raw: ValRaw) {
    let bits = raw.low();
    let _ = match ty {
        ValType::V128 => write!(w, " v128:{:016x}{:016x}", raw.bits[1], raw.bits[0]),
        ValType::I32 | ValType::F32 => write!(w, " {}:{:x}", ty.name(), bits as u32),
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef if bits == 0 => {
            write!(w, " {}:null", ty.name())
        }
        ValType::ExternRef => write!(w, " externref:{:x}", bits - 1),
        _ => write!(w, " {}:{:x}", ty.name(), bits),
    };
}

fn reply(args: core::fmt::Arguments<'_>) {
    let _ = Stdout.write_fmt(args);
    let _ = Stdout.write_str("\n");
    flush();
}

fn reply_trap(trap: &crate::trap::Trap) {
    reply(format_args!(
        "trap {} {}",
        trap.code.as_u32(),
        trap.code.message()
    ));
}

/// Decodes a hex name token into the shared name buffer.
fn name(token: &[u8]) -> Option<&'static [u8]> {
    // SAFETY: single-threaded; the buffer is only read until the next call.
    unsafe {
        let buf = &mut *core::ptr::addr_of_mut!(NAME);
        let n = hex_decode(token, buf)?;
        Some(core::slice::from_raw_parts(buf.as_ptr(), n))
    }
}

fn number(token: Option<&[u8]>) -> Option<usize> {
    let token = token?;
    core::str::from_utf8(token).ok()?.parse().ok()
}

fn handle(line: &[u8]) {
    let mut tokens = line.split(|&b| b == b' ').filter(|t| !t.is_empty());
    match tokens.next() {
        Some(b"instantiate") => {
            let desc = number(tokens.next()).and_then(|k| instance::descriptors().nth(k));
            let Some(desc) = desc else {
                return reply(format_args!("error no such module"));
            };
            match instance::instantiate(desc, instance::resolve_by_name) {
                Ok(id) => reply(format_args!("ok {id}")),
                Err(InstantiateError::Trap(trap)) => {
                    instance::release_abandoned();
                    reply_trap(&trap)
                }
                Err(InstantiateError::Link(msg)) => {
                    reply(format_args!("link {}", Utf8(msg.as_bytes())))
                }
                Err(InstantiateError::Resource(msg)) => {
                    reply(format_args!("error {}", Utf8(msg.as_bytes())))
                }
            }
        }
        Some(b"register") => {
            let id = number(tokens.next());
            match (id, tokens.next().and_then(name)) {
                (Some(id), Some(n)) if instance::register(n, id) => reply(format_args!("ok")),
                _ => reply(format_args!("error cannot register")),
            }
        }
        Some(b"drop") => match number(tokens.next()).map(instance::drop_instance) {
            Some(Ok(())) => reply(format_args!("ok")),
            Some(Err(DropRefused::Reachable(why))) => reply(format_args!("kept {why}")),
            Some(Err(DropRefused::Registered)) => {
                reply(format_args!("error cannot drop a registered instance"))
            }
            Some(Err(DropRefused::Unknown)) | None => reply(format_args!("error no such instance")),
        },
        Some(b"invoke") => invoke(tokens),
        Some(b"get") => {
            let inst = number(tokens.next()).and_then(instance::instance);
            let export = tokens.next().and_then(name);
            let (Some(inst), Some(export)) = (inst, export) else {
                return reply(format_args!("error bad request"));
            };
            match inst.export(export).and_then(|e| inst.export_extern(e)) {
                Some(Extern::Global { cell, ty }) => {
                    let Some(t) = ty.first().and_then(|&l| ValType::from_letter(l)) else {
                        return reply(format_args!("error bad global type"));
                    };
                    // SAFETY: the cell belongs to a live instance or host static.
                    let raw = unsafe { ValRaw { bits: (*cell).bits } };
                    let mut out = Stdout;
                    let _ = out.write_str("ok");
                    write_value(&mut out, t, raw);
                    reply(format_args!(""));
                }
                _ => reply(format_args!("error no such global")),
            }
        }
        Some(b"canary") => match crate::canary::check() {
            Ok(regions) => reply(format_args!("ok {regions}")),
            Err(crate::canary::CheckError::Damaged(d)) => reply(format_args!(
                "error canary damaged: {} at {:#x}",
                d.kind.name(),
                d.address
            )),
            Err(crate::canary::CheckError::TooMany { unchecked }) => reply(format_args!(
                "error canary: {unchecked} regions placed but not checked (registry full)"
            )),
        },
        Some(b"memhash") => memhash(tokens),
        Some(b"quit") => crate::platform::exit(0),
        _ => reply(format_args!("error unknown request")),
    }
}

fn invoke<'a>(mut tokens: impl Iterator<Item = &'a [u8]>) {
    let inst = number(tokens.next()).and_then(instance::instance);
    let export_name = tokens.next().and_then(name);
    let (Some(inst), Some(export_name)) = (inst, export_name) else {
        return reply(format_args!("error bad request"));
    };
    let Some(export) = inst
        .export(export_name)
        .filter(|e| e.kind == ExternKind::Func as u32)
    else {
        return reply(format_args!("error no such function"));
    };
    let (params, results) = super::export_signature(export);
    let mut values = [ValRaw::default(); super::MAX_VALUES];
    if params.len() > values.len() || results.len() > values.len() {
        return reply(format_args!("error too many values"));
    }
    let mut count = 0;
    for token in tokens {
        let Some((_, raw)) = parse_value(token) else {
            return reply(format_args!("error bad value"));
        };
        if count == values.len() {
            return reply(format_args!("error too many values"));
        }
        values[count] = raw;
        count += 1;
    }
    if count != params.len() {
        return reply(format_args!("error expected {} arguments", params.len()));
    }
    match super::call_export(inst, export, &mut values) {
        Ok(()) => {
            let mut out = Stdout;
            let _ = out.write_str("ok");
            for (i, &letter) in results.iter().enumerate() {
                let ty = ValType::from_letter(letter).unwrap_or(ValType::I64);
                write_value(&mut out, ty, values[i]);
            }
            reply(format_args!(""));
        }
        Err(trap) => reply_trap(&trap),
    }
}

/// `memhash <instance> <export-hex>`: length and FNV-1a digest of an
/// exported memory, for the differential fuzzer (`fuzz/differential`).
fn memhash<'a>(mut tokens: impl Iterator<Item = &'a [u8]>) {
    let inst = number(tokens.next()).and_then(instance::instance);
    let export = tokens.next().and_then(name);
    let (Some(inst), Some(export)) = (inst, export) else {
        return reply(format_args!("error bad request"));
    };
    match inst.export(export).and_then(|e| inst.export_extern(e)) {
        Some(Extern::Memory { memory, .. }) => {
            // SAFETY: the record belongs to a live instance; `length` bytes
            // from `base` are its current linear memory (`base` may be null
            // when the length is 0, hence the empty slice).
            let bytes: &[u8] = unsafe {
                let m = &*memory;
                if m.length == 0 {
                    &[]
                } else {
                    core::slice::from_raw_parts(m.base, m.length as usize)
                }
            };
            reply(format_args!("ok {:x} {:x}", bytes.len(), fnv1a64(bytes)))
        }
        _ => reply(format_args!("error no such memory")),
    }
}

/// Entry point of serving images.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_main_serve() -> ! {
    // Only serving images check canaries (request `canary`), so only they
    // place them; first, before anything is allocated.
    #[cfg(wafer_platform = "baremetal")]
    crate::platform::enable_canaries();
    // The host sends nothing before `READY`, so no input is lost here.
    #[cfg(wafer_platform = "baremetal")]
    crate::platform::prepare_console_for_input();
    reply(format_args!("{READY}"));
    while let Some(line) = read_line() {
        handle(line);
    }
    crate::platform::exit(0)
}
