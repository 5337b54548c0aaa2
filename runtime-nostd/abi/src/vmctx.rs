//! The per-instance context (`vmctx`) passed as the first argument of every
//! compiled function.
//!
//! # Layout
//! A fixed header followed by arrays whose lengths depend on the module. The
//! offsets are computed by [`VmctxLayout::new`] on both sides from the same
//! [`ModuleCounts`], so the compiler and the runtime cannot disagree.
//!
//! ```text
//! offset                      field
//! 0                           stack_limit: usize     lowest SP compiled code may use
//! 8                           descriptor: *const ModuleDescriptor
//! 16                          instance: *mut ()      runtime-private record
//! 24                          budget: i64            fuel/deadline counter (see `crate::budget`)
//! 32                          budget_reserve: i64    budget not yet handed to `budget`
//! 40                          budget_deadline: u64   monotonic ns; 0 = not armed yet
//! memory_imports              [*mut VMMemory; imported memories]
//! memories                    [VMMemory; defined memories]      owned by this instance
//! table_imports               [*mut VMTable; imported tables]
//! tables                      [VMTable; defined tables]
//! global_imports              [*mut VMGlobal; imported globals]
//! globals                     [VMGlobal; defined globals]       initialised by `instantiate`
//! func_imports                [VMFuncRef; imported functions]   filled by the runtime's linker
//! funcrefs                    [VMFuncRef; defined functions]    filled by the runtime
//! data_lengths                [u32; data segments]              0 once dropped
//! elem_lengths                [u32; element segments]           0 once dropped
//! elem_items                  [usize; sum of element segment lengths]
//! host_funcs                  [usize; imported functions]       host code behind an import's adapter
//! size                        (rounded up to 16)
//! ```
//! Defined entities live inline so that compiled code reaches them with one
//! load from `vmctx`; imported ones are pointers to the exporter's record.

/// Offset of the stack limit: every function prologue compares SP with it.
pub const STACK_LIMIT: u32 = 0;
/// Offset of the pointer to the module's [`crate::descriptor::ModuleDescriptor`].
pub const DESCRIPTOR: u32 = 8;
/// Offset of the runtime's private instance pointer.
pub const INSTANCE: u32 = 16;
/// Offset of the budget counter (i64) that code compiled with `--fuel` or
/// `--timeout-ms` decrements; see [`crate::budget`].
pub const BUDGET: u32 = 24;
/// Offset of the budget not yet handed to the counter (i64, runtime-owned).
pub const BUDGET_RESERVE: u32 = 32;
/// Offset of the current call's deadline (u64 monotonic ns, runtime-owned;
/// 0 until the runtime arms the budget).
pub const BUDGET_DEADLINE: u32 = 40;
/// Size of the fixed header.
pub const HEADER_SIZE: u32 = 48;

/// A callable function: what a `funcref` points at and what an imported
/// function slot holds. Calling it means `func_ptr(vmctx, args...)` with the
/// target's C calling convention.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VMFuncRef {
    /// Native code of the function.
    pub func_ptr: *const u8,
    /// The context to pass as first argument (the callee's instance; for host
    /// functions, the importing instance).
    pub vmctx: *mut u8,
    /// Canonical type id: the address of the weak symbol
    /// `wafer.type.<signature>`, identical for identical types in one image.
    pub type_id: *const u8,
}

impl VMFuncRef {
    pub const FUNC_PTR: u32 = 0;
    pub const VMCTX: u32 = 8;
    pub const TYPE_ID: u32 = 16;
    pub const SIZE: u32 = 24;
}

/// A linear memory.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VMMemory {
    /// First byte. Never moves for the life of the instance (the runtime
    /// reserves the maximum up front), so compiled code may cache it.
    pub base: *mut u8,
    /// Current size in bytes; every access is checked against it.
    pub length: u64,
    /// Maximum size in pages this memory may grow to (declared maximum capped
    /// by the image's configuration).
    pub max_pages: u64,
    /// Reserved for the runtime (e.g. the reserved size).
    pub reserved: u64,
    /// Bytes of address space from `base` in which every byte past `length`
    /// faults: [`crate::GUARD_REACH_BYTES`] for a guard-reserved memory
    /// (usable by guard-mode code; the [`crate::GUARD_BELOW_BYTES`] below
    /// `base` fault too), 0 otherwise.
    pub guard_window: u64,
    /// How big its pages are, as `log2(bytes)`: 16 (64 KiB) unless the
    /// module declared a custom page size (1 byte: 0). `max_pages`,
    /// `reserved` and `memory.grow`'s delta count these pages.
    pub page_size_log2: u32,
    /// 1 for a 64-bit memory (memory64), 0 for a 32-bit one: imports must
    /// match it.
    pub index64: u32,
}

impl VMMemory {
    pub const BASE: u32 = 0;
    pub const LENGTH: u32 = 8;
    pub const MAX_PAGES: u32 = 16;
    pub const SIZE: u32 = 48;

    /// Bytes in one of its pages.
    pub const fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// Its [`MemoryShape`].
    pub const fn shape(&self) -> MemoryShape {
        MemoryShape {
            page_size_log2: self.page_size_log2,
            index64: self.index64 != 0,
        }
    }
}

/// What a memory's type says beyond its limits: index type and page size.
/// Two memories must have the same shape for one to be imported as the
/// other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryShape {
    /// `log2` of the page size: 16 (64 KiB) or 0 (1 byte).
    pub page_size_log2: u32,
    /// A 64-bit memory (memory64).
    pub index64: bool,
}

impl MemoryShape {
    /// 32-bit addresses, 64 KiB pages: every memory of Wasm 2.0.
    pub const CLASSIC: MemoryShape = MemoryShape {
        page_size_log2: 16,
        index64: false,
    };

    /// Bytes in one page.
    pub const fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// Whether compiled code checks every access of such a memory, in guard
    /// mode too, so it needs no guard window: no window covers a 64-bit
    /// address, and an OS page holds many 1-byte Wasm pages, so the MMU
    /// cannot stop an access one byte past the end.
    pub const fn always_checked(&self) -> bool {
        self.index64 || self.page_size_log2 < 16
    }

    /// Splits a memory's descriptor type string into its shape part and
    /// whether it ends with `s` (a shared memory, threads proposal).
    pub fn split_shared(ty: &[u8]) -> (&[u8], bool) {
        match ty.split_last() {
            Some((b's', shape)) => (shape, true),
            _ => (ty, false),
        }
    }

    /// The shape of a memory import from its descriptor type string
    /// ([`crate::descriptor::ImportDesc::ty`]): empty for [`Self::CLASSIC`],
    /// else `i` or `I` (64-bit) followed by the page size's `log2` in
    /// decimal (`"I16"`, `"i0"`). `None` if malformed.
    pub fn from_type_string(ty: &[u8]) -> Option<MemoryShape> {
        let Some((&letter, digits)) = ty.split_first() else {
            return Some(Self::CLASSIC);
        };
        let index64 = match letter {
            b'i' => false,
            b'I' => true,
            _ => return None,
        };
        if digits.is_empty() || digits.len() > 2 {
            return None;
        }
        let mut log2 = 0u32;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            log2 = log2 * 10 + u32::from(d - b'0');
        }
        (log2 <= 16).then_some(MemoryShape {
            page_size_log2: log2,
            index64,
        })
    }
}

/// A table of references (`usize` words: funcref pointers or externref words).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VMTable {
    /// First element.
    pub base: *mut usize,
    /// Current number of elements.
    pub length: u64,
    /// Maximum number of elements (declared maximum or the runtime's cap).
    pub max: u64,
    /// Elements allocated at `base`.
    pub capacity: u64,
}

impl VMTable {
    pub const BASE: u32 = 0;
    pub const LENGTH: u32 = 8;
    pub const MAX: u32 = 16;
    pub const CAPACITY: u32 = 24;
    pub const SIZE: u32 = 32;
}

/// A global's storage: 16 bytes, value in the low bytes (little-endian).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default)]
pub struct VMGlobal {
    pub bits: [u64; 2],
}

impl VMGlobal {
    pub const SIZE: u32 = 16;
}

/// How many of each entity a module has; the input of [`VmctxLayout::new`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleCounts {
    pub imported_funcs: u32,
    pub defined_funcs: u32,
    pub imported_memories: u32,
    pub defined_memories: u32,
    pub imported_tables: u32,
    pub defined_tables: u32,
    pub imported_globals: u32,
    pub defined_globals: u32,
    pub data_segments: u32,
    pub elem_segments: u32,
    pub elem_items: u32,
    /// Exception tags: imported, and all of them (imports first).
    pub imported_tags: u32,
    pub tags: u32,
}

/// Offsets of each array in a module's vmctx. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmctxLayout {
    pub counts: ModuleCounts,
    pub func_imports: u32,
    pub funcrefs: u32,
    pub memory_imports: u32,
    pub memories: u32,
    pub table_imports: u32,
    pub tables: u32,
    pub global_imports: u32,
    pub globals: u32,
    pub data_lengths: u32,
    pub elem_lengths: u32,
    pub elem_items: u32,
    /// One word per imported function: the host (C) code bound to it,
    /// called by the import's adapter (`ImportDesc::host_adapter`).
    pub host_funcs: u32,
    /// One word per tag (imports first): the tag's identity, the address
    /// of the defining instance's own word for it (see `tag`).
    pub tags: u32,
    pub size: u32,
}

const fn align_up(value: u32, align: u32) -> u32 {
    (value + align - 1) & !(align - 1)
}

impl VmctxLayout {
    /// Lays out a vmctx for a module with the given counts.
    pub const fn new(counts: ModuleCounts) -> VmctxLayout {
        // Memories, tables and globals first: compiled code reaches them on
        // every access, and at small offsets that is one instruction (an
        // aarch64 `ldr` takes offsets up to 32 KiB, riscv64 up to 2 KiB),
        // while a Go module's funcrefs alone are 60 KB.
        let memory_imports = HEADER_SIZE;
        let memories = memory_imports + counts.imported_memories * 8;
        let table_imports = memories + counts.defined_memories * VMMemory::SIZE;
        let tables = table_imports + counts.imported_tables * 8;
        let global_imports = tables + counts.defined_tables * VMTable::SIZE;
        let globals = align_up(global_imports + counts.imported_globals * 8, 16);
        let func_imports = globals + counts.defined_globals * VMGlobal::SIZE;
        let funcrefs = func_imports + counts.imported_funcs * VMFuncRef::SIZE;
        let data_lengths = funcrefs + counts.defined_funcs * VMFuncRef::SIZE;
        let elem_lengths = data_lengths + counts.data_segments * 4;
        let elem_items = align_up(elem_lengths + counts.elem_segments * 4, 8);
        let host_funcs = elem_items + counts.elem_items * 8;
        let tags = host_funcs + counts.imported_funcs * 8;
        let size = align_up(tags + counts.tags * 8, 16);
        VmctxLayout {
            counts,
            func_imports,
            funcrefs,
            memory_imports,
            memories,
            table_imports,
            tables,
            global_imports,
            globals,
            data_lengths,
            elem_lengths,
            elem_items,
            host_funcs,
            tags,
            size,
        }
    }

    /// Offset of imported function slot `index`.
    pub const fn func_import(&self, index: u32) -> u32 {
        self.func_imports + index * VMFuncRef::SIZE
    }
    /// Offset of the funcref record of defined function `index`.
    pub const fn funcref(&self, defined_index: u32) -> u32 {
        self.funcrefs + defined_index * VMFuncRef::SIZE
    }
    /// Offset of the pointer to imported memory `index`.
    pub const fn memory_import(&self, index: u32) -> u32 {
        self.memory_imports + index * 8
    }
    /// Offset of defined memory `index`.
    pub const fn memory(&self, defined_index: u32) -> u32 {
        self.memories + defined_index * VMMemory::SIZE
    }
    /// Offset of the pointer to imported table `index`.
    pub const fn table_import(&self, index: u32) -> u32 {
        self.table_imports + index * 8
    }
    /// Offset of defined table `index`.
    pub const fn table(&self, defined_index: u32) -> u32 {
        self.tables + defined_index * VMTable::SIZE
    }
    /// Offset of the pointer to imported global `index`.
    pub const fn global_import(&self, index: u32) -> u32 {
        self.global_imports + index * 8
    }
    /// Offset of defined global `index`.
    pub const fn global(&self, defined_index: u32) -> u32 {
        self.globals + defined_index * VMGlobal::SIZE
    }
    /// Offset of the current length of data segment `index`.
    pub const fn data_length(&self, index: u32) -> u32 {
        self.data_lengths + index * 4
    }
    /// Offset of the current length of element segment `index`.
    pub const fn elem_length(&self, index: u32) -> u32 {
        self.elem_lengths + index * 4
    }
    /// Offset of element item `index` (items of all segments, concatenated).
    pub const fn elem_item(&self, index: u32) -> u32 {
        self.elem_items + index * 8
    }
    /// Offset of the host code bound to imported function `index` (see
    /// `ImportDesc::host_adapter`).
    pub const fn host_func(&self, index: u32) -> u32 {
        self.host_funcs + index * 8
    }
    /// Offset of the identity word of tag `index` (imports first). A
    /// defined tag's word holds its own address, an imported tag's the
    /// address of the exporter's word: two instances of one module have
    /// different tags, an import and its export the same.
    pub const fn tag(&self, index: u32) -> u32 {
        self.tags + index * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(functions: u32, data_segments: u32) -> ModuleCounts {
        ModuleCounts {
            imported_funcs: 3,
            defined_funcs: functions,
            imported_memories: 1,
            defined_memories: 1,
            imported_tables: 1,
            defined_tables: 2,
            imported_globals: 3,
            defined_globals: 5,
            data_segments,
            elem_segments: 2,
            elem_items: 7,
            imported_tags: 1,
            tags: 2,
        }
    }

    #[test]
    fn memories_tables_and_globals_sit_at_offsets_that_no_function_count_moves() {
        let small = VmctxLayout::new(counts(1, 1));
        let large = VmctxLayout::new(counts(100_000, 50_000));
        for layout in [small, large] {
            assert_eq!(layout.memory_import(0), small.memory_import(0));
            assert_eq!(layout.memory(0), small.memory(0));
            assert_eq!(layout.table(1), small.table(1));
            assert_eq!(layout.global_import(2), small.global_import(2));
            assert_eq!(layout.global(4), small.global(4));
        }
        assert!(
            large.global(4) + VMGlobal::SIZE < 2048,
            "within riscv64's load offsets"
        );
    }

    #[test]
    fn the_arrays_follow_each_other_without_overlap_and_aligned() {
        let c = counts(10, 4);
        let l = VmctxLayout::new(c);
        let arrays = [
            (HEADER_SIZE, l.memory_imports),
            (l.memory_imports + c.imported_memories * 8, l.memories),
            (
                l.memories + c.defined_memories * VMMemory::SIZE,
                l.table_imports,
            ),
            (l.table_imports + c.imported_tables * 8, l.tables),
            (
                l.tables + c.defined_tables * VMTable::SIZE,
                l.global_imports,
            ),
            (l.global_imports + c.imported_globals * 8, l.globals),
            (
                l.globals + c.defined_globals * VMGlobal::SIZE,
                l.func_imports,
            ),
            (
                l.func_imports + c.imported_funcs * VMFuncRef::SIZE,
                l.funcrefs,
            ),
            (
                l.funcrefs + c.defined_funcs * VMFuncRef::SIZE,
                l.data_lengths,
            ),
            (l.data_lengths + c.data_segments * 4, l.elem_lengths),
            (l.elem_lengths + c.elem_segments * 4, l.elem_items),
            (l.elem_items + c.elem_items * 8, l.host_funcs),
            (l.host_funcs + c.imported_funcs * 8, l.tags),
            (l.tags + c.tags * 8, l.size),
        ];
        for (i, (end_of_previous, start)) in arrays.into_iter().enumerate() {
            assert!(
                start >= end_of_previous,
                "array {i} overlaps the one before"
            );
            assert!(
                start - end_of_previous < 16,
                "array {i}: more than alignment padding"
            );
        }
        assert_eq!(l.globals % 16, 0);
        assert_eq!(l.funcrefs % 8, 0);
        assert_eq!(l.elem_items % 8, 0);
        assert_eq!(l.host_funcs % 8, 0);
        assert_eq!(l.tags % 8, 0);
        assert_eq!(l.size % 16, 0);
    }

    #[test]
    fn shared_memory_type_strings_end_with_s() {
        assert_eq!(MemoryShape::split_shared(b"s"), (&b""[..], true));
        assert_eq!(MemoryShape::split_shared(b"I16s"), (&b"I16"[..], true));
        assert_eq!(MemoryShape::split_shared(b"i0"), (&b"i0"[..], false));
        assert_eq!(MemoryShape::split_shared(b""), (&b""[..], false));
    }

    #[test]
    fn memory_type_strings_name_index_type_and_page_size() {
        let shape = |page_size_log2, index64| {
            Some(MemoryShape {
                page_size_log2,
                index64,
            })
        };
        assert_eq!(
            MemoryShape::from_type_string(b""),
            Some(MemoryShape::CLASSIC)
        );
        assert_eq!(MemoryShape::from_type_string(b"i16"), shape(16, false));
        assert_eq!(MemoryShape::from_type_string(b"I16"), shape(16, true));
        assert_eq!(MemoryShape::from_type_string(b"i0"), shape(0, false));
        assert_eq!(MemoryShape::from_type_string(b"I0"), shape(0, true));
        for bad in [&b"x16"[..], b"i", b"I17", b"i1a", b"i160", b"r"] {
            assert_eq!(MemoryShape::from_type_string(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_classic_memories_may_rely_on_a_guard_window() {
        assert!(!MemoryShape::CLASSIC.always_checked());
        assert!(
            MemoryShape {
                page_size_log2: 16,
                index64: true
            }
            .always_checked()
        );
        assert!(
            MemoryShape {
                page_size_log2: 0,
                index64: false
            }
            .always_checked()
        );
    }
}
