//! Command mode: instantiate every module, run the entry module's `_start`.

/// Entry point of command images.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_main_command() -> ! {
    let entry = super::instantiate_all_or_exit();
    if let Some(inst) = entry
        && let Some(export) = inst.export(b"_start")
    {
        let mut values = [wafer_abi::values::ValRaw::default(); 1];
        if let Err(trap) = super::call_export(inst, export, &mut values) {
            crate::trap::report(&trap);
            crate::platform::exit(crate::EXIT_TRAP);
        }
    }
    crate::platform::exit(0)
}
