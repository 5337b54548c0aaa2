//! Which loops get loop-scoped `length - end` values (explicit bounds
//! checks, see `bounds.rs`).
//!
//! A check of an access ending `end` bytes past its address compares the
//! address with `length - end`. The function-wide length variable holds
//! `length - k` for one `k` (the bias); any other end costs an `lea` next
//! to each check, inside loops too, as Cranelift rematerializes an add of
//! a constant in every block that uses it. A loop that calls nothing and
//! does not grow a memory cannot change any length, so `length - end` for
//! each other end its body checks can be computed once before the loop,
//! in a form the rematerialization leaves alone, and used by every check
//! inside it: a `cmp` and a `jg` per check. The values live only across
//! that loop (function-wide variables for them cost registers everywhere
//! and made CoreMark spill its heap base).
//!
//! This module finds those loops and the ends they check; `bounds.rs`
//! defines the values at the loop's entry.

use std::collections::HashMap;
use wasmparser::{FunctionBody, Operator};

/// How many enclosing loops an access counts for: deeper nests merely
/// miss the saving in their outer loops.
const MAX_COUNTED_LOOPS: usize = 4;

/// One open loop being scanned.
struct OpenLoop {
    offset: usize,
    /// Whether the body (nested loops included) may change a length.
    changes_length: bool,
    /// Per (memory, end): how many accesses of the body check it.
    ends: HashMap<(u32, u64), u64>,
}

/// Per call-free loop of `body`, keyed by the byte offset of its `loop`
/// operator: the (memory, end) pairs its body checks, most checked first.
/// Only ends that fit a 32-bit memory's declared minimum are listed: for
/// them `length - end` is never negative and below 2^32 (see `LengthBias`
/// in `bounds.rs`).
pub fn scan(
    body: &FunctionBody<'_>,
    memories: &[wasmparser::MemoryType],
) -> anyhow::Result<HashMap<usize, Vec<(u32, u64)>>> {
    let mut found = HashMap::new();
    // One entry per open frame: `Some` for loops.
    let mut frames: Vec<Option<OpenLoop>> = Vec::new();
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        match op {
            Operator::Loop { .. } => frames.push(Some(OpenLoop {
                offset: offset as usize,
                changes_length: false,
                ends: HashMap::new(),
            })),
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => frames.push(None),
            Operator::End | Operator::Delegate { .. } => {
                if let Some(Some(done)) = frames.pop() {
                    if done.changes_length {
                        // The enclosing loop contains this one.
                        if let Some(outer) = frames.iter_mut().rev().flatten().next() {
                            outer.changes_length = true;
                        }
                    } else if !done.ends.is_empty() {
                        let mut ends: Vec<((u32, u64), u64)> = done.ends.into_iter().collect();
                        // Most checked first; ties by memory and end, so
                        // the output does not depend on hash order.
                        ends.sort_by_key(|&(key, count)| (std::cmp::Reverse(count), key));
                        found.insert(done.offset, ends.into_iter().map(|(key, _)| key).collect());
                    }
                }
            }
            _ => {}
        }
        if may_change_a_length(&op) {
            if let Some(innermost) = frames.iter_mut().rev().flatten().next() {
                innermost.changes_length = true;
            }
            continue;
        }
        let Some(key) = checked_end(&op, memories) else {
            continue;
        };
        for open in frames.iter_mut().rev().flatten().take(MAX_COUNTED_LOOPS) {
            *open.ends.entry(key).or_default() += 1;
        }
    }
    Ok(found)
}

/// The (memory, end) an access checks, when a loop-scoped value may stand
/// for its `length - end`: a 32-bit memory and an end at most its
/// declared minimum.
fn checked_end(op: &Operator<'_>, memories: &[wasmparser::MemoryType]) -> Option<(u32, u64)> {
    let (memarg, size) = super::bounds::memory_access(op)?;
    let wasmparser::MemArgTarget::Memory(index) = memarg.target else {
        return None;
    };
    let memory = memories.get(index as usize)?;
    let min_bytes = memory
        .initial
        .saturating_mul(crate::module_info::page_size(memory));
    let end = memarg.offset.checked_add(size)?;
    (!memory.memory64 && end <= min_bytes).then_some((index, end))
}

/// Whether `op` is translated to a call (of a function, or of a runtime
/// builtin) or grows a memory: every such operator marks the lengths
/// stale (`invalidate_memory_lengths`), and a loop containing one keeps
/// reloading them. Listed generously: an operator listed here needlessly
/// only costs the saving.
fn may_change_a_length(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Call { .. }
            | O::CallIndirect { .. }
            | O::CallRef { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
            | O::MemoryGrow { .. }
            | O::MemoryFill { .. }
            | O::MemoryCopy { .. }
            | O::MemoryInit { .. }
            | O::DataDrop { .. }
            | O::ElemDrop { .. }
            | O::TableGrow { .. }
            | O::TableFill { .. }
            | O::TableCopy { .. }
            | O::TableInit { .. }
            | O::TableGet { .. }
            | O::TableSet { .. }
            | O::TableSize { .. }
            | O::MemoryAtomicNotify { .. }
            | O::MemoryAtomicWait32 { .. }
            | O::MemoryAtomicWait64 { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Rethrow { .. }
            | O::Try { .. }
            | O::TryTable { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::scan;

    /// `scan` of defined function `index` of the module `wat`, by loop
    /// order.
    fn scanned(wat: &str, index: usize) -> Vec<(usize, Vec<(u32, u64)>)> {
        let wasm = wat::parse_str(wat).expect("test module parses");
        let info = crate::module_info::parse(&wasm).expect("valid module");
        let body = wasmparser::Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|p| match p.expect("valid module") {
                wasmparser::Payload::CodeSectionEntry(body) => Some(body),
                _ => None,
            })
            .nth(index)
            .expect("the test module has that function");
        let mut loops: Vec<_> = scan(&body, &info.memories)
            .expect("valid body")
            .into_iter()
            .collect();
        loops.sort();
        loops
    }

    #[test]
    fn a_call_free_loop_lists_its_ends_most_checked_first() {
        // End 8 (i64.load, i32.load offset=4) twice, end 1 once, end 65537
        // past the one-page minimum never; memory 1's end 2 once.
        let wat = r#"(module (memory 1) (memory 1)
            (func (param i32)
              (loop
                (drop (i32.load8_u (local.get 0)))
                (drop (i64.load (local.get 0)))
                (drop (i32.load offset=4 (local.get 0)))
                (drop (i32.load offset=65533 (local.get 0)))
                (drop (i32.load16_s 1 (local.get 0))))))"#;
        let loops = scanned(wat, 0);
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].1, [(0, 8), (0, 1), (1, 2)]);
    }

    #[test]
    fn a_call_or_grow_anywhere_inside_excludes_the_loop_and_its_outer_loops() {
        // The inner loop grows the memory: neither loop qualifies. The
        // third loop only follows a call: it does.
        let wat = r#"(module (memory 1)
            (func $f)
            (func (param i32)
              (loop
                (drop (i32.load (local.get 0)))
                (loop
                  (drop (i32.load8_u (local.get 0)))
                  (drop (memory.grow (i32.const 0)))))
              (call $f)
              (loop (drop (i32.load16_u (local.get 0))))))"#;
        let ends: Vec<_> = scanned(wat, 1).into_iter().map(|(_, ends)| ends).collect();
        assert_eq!(ends, [vec![(0u32, 2u64)]]);
        // And a call inside a nested block of a loop counts too.
        let in_block = r#"(module (memory 1)
            (func $f)
            (func (param i32)
              (loop (block (drop (i32.load (local.get 0))) (call $f)))))"#;
        assert!(scanned(in_block, 1).is_empty());
    }
}
