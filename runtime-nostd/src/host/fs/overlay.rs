//! `--dir-rw`: a baked tree the program may change during one boot.
//!
//! At the first file call the tree's structure is copied into a RAM node
//! table (names and contents still point into flash); a file's contents
//! are copied to the heap the first time it is written or truncated
//! ("copy up"), and new names and files live on the heap. Everything this
//! takes — the table, names, contents — is charged to the budget baked
//! into the tree's header (`--dir-rw`: the table plus 64 KiB): past it, or when the
//! heap is exhausted, a change is `ENOSPC` and nothing changed. Deleting
//! or shrinking gives the bytes back. Nothing is written back to flash.
//!
//! A directory's children are the nodes whose parent it is (a scan: the
//! table is small), in table order.

use wafer_abi::file_tree::{
    DIRECTORY, OVERLAY_EXTRA_NODES, OVERLAY_NODE_BYTES, REGULAR_FILE, Tree,
};

use super::errno::*;
use crate::alloc;

pub const NOSPC: i32 = 51;
pub const FBIG: i32 = 22;

/// The parent of a node removed from its directory while an fd still
/// has it open: it lives on, nameless, until that fd is closed.
pub const UNLINKED: u32 = u32::MAX;
const FREE: u8 = 0;

#[derive(Clone, Copy)]
struct RamNode {
    /// `FREE`, or the preview1 filetype.
    kind: u8,
    /// Whether `name` is a heap block of `name_len` bytes (else flash).
    name_owned: bool,
    name_len: u16,
    parent: u32,
    name: *const u8,
    /// `cap` bytes of heap, or (cap 0) the flash contents.
    data: *mut u8,
    len: u32,
    cap: u32,
}

// The budget `wafer build` computes (`overlay_budget`) counts on it.
const _: () = assert!(core::mem::size_of::<RamNode>() == OVERLAY_NODE_BYTES as usize);
const _: () = assert!(core::mem::size_of::<Ram>() <= 64);

/// One changeable tree.
pub struct Ram {
    nodes: *mut RamNode,
    capacity: u32,
    used: usize,
    limit: usize,
}

/// What a node is, as the path walk and stat see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub index: u32,
    pub kind: u32,
    pub parent: u32,
    pub len: u32,
}

impl Info {
    pub fn is_dir(&self) -> bool {
        self.kind == DIRECTORY
    }
}

impl Ram {
    /// Copies `tree`'s structure into a new overlay with its budget; `None`
    /// when the heap or the budget cannot hold the table.
    pub fn new(tree: &Tree<'static>) -> Option<&'static mut Ram> {
        let capacity = tree.len().checked_add(OVERLAY_EXTRA_NODES)?;
        let table = capacity as usize * core::mem::size_of::<RamNode>();
        let own = core::mem::size_of::<Ram>();
        let limit = tree.overlay_bytes() as usize;
        if table + own > limit {
            return None;
        }
        let ram = alloc::alloc_zeroed(own, 8) as *mut Ram;
        let nodes = alloc::alloc_zeroed(table, 8) as *mut RamNode;
        if ram.is_null() || nodes.is_null() {
            return None;
        }
        // SAFETY: fresh, zeroed, aligned blocks of these sizes.
        let ram = unsafe {
            ram.write(Ram {
                nodes,
                capacity,
                used: table + own,
                limit,
            });
            &mut *ram
        };
        for i in 0..tree.len() {
            let node = tree.node(i).ok()?;
            let name = tree.name(&node);
            let contents = tree.contents(&node);
            *ram.slot(i) = RamNode {
                kind: node.kind as u8,
                name_owned: false,
                name_len: name.len() as u16,
                parent: node.parent,
                name: name.as_ptr(),
                data: contents.as_ptr() as *mut u8,
                len: node.len,
                cap: 0,
            };
        }
        Some(ram)
    }

    fn slot(&mut self, i: u32) -> &mut RamNode {
        debug_assert!(i < self.capacity);
        // SAFETY: `i` is below the table's capacity (checked by callers).
        unsafe { &mut *self.nodes.add(i as usize) }
    }

    fn get(&self, i: u32) -> Option<&RamNode> {
        if i >= self.capacity {
            return None;
        }
        // SAFETY: in bounds.
        let n = unsafe { &*self.nodes.add(i as usize) };
        (n.kind != FREE).then_some(n)
    }

    pub fn info(&self, i: u32) -> Result<Info, i32> {
        let n = self.get(i).ok_or(BADF)?;
        Ok(Info {
            index: i,
            kind: n.kind as u32,
            parent: n.parent,
            len: if n.kind == DIRECTORY as u8 { 0 } else { n.len },
        })
    }

    pub fn name(&self, i: u32) -> &[u8] {
        match self.get(i) {
            // SAFETY: a node's name is `name_len` bytes of flash or heap.
            Some(n) => unsafe { core::slice::from_raw_parts(n.name, n.name_len as usize) },
            None => &[],
        }
    }

    pub fn contents(&self, i: u32) -> &[u8] {
        match self.get(i) {
            Some(n) if n.kind == REGULAR_FILE as u8 && n.len > 0 => {
                // SAFETY: `len` bytes of flash or of the heap block.
                unsafe { core::slice::from_raw_parts(n.data, n.len as usize) }
            }
            _ => &[],
        }
    }

    /// Children of `dir` in table order (the root is its own parent and
    /// not its own child).
    fn children(&self, dir: u32) -> impl Iterator<Item = u32> + '_ {
        (0..self.capacity)
            .filter(move |&i| i != dir && self.get(i).is_some_and(|n| n.parent == dir))
    }

    pub fn lookup(&self, dir: u32, name: &[u8]) -> Option<u32> {
        self.children(dir).find(|&i| self.name(i) == name)
    }

    pub fn child(&self, dir: u32, k: u32) -> Option<u32> {
        self.children(dir).nth(k as usize)
    }

    fn charge(&mut self, bytes: usize) -> Result<(), i32> {
        let used = self.used.checked_add(bytes).ok_or(NOSPC)?;
        if used > self.limit {
            return Err(NOSPC);
        }
        self.used = used;
        Ok(())
    }

    /// A new empty file or directory `name` in `parent`.
    pub fn create(&mut self, parent: u32, name: &[u8], kind: u32) -> Result<u32, i32> {
        let i = (0..self.capacity)
            .find(|&i| self.get(i).is_none())
            .ok_or(NOSPC)?;
        self.charge(name.len())?;
        let copy = alloc::alloc_zeroed(name.len().max(1), 1);
        if copy.is_null() {
            self.used -= name.len();
            return Err(NOSPC);
        }
        // SAFETY: a fresh block of at least `name.len()` bytes.
        unsafe { core::ptr::copy_nonoverlapping(name.as_ptr(), copy, name.len()) };
        *self.slot(i) = RamNode {
            kind: kind as u8,
            name_owned: true,
            name_len: name.len() as u16,
            parent,
            name: copy,
            data: core::ptr::null_mut(),
            len: 0,
            cap: 0,
        };
        Ok(i)
    }

    /// Gives node `i`'s name and contents back and frees its slot.
    pub fn remove(&mut self, i: u32) {
        let Some(&n) = self.get(i) else { return };
        if n.name_owned {
            // SAFETY: the name's own heap block.
            unsafe { alloc::free(n.name as *mut u8, (n.name_len as usize).max(1)) };
            self.used -= n.name_len as usize;
        }
        if n.cap > 0 {
            // SAFETY: the contents' own heap block.
            unsafe { alloc::free(n.data, n.cap as usize) };
            self.used -= n.cap as usize;
        }
        self.slot(i).kind = FREE;
    }

    /// Moves node `i` to `parent` under `name` (a copy of it).
    pub fn rename(&mut self, i: u32, parent: u32, name: &[u8]) -> Result<(), i32> {
        let n = *self.get(i).ok_or(BADF)?;
        self.charge(name.len())?;
        let copy = alloc::alloc_zeroed(name.len().max(1), 1);
        if copy.is_null() {
            self.used -= name.len();
            return Err(NOSPC);
        }
        // SAFETY: a fresh block of at least `name.len()` bytes.
        unsafe { core::ptr::copy_nonoverlapping(name.as_ptr(), copy, name.len()) };
        if n.name_owned {
            // SAFETY: the old name's own heap block.
            unsafe { alloc::free(n.name as *mut u8, (n.name_len as usize).max(1)) };
            self.used -= n.name_len as usize;
        }
        let slot = self.slot(i);
        slot.name = copy;
        slot.name_len = name.len() as u16;
        slot.name_owned = true;
        slot.parent = parent;
        Ok(())
    }

    pub fn set_parent(&mut self, i: u32, parent: u32) {
        if self.get(i).is_some() {
            self.slot(i).parent = parent;
        }
    }

    /// Makes file `i` `len` bytes long: cut, or extended with zeros. Its
    /// contents move to the heap first if they are still in flash.
    pub fn set_len(&mut self, i: u32, len: u64) -> Result<(), i32> {
        let n = *self.get(i).ok_or(BADF)?;
        let len = u32::try_from(len).map_err(|_| FBIG)?;
        if n.cap == 0 || len > n.cap {
            // Room to grow without a move on every small append.
            let roomy = if n.cap == 0 {
                len.max(16)
            } else {
                len.max(n.cap.saturating_mul(2))
            };
            // The room to grow only if the budget has it: else exactly `len`.
            let cap = if self.charge((roomy - n.cap) as usize).is_ok() {
                roomy
            } else {
                self.charge((len - n.cap) as usize)?;
                len
            };
            let extra = (cap - n.cap) as usize;
            let block = if n.cap == 0 {
                let fresh = alloc::alloc_zeroed(cap as usize, 8);
                let keep = n.len.min(len) as usize;
                if !fresh.is_null() && keep > 0 {
                    // SAFETY: `keep` bytes of flash into a block of `cap >= keep`.
                    unsafe { core::ptr::copy_nonoverlapping(n.data, fresh, keep) };
                }
                fresh
            } else {
                // SAFETY: the file's own heap block of `n.cap` bytes.
                unsafe { alloc::grow_zeroed(n.data, n.cap as usize, cap as usize, 8) }
            };
            if block.is_null() {
                self.used -= extra;
                return Err(NOSPC);
            }
            let slot = self.slot(i);
            slot.data = block;
            slot.cap = cap;
        }
        let slot = self.slot(i);
        if len < slot.len && slot.len <= slot.cap {
            // Zero the cut bytes, so growing again reads zeros.
            // SAFETY: inside the heap block (`len < slot.len <= cap`).
            unsafe {
                core::ptr::write_bytes(slot.data.add(len as usize), 0, (slot.len - len) as usize)
            };
        }
        slot.len = len;
        Ok(())
    }

    /// Writes `bytes` at `at` in file `i`, extending it (with zeros up to
    /// `at`) as needed.
    pub fn write(&mut self, i: u32, at: u64, bytes: &[u8]) -> Result<(), i32> {
        let end = at.checked_add(bytes.len() as u64).ok_or(FBIG)?;
        let n = *self.get(i).ok_or(BADF)?;
        self.set_len(i, end.max(n.len as u64))?;
        let slot = self.slot(i);
        // SAFETY: `at + bytes.len() <= len <= cap` bytes of the heap block.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), slot.data.add(at as usize), bytes.len())
        };
        Ok(())
    }
}
