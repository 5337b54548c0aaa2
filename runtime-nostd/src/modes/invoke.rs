//! Invoke mode: call one export with arguments baked into the image and
//! print each result on its own line.
//!
//! Integers print as signed decimal; floats as the shortest decimal that
//! reads back to the same value (`0.25`, `-0`, `inf`, `nan`).

use core::fmt::Write;

use wafer_abi::values::{ValRaw, ValType};

use crate::console::Stdout;
use crate::instance::manifest;

/// Writes one value of type `ty` as `--invoke` prints it.
pub fn write_value(w: &mut impl Write, ty: ValType, raw: ValRaw) -> core::fmt::Result {
    let bits = raw.low();
    match ty {
        ValType::I32 => write!(w, "{}", bits as u32 as i32),
        ValType::I64 => write!(w, "{}", bits as i64),
        ValType::F32 => write_float(
            w,
            f32::from_bits(bits as u32) as f64,
            f32::from_bits(bits as u32),
        ),
        ValType::F64 => write_float(w, f64::from_bits(bits), f64::from_bits(bits)),
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef if bits == 0 => w.write_str("null"),
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef => w.write_str("ref"),
        ValType::V128 => write!(
            w,
            "{:#034x}",
            (raw.bits[1] as u128) << 64 | raw.bits[0] as u128
        ),
    }
}

fn write_float(w: &mut impl Write, wide: f64, value: impl core::fmt::Display) -> core::fmt::Result {
    if wide.is_nan() {
        w.write_str("nan")
    } else {
        write!(w, "{value}")
    }
}

/// Entry point of invoke images.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_main_invoke() -> ! {
    let entry = super::instantiate_all_or_exit();
    let m = manifest();
    // SAFETY: manifest data is static.
    let (name, args) = unsafe { (m.invoke_export.bytes(), m.invoke_args.items()) };
    let Some(inst) = entry else {
        crate::console::stderr_str("wafer: the image has no module\n");
        crate::platform::exit(crate::EXIT_FATAL)
    };
    let Some(export) = inst.export(name) else {
        crate::console::stderr_str("wafer: the export to invoke does not exist\n");
        crate::platform::exit(crate::EXIT_FATAL)
    };
    let (params, results) = super::export_signature(export);
    let mut values = [ValRaw::default(); super::MAX_VALUES];
    if params.len() > values.len() || results.len() > values.len() || args.len() != params.len() {
        crate::console::stderr_str("wafer: wrong number of arguments for the export\n");
        crate::platform::exit(crate::EXIT_FATAL)
    }
    values[..args.len()].copy_from_slice(args);
    if let Err(trap) = super::call_export(inst, export, &mut values) {
        crate::trap::report(&trap);
        crate::platform::exit(crate::EXIT_TRAP);
    }
    let mut out = Stdout;
    for (i, &letter) in results.iter().enumerate() {
        let ty = ValType::from_letter(letter).unwrap_or(ValType::I64);
        let _ = write_value(&mut out, ty, values[i]);
        let _ = out.write_str("\n");
    }
    crate::platform::exit(0)
}
