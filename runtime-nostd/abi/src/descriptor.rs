//! Static descriptions of compiled modules and of whole images.
//!
//! # Section format
//! The compiler emits, per module, one read-only data object
//! `wafer_module_<prefix>` holding a [`ModuleDescriptor`]; pointers inside it
//! are relocations resolved by the linker. Per image it emits one
//! [`ImageManifest`] named [`IMAGE_MANIFEST_SYMBOL`]. All fields are naturally
//! aligned and every struct is a multiple of 8 bytes, so the compiler can
//! write them with `core::mem::offset_of!` on the host (also 64-bit LE).
//!
//! Instantiation, as the runtime performs it:
//! 1. allocate `vmctx_size` bytes (zeroed, 16-aligned), set the header,
//! 2. resolve every [`ImportDesc`] and fill its vmctx slot,
//! 3. fill `funcrefs` from [`FuncDesc`], allocate defined memories/tables
//!    (tables null-filled), set data/elem lengths from the descriptors,
//! 4. call `instantiate(vmctx)` under trap protection: it initialises
//!    globals, evaluates element items, applies active element and data
//!    segments in order, drops them, and runs the start function.

use crate::trap::TrapCode;
use crate::values::ValRaw;

/// Magic number at the start of every descriptor ("WAFR").
pub const DESCRIPTOR_MAGIC: u32 = 0x5246_4157;

/// Symbol of the image manifest the runtime's entry point reads.
pub const IMAGE_MANIFEST_SYMBOL: &str = "wafer_image";

/// A byte string: UTF-8 names, signature strings.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Str {
    pub ptr: *const u8,
    pub len: u64,
}

impl Str {
    /// The bytes.
    ///
    /// # Safety
    /// `ptr` must point at `len` readable bytes that live forever (descriptor
    /// data does).
    pub unsafe fn bytes(&self) -> &'static [u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len as usize) }
    }
}

/// A counted array.
#[repr(C)]
#[derive(Debug)]
pub struct Slice<T> {
    pub ptr: *const T,
    pub len: u64,
}

impl<T> Clone for Slice<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Slice<T> {}

impl<T> Slice<T> {
    /// The elements.
    ///
    /// # Safety
    /// `ptr` must point at `len` initialised elements that live forever.
    pub unsafe fn items(&self) -> &'static [T] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: guaranteed by the caller.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len as usize) }
    }
}

/// Kind of an import or export.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternKind {
    Func = 0,
    Table = 1,
    Memory = 2,
    Global = 3,
    /// An exception tag (exception handling).
    Tag = 4,
}

impl ExternKind {
    pub fn from_u32(v: u32) -> Option<ExternKind> {
        Some(match v {
            0 => ExternKind::Func,
            1 => ExternKind::Table,
            2 => ExternKind::Memory,
            3 => ExternKind::Global,
            4 => ExternKind::Tag,
            _ => return None,
        })
    }
}

/// How compiled code keeps linear-memory accesses in bounds.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Every access compares its end with the memory's length first; the
    /// memory may be any `length` bytes anywhere (no MMU needed).
    Explicit = 0,
    /// Accesses are not checked (except those whose static offset could
    /// leave the window): each memory the module uses must be reserved as
    /// [`crate::GUARD_WINDOW_BYTES`] of address space whose bytes past the
    /// current length fault, with `base` [`crate::GUARD_BELOW_BYTES`] above
    /// the window's start (those bytes fault too) and the memory never
    /// longer than [`crate::GUARDED_MAX_BYTES`]; a fault at a trap site is
    /// the `out of bounds memory access` trap.
    Guard = 1,
}

impl BoundsChecks {
    pub fn from_u32(v: u32) -> Option<BoundsChecks> {
        Some(match v {
            0 => BoundsChecks::Explicit,
            1 => BoundsChecks::Guard,
            _ => return None,
        })
    }
}

/// How compiled code keeps its stack within `--stack-size` (an image-wide
/// choice of the board: every module of an image is compiled the same way).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackChecks {
    /// Every prologue compares SP (minus its frame) with
    /// `vmctx::STACK_LIMIT`: works anywhere, no MMU needed.
    Prologue = 0,
    /// No check in the code: the runtime maps the stack with an
    /// inaccessible guard right below the budget and a fault in it is the
    /// `call stack exhausted` trap (Linux; frames are probed page by page).
    Guard = 1,
}

/// One import. `index` counts within its kind (the 3rd imported function has
/// kind Func, index 2); its vmctx slot follows from [`crate::vmctx::VmctxLayout`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ImportDesc {
    pub module: Str,
    pub field: Str,
    /// An [`ExternKind`].
    pub kind: u32,
    pub index: u32,
    /// Func: signature string (`"ii>i"`). Global: value letter, then `m` if
    /// mutable (`"im"`). Table: element letter (`"r"`/`"x"`), then `I` for
    /// a 64-bit table (`"rI"`). Memory: its shape (see
    /// [`crate::vmctx::MemoryShape::from_type_string`]), then `s` if shared
    /// (threads).
    pub ty: Str,
    /// Func: canonical type id (see [`crate::vmctx::VMFuncRef::type_id`]).
    pub type_id: *const u8,
    /// Func: when non-null, the import is bound at link time to this native
    /// symbol, called as `f(importer_vmctx, args...)`.
    pub static_target: *const u8,
    /// Table/Memory: minimum elements/pages required.
    pub min: u64,
    /// Table/Memory: maximum required, or [`crate::NO_MAX`].
    pub max: u64,
    /// Func: the import's adapter, compiled in the importing module. Wasm
    /// code calls imports in Cranelift's `tail` convention; host code
    /// (`static_target`, a host module's function) is C. When the import
    /// is bound to host code, the slot's `func_ptr` is this adapter and
    /// the host code goes in [`crate::vmctx::VmctxLayout::host_func`]; the
    /// adapter calls it there. Null for other kinds.
    pub host_adapter: *const u8,
}

/// One export. `index` is in the full index space of its kind (imports first).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExportDesc {
    pub name: Str,
    /// An [`ExternKind`].
    pub kind: u32,
    pub index: u32,
    /// Func: `extern "C" fn(funcref: *const VMFuncRef, values: *mut ValRaw)`.
    /// Reads the arguments from `values[0..params]`, calls, writes the results
    /// to `values[0..results]`; `values` must hold max(params, results) slots.
    pub trampoline: *const u8,
    /// Func: signature string. Global: as in [`ImportDesc::ty`].
    pub ty: Str,
}

/// Signature of an export trampoline.
pub type Trampoline = unsafe extern "C" fn(funcref: *const u8, values: *mut ValRaw);

/// A defined linear memory.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MemoryDesc {
    /// In the memory's own pages (see `page_size_log2`).
    pub min_pages: u64,
    /// Declared maximum or [`crate::NO_MAX`].
    pub max_pages: u64,
    /// `log2` of the page size: 16 (64 KiB) or 0 (custom page size 1).
    pub page_size_log2: u32,
    /// 1 for a 64-bit memory (memory64).
    pub index64: u32,
}

impl MemoryDesc {
    /// Its index type and page size.
    pub const fn shape(&self) -> crate::vmctx::MemoryShape {
        crate::vmctx::MemoryShape {
            page_size_log2: self.page_size_log2,
            index64: self.index64 != 0,
        }
    }
}

/// A defined table.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TableDesc {
    pub min: u64,
    /// Declared maximum or [`crate::NO_MAX`].
    pub max: u64,
    /// Element letter (`b'r'` funcref, `b'x'` externref).
    pub elem: u32,
    /// 1 for a 64-bit table (table64, i64 indices), else 0.
    pub index64: u32,
}

/// A trap site inside a function, as the compiler records it and as
/// [`TrapSites`] decodes it from a function's compact site stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapSite {
    /// Byte offset of the trapping instruction from the function's start.
    pub code_offset: u32,
    /// The [`crate::trap::TrapCode`] in the top [`TrapSite::CODE_BITS`]
    /// bits; below them the byte offset in the Wasm binary of the
    /// instruction that trapped, or [`TrapSite::UNKNOWN_WASM_OFFSET`].
    pub packed: u32,
}

impl TrapSite {
    /// Bits of [`TrapSite::packed`] holding the trap code.
    pub const CODE_BITS: u32 = 4;
    /// Bits of [`TrapSite::packed`] holding the Wasm offset.
    pub const WASM_OFFSET_BITS: u32 = 32 - Self::CODE_BITS;
    /// The Wasm offset of a site whose location is not known (or lies
    /// beyond 256 MiB into the module, which no location can name).
    pub const UNKNOWN_WASM_OFFSET: u32 = (1 << Self::WASM_OFFSET_BITS) - 1;

    /// Whether `code` fits a site's [`TrapSite::CODE_BITS`]: codes above
    /// only the runtime raises (`TrapCode::ExpectedSharedMemory` on).
    pub const fn can_hold(code: TrapCode) -> bool {
        (code as u32) < (1 << Self::CODE_BITS)
    }

    /// A site of trap `code` at `code_offset`, from the Wasm instruction at
    /// `wasm_offset` (`None`, or an offset too large to record: unknown).
    pub const fn new(code_offset: u32, code: TrapCode, wasm_offset: Option<u32>) -> TrapSite {
        let wasm_offset = match wasm_offset {
            Some(offset) if offset < Self::UNKNOWN_WASM_OFFSET => offset,
            _ => Self::UNKNOWN_WASM_OFFSET,
        };
        TrapSite {
            code_offset,
            packed: ((code as u32) << Self::WASM_OFFSET_BITS) | wasm_offset,
        }
    }

    /// The trap this site raises (`None` if the table is corrupt).
    #[inline]
    pub fn code(&self) -> Option<TrapCode> {
        TrapCode::from_u32(self.packed >> Self::WASM_OFFSET_BITS)
    }

    /// Byte offset in the Wasm binary of the instruction that trapped.
    #[inline]
    pub fn wasm_offset(&self) -> Option<u32> {
        let offset = self.packed & Self::UNKNOWN_WASM_OFFSET;
        (offset != Self::UNKNOWN_WASM_OFFSET).then_some(offset)
    }
}

/// Writes a function's trap sites as its compact site stream (see
/// [`TrapSites`]), one byte at a time into `push`, their Wasm offsets
/// counted from `wasm_base` (the function's [`FuncDesc::wasm_base`]).
/// `sites` must be sorted by `code_offset`. A site before the base (in a
/// callee inlined from earlier in the module) wraps around and takes a
/// few bytes more.
pub fn encode_trap_sites(sites: &[TrapSite], wasm_base: u32, mut push: impl FnMut(u8)) {
    let mut leb = |mut value: u64| loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            push(byte);
            break;
        }
        push(byte | 0x80);
    };
    let mut code_offset = 0u32;
    for site in sites {
        // An unknown offset too: (base + w) & mask gives it back.
        let w = (site.packed.wrapping_sub(wasm_base)) & TrapSite::UNKNOWN_WASM_OFFSET;
        let code = site.packed >> TrapSite::WASM_OFFSET_BITS;
        leb((u64::from(w) << TrapSite::CODE_BITS) | u64::from(code));
        leb(u64::from(site.code_offset.wrapping_sub(code_offset)));
        code_offset = site.code_offset;
    }
    leb(0);
}

/// Decodes a function's compact trap-site stream (see [`FuncDesc::meta`]):
/// per site, in code order, two LEB128 numbers,
/// - `w << 4 | code`: the [`TrapCode`] in the low [`TrapSite::CODE_BITS`]
///   bits, and the Wasm offset as `(wasm_base + w) mod 2^28` (the base is
///   the function's lowest site offset, so `w` is small; the unknown
///   offset is encoded the same way),
/// - the code offset's step from the previous site's (from 0),
///
/// then a 0, which no site starts with (trap codes start at 1).
///
/// Most sites take 3 to 4 bytes (8 as fixed records). The stream is only
/// read to attribute a trap, so a linear decode is fine, and it is kept to
/// the fewest instructions: its code is in every bare-metal image. Like
/// every pointer of a descriptor, the stream is trusted to be as the
/// compiler wrote it (bounds checks would cost code too).
#[derive(Clone, Debug)]
pub struct TrapSites {
    at: *const u8,
    code_offset: u32,
    wasm_base: u32,
}

impl TrapSites {
    /// The sites of the stream at `stream`, whose Wasm offsets count from
    /// `wasm_base`.
    ///
    /// # Safety
    /// `stream` must point at a whole stream, its end marker included,
    /// that lives as long as the iterator is used.
    #[inline]
    pub unsafe fn new(stream: *const u8, wasm_base: u32) -> TrapSites {
        TrapSites {
            at: stream,
            code_offset: 0,
            wasm_base,
        }
    }

    /// One LEB128 number (bits past 64 are dropped).
    #[inline]
    fn leb(&mut self) -> u64 {
        let (mut value, mut shift) = (0u64, 0u32);
        loop {
            // SAFETY: the stream is whole (`TrapSites::new`) and this is
            // only called before its end marker has been read.
            let byte = unsafe { *self.at };
            self.at = self.at.wrapping_add(1);
            value |= u64::from(byte & 0x7f).wrapping_shl(shift);
            if byte < 0x80 {
                return value;
            }
            shift += 7;
        }
    }
}

impl Iterator for TrapSites {
    type Item = TrapSite;

    #[inline]
    fn next(&mut self) -> Option<TrapSite> {
        let value = self.leb() as u32;
        if value == 0 {
            // The end marker (one byte): stay on it, never read past it.
            self.at = self.at.wrapping_sub(1);
            return None;
        }
        self.code_offset = self.code_offset.wrapping_add(self.leb() as u32);
        let offset = self.wasm_base.wrapping_add(value >> TrapSite::CODE_BITS);
        Some(TrapSite {
            code_offset: self.code_offset,
            packed: (value << TrapSite::WASM_OFFSET_BITS)
                | (offset & TrapSite::UNKNOWN_WASM_OFFSET),
        })
    }
}

/// The site at `code_offset` in `sites`. A linear decode: it runs once
/// per trap, over one function's sites, and a faster lookup would cost
/// code in every bare-metal image.
#[inline]
pub fn find_trap_site(mut sites: TrapSites, code_offset: u32) -> Option<TrapSite> {
    sites.find(|s| s.code_offset == code_offset)
}

/// A defined function: 40 bytes (64 before ABI 13). Its name and trap
/// sites are in the module's [`ModuleDescriptor::meta`] blob.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FuncDesc {
    /// Native code.
    pub ptr: *const u8,
    /// The entry point funcrefs and exports call (Wasm signature). `ptr`
    /// itself, or with a budget a thin function that passes the vmctx's
    /// counter to the code at `ptr` in a register and stores it back.
    pub entry: *const u8,
    /// Canonical type id.
    pub type_id: *const u8,
    /// Length of the native code in bytes.
    pub code_size: u32,
    /// Index in the function index space (imports first).
    pub index: u32,
    /// Where its metadata starts in [`ModuleDescriptor::meta`]: a byte
    /// with the name's length (0: no name; names are at most
    /// [`MAX_NAME_BYTES`]), the name (from the name section, else an
    /// export's), then the trap-site stream ([`TrapSites`]).
    pub meta: u32,
    /// Where its body starts in the Wasm binary. Its trap-site stream's
    /// offsets count from it, and a Wasm offset is in the function with
    /// the greatest `wasm_base` at or below it
    /// ([`ModuleDescriptor::function_holding`]).
    pub wasm_base: u32,
}

/// The longest function name a descriptor holds (the compiler shortens
/// longer ones).
pub const MAX_NAME_BYTES: usize = 255;

/// An element segment: its evaluated items live in the vmctx at
/// `elem_item(first_item)..+len` (written by `instantiate`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ElemDesc {
    pub first_item: u32,
    pub len: u32,
}

/// Everything the runtime needs to instantiate and call a compiled module.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ModuleDescriptor {
    /// [`DESCRIPTOR_MAGIC`].
    pub magic: u32,
    /// [`crate::ABI_VERSION`].
    pub abi_version: u32,
    /// The module's name (its symbol prefix).
    pub name: Str,
    /// The counts the vmctx layout derives from.
    pub counts: crate::vmctx::ModuleCounts,
    /// A [`BoundsChecks`]: how the code checks linear-memory accesses, so
    /// how the runtime must reserve the memories it uses.
    pub bounds_checks: u32,
    pub imports: Slice<ImportDesc>,
    pub exports: Slice<ExportDesc>,
    // The arrays below hold as many records as `counts` says (no length
    // of their own: 8 bytes of flash each); read them with the methods of
    // the same names.
    /// `counts.defined_memories` records.
    pub memories: *const MemoryDesc,
    /// `counts.defined_tables` records.
    pub tables: *const TableDesc,
    /// `counts.defined_funcs` records.
    pub functions: *const FuncDesc,
    /// Where data segment `i`'s bytes start in [`ModuleDescriptor::meta`]
    /// (they end where segment `i + 1`'s start), then the end of the last
    /// one: `counts.data_segments + 1` entries.
    pub data_starts: *const u32,
    /// `counts.elem_segments` records.
    pub elems: *const ElemDesc,
    /// `extern "C" fn(vmctx)`: see the module docs, step 4.
    pub instantiate: *const u8,
    /// The module's `--max-memory` policy: no memory it defines grows past
    /// this many pages (`memory.grow` returns -1), whatever its declared
    /// maximum. [`crate::MAX_WASM_PAGES`] when no cap was given. Memories
    /// it imports follow their exporter's cap.
    pub max_memory_pages: u64,
    /// `--fuel`: counted operators per call, 0 for none (see [`crate::budget`]).
    pub fuel: u64,
    /// `--timeout-ms` in nanoseconds per call, 0 for none.
    pub timeout_ns: u64,
    /// A [`StackChecks`]: whether the code checks the stack in its
    /// prologues or needs a runtime stack with a guard (embedding refuses
    /// the latter: the firmware's stack has none).
    pub stack_checks: u32,
    /// Keeps the size a multiple of 8.
    pub reserved: u32,
    /// The functions' names and trap-site streams, then the data segments'
    /// bytes: one byte blob, so that none of them pays a pointer, a length
    /// or alignment padding.
    pub meta: *const u8,
}

/// `len` records at `ptr` (null when `len` is 0).
///
/// # Safety
/// `ptr` must point at `len` records that live forever.
#[inline]
unsafe fn counted<T>(ptr: *const T, len: u32) -> &'static [T] {
    // SAFETY: guaranteed by the caller.
    unsafe {
        Slice {
            ptr,
            len: u64::from(len),
        }
        .items()
    }
}

impl ModuleDescriptor {
    /// The defined memories.
    ///
    /// # Safety
    /// `self` must be a descriptor the compiler emitted (static data), as
    /// for every method below.
    #[inline]
    pub unsafe fn memories(&self) -> &'static [MemoryDesc] {
        // SAFETY: as the caller guarantees.
        unsafe { counted(self.memories, self.counts.defined_memories) }
    }

    /// The defined tables.
    ///
    /// # Safety
    /// As for [`ModuleDescriptor::memories`].
    #[inline]
    pub unsafe fn tables(&self) -> &'static [TableDesc] {
        // SAFETY: as the caller guarantees.
        unsafe { counted(self.tables, self.counts.defined_tables) }
    }

    /// The defined functions.
    ///
    /// # Safety
    /// As for [`ModuleDescriptor::memories`].
    #[inline]
    pub unsafe fn functions(&self) -> &'static [FuncDesc] {
        // SAFETY: as the caller guarantees.
        unsafe { counted(self.functions, self.counts.defined_funcs) }
    }

    /// The defined function whose Wasm body holds `wasm_offset`: a trap
    /// site's function, which differs from the function whose machine
    /// code trapped when the site is in a callee inlined into it.
    /// `None` before the first body.
    ///
    /// # Safety
    /// As for [`ModuleDescriptor::memories`].
    pub unsafe fn function_holding(&self, wasm_offset: u32) -> Option<&'static FuncDesc> {
        // SAFETY: as the caller guarantees.
        let functions = unsafe { self.functions() };
        // Bodies are laid out in function order, so their starts ascend. A
        // scan, not a binary search: this runs once per trap, and the
        // boards' hello images have a flash budget.
        let mut holder = None;
        for f in functions {
            if f.wasm_base > wasm_offset {
                break;
            }
            holder = Some(f);
        }
        holder
    }

    /// The element segments.
    ///
    /// # Safety
    /// As for [`ModuleDescriptor::memories`].
    #[inline]
    pub unsafe fn elems(&self) -> &'static [ElemDesc] {
        // SAFETY: as the caller guarantees.
        unsafe { counted(self.elems, self.counts.elem_segments) }
    }

    /// Where `f`'s metadata starts: its name's length byte.
    #[inline]
    fn function_meta(&self, f: &FuncDesc) -> *const u8 {
        self.meta.wrapping_add(f.meta as usize)
    }

    /// The name of `f`, empty if it has none.
    ///
    /// # Safety
    /// `self` must be a descriptor the compiler emitted (static data) and
    /// `f` one of its functions.
    #[inline]
    pub unsafe fn function_name(&self, f: &FuncDesc) -> &'static [u8] {
        let at = self.function_meta(f);
        // SAFETY: the compiler wrote the length byte and as many bytes of
        // name after it.
        unsafe { core::slice::from_raw_parts(at.add(1), usize::from(*at)) }
    }

    /// The trap sites of `f`.
    ///
    /// # Safety
    /// As for [`ModuleDescriptor::function_name`].
    #[inline]
    pub unsafe fn trap_sites(&self, f: &FuncDesc) -> TrapSites {
        let at = self.function_meta(f);
        // SAFETY: the compiler wrote the stream right after the name.
        unsafe { TrapSites::new(at.add(1 + usize::from(*at)), f.wasm_base) }
    }

    /// The bytes of data segment `segment`, `None` past the last one.
    ///
    /// # Safety
    /// `self` must be a descriptor the compiler emitted (static data).
    #[inline]
    pub unsafe fn data_segment(&self, segment: usize) -> Option<&'static [u8]> {
        if segment >= self.counts.data_segments as usize {
            return None;
        }
        // SAFETY: the compiler wrote one start more than there are
        // segments, each inside the meta blob (non-null when there are
        // segments), in order.
        unsafe {
            let start = *self.data_starts.add(segment);
            let end = *self.data_starts.add(segment + 1);
            Some(core::slice::from_raw_parts(
                self.meta.add(start as usize),
                end.wrapping_sub(start) as usize,
            ))
        }
    }

    /// The module's fuel and deadline; enabled only when its code was
    /// compiled with the budget checks.
    pub const fn budget_policy(&self) -> crate::budget::Policy {
        crate::budget::Policy {
            fuel: self.fuel,
            timeout_ns: self.timeout_ns,
        }
    }
}

/// Signature of [`ModuleDescriptor::instantiate`].
pub type InstantiateFn = unsafe extern "C" fn(vmctx: *mut u8);

/// What the image's entry point does.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMode {
    /// Instantiate every module in order; run the `_start` export of module
    /// [`ImageManifest::entry_module`] if it has one. Exit code 0, or the
    /// `proc_exit` code.
    Command = 0,
    /// Instantiate, then call `invoke_export` of module
    /// [`ImageManifest::entry_module`] with `invoke_args` and print each
    /// result on its own line.
    Invoke = 1,
    /// Answer the [`crate::serve`] protocol on the console.
    Serve = 2,
    /// Instantiate every module, then answer the public invoke protocol
    /// (`wafer build --serve`, docs/serve.md) on the console.
    Server = 3,
}

/// One image: the modules linked into it and what to do at boot.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ImageManifest {
    pub magic: u32,
    pub abi_version: u32,
    pub modules: Slice<*const ModuleDescriptor>,
    /// An [`ImageMode`].
    pub mode: u32,
    /// Index in `modules` of the module whose `_start` (command) or
    /// `invoke_export` (invoke) runs.
    pub entry_module: u32,
    pub invoke_export: Str,
    pub invoke_args: Slice<ValRaw>,
    /// Arguments baked in at build time (boards); on Linux the process's own
    /// argv follows them.
    pub args: Slice<Str>,
    /// `KEY=VALUE` strings baked in at build time.
    pub env: Slice<Str>,
    /// Bytes of stack compiled code may use before `call stack exhausted`.
    pub stack_size: u64,
    /// Cap on every linear memory, in pages.
    pub max_memory_pages: u64,
    /// Cap on every table, in elements: `table.grow` beyond it returns -1.
    pub max_table_elements: u64,
    /// The name of each module of `modules` (same order) in the image:
    /// an import whose module is one of these names is bound to that
    /// module's export at instantiation (`wafer build a.wasm b.wasm`).
    /// Modules are listed in dependency order, so the exporter always
    /// exists already. Empty when no module imports from another.
    pub module_names: Slice<Str>,
    /// Preopened directories (`--dir HOST::GUEST`), as pairs: where the
    /// directory comes from, then the name the guest sees; WASI fds 3, 4, …
    /// in order. Linux boards: the host path, opened when the executable
    /// starts (a relative one against its working directory). Bare-metal
    /// boards: the directory's contents, a [`crate::file_tree`] blob in
    /// flash (8-byte aligned).
    pub preopens: Slice<Str>,
    /// A [`StackChecks`]: how the modules' code checks the stack, and so
    /// where the runtime puts the stack's guard.
    pub stack_checks: u32,
    /// Keeps the size a multiple of 8 on every ISA.
    pub reserved: u32,
}

/// The runtime's framed console, which [`BoardConfig::framed_console`]
/// points at in images `wafer run` links.
pub const FRAMED_CONSOLE_SYMBOL: &str = "wafer_framed_console";

/// Symbol of the [`BoardConfig`] in bare-metal images.
pub const BOARD_CONFIG_SYMBOL: &str = "wafer_board";

/// Where aarch64 boards' runtimes reach a memory-mapped device: its
/// physical address (the [`BoardConfig`] bases) plus this. The boot map is
/// a constant level-1 table of 1 GiB blocks in flash that `wafer build`
/// links in: the first two GiB are identity-mapped Normal memory where
/// flash or RAM is, and the next two are a Device-nGnRnE view of them, so
/// a GiB holding both memory and device registers (both aarch64 boards)
/// needs no 4 KiB table of 2 MiB blocks.
pub const AARCH64_DEVICE_VIEW: u64 = 2 << 30;

/// Peripheral kinds a bare-metal runtime has drivers for (by IP block).
pub mod device {
    /// No such device on the board.
    pub const NONE: u32 = 0;
    /// Console: 16550-compatible UART, memory-mapped, byte registers.
    pub const NS16550: u32 = 1;
    /// Console: ARM PL011 UART.
    pub const PL011: u32 = 2;
    /// Exit: SiFive test device (`0x5555` pass, `code << 16 | 0x3333` fail).
    pub const SIFIVE_TEST: u32 = 3;
    /// Exit: ARM semihosting `SYS_EXIT_EXTENDED`.
    pub const SEMIHOSTING: u32 = 4;
    /// Timer: RISC-V CLINT `mtime` register.
    pub const CLINT_MTIME: u32 = 5;
    /// Timer: ARM generic timer (`CNTVCT_EL0` / `CNTFRQ_EL0`).
    pub const ARM_GENERIC_TIMER: u32 = 6;
    /// Console: SiFive UART.
    pub const SIFIVE_UART: u32 = 7;
    /// Exit: x86 `isa-debug-exit` I/O port.
    pub const ISA_DEBUG_EXIT: u32 = 8;
    /// Exit: none; the CPU halts (documented per board).
    pub const HALT: u32 = 9;
    /// Timer: x86 HPET main counter (period from its capabilities register).
    pub const HPET: u32 = 10;
    /// Entropy: the x86 `RDRAND` instruction.
    pub const RDRAND: u32 = 11;
    /// Entropy: Broadcom BCM2835 RNG block (Raspberry Pi).
    pub const BCM2835_RNG: u32 = 12;
    /// Console: 16550-compatible UART on x86 I/O ports (PC COM1).
    pub const NS16550_IO: u32 = 13;
    /// Console, exit or timer: a function of the firmware that embeds the
    /// runtime (`wafer runtime` without a board); the record's base is the
    /// function's address (`runtime-nostd/src/drivers/firmware.rs`).
    pub const FIRMWARE: u32 = 14;
}

/// The most cores a board may give Wasm threads (`BoardConfig::cores`;
/// the runtime keeps one wait slot per core).
pub const MAX_CORES: u32 = 8;

/// The peripherals of a bare-metal board, generated from `boards/<name>.toml`
/// into every bare-metal image; the runtime's drivers read it at boot.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BoardConfig {
    /// A [`device`] kind and its base address.
    pub console_kind: u32,
    pub exit_kind: u32,
    pub console_base: u64,
    pub exit_base: u64,
    pub timer_kind: u32,
    /// The hart/core (`mhartid`, `MPIDR_EL1.Aff0`) that runs the image; the
    /// boot code parks every other one. Not always 0: the SiFive FU540's
    /// hart 0 is an E51 without an FPU.
    pub boot_core: u32,
    pub timer_base: u64,
    /// Timer ticks per second.
    pub timer_hz: u64,
    /// Hardware entropy source behind `random_get`, or [`device::NONE`]
    /// (then a PRNG seeded from the timer, and `wafer build` warns).
    pub rng_kind: u32,
    /// Cores Wasm threads may run on, the boot core included (0, as
    /// images before this field wrote: 1). At most [`MAX_CORES`].
    pub cores: u32,
    pub rng_base: u64,
    /// `wafer run` only: the address of the runtime's framed console
    /// ([`FRAMED_CONSOLE_SYMBOL`], see [`crate::console`]); 0 (`wafer
    /// build`, firmware): a plain UART, and the framing is not linked.
    pub framed_console: u64,
    /// How the runtime starts another core for a thread: a
    /// [`core_start`] method (`core-start` in `boards/<name>.toml`);
    /// [`core_start::NONE`] on one-core boards.
    pub core_start: u32,
    pub reserved: u32,
}

/// [`BoardConfig::core_start`]: how a parked core is started.
pub mod core_start {
    /// The board has no other core for threads.
    pub const NONE: u32 = 0;
    /// PSCI `CPU_ON` through `hvc` (QEMU `virt`): the core is powered on at
    /// the runtime's secondary entry, and `CPU_OFF` powers it down again.
    pub const PSCI_HVC: u32 = 1;
    /// Spin table (Raspberry Pi): a parked core polls the 64-bit mailbox at
    /// `0xd8 + 8 * core` and jumps to the address written there; a core
    /// whose thread ended waits in the runtime for the next one.
    pub const SPIN_TABLE: u32 = 2;
    /// A machine software interrupt through the CLINT's `msip` (riscv64
    /// `virt`): a parked hart wakes from `wfi`, reads its mailbox and
    /// starts; a hart whose thread ended parks again.
    pub const CLINT_IPI: u32 = 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trap_site_keeps_its_code_and_wasm_offset() {
        for code in TrapCode::ALL.into_iter().filter(|&c| TrapSite::can_hold(c)) {
            for offset in [0, 1, 0x1234_5678 >> 4, TrapSite::UNKNOWN_WASM_OFFSET - 1] {
                let site = TrapSite::new(77, code, Some(offset));
                assert_eq!(site.code_offset, 77);
                assert_eq!(site.code(), Some(code));
                assert_eq!(site.wasm_offset(), Some(offset));
            }
        }
    }

    #[test]
    fn unknown_and_unrecordable_wasm_offsets_read_back_as_unknown() {
        for offset in [
            None,
            Some(TrapSite::UNKNOWN_WASM_OFFSET),
            Some(1 << 28),
            Some(u32::MAX),
        ] {
            let site = TrapSite::new(0, TrapCode::IntegerOverflow, offset);
            assert_eq!(site.wasm_offset(), None, "{offset:?}");
            assert_eq!(site.code(), Some(TrapCode::IntegerOverflow));
        }
    }

    extern crate std;
    use std::vec::Vec;

    /// A stream and its Wasm base.
    struct Encoded(Vec<u8>, u32);

    /// `sites` encoded from their lowest Wasm offset, as for a function
    /// whose body starts at its first trap site.
    fn encoded(sites: &[TrapSite]) -> Encoded {
        let base = sites.iter().filter_map(TrapSite::wasm_offset).min();
        encoded_from(sites, base.unwrap_or(0))
    }

    fn encoded_from(sites: &[TrapSite], base: u32) -> Encoded {
        let mut stream = Vec::new();
        encode_trap_sites(sites, base, |byte| stream.push(byte));
        Encoded(stream, base)
    }

    fn sites_of(stream: &Encoded) -> TrapSites {
        // SAFETY: the tests' streams are whole and outlive the iterator.
        unsafe { TrapSites::new(stream.0.as_ptr(), stream.1) }
    }

    fn round_trip(sites: &[TrapSite]) {
        let stream = encoded(sites);
        let decoded: Vec<TrapSite> = sites_of(&stream).collect();
        assert_eq!(decoded, sites);
    }

    /// A deterministic xorshift, so that failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn recordable_codes() -> impl Iterator<Item = TrapCode> {
        TrapCode::ALL.into_iter().filter(|&c| TrapSite::can_hold(c))
    }

    #[test]
    fn every_trap_code_and_edge_offset_survives_the_stream() {
        let mut sites = Vec::new();
        let mut code_offset = 0;
        for code in recordable_codes() {
            for wasm in [
                Some(0),
                None,
                Some(TrapSite::UNKNOWN_WASM_OFFSET - 1),
                Some(1),
                Some(0x7f),
                None,
            ] {
                sites.push(TrapSite::new(code_offset, code, wasm));
                code_offset += 1;
            }
        }
        // Offset 0 first, same offsets twice, then the largest steps.
        sites.push(TrapSite::new(code_offset, TrapCode::Unreachable, Some(5)));
        sites.push(TrapSite::new(u32::MAX - 1, TrapCode::Unreachable, Some(0)));
        sites.push(TrapSite::new(u32::MAX, TrapCode::UnalignedAtomic, None));
        assert_eq!(sites[0].code_offset, 0);
        round_trip(&sites);
        round_trip(&[]);
        round_trip(&[TrapSite::new(0, TrapCode::IntegerOverflow, None)]);
    }

    #[test]
    fn generated_site_lists_round_trip() {
        let codes: Vec<TrapCode> = recordable_codes().collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..500 {
            let count = (rng.next() % 200) as usize;
            let mut code_offset = 0u32;
            let sites: Vec<TrapSite> = (0..count)
                .map(|_| {
                    // Mostly small steps, sometimes huge ones; Wasm offsets
                    // anywhere, backwards too, or unknown.
                    let step = match rng.next() % 8 {
                        0 => rng.next() as u32 % (1 << 24),
                        _ => rng.next() as u32 % 40,
                    };
                    code_offset = code_offset.saturating_add(step);
                    let wasm = match rng.next() % 6 {
                        0 => None,
                        _ => Some(rng.next() as u32 % TrapSite::UNKNOWN_WASM_OFFSET),
                    };
                    let code = codes[(rng.next() % codes.len() as u64) as usize];
                    TrapSite::new(code_offset, code, wasm)
                })
                .collect();
            round_trip(&sites);
        }
    }

    #[test]
    fn sites_before_the_base_round_trip() {
        // A function whose body starts at 0x5000 with a callee from 0x100
        // inlined into it, and one site at the base itself.
        let sites = [
            TrapSite::new(4, TrapCode::MemoryOutOfBounds, Some(0x5003)),
            TrapSite::new(9, TrapCode::IntegerDivideByZero, Some(0x104)),
            TrapSite::new(12, TrapCode::Unreachable, Some(0)),
            TrapSite::new(20, TrapCode::Unreachable, None),
            TrapSite::new(30, TrapCode::Unreachable, Some(0x5000)),
        ];
        let stream = encoded_from(&sites, 0x5000);
        assert_eq!(sites_of(&stream).collect::<Vec<_>>(), sites);
    }

    #[test]
    fn typical_sites_take_three_bytes_or_less() {
        // Steps of a few bytes of code and of Wasm, as a loop of loads.
        let sites: Vec<TrapSite> = (0..100)
            .map(|i| TrapSite::new(7 * i, TrapCode::MemoryOutOfBounds, Some(200 + 3 * i)))
            .collect();
        let stream = encoded(&sites);
        assert_eq!(stream.1, 200, "the lowest offset is the base");
        // `w << 4 | code` is 1 byte while `w` (3 * i) < 8, 2 bytes after;
        // each code step (7) 1 byte; then the end.
        let w_bytes = 3 + 97 * 2;
        assert_eq!(stream.0.len(), w_bytes + 100 + 1);
    }

    #[test]
    fn a_corrupt_code_reads_back_as_none() {
        // Code 0 is no trap (codes 1..=15 are all in use): w = 1 (Wasm
        // offset base 0 + 1) and code 0, at code offset 3.
        let site = sites_of(&Encoded(std::vec![0x10, 3, 0], 0)).next().unwrap();
        assert_eq!(site.code(), None);
        assert_eq!((site.code_offset, site.wasm_offset()), (3, Some(1)));
    }

    #[test]
    fn find_trap_site_finds_exactly_the_sites_in_the_stream() {
        let sites: [TrapSite; 5] = core::array::from_fn(|i| {
            TrapSite::new(
                10 * i as u32 + 3,
                TrapCode::MemoryOutOfBounds,
                Some(i as u32),
            )
        });
        let stream = encoded(&sites);
        for (i, site) in sites.iter().enumerate() {
            assert_eq!(
                find_trap_site(sites_of(&stream), site.code_offset),
                Some(*site),
                "site {i}"
            );
        }
        for offset in [0, 2, 4, 12, 42, 44, u32::MAX] {
            assert_eq!(
                find_trap_site(sites_of(&stream), offset),
                None,
                "offset {offset}"
            );
        }
        assert_eq!(find_trap_site(sites_of(&encoded(&[])), 3), None);
    }

    #[test]
    fn the_stream_ends_at_its_zero_and_not_at_the_next_functions_sites() {
        let first = [TrapSite::new(4, TrapCode::Unreachable, Some(9))];
        let second = [TrapSite::new(4, TrapCode::IntegerOverflow, None)];
        let mut both = encoded(&first);
        both.0.extend(encoded(&second).0);
        let mut sites = sites_of(&both);
        assert_eq!(sites.by_ref().collect::<Vec<_>>(), first);
        // Asked again after its end, it still reads nothing more.
        assert_eq!(sites.next(), None);
        assert_eq!(encoded(&[]).0, [0]);
    }

    /// A descriptor with only what the meta accessors read.
    fn descriptor_with(meta: &[u8], data_starts: &[u32]) -> ModuleDescriptor {
        // SAFETY: every field is an integer or a raw pointer, for which
        // zero is a valid value.
        let mut desc: ModuleDescriptor = unsafe { core::mem::zeroed() };
        desc.meta = meta.as_ptr();
        desc.data_starts = data_starts.as_ptr();
        desc.counts.data_segments = data_starts.len().saturating_sub(1) as u32;
        desc
    }

    fn function_at_meta(meta: u32, wasm_base: u32) -> FuncDesc {
        FuncDesc {
            ptr: core::ptr::null(),
            entry: core::ptr::null(),
            type_id: core::ptr::null(),
            code_size: 0,
            index: 0,
            meta,
            wasm_base,
        }
    }

    #[test]
    fn names_sites_and_segments_come_back_from_the_meta_blob() {
        let site = TrapSite::new(12, TrapCode::IntegerDivideByZero, Some(300));
        // An unnamed function, "run" with one site, then two segments, the
        // first one empty.
        let mut meta = std::vec![0];
        meta.extend(encoded(&[]).0);
        let run = meta.len() as u32;
        meta.extend([3, b'r', b'u', b'n']);
        let run_sites = encoded(&[site]);
        meta.extend(&run_sites.0);
        let data = meta.len() as u32;
        meta.extend(b"hello");
        let starts = [data, data, data + 5];
        let desc = descriptor_with(&meta, &starts);
        let unnamed = function_at_meta(0, 0);
        let named = function_at_meta(run, run_sites.1);
        // SAFETY: `meta` and `starts` are laid out as the compiler does.
        unsafe {
            assert_eq!(desc.function_name(&unnamed), b"");
            assert_eq!(desc.trap_sites(&unnamed).count(), 0);
            assert_eq!(desc.function_name(&named), b"run");
            assert_eq!(desc.trap_sites(&named).collect::<Vec<_>>(), [site]);
            assert_eq!(desc.data_segment(0), Some(&b""[..]));
            assert_eq!(desc.data_segment(1), Some(&b"hello"[..]));
            assert_eq!(desc.data_segment(2), None);
        }
    }

    #[test]
    fn a_wasm_offset_belongs_to_the_last_body_starting_at_or_before_it() {
        let functions = [
            function_at_meta(0, 0x40),
            function_at_meta(0, 0x90),
            function_at_meta(0, 0x200),
        ];
        let mut desc = descriptor_with(&[], &[]);
        desc.functions = functions.as_ptr();
        desc.counts.defined_funcs = functions.len() as u32;
        let holder = |offset| {
            // SAFETY: `functions` outlives `desc`'s use here.
            unsafe { desc.function_holding(offset) }.map(|f| f.wasm_base)
        };
        assert_eq!(holder(0x3f), None);
        assert_eq!(holder(0x40), Some(0x40));
        assert_eq!(holder(0x8f), Some(0x40));
        assert_eq!(holder(0x90), Some(0x90));
        assert_eq!(holder(0x1ff), Some(0x90));
        assert_eq!(holder(0x200), Some(0x200));
        assert_eq!(holder(u32::MAX), Some(0x200));
    }

    #[test]
    fn a_function_record_is_forty_bytes() {
        assert_eq!(core::mem::size_of::<FuncDesc>(), 40);
    }
}
