//! Finding and running lld.
//!
//! `ld.lld` on `PATH` first (Debian's `lld`), else the `rust-lld` shipped in
//! the Rust sysroot, so a machine with a Rust toolchain always has one.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::runner::find_tool;

/// A usable lld: the program and the arguments that select the ELF flavour.
pub struct Lld {
    program: PathBuf,
    flavor_args: Vec<&'static str>,
}

impl Lld {
    /// Locates lld.
    ///
    /// # Errors
    /// Neither `ld.lld` nor `rust-lld` exists (the message says what to install).
    pub fn find() -> Result<Lld> {
        if let Some(program) = find_tool("ld.lld") {
            return Ok(Lld {
                program,
                flavor_args: vec![],
            });
        }
        if let Some(program) = rust_lld() {
            return Ok(Lld {
                program,
                flavor_args: vec!["-flavor", "gnu"],
            });
        }
        bail!(
            "no linker found: install lld (`apt-get install lld`) or a Rust toolchain (it ships rust-lld)"
        )
    }

    /// Runs lld with `args`.
    ///
    /// # Errors
    /// lld fails to start or reports errors (its output is included).
    pub fn link(&self, args: &[std::ffi::OsString]) -> Result<()> {
        let output = Command::new(&self.program)
            .args(&self.flavor_args)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        if !output.status.success() {
            return Err(LinkFailed {
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
            .into());
        }
        Ok(())
    }
}

/// lld ran and reported errors.
#[derive(Debug)]
pub struct LinkFailed {
    pub stderr: String,
}

impl std::fmt::Display for LinkFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first: Vec<&str> = self.stderr.lines().take(8).collect();
        write!(f, "linking failed: {}", first.join("; "))
    }
}

impl std::error::Error for LinkFailed {}

fn rust_lld() -> Option<PathBuf> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = PathBuf::from(String::from_utf8(sysroot.stdout).ok()?.trim());
    let host = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let candidate = sysroot.join("lib/rustlib").join(host).join("bin/rust-lld");
    candidate.is_file().then_some(candidate)
}
