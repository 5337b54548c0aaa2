//! Which tests inside a loop bound its iterations.
//!
//! A test `a != b` bounds the loop when every iteration that goes on to
//! the next one must have passed it with `a != b` true. With `a` an
//! induction counter and `b` invariant, the first iteration `t_last` in
//! which `a == b` holds at the test is then the last one that can start,
//! wherever the test sits in the body: the accesses of every iteration
//! that runs lie in iterations `0..=t_last` (an over-approximation when
//! the test comes before some of them, which only makes the entry test
//! fail more often, never wrongly pass).
//!
//! Besides the back edge (`br_if 0 (a != b)` as the loop's last
//! operator, handled by the scan itself), this finds three shapes clang
//! and wasi-libc emit for an exit in the middle of the body:
//!
//! ```text
//! br_if $out (a == b)                ;; leaves the loop when equal
//! block  (a != b) br_if 0  <tail>  end    ;; <tail> always leaves the loop
//! if (a == b)  <tail>  end                ;; <tail> always leaves the loop
//! ```
//!
//! each at a point *every continuing iteration passes* ("must pass"): the
//! loop's top level, or a `block` entered from such a point before any
//! branch that could skip the rest of it. A tail "always leaves the loop"
//! when the code after it, at the frame's `end`, is unreachable and no
//! branch from inside the tail lands at or beyond that frame's `end`
//! inside the loop (branches out of the loop, `return` and traps are
//! fine; a branch to the header is refused by the scan anyway).

use super::{Invariant, Term, Value};

/// Exit state of one open frame inside the loop (frame 0 is the loop).
struct FrameExits {
    /// Every iteration that continues to the next passes the current
    /// point of this frame.
    must_pass: bool,
    /// `(a, b)`: this frame's `end` can only be reached with `a != b`
    /// (through the guarding branch, or past the guarding `if`), as long
    /// as its fall-through turns out to be unreachable and nothing else
    /// branches to it.
    guard: Option<(Term, Term)>,
}

/// Follows the frames of one loop iteration and collects the tests that
/// bound the loop (besides its back edge).
pub(super) struct ExitTracker {
    frames: Vec<FrameExits>,
    /// `(a, b)` of each test that every continuing iteration passes with
    /// `a != b` true.
    pub(super) bounding: Vec<(Term, Term)>,
}

/// `(a, b)` when taking a branch on `condition` implies `a != b` (a bare
/// i32 is `value != 0`).
pub(super) fn taken_implies_not_equal(condition: Value) -> Option<(Term, Term)> {
    match condition {
        Value::NotEqual(a, b) => Some((a, b)),
        Value::Term(t) => Some((t, Term::Invariant(Invariant::Const(0)))),
        Value::Equal(..) => None,
    }
}

/// `(a, b)` when not taking a branch on `condition` implies `a != b`.
fn not_taken_implies_not_equal(condition: Value) -> Option<(Term, Term)> {
    match condition {
        Value::Equal(a, b) => Some((a, b)),
        Value::Term(_) | Value::NotEqual(..) => None,
    }
}

impl ExitTracker {
    pub(super) fn new() -> ExitTracker {
        ExitTracker {
            frames: vec![FrameExits {
                must_pass: true,
                guard: None,
            }],
            bounding: Vec::new(),
        }
    }

    fn innermost(&self) -> Option<&FrameExits> {
        self.frames.last()
    }

    fn must_pass(&self) -> bool {
        self.innermost().is_some_and(|f| f.must_pass)
    }

    /// A `block` opened at the current point.
    pub(super) fn open_block(&mut self) {
        let must_pass = self.must_pass();
        self.frames.push(FrameExits {
            must_pass,
            guard: None,
        });
    }

    /// An `if` on `condition` opened at the current point: its arms run
    /// only on some paths; past it, with no `else` and a `then` arm that
    /// always leaves the loop, the condition was false.
    pub(super) fn open_if(&mut self, condition: Value) {
        let guard = if self.must_pass() {
            not_taken_implies_not_equal(condition)
        } else {
            None
        };
        self.frames.push(FrameExits {
            must_pass: false,
            guard,
        });
    }

    /// The `else` of the innermost `if`: its `end` is also reached from
    /// this arm.
    pub(super) fn enter_else(&mut self) {
        if let Some(frame) = self.frames.last_mut() {
            frame.must_pass = false;
            frame.guard = None;
        }
    }

    /// The innermost frame ends; `fell_through` when the code before its
    /// `end` is reachable (the `end` is then reached without the guard).
    pub(super) fn close(&mut self, fell_through: bool) {
        if let Some(frame) = self.frames.pop()
            && !fell_through
            && let Some(guard) = frame.guard
        {
            self.bounding.push(guard);
        }
    }

    /// Index of the frame a branch of relative depth `relative` targets,
    /// or `None` when it leaves the loop (index 0 is the loop's header).
    fn target(&self, relative: u32) -> Option<usize> {
        let depth = self.frames.len().checked_sub(1)?;
        depth.checked_sub(relative as usize)
    }

    /// A branch (taken or not) to the `end` of frame `target` (>= 1): the
    /// rest of that frame and of the frames inside it is skipped on some
    /// paths, and their `end`s are reached some other way than their
    /// guards.
    fn branch_inside(&mut self, target: usize) {
        for frame in self.frames.iter_mut().skip(target) {
            frame.must_pass = false;
            frame.guard = None;
        }
    }

    /// `br_if relative` on `condition` that does not target the loop's
    /// header (the scan handles the back edge).
    pub(super) fn branch_if(&mut self, relative: u32, condition: Value) {
        let must_pass = self.must_pass();
        match self.target(relative) {
            // Leaves the loop: continuing iterations did not take it.
            None => {
                if must_pass && let Some(test) = not_taken_implies_not_equal(condition) {
                    self.bounding.push(test);
                }
            }
            Some(0) => {}
            Some(target) => {
                self.branch_inside(target);
                // To the innermost frame's own `end`: the guard, if the
                // rest of the frame always leaves the loop.
                if relative == 0
                    && must_pass
                    && let Some(frame) = self.frames.last_mut()
                {
                    frame.guard = taken_implies_not_equal(condition);
                }
            }
        }
    }

    /// `br relative` (or one target of a `br_table`) that does not target
    /// the loop's header.
    pub(super) fn branch(&mut self, relative: u32) {
        if let Some(target) = self.target(relative)
            && target > 0
        {
            self.branch_inside(target);
        }
    }
}
