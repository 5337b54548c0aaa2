//! Where wafer's trace disagrees with the reference's.
//!
//! Results must agree value by value (floats bit for bit, any NaN matching
//! any NaN), traps kind by kind, and after every step the exported
//! memories (length and digest) and exported globals must be equal.
//!
//! Stack exhaustion is the one allowed difference: the depth at which
//! `call stack exhausted` happens depends on frame sizes and each engine's
//! limit, so a step where either side exhausts its stack ends the
//! comparison of that test case as *inconclusive* — the state after it
//! (globals and memory written by the frames that did run) legitimately
//! differs too.

use crate::generate::TestCase;
use crate::trace::{Outcome, State, Trace};
use crate::value::Value;

/// The result of comparing two traces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every step agreed.
    Agree,
    /// The steps before `step` agreed; at `step` a stack ran out.
    Inconclusive { step: usize },
    /// The first disagreement, in words.
    Mismatch(String),
}

/// Compares wafer's trace of `case` with the reference's.
pub fn compare(case: &TestCase, reference: &Trace, wafer: &Trace) -> Verdict {
    for (i, (want, got)) in reference.steps.iter().zip(&wafer.steps).enumerate() {
        let what = describe_step(case, i);
        if want.outcome.is_exhaustion() || got.outcome.is_exhaustion() {
            return Verdict::Inconclusive { step: i };
        }
        if !outcomes_agree(&want.outcome, &got.outcome) {
            return Verdict::Mismatch(format!(
                "{what}: wasmi {}, wafer {}",
                want.outcome, got.outcome
            ));
        }
        match (&want.state, &got.state) {
            (Some(want), Some(got)) => {
                if let Some(difference) = state_difference(case, want, got) {
                    return Verdict::Mismatch(format!("after {what}: {difference}"));
                }
            }
            (None, None) => {}
            _ => return Verdict::Mismatch(format!("after {what}: one engine has no instance")),
        }
    }
    if reference.steps.len() != wafer.steps.len() {
        return Verdict::Mismatch(format!(
            "wasmi ran {} steps, wafer {}",
            reference.steps.len(),
            wafer.steps.len()
        ));
    }
    Verdict::Agree
}

/// "instantiation" or "call 3 `f`(i32:0 f64:0)".
pub fn describe_step(case: &TestCase, step: usize) -> String {
    match step.checked_sub(1).and_then(|c| case.calls.get(c)) {
        None => "instantiation".into(),
        Some(call) => {
            let args: Vec<String> = call.args.iter().map(|a| a.to_string()).collect();
            format!("call {step} `{}`({})", call.export, args.join(" "))
        }
    }
}

fn outcomes_agree(want: &Outcome, got: &Outcome) -> bool {
    match (want, got) {
        (Outcome::Returned(a), Outcome::Returned(b)) => values_agree(a, b),
        (Outcome::Trapped(a), Outcome::Trapped(b)) => a == b,
        _ => false,
    }
}

fn values_agree(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.agrees_with(y))
}

fn state_difference(case: &TestCase, want: &State, got: &State) -> Option<String> {
    for (i, (w, g)) in want.memories.iter().zip(&got.memories).enumerate() {
        if w != g {
            let name = case.exports.memories.get(i).map_or("?", |s| s.as_str());
            return Some(format!(
                "memory `{name}`: wasmi {} bytes digest {:016x}, wafer {} bytes digest {:016x}",
                w.length, w.hash, g.length, g.hash
            ));
        }
    }
    for (i, (w, g)) in want.globals.iter().zip(&got.globals).enumerate() {
        if !w.agrees_with(g) {
            let name = case.exports.globals.get(i).map_or("?", |s| s.as_str());
            return Some(format!("global `{name}`: wasmi {w}, wafer {g}"));
        }
    }
    if want.memories.len() != got.memories.len() || want.globals.len() != got.globals.len() {
        return Some("a different number of exported memories or globals".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Call, Exports};
    use crate::trace::{MemoryDigest, Step, Trap};

    fn case() -> TestCase {
        TestCase {
            wasm: Vec::new(),
            exports: Exports {
                funcs: Vec::new(),
                memories: vec!["m".into()],
                globals: vec!["g".into()],
            },
            calls: vec![
                Call {
                    export: "f".into(),
                    args: vec![Value::I32(7)],
                },
                Call {
                    export: "h".into(),
                    args: vec![],
                },
            ],
        }
    }

    fn state(hash: u64, global: u32) -> Option<State> {
        Some(State {
            memories: vec![MemoryDigest {
                length: 65536,
                hash,
            }],
            globals: vec![Value::I32(global)],
        })
    }

    fn trace(steps: Vec<(Outcome, Option<State>)>) -> Trace {
        Trace {
            steps: steps
                .into_iter()
                .map(|(outcome, state)| Step { outcome, state })
                .collect(),
        }
    }

    fn ok(values: Vec<Value>) -> Outcome {
        Outcome::Returned(values)
    }

    #[test]
    fn equal_traces_agree() {
        let t = trace(vec![
            (ok(vec![]), state(1, 0)),
            (ok(vec![Value::F32(0x7fc0_0000)]), state(2, 1)),
            (Outcome::Trapped(Trap::Unreachable), state(2, 1)),
        ]);
        assert_eq!(compare(&case(), &t, &t), Verdict::Agree);
    }

    #[test]
    fn a_different_result_is_a_mismatch_naming_the_call() {
        let want = trace(vec![
            (ok(vec![]), state(1, 0)),
            (ok(vec![Value::I32(1)]), state(1, 0)),
        ]);
        let got = trace(vec![
            (ok(vec![]), state(1, 0)),
            (ok(vec![Value::I32(2)]), state(1, 0)),
        ]);
        let Verdict::Mismatch(text) = compare(&case(), &want, &got) else {
            panic!("no mismatch")
        };
        assert!(text.contains("call 1 `f`(i32:7)"), "{text}");
        assert!(
            text.contains("wasmi returned i32:1, wafer returned i32:2"),
            "{text}"
        );
    }

    #[test]
    fn trap_kinds_must_agree_not_just_trapping() {
        let want = trace(vec![(Outcome::Trapped(Trap::MemoryOutOfBounds), None)]);
        let got = trace(vec![(Outcome::Trapped(Trap::IntegerOverflow), None)]);
        assert!(matches!(
            compare(&case(), &want, &got),
            Verdict::Mismatch(_)
        ));
    }

    #[test]
    fn memory_and_global_differences_are_mismatches() {
        let base = trace(vec![(ok(vec![]), state(1, 0))]);
        let memory = trace(vec![(ok(vec![]), state(9, 0))]);
        let global = trace(vec![(ok(vec![]), state(1, 5))]);
        let Verdict::Mismatch(text) = compare(&case(), &base, &memory) else {
            panic!("memory difference not seen")
        };
        assert!(text.contains("after instantiation: memory `m`"), "{text}");
        let Verdict::Mismatch(text) = compare(&case(), &base, &global) else {
            panic!("global difference not seen")
        };
        assert!(
            text.contains("global `g`: wasmi i32:0, wafer i32:5"),
            "{text}"
        );
    }

    #[test]
    fn stack_exhaustion_on_either_side_makes_the_rest_inconclusive() {
        let exhausted = Outcome::Trapped(Trap::CallStackExhausted);
        let want = trace(vec![
            (ok(vec![]), state(1, 0)),
            (exhausted.clone(), state(1, 3)),
            (ok(vec![]), state(1, 3)),
        ]);
        // wafer went deeper, returned, and left different state: not a bug.
        let got = trace(vec![
            (ok(vec![]), state(1, 0)),
            (ok(vec![Value::I32(4)]), state(7, 9)),
            (ok(vec![]), state(7, 9)),
        ]);
        assert_eq!(
            compare(&case(), &want, &got),
            Verdict::Inconclusive { step: 1 }
        );
        assert_eq!(
            compare(&case(), &got, &want),
            Verdict::Inconclusive { step: 1 }
        );
    }

    #[test]
    fn a_shorter_trace_is_a_mismatch() {
        let want = trace(vec![(ok(vec![]), state(1, 0)), (ok(vec![]), state(1, 0))]);
        let got = trace(vec![(ok(vec![]), state(1, 0))]);
        assert!(matches!(
            compare(&case(), &want, &got),
            Verdict::Mismatch(_)
        ));
    }
}
