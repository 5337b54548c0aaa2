//! Structured control flow: `block`, `loop`, `if`/`else`, `br`, `br_if`,
//! `br_table`, `return`, `unreachable`, `end`, and skipping dead code.
//!
//! Every frame has a continuation block `next` whose parameters are the
//! frame's results; a `loop` also owns a `header` whose parameters are the
//! loop's parameters (branches to a loop go there). Values stay on the
//! Wasm operand stack as SSA values: blocks only take parameters where
//! control flow merges.
//!
//! A `block`'s `next` is created only when a branch targets it, and a
//! `loop`'s never (branches to a loop go to its header): a frame that is
//! only fallen out of continues in the same Cranelift block. So nesting
//! that nothing branches out of costs no Cranelift blocks, jumps or
//! dominator-tree depth, and its memory stays one [`Frame`] per open level.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use cranelift_codegen::ir::{self, BlockArg, BlockCall, InstBuilder, JumpTableData};
use wasmparser::{BlockType, Operator, ValType};

use super::FuncTranslator;
use super::bounds::BranchChecks;
use super::env::clif_type;

/// What kind of construct a frame is.
#[derive(Clone, Debug)]
pub enum FrameKind {
    Function,
    Block,
    Loop {
        header: ir::Block,
    },
    If {
        else_block: ir::Block,
        /// The `if`'s parameters, re-pushed when the `else` arm starts.
        params: Vec<ir::Value>,
        else_seen: bool,
    },
    /// A `try_table` (exceptions.rs): a block whose handler, created when
    /// something inside may throw, tests `catches` in order.
    TryTable {
        handler: Option<ir::Block>,
        catches: Vec<wasmparser::Catch>,
    },
    /// A legacy `try` (exceptions/legacy.rs): its body throws to
    /// `handler`; its `catch` clauses are code of their own.
    LegacyTry(super::exceptions::legacy::LegacyTry),
}

/// One entry of the control stack.
#[derive(Clone, Debug)]
pub struct Frame {
    pub kind: FrameKind,
    /// The continuation; `None` for a `block` until something branches to
    /// it, always `None` for a `loop` (nothing can branch to its end).
    pub next: Option<ir::Block>,
    /// The frame's type, to give a lazily created `next` its parameters.
    pub blockty: BlockType,
    pub num_params: usize,
    pub num_results: usize,
    /// Operand stack height below the frame's parameters.
    pub height: usize,
    /// Whether any branch (or fallthrough) reaches `next`.
    pub next_reached: bool,
    /// The bounds checks that held on every branch to `next` (a `block`'s
    /// only; every other frame keeps `Unknown`).
    pub branch_checks: BranchChecks,
}

impl Frame {
    /// The outermost frame: its `next` is the function's return block.
    pub fn function(return_block: ir::Block, num_results: usize) -> Frame {
        Frame {
            kind: FrameKind::Function,
            next: Some(return_block),
            blockty: BlockType::Empty,
            num_params: 0,
            num_results,
            height: 0,
            next_reached: false,
            branch_checks: BranchChecks::Unknown,
        }
    }
}

/// Converts SSA values into block-call arguments.
pub fn block_args(values: &[ir::Value]) -> Vec<BlockArg> {
    values.iter().map(|&v| BlockArg::Value(v)).collect()
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Parameter and result types of a block type.
    pub(super) fn block_signature(&self, ty: BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match ty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![t]),
            BlockType::FuncType(index) => {
                let ft = &self.env.info.types[index as usize];
                (ft.params.clone(), ft.results.clone())
            }
        }
    }

    pub(super) fn new_block_with_params(&mut self, types: &[ValType]) -> ir::Block {
        let block = self.builder.create_block();
        for &t in types {
            self.builder.append_block_param(block, clif_type(t));
        }
        block
    }

    /// Whether `op` may jump to a Cranelift block that can read a memory
    /// length: any branch except to the function's return block (which
    /// only returns). Not `end`: its fall-through edge leaves the lengths
    /// stale, and the code after `end` then reloads them before use; its
    /// other incoming edges are branches, reloaded when they were made.
    /// `else` does need it: the `then` arm's edge joins code that follows
    /// the `else` arm, whose own state is what the translator sees there.
    fn may_branch_to_length_user(&self, op: &Operator<'_>) -> bool {
        let to_return = |depth: u32| depth as usize + 1 >= self.control.len();
        match *op {
            Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::BrTable { .. } => true,
            Operator::Br { relative_depth } | Operator::BrIf { relative_depth } => {
                !to_return(relative_depth)
            }
            _ => false,
        }
    }

    /// Handles an operator while the current position is unreachable:
    /// nested blocks are skipped whole; `else`/`end` of the current frame
    /// end the dead region.
    pub fn skip_unreachable(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.skip_depth += 1;
            }
            Operator::Else if self.skip_depth == 0 => self.translate_else()?,
            Operator::End if self.skip_depth == 0 => self.translate_end()?,
            Operator::End => self.skip_depth -= 1,
            // `delegate` ends a legacy `try` like `end`; `catch` and
            // `catch_all` of the current one start reachable code again
            // when something in its body can throw.
            Operator::Delegate { relative_depth } if self.skip_depth == 0 => {
                self.legacy_delegate(*relative_depth)?
            }
            Operator::Delegate { .. } => self.skip_depth -= 1,
            Operator::Catch { tag_index } if self.skip_depth == 0 => {
                self.legacy_catch(Some(*tag_index))?
            }
            Operator::CatchAll if self.skip_depth == 0 => self.legacy_catch(None)?,
            _ => {}
        }
        Ok(())
    }

    /// Translates a control operator; `Ok(false)` if `op` is not one.
    pub fn translate_control(&mut self, op: &Operator<'_>) -> Result<bool> {
        if self.may_branch_to_length_user(op) {
            // The target block must receive current memory lengths (see
            // `bounds.rs`).
            self.reload_stale_memory_lengths();
        }
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => self.trap(wafer_abi::trap::TrapCode::Unreachable),
            Operator::Block { blockty } => {
                let (params, results) = self.block_signature(blockty);
                self.bounds.enter_frame();
                self.control.push(Frame {
                    kind: FrameKind::Block,
                    next: None,
                    blockty,
                    num_params: params.len(),
                    num_results: results.len(),
                    height: self.stack.len() - params.len(),
                    next_reached: false,
                    branch_checks: BranchChecks::NoBranch,
                });
            }
            Operator::Loop { blockty } if self.translate_versioned_loop(blockty)? => {}
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let header = self.new_block_with_params(&params);
                let args = self.pop_n(params.len())?;
                self.builder.ins().jump(header, &block_args(&args));
                self.builder.switch_to_block(header);
                let header_params = self.builder.block_params(header).to_vec();
                // Every turn of the loop passes this check. After reading
                // the parameters: the check's variable adds one to the
                // unsealed header.
                self.budget_check()?;
                self.stack.extend(header_params);
                self.open_loop(header, blockty, params.len(), results.len());
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let condition = self.pop()?;
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                let next = self.new_block_with_params(&results);
                self.builder
                    .ins()
                    .brif(condition, then_block, &[], else_block, &[]);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                let height = self.stack.len() - params.len();
                let if_params = self.stack[height..].to_vec();
                self.bounds.enter_frame();
                self.control.push(Frame {
                    kind: FrameKind::If {
                        else_block,
                        params: if_params,
                        else_seen: false,
                    },
                    next: Some(next),
                    blockty,
                    num_params: params.len(),
                    num_results: results.len(),
                    height,
                    next_reached: false,
                    branch_checks: BranchChecks::Unknown,
                });
            }
            Operator::Else => self.translate_else()?,
            Operator::End => self.translate_end()?,
            Operator::Br { relative_depth } => {
                self.branch(relative_depth)?;
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let condition = self.pop()?;
                let (target, arity) = self.branch_target(relative_depth)?;
                let args = self.stack[self.stack.len() - arity..].to_vec();
                self.mark_reached(relative_depth);
                let fallthrough = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(condition, target, &block_args(&args), fallthrough, &[]);
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
            }
            Operator::BrTable { ref targets } => {
                let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
                self.br_table(&depths, targets.default())?;
            }
            Operator::Return => {
                let depth = self.control.len() as u32 - 1;
                self.branch(depth)?;
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Pushes the frame of a loop whose header `header` is the current
    /// block, its parameters on the stack. Every loop header goes through
    /// here, including both copies of a versioned loop (`loop_version.rs`).
    pub fn open_loop(
        &mut self,
        header: ir::Block,
        blockty: BlockType,
        num_params: usize,
        num_results: usize,
    ) {
        let height = self.stack.len() - num_params;
        self.bounds.enter_frame();
        self.control.push(Frame {
            kind: FrameKind::Loop { header },
            next: None,
            blockty,
            num_params,
            num_results,
            height,
            next_reached: false,
            branch_checks: BranchChecks::Unknown,
        });
    }

    fn frame_index(&self, depth: u32) -> Result<usize> {
        self.control
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| anyhow!("branch depth {depth} out of range"))
    }

    /// The block a branch `depth` frames out goes to (creating a `block`'s
    /// continuation on first use), and how many values it takes.
    pub(super) fn branch_target(&mut self, depth: u32) -> Result<(ir::Block, usize)> {
        let index = self.frame_index(depth)?;
        let frame = &self.control[index];
        if let FrameKind::Loop { header } = frame.kind {
            return Ok((header, frame.num_params));
        }
        let (next, blockty, arity) = (frame.next, frame.blockty, frame.num_results);
        let next = match next {
            Some(next) => next,
            None => {
                let (_, results) = self.block_signature(blockty);
                let next = self.new_block_with_params(&results);
                self.control[index].next = Some(next);
                next
            }
        };
        Ok((next, arity))
    }

    /// A branch from the current position to the frame `depth` levels out
    /// was emitted.
    pub(super) fn mark_reached(&mut self, depth: u32) {
        let index = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[index];
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.next_reached = true;
            frame.branch_checks = self.bounds.merge_branch(&frame.branch_checks);
        }
    }

    /// A branch to the frame `depth` levels out was emitted from code the
    /// bounds checks' bookkeeping does not follow (an exception handler,
    /// entered from any call of a `try_table`'s body).
    pub(super) fn mark_reached_from_elsewhere(&mut self, depth: u32) {
        self.mark_reached(depth);
        let index = self.control.len() - 1 - depth as usize;
        self.control[index].branch_checks = BranchChecks::Unknown;
    }

    /// Jumps to the frame `depth` levels out with the values it expects.
    fn branch(&mut self, depth: u32) -> Result<()> {
        let (target, arity) = self.branch_target(depth)?;
        let args = self.stack[self.stack.len() - arity..].to_vec();
        self.mark_reached(depth);
        self.builder.ins().jump(target, &block_args(&args));
        Ok(())
    }

    fn br_table(&mut self, depths: &[u32], default: u32) -> Result<()> {
        let index = self.pop()?;
        let (_, arity) = self.branch_target(default)?;
        // Few distinct targets: compares and branches (see switch.rs).
        if let Some(cases) =
            super::switch::branch_cases(depths, default, super::switch::MAX_BRANCH_CASES)
        {
            self.br_table_as_branches(index, &cases, default, arity)?;
            self.reachable = false;
            return Ok(());
        }
        if self.env.dispatch_with_branches
            && let Some(intervals) =
                super::switch::intervals(depths, default, super::switch::MAX_TREE_INTERVALS)
        {
            self.br_table_as_tree(index, &intervals, arity)?;
            self.reachable = false;
            return Ok(());
        }
        let args = self.stack[self.stack.len() - arity..].to_vec();
        // With arguments, each distinct target gets an edge block that
        // forwards them; without, the table points at the targets directly.
        let mut edges: HashMap<u32, ir::Block> = HashMap::new();
        let mut block_for = |this: &mut Self, depth: u32| -> Result<ir::Block> {
            this.mark_reached(depth);
            let (target, _) = this.branch_target(depth)?;
            if arity == 0 {
                return Ok(target);
            }
            if let Some(&edge) = edges.get(&depth) {
                return Ok(edge);
            }
            let edge = this.builder.create_block();
            edges.insert(depth, edge);
            Ok(edge)
        };
        let default_block = block_for(self, default)?;
        let mut table = Vec::with_capacity(depths.len());
        for &depth in depths {
            table.push(block_for(self, depth)?);
        }
        let pool = &mut self.builder.func.dfg.value_lists;
        let default_call = BlockCall::new(default_block, [], pool);
        let calls: Vec<BlockCall> = table.iter().map(|&b| BlockCall::new(b, [], pool)).collect();
        let jt = self
            .builder
            .create_jump_table(JumpTableData::new(default_call, &calls));
        self.builder.ins().br_table(index, jt);
        for (depth, edge) in edges {
            let (target, _) = self.branch_target(depth)?;
            self.builder.switch_to_block(edge);
            self.builder.seal_block(edge);
            self.builder.ins().jump(target, &block_args(&args));
        }
        self.reachable = false;
        Ok(())
    }

    fn translate_else(&mut self) -> Result<()> {
        let reachable = self.reachable;
        let frame = self
            .control
            .last_mut()
            .ok_or_else(|| anyhow!("`else` outside of `if`"))?;
        let (
            FrameKind::If {
                else_block,
                params,
                else_seen,
            },
            Some(next),
        ) = (&mut frame.kind, frame.next)
        else {
            return Err(anyhow!("`else` outside of `if`"));
        };
        *else_seen = true;
        let else_block = *else_block;
        let params = std::mem::take(params);
        let (results, height) = (frame.num_results, frame.height);
        if reachable {
            frame.next_reached = true;
            let values = self.stack[self.stack.len() - results..].to_vec();
            self.builder.ins().jump(next, &block_args(&values));
        }
        self.stack.truncate(height);
        self.stack.extend(params);
        self.builder.switch_to_block(else_block);
        self.bounds.enter_else();
        self.reachable = true;
        Ok(())
    }

    pub(super) fn translate_end(&mut self) -> Result<()> {
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| anyhow!("unbalanced `end`"))?;
        // Emits the handler, if any; the frame ends as a `block`.
        self.end_try_table(&mut frame)?;
        if let FrameKind::Loop { header } = frame.kind {
            self.builder.seal_block(header);
            if self.end_loop_copy(&frame)? {
                return Ok(());
            }
        }
        // Without branches to its end, control continues in the same
        // Cranelift block: the frame's checks still dominate. With them,
        // a `block` keeps those that held on every edge to its end.
        if frame.next.is_some() && matches!(frame.kind, FrameKind::Block) {
            self.bounds.exit_block(&frame.branch_checks, self.reachable);
        } else {
            self.bounds.exit_frame(frame.next.is_none());
        }
        let Some(next) = frame.next else {
            return self.end_without_branches(&frame);
        };
        if self.reachable {
            let values = self.stack[self.stack.len() - frame.num_results..].to_vec();
            self.builder.ins().jump(next, &block_args(&values));
            frame.next_reached = true;
        }
        if let FrameKind::If {
            else_block,
            params,
            else_seen: false,
        } = &frame.kind
        {
            // An `if` without `else` passes its parameters through.
            self.builder.switch_to_block(*else_block);
            self.builder.ins().jump(next, &block_args(params));
            frame.next_reached = true;
        }
        self.stack.truncate(frame.height);
        self.builder.switch_to_block(next);
        self.builder.seal_block(next);
        let results = self.builder.block_params(next).to_vec();
        self.stack.extend(results);
        self.reachable = frame.next_reached;
        if matches!(frame.kind, FrameKind::Function) {
            if self.reachable {
                let mut values = self.pop_n(frame.num_results)?;
                values.extend(self.budget_at_return());
                self.builder.ins().return_(&values);
            } else {
                // Nothing reaches the return block: give it a terminator so
                // the function is well formed.
                self.builder
                    .ins()
                    .trap(super::user_trap(wafer_abi::trap::TrapCode::Unreachable));
            }
        } else if !self.reachable {
            // Nothing reaches `next`: code after it is dead until the
            // enclosing frame's `else`/`end`.
            self.builder
                .ins()
                .trap(super::user_trap(wafer_abi::trap::TrapCode::Unreachable));
        }
        Ok(())
    }

    /// The `end` of a `block` nothing branched out of, or of a `loop`: control continues in
    /// the current Cranelift block with the results already on the stack,
    /// or stays unreachable (the current block is already terminated).
    fn end_without_branches(&mut self, frame: &Frame) -> Result<()> {
        if self.reachable {
            let results = self.pop_n(frame.num_results)?;
            self.stack.truncate(frame.height);
            self.stack.extend(results);
        } else {
            self.stack.truncate(frame.height);
        }
        Ok(())
    }
}
