//! Reading a module from disk: `.wasm` binaries as they are, WebAssembly
//! text (`.wat`) through the `wat` crate.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

const WASM_MAGIC: &[u8; 4] = b"\0asm";
/// The binary format version wafer reads (the only one there is, for
/// modules; components use other values here).
const WASM_VERSION: [u8; 4] = [1, 0, 0, 0];

/// Reads `path` and returns the module's binary encoding.
///
/// A file named `*.wasm`, or one starting with the Wasm magic, is a binary;
/// anything else is parsed as text.
///
/// # Errors
/// Unreadable files, a `.wasm` file without the binary header, text that
/// does not parse (with line and column).
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    module_bytes(&bytes, path)
}

/// Turns file contents into a Wasm binary (see [`read_module`]).
pub fn module_bytes(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let named_binary = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("wasm"));
    if named_binary || bytes.starts_with(WASM_MAGIC) {
        check_header(bytes, path)?;
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "{} is neither a WebAssembly binary (no \\0asm header) nor UTF-8 text",
            path.display()
        )
    })?;
    parse_text(text).map_err(|e| {
        let (line, column) = e.span().linecol_in(text);
        anyhow!(
            "{}:{}:{}: {}",
            path.display(),
            line + 1,
            column + 1,
            e.message()
        )
    })
}

/// Encodes WebAssembly text (what `wat::parse_str` does), keeping the
/// parser's error so that the message can be one line with the position
/// in front, without the source snippet `wat` would draw.
fn parse_text(text: &str) -> std::result::Result<Vec<u8>, wast::Error> {
    let buffer = wast::parser::ParseBuffer::new(text)?;
    let mut module = wast::parser::parse::<wast::Wat>(&buffer)?;
    module.encode()
}

/// A binary must start with the magic and version 1; a text parser's
/// syntax error would only confuse the user of a broken `.wasm` file.
fn check_header(bytes: &[u8], path: &Path) -> Result<()> {
    if !bytes.starts_with(WASM_MAGIC) {
        bail!(
            "{} is not a WebAssembly binary (expected \\0asm, found {})",
            path.display(),
            describe_bytes(&bytes[..bytes.len().min(4)])
        );
    }
    let version = &bytes[4..bytes.len().min(8)];
    if version != WASM_VERSION {
        bail!(
            "{} is a WebAssembly binary of an unsupported version (expected 01 00 00 00, found {})",
            path.display(),
            describe_bytes(version)
        );
    }
    Ok(())
}

/// `an empty file`, `end of file`, or the bytes in hex: `de ad be ef`.
fn describe_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "end of file".to_string();
    }
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_passes_through_and_text_is_encoded() {
        let path = Path::new("t.wat");
        let wasm = module_bytes(b"(module)", path).unwrap();
        assert_eq!(&wasm[..4], WASM_MAGIC);
        assert_eq!(module_bytes(&wasm, path).unwrap(), wasm);
        assert_eq!(module_bytes(&wasm, Path::new("t.wasm")).unwrap(), wasm);
    }

    #[test]
    fn garbage_is_rejected_with_the_file_named() {
        let err = module_bytes(&[0xff, 0xfe, 0x00], Path::new("junk.bin")).unwrap_err();
        assert!(err.to_string().contains("junk.bin"), "{err}");
        let err = module_bytes(b"(module (func", Path::new("bad.wat")).unwrap_err();
        assert!(err.to_string().contains("bad.wat"), "{err}");
    }

    #[test]
    fn text_errors_are_one_line_with_the_position_first() {
        let err = module_bytes(b"(module\n  (func (i32.frob)))", Path::new("app.wat"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "app.wat:2:10: unknown operator or unexpected token");
        let err = module_bytes(b"", Path::new("empty.wat"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "empty.wat:1:1: expected at least one module field");
    }

    #[test]
    fn a_wasm_name_is_never_parsed_as_text() {
        let err = |bytes: &[u8]| {
            module_bytes(bytes, Path::new("app.wasm"))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(b""),
            "app.wasm is not a WebAssembly binary (expected \\0asm, found end of file)"
        );
        assert_eq!(
            err(b"(module)"),
            "app.wasm is not a WebAssembly binary (expected \\0asm, found 28 6d 6f 64)"
        );
        assert_eq!(
            err(b"\0as"),
            "app.wasm is not a WebAssembly binary (expected \\0asm, found 00 61 73)"
        );
    }

    #[test]
    fn a_wrong_or_missing_version_is_named() {
        let err = |bytes: &[u8]| {
            module_bytes(bytes, Path::new("m.wasm"))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(b"\0asm\x0d\0\x01\0"),
            "m.wasm is a WebAssembly binary of an unsupported version (expected 01 00 00 00, found 0d 00 01 00)"
        );
        assert!(err(b"\0asm").contains("found end of file"));
        // The header decides, not the name.
        let err = module_bytes(b"\0asm\x02\0\0\0", Path::new("m.wat")).unwrap_err();
        assert!(err.to_string().contains("unsupported version"), "{err}");
    }
}
