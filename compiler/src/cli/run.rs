//! `wafer run`: build for the board, then run under the right runner, with
//! `--invoke` arguments parsed against the export's signature.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use wafer_abi::descriptor::ExternKind;
use wafer_abi::values::{ValType, split_signature};

use super::ImageArgs;
use super::build::{has_start, prepare, print_warnings};
use crate::runner::child::ImageFile;
use crate::{CompiledModule, ImageMode, Value};

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

pub fn run_module(
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
    let exe = work.path().join(&stem);
    crate::image::link(std::slice::from_ref(&module), &options, &exe)?;
    print_warnings(&module, &options);
    // A debugger reads the image's symbols from disk; otherwise the image
    // runs from memory and no temporary file outlives this point, even if
    // wafer is killed with SIGKILL.
    let image = match gdb {
        Some(_) => ImageFile::on_disk(&exe),
        None => {
            let image = ImageFile::in_memory(&exe)?;
            drop(work);
            crate::scratch::release();
            image
        }
    };
    let mut command = match gdb {
        Some(port) => {
            let (command, gdb_line) = options.board.debug_command(image.path(), port)?;
            eprintln!(
                "wafer: {} waits for gdb on localhost:{port}; in another terminal:\n  {gdb_line}",
                options.board.name
            );
            command
        }
        // The program sees its module's name as argv[0], not the memory
        // file's path.
        None => options
            .board
            .run_command_named(image.path(), stem.as_ref())?,
    };
    command.args(&module_args);
    // A board's console carries the runtime's diagnostics too.
    let split_console = options.board.bare.is_some();
    let status = crate::runner::run_image(&mut command, image, split_console)
        .with_context(|| format!("cannot run the image on {}", options.board.name))?;
    if let Some(signal) = crate::runner::signals::received() {
        return Ok(ExitCode::from(128 + signal as u8));
    }
    Ok(ExitCode::from(options.board.exit_code(status)?))
}
