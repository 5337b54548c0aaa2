//! `--dir HOST[::GUEST]`: host directories preopened for the WASI program.
//! On Linux boards the paths are baked into the image as given and opened
//! when the executable starts, so `wafer build --dir data` makes an
//! executable that opens `data` relative to the directory it is run from.
//! On bare-metal boards the directory's contents are read now and baked
//! into the image's flash as a read-only tree (`crate::file_tree`).

use anyhow::{Result, bail};

use crate::config::Board;

/// The runtime's fd table has 64 entries (runtime-nostd/src/host/fs/linux.rs),
/// fds 0-2 are the console, and a program needs a few for its own files.
const MAX_PREOPENS: usize = 32;

/// Bare-metal boards: the baked backend's limit.
const MAX_BAKED_PREOPENS: usize = wafer_abi::file_tree::MAX_PREOPENS;

/// What `--dir` gives an image.
#[derive(Debug, Default)]
pub struct Preopens {
    /// Linux boards: (host path, guest name), opened when the image starts.
    pub opened: Vec<(String, String)>,
    /// Bare-metal boards: (file tree, guest name), baked into flash.
    pub baked: Vec<(Vec<u8>, String)>,
}

/// One `--dir` value: the host path and the name the guest sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preopen {
    pub host: String,
    pub guest: String,
}

/// Parses `HOST` or `HOST::GUEST` (clap value parser); GUEST defaults to
/// HOST as written.
pub fn parse_dir(text: &str) -> Result<Preopen, String> {
    let (host, guest) = match text.split_once("::") {
        Some((host, guest)) => (host, guest),
        None => (text, text),
    };
    if host.is_empty() || guest.is_empty() || guest.contains("::") {
        return Err(format!(
            "`{text}` is not of the form HOST or HOST::GUEST (both non-empty)"
        ));
    }
    if host.contains('\0') || guest.contains('\0') {
        return Err(format!("`{text}` contains a NUL byte"));
    }
    Ok(Preopen {
        host: host.to_string(),
        guest: guest.to_string(),
    })
}

/// Checks the preopens (`--dir`, then `--dir-rw`) against the board and
/// the host file system: each host path must be an existing directory now
/// (a Linux executable checks again when it starts; there a `--dir` is
/// writable already, and `--dir-rw` the same); on a bare-metal board it is
/// read and baked, with a RAM overlay for `--dir-rw`.
pub fn check(board: &Board, dirs: &[Preopen], dirs_rw: &[Preopen]) -> Result<Preopens> {
    if let Some(bare) = &board.bare {
        let all: Vec<(&Preopen, bool)> = dirs
            .iter()
            .map(|d| (d, false))
            .chain(dirs_rw.iter().map(|d| (d, true)))
            .collect();
        if all.is_empty() {
            return Ok(Preopens::default());
        }
        return bake(board, bare.memory.flash.size, &all);
    }
    let dirs: Vec<Preopen> = dirs.iter().chain(dirs_rw).cloned().collect();
    let dirs = dirs.as_slice();
    if dirs.is_empty() {
        return Ok(Preopens::default());
    }
    if dirs.len() > MAX_PREOPENS {
        bail!(
            "--dir given {} times: at most {MAX_PREOPENS} preopened directories fit the runtime's fd table",
            dirs.len()
        );
    }
    for dir in dirs {
        match std::fs::metadata(&dir.host) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bail!("--dir {}: not a directory", dir.host),
            Err(e) => bail!("--dir {}: {e}", dir.host),
        }
    }
    Ok(Preopens {
        opened: dirs
            .iter()
            .map(|d| (d.host.clone(), d.guest.clone()))
            .collect(),
        baked: Vec::new(),
    })
}

/// Reads and serialises each directory for a bare-metal board whose flash
/// holds `flash` bytes.
fn bake(board: &Board, flash: u64, dirs: &[(&Preopen, bool)]) -> Result<Preopens> {
    if dirs.len() > MAX_BAKED_PREOPENS {
        bail!(
            "--dir given {} times: at most {MAX_BAKED_PREOPENS} baked directories fit the runtime's fd table on board {}",
            dirs.len(),
            board.name
        );
    }
    let mut baked = Vec::with_capacity(dirs.len());
    for (dir, writable) in dirs {
        baked.push((
            crate::file_tree::bake(&dir.host, *writable)?,
            dir.guest.clone(),
        ));
    }
    let total: u64 = baked.iter().map(|(tree, _)| tree.len() as u64).sum();
    if total > flash {
        bail!(
            "--dir: the baked file tree{} take{} {}, more than the {} of flash on board {}; bake a smaller directory (only what the program reads) or choose a board with more flash",
            if baked.len() > 1 { "s" } else { "" },
            if baked.len() > 1 { "" } else { "s" },
            crate::size::human(total),
            crate::size::human(flash),
            board.name
        );
    }
    Ok(Preopens {
        opened: Vec::new(),
        baked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_defaults_to_host_as_written() {
        let p = parse_dir("data").unwrap();
        assert_eq!((p.host.as_str(), p.guest.as_str()), ("data", "data"));
        let p = parse_dir("/tmp/x::/sandbox").unwrap();
        assert_eq!((p.host.as_str(), p.guest.as_str()), ("/tmp/x", "/sandbox"));
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in ["", "::", "a::", "::b", "a::b::c"] {
            assert!(parse_dir(bad).is_err(), "{bad}");
        }
    }
}
