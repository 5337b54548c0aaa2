//! Hand-assembled WebAssembly binaries for tests that need inputs no text
//! format can express (damaged encodings, counts that lie) or that are too
//! big to write as text: the few encoding primitives, defined once.

/// The binary header: magic and version 1.
pub const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// Appends `n` as unsigned LEB128 to `out`.
pub fn leb_into(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `n` as unsigned LEB128.
pub fn leb(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    leb_into(n, &mut out);
    out
}

/// A section: id, size, contents.
pub fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    leb_into(contents.len() as u64, &mut out);
    out.extend_from_slice(contents);
    out
}

/// A vector: count, then the items.
pub fn vector(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = leb(items.len() as u64);
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// A module from its sections.
pub fn module(sections: &[Vec<u8>]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    for s in sections {
        out.extend_from_slice(s);
    }
    out
}
