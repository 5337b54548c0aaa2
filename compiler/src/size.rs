//! `wafer size`: where an image's bytes go, like `size -A` but readable:
//! per section, flash and RAM totals, and compiled module vs runtime.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use object::{Object, ObjectSection, ObjectSymbol, SectionFlags, SectionKind, SymbolKind};

/// One section's contribution.
struct Row {
    name: String,
    size: u64,
    address: u64,
    flash: bool,
    ram: bool,
}

/// Bytes in MiB/KiB/B, for reports and messages.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The report for the ELF image `bytes`.
///
/// # Errors
/// Not an ELF image.
pub fn report(bytes: &[u8]) -> Result<String> {
    let file = object::File::parse(bytes).context("not an ELF image")?;
    let mut rows = Vec::new();
    for section in file.sections() {
        let allocated = match section.flags() {
            SectionFlags::Elf { sh_flags } => sh_flags & u64::from(object::elf::SHF_ALLOC) != 0,
            _ => false,
        };
        if !allocated || section.size() == 0 {
            continue;
        }
        let kind = section.kind();
        let has_contents = !matches!(
            kind,
            SectionKind::UninitializedData | SectionKind::UninitializedTls
        );
        let name = section.name().unwrap_or("?");
        // Relocated read-only data may carry the write flag; it still
        // executes in place from flash.
        let writable = (matches!(kind, SectionKind::Data | SectionKind::UninitializedData)
            && !name.starts_with(".rodata"))
            || name == ".stack";
        rows.push(Row {
            name: section.name().unwrap_or("?").to_string(),
            size: section.size(),
            address: section.address(),
            // Contents are stored in the image (flash); writable sections
            // also occupy RAM (`.data` is copied there at boot).
            flash: has_contents,
            ram: writable,
        });
    }
    let mut module_code = 0u64;
    let mut module_data = 0u64;
    for symbol in file.symbols() {
        let name = symbol.name().unwrap_or("");
        let compiled = name.contains("::")
            || name.starts_with("wafer_module_")
            || name.starts_with("wafer.type.")
            || name == "wafer_image"
            || name == "wafer_board";
        if !compiled || name.starts_with("core::") {
            continue;
        }
        match symbol.kind() {
            SymbolKind::Text => module_code += symbol.size(),
            SymbolKind::Data => module_data += symbol.size(),
            _ => {}
        }
    }
    let flash: u64 = rows.iter().filter(|r| r.flash).map(|r| r.size).sum();
    let ram: u64 = rows.iter().filter(|r| r.ram).map(|r| r.size).sum();
    let code: u64 = rows
        .iter()
        .filter(|r| r.name.starts_with(".text"))
        .map(|r| r.size)
        .sum();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:>10} {:>18}  where",
        "section", "bytes", "address"
    );
    for r in &rows {
        let place = match (r.flash, r.ram) {
            (true, true) => "flash (copied to RAM)",
            (true, false) => "flash",
            _ => "RAM",
        };
        let _ = writeln!(
            out,
            "{:<12} {:>10} {:>#18x}  {place}",
            r.name, r.size, r.address
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "flash {:>10} bytes  ({})", flash, human(flash));
    let _ = writeln!(
        out,
        "RAM   {:>10} bytes  ({}) + heap: instances and linear memory",
        ram,
        human(ram)
    );
    let runtime_code = code.saturating_sub(module_code);
    let _ = writeln!(
        out,
        "parts: compiled module {} code + {} data; runtime {} code",
        human(module_code),
        human(module_data),
        human(runtime_code)
    );
    if let Some(files) = baked_files_text(&file) {
        let _ = writeln!(out, "{files}");
    }
    let stack: u64 = rows
        .iter()
        .filter(|r| r.name == ".stack")
        .map(|r| r.size)
        .sum();
    let memories = initial_memories(&file);
    let bytes: u64 = memories.iter().map(|m| m.bytes).sum();
    let per_module: Vec<String> = memories
        .iter()
        .map(|m| format!("{}: {}", m.name, initial_text(m)))
        .collect();
    // Boards reserve their stack in the image; Linux images use the
    // process's.
    let on_board = stack != 0;
    let stack = if stack == 0 {
        "the process's (Linux)".to_string()
    } else {
        human(stack)
    };
    let tables = match (boot_page_tables(&file), boot_map_in_flash(&file)) {
        (0, 0) => String::new(),
        (0, flash) => format!("; boot page tables {flash} B in flash, none in RAM"),
        (ram, _) => format!("; boot page tables {ram} B (in .bss)"),
    };
    let _ = writeln!(
        out,
        "RAM parts: stack {stack}; linear memory at start {} ({}), from the heap{tables}",
        human(bytes),
        if per_module.is_empty() {
            "no module defines one".to_string()
        } else {
            per_module.join(", ")
        }
    );
    for m in &memories {
        let _ = writeln!(
            out,
            "bounds checks ({}): {}{}",
            m.name,
            bounds_text(m, on_board),
            always_checked_text(m)
        );
    }
    for m in memories.iter().filter(|m| m.memories > 0) {
        let _ = writeln!(out, "memory cap ({}): {}", m.name, cap_text(m.max_pages));
    }
    Ok(out)
}

/// The `files:` line of an image with baked file trees (`--dir` on a
/// bare-metal board): the trees' bytes in flash and the fd table's in
/// RAM; `None` without trees.
fn baked_files_text(file: &object::File) -> Option<String> {
    use wafer_abi::file_tree::{FD_TABLE_SYMBOL, TREE_SYMBOL_PREFIX};
    let tree_symbols: Vec<_> = file
        .symbols()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with(TREE_SYMBOL_PREFIX)))
        .collect();
    let trees: Vec<u64> = tree_symbols.iter().map(|s| s.size()).collect();
    // `--dir-rw` trees carry their RAM overlay's budget in their header.
    let overlay: u64 = tree_symbols
        .iter()
        .filter_map(|s| {
            let section = file.section_by_index(s.section_index()?).ok()?;
            let bytes = section.data_range(s.address(), s.size()).ok()??;
            let tree = wafer_abi::file_tree::Tree::parse(bytes).ok()?;
            Some(u64::from(tree.overlay_bytes()))
        })
        .sum();
    if trees.is_empty() {
        return None;
    }
    let bytes: u64 = trees.iter().sum();
    let table: u64 = file
        .symbols()
        .filter(|s| s.name() == Ok(FD_TABLE_SYMBOL))
        .map(|s| s.size())
        .sum();
    let overlay = if overlay > 0 {
        format!(
            "; --dir-rw overlay up to {overlay} B ({}) from the heap",
            human(overlay)
        )
    } else {
        String::new()
    };
    Some(format!(
        "files: {} baked file tree{} {bytes} B ({}) in flash; fd table {table} B of RAM (.bss){overlay}",
        trees.len(),
        if trees.len() == 1 { "" } else { "s" },
        human(bytes)
    ))
}

/// Bytes of the page tables the boot code of MMU boards keeps in static
/// RAM (the runtime names them `WAFER_PAGE_TABLES*`).
fn boot_page_tables(file: &object::File) -> u64 {
    file.symbols()
        .filter(|s| s.name().is_ok_and(|n| n.starts_with("WAFER_PAGE_TABLES")))
        .map(|s| s.size())
        .sum()
}

/// Bytes of the constant boot page tables the MMU reads from flash
/// (aarch64 boards: `[__wafer_boot_map, __wafer_boot_map_end)`, which the
/// linker script places in `.rodata`), 0 if the image has none.
fn boot_map_in_flash(file: &object::File) -> u64 {
    let address = |name: &str| {
        file.symbols()
            .find(|s| s.name() == Ok(name))
            .map(|s| s.address())
    };
    match (address("__wafer_boot_map"), address("__wafer_boot_map_end")) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => 0,
    }
}

/// What a module's bounds-check mode costs in memory. Linux backs a guard
/// window's pages when they are first touched; a board's runtime maps the
/// memory's whole length onto heap RAM when it is reserved or grows, and
/// the window's page tables come from the heap too (`paging.rs`).
fn bounds_text(m: &ModuleMemories, on_board: bool) -> String {
    use wafer_abi::descriptor::BoundsChecks;
    let window = format!(
        "guard: each linear memory reserves {} GiB of virtual address space ({} defined here)",
        wafer_abi::GUARD_WINDOW_BYTES >> 30,
        m.memories
    );
    match BoundsChecks::from_u32(m.bounds_checks) {
        Some(BoundsChecks::Guard) if on_board => format!(
            "{window}; physical RAM is the memory's whole length (from 1 MiB heap chunks kept for window pages) plus page tables (4 KiB per 2 MiB and per GiB of memory, 8 KiB for all windows; from 64 KiB heap chunks: per-memory runtime data like instances, not static RAM)"
        ),
        Some(BoundsChecks::Guard) => {
            format!("{window}; physical memory is only the pages touched")
        }
        Some(BoundsChecks::Explicit) => {
            "explicit: every access is compared with the memory's length; a memory takes only its pages".to_string()
        }
        None => format!("unknown mode {}", m.bounds_checks),
    }
}

/// A module's initial linear memory: pages of 64 KiB, or bytes when one of
/// its memories has a custom page size (a 1-byte page size declaring 3000
/// bytes takes 3000 bytes, not a 64 KiB page).
fn initial_text(m: &ModuleMemories) -> String {
    let page = wafer_abi::WASM_PAGE_SIZE;
    if m.custom_pages == 0 && m.bytes.is_multiple_of(page) {
        let p = m.bytes / page;
        return format!("{p} page{}", if p == 1 { "" } else { "s" });
    }
    format!("{} B", m.bytes)
}

/// The memories that `bounds_text`'s mode does not describe: 64-bit ones
/// and ones with 1-byte pages are checked explicitly in both modes, and
/// take no guard window.
fn always_checked_text(m: &ModuleMemories) -> String {
    if m.always_checked == 0 {
        return String::new();
    }
    format!(
        "; {} of its memories (64-bit, or 1-byte pages) always checked explicitly, without a guard window: no window covers a 64-bit address, and the MMU cannot stop an access one byte past a 1-byte page",
        m.always_checked
    )
}

/// A module's `--max-memory` as `wafer size` shows it.
fn cap_text(max_pages: u64) -> String {
    if max_pages >= wafer_abi::MAX_WASM_PAGES {
        return "none (--max-memory not given): each memory may grow to its declared maximum"
            .to_string();
    }
    format!(
        "{max_pages} page{} = {} (--max-memory): memory.grow beyond it returns -1",
        if max_pages == 1 { "" } else { "s" },
        human(max_pages * wafer_abi::WASM_PAGE_SIZE)
    )
}

/// What a module descriptor says about its memories.
struct ModuleMemories {
    name: String,
    /// Initial bytes of all its defined memories.
    bytes: u64,
    /// How many of them have a page size other than 64 KiB.
    custom_pages: u64,
    /// How many of them are checked explicitly in both modes (64-bit, or
    /// 1-byte pages).
    always_checked: u64,
    /// How many memories it defines.
    memories: u64,
    /// A `wafer_abi::descriptor::BoundsChecks` value.
    bounds_checks: u32,
    /// Its `--max-memory` cap (`MAX_WASM_PAGES`: none).
    max_pages: u64,
}

/// Each module's initial linear memory in pages and its bounds-check mode,
/// read from the module descriptors (`wafer_module_<name>`) linked into
/// the image.
fn initial_memories(file: &object::File) -> Vec<ModuleMemories> {
    use wafer_abi::descriptor::{MemoryDesc, ModuleDescriptor};
    use wafer_abi::vmctx::MemoryShape;
    let read = |address: u64, size: u64| -> Option<&[u8]> {
        file.sections()
            .find_map(|s| s.data_range(address, size).ok().flatten())
    };
    let word = |bytes: &[u8], offset: usize| -> Option<u64> {
        Some(u64::from_le_bytes(
            bytes.get(offset..offset + 8)?.try_into().ok()?,
        ))
    };
    let mut out = Vec::new();
    for symbol in file.symbols() {
        let Some(name) = symbol
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("wafer_module_"))
        else {
            continue;
        };
        let size = std::mem::size_of::<ModuleDescriptor>() as u64;
        let Some(descriptor) = read(symbol.address(), size) else {
            continue;
        };
        let pointer_at = std::mem::offset_of!(ModuleDescriptor, memories);
        let count_at = std::mem::offset_of!(ModuleDescriptor, counts)
            + std::mem::offset_of!(wafer_abi::vmctx::ModuleCounts, defined_memories);
        let count = descriptor
            .get(count_at..count_at + 4)
            .and_then(|b| b.try_into().ok())
            .map(|b| u64::from(u32::from_le_bytes(b)));
        let (Some(pointer), Some(count)) = (word(descriptor, pointer_at), count) else {
            continue;
        };
        let stride = std::mem::size_of::<MemoryDesc>() as u64;
        let half = |bytes: &[u8], offset: usize| -> Option<u32> {
            Some(u32::from_le_bytes(
                bytes.get(offset..offset + 4)?.try_into().ok()?,
            ))
        };
        let shapes: Vec<(u64, MemoryShape)> = (0..count)
            .filter_map(|i| {
                let memory = read(pointer + i * stride, stride)?;
                let min = word(memory, std::mem::offset_of!(MemoryDesc, min_pages))?;
                let log2 = half(memory, std::mem::offset_of!(MemoryDesc, page_size_log2))?;
                let index64 = half(memory, std::mem::offset_of!(MemoryDesc, index64))?;
                let shape = MemoryShape {
                    page_size_log2: log2.min(16),
                    index64: index64 != 0,
                };
                Some((min, shape))
            })
            .collect();
        let bytes = shapes
            .iter()
            .map(|(min, shape)| min.saturating_mul(shape.page_size()))
            .fold(0u64, u64::saturating_add);
        let custom_pages = shapes
            .iter()
            .filter(|(_, s)| s.page_size_log2 != MemoryShape::CLASSIC.page_size_log2)
            .count() as u64;
        let always_checked = shapes.iter().filter(|(_, s)| s.always_checked()).count() as u64;
        let mode_at = std::mem::offset_of!(ModuleDescriptor, bounds_checks);
        let Some(mode) = descriptor.get(mode_at..mode_at + 4) else {
            continue;
        };
        let cap_at = std::mem::offset_of!(ModuleDescriptor, max_memory_pages);
        let Some(max_pages) = word(descriptor, cap_at) else {
            continue;
        };
        out.push(ModuleMemories {
            name: name.to_string(),
            bytes,
            custom_pages,
            always_checked,
            memories: count,
            max_pages,
            bounds_checks: u32::from_le_bytes(mode.try_into().unwrap_or_default()),
        });
    }
    out
}
