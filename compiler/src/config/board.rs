//! Board descriptions: where an image runs and how.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;

use super::target::{Isa, Target, TargetSpec};

/// The runtime flavour an image is linked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Static Linux executable using raw system calls.
    Linux,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct BoardFile {
    name: String,
    about: String,
    isa: String,
    platform: Platform,
}

/// A board: an ISA, a platform, and how to run images on it.
#[derive(Clone, Debug)]
pub struct Board {
    pub name: String,
    pub about: String,
    pub target: Target,
    pub platform: Platform,
}

impl Board {
    /// The names of all embedded boards, sorted.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = super::embedded::BOARDS
            .iter()
            .map(|(file, _)| file.trim_end_matches(".toml").to_string())
            .collect();
        names.sort();
        names
    }

    /// Looks up a board by name.
    ///
    /// # Errors
    /// Unknown board (the message lists the known ones), or `host` on a
    /// machine whose ISA wafer does not target.
    pub fn by_name(name: &str) -> Result<Board> {
        let file = format!("{name}.toml");
        let text = super::embedded::BOARDS
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                anyhow!(
                    "unknown board `{name}`: expected one of {} (see `wafer boards`)",
                    Board::names().join(", ")
                )
            })?;
        let parsed: BoardFile =
            toml::from_str(text).with_context(|| format!("BUG: boards/{file} does not parse"))?;
        let isa = if parsed.isa == "host" {
            Isa::host().ok_or_else(|| {
                anyhow!(
                    "the `host` board needs an x86_64, aarch64 or riscv64 machine; this one is {}",
                    std::env::consts::ARCH
                )
            })?
        } else {
            Isa::from_name(&parsed.isa)
                .ok_or_else(|| anyhow!("BUG: boards/{file} names unknown isa {}", parsed.isa))?
        };
        Ok(Board {
            name: parsed.name,
            about: parsed.about,
            target: Target::new(isa)?,
            platform: parsed.platform,
        })
    }

    /// The command that runs `image` on this board: the image itself when
    /// the board is this machine, else the right QEMU.
    ///
    /// # Errors
    /// The QEMU binary is missing (the message names the Debian package).
    pub fn run_command(&self, image: &Path) -> Result<Command> {
        match self.platform {
            Platform::Linux => {
                if Isa::host() == Some(self.target.isa) && std::env::consts::OS == "linux" {
                    return Ok(Command::new(image));
                }
                let spec: &TargetSpec = &self.target.spec;
                let qemu = crate::runner::find_tool(&spec.qemu_user).ok_or_else(|| {
                    anyhow!(
                        "{} is not installed: the {} board runs under QEMU user mode; install it with `apt-get install qemu-user`",
                        spec.qemu_user,
                        self.name
                    )
                })?;
                let mut cmd = Command::new(qemu);
                cmd.arg(image);
                Ok(cmd)
            }
        }
    }
}
