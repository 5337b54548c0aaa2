//! Cranelift errors as sentences.
//!
//! `cranelift_module::ModuleError` prints signatures and IR verifier dumps
//! (Debug output of internal structures). Every error that can reach the
//! user goes through [`module_error`], which keeps one sentence and drops
//! the internal detail.

use cranelift_codegen::CodegenError;
use cranelift_module::ModuleError;

/// `error` while working on `what` (e.g. "function 3 (`m::f`)") as one
/// sentence without Cranelift's internal structures. The result carries no
/// source chain, so `{:#}` cannot print the dump either.
pub fn module_error(what: &str, error: &ModuleError) -> anyhow::Error {
    anyhow::anyhow!("cannot compile {what}: {}", describe(error))
}

/// One sentence for a Cranelift module error.
pub fn describe(error: &ModuleError) -> String {
    const BUG: &str = "(a bug in wafer; please report it)";
    match error {
        ModuleError::Compilation(codegen) => describe_codegen(codegen),
        ModuleError::Undeclared(name) => {
            format!("internal error: symbol `{name}` is used but not declared {BUG}")
        }
        ModuleError::IncompatibleDeclaration(name)
        | ModuleError::IncompatibleSignature(name, ..) => {
            format!("internal error: symbol `{name}` is declared twice, differently {BUG}")
        }
        ModuleError::DuplicateDefinition(name) | ModuleError::InvalidImportDefinition(name) => {
            format!("internal error: symbol `{name}` is defined twice {BUG}")
        }
        ModuleError::Allocation { err } => format!("out of memory for the code: {err}"),
        ModuleError::Backend(err) => format!("the object writer failed: {err}"),
        ModuleError::Flag(err) => format!("invalid code generator setting: {err}"),
    }
}

fn describe_codegen(error: &CodegenError) -> String {
    match error {
        CodegenError::ImplLimitExceeded => {
            "the function exceeds a limit of the code generator (too many values, blocks or \
             instructions); split it into smaller functions"
                .to_string()
        }
        CodegenError::CodeTooLarge => {
            "the function's machine code is larger than the target's branches can span; split \
             it into smaller functions"
                .to_string()
        }
        CodegenError::Unsupported(what) => {
            format!("the code generator does not support {what} on this target")
        }
        CodegenError::Verifier(_) | CodegenError::Regalloc(_) => {
            "internal error: the generated code failed Cranelift's checks (a bug in wafer; please \
             report it)"
                .to_string()
        }
        #[allow(unreachable_patterns)] // `RegisterMappingError` exists with the `unwind` feature
        _ => "internal error in the code generator (a bug in wafer; please report it)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::Signature;
    use cranelift_codegen::isa::CallConv;

    #[test]
    fn signatures_are_not_dumped() {
        let sig = Signature::new(CallConv::SystemV);
        let error = ModuleError::IncompatibleSignature("m::f".into(), sig.clone(), sig);
        let message = format!("{:#}", module_error("function 3 (`m::f`)", &error));
        assert!(
            message.starts_with("cannot compile function 3 (`m::f`): "),
            "{message}"
        );
        assert!(message.contains("`m::f`"), "{message}");
        assert!(!message.contains("Signature"), "{message}");
        assert!(!message.contains("params"), "{message}");
    }

    #[test]
    fn verifier_errors_are_not_dumped() {
        let error = ModuleError::Compilation(CodegenError::Verifier(Default::default()));
        let message = format!("{:#}", module_error("function 0 (`m::g`)", &error));
        assert!(message.contains("internal error"), "{message}");
        assert_eq!(message.lines().count(), 1);
    }

    #[test]
    fn limits_read_as_advice() {
        let error = ModuleError::Compilation(CodegenError::ImplLimitExceeded);
        let message = describe(&error);
        assert!(message.contains("split it"), "{message}");
    }
}
