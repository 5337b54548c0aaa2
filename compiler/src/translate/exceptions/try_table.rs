//! `try_table` (the current form): its frame, its handler block, and the
//! dispatch over its catch clauses (`catch`, `catch_ref`, `catch_all`,
//! `catch_all_ref`) that the handler runs. See `exceptions.rs` for how
//! exceptions reach a handler.

use anyhow::Result;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, condcodes::IntCC};
use wasmparser::{Catch, TryTable};

use super::super::FuncTranslator;
use super::super::bounds::BranchChecks;
use super::super::control::{Frame, FrameKind, block_args};
use super::super::env::{POINTER, clif_type};
use super::{PAYLOAD_OFFSET, SLOT_BYTES, runtime_of};

impl FuncTranslator<'_, '_, '_, '_> {
    /// Makes sure `frame` has a continuation block and, if the current
    /// position is reachable, ends it with a jump there carrying the
    /// frame's results. The position is then unreachable.
    pub(in crate::translate) fn close_into_next(&mut self, frame: &mut Frame) -> ir::Block {
        let next = match frame.next {
            Some(next) => next,
            None => {
                let (_, results) = self.block_signature(frame.blockty);
                let next = self.new_block_with_params(&results);
                frame.next = Some(next);
                next
            }
        };
        if self.reachable {
            self.reload_stale_memory_lengths();
            let values = self.stack[self.stack.len() - frame.num_results..].to_vec();
            self.builder.ins().jump(next, &block_args(&values));
            frame.next_reached = true;
            self.reachable = false;
        }
        next
    }

    pub(in crate::translate) fn open_try_table(&mut self, try_table: &TryTable) {
        let (params, results) = self.block_signature(try_table.ty);
        self.bounds.enter_frame();
        self.control.push(Frame {
            kind: FrameKind::TryTable {
                handler: None,
                catches: try_table.catches.clone(),
            },
            next: None,
            blockty: try_table.ty,
            num_params: params.len(),
            num_results: results.len(),
            height: self.stack.len() - params.len(),
            next_reached: false,
            branch_checks: BranchChecks::Unknown,
        });
    }

    /// At the `end` of a `try_table` (its frame just popped): a plain block
    /// end if nothing inside can throw into it, else the fall-through jumps
    /// to the continuation and the handler is emitted here, its labels
    /// resolved against the enclosing frames. Leaves `frame` a `Block`.
    pub fn end_try_table(&mut self, frame: &mut Frame) -> Result<()> {
        if matches!(frame.kind, FrameKind::LegacyTry(_)) {
            return self.end_legacy_try(frame, None);
        }
        if !matches!(frame.kind, FrameKind::TryTable { .. }) {
            return Ok(());
        }
        let FrameKind::TryTable { handler, catches } =
            std::mem::replace(&mut frame.kind, FrameKind::Block)
        else {
            return Ok(());
        };
        let Some(handler) = handler else {
            return Ok(());
        };
        self.close_into_next(frame);
        let stale = self.bounds.is_stale();
        // Every edge into the handler reloaded stale lengths first.
        self.bounds.set_stale(false);
        self.builder.switch_to_block(handler);
        self.builder.seal_block(handler);
        self.dispatch(&catches)?;
        self.bounds.set_stale(stale);
        self.reachable = false;
        Ok(())
    }

    /// The handler body: tests the catch clauses in order.
    fn dispatch(&mut self, catches: &[Catch]) -> Result<()> {
        let runtime = runtime_of(self)?;
        let address = self.pending_address()?;
        let flags = MemFlagsData::trusted();
        let exn = self.builder.ins().load(POINTER, flags, address, 0);
        let tag = self.builder.ins().load(POINTER, flags, exn, 0);
        for catch in catches {
            let (tag_index, label, keep_ref) = match *catch {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let mut values = Vec::new();
            let no_match = match tag_index {
                Some(index) => {
                    let identity = self.tag_identity(index);
                    let same = self.builder.ins().icmp(IntCC::Equal, tag, identity);
                    let matched = self.builder.create_block();
                    let no_match = self.builder.create_block();
                    self.builder.ins().brif(same, matched, &[], no_match, &[]);
                    self.builder.seal_block(matched);
                    self.builder.seal_block(no_match);
                    self.builder.switch_to_block(matched);
                    for (i, ty) in self.tag_params(index)?.into_iter().enumerate() {
                        let offset = PAYLOAD_OFFSET + SLOT_BYTES * i as i32;
                        let v = self.builder.ins().load(clif_type(ty), flags, exn, offset);
                        values.push(v);
                    }
                    Some(no_match)
                }
                None => None,
            };
            let null = self.builder.ins().iconst(POINTER, 0);
            self.builder.ins().store(flags, null, address, 0);
            if keep_ref {
                values.push(exn);
            } else {
                let free = self.import_function(runtime.free);
                self.builder.ins().call(free, &[exn]);
            }
            let (target, _) = self.branch_target(label)?;
            self.mark_reached_from_elsewhere(label);
            self.builder.ins().jump(target, &block_args(&values));
            match no_match {
                Some(block) => self.builder.switch_to_block(block),
                // A catch-all ends the dispatch: later clauses never run.
                None => return Ok(()),
            }
        }
        // No clause matched: on to the next handler out.
        self.propagate()
    }
}
