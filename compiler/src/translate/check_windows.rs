//! One compare for the bounds checks of a window, replayed exactly when
//! it fails.
//!
//! Code that touches a few neighbouring bytes or fields checks each of
//! them: hashmap's FNV-1a loop loads `p`, `p + 1`, `p + 2` and `p + 3`,
//! each behind its own compare and branch, and builds its key with
//! stores at `sp + 48` and `sp + 49`. One check of the widest range
//! instead is unsound as such: when a later access is out of bounds, Wasm
//! requires the stores (and any other trap) before it to happen first,
//! and the trap to be reported at that access. `straight_versions.rs`
//! copies the rest of the block and joins the copies again, which pays
//! only for long runs. Here the copy never comes back:
//!
//! ```text
//! head:   code before the window
//!         brif (the window's checks cannot all pass), replay, rest
//! rest:   the window without its merged checks, then the rest of the block
//! replay: the window as it was, every check in place (cold)
//!         trap
//! ```
//!
//! When the test fails, the replay runs the window's original code: it
//! stores, loads and traps exactly where the original would, and it
//! reaches a failing check before its end (below), so nothing after the
//! window ever runs from it. When the test passes, every merged check
//! would have passed. The fast path pays one compare and branch for the
//! window, as for one check; the replay costs only code size.
//!
//! A window: checks of one block with the same `(root, base)`
//! (`check_shape.rs`: each traps when `zext(root + c) > base + d`, the
//! address taken modulo 2^32), with no call between them (a callee may
//! grow the memory, after which a check that failed passes) and no branch
//! (they are in one block), at most [`MAX_WINDOW_INSTS`] instructions
//! apart and with `c`s at most [`MAX_REACH`] apart. With `low = min(c)`,
//! `A = root + low` (modulo 2^32, the address of the window's lowest
//! access), `δ_i = c_i - low` and
//!
//! ```text
//! fails = zext(A) > base + min(d_i - δ_i)
//! ```
//!
//! - It passes ⇒ every check passes: `zext(A) + δ_i <= base + d_i`, the
//!   memory's length less the access's end, below 2^32; so `A + δ_i`
//!   does not wrap and is check `i`'s address.
//! - It fails ⇒ a check fails. Suppose all pass, and take the `m` that
//!   attains the minimum: `zext(A) + δ_m > base + d_m >= zext(root +
//!   c_m)`, so `A + δ_m` wraps and `zext(A) >= 2^32 - δ_m >= 2^32 -
//!   MAX_REACH`. But the check of `A` itself passes, so `zext(A) <
//!   length <= GUARDED_MAX_BYTES = 2^32 - 64 KiB`: a contradiction for
//!   `MAX_REACH <= 64 KiB`. The caller guarantees that no memory of the
//!   module grows past `GUARDED_MAX_BYTES` (the runtime caps
//!   explicit-mode memories there; `fold_after_access::applies`).
//!
//! The replay re-emits every check it copies from its address, `base`
//! and `d`, so that the condition of a check whose merged original the
//! fast path dropped is computed only there.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, Function, Inst, InstBuilder, TrapCode, Value, types};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use rustc_hash::{FxHashMap, FxHashSet};

use super::check_shape::{Check, check_of};
use super::ir_match::append_copy;

/// Longest window, in instructions from its first check to its last: the
/// replay's code size.
const MAX_WINDOW_INSTS: usize = 64;

/// Fewest checks a window merges. With 2, x86_64 matmul ran 15 % and
/// interp 9 % slower at the same instruction count: the code pairs added
/// earlier in `main` moved their hot loops, and a loop's offset in its
/// 64-byte line alone changes its time by up to 1.8× on the AMD host
/// (docs/benchmarks.md, `benches/tools/loop_placement.py`).
const MIN_CHECKS: usize = 3;

/// Largest distance between the addresses of a window's checks (see the
/// module comment: at most 64 KiB, the room `GUARDED_MAX_BYTES` leaves).
const MAX_REACH: i64 = 1 << 16;

/// The checks of one window, in order; at least two once chosen.
struct Window {
    checks: Vec<Check>,
    low: i64,
    high: i64,
}

impl Window {
    fn new(check: Check) -> Self {
        Window {
            low: check.c,
            high: check.c,
            checks: vec![check],
        }
    }

    /// Whether `check` (of the same root and base, later in the block)
    /// can join.
    fn admits(&self, check: &Check) -> bool {
        check.position - self.checks[0].position <= MAX_WINDOW_INSTS
            && self.high.max(check.c) - self.low.min(check.c) <= MAX_REACH
    }

    fn push(&mut self, check: Check) {
        self.low = self.low.min(check.c);
        self.high = self.high.max(check.c);
        self.checks.push(check);
    }

    fn first(&self) -> &Check {
        &self.checks[0]
    }

    fn last(&self) -> &Check {
        self.checks.last().expect("a window has a check")
    }

    /// `min(d_i - δ_i)`: the test fails when `zext(root + low)` exceeds
    /// `base` plus this.
    fn slack(&self) -> i64 {
        self.checks
            .iter()
            .map(|check| check.d - (check.c - self.low))
            .min()
            .expect("a window has a check")
    }
}

/// Merges the checks of every window of `func` (see the module comment)
/// that runs repeatedly: in a loop, or anywhere in a function without
/// loops, but not in the checked copy of a versioned loop (its header in
/// `checked_copies`), which runs only when the loop's entry test fails.
/// Sound only when no memory of the module grows past
/// `GUARDED_MAX_BYTES`. Returns whether it changed the function.
pub fn merge_check_windows(func: &mut Function, checked_copies: &[Block]) -> bool {
    // The windows first: most functions have none and need no loop
    // analysis. Merging one block leaves the others' instructions as
    // they are.
    let found: Vec<(Block, Vec<Inst>, Vec<Window>)> = func
        .layout
        .blocks()
        .filter(|&block| !func.layout.is_cold(block))
        .filter_map(|block| {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            let windows = windows_in(func, &insts);
            (!windows.is_empty()).then_some((block, insts, windows))
        })
        .collect();
    if found.is_empty() {
        return false;
    }
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    let has_loops = loops.loops().next().is_some();
    let in_checked_copy = |block: Block| {
        let mut lp = loops.innermost_loop(block);
        while let Some(l) = lp {
            if checked_copies.contains(&loops.loop_header(l)) {
                return true;
            }
            lp = loops.loop_parent(l);
        }
        false
    };
    let repeated = |block: Block| {
        !has_loops || (loops.innermost_loop(block).is_some() && !in_checked_copy(block))
    };
    let mut changed = false;
    for (block, insts, windows) in found {
        if !repeated(block) {
            continue;
        }
        // The replays copy the block as the translator left it, before
        // any window drops a check.
        let replays: Vec<Block> = windows
            .iter()
            .map(|window| {
                replay(
                    func,
                    &insts[window.first().position..=window.last().position],
                )
            })
            .collect();
        for (window, replay) in windows.iter().zip(replays) {
            merge(func, window, replay);
        }
        changed = true;
    }
    changed
}

/// The windows of a block whose instructions are `insts`, ordered by
/// their first check.
fn windows_in(func: &Function, insts: &[Inst]) -> Vec<Window> {
    let mut open: FxHashMap<(Value, Value), Window> = FxHashMap::default();
    let mut closed: Vec<Window> = Vec::new();
    for (position, &inst) in insts.iter().enumerate() {
        let opcode = func.dfg.insts[inst].opcode();
        if opcode.is_call() || opcode.is_branch() || opcode.is_terminator() {
            closed.extend(open.drain().map(|(_, window)| window));
            continue;
        }
        let Some(check) = check_of(func, inst, position) else {
            continue;
        };
        let key = (check.root, check.base);
        match open.get_mut(&key) {
            Some(window) if window.admits(&check) => window.push(check),
            _ => closed.extend(open.insert(key, Window::new(check))),
        }
    }
    closed.extend(open.into_values());
    closed.retain(|window| window.checks.len() >= MIN_CHECKS);
    closed.sort_by_key(|window| window.first().position);
    closed
}

/// A new cold block that runs `insts` (a window) as they are, each bounds
/// check re-emitted from its operands, and then traps: the window fails
/// one of its checks before its end (see the module comment).
fn replay(func: &mut Function, insts: &[Inst]) -> Block {
    let block = func.dfg.make_block();
    func.layout.append_block(block);
    func.layout.set_cold(block);
    let mut copies: FxHashMap<Value, Value> = FxHashMap::default();
    for &inst in insts {
        let Some(check) = check_of(func, inst, 0) else {
            append_copy(func, block, inst, &mut copies);
            continue;
        };
        let copied = |v: Value| copies.get(&v).copied().unwrap_or(v);
        let (address, base) = (copied(check.address), copied(check.base));
        let srcloc = func.srcloc(inst);
        let mut cursor = FuncCursor::new(func).at_bottom(block);
        cursor.set_srcloc(srcloc);
        let wide = cursor.ins().uextend(types::I64, address);
        let limit = cursor.ins().iadd_imm_s(base, check.d);
        let fails = cursor.ins().icmp(IntCC::SignedGreaterThan, wide, limit);
        cursor.ins().trapnz(fails, TrapCode::HEAP_OUT_OF_BOUNDS);
    }
    let srcloc = func.srcloc(*insts.last().expect("a window has checks"));
    let mut cursor = FuncCursor::new(func).at_bottom(block);
    cursor.set_srcloc(srcloc);
    cursor.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
    block
}

/// Replaces `window`'s checks by one test that branches to `replay`.
fn merge(func: &mut Function, window: &Window, replay: Block) {
    let first = window.first();
    let srcloc = func.srcloc(first.trap);
    let rest = func.dfg.make_block();
    let head = func
        .layout
        .inst_block(first.trap)
        .expect("a window's check is in the layout");
    func.layout.split_block(rest, first.trap);
    let mut cursor = FuncCursor::new(func).at_bottom(head);
    cursor.set_srcloc(srcloc);
    let lowest = if window.low == first.c {
        first.address
    } else {
        cursor.ins().iadd_imm_s(first.root, window.low)
    };
    let wide = cursor.ins().uextend(types::I64, lowest);
    let limit = cursor.ins().iadd_imm_s(first.base, window.slack());
    let fails = cursor.ins().icmp(IntCC::SignedGreaterThan, wide, limit);
    cursor.ins().brif(fails, replay, &[], rest, &[]);
    let dropped: FxHashSet<Inst> = window.checks.iter().map(|check| check.trap).collect();
    for trap in dropped {
        func.layout.remove_inst(trap);
    }
}

#[cfg(test)]
mod tests {
    use cranelift_codegen::data_value::DataValue;
    use cranelift_codegen::ir::condcodes::IntCC;
    use cranelift_codegen::ir::{Function, InstBuilder, TrapCode, Value, types};
    use cranelift_frontend::FunctionBuilder;

    use super::merge_check_windows;
    use crate::translate::test_ir;

    /// A check as the translator emits it: traps unless
    /// `zext(address) <= length - end`.
    fn check(b: &mut FunctionBuilder, address: Value, length: Value, end: i64) {
        let last_start = b.ins().iadd_imm_s(length, -end);
        let wide = b.ins().uextend(types::I64, address);
        let out = b.ins().icmp(IntCC::SignedGreaterThan, wide, last_start);
        b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    /// The same check in aarch64's form (for `length >= end`).
    fn check32(b: &mut FunctionBuilder, address: Value, length: Value, end: i64) {
        let last_start = b.ins().iadd_imm_s(length, -end);
        let narrow = b.ins().ireduce(types::I32, last_start);
        let out = b.ins().icmp(IntCC::UnsignedGreaterThan, address, narrow);
        b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    /// The same check in x86_64's form for an access ending one byte past
    /// the length variable's bias (here 0): `zext(address) >= length`.
    fn check_at_length(b: &mut FunctionBuilder, address: Value, length: Value, end: i64) {
        if end != 1 {
            return check(b, address, length, end);
        }
        let wide = b.ins().uextend(types::I64, address);
        let out = b.ins().icmp(IntCC::SignedGreaterThanOrEqual, wide, length);
        b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
    }

    type EmitCheck = fn(&mut FunctionBuilder, Value, Value, i64);

    /// `fn(root: i32, length: i64, divisor: i32) -> i64`: for each
    /// `(c, end)` of `accesses`, a check of the i32 address `root + c`
    /// followed by arithmetic standing for the access (the running sum of
    /// the addresses). With `divide_after`, the sum is divided by
    /// `divisor` after that many accesses: a trap of another kind inside
    /// the window.
    fn accesses(
        accesses: &[(i64, i64)],
        emit_check: EmitCheck,
        divide_after: Option<usize>,
    ) -> Function {
        test_ir::function(
            &[types::I32, types::I64, types::I32],
            &[types::I64],
            |b, params| {
                let (root, length, divisor) = (params[0], params[1], params[2]);
                let mut sum = b.ins().iconst(types::I64, 0);
                for (k, &(c, end)) in accesses.iter().enumerate() {
                    if divide_after == Some(k) {
                        let wide = b.ins().uextend(types::I64, divisor);
                        sum = b.ins().udiv(sum, wide);
                    }
                    let address = b.ins().iadd_imm_s(root, c);
                    emit_check(b, address, length, end);
                    let wide = b.ins().uextend(types::I64, address);
                    sum = b.ins().iadd(sum, wide);
                }
                b.ins().return_(&[sum]);
            },
        )
    }

    /// Bounds checks left in blocks that are not cold: the fast path's.
    fn hot_checks(checks: &[(bool, usize)]) -> usize {
        checks
            .iter()
            .filter(|&&(cold, _)| !cold)
            .map(|&(_, n)| n)
            .sum()
    }

    /// Merges `func`'s windows and checks that the result is valid IR and
    /// returns or traps (with the same code) exactly as `func` on roots and
    /// lengths around every boundary, wrapping addresses included.
    fn merged_agrees(func: &Function, lengths: &[i64]) -> Function {
        let mut merged = func.clone();
        assert!(merge_check_windows(&mut merged, &[]), "{}", func.display());
        test_ir::assert_valid(&merged);
        let roots = [
            0u32,
            1,
            2,
            7,
            8,
            9,
            12,
            100,
            4093,
            4096,
            65_535,
            u32::MAX - 16,
            u32::MAX - 2,
            u32::MAX - 1,
            u32::MAX,
        ];
        let mut outcomes = [0usize; 2];
        for root in roots {
            for &length in lengths {
                for delta in -3i64..=3 {
                    for divisor in [0, 3] {
                        let args = [
                            DataValue::I32(root as i32),
                            DataValue::I64(length + delta),
                            DataValue::I32(divisor),
                        ];
                        let expected = test_ir::interpret(func, &args);
                        outcomes[usize::from(expected.is_ok())] += 1;
                        assert_eq!(
                            test_ir::interpret(&merged, &args),
                            expected,
                            "root {root}, length {}, divisor {divisor}\n{}",
                            length + delta,
                            merged.display()
                        );
                    }
                }
            }
        }
        assert!(
            outcomes.iter().all(|&n| n > 0),
            "the inputs must both trap and return: {outcomes:?}"
        );
        merged
    }

    /// Lengths around the ends of the accesses, up to the largest a
    /// memory reaches (`GUARDED_MAX_BYTES`).
    const LENGTHS: [i64; 8] = [
        8,
        103,
        108,
        112,
        4100,
        65_536,
        1 << 20,
        (1 << 32) - (1 << 16),
    ];

    /// Fields of a struct at `root - 8 ..= root + 100`, in no order.
    const FIELDS: [(i64, i64); 6] = [(8, 8), (0, 4), (-8, 8), (100, 4), (3, 1), (96, 4)];

    #[test]
    fn a_window_keeps_one_check_and_a_cold_replay_with_all() {
        let merged = merged_agrees(&accesses(&FIELDS, check, None), &LENGTHS);
        let checks = test_ir::heap_checks_per_block(&merged);
        assert!(checks.contains(&(true, FIELDS.len())), "{checks:?}");
        assert_eq!(
            hot_checks(&checks),
            0,
            "the fast path keeps only the merged test\n{}",
            merged.display()
        );
    }

    #[test]
    fn addresses_that_wrap_trap_where_they_did() {
        // `root + 2`, `root + 1`, `root`, as clang adds offsets: with root
        // 2^32 - 2 the first address wraps to 0 and is in bounds.
        merged_agrees(&accesses(&[(2, 1), (1, 1), (0, 1)], check, None), &LENGTHS);
    }

    #[test]
    fn aarch64_checks_in_32_bits_merge_too() {
        merged_agrees(&accesses(&FIELDS, check32, None), &LENGTHS[2..]);
    }

    #[test]
    fn byte_checks_against_the_length_itself_merge_too() {
        // The byte at `root + 3` reaches furthest: the merged test must
        // read its `>=` as `> length - 1`.
        let bytes = [(0, 1), (2, 1), (1, 1), (3, 1)];
        for fields in [&bytes[..], &FIELDS[..]] {
            let merged = merged_agrees(&accesses(fields, check_at_length, None), &LENGTHS);
            let checks = test_ir::heap_checks_per_block(&merged);
            assert_eq!(hot_checks(&checks), 0, "{}", merged.display());
        }
    }

    #[test]
    fn another_trap_inside_the_window_comes_first_as_before() {
        let merged = merged_agrees(&accesses(&FIELDS, check, Some(3)), &LENGTHS);
        assert!(test_ir::heap_checks_per_block(&merged).contains(&(true, FIELDS.len())));
    }

    #[test]
    fn two_checks_and_checks_a_call_separates_stay() {
        let mut pair = accesses(&FIELDS[..2], check, None);
        assert!(!merge_check_windows(&mut pair, &[]), "{}", pair.display());

        // Two checks before a call and two after: no window has three.
        let mut split = test_ir::function(&[types::I32, types::I64], &[], |b, params| {
            let (root, length) = (params[0], params[1]);
            let signature = b.import_signature(cranelift_codegen::ir::Signature::new(
                cranelift_codegen::isa::CallConv::SystemV,
            ));
            let callee = b.import_function(cranelift_codegen::ir::ExtFuncData {
                name: cranelift_codegen::ir::ExternalName::testcase("g"),
                signature,
                colocated: true,
                patchable: false,
            });
            for c in [0, 4] {
                let address = b.ins().iadd_imm_s(root, c);
                check(b, address, length, 4);
            }
            b.ins().call(callee, &[]);
            for c in [8, 12] {
                let address = b.ins().iadd_imm_s(root, c);
                check(b, address, length, 4);
            }
            b.ins().return_(&[]);
        });
        assert!(!merge_check_windows(&mut split, &[]), "{}", split.display());
    }

    #[test]
    fn addresses_too_far_apart_are_separate_windows() {
        // 64 KiB + 1 between the lowest and the highest: the proof that
        // the replay traps needs the window to reach at most 64 KiB.
        let far = [(0, 1), (1, 1), (2, 1), (65_537, 1)];
        let merged = merged_agrees(&accesses(&far, check, None), &LENGTHS);
        let checks = test_ir::heap_checks_per_block(&merged);
        assert!(checks.contains(&(true, 3)), "{checks:?}");
        assert_eq!(hot_checks(&checks), 1);
    }
}
