//! The implementation of each `wafer` command.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use wafer_abi::descriptor::ExternKind;
use wafer_abi::values::{ValType, split_signature};

use super::{Codegen, Command, ImageArgs};
use crate::emit::names::sanitize_identifier;
use crate::formats::Format;
use crate::{
    Board, CompileOptions, CompiledModule, ImageMode, ImageOptions, ImportBinding, Isa, Target,
    Value,
};

/// Runs one command.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Compile {
            input,
            target,
            codegen,
            prefix,
            output,
        } => {
            let mut target = Target::parse(&target)?;
            apply_codegen(&mut target, &codegen)?;
            crate::output::check_parent_dir(&output)?;
            let module = compile(&input, target, prefix)?;
            crate::output::write_atomic(&output, &module.object)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            input,
            image,
            format,
            output,
        } => {
            crate::output::check_parent_dir(&output)?;
            let (module, options) = prepare(&input, &image, ImageMode::Command)?;
            build_image(&module, &options, format, &output)?;
            // Warnings only for an image that exists: a failed build says
            // one thing, its error.
            print_warnings(&module, &options);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            input,
            image,
            invoke,
            gdb,
            args,
        } => run_module(&input, &image, invoke, gdb, args),
        Command::Size { image } => {
            let bytes = std::fs::read(&image)
                .with_context(|| format!("cannot read {}", image.display()))?;
            print!(
                "{}",
                crate::size::report(&bytes).with_context(|| format!("{}", image.display()))?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Targets => {
            for isa in Isa::ALL {
                let target = Target::new(isa)?;
                let mut cpus: Vec<String> = vec![format!("{} (default)", target.spec.default_cpu)];
                cpus.extend(
                    target
                        .spec
                        .cpu
                        .keys()
                        .filter(|c| **c != target.spec.default_cpu)
                        .cloned(),
                );
                println!("{:<8} cpus: {}", isa.name(), cpus.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Boards => {
            for name in Board::names() {
                let board = Board::by_name(&name)?;
                println!(
                    "{:<14} {:<8} {}",
                    board.name,
                    board.target.isa.name(),
                    board.about
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn apply_codegen(target: &mut Target, codegen: &Codegen) -> Result<()> {
    if let Some(cpu) = &codegen.cpu {
        target.set_cpu(cpu)?;
    }
    Ok(())
}

fn compile(input: &Path, target: Target, prefix: Option<String>) -> Result<CompiledModule> {
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
    };
    crate::compile(&wasm, &options).with_context(|| format!("cannot compile {}", input.display()))
}

/// Compiles `input` for the board in `image` and assembles image options.
fn prepare(
    input: &Path,
    image: &ImageArgs,
    mode: ImageMode,
) -> Result<(CompiledModule, ImageOptions)> {
    let mut board = Board::by_name(&image.board)?;
    apply_codegen(&mut board.target, &image.codegen)?;
    let module = compile(input, board.target.clone(), None)?;
    let mut options = ImageOptions::new(board);
    options.mode = mode;
    options.stack_size = image.stack_size;
    options.max_memory_pages = image.max_memory;
    options.link_objects = image.link.clone();
    options.args = image.baked_args.clone();
    options.env = image.baked_env.clone();
    Ok((module, options))
}

/// The module's exported function names, comma-separated, or `none`.
fn exported_functions(module: &CompiledModule) -> String {
    let functions: Vec<&str> = module
        .exports
        .iter()
        .filter(|e| e.kind == ExternKind::Func)
        .map(|e| e.name.as_str())
        .collect();
    if functions.is_empty() {
        "none".to_string()
    } else {
        functions.join(", ")
    }
}

fn has_start(module: &CompiledModule) -> bool {
    module
        .exports
        .iter()
        .any(|e| e.kind == ExternKind::Func && e.name == "_start")
}

/// Parses `--invoke` arguments against the export's signature.
fn invoke_mode(module: &CompiledModule, export: &str, args: &[String]) -> Result<ImageMode> {
    let found = module
        .exports
        .iter()
        .find(|e| e.kind == ExternKind::Func && e.name == export)
        .ok_or_else(|| {
            anyhow!(
                "the module exports no function `{export}`; its exported functions: {}",
                exported_functions(module)
            )
        })?;
    let (params, _) = split_signature(found.ty.as_bytes())
        .ok_or_else(|| anyhow!("BUG: bad signature {}", found.ty))?;
    let types: Vec<ValType> = params
        .iter()
        .map(|&l| ValType::from_letter(l).ok_or_else(|| anyhow!("BUG: bad type letter")))
        .collect::<Result<_>>()?;
    if types.len() != args.len() {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        bail!(
            "`{export}` takes {} argument(s) ({}), but {} were given",
            types.len(),
            names.join(", "),
            args.len()
        );
    }
    let values = args
        .iter()
        .zip(&types)
        .map(|(text, &ty)| Value::parse(text, ty))
        .collect::<Result<Vec<_>>>()?;
    Ok(ImageMode::Invoke {
        export: export.to_string(),
        args: values,
    })
}

/// Links `module` into an image at `output` in `format`.
fn build_image(
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
fn print_warnings(module: &CompiledModule, options: &ImageOptions) {
    if options.mode == ImageMode::Command && !has_start(module) {
        eprintln!(
            "warning: the module exports no `_start` function: the image instantiates it (data, start function) and exits 0"
        );
    }
    for warning in crate::board_check::warnings(std::slice::from_ref(module), options) {
        eprintln!("warning: {warning}");
    }
}

fn run_module(
    input: &Path,
    image: &ImageArgs,
    invoke: Option<String>,
    gdb: Option<u16>,
    args: Vec<String>,
) -> Result<ExitCode> {
    let (module, mut options) = prepare(input, image, ImageMode::Command)?;
    let mut module_args = match &invoke {
        Some(export) => {
            options.mode = invoke_mode(&module, export, &args)?;
            Vec::new()
        }
        None if !has_start(&module) => bail!(
            "the module exports no `_start` function, so running it would only instantiate it; call an export with --invoke NAME (its exported functions: {})",
            exported_functions(&module)
        ),
        None => args,
    };
    // A board has no command line: its arguments are part of the image.
    if options.board.bare.is_some() {
        options.args.append(&mut module_args);
    }
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    let exe = work.path().join(stem);
    crate::image::link(std::slice::from_ref(&module), &options, &exe)?;
    print_warnings(&module, &options);
    let mut command = match gdb {
        Some(port) => {
            let (command, gdb_line) = options.board.debug_command(&exe, port)?;
            eprintln!(
                "wafer: {} waits for gdb on localhost:{port}; in another terminal:\n  {gdb_line}",
                options.board.name
            );
            command
        }
        None => options.board.run_command(&exe)?,
    };
    let status = command
        .args(&module_args)
        .status()
        .with_context(|| format!("cannot run the image on {}", options.board.name))?;
    Ok(ExitCode::from(options.board.exit_code(status)?))
}
