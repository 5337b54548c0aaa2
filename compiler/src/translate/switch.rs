//! `br_table` with few distinct targets as a chain of compares.
//!
//! Cranelift lowers every `br_table` to a jump table: a bounds clamp, a
//! load from the table and an indirect jump, which the CPU predicts by
//! address history only. C compilers emit `switch` statements with few
//! cases as compare-and-branch chains instead, and clang's Wasm output
//! still uses `br_table` for them: json's tokenizer dispatches each byte
//! through a four-entry table with two cases besides the default, where
//! the indirect jump was the hottest instruction of the program. A table
//! whose non-default entries form at most [`MAX_BRANCH_CASES`] runs of
//! equal targets becomes one compare and conditional branch per run; the
//! others keep the jump table (dense dispatch, e.g. an interpreter loop).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder};

use super::FuncTranslator;
use super::control::block_args;

/// Most runs of indices a `br_table` may have to become branches. Clang
/// switches to a jump table at four cases.
pub const MAX_BRANCH_CASES: usize = 3;

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
}

#[cfg(test)]
mod tests {
    use super::{Case, branch_cases};

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
}
