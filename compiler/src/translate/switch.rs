//! `br_table` as compares and branches instead of a jump table.
//!
//! Cranelift lowers every `br_table` to a jump table: a bounds clamp, a
//! load from the table and an indirect jump, which the CPU predicts by
//! address history only. C compilers emit `switch` statements with few
//! cases as compare-and-branch chains instead, and clang's Wasm output
//! still uses `br_table` for them: json's tokenizer dispatches each byte
//! through a four-entry table with two cases besides the default, where
//! the indirect jump was the hottest instruction of the program. A table
//! whose non-default entries form at most [`MAX_BRANCH_CASES`] runs of
//! equal targets becomes one compare and conditional branch per run.
//!
//! On x86_64 a larger table with at most [`MAX_TREE_INTERVALS`] runs
//! becomes a balanced tree of `index < pivot` branches. Cranelift's x86_64
//! jump table sits in the code, right after its indirect jump, and on AMD
//! EPYC (Zen) the interpreter benchmark's dispatch through it took 1.2 to
//! 4.1 s depending only on where the function landed (16-byte steps of the
//! function alignment; native code, with its table in `.rodata`, 1.1 s),
//! the tree 0.90–0.97 s at every alignment. The tree costs a few more
//! instructions than the table (log2 of the runs) and no data load.
//! Larger tables (Go's resume dispatch, hundreds of entries) keep the
//! jump table: a deep tree would grow the code more than it saves.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder};

use super::FuncTranslator;
use super::control::block_args;

/// Most runs of indices a `br_table` may have to become branches. Clang
/// switches to a jump table at four cases.
pub const MAX_BRANCH_CASES: usize = 3;

/// Most runs of equal targets (the default's runs included) a `br_table`
/// may have to become a tree of branches on x86_64: at most five
/// compares per dispatch.
pub const MAX_TREE_INTERVALS: usize = 32;

/// Indices from `first` up to the next interval's `first` (the last
/// interval: up to `u32::MAX`) all branch `depth` frames out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub first: u32,
    pub depth: u32,
}

/// The whole index range `0..=u32::MAX` of a `br_table` cut into runs of
/// one target, in index order (adjacent runs have different targets); the
/// indices past the table go to `default`. `None` once there are more
/// than `max`.
pub fn intervals(depths: &[u32], default: u32, max: usize) -> Option<Vec<Interval>> {
    let mut intervals: Vec<Interval> = Vec::new();
    let past_the_table = std::iter::once(default);
    for (first, depth) in depths.iter().copied().chain(past_the_table).enumerate() {
        if intervals.last().is_some_and(|last| last.depth == depth) {
            continue;
        }
        if intervals.len() == max {
            return None;
        }
        // A table has fewer than 2^32 entries (the validator caps it far
        // lower), so `first` fits.
        let first = u32::try_from(first).ok()?;
        intervals.push(Interval { first, depth });
    }
    Some(intervals)
}

/// Indices `first..=last` of a `br_table` all branch `depth` frames out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    pub first: u32,
    pub last: u32,
    pub depth: u32,
}

/// The runs of consecutive table indices with the same target other than
/// `default`, in index order; `None` once there are more than `max` (the
/// table can be long: stop early).
pub fn branch_cases(depths: &[u32], default: u32, max: usize) -> Option<Vec<Case>> {
    let mut cases: Vec<Case> = Vec::new();
    for (index, &depth) in depths.iter().enumerate() {
        if depth == default {
            continue;
        }
        let index = index as u32;
        match cases.last_mut() {
            Some(case) if case.depth == depth && case.last + 1 == index => case.last = index,
            _ => {
                if cases.len() == max {
                    return None;
                }
                cases.push(Case {
                    first: index,
                    last: index,
                    depth,
                });
            }
        }
    }
    Some(cases)
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Branches on `index` through `cases`, to `default` otherwise; the
    /// branch arguments are the top `arity` operands (every target of a
    /// `br_table` takes the same number).
    pub fn br_table_as_branches(
        &mut self,
        index: ir::Value,
        cases: &[Case],
        default: u32,
        arity: usize,
    ) -> anyhow::Result<()> {
        let args = block_args(&self.stack[self.stack.len() - arity..]);
        for case in cases {
            let hit = if case.first == case.last {
                self.builder
                    .ins()
                    .icmp_imm_u(IntCC::Equal, index, i64::from(case.first))
            } else {
                // first <= index <= last as one unsigned compare.
                let offset = self.builder.ins().iadd_imm_s(index, -i64::from(case.first));
                self.builder.ins().icmp_imm_u(
                    IntCC::UnsignedLessThanOrEqual,
                    offset,
                    i64::from(case.last - case.first),
                )
            };
            let (target, _) = self.branch_target(case.depth)?;
            self.mark_reached(case.depth);
            let next = self.builder.create_block();
            self.builder.ins().brif(hit, target, &args, next, &[]);
            self.builder.seal_block(next);
            self.builder.switch_to_block(next);
        }
        let (target, _) = self.branch_target(default)?;
        self.mark_reached(default);
        self.builder.ins().jump(target, &args);
        Ok(())
    }

    /// Branches on `index` through a balanced tree of `index < pivot`
    /// compares over `intervals` ([`intervals`]); the branch arguments
    /// are the top `arity` operands.
    pub fn br_table_as_tree(
        &mut self,
        index: ir::Value,
        intervals: &[Interval],
        arity: usize,
    ) -> anyhow::Result<()> {
        let args = block_args(&self.stack[self.stack.len() - arity..]);
        match intervals {
            [] => Err(anyhow::anyhow!("BUG: a br_table without intervals")),
            [_] => {
                let (target, args) = self.br_table_edge(intervals, &args)?;
                self.builder.ins().jump(target, &args);
                Ok(())
            }
            _ => self.br_table_node(index, intervals, &args),
        }
    }

    /// One inner node of [`Self::br_table_as_tree`], emitted in the
    /// current block: `node` has at least two intervals. Recursion depth
    /// is log2 of [`MAX_TREE_INTERVALS`].
    fn br_table_node(
        &mut self,
        index: ir::Value,
        node: &[Interval],
        args: &[BlockArg],
    ) -> anyhow::Result<()> {
        let (lower, upper) = node.split_at(node.len() / 2);
        let below = self.builder.ins().icmp_imm_u(
            IntCC::UnsignedLessThan,
            index,
            i64::from(upper[0].first),
        );
        let (lower_block, lower_args) = self.br_table_edge(lower, args)?;
        let (upper_block, upper_args) = self.br_table_edge(upper, args)?;
        self.builder
            .ins()
            .brif(below, lower_block, &lower_args, upper_block, &upper_args);
        for (side, block) in [(lower, lower_block), (upper, upper_block)] {
            if side.len() > 1 {
                self.builder.seal_block(block);
                self.builder.switch_to_block(block);
                self.br_table_node(index, side, args)?;
            }
        }
        Ok(())
    }

    /// Where a tree node's branch to `side` goes: the target itself for a
    /// single interval, else a new block for the inner node.
    fn br_table_edge(
        &mut self,
        side: &[Interval],
        args: &[BlockArg],
    ) -> anyhow::Result<(ir::Block, Vec<BlockArg>)> {
        if let [only] = side {
            let (target, _) = self.branch_target(only.depth)?;
            self.mark_reached(only.depth);
            return Ok((target, args.to_vec()));
        }
        Ok((self.builder.create_block(), Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Case, Interval, branch_cases, intervals};

    fn case(first: u32, last: u32, depth: u32) -> Case {
        Case { first, last, depth }
    }

    #[test]
    fn entries_going_to_the_default_are_left_to_the_final_jump() {
        // json's tokenizer: `br_table 2 1 0 1` with default 1.
        assert_eq!(
            branch_cases(&[2, 1, 0, 1], 1, 3),
            Some(vec![case(0, 0, 2), case(2, 2, 0)])
        );
        assert_eq!(branch_cases(&[4, 4, 4], 4, 3), Some(vec![]));
        assert_eq!(branch_cases(&[], 0, 3), Some(vec![]));
    }

    #[test]
    fn consecutive_indices_with_one_target_form_one_case() {
        assert_eq!(
            branch_cases(&[0, 3, 3, 3, 0, 3, 2, 2], 0, 3),
            Some(vec![case(1, 3, 3), case(5, 5, 3), case(6, 7, 2)])
        );
    }

    #[test]
    fn a_table_with_more_cases_than_the_limit_keeps_its_jump_table() {
        assert_eq!(branch_cases(&[1, 2, 3, 4], 0, 3), None);
        assert_eq!(branch_cases(&[1, 2, 3, 4], 4, 3).map(|c| c.len()), Some(3));
    }

    fn interval(first: u32, depth: u32) -> Interval {
        Interval { first, depth }
    }

    #[test]
    fn intervals_cover_every_index_and_end_with_the_default() {
        // interp-like dispatch: each opcode its own target, default 9.
        assert_eq!(
            intervals(&[0, 1, 2], 9, 32),
            Some(vec![
                interval(0, 0),
                interval(1, 1),
                interval(2, 2),
                interval(3, 9)
            ])
        );
        // Runs of one target merge, the default's runs too, and a last
        // entry equal to the default runs on past the table.
        assert_eq!(
            intervals(&[4, 4, 9, 9, 5, 9], 9, 32),
            Some(vec![
                interval(0, 4),
                interval(2, 9),
                interval(4, 5),
                interval(5, 9)
            ])
        );
        assert_eq!(intervals(&[], 3, 32), Some(vec![interval(0, 3)]));
    }

    #[test]
    fn a_table_with_more_intervals_than_the_limit_keeps_its_jump_table() {
        assert_eq!(intervals(&[0, 1, 2], 9, 3), None);
        assert_eq!(intervals(&[0, 1, 2], 9, 4).map(|i| i.len()), Some(4));
        assert_eq!(intervals(&[0, 1, 2], 2, 3).map(|i| i.len()), Some(3));
    }
}
