//! The `wafer` command line: thin commands over the library.
//!
//! Every error ends as one `error: ...` line on stderr and exit code 1
//! (usage errors from clap: 2); output files are written atomically.

mod argv;
mod budget;
mod build;
mod commands;
mod dirs;
mod policy;
mod report;
mod run;
mod runtime_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

pub use policy::PolicyArgs;

/// WebAssembly ahead-of-time compiler for embedded and IoT hardware.
#[derive(Parser, Debug)]
#[command(name = "wafer", version, about, allow_negative_numbers = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a module to a relocatable ELF object for firmware you link yourself.
    Compile {
        /// The module: `.wasm` or `.wat`.
        input: PathBuf,
        /// Target ISA, optionally with a CPU preset: `aarch64`, `riscv64:rva22`.
        #[arg(long, short)]
        target: String,
        #[command(flatten)]
        codegen: Codegen,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Symbol prefix of the module (default: the input's file stem).
        #[arg(long)]
        prefix: Option<String>,
        /// Output object file.
        #[arg(long, short)]
        output: PathBuf,
        /// Also write the module's C header (typed exports, imports to
        /// define; see `wafer runtime` and docs/embedding.md).
        #[arg(long, value_name = "FILE")]
        header: Option<PathBuf>,
    },
    /// Write the runtime as a static library with a C API (`wafer_rt.h`)
    /// for firmware that links `wafer compile` objects itself.
    Runtime(runtime_cmd::RuntimeArgs),
    /// Build a module into an image for a board (a static Linux executable
    /// for the linux-* boards).
    Build {
        /// The modules: `.wasm` or `.wat` files, each named by its file stem
        /// or NAME=PATH; each is its own instance, and an import `a.f` of
        /// one is bound to the export `f` of the module named `a`.
        #[arg(required = true, value_name = "[NAME=]MODULE")]
        inputs: Vec<String>,
        #[command(flatten)]
        image: ImageArgs,
        /// Make an invoke server: the image instantiates every module, then
        /// answers `call MODULE.EXPORT ARGS` and `list` on its console
        /// (protocol: docs/serve.md).
        #[arg(long, conflicts_with = "main")]
        serve: bool,
        /// Output format: ELF, raw binary or Intel HEX (for flashing).
        #[arg(long, value_enum, default_value = "elf")]
        format: crate::formats::Format,
        /// Output image.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Build a module for a board and run it (natively or under QEMU).
    Run {
        /// The module: `.wasm` or `.wat`, or NAME=PATH; more modules may
        /// follow (as for `build`), then the arguments.
        #[arg(value_name = "[NAME=]MODULE")]
        input: String,
        #[command(flatten)]
        image: ImageArgs,
        /// Call this export instead of `_start`, with the arguments that
        /// follow the modules, and print its results; with several
        /// modules, MODULE.EXPORT.
        #[arg(long, value_name = "[MODULE.]EXPORT")]
        invoke: Option<String>,
        /// Run the image as an invoke server (as `build --serve`): requests
        /// from stdin, replies on stdout; end of input ends it.
        #[arg(long, conflicts_with_all = ["invoke", "main"])]
        serve: bool,
        /// Start QEMU's gdb server on PORT (default 1234) and wait for a
        /// debugger before the first instruction; prints the gdb command.
        #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "1234", require_equals = true)]
        gdb: Option<u16>,
        /// Arguments: for the module (after `--`; baked into the image on
        /// bare-metal boards), or for `--invoke`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show an image's flash and RAM use by section and by part.
    Size {
        /// An image built by `wafer build` (ELF).
        image: PathBuf,
    },
    /// List the target ISAs and their CPU presets.
    Targets,
    /// List the boards.
    Boards,
}

/// Code generation options.
#[derive(Args, Debug, Clone)]
pub struct Codegen {
    /// CPU preset of the target ISA (see `wafer targets`).
    #[arg(long)]
    pub cpu: Option<String>,
    /// Linear-memory bounds checks: `explicit` compares every access with
    /// the memory's length; `guard` has no check and relies on the MMU (the
    /// runtime reserves 8 GiB of address space per memory). Default: the
    /// board's (`guard` on Linux boards); `explicit` for `wafer compile`.
    #[arg(long, value_enum, value_name = "MODE")]
    pub bounds_checks: Option<crate::emit::BoundsChecks>,
    /// How recursion is kept within `--stack-size`: `prologue` compares
    /// the stack pointer with the limit in every function; `guard` has no
    /// check and relies on the inaccessible guard below the stack that the
    /// runtime of a Linux board maps. Default: the board's (`guard` on
    /// Linux boards, `prologue` on bare-metal ones); `prologue` for
    /// `wafer compile`, whose object may run on a stack with no guard.
    #[arg(long, value_enum, value_name = "MODE")]
    pub stack_checks: Option<crate::emit::StackChecks>,
    /// Code generation threads (default: `WAFER_JOBS`, else one per core);
    /// the output is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N", value_parser = crate::emit::parse_jobs)]
    pub jobs: Option<std::num::NonZeroUsize>,
    #[command(flatten)]
    pub budget: budget::BudgetArgs,
}

/// The smallest `--stack-size`: one page.
pub const MIN_STACK_SIZE: u64 = 4096;
/// The largest `--stack-size`: 1 GiB, far beyond any sane recursion and
/// still a mapping every 64-bit Linux grants (the runtime maps the stack
/// itself, see runtime-nostd/src/platform/linux/stack.rs); boards are
/// bounded further by their RAM.
pub const MAX_STACK_SIZE: u64 = 1 << 30;

/// Options for building an image.
#[derive(Args, Debug, Clone)]
pub struct ImageArgs {
    /// The board to build for (see `wafer boards`).
    #[arg(long, short, default_value = "host")]
    pub board: String,
    #[command(flatten)]
    pub codegen: Codegen,
    /// The module whose `_start` runs (default: the only module that
    /// exports one).
    #[arg(long, value_name = "NAME")]
    pub main: Option<String>,
    /// Native stack for Wasm code, in bytes, before `call stack exhausted`
    /// (4096 to 1073741824 = 1 GiB).
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 1 << 20,
        value_parser = clap::value_parser!(u64).range(MIN_STACK_SIZE..=MAX_STACK_SIZE)
    )]
    pub stack_size: u64,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Cap on every table, in elements: `table.grow` beyond it returns -1,
    /// and a module whose tables start larger is refused.
    #[arg(
        long,
        value_name = "ELEMENTS",
        default_value_t = crate::image::DEFAULT_MAX_TABLE_ELEMENTS,
        value_parser = clap::value_parser!(u64).range(0..=u32::MAX as u64)
    )]
    pub max_table_elements: u64,
    /// Object or archive providing statically bound imports (repeatable).
    #[arg(long, value_name = "FILE")]
    pub link: Vec<PathBuf>,
    /// WASI argument baked into the image, after argv[0] (repeatable).
    #[arg(
        long = "arg",
        id = "baked_arg",
        value_name = "ARG",
        allow_hyphen_values = true
    )]
    pub baked_args: Vec<String>,
    /// WASI environment variable baked into the image (repeatable).
    #[arg(long = "env", id = "baked_env", value_name = "KEY=VALUE", value_parser = parse_env_var)]
    pub baked_env: Vec<String>,
    /// Host directory preopened for WASI file access, seen by the program
    /// as GUEST (default: HOST as written); Linux boards open it when the
    /// image starts, bare-metal boards bake it read-only into flash
    /// (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = dirs::parse_dir)]
    pub dirs: Vec<dirs::Preopen>,
    /// As --dir, but on a bare-metal board the program may also change
    /// the baked tree during one boot (a RAM overlay of 64 KiB); preopened
    /// after every --dir (repeatable).
    #[arg(long = "dir-rw", value_name = "HOST[::GUEST]", value_parser = dirs::parse_dir)]
    pub dirs_rw: Vec<dirs::Preopen>,
}

/// Accepts `KEY=VALUE` with a non-empty key.
fn parse_env_var(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((key, _)) if !key.is_empty() => Ok(text.to_string()),
        _ => Err(format!("`{text}` is not of the form KEY=VALUE")),
    }
}

/// Runs the command line; the process exit code.
pub fn main() -> ExitCode {
    let args = argv::normalize(std::env::args_os().collect(), &Cli::command());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return report::parse_failure(&e),
    };
    report::run_reporting(|| commands::run(cli.command))
}
