//! Flashable image formats: raw binary and Intel HEX, made from the
//! loadable segments of a linked ELF image (by their load addresses, so
//! `.data`'s initial values stored in flash are included).

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use object::read::elf::{ElfFile64, ProgramHeader};
use object::{Endianness, elf};

/// Output formats of `wafer build`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The linked ELF executable (debuggers, `-kernel` loaders).
    Elf,
    /// Raw bytes from the lowest load address (flashing tools, `dd`).
    Bin,
    /// Intel HEX (most flashing tools and programmers).
    Hex,
}

/// `(load address, bytes)` of every segment with file contents, sorted.
pub fn load_segments(elf_bytes: &[u8]) -> Result<Vec<(u64, Vec<u8>)>> {
    let file =
        ElfFile64::<Endianness>::parse(elf_bytes).context("the image is not a 64-bit ELF file")?;
    let endian = file.endian();
    let mut segments = Vec::new();
    for header in file.elf_program_headers() {
        if header.p_type(endian) != elf::PT_LOAD || header.p_filesz(endian) == 0 {
            continue;
        }
        let data = header
            .data(endian, elf_bytes)
            .map_err(|_| anyhow::anyhow!("a segment lies outside the file"))?;
        segments.push((header.p_paddr(endian), data.to_vec()));
    }
    segments.sort_by_key(|(address, _)| *address);
    if segments.is_empty() {
        bail!("the image has nothing to load");
    }
    Ok(segments)
}

/// The raw binary: bytes from the lowest load address, gaps filled with
/// 0xff (erased flash).
pub fn to_binary(elf_bytes: &[u8]) -> Result<Vec<u8>> {
    let segments = load_segments(elf_bytes)?;
    let base = segments[0].0;
    let end = segments
        .iter()
        .map(|(a, d)| a + d.len() as u64)
        .max()
        .unwrap_or(base);
    if end - base > 1 << 30 {
        bail!(
            "the image spans {:#x}..{end:#x}: too large for a raw binary",
            base
        );
    }
    let mut out = vec![0xff; (end - base) as usize];
    for (address, data) in segments {
        let at = (address - base) as usize;
        out[at..at + data.len()].copy_from_slice(&data);
    }
    Ok(out)
}

fn hex_record(out: &mut String, kind: u8, address: u16, data: &[u8]) {
    let mut sum = data.len() as u8;
    sum = sum
        .wrapping_add((address >> 8) as u8)
        .wrapping_add(address as u8)
        .wrapping_add(kind);
    let _ = write!(out, ":{:02X}{address:04X}{kind:02X}", data.len());
    for &b in data {
        let _ = write!(out, "{b:02X}");
        sum = sum.wrapping_add(b);
    }
    let _ = writeln!(out, "{:02X}", sum.wrapping_neg());
}

/// Intel HEX with extended linear addresses (32-bit address space).
pub fn to_intel_hex(elf_bytes: &[u8]) -> Result<String> {
    let mut out = String::new();
    let mut upper: Option<u16> = None;
    for (address, data) in load_segments(elf_bytes)? {
        if address + data.len() as u64 > 1 << 32 {
            bail!("segment at {address:#x} is beyond the 4 GiB Intel HEX can address");
        }
        for (i, chunk) in data.chunks(16).enumerate() {
            let at = address + (i * 16) as u64;
            let high = (at >> 16) as u16;
            if upper != Some(high) {
                hex_record(&mut out, 4, 0, &high.to_be_bytes());
                upper = Some(high);
            }
            // A 16-byte chunk may cross a 64 KiB boundary only if the
            // segment is unaligned; split it there.
            let low = at as u16;
            let first = chunk.len().min(0x1_0000 - low as usize);
            hex_record(&mut out, 0, low, &chunk[..first]);
            if first < chunk.len() {
                let high = high + 1;
                hex_record(&mut out, 4, 0, &high.to_be_bytes());
                upper = Some(high);
                hex_record(&mut out, 0, 0, &chunk[first..]);
            }
        }
    }
    hex_record(&mut out, 1, 0, &[]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_records_have_the_standard_checksum() {
        let mut out = String::new();
        hex_record(&mut out, 0, 0x0010, &[0x01, 0x02]);
        // 02 + 00 + 10 + 00 + 01 + 02 = 0x15 -> checksum 0xEB
        assert_eq!(out, ":020010000102EB\n");
        let mut eof = String::new();
        hex_record(&mut eof, 1, 0, &[]);
        assert_eq!(eof, ":00000001FF\n");
    }
}
