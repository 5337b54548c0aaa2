//! `wafer runtime` (the runtime library and `wafer_rt.h`) and the
//! `--header` output of `wafer compile`: the two halves of embedding a
//! module in firmware wafer does not build (docs/embedding.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::config::{Board, Platform, Target};
use crate::embed::library::{API_HEADER, LibraryOptions, LibraryPlatform, runtime_library};
use crate::emit::CompiledModule;

/// Options of `wafer runtime`.
#[derive(Args, Debug, Clone)]
pub struct RuntimeArgs {
    /// Target ISA: `x86_64`, `aarch64`, `riscv64`.
    #[arg(long, short)]
    pub target: String,
    /// A bare-metal board: the library runs on bare metal and drives this
    /// board's console, exit device and timer (see `wafer boards`).
    #[arg(long, short)]
    pub board: Option<String>,
    /// `linux`, or `baremetal`: without --board, the firmware provides
    /// `wafer_platform_write`, `wafer_platform_exit` and
    /// `wafer_platform_monotonic_ns` (docs/embedding.md). Default: linux,
    /// baremetal with --board.
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,
    /// Native stack Wasm code may use, in bytes, below the stack pointer of
    /// the firmware's first `wafer_instance_new` (then `call stack
    /// exhausted`).
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 64 * 1024,
        value_parser = clap::value_parser!(u64).range(super::MIN_STACK_SIZE..=super::MAX_STACK_SIZE)
    )]
    pub stack_size: u64,
    /// Where to write `wafer_rt.h` (default: beside the library).
    #[arg(long, value_name = "FILE")]
    pub header: Option<PathBuf>,
    /// Output static library (`libwafer_rt.a`).
    #[arg(long, short)]
    pub output: PathBuf,
}

/// `--platform`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformArg {
    Linux,
    Baremetal,
}

/// Runs `wafer runtime`.
pub fn run(args: &RuntimeArgs) -> Result<ExitCode> {
    let target = Target::parse(&args.target)?;
    let platform = match (&args.board, args.platform) {
        (Some(_), Some(PlatformArg::Linux)) => {
            bail!("--board is a bare-metal board: it cannot go with --platform linux")
        }
        (None, None | Some(PlatformArg::Linux)) => LibraryPlatform::Linux,
        (None, Some(PlatformArg::Baremetal)) => LibraryPlatform::Firmware,
        (Some(name), _) => {
            let board = Board::by_name(name)?;
            if board.platform != Platform::Baremetal || board.bare.is_none() {
                bail!(
                    "board {name} is not a bare-metal board: without --board the library is the Linux platform"
                );
            }
            if board.target.isa != target.isa {
                bail!("board {name} is {}, not {}", board.target.isa, target.isa);
            }
            LibraryPlatform::Board(Box::new(board))
        }
    };
    let header = args
        .header
        .clone()
        .unwrap_or_else(|| beside(&args.output, "wafer_rt.h"));
    if same_path(&header, &args.output) {
        bail!(
            "the header {} would overwrite the library: choose another --header",
            header.display()
        );
    }
    let library = runtime_library(&LibraryOptions {
        target,
        platform,
        stack_size: args.stack_size,
    })?;
    write_both(
        (&args.output, &library, 0o644),
        (&header, API_HEADER.as_bytes()),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `name` in `path`'s directory.
fn beside(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

/// Whether two output paths name the same file (textually, after making
/// them absolute, or as the same existing file).
fn same_path(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return (a.dev(), a.ino()) == (b.dev(), b.ino());
    }
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Refuses a `--header` that is the object being written or the input.
pub fn check_header_path(header: Option<&Path>, output: &Path, input: &Path) -> Result<()> {
    let Some(header) = header else {
        return Ok(());
    };
    crate::output::check_parent_dir(header)?;
    if same_path(header, output) {
        bail!(
            "the header {} is the output object: choose another --header",
            header.display()
        );
    }
    if same_path(header, input) {
        bail!(
            "the header {} is the input {}: refusing to overwrite it; choose another --header",
            header.display(),
            input.display()
        );
    }
    Ok(())
}

/// Writes the object of `module` to `output` and its header to `header`.
pub fn write_object_and_header(
    module: &CompiledModule,
    input: &Path,
    output: &Path,
    header: &Path,
) -> Result<()> {
    let source = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = crate::embed::header::module_header(module, &source);
    write_both((output, &module.object, 0o644), (header, text.as_bytes()))
}

/// Writes two outputs so that an error leaves neither: both are written to
/// temporary files first, and only then renamed into place.
fn write_both(first: (&Path, &[u8], u32), second: (&Path, &[u8])) -> Result<()> {
    let mut a = crate::output::temp_beside(first.0)?;
    a.write_all(first.1)
        .with_context(|| format!("cannot write {}", first.0.display()))?;
    let mut b = crate::output::temp_beside(second.0)?;
    b.write_all(second.1)
        .with_context(|| format!("cannot write {}", second.0.display()))?;
    crate::output::persist(a, first.0, first.2)?;
    crate::output::persist(b, second.0, 0o644)
}
