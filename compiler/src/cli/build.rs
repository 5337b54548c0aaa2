//! Compiling a module for a board and linking its image: `compile`,
//! `build`, and the first half of `run`.

use std::path::Path;

use anyhow::{Context, Result};
use wafer_abi::descriptor::ExternKind;

use super::policy::compile_with_policies;
use super::{Codegen, ImageArgs, PolicyArgs};
use crate::emit::names::sanitize_identifier;
use crate::formats::Format;
use crate::{
    Board, BoundsChecks, CompileOptions, CompiledModule, ImageMode, ImageOptions, ImportBinding,
    Target,
};

pub fn apply_codegen(target: &mut Target, codegen: &Codegen) -> Result<()> {
    if let Some(cpu) = &codegen.cpu {
        target.set_cpu(cpu)?;
    }
    if let Some(jobs) = codegen.jobs {
        crate::emit::set_default_jobs(jobs);
    }
    Ok(())
}

pub fn compile(
    input: &Path,
    target: Target,
    prefix: Option<String>,
    bounds_checks: BoundsChecks,
    policy: &PolicyArgs,
) -> Result<CompiledModule> {
    let wasm = crate::input::read_module(input)?;
    let prefix = prefix.unwrap_or_else(|| {
        let stem = input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        sanitize_identifier(&stem)
    });
    let options = CompileOptions {
        target,
        prefix,
        imports: ImportBinding::Static,
        bounds_checks,
    };
    compile_with_policies(input, &wasm, &options, policy)
}

/// Checks a `wafer build` request before any work: the output's directory
/// exists, the output is none of the inputs (module, `--link` objects), and
/// the format suits the board.
pub fn check_build_request(
    input: &Path,
    image: &ImageArgs,
    format: Format,
    output: &Path,
) -> Result<()> {
    crate::output::check_parent_dir(output)?;
    let mut inputs: Vec<&Path> = vec![input];
    inputs.extend(image.link.iter().map(|p| p.as_path()));
    crate::output::check_not_an_input(output, &inputs)?;
    let board = Board::by_name(&image.board)?;
    if board.bare.is_none() && format != Format::Elf {
        let name = match format {
            Format::Bin => "bin",
            _ => "hex",
        };
        anyhow::bail!(
            "--format {name} is for flashing bare-metal boards; {} is a Linux board, whose image is an ELF executable (use --format elf, or a bare-metal board from `wafer boards`)",
            board.name
        );
    }
    Ok(())
}

/// Compiles `input` for the board in `image` and assembles image options.
pub fn prepare(
    input: &Path,
    image: &ImageArgs,
    mode: ImageMode,
) -> Result<(CompiledModule, ImageOptions)> {
    let mut board = Board::by_name(&image.board)?;
    apply_codegen(&mut board.target, &image.codegen)?;
    let bounds_checks = board.bounds_checks(image.codegen.bounds_checks)?;
    let module = compile(
        input,
        board.target.clone(),
        None,
        bounds_checks,
        &image.policy,
    )?;
    let mut options = ImageOptions::new(board);
    options.mode = mode;
    options.stack_size = image.stack_size;
    // `--max-memory` is in each module's descriptor; the manifest's cap
    // stays the board's bound.
    options.max_table_elements = image.max_table_elements;
    options.link_objects = image.link.clone();
    options.args = image.baked_args.clone();
    options.env = image.baked_env.clone();
    Ok((module, options))
}

pub fn has_start(module: &CompiledModule) -> bool {
    module
        .exports
        .iter()
        .any(|e| e.kind == ExternKind::Func && e.name == "_start")
}

/// Links `module` into an image at `output` in `format`.
pub fn build_image(
    module: &CompiledModule,
    options: &ImageOptions,
    format: Format,
    output: &Path,
) -> Result<()> {
    let modules = std::slice::from_ref(module);
    if format == Format::Elf {
        return crate::image::link(modules, options, output);
    }
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let elf = work.path().join("image.elf");
    crate::image::link(modules, options, &elf)?;
    let elf = std::fs::read(&elf).context("cannot read the linked image")?;
    let bytes = match format {
        Format::Bin => crate::formats::to_binary(&elf)?,
        _ => crate::formats::to_intel_hex(&elf)?.into_bytes(),
    };
    crate::output::write_atomic(output, &bytes)
}

/// `warning:` lines on stderr for what the board cannot provide.
pub fn print_warnings(module: &CompiledModule, options: &ImageOptions) {
    if options.mode == ImageMode::Command && !has_start(module) {
        eprintln!(
            "warning: the module exports no `_start` function: the image instantiates it (data, start function) and exits 0"
        );
    }
    for warning in crate::board_check::warnings(std::slice::from_ref(module), options) {
        eprintln!("warning: {warning}");
    }
}
