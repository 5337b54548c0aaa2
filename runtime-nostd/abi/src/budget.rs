//! Fuel and deadlines (`--fuel N`, `--timeout-ms N`): one counter per
//! instance, shared by both.
//!
//! Code compiled with either flag keeps the counter
//! ([`crate::vmctx::BUDGET`]) in a register, subtracts what it executes
//! (see the compiler's `translate/budget.rs` for what counts), and at every
//! function entry and loop header checks it: when it is negative it stores
//! it to the vmctx and calls [`REFILL_SYMBOL`]`(vmctx)` with Cranelift's
//! `preserve_all` convention (no register clobbered). The runtime stores a
//! new counter (>= 0) and returns, or raises the trap `fuel exhausted` /
//! `deadline exceeded` (a normal wafer trap, named with the function it
//! happened in).
//!
//! The counter never holds more than the fuel left: the rest waits in
//! [`crate::vmctx::BUDGET_RESERVE`], so `reserve + counter` is always the
//! fuel left, and the first check at which it is negative traps — the same
//! check on every board and every run, whatever the slice. With a
//! deadline the counter holds at most [`SLICE`], so the clock is read
//! (polled, no interrupt) about every [`SLICE`] counted operators.

/// The runtime function compiled code calls when the counter is negative:
/// `preserve_all`, one parameter (the vmctx), no result.
pub const REFILL_SYMBOL: &str = "wafer_budget_refill";

/// Counted operators between two clock reads when a deadline is set:
/// about 0.3 ms of native code, a few ms under QEMU, against a clock read
/// that costs well under a microsecond natively (measured in the README).
pub const SLICE: i64 = 1 << 18;

/// [`Policy::refill`]'s answer when the fuel is spent (`fuel exhausted`).
pub const FUEL_EXHAUSTED: i64 = -1;
/// [`Policy::refill`]'s answer when the deadline passed (`deadline exceeded`).
pub const DEADLINE_EXCEEDED: i64 = -2;

/// Fuel of a module compiled with `--timeout-ms` only: never runs out
/// (2^62 operators is more than a century of execution).
pub const UNLIMITED_FUEL: i64 = 1 << 62;

/// The largest `--fuel`: fuel is kept in an i64 next to negative counts.
pub const MAX_FUEL: u64 = UNLIMITED_FUEL as u64;
/// The largest `--timeout-ms` (about 292 years in ns fits a u64 many times).
pub const MAX_TIMEOUT_MS: u64 = 1 << 40;

/// A module's limits as its descriptor records them (0 = none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Counted operators per call (0: unlimited).
    pub fuel: u64,
    /// Nanoseconds per call (0: no deadline).
    pub timeout_ns: u64,
}

/// The three budget words of a vmctx.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub counter: i64,
    pub reserve: i64,
    /// Monotonic ns; 0 until armed, `u64::MAX` when there is no deadline.
    pub deadline: u64,
}

impl Policy {
    /// Whether the module was compiled with budget checks.
    pub const fn enabled(self) -> bool {
        self.fuel != 0 || self.timeout_ns != 0
    }

    /// A full budget for a call starting at `now` (monotonic ns).
    pub fn arm(self, now: u64) -> State {
        let total = if self.fuel == 0 {
            UNLIMITED_FUEL
        } else {
            self.fuel.min(MAX_FUEL) as i64
        };
        let deadline = if self.timeout_ns == 0 {
            u64::MAX
        } else {
            now.saturating_add(self.timeout_ns).max(1)
        };
        let counter = self.chunk(total);
        State {
            counter,
            reserve: total - counter,
            deadline,
        }
    }

    /// What goes into the counter out of `total` fuel left: everything
    /// without a deadline (no reason to stop early), else one slice.
    fn chunk(self, total: i64) -> i64 {
        if self.timeout_ns == 0 {
            total
        } else {
            total.min(SLICE)
        }
    }

    /// Called when compiled code found `state.counter` negative: the new
    /// state, or [`FUEL_EXHAUSTED`] / [`DEADLINE_EXCEEDED`] as `Err`.
    /// `now` is read only when there is a deadline.
    pub fn refill(self, state: State, now: impl FnOnce() -> u64) -> Result<State, i64> {
        let total = state.reserve.saturating_add(state.counter);
        if total < 0 {
            return Err(FUEL_EXHAUSTED);
        }
        if self.timeout_ns != 0 && now() >= state.deadline {
            return Err(DEADLINE_EXCEEDED);
        }
        let counter = self.chunk(total);
        Ok(State {
            counter,
            reserve: total - counter,
            deadline: state.deadline,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `ops` operators with a check after each `step`, as compiled
    /// code would; the number run before the trap, and the trap.
    fn run(policy: Policy, ops: i64, step: i64, clock: &mut dyn FnMut() -> u64) -> (i64, i64) {
        let mut state = policy.arm(0);
        let mut done = 0;
        while done < ops {
            state.counter -= step;
            done += step;
            if state.counter < 0 {
                match policy.refill(state, &mut *clock) {
                    Ok(next) => state = next,
                    Err(code) => return (done, code),
                }
            }
        }
        (done, 0)
    }

    #[test]
    fn fuel_traps_at_the_first_check_past_it_whatever_the_slice() {
        let fuel_only = Policy {
            fuel: 1_000_003,
            timeout_ns: 0,
        };
        let both = Policy {
            fuel: 1_000_003,
            timeout_ns: 1_000_000_000,
        };
        let mut never = || 0;
        // Checks every 10 operators: the check after operator 1_000_010 is
        // the first with more than 1_000_003 spent.
        assert_eq!(
            run(fuel_only, 10_000_000, 10, &mut never),
            (1_000_010, FUEL_EXHAUSTED)
        );
        assert_eq!(
            run(both, 10_000_000, 10, &mut never),
            (1_000_010, FUEL_EXHAUSTED)
        );
        // Exactly the fuel is allowed.
        assert_eq!(run(fuel_only, 1_000_000, 10, &mut never), (1_000_000, 0));
    }

    #[test]
    fn a_deadline_is_polled_once_per_slice_and_stops_the_call() {
        let policy = Policy {
            fuel: 0,
            timeout_ns: 500,
        };
        let mut reads = 0u64;
        let mut clock = || {
            reads += 1;
            reads * 100
        };
        let (done, code) = run(policy, i64::MAX, 1, &mut clock);
        assert_eq!(code, DEADLINE_EXCEEDED);
        // Reads at 100..=500 ns: the fifth one is at the deadline.
        assert_eq!(reads, 5);
        assert_eq!(done, 5 * SLICE + 5);
    }

    #[test]
    fn a_deadline_alone_never_runs_out_of_fuel() {
        let policy = Policy {
            fuel: 0,
            timeout_ns: 1,
        };
        let state = policy.arm(10);
        assert_eq!(state.counter, SLICE);
        assert_eq!(state.reserve, UNLIMITED_FUEL - SLICE);
        assert_eq!(state.deadline, 11);
        let spent = State {
            counter: -3,
            ..state
        };
        assert_eq!(policy.refill(spent, || 10).map(|s| s.counter), Ok(SLICE));
    }
}
