//! The runtime as a static library for firmware (`wafer runtime`): the
//! runtime archive embedded in wafer plus one generated object with what
//! `wafer build` otherwise generates per image — the manifest, the board
//! record, and the choice of memory reservation.

use anyhow::{Context, Result, anyhow, bail};
use cranelift_module::{Linkage, Module, ModuleReloc, ModuleRelocTarget};
use cranelift_object::{ObjectBuilder, ObjectModule};
use object::{Object, ObjectSymbol};
use wafer_abi::descriptor::{IMAGE_MANIFEST_SYMBOL, ImageManifest};

use crate::config::{Board, Isa, Platform, Target};
use crate::emit::data::DataWriter;
use crate::emit::isa;

/// The C API header (`wafer_rt.h`).
pub const API_HEADER: &str = include_str!("wafer_rt.h");

/// Module slots of the embedded manifest; the runtime's
/// `embed::EMBED_MAX_MODULES` must agree (checked by a test).
pub const MAX_MODULES: usize = 16;

/// Where the library runs.
pub enum LibraryPlatform {
    /// Linux (syscalls, signal handlers).
    Linux,
    /// Bare metal with a board's drivers (console, exit, timer).
    Board(Box<Board>),
    /// Bare metal; console, exit and clock are functions of the firmware:
    /// `wafer_platform_write`, `wafer_platform_exit`,
    /// `wafer_platform_monotonic_ns`.
    Firmware,
}

/// What the library is for.
pub struct LibraryOptions {
    pub target: Target,
    pub platform: LibraryPlatform,
    /// Bytes of stack Wasm code may use below the stack pointer of the
    /// firmware's first call into the API.
    pub stack_size: u64,
}

/// The runtime library for `options`: an `ar` archive.
///
/// # Errors
/// A board without bare-metal devices, a broken build of wafer.
pub fn runtime_library(options: &LibraryOptions) -> Result<Vec<u8>> {
    let platform = match options.platform {
        LibraryPlatform::Linux => Platform::Linux,
        LibraryPlatform::Board(_) | LibraryPlatform::Firmware => Platform::Baremetal,
    };
    let runtime = crate::runtime_lib::runtime_archive(options.target.isa, platform)?;
    let mut members = Vec::new();
    let parsed = object::read::archive::ArchiveFile::parse(&*runtime)
        .map_err(|e| anyhow!("the runtime archive embedded in wafer is corrupt ({e})"))?;
    for member in parsed.members() {
        let member = member.context("the runtime archive embedded in wafer is corrupt")?;
        let data = member
            .data(&*runtime)
            .context("the runtime archive embedded in wafer is corrupt")?;
        // Only objects: the archive's own symbol table is rebuilt below.
        if object::File::parse(data).is_ok() {
            let mut data = data.to_vec();
            weaken(&mut data, ENTRY_SYMBOLS)?;
            demote_notes(&mut data, BOOT_NOTES)?;
            members.push(data);
        }
    }
    members.push(embed_object(options)?);
    write_archive(&members)
}

/// Symbols of wafer's own images that a program linking the library
/// defines itself (the C runtime's or the firmware's entry): weak in the
/// library, so the program's definition wins instead of clashing.
const ENTRY_SYMBOLS: &[&[u8]] = &[b"_start"];

/// Makes the global symbols of ELF object `data` named in `names` weak
/// (their binding, in place).
fn weaken(data: &mut [u8], names: &[&[u8]]) -> Result<()> {
    use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
    const ELF64_SYM_SIZE: usize = 24;
    const ST_INFO: usize = 4;
    let mut patches = Vec::new();
    {
        let file = ElfFile64::<object::Endianness>::parse(&*data)
            .context("a runtime object is not ELF64")?;
        let endian = file.endian();
        let sections = file.elf_header().sections(endian, &*data)?;
        let Some(section) = sections
            .iter()
            .find(|s| s.sh_type(endian) == object::elf::SHT_SYMTAB)
        else {
            return Ok(());
        };
        let table = sections.symbols(endian, &*data, object::elf::SHT_SYMTAB)?;
        let base = section.sh_offset(endian) as usize;
        for (i, sym) in table.symbols().iter().enumerate() {
            let name = table.symbol_name(endian, sym)?;
            if names.contains(&name) && sym.st_bind() == object::elf::STB_GLOBAL {
                patches.push((base + i * ELF64_SYM_SIZE + ST_INFO, sym.st_type()));
            }
        }
    }
    for (at, ty) in patches {
        let byte = data
            .get_mut(at)
            .context("a runtime object's symbol table is truncated")?;
        *byte = (object::elf::STB_WEAK << 4) | (ty & 0xf);
    }
    Ok(())
}

/// Notes of wafer's own boot code (x86_64's PVH entry note, which points
/// at its `_start`). The linker keeps every note section and what it
/// refers to, so in the library they would drag wafer's boot code, and the
/// linker-script symbols it needs, into the firmware.
const BOOT_NOTES: &[&[u8]] = &[b".note.wafer.pvh"];

/// Turns the sections of ELF object `data` named in `names` from notes
/// into plain data nothing refers to, which `--gc-sections` drops.
fn demote_notes(data: &mut [u8], names: &[&[u8]]) -> Result<()> {
    use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
    const SH_TYPE: usize = 4;
    let mut patches = Vec::new();
    {
        let file = ElfFile64::<object::Endianness>::parse(&*data)
            .context("a runtime object is not ELF64")?;
        let endian = file.endian();
        let header = file.elf_header();
        let sections = header.sections(endian, &*data)?;
        let table = header.e_shoff(endian) as usize;
        let entry = header.e_shentsize(endian) as usize;
        for (i, section) in sections.iter().enumerate() {
            if section.sh_type(endian) == object::elf::SHT_NOTE
                && names.contains(&sections.section_name(endian, section)?)
            {
                patches.push(table + i * entry + SH_TYPE);
            }
        }
    }
    for at in patches {
        let field = data
            .get_mut(at..at + 4)
            .context("a runtime object's section table is truncated")?;
        field.copy_from_slice(&object::elf::SHT_PROGBITS.to_le_bytes());
    }
    Ok(())
}

/// The generated object: the manifest with an empty, writable module list
/// that `wafer_instance_new` fills, the board record (bare metal), and
/// `wafer_reserve_linear_memory`.
fn embed_object(options: &LibraryOptions) -> Result<Vec<u8>> {
    let isa = isa::build_isa(&options.target)?;
    let builder = ObjectBuilder::new(
        isa,
        "wafer_embed",
        cranelift_module::default_libcall_names(),
    )
    .context("cannot create an object builder")?;
    let mut module = ObjectModule::new(builder);

    let slots = module.declare_data("wafer_embed_modules", Linkage::Local, true, false)?;
    let mut list = DataWriter::new();
    for _ in 0..MAX_MODULES {
        list.null();
    }
    list.define(&mut module, slots, 8)?;

    let id = module.declare_data(IMAGE_MANIFEST_SYMBOL, Linkage::Export, true, false)?;
    let mut w = DataWriter::new();
    w.u32(wafer_abi::descriptor::DESCRIPTOR_MAGIC);
    w.u32(wafer_abi::ABI_VERSION);
    w.data_ptr(slots, 0);
    w.u64(0);
    w.u32(wafer_abi::descriptor::ImageMode::Command as u32);
    w.u32(0); // entry module: unused
    for _ in 0..4 {
        // invoke export, invoke args, args, env: empty
        w.null();
        w.u64(0);
    }
    w.u64(options.stack_size);
    w.u64(wafer_abi::MAX_WASM_PAGES);
    w.u64(crate::image::DEFAULT_MAX_TABLE_ELEMENTS);
    // Module names: none (embedded modules import only C functions).
    w.null();
    w.u64(0);
    // Preopened directories: none (the firmware owns its files).
    w.null();
    w.u64(0);
    // Embedded modules check the stack in their prologues: the firmware's
    // stack has no guard the runtime knows of.
    w.u32(wafer_abi::descriptor::StackChecks::Prologue as u32);
    w.u32(0);
    if w.len() != std::mem::size_of::<ImageManifest>() {
        bail!("BUG: image manifest layout differs from wafer-abi");
    }
    w.define(&mut module, id, 16)?;
    match &options.platform {
        LibraryPlatform::Board(board) => {
            let bare = board
                .bare
                .as_ref()
                .ok_or_else(|| anyhow!("board {} is not a bare-metal board", board.name))?;
            // Firmware's UART carries plain text.
            crate::image::define_board_record(&mut module, bare, false)?;
        }
        LibraryPlatform::Firmware => define_firmware_record(&mut module)?,
        LibraryPlatform::Linux => {}
    }
    define_reservation_stub(&mut module, options)?;
    define_unused_entries(&mut module, options.target.isa)?;
    module
        .finish()
        .emit()
        .map_err(|e| anyhow!("cannot write the embedding object: {e}"))
}

/// `wafer_reserve_linear_memory`: a jump to the reservation the library
/// supports (a `--defsym` in `wafer build`; firmware links without one).
/// Boards: explicit-mode memories only (guard windows need the runtime's
/// own MMU setup); Linux: either mode.
fn define_reservation_stub(module: &mut ObjectModule, options: &LibraryOptions) -> Result<()> {
    let target_name = match options.platform {
        LibraryPlatform::Linux => "wafer_reserve_memory_either",
        LibraryPlatform::Board(_) | LibraryPlatform::Firmware => "wafer_reserve_memory_explicit",
    };
    let signature = module.make_signature();
    let stub =
        module.declare_function("wafer_reserve_linear_memory", Linkage::Export, &signature)?;
    let target = module.declare_function(target_name, Linkage::Import, &signature)?;
    let (bytes, kind, addend): (Vec<u8>, _, i64) = match options.target.isa {
        // jmp rel32
        Isa::X86_64 => (
            vec![0xe9, 0, 0, 0, 0],
            cranelift_codegen::binemit::Reloc::X86CallPLTRel4,
            -4,
        ),
        // b imm26
        Isa::Aarch64 => (
            0x1400_0000u32.to_le_bytes().to_vec(),
            cranelift_codegen::binemit::Reloc::Arm64Call,
            0,
        ),
        // auipc t1, 0; jalr x0, 0(t1)
        Isa::Riscv64 => (
            [0x0000_0317u32, 0x0003_0067]
                .iter()
                .flat_map(|i| i.to_le_bytes())
                .collect(),
            cranelift_codegen::binemit::Reloc::RiscvCallPlt,
            0,
        ),
    };
    let offset = if options.target.isa == Isa::X86_64 {
        1
    } else {
        0
    };
    module.define_function_bytes(
        stub,
        16,
        &bytes,
        &[ModuleReloc {
            offset,
            kind,
            name: ModuleRelocTarget::from(target),
            addend,
        }],
    )?;
    Ok(())
}

/// The board record of a library whose console, exit and clock are the
/// firmware's functions (`device::FIRMWARE`: the base is the function).
fn define_firmware_record(module: &mut ObjectModule) -> Result<()> {
    use wafer_abi::descriptor::{BOARD_CONFIG_SYMBOL, BoardConfig, device};
    let signature = module.make_signature();
    let write = module.declare_function("wafer_platform_write", Linkage::Import, &signature)?;
    let exit = module.declare_function("wafer_platform_exit", Linkage::Import, &signature)?;
    let clock =
        module.declare_function("wafer_platform_monotonic_ns", Linkage::Import, &signature)?;
    let id = module.declare_data(BOARD_CONFIG_SYMBOL, Linkage::Export, false, false)?;
    let mut w = DataWriter::new();
    w.u32(device::FIRMWARE); // console
    w.u32(device::FIRMWARE); // exit
    w.func_ptr(write);
    w.func_ptr(exit);
    w.u32(device::FIRMWARE); // timer
    w.u32(0); // boot core (unused: the firmware boots)
    w.func_ptr(clock);
    w.u64(1_000_000_000); // timer_hz (unused: the function returns ns)
    w.u32(device::NONE); // entropy: the runtime's timer-seeded PRNG
    w.u32(0);
    w.u64(0);
    w.u64(0); // framed console: none (the firmware's own write)
    w.u32(wafer_abi::descriptor::core_start::NONE); // one core: no threads
    w.u32(0);
    if w.len() != std::mem::size_of::<BoardConfig>() {
        bail!("BUG: board record layout differs from wafer-abi");
    }
    w.define(module, id, 8)
}

/// Entry points of wafer's own images that `wafer build` chooses with
/// `--defsym` and embedding never calls: `wafer_main` (which wafer's
/// `_start`, unused here, jumps to) and `wafer_instantiate_modules` (the
/// command and invoke modes'). Each is a trap instruction here, so that
/// firmware links without `--gc-sections` too.
const UNUSED_ENTRIES: &[&str] = &["wafer_main", "wafer_instantiate_modules"];

fn define_unused_entries(module: &mut ObjectModule, isa: Isa) -> Result<()> {
    let signature = module.make_signature();
    let trap: Vec<u8> = match isa {
        Isa::X86_64 => vec![0x0f, 0x0b],                       // ud2
        Isa::Aarch64 => 0u32.to_le_bytes().to_vec(),           // udf #0
        Isa::Riscv64 => 0xc000_1073u32.to_le_bytes().to_vec(), // unimp
    };
    for name in UNUSED_ENTRIES {
        let entry = module.declare_function(name, Linkage::Export, &signature)?;
        module.define_function_bytes(entry, 4, &trap, &[])?;
    }
    Ok(())
}

/// A System V `ar` archive of `members` with the symbol index linkers need
/// (global symbols each member defines).
fn write_archive(members: &[Vec<u8>]) -> Result<Vec<u8>> {
    let names: Vec<String> = (0..members.len()).map(|i| format!("m{i}.o/")).collect();
    let mut symbols: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, data) in members.iter().enumerate() {
        let file = object::File::parse(&**data).context("a runtime object does not parse")?;
        for s in file.symbols() {
            if s.is_definition() && s.is_global() {
                symbols.push((i, s.name_bytes()?.to_vec()));
            }
        }
    }
    let mut index = Vec::new();
    index.extend((symbols.len() as u32).to_be_bytes());
    let index_size =
        4 + 4 * symbols.len() + symbols.iter().map(|(_, n)| n.len() + 1).sum::<usize>();
    // Member header offsets, after the magic and the padded index member.
    let mut offsets = Vec::new();
    let mut at = 8 + 60 + index_size.next_multiple_of(2);
    for data in members {
        offsets.push(at);
        at += 60 + data.len().next_multiple_of(2);
    }
    for (member, _) in &symbols {
        let offset = u32::try_from(offsets[*member])
            .map_err(|_| anyhow!("the runtime library would exceed 4 GiB"))?;
        index.extend(offset.to_be_bytes());
    }
    for (_, name) in &symbols {
        index.extend(name);
        index.push(0);
    }
    let mut out = b"!<arch>\n".to_vec();
    push_member(&mut out, "/", &index);
    for (name, data) in names.iter().zip(members) {
        push_member(&mut out, name, data);
    }
    Ok(out)
}

fn push_member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    out.extend(
        format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            0,
            0,
            0,
            644,
            data.len()
        )
        .bytes(),
    );
    out.extend(data);
    if data.len() % 2 == 1 {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_index_points_at_the_member_defining_each_symbol() {
        let options = LibraryOptions {
            target: Target::new(Isa::Aarch64).unwrap(),
            platform: LibraryPlatform::Board(Box::new(
                Board::by_name("qemu-virt-aarch64").unwrap(),
            )),
            stack_size: 65536,
        };
        let bytes = runtime_library(&options).unwrap();
        let archive = object::read::archive::ArchiveFile::parse(&*bytes).unwrap();
        let index = archive.symbols().unwrap().expect("an index");
        let mut found = Vec::new();
        for symbol in index {
            let symbol = symbol.unwrap();
            let name = String::from_utf8_lossy(symbol.name()).into_owned();
            if [
                "wafer_image",
                "wafer_board",
                "wafer_instance_new",
                "wafer_call",
            ]
            .contains(&name.as_str())
            {
                let member = archive.member(symbol.offset()).unwrap();
                let file = object::File::parse(member.data(&*bytes).unwrap()).unwrap();
                assert!(
                    file.symbols()
                        .any(|s| s.is_definition() && s.name() == Ok(name.as_str())),
                    "{name} is not defined by the member its index entry names"
                );
                found.push(name);
            }
        }
        found.sort();
        assert_eq!(
            found,
            [
                "wafer_board",
                "wafer_call",
                "wafer_image",
                "wafer_instance_new"
            ]
        );
    }

    #[test]
    fn the_manifest_has_as_many_slots_as_the_runtime_fills() {
        assert_eq!(MAX_MODULES, wafer_rt_slots());
    }

    /// `runtime-nostd/src/embed/mod.rs`'s `EMBED_MAX_MODULES`, read from its
    /// source (the runtime crate is not a dependency of the compiler).
    fn wafer_rt_slots() -> usize {
        let source = include_str!("../../../runtime-nostd/src/embed/mod.rs");
        let line = source
            .lines()
            .find(|l| l.starts_with("pub const EMBED_MAX_MODULES"))
            .expect("the constant");
        line.trim_end_matches(';')
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a number")
    }
}
