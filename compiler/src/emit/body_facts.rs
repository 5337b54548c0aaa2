//! What the compiler must know of every function body before it compiles
//! any of them: whether the module makes tail calls (the ISA's frame
//! pointers) or uses exceptions (checks after calls), and the calls worth
//! inlining. Each body is read once for all of it, right after its
//! validation and on the same thread, so with `-j N` this prelude runs on
//! N threads instead of three serial walks over every operator.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use anyhow::Result;
use wasmparser::FunctionBody;

use super::inline::LoopCalls;
use crate::module_info::{ModuleInfo, PendingBodies};
use crate::translate::call::is_tail_call;
use crate::translate::exceptions::is_exception_operator;

/// The module-wide facts, from all bodies.
pub struct BodyFacts {
    /// Some body makes a tail call (`call::uses_tail_calls`).
    pub tail_calls: bool,
    /// Some body throws or has a handler (`exceptions::uses_exceptions`).
    pub exceptions: bool,
    /// Per body (defined index): its direct calls inside loops, callee ->
    /// call sites (`inline::plan_from_loop_calls`).
    pub loop_calls: Vec<BTreeMap<usize, u64>>,
}

/// Validates every body of `info` and reads its facts, on `jobs` threads.
///
/// # Errors
/// The lowest invalid body, as `module_info::parse` reports it.
pub fn validate_and_read(
    info: &ModuleInfo<'_>,
    pending: &PendingBodies<'_>,
    jobs: NonZeroUsize,
) -> Result<BodyFacts> {
    let per_body =
        pending.validate_and_scan(jobs, |body| read_body(body, info.num_imported_funcs))?;
    let mut facts = BodyFacts {
        tail_calls: false,
        exceptions: false,
        loop_calls: Vec::with_capacity(per_body.len()),
    };
    for body in per_body {
        facts.tail_calls |= body.tail_calls;
        facts.exceptions |= body.exceptions;
        facts.loop_calls.push(body.loop_calls);
    }
    Ok(facts)
}

/// One body's share of [`BodyFacts`].
struct OneBody {
    tail_calls: bool,
    exceptions: bool,
    loop_calls: BTreeMap<usize, u64>,
}

fn read_body(body: &FunctionBody<'_>, num_imported_funcs: u32) -> Result<OneBody> {
    let mut tail_calls = false;
    let mut exceptions = false;
    let mut loop_calls = LoopCalls::new(num_imported_funcs);
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let op = ops.read()?;
        tail_calls |= is_tail_call(&op);
        exceptions |= is_exception_operator(&op);
        loop_calls.visit(&op);
    }
    Ok(OneBody {
        tail_calls,
        exceptions,
        loop_calls: loop_calls.into_sites(),
    })
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::validate_and_read;
    use crate::emit::inline;
    use crate::module_info::parse_deferring_bodies;

    /// The facts read on several threads are those of the serial walks
    /// they replace.
    #[test]
    fn facts_match_the_whole_module_walks() {
        let modules = [
            "(module (func $a (loop (call $b) (br 0))) (func $b) (func $c (return_call $b)))",
            "(module (tag $e) (func $f (loop (call $g) (call $g) (call $f))) \
             (func $g (throw $e)))",
            "(module (import \"m\" \"f\" (func $i)) (func (loop (call $i) (block (call 2)))) \
             (func (call 1)))",
        ];
        for text in modules {
            let wasm = wat::parse_str(text).expect("the text parses");
            let (info, pending) = parse_deferring_bodies(&wasm).expect("valid sections");
            for jobs in [1, 3] {
                let facts = validate_and_read(&info, &pending, NonZeroUsize::new(jobs).unwrap())
                    .expect("valid bodies");
                assert_eq!(
                    facts.tail_calls,
                    crate::translate::call::uses_tail_calls(&info).unwrap(),
                    "{text}"
                );
                assert_eq!(
                    facts.exceptions,
                    crate::translate::exceptions::uses_exceptions(&info).unwrap(),
                    "{text}"
                );
                let walked = inline::plan(&info, inline::MAX_CALLEE_BYTES).unwrap();
                let read = inline::plan_from_loop_calls(
                    &info,
                    &facts.loop_calls,
                    inline::MAX_CALLEE_BYTES,
                );
                assert_eq!(walked.callees, read.callees, "{text}");
                assert!(!read.callees.is_empty(), "{text}: a loop call to inline");
            }
        }
    }
}
