//! ISA descriptions: Cranelift triple, runtime Rust target, CPU presets.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use super::board::Platform;

/// The instruction set architectures wafer generates code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    X86_64,
    Aarch64,
    Riscv64,
}

impl Isa {
    pub const ALL: [Isa; 3] = [Isa::X86_64, Isa::Aarch64, Isa::Riscv64];

    /// The name used in `targets/<name>.toml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Isa::X86_64 => "x86_64",
            Isa::Aarch64 => "aarch64",
            Isa::Riscv64 => "riscv64",
        }
    }

    /// Parses an ISA name.
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|isa| isa.name() == name)
    }

    /// The ISA of the machine wafer itself runs on, if it is one we target.
    pub fn host() -> Option<Isa> {
        Isa::from_name(std::env::consts::ARCH)
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The preset name of the host CPU's own features (`--cpu native`).
pub const NATIVE_CPU: &str = "native";

/// One CPU preset of an ISA: a named set of Cranelift ISA flags.
#[derive(Clone, Debug, Deserialize)]
pub struct CpuPreset {
    pub about: String,
    pub flags: Vec<String>,
    /// The `-cpu` of QEMU user mode for code of this preset, when QEMU's
    /// default CPU lacks one of its extensions (riscv64's V is off by
    /// default in QEMU 7.2).
    #[serde(default, rename = "qemu-cpu")]
    pub qemu_cpu: Option<String>,
}

impl CpuPreset {
    /// What the preset adds that changes how SIMD code runs, for
    /// `wafer targets`: a vector unit (riscv64 V) or wider vectors and FMA
    /// (x86_64 AVX2).
    pub fn feature_note(&self) -> Option<&'static str> {
        let has = |flag: &str| self.flags.iter().any(|f| f == flag);
        if has("has_v") {
            Some("+V: SIMD in vector registers")
        } else if has("has_avx2") {
            Some("+AVX2, FMA")
        } else {
            None
        }
    }
}

/// The contents of `targets/<isa>.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TargetSpec {
    pub name: String,
    pub triple: String,
    pub runtime_target: BTreeMap<String, String>,
    pub qemu_user: String,
    pub default_cpu: String,
    pub cpu: BTreeMap<String, CpuPreset>,
}

impl TargetSpec {
    /// The embedded description of `isa`.
    pub fn of(isa: Isa) -> Result<TargetSpec> {
        let file = format!("{}.toml", isa.name());
        let text = super::embedded::TARGETS
            .iter()
            .find(|(name, _)| *name == file)
            .map(|(_, text)| *text)
            .ok_or_else(|| anyhow!("BUG: no embedded targets/{file}"))?;
        toml::from_str(text).with_context(|| format!("BUG: targets/{file} does not parse"))
    }

    /// The Rust target the runtime is built for on `platform`.
    pub fn runtime_target(&self, platform: Platform) -> Result<&str> {
        self.runtime_target
            .get(platform.name())
            .map(String::as_str)
            .ok_or_else(|| {
                anyhow!(
                    "{} has no runtime for the {} platform",
                    self.name,
                    platform.name()
                )
            })
    }
}

/// An ISA plus the CPU preset to generate code for.
#[derive(Clone, Debug)]
pub struct Target {
    pub isa: Isa,
    pub spec: TargetSpec,
    pub cpu: String,
}

impl Target {
    /// The target for `isa` with its default CPU preset.
    pub fn new(isa: Isa) -> Result<Target> {
        let spec = TargetSpec::of(isa)?;
        let cpu = spec.default_cpu.clone();
        Ok(Target { isa, spec, cpu })
    }

    /// Parses `isa` or `isa:cpu` (e.g. `riscv64:rva22`).
    ///
    /// # Errors
    /// Unknown ISA or CPU preset, with the list of valid names.
    pub fn parse(text: &str) -> Result<Target> {
        let (isa_name, cpu) = match text.split_once(':') {
            Some((isa, cpu)) => (isa, Some(cpu)),
            None => (text, None),
        };
        let isa = Isa::from_name(isa_name).ok_or_else(|| {
            anyhow!(
                "unknown target `{isa_name}`: expected one of x86_64, aarch64, riscv64 (see `wafer targets`)"
            )
        })?;
        let mut target = Target::new(isa)?;
        if let Some(cpu) = cpu {
            target.set_cpu(cpu)?;
        }
        Ok(target)
    }

    /// Selects a CPU preset by name; `native` is the CPU wafer runs on,
    /// for the host's own ISA only.
    ///
    /// # Errors
    /// An unknown preset, or `native` for another ISA than the host's.
    pub fn set_cpu(&mut self, cpu: &str) -> Result<()> {
        if cpu == NATIVE_CPU {
            return self.set_native_cpu();
        }
        if !self.spec.cpu.contains_key(cpu) {
            let known: Vec<&str> = self.spec.cpu.keys().map(String::as_str).collect();
            let native = if Isa::host() == Some(self.isa) {
                ", native"
            } else {
                ""
            };
            bail!(
                "unknown CPU `{cpu}` for {}: expected one of {}{native}",
                self.isa,
                known.join(", ")
            );
        }
        self.cpu = cpu.to_string();
        Ok(())
    }

    /// Selects the features of the CPU wafer runs on as a preset named
    /// `native`, so the rest of wafer treats it like any other preset.
    fn set_native_cpu(&mut self) -> Result<()> {
        match Isa::host() {
            Some(host) if host == self.isa => {}
            Some(host) => bail!(
                "--cpu native means the CPU wafer runs on ({host}) and cannot generate {} code; \
                 pick one of the {} presets (see `wafer targets`)",
                self.isa,
                self.isa
            ),
            None => bail!("--cpu native: wafer does not generate code for this machine's ISA"),
        }
        let flags = super::host_cpu::native_flags().ok_or_else(|| {
            anyhow!(
                "--cpu native: this build of wafer cannot detect {} CPU features; pick a preset (see `wafer targets`)",
                self.isa
            )
        })?;
        let about = if flags.is_empty() {
            String::from("the CPU wafer runs on: no extension beyond the baseline")
        } else {
            format!("the CPU wafer runs on: {}", flags.join(", "))
        };
        self.spec.cpu.insert(
            NATIVE_CPU.to_string(),
            CpuPreset {
                about,
                flags,
                qemu_cpu: None,
            },
        );
        self.cpu = NATIVE_CPU.to_string();
        Ok(())
    }

    /// The Cranelift ISA flags of the selected CPU preset.
    pub fn cpu_flags(&self) -> &[String] {
        self.spec
            .cpu
            .get(&self.cpu)
            .map(|p| p.flags.as_slice())
            .unwrap_or(&[])
    }

    /// QEMU user mode's `-cpu` for the selected preset, if it needs one.
    pub fn qemu_cpu(&self) -> Option<&str> {
        self.spec.cpu.get(&self.cpu)?.qemu_cpu.as_deref()
    }

    /// Whether the selected preset has a vector unit Cranelift can use for
    /// SIMD. x86_64 (SSE2) and aarch64 (NEON) always have one; riscv64
    /// only with the V extension.
    pub fn has_vector_unit(&self) -> bool {
        self.isa != Isa::Riscv64 || self.cpu_flags().iter().any(|f| f == "has_v")
    }

    /// The presets of this ISA that add a vector unit, for error messages.
    pub fn vector_presets(&self) -> Vec<&str> {
        self.spec
            .cpu
            .iter()
            .filter(|(_, p)| p.flags.iter().any(|f| f == "has_v"))
            .map(|(name, _)| name.as_str())
            .collect()
    }
}
