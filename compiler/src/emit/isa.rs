//! Building the Cranelift ISA for a [`Target`]: the single place that turns
//! `targets/<isa>.toml` into code generation settings.

use std::str::FromStr;

use anyhow::{Context, Result, anyhow};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::Triple;

use crate::config::Target;
use crate::emit::StackChecks;

/// Shared flags: optimise, static non-PIC code (images are linked static and
/// non-PIE), and multi-value returns beyond the return registers.
const SHARED_FLAGS: &[(&str, &str)] = &[
    ("opt_level", "speed"),
    ("is_pic", "false"),
    ("enable_multi_ret_implicit_sret", "true"),
    (
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    ),
];

/// Flags for `--stack-checks guard`: no prologue check, so a frame larger
/// than a page is touched page by page from the top (inline probes: the
/// outline strategy calls a symbol the runtime does not have and panics on
/// aarch64). Probing every 4 KiB, far less than the runtime's 64 KiB stack
/// guard, means no frame can step over the guard into other memory; frames
/// of a page or less need no probe, as a call writes the return address
/// (or the callee its frame record) at the bottom of each frame.
const GUARD_STACK_FLAGS: &[(&str, &str)] = &[
    ("enable_probestack", "true"),
    ("probestack_strategy", "inline"),
    // PROBE_INTERVAL.
    ("probestack_size_log2", "12"),
];

/// Bytes between two probes of a large frame (`probestack_size_log2`).
const PROBE_INTERVAL: u32 = 4096;

/// With guard checks, the largest frame the stack guard alone bounds on
/// `isa`'s backend, or `None` when it bounds every frame (or the code has
/// prologue checks). x86_64 and aarch64 probe a large frame from the top
/// down, so the first probe past the budget lands in the guard whatever the
/// frame's size. riscv64 unrolls up to three probes the same way but
/// probes larger frames in a loop from the bottom up: the first probe could
/// land below the guard, in other memory. Functions with larger frames
/// than this keep the prologue check (`emit::functions`); they are rare
/// (a frame of more than 12 KiB: thousands of spilled values).
pub fn largest_guarded_frame(isa: &dyn TargetIsa) -> Option<u32> {
    if !isa.flags().enable_probestack() {
        return None;
    }
    match isa.triple().architecture {
        target_lexicon::Architecture::Riscv64(_) => Some(3 * PROBE_INTERVAL),
        _ => None,
    }
}

/// With prologue checks the vmctx stack-limit check catches overflow before
/// a frame is allocated, which needs no probes on any backend.
const PROLOGUE_STACK_FLAGS: &[(&str, &str)] = &[("enable_probestack", "false")];

/// Functions start on a 16-byte boundary on x86_64, as GCC and Clang place
/// them. Cranelift's x86_64 minimum is 1 byte, which let the runtime's size
/// shift the whole module by a few bytes from one build to the next: the
/// same machine code then ran up to 12 % faster or slower (interp, json),
/// depending on where its hot loops fell relative to the CPU's 16/32-byte
/// fetch windows. Other ISAs keep Cranelift's minimum (aarch64 4 bytes,
/// riscv64 2), where every byte counts on flash and nothing was measured.
fn log2_function_alignment(triple: &Triple) -> Option<u8> {
    match triple.architecture {
        target_lexicon::Architecture::X86_64 => Some(4),
        _ => None,
    }
}

/// The Cranelift ISA for `target` with its CPU preset's flags.
///
/// # Errors
/// A flag in the description that Cranelift does not know (a bug in
/// `targets/`), or an unsupported triple.
pub fn build_isa(target: &Target) -> Result<OwnedTargetIsa> {
    build_isa_for(target, false, StackChecks::Prologue)
}

/// [`build_isa`], with frame pointers kept in every function when
/// `frame_pointers` is set: Cranelift 0.135 emits `return_call` and
/// `return_call_indirect` only with frame pointers (it panics otherwise),
/// so modules with tail calls ask for them and other modules keep the
/// leaner frames.
///
/// # Errors
/// As [`build_isa`].
///
/// `stack_checks` chooses the stack-probe flags ([`GUARD_STACK_FLAGS`]).
pub fn build_isa_for(
    target: &Target,
    frame_pointers: bool,
    stack_checks: StackChecks,
) -> Result<OwnedTargetIsa> {
    let mut shared = settings::builder();
    if frame_pointers {
        shared
            .set("preserve_frame_pointers", "true")
            .map_err(|e| anyhow!("BUG: Cranelift flag preserve_frame_pointers: {e}"))?;
    }
    let stack_flags = match stack_checks {
        StackChecks::Prologue => PROLOGUE_STACK_FLAGS,
        StackChecks::Guard => GUARD_STACK_FLAGS,
    };
    for (name, value) in SHARED_FLAGS.iter().chain(stack_flags) {
        shared
            .set(name, value)
            .map_err(|e| anyhow!("BUG: Cranelift flag {name}={value}: {e}"))?;
    }
    let triple = Triple::from_str(&target.spec.triple)
        .map_err(|e| anyhow!("BUG: bad triple {}: {e}", target.spec.triple))?;
    if let Some(log2) = log2_function_alignment(&triple) {
        shared
            .set("log2_min_function_alignment", &log2.to_string())
            .map_err(|e| anyhow!("BUG: Cranelift flag log2_min_function_alignment: {e}"))?;
    }
    let mut isa = cranelift_codegen::isa::lookup(triple)
        .with_context(|| format!("Cranelift has no backend for {}", target.spec.triple))?;
    for flag in target.cpu_flags() {
        isa.enable(flag).map_err(|e| {
            anyhow!(
                "BUG: targets/{}.toml CPU `{}` sets unknown flag `{flag}`: {e}",
                target.isa,
                target.cpu
            )
        })?;
    }
    isa.finish(settings::Flags::new(shared))
        .map_err(|e| anyhow!("cannot configure Cranelift for {}: {e}", target.isa))
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::Context;
    use cranelift_codegen::control::ControlPlane;
    use cranelift_codegen::ir::{Function, InstBuilder, Signature, UserFuncName};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    use super::build_isa;
    use crate::config::Target;

    /// The alignment Cranelift gives an empty function compiled for `target`.
    fn function_alignment(target: &str) -> u32 {
        let isa = build_isa(&Target::parse(target).unwrap()).unwrap();
        let signature = Signature::new(isa.default_call_conv());
        let mut func = Function::with_name_signature(UserFuncName::default(), signature);
        let mut builder_ctx = FunctionBuilderContext::new();
        let mut builder = FunctionBuilder::new(&mut func, &mut builder_ctx);
        let block = builder.create_block();
        builder.switch_to_block(block);
        builder.seal_block(block);
        builder.ins().return_(&[]);
        builder.finalize(isa.frontend_config());
        let mut ctx = Context::for_function(func);
        ctx.compile(&*isa, &mut ControlPlane::default()).unwrap();
        ctx.compiled_code().unwrap().buffer.alignment
    }

    #[test]
    fn x86_64_functions_start_on_16_bytes_other_isas_keep_cranelifts_minimum() {
        assert_eq!(function_alignment("x86_64"), 16);
        assert_eq!(function_alignment("aarch64"), 4);
        assert_eq!(function_alignment("riscv64"), 2);
    }
}
