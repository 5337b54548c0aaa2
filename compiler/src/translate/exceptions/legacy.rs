//! The legacy exception-handling form: `try` with `catch`/`catch_all`
//! clauses, `rethrow` and `delegate` (what toolchains emitted before
//! `try_table`; LLVM still does by default).
//!
//! It reuses the current form's machinery (`exceptions.rs`): the body of
//! a `try` throws to the try's handler block, created on first use. The
//! clauses are code of their own, translated as they come: the first
//! `catch` starts the handler (load the exception and its tag), and each
//! `catch $t` adds one tag test to the chain, whose match branch is the
//! clause's code with the payload on the stack. What no clause matches
//! goes on out of the `end` (or to the `delegate` label's handler). A
//! clause keeps the exception object for `rethrow`, which makes it pending
//! again; it is not freed (no `exnref` exists, but a nested clause may be
//! handling the same object), so each caught exception stays allocated.

use anyhow::{Result, anyhow};
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, condcodes::IntCC};
use wasmparser::{BlockType, Operator};

use super::super::FuncTranslator;
use super::super::bounds::BranchChecks;
use super::super::control::{Frame, FrameKind};
use super::super::env::{POINTER, clif_type};
use super::{PAYLOAD_OFFSET, SLOT_BYTES};

/// The state of a legacy `try` frame.
#[derive(Clone, Debug, Default)]
pub struct LegacyTry {
    /// Where the body's exceptions go; created when something in the body
    /// may throw.
    pub handler: Option<ir::Block>,
    /// After the first clause: the exception being handled.
    pub caught: Option<Caught>,
    /// A clause is being translated: exceptions there are not this try's.
    pub in_catch: bool,
}

/// The exception a legacy `try`'s clauses handle.
#[derive(Clone, Copy, Debug)]
pub struct Caught {
    /// The exception object (for `rethrow`) and its tag identity, loaded
    /// at the handler's start.
    pub exn: ir::Value,
    pub tag: ir::Value,
    /// Where the next clause's tag test goes; `None` after `catch_all`.
    pub next_test: Option<ir::Block>,
}

impl FuncTranslator<'_, '_, '_, '_> {
    /// Translates `try`, `catch`, `catch_all`, `rethrow` and `delegate`;
    /// `Ok(false)` for any other operator.
    pub fn translate_legacy_exception(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::Try { blockty } => self.open_legacy_try(blockty),
            Operator::Catch { tag_index } => self.legacy_catch(Some(tag_index))?,
            Operator::CatchAll => self.legacy_catch(None)?,
            Operator::Rethrow { relative_depth } => self.rethrow(relative_depth)?,
            Operator::Delegate { relative_depth } => self.legacy_delegate(relative_depth)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn open_legacy_try(&mut self, blockty: BlockType) {
        let (params, results) = self.block_signature(blockty);
        self.bounds.enter_frame();
        self.control.push(Frame {
            kind: FrameKind::LegacyTry(LegacyTry::default()),
            next: None,
            blockty,
            num_params: params.len(),
            num_results: results.len(),
            height: self.stack.len() - params.len(),
            next_reached: false,
            branch_checks: BranchChecks::Unknown,
        });
    }

    /// `catch $tag` (`Some`) or `catch_all` (`None`) of the innermost try.
    pub fn legacy_catch(&mut self, tag_index: Option<u32>) -> Result<()> {
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| anyhow!("`catch` outside of `try`"))?;
        // The arm before (body or clause) ends in the continuation.
        self.close_into_next(&mut frame);
        self.stack.truncate(frame.height);
        self.bounds.enter_else();
        let FrameKind::LegacyTry(state) = &mut frame.kind else {
            return Err(anyhow!("`catch` outside of `try`"));
        };
        state.in_catch = true;
        // Where this clause's test goes, if anything can reach it.
        let caught = match state.caught {
            Some(caught) => caught.next_test.map(|test| (caught, test)),
            None => match state.handler {
                Some(handler) => {
                    self.builder.switch_to_block(handler);
                    self.builder.seal_block(handler);
                    let address = self.pending_address()?;
                    let flags = MemFlagsData::trusted();
                    let exn = self.builder.ins().load(POINTER, flags, address, 0);
                    let tag = self.builder.ins().load(POINTER, flags, exn, 0);
                    let caught = Caught {
                        exn,
                        tag,
                        next_test: Some(handler),
                    };
                    Some((caught, handler))
                }
                None => None,
            },
        };
        let Some((mut caught, test)) = caught else {
            // Nothing in the body throws: the clause is dead code.
            self.control.push(frame);
            self.reachable = false;
            return Ok(());
        };
        // The first clause's test goes in the handler, already current.
        if self.builder.current_block() != Some(test) {
            self.builder.switch_to_block(test);
        }
        match tag_index {
            Some(index) => {
                let identity = self.tag_identity(index);
                let same = self.builder.ins().icmp(IntCC::Equal, caught.tag, identity);
                let body = self.builder.create_block();
                let next_test = self.builder.create_block();
                self.builder.ins().brif(same, body, &[], next_test, &[]);
                self.builder.seal_block(body);
                self.builder.seal_block(next_test);
                self.builder.switch_to_block(body);
                for (i, ty) in self.tag_params(index)?.into_iter().enumerate() {
                    let offset = PAYLOAD_OFFSET + SLOT_BYTES * i as i32;
                    let flags = MemFlagsData::trusted();
                    let v = self
                        .builder
                        .ins()
                        .load(clif_type(ty), flags, caught.exn, offset);
                    self.stack.push(v);
                }
                caught.next_test = Some(next_test);
            }
            // catch_all handles what is left: later clauses never run.
            None => caught.next_test = None,
        }
        let address = self.pending_address()?;
        let null = self.builder.ins().iconst(POINTER, 0);
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), null, address, 0);
        if let FrameKind::LegacyTry(state) = &mut frame.kind {
            state.caught = Some(caught);
        }
        self.control.push(frame);
        // Every edge into the handler reloaded stale lengths.
        self.bounds.set_stale(false);
        self.reachable = true;
        Ok(())
    }

    /// `rethrow`: the exception of the clause `depth` frames out pending
    /// again, then on as a throw from here.
    fn rethrow(&mut self, depth: u32) -> Result<()> {
        let index = self
            .control
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| anyhow!("rethrow depth {depth} out of range"))?;
        let exn = match &self.control[index].kind {
            FrameKind::LegacyTry(LegacyTry {
                caught: Some(caught),
                in_catch: true,
                ..
            }) => caught.exn,
            _ => return Err(anyhow!("`rethrow` outside of a `catch`")),
        };
        let address = self.pending_address()?;
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), exn, address, 0);
        self.propagate()
    }

    /// `delegate`: ends the innermost try; what its body throws goes to
    /// the handler around the label `depth` (counted outside the try).
    pub fn legacy_delegate(&mut self, depth: u32) -> Result<()> {
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| anyhow!("`delegate` outside of `try`"))?;
        self.end_legacy_try(&mut frame, Some(depth))?;
        // The rest is the `end` of a block.
        self.control.push(frame);
        self.translate_end()
    }

    /// The end of a legacy try (its frame just popped): the last arm jumps
    /// to the continuation, and what no clause caught goes on: out of the
    /// try, or, for `delegate`, to the handlers around its label. Leaves
    /// `frame` a `Block`.
    pub fn end_legacy_try(&mut self, frame: &mut Frame, delegate: Option<u32>) -> Result<()> {
        let FrameKind::LegacyTry(state) = std::mem::replace(&mut frame.kind, FrameKind::Block)
        else {
            return Ok(());
        };
        let leftover = match state.caught {
            Some(caught) => caught.next_test,
            None => state.handler,
        };
        let Some(leftover) = leftover else {
            return Ok(());
        };
        self.close_into_next(frame);
        let stale = self.bounds.is_stale();
        self.bounds.set_stale(false);
        self.builder.switch_to_block(leftover);
        if state.caught.is_none() {
            // The handler, never visited by a clause: its predecessors
            // are all in the body.
            self.builder.seal_block(leftover);
        }
        match delegate {
            None => self.propagate()?,
            Some(depth) => {
                // Frames up to and including the label's.
                let frames = self
                    .control
                    .len()
                    .checked_sub(depth as usize)
                    .ok_or_else(|| anyhow!("delegate depth {depth} out of range"))?;
                self.propagate_from(frames)?
            }
        }
        self.bounds.set_stale(stale);
        self.reachable = false;
        Ok(())
    }
}
