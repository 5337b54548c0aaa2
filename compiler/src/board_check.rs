//! Whether a build fits its board, said with numbers before anything is
//! written: linear memory and tables against the image's caps and the RAM
//! the board leaves, the stack against RAM, code and data against flash
//! (from lld's overflow report), and warnings for what the board cannot
//! provide (hardware randomness).

use anyhow::{Result, bail};

use crate::config::{BareMetal, Board};
use crate::size::human;
use crate::{CompiledModule, ImageOptions};

fn pages(n: u64) -> String {
    format!(
        "{n} page{} = {}",
        if n == 1 { "" } else { "s" },
        human(n * wafer_abi::WASM_PAGE_SIZE)
    )
}

/// Refuses a CPU preset that needs an extension switched on at boot on a
/// bare-metal board, whose runtime does not do that: riscv64's V needs
/// `mstatus.VS` set (and QEMU's `-cpu ...,v=true`), so `rv64gcv` code is
/// for the Linux riscv64 boards, where the kernel (or qemu-user) does it.
///
/// # Errors
/// Such a preset on a bare-metal board (the message names both).
pub fn check_cpu(options: &ImageOptions) -> Result<()> {
    let board = &options.board;
    if matches!(board.platform, crate::config::Platform::Baremetal)
        && board.target.qemu_cpu().is_some()
    {
        bail!(
            "the CPU preset `{}` is not supported on the bare-metal board {}: its runtime does not switch on the extension the preset adds (the RISC-V vector unit); use the board linux-{} or the default preset",
            board.target.cpu,
            board.name,
            board.target.isa.name()
        );
    }
    Ok(())
}

/// Checks every defined memory's and table's initial size against
/// `--max-memory` / `--max-table-elements` and, on bare-metal boards, the
/// RAM left after the image's stack.
///
/// # Errors
/// A memory that cannot be allocated at start (the message has the numbers
/// and what to change).
pub fn check_memory(modules: &[CompiledModule], options: &ImageOptions) -> Result<()> {
    if let Some(bare) = &options.board.bare {
        check_memory64_fits(modules, options, bare)?;
    }
    let cap = options.max_memory_pages;
    for m in modules {
        for memory in &m.memories {
            if memory.min_bytes() > cap.saturating_mul(wafer_abi::WASM_PAGE_SIZE) {
                if cap >= wafer_abi::MAX_WASM_PAGES {
                    bail!(
                        "module `{}` needs {} of linear memory at start; wafer caps every memory (64-bit ones too) at {}",
                        m.prefix,
                        memory_text(memory),
                        pages(wafer_abi::MAX_WASM_PAGES)
                    );
                }
                bail!(
                    "module `{}` needs {} of linear memory at start, but --max-memory allows {}",
                    m.prefix,
                    memory_text(memory),
                    pages(cap)
                );
            }
        }
    }
    check_table_cap(modules, options.max_table_elements)?;
    let Some(bare) = &options.board.bare else {
        return Ok(());
    };
    check_stack(&options.board, bare, options.stack_size)?;
    let available = crate::baremetal::max_memory_pages(bare, options.stack_size, &options.mode);
    let room = available.saturating_mul(wafer_abi::WASM_PAGE_SIZE);
    let needed = initial_memory_bytes(modules);
    if needed > room {
        let needed_text = if needed.is_multiple_of(wafer_abi::WASM_PAGE_SIZE) {
            pages(needed / wafer_abi::WASM_PAGE_SIZE)
        } else {
            human(needed)
        };
        bail!(
            "{} needs {} of RAM for linear memory; {} leaves {} for it (RAM {} minus {} of stack); use a smaller initial memory or a smaller --stack-size",
            who(modules),
            needed_text,
            options.board.name,
            pages(available),
            human(bare.memory.ram.size),
            human(stack_bytes(options.stack_size)),
        );
    }
    check_tables_fit(modules, options, bare, available)
}

/// A 64-bit memory whose minimum alone exceeds the board's RAM: said
/// first, naming the board (its minimum may be far beyond any board).
fn check_memory64_fits(
    modules: &[CompiledModule],
    options: &ImageOptions,
    bare: &BareMetal,
) -> Result<()> {
    let available = crate::baremetal::max_memory_pages(bare, options.stack_size, &options.mode);
    let room = available.saturating_mul(wafer_abi::WASM_PAGE_SIZE);
    for m in modules {
        let too_big =
            |memory: &&crate::emit::MemorySummary| memory.memory64 && memory.min_bytes() > room;
        if let Some(memory) = m.memories.iter().find(too_big) {
            bail!(
                "module `{}` declares a 64-bit memory (memory64) of {} at start, more than the RAM of board {}: {} leaves {} for linear memory (RAM {} minus {} of stack)",
                m.prefix,
                memory_text(memory),
                options.board.name,
                options.board.name,
                pages(available),
                human(bare.memory.ram.size),
                human(stack_bytes(options.stack_size)),
            );
        }
    }
    Ok(())
}

/// How an error names what it is about: the module, or all of them.
fn who(modules: &[CompiledModule]) -> String {
    match modules {
        [m] => format!("module `{}`", m.prefix),
        _ => "the modules".to_string(),
    }
}

/// The bytes all linear memories take when the image starts.
fn initial_memory_bytes(modules: &[CompiledModule]) -> u64 {
    modules
        .iter()
        .flat_map(|m| &m.memories)
        .map(|memory| memory.min_bytes())
        .fold(0, u64::saturating_add)
}

/// A memory's initial size: in 64 KiB pages, or in bytes with a custom
/// page size.
fn memory_text(memory: &crate::emit::MemorySummary) -> String {
    if memory.page_size_log2 == 16 {
        pages(memory.min_pages)
    } else {
        format!("{} bytes", memory.min_bytes())
    }
}

/// Every defined table's initial size against `--max-table-elements`.
fn check_table_cap(modules: &[CompiledModule], cap: u64) -> Result<()> {
    for m in modules {
        for table in &m.tables {
            if table.min_elements > cap {
                bail!(
                    "module `{}` needs a table of {} elements at start, but --max-table-elements allows {cap}",
                    m.prefix,
                    table.min_elements
                );
            }
        }
    }
    Ok(())
}

/// Bytes of RAM the runtime allocates for a table of `min` elements at
/// start (8-byte references, at least 4; `reserve_table` in the runtime).
fn table_bytes(min: u64) -> u64 {
    min.max(4).saturating_mul(8)
}

/// The tables' initial buffers next to the initial linear memories, in
/// the RAM the board leaves after the stack (`available_pages`).
fn check_tables_fit(
    modules: &[CompiledModule],
    options: &ImageOptions,
    bare: &BareMetal,
    available_pages: u64,
) -> Result<()> {
    let tables = modules.iter().flat_map(|m| &m.tables);
    let elements: u64 = tables.clone().map(|t| t.min_elements).sum();
    let table_ram: u64 = tables.map(|t| table_bytes(t.min_elements)).sum();
    let memory_ram = initial_memory_bytes(modules);
    let room = available_pages * wafer_abi::WASM_PAGE_SIZE;
    if table_ram.saturating_add(memory_ram) > room {
        bail!(
            "{} needs {} of RAM for tables ({elements} elements) and {} for linear memory at start; {} leaves {} for them (RAM {} minus {} of stack); use smaller initial tables",
            who(modules),
            human(table_ram),
            human(memory_ram),
            options.board.name,
            human(room),
            human(bare.memory.ram.size),
            human(stack_bytes(options.stack_size)),
        );
    }
    Ok(())
}

/// The stack an image reserves: Wasm stack plus the runtime's share.
fn stack_bytes(stack_size: u64) -> u64 {
    stack_size + crate::baremetal::RUNTIME_STACK_RESERVE
}

fn check_stack(board: &Board, bare: &BareMetal, stack_size: u64) -> Result<()> {
    let stack = stack_bytes(stack_size);
    if stack > bare.memory.ram.size {
        bail!(
            "a {} stack (--stack-size {} + {} for the runtime) does not fit in the {} of RAM of {}; use a smaller --stack-size",
            human(stack),
            human(stack_size),
            human(crate::baremetal::RUNTIME_STACK_RESERVE),
            human(bare.memory.ram.size),
            board.name
        );
    }
    Ok(())
}

/// Turns lld's report of an overflowing memory region into a message with
/// the board's numbers; `None` when `stderr` reports something else.
pub fn explain_link_overflow(stderr: &str, options: &ImageOptions) -> Option<String> {
    let bare = options.board.bare.as_ref()?;
    let board = &options.board.name;
    let overflow = |region: &str| -> Option<u64> {
        let marker = format!("will not fit in region '{region}': overflowed by ");
        stderr.lines().find_map(|line| {
            let (_, number) = line.split_once(&marker)?;
            number.split_whitespace().next()?.parse().ok()
        })
    };
    if let Some(bytes) = overflow("FLASH") {
        let trees: u64 = options.file_trees.iter().map(|(t, _)| t.len() as u64).sum();
        if trees > 0 {
            return Some(format!(
                "the image does not fit in {board}'s flash: code and data need {} more than its {}, of which the --dir file trees take {}; bake a smaller directory, or make the module's code or data segments smaller",
                human(bytes),
                human(bare.memory.flash.size),
                human(trees)
            ));
        }
        return Some(format!(
            "the image does not fit in {board}'s flash: code and data need {} more than its {}; make the module's code or data segments smaller",
            human(bytes),
            human(bare.memory.flash.size)
        ));
    }
    let ram_overflow = overflow("RAM");
    if ram_overflow.is_some() || stderr.contains("ERROR(wafer): the image's data and stack") {
        let by = ram_overflow
            .map(|b| format!(" by {}", human(b)))
            .unwrap_or_default();
        return Some(format!(
            "the image's data, bss and {} stack overflow {board}'s {} of RAM{by}; use a smaller --stack-size or less static data",
            human(stack_bytes(options.stack_size)),
            human(bare.memory.ram.size)
        ));
    }
    None
}

/// What the board cannot do that the modules rely on, one line each.
pub fn warnings(modules: &[CompiledModule], options: &ImageOptions) -> Vec<String> {
    let mut out = Vec::new();
    let Some(bare) = &options.board.bare else {
        return out;
    };
    let uses_random = modules.iter().any(|m| {
        m.imports
            .iter()
            .any(|i| i.module == "wasi_snapshot_preview1" && i.field == "random_get")
    });
    if uses_random && bare.rng.kind == "none" {
        out.push(format!(
            "{} has no hardware random source: random_get returns a xorshift sequence seeded from the boot timer, which is predictable; do not use it for keys or nonces",
            options.board.name
        ));
    }
    out
}
