//! Reading a module from disk: `.wasm` binaries as they are, WebAssembly
//! text (`.wat`) through the `wat` crate.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// Reads `path` and returns the module's binary encoding.
///
/// A file starting with the Wasm magic is a binary; anything else is parsed
/// as text.
///
/// # Errors
/// Unreadable files, text that does not parse (with line and column).
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    module_bytes(&bytes, path)
}

/// Turns file contents into a Wasm binary (see [`read_module`]).
pub fn module_bytes(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    if bytes.starts_with(WASM_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "{} is neither a WebAssembly binary (no \\0asm header) nor UTF-8 text",
            path.display()
        )
    })?;
    wat::parse_str(text).map_err(|mut e| {
        e.set_path(path);
        anyhow!("{}", e.to_string().replace('\n', " "))
    })
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
    }

    #[test]
    fn garbage_is_rejected_with_the_file_named() {
        let err = module_bytes(&[0xff, 0xfe, 0x00], Path::new("junk.bin")).unwrap_err();
        assert!(err.to_string().contains("junk.bin"), "{err}");
        let err = module_bytes(b"(module (func", Path::new("bad.wat")).unwrap_err();
        assert!(err.to_string().contains("bad.wat"), "{err}");
    }
}
