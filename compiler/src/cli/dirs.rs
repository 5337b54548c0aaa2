//! `--dir HOST[::GUEST]`: host directories preopened for the WASI program
//! (Linux boards). The paths are baked into the image as given and opened
//! when the executable starts, so `wafer build --dir data` makes an
//! executable that opens `data` relative to the directory it is run from.

use anyhow::{Result, bail};

use crate::config::Board;

/// The runtime's fd table has 64 entries (runtime-nostd/src/host/fs/linux.rs),
/// fds 0-2 are the console, and a program needs a few for its own files.
const MAX_PREOPENS: usize = 32;

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

/// Checks the preopens against the board and the host file system: a
/// bare-metal board has no file system yet, and each host path must be an
/// existing directory now (the executable checks again when it starts).
pub fn check(board: &Board, dirs: &[Preopen]) -> Result<Vec<(String, String)>> {
    if dirs.is_empty() {
        return Ok(Vec::new());
    }
    if board.bare.is_some() {
        bail!(
            "--dir needs a Linux board: board {} has no file system yet (a read-only tree baked into flash is planned)",
            board.name
        );
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
    Ok(dirs
        .iter()
        .map(|d| (d.host.clone(), d.guest.clone()))
        .collect())
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
