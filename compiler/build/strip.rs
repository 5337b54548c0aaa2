//! Shrinks a runtime archive before `wafer` embeds it.
//!
//! A Rust `staticlib` carries the whole sysroot `libcore` and
//! `compiler_builtins`, with DWARF and LLVM bitcode (`.llvmbc`,
//! `.llvmcmd`) in every member: about 8 MB per archive, of which the linker
//! uses none (images are linked with `--strip-debug`, and bitcode is only
//! read by LTO, which wafer does not do). Emptying those sections leaves
//! what gets linked unchanged (`runtime_lib::tests` compares the archives).
//!
//! The archive is then written back in the GNU `ar` format with a fresh
//! symbol index, members in their original order (the order decides which
//! member the linker takes when several define a symbol).

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

/// Whether a section is only for debuggers or for LTO.
fn is_droppable(name: &[u8]) -> bool {
    name.starts_with(b".debug") || name == b".llvmbc" || name == b".llvmcmd"
}

const SHT_NOBITS: u32 = 8;
const SHT_RELA: u32 = 4;
const SHT_REL: u32 = 9;
/// `e_shstrndx` value meaning "in `sh_link` of section 0".
const SHN_XINDEX: u32 = 0xffff;
const SECTION_HEADER_SIZE: usize = 64;

/// Little- or big-endian field access to an ELF64 file.
struct Fields {
    little: bool,
}

impl Fields {
    fn u16(&self, b: &[u8], at: usize) -> u64 {
        let v = [b[at], b[at + 1]];
        u64::from(if self.little {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        })
    }
    fn u32(&self, b: &[u8], at: usize) -> u64 {
        let v = b[at..at + 4].try_into().unwrap();
        u64::from(if self.little {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        })
    }
    fn u64(&self, b: &[u8], at: usize) -> u64 {
        let v = b[at..at + 8].try_into().unwrap();
        if self.little {
            u64::from_le_bytes(v)
        } else {
            u64::from_be_bytes(v)
        }
    }
    fn put_u64(&self, b: &mut [u8], at: usize, value: u64) {
        let v = if self.little {
            value.to_le_bytes()
        } else {
            value.to_be_bytes()
        };
        b[at..at + 8].copy_from_slice(&v);
    }
}

/// `member` (an ELF64 relocatable object) with its debug and bitcode
/// sections emptied; any other member unchanged.
///
/// The sections stay in the header table, empty, so that no symbol or
/// section index changes (COMDAT groups and section symbols refer to
/// sections by index); the relocation sections that apply to them are
/// emptied too. The linker discards empty non-allocated sections.
fn strip_member(member: &[u8]) -> Vec<u8> {
    // ELF64 (class 2) relocatable (type 1) objects only.
    if !member.starts_with(b"\x7fELF") || member.len() < 64 || member[4] != 2 {
        return member.to_vec();
    }
    let f = Fields {
        little: member[5] == 1,
    };
    if f.u16(member, 0x10) != 1 || f.u16(member, 0x3a) != SECTION_HEADER_SIZE as u64 {
        return member.to_vec();
    }
    let ehsize = f.u16(member, 0x34) as usize;
    let shoff = f.u64(member, 0x28) as usize;
    let header = |i: usize| &member[shoff + i * SECTION_HEADER_SIZE..][..SECTION_HEADER_SIZE];
    let mut count = f.u16(member, 0x3c) as usize;
    if count == 0 {
        count = f.u64(header(0), 32) as usize;
    }
    let mut names_index = f.u16(member, 0x3e) as u32;
    if names_index == SHN_XINDEX {
        names_index = f.u32(header(0), 40) as u32;
    }
    let names = header(names_index as usize);
    let names = &member[f.u64(names, 24) as usize..][..f.u64(names, 32) as usize];
    let name_of = |h: &[u8]| {
        let rest = &names[f.u32(h, 0) as usize..];
        &rest[..rest.iter().position(|&c| c == 0).unwrap_or(rest.len())]
    };

    let mut dropped: Vec<bool> = (0..count)
        .map(|i| is_droppable(name_of(header(i))))
        .collect();
    for i in 0..count {
        let h = header(i);
        let ty = f.u32(h, 4) as u32;
        let target = f.u32(h, 44) as usize;
        if (ty == SHT_RELA || ty == SHT_REL) && target < count && dropped[target] {
            dropped[i] = true;
        }
    }

    let mut out = member[..ehsize].to_vec();
    let mut headers = member[shoff..shoff + count * SECTION_HEADER_SIZE].to_vec();
    for i in 1..count {
        let h = &mut headers[i * SECTION_HEADER_SIZE..][..SECTION_HEADER_SIZE];
        let (offset, size) = (f.u64(h, 24) as usize, f.u64(h, 32) as usize);
        let align = (f.u64(h, 48) as usize).max(1);
        while !out.len().is_multiple_of(align) {
            out.push(0);
        }
        if dropped[i] {
            f.put_u64(h, 32, 0);
            f.put_u64(h, 24, out.len() as u64);
        } else if f.u32(h, 4) as u32 != SHT_NOBITS {
            f.put_u64(h, 24, out.len() as u64);
            out.extend_from_slice(&member[offset..offset + size]);
        }
    }
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let new_shoff = out.len() as u64;
    f.put_u64(&mut out, 0x28, new_shoff);
    out.extend_from_slice(&headers);
    out
}

/// One member of the archive being written.
struct Member {
    name: Vec<u8>,
    data: Vec<u8>,
    /// Global symbols it defines (for the archive index).
    symbols: Vec<Vec<u8>>,
}

fn defined_globals(data: &[u8]) -> Vec<Vec<u8>> {
    let Ok(file) = object::File::parse(data) else {
        return Vec::new();
    };
    file.symbols()
        .filter(|s| s.is_global() && !s.is_undefined())
        .filter_map(|s| s.name_bytes().ok().map(<[u8]>::to_vec))
        .collect()
}

/// A 60-byte `ar` member header.
fn header(out: &mut Vec<u8>, name: &[u8], size: usize) {
    let mut h = Vec::with_capacity(60);
    h.extend_from_slice(name);
    h.resize(16, b' ');
    // Date, owner, group: zero (deterministic); mode 644.
    h.extend_from_slice(format!("{:<12}{:<6}{:<6}{:<8}", 0, 0, 0, 644).as_bytes());
    h.extend_from_slice(format!("{size:<10}").as_bytes());
    h.extend_from_slice(b"`\n");
    assert_eq!(h.len(), 60, "ar header layout");
    out.extend_from_slice(&h);
}

fn pad(out: &mut Vec<u8>) {
    if out.len() % 2 == 1 {
        out.push(b'\n');
    }
}

/// Writes `members` as a GNU archive with a symbol index (`/`) and a long
/// name table (`//`).
fn write_archive(members: &[Member]) -> Vec<u8> {
    // Long names: every name goes into `//` as `name/\n`; headers say `/<offset>`.
    let mut long_names = Vec::new();
    let mut header_names = Vec::new();
    for m in members {
        header_names.push(format!("/{}", long_names.len()).into_bytes());
        long_names.extend_from_slice(&m.name);
        long_names.extend_from_slice(b"/\n");
    }
    let symbol_count: usize = members.iter().map(|m| m.symbols.len()).sum();
    let names_size: usize = members
        .iter()
        .flat_map(|m| &m.symbols)
        .map(|s| s.len() + 1)
        .sum();
    let mut index_size = 4 + 4 * symbol_count + names_size;
    index_size += index_size % 2;
    let long_size = long_names.len() + long_names.len() % 2;

    // Member offsets, for the index.
    let mut offset = 8 + 60 + index_size + 60 + long_size;
    let mut offsets = Vec::with_capacity(members.len());
    for m in members {
        offsets.push(offset);
        offset += 60 + m.data.len() + m.data.len() % 2;
    }

    let mut out = Vec::with_capacity(offset);
    out.extend_from_slice(b"!<arch>\n");
    header(&mut out, b"/", index_size);
    let start = out.len();
    out.extend_from_slice(&(symbol_count as u32).to_be_bytes());
    for (m, &at) in members.iter().zip(&offsets) {
        let at = u32::try_from(at).expect("runtime archive smaller than 4 GiB");
        for _ in &m.symbols {
            out.extend_from_slice(&at.to_be_bytes());
        }
    }
    for s in members.iter().flat_map(|m| &m.symbols) {
        out.extend_from_slice(s);
        out.push(0);
    }
    while out.len() - start < index_size {
        out.push(0);
    }
    header(&mut out, b"//", long_names.len());
    out.extend_from_slice(&long_names);
    pad(&mut out);
    for (m, name) in members.iter().zip(&header_names) {
        header(&mut out, name, m.data.len());
        out.extend_from_slice(&m.data);
        pad(&mut out);
    }
    assert_eq!(out.len(), offset, "ar layout");
    out
}

/// `archive` with debug info and bitcode removed from every member.
pub fn strip_archive(archive: &[u8]) -> Vec<u8> {
    let file = ArchiveFile::parse(archive).expect("runtime archive is a valid ar file");
    let members: Vec<Member> = file
        .members()
        .map(|m| {
            let m = m.expect("runtime archive member header");
            let data = strip_member(m.data(archive).expect("runtime archive member data"));
            Member {
                name: m.name().to_vec(),
                symbols: defined_globals(&data),
                data,
            }
        })
        .collect();
    write_archive(&members)
}
