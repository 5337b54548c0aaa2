//! Board descriptions: where an image runs and how.

use std::path::Path;
use std::process::{Command, ExitStatus};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use super::target::{Isa, Target};
use crate::emit::{BoundsChecks, StackChecks};

/// The runtime flavour an image is linked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Static Linux executable using raw system calls.
    Linux,
    /// Firmware that boots with no OS.
    Baremetal,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Linux => "linux",
            Platform::Baremetal => "baremetal",
        }
    }
}

/// A memory region of a board.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub base: u64,
    pub size: u64,
}

/// Where a bare-metal image lives.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryMap {
    /// Code and read-only data execute in place here.
    pub flash: Region,
    /// `.data`, `.bss`, stack, instances and linear memory.
    pub ram: Region,
}

/// A peripheral: its IP block and where it is mapped.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub kind: String,
    #[serde(default)]
    pub base: u64,
    /// Timers: ticks per second.
    #[serde(default)]
    pub hz: u64,
}

/// How to run the board under QEMU.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QemuSystem {
    pub program: String,
    /// The Debian package that provides `program`.
    pub package: String,
    pub args: Vec<String>,
    /// How QEMU gets the image.
    #[serde(default)]
    pub load: QemuLoad,
}

/// How QEMU loads a bare-metal image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QemuLoad {
    /// `-device loader`: segments where they are linked (flash included),
    /// core 0 starts at the ELF entry, like a reset into flash.
    #[default]
    Loader,
    /// `-kernel`: the machine's own boot path (Raspberry Pi: every core
    /// enters at EL2, as the GPU firmware does).
    Kernel,
}

/// The bare-metal part of a board description.
#[derive(Clone, Debug)]
pub struct BareMetal {
    pub memory: MemoryMap,
    pub console: Device,
    pub exit: Device,
    pub timer: Device,
    /// Hardware entropy source; kind `none` when the board has none.
    pub rng: Device,
    /// The core that runs the image (the others are parked at boot).
    pub boot_core: u32,
    /// Cores the runtime can run Wasm threads on (wasi-threads), the boot
    /// core included; QEMU gets `-smp` with it. 1: threads are refused.
    pub cores: u32,
    /// How the runtime starts another core (`core-start`, a
    /// `wafer_abi::descriptor::core_start` method); `NONE` with one core.
    pub core_start: u32,
    pub qemu: QemuSystem,
}

/// Which `--bounds-checks` modes the board's runtime supports.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundsSupport {
    /// What `build`/`run` use without `--bounds-checks`.
    pub default: BoundsChecks,
    /// Every mode the runtime can instantiate (includes `default`).
    pub supported: Vec<BoundsChecks>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct BoardFile {
    name: String,
    about: String,
    isa: String,
    platform: Platform,
    memory: Option<MemoryMap>,
    console: Option<Device>,
    exit: Option<Device>,
    timer: Option<Device>,
    rng: Option<Device>,
    #[serde(default)]
    boot_core: u32,
    #[serde(default = "one_core")]
    cores: u32,
    core_start: Option<String>,
    qemu: Option<QemuSystem>,
    bounds_checks: BoundsSupport,
}

fn one_core() -> u32 {
    1
}

/// The board file's `core-start` as a `wafer_abi::descriptor::core_start`
/// method: required when the board gives threads more than one core.
fn core_start_method(file: &str, cores: u32, method: Option<&str>) -> Result<u32> {
    use wafer_abi::descriptor::core_start;
    match (cores, method) {
        (1, None) => Ok(core_start::NONE),
        (1, Some(_)) => bail!("BUG: boards/{file}: core-start needs cores > 1"),
        (_, Some("psci-hvc")) => Ok(core_start::PSCI_HVC),
        (_, Some("spin-table")) => Ok(core_start::SPIN_TABLE),
        (_, Some("clint-ipi")) => Ok(core_start::CLINT_IPI),
        (_, Some(other)) => {
            bail!(
                "BUG: boards/{file}: unknown core-start `{other}` (psci-hvc, spin-table or clint-ipi)"
            )
        }
        (_, None) => bail!("BUG: boards/{file}: cores > 1 needs a core-start method"),
    }
}

/// A board: an ISA, a platform, and how to run images on it.
#[derive(Clone, Debug)]
pub struct Board {
    pub name: String,
    pub about: String,
    pub target: Target,
    pub platform: Platform,
    /// Memory map, devices and QEMU machine of bare-metal boards.
    pub bare: Option<BareMetal>,
    pub bounds_checks: BoundsSupport,
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
        if parsed.cores == 0 || parsed.cores > wafer_abi::descriptor::MAX_CORES {
            bail!(
                "BUG: boards/{file}: cores must be 1..={}",
                wafer_abi::descriptor::MAX_CORES
            );
        }
        let core_start = core_start_method(&file, parsed.cores, parsed.core_start.as_deref())?;
        if !parsed
            .bounds_checks
            .supported
            .contains(&parsed.bounds_checks.default)
        {
            bail!("BUG: boards/{file}: the default bounds-checks mode is not supported");
        }
        let bare = match parsed.platform {
            Platform::Linux => None,
            Platform::Baremetal => {
                let missing = |what: &str| anyhow!("BUG: boards/{file} has no [{what}]");
                Some(BareMetal {
                    memory: parsed.memory.ok_or_else(|| missing("memory"))?,
                    console: parsed.console.ok_or_else(|| missing("console"))?,
                    exit: parsed.exit.ok_or_else(|| missing("exit"))?,
                    timer: parsed.timer.ok_or_else(|| missing("timer"))?,
                    rng: parsed.rng.unwrap_or(Device {
                        kind: "none".into(),
                        base: 0,
                        hz: 0,
                    }),
                    boot_core: parsed.boot_core,
                    cores: parsed.cores,
                    core_start,
                    qemu: parsed.qemu.ok_or_else(|| missing("qemu"))?,
                })
            }
        };
        Ok(Board {
            name: parsed.name,
            about: parsed.about,
            target: Target::new(isa)?,
            platform: parsed.platform,
            bare,
            bounds_checks: parsed.bounds_checks,
        })
    }

    /// The bounds-check mode for an image of this board: `requested`, or
    /// the board's default.
    ///
    /// # Errors
    /// The board's runtime cannot do `requested` (the message names the
    /// board and the modes it supports).
    pub fn bounds_checks(&self, requested: Option<BoundsChecks>) -> Result<BoundsChecks> {
        let support = &self.bounds_checks;
        let mode = requested.unwrap_or(support.default);
        if !support.supported.contains(&mode) {
            let names: Vec<&str> = support.supported.iter().map(|m| m.name()).collect();
            bail!(
                "the {} board does not support --bounds-checks {}: its runtime supports {}",
                self.name,
                mode.name(),
                names.join(", ")
            );
        }
        Ok(mode)
    }

    /// The stack checks for `requested` (`--stack-checks`), or the board's
    /// default: Linux boards catch overflow with the stack's guard page,
    /// bare-metal boards (whose runtime maps no such guard) with a check in
    /// every prologue.
    ///
    /// # Errors
    /// `guard` on a board that has no stack guard.
    pub fn stack_checks(&self, requested: Option<StackChecks>) -> Result<StackChecks> {
        let has_guard = self.bare.is_none();
        let default = if has_guard {
            StackChecks::Guard
        } else {
            StackChecks::Prologue
        };
        let mode = requested.unwrap_or(default);
        if mode == StackChecks::Guard && !has_guard {
            bail!(
                "the {} board does not support --stack-checks guard: its runtime maps no stack guard; it supports prologue",
                self.name
            );
        }
        Ok(mode)
    }

    /// QEMU user mode for this board's ISA.
    ///
    /// # Errors
    /// It is not installed (the message names the Debian package).
    fn qemu_user(&self) -> Result<Command> {
        let program = &self.target.spec.qemu_user;
        let qemu = crate::runner::find_tool(program).ok_or_else(|| {
            anyhow!(
                "{program} is not installed: the {} board runs under QEMU user mode; install it with `apt-get install qemu-user`",
                self.name
            )
        })?;
        let mut command = Command::new(qemu);
        if let Some(cpu) = self.target.qemu_cpu() {
            command.arg("-cpu").arg(cpu);
        }
        Ok(command)
    }

    /// The exit code of a module from the status of the command that ran
    /// its image (see [`Board::run_command`]).
    ///
    /// # Errors
    /// The image ended without an exit code (a reset, a triple fault).
    pub fn exit_code(&self, status: ExitStatus) -> Result<u8> {
        use std::os::unix::process::ExitStatusExt;
        let code = match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => return Ok(128u8.wrapping_add(signal as u8)),
            _ => return Ok(1),
        };
        let debug_exit = self
            .bare
            .as_ref()
            .is_some_and(|bare| bare.exit.kind == "isa-debug-exit");
        if !debug_exit {
            return Ok(code as u8);
        }
        match wafer_abi::exit::debug_exit::decode(code) {
            Some(exit_code) => Ok(exit_code),
            None if code == 0 => bail!(
                "the {} board reset without reporting an exit code (a triple fault?)",
                self.name
            ),
            // QEMU failed and said why on stderr.
            None => Ok(code as u8),
        }
    }

    /// The command that runs `image` under QEMU stopped at its first
    /// instruction with a gdb server on `port`, and the gdb command line
    /// that attaches to it.
    ///
    /// # Errors
    /// As for [`Board::run_command`].
    pub fn debug_command(&self, image: &Path, port: u16) -> Result<(Command, String)> {
        let command = match self.platform {
            // The host board too runs under qemu-user here: it has the gdb
            // server built in and stops before the first instruction.
            Platform::Linux => {
                let mut cmd = self.qemu_user()?;
                cmd.arg("-g").arg(port.to_string()).arg(image);
                cmd
            }
            Platform::Baremetal => {
                let mut cmd = self.run_command(image)?;
                cmd.arg("-S")
                    .arg("-gdb")
                    .arg(format!("tcp:localhost:{port}"));
                cmd
            }
        };
        let gdb = if Isa::host() == Some(self.target.isa) {
            "gdb"
        } else {
            "gdb-multiarch"
        };
        let line = format!(
            "{gdb} {} -ex 'target remote localhost:{port}'",
            image.display()
        );
        Ok((command, line))
    }

    /// The command that runs `image` on this board: the image itself when
    /// the board is this machine, else the right QEMU.
    ///
    /// # Errors
    /// The QEMU binary is missing (the message names the Debian package).
    pub fn run_command(&self, image: &Path) -> Result<Command> {
        self.run_command_named(image, image.as_os_str())
    }

    /// As [`Board::run_command`], with `name` as the program's `argv[0]`
    /// (WASI's program name) on Linux boards: `wafer run` starts images
    /// from memory files whose paths mean nothing to the program.
    ///
    /// # Errors
    /// As for [`Board::run_command`].
    pub fn run_command_named(&self, image: &Path, name: &std::ffi::OsStr) -> Result<Command> {
        use std::os::unix::process::CommandExt;
        match self.platform {
            Platform::Linux => {
                if Isa::host() == Some(self.target.isa) && std::env::consts::OS == "linux" {
                    let mut cmd = Command::new(image);
                    cmd.arg0(name);
                    return Ok(cmd);
                }
                let mut cmd = self.qemu_user()?;
                cmd.arg("-0").arg(name).arg(image);
                Ok(cmd)
            }
            Platform::Baremetal => {
                let bare = self.bare.as_ref().ok_or_else(|| {
                    anyhow!("BUG: board {} has no bare-metal description", self.name)
                })?;
                let qemu = crate::runner::find_tool(&bare.qemu.program).ok_or_else(|| {
                    anyhow!(
                        "{} is not installed: the {} board runs under QEMU; install it with `apt-get install {}`",
                        bare.qemu.program,
                        self.name,
                        bare.qemu.package
                    )
                })?;
                let mut cmd = Command::new(qemu);
                cmd.args(&bare.qemu.args);
                if bare.cores > 1 {
                    cmd.arg("-smp").arg(bare.cores.to_string());
                }
                match bare.qemu.load {
                    QemuLoad::Loader => {
                        let mut loader = std::ffi::OsString::from("loader,cpu-num=0,file=");
                        loader.push(image);
                        cmd.arg("-device").arg(loader);
                    }
                    QemuLoad::Kernel => {
                        cmd.arg("-kernel").arg(image);
                    }
                }
                Ok(cmd)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_aarch64_multicore_board_names_how_its_cores_start() {
        use wafer_abi::descriptor::core_start;
        let method = |name: &str| {
            let board = Board::by_name(name).unwrap();
            let bare = board.bare.expect("a bare-metal board");
            (bare.cores, bare.core_start)
        };
        assert_eq!(method("qemu-virt-aarch64"), (8, core_start::PSCI_HVC));
        assert_eq!(method("raspi3b"), (4, core_start::SPIN_TABLE));
        assert_eq!(method("sifive-u"), (1, core_start::NONE));
    }

    #[test]
    fn a_core_start_method_is_required_with_several_cores_and_must_be_known() {
        use wafer_abi::descriptor::core_start;
        assert_eq!(
            core_start_method("b.toml", 1, None).unwrap(),
            core_start::NONE
        );
        assert_eq!(
            core_start_method("b.toml", 4, Some("spin-table")).unwrap(),
            core_start::SPIN_TABLE
        );
        let refused = |cores, method| {
            core_start_method("b.toml", cores, method)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(4, None).contains("needs a core-start"));
        assert!(refused(4, Some("sbi")).contains("unknown core-start `sbi`"));
        assert!(refused(1, Some("psci-hvc")).contains("needs cores > 1"));
    }

    /// No board file lacks guard mode today, but one for a chip without an
    /// MMU would: asking it for guard mode is one line naming what it does.
    #[test]
    fn a_mode_the_board_does_not_support_is_refused_naming_the_supported_ones() {
        let mut board = Board::by_name("sifive-u").unwrap();
        board.bounds_checks = BoundsSupport {
            default: BoundsChecks::Explicit,
            supported: vec![BoundsChecks::Explicit],
        };
        let error = board.bounds_checks(Some(BoundsChecks::Guard)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the sifive-u board does not support --bounds-checks guard: its runtime supports explicit"
        );
        assert!(matches!(
            board.bounds_checks(None),
            Ok(BoundsChecks::Explicit)
        ));
    }
}
