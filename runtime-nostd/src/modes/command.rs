//! Command mode: instantiate every module, run the last one's `_start`.

use crate::instance::{descriptors, instance, instantiate, report_error};

/// Entry point of command images.
#[unsafe(no_mangle)]
pub extern "C" fn wafer_main_command() -> ! {
    let mut last = None;
    for desc in descriptors() {
        match instantiate(desc) {
            Ok(id) => last = Some(id),
            Err(e) => {
                report_error(desc, &e);
                let code = match e {
                    crate::instance::InstantiateError::Trap(_) => crate::EXIT_TRAP,
                    _ => crate::EXIT_FATAL,
                };
                crate::platform::exit(code);
            }
        }
    }
    if let Some(inst) = last.and_then(instance)
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
