//! A builder for read-only data objects with pointers: bytes plus
//! relocations, with nested arrays and strings laid out after their parent
//! and referenced by self-relative relocations.

use anyhow::Result;
use cranelift_module::{DataDescription, DataId, FuncId, Module};
use cranelift_object::ObjectModule;

/// What a pointer slot points at.
#[derive(Clone, Copy, Debug)]
enum PointerTarget {
    /// An offset inside the data object being built.
    SelfOffset(u64),
    Func(FuncId),
    Data(DataId, i64),
}

/// Bytes under construction; see the module docs.
#[derive(Default)]
pub struct DataWriter {
    bytes: Vec<u8>,
    pointers: Vec<(usize, PointerTarget)>,
    /// Children laid out after this writer: (slot, child, alignment).
    children: Vec<(usize, DataWriter, usize)>,
}

impl DataWriter {
    pub fn new() -> DataWriter {
        DataWriter::default()
    }

    /// A writer holding raw bytes (strings, segment contents).
    pub fn from_bytes(bytes: &[u8]) -> DataWriter {
        DataWriter {
            bytes: bytes.to_vec(),
            ..DataWriter::default()
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A null pointer.
    pub fn null(&mut self) {
        self.u64(0);
    }

    /// A pointer to a function's code.
    pub fn func_ptr(&mut self, func: FuncId) {
        self.pointers
            .push((self.bytes.len(), PointerTarget::Func(func)));
        self.u64(0);
    }

    /// A pointer to another data object, plus `addend`.
    pub fn data_ptr(&mut self, data: DataId, addend: i64) {
        self.pointers
            .push((self.bytes.len(), PointerTarget::Data(data, addend)));
        self.u64(0);
    }

    /// A pointer to `child`, laid out later with `align`.
    pub fn child_ptr(&mut self, child: DataWriter, align: usize) {
        if child.is_empty() {
            self.null();
            return;
        }
        self.children.push((self.bytes.len(), child, align));
        self.u64(0);
    }

    /// A `Str { ptr, len }`.
    pub fn str(&mut self, s: &[u8]) {
        self.child_ptr(DataWriter::from_bytes(s), 1);
        self.u64(s.len() as u64);
    }

    /// A `Slice { ptr, len }` of `count` records written into `records`.
    pub fn slice(&mut self, records: DataWriter, count: usize) {
        self.child_ptr(records, 16);
        self.u64(count as u64);
    }

    /// As [`DataWriter::slice`], aligned only as much as `T` needs: a
    /// module descriptor's arrays, where 16-byte padding would be flash
    /// spent on nothing.
    pub fn slice_of<T>(&mut self, records: DataWriter, count: usize) {
        self.child_ptr(records, std::mem::align_of::<T>());
        self.u64(count as u64);
    }

    /// A pointer to an array of records whose count is stored elsewhere
    /// (a module descriptor's `counts`), aligned as `T` needs.
    pub fn array_ptr<T>(&mut self, records: DataWriter) {
        self.child_ptr(records, std::mem::align_of::<T>());
    }

    /// Appends `other`'s bytes (a record written by another writer),
    /// keeping its pointers and children.
    pub fn append(&mut self, other: DataWriter) {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.pointers.extend(
            other
                .pointers
                .into_iter()
                .map(|(at, target)| (at + base, shift(target, base as u64))),
        );
        self.children.extend(
            other
                .children
                .into_iter()
                .map(|(at, child, align)| (at + base, child, align)),
        );
    }

    /// Lays out all children, recursively, after this writer's bytes; only
    /// self/func/data pointers remain. Children go in order of decreasing
    /// alignment (in tree order within one alignment), so that strings and
    /// byte blobs end up together after the records and padding is paid
    /// only where the alignment drops.
    fn flatten(self) -> DataWriter {
        let mut nodes = Vec::new();
        collect_nodes(self, 1, None, &mut nodes);
        let mut order: Vec<usize> = (1..nodes.len()).collect();
        order.sort_by_key(|&node| std::cmp::Reverse(nodes[node].align));
        let mut starts = vec![0; nodes.len()];
        let mut out = DataWriter::new();
        for node in std::iter::once(0).chain(order) {
            while !out.bytes.len().is_multiple_of(nodes[node].align) {
                out.bytes.push(0);
            }
            starts[node] = out.bytes.len();
            out.bytes.extend_from_slice(&nodes[node].bytes);
        }
        for (node, laid) in nodes.into_iter().enumerate() {
            let start = starts[node];
            out.pointers.extend(
                laid.pointers
                    .into_iter()
                    .map(|(at, target)| (at + start, shift(target, start as u64))),
            );
            if let Some((parent, slot)) = laid.parent {
                out.pointers.push((
                    starts[parent] + slot,
                    PointerTarget::SelfOffset(start as u64),
                ));
            }
        }
        out
    }

    /// Defines data object `id` with these contents.
    pub fn define(self, module: &mut ObjectModule, id: DataId, align: u64) -> Result<()> {
        let flat = self.flatten();
        let mut description = DataDescription::new();
        // Relocated data must be defined with explicit bytes: zero-init data
        // lands in .bss, where the linker silently drops relocations.
        description.define(flat.bytes.into_boxed_slice());
        description.set_align(align);
        let own = module.declare_data_in_data(id, &mut description);
        for (at, target) in flat.pointers {
            let at = at as u32;
            match target {
                PointerTarget::SelfOffset(offset) => {
                    description.write_data_addr(at, own, offset as i64)
                }
                PointerTarget::Func(func) => {
                    let func = module.declare_func_in_data(func, &mut description);
                    description.write_function_addr(at, func);
                }
                PointerTarget::Data(data, addend) => {
                    let gv = module.declare_data_in_data(data, &mut description);
                    description.write_data_addr(at, gv, addend);
                }
            }
        }
        module
            .define_data(id, &description)
            .map_err(|e| super::errors::module_error("the module data", &e))
    }
}

fn shift(target: PointerTarget, by: u64) -> PointerTarget {
    match target {
        PointerTarget::SelfOffset(offset) => PointerTarget::SelfOffset(offset + by),
        other => other,
    }
}

/// A writer's own bytes and pointers, and the slot of its parent that
/// points at it.
struct Node {
    bytes: Vec<u8>,
    pointers: Vec<(usize, PointerTarget)>,
    align: usize,
    /// (parent's index in the node list, slot offset in the parent).
    parent: Option<(usize, usize)>,
}

/// Appends `writer` and its descendants to `nodes`, in tree order.
fn collect_nodes(
    writer: DataWriter,
    align: usize,
    parent: Option<(usize, usize)>,
    nodes: &mut Vec<Node>,
) {
    let id = nodes.len();
    nodes.push(Node {
        bytes: writer.bytes,
        pointers: writer.pointers,
        align: align.max(1),
        parent,
    });
    for (slot, child, child_align) in writer.children {
        collect_nodes(child, child_align, Some((id, slot)), nodes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The self-offset each pointer slot of `flat` holds, in slot order.
    fn self_pointers(flat: &DataWriter) -> Vec<(usize, u64)> {
        let mut slots: Vec<(usize, u64)> = flat
            .pointers
            .iter()
            .filter_map(|&(at, target)| match target {
                PointerTarget::SelfOffset(offset) => Some((at, offset)),
                _ => None,
            })
            .collect();
        slots.sort();
        slots
    }

    #[test]
    fn children_are_laid_out_by_decreasing_alignment_with_their_pointers_kept() {
        // root: [str "abc"] [array of one 8-byte record holding str "xy"]
        let mut record = DataWriter::new();
        record.str(b"xy");
        let mut root = DataWriter::new();
        root.str(b"abc");
        root.array_ptr::<u64>(record);
        let flat = root.flatten();
        // Root (16 + 8 bytes), then the 8-aligned record (16 bytes) at 24,
        // then the strings back to back in tree order: "abc" at 40, "xy"
        // at 43; no padding anywhere.
        assert_eq!(flat.bytes.len(), 24 + 16 + 3 + 2);
        assert_eq!(&flat.bytes[40..43], b"abc");
        assert_eq!(&flat.bytes[43..45], b"xy");
        assert_eq!(
            self_pointers(&flat),
            [(0, 40), (16, 24), (24, 43)],
            "root's string, root's array, the record's string"
        );
        // The lengths stay where they were written.
        assert_eq!(flat.bytes[8], 3);
        assert_eq!(flat.bytes[32], 2);
    }

    #[test]
    fn an_aligned_child_goes_before_an_earlier_byte_string_padded_to_its_alignment() {
        let mut root = DataWriter::new();
        root.u32(7);
        // A 1-aligned child first in tree order, an 8-aligned one second:
        // the 8-aligned one still goes first.
        root.child_ptr(DataWriter::from_bytes(b"z"), 1);
        let mut record = DataWriter::new();
        record.u64(9);
        root.child_ptr(record, 8);
        let flat = root.flatten();
        // Root is 4 + 8 + 8 = 20 bytes; the record at 24, then "z" at 32.
        assert_eq!(self_pointers(&flat), [(4, 32), (12, 24)]);
        assert_eq!(flat.bytes[24], 9);
        assert_eq!(flat.bytes[32], b'z');
        assert_eq!(flat.bytes.len(), 33);
    }
}
