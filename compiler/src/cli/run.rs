//! `wafer run`: build for the board, then run under the right runner, with
//! `--invoke` arguments parsed against the export's signature.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use wafer_abi::descriptor::ExternKind;
use wafer_abi::values::{ValType, split_signature};

use super::ImageArgs;
use super::build::{ImageModules, prepare, print_warnings};
use crate::policy::{ModuleName, ModuleSpec};
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

/// Parses `--invoke` arguments against the export's signature; `name` is
/// the module's, for messages in images of several modules.
fn invoke_mode(
    module: &CompiledModule,
    name: Option<&ModuleName>,
    export: &str,
    args: &[String],
) -> Result<ImageMode> {
    let found = module
        .exports
        .iter()
        .find(|e| e.kind == ExternKind::Func && e.name == export)
        .ok_or_else(|| {
            let whose = match name {
                Some(name) => format!("module `{name}`"),
                None => "the module".to_string(),
            };
            anyhow!(
                "{whose} exports no function `{export}`; its exported functions: {}",
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

/// Which module `--invoke TARGET` calls, and the export's name:
/// `module.export` when the text before a `.` names a module of the image
/// (the longest such name: modules may have `.` in their names), else (one
/// module only) the whole text is the export.
fn invoke_target<'a>(modules: &ImageModules, target: &'a str) -> Result<(usize, &'a str)> {
    let split = target.match_indices('.').rev().find_map(|(dot, _)| {
        let index = modules.find(&target[..dot])?;
        Some((index, &target[dot + 1..]))
    });
    if let Some(found) = split {
        return Ok(found);
    }
    if modules.modules.len() == 1 {
        return Ok((0, target));
    }
    match target.split_once('.') {
        Some((module, _)) => bail!(
            "--invoke {target}: there is no module `{module}` (modules: {})",
            modules.listed()
        ),
        None => bail!(
            "--invoke {target}: the image has several modules; write --invoke MODULE.EXPORT (modules: {})",
            modules.listed()
        ),
    }
}

/// Splits `run`'s positionals into module specs and the arguments after
/// them: the first positional is a module, and so is each following one
/// that names a `.wasm`/`.wat` file, until the first that does not or a
/// `--`. `cli::argv` keeps the user's own `--` as the first `--` among
/// the positionals; it is dropped here, so everything after it is an
/// argument, verbatim.
fn split_modules(first: String, rest: Vec<String>) -> (Vec<ModuleSpec>, Vec<String>) {
    let mut modules = vec![ModuleSpec::parse(&first)];
    let mut rest = rest.into_iter().peekable();
    while let Some(arg) = rest.next_if(|a| a != "--" && names_a_module_file(a)) {
        modules.push(ModuleSpec::parse(&arg));
    }
    let mut args: Vec<String> = Vec::new();
    let mut separator_seen = false;
    for arg in rest {
        if arg == "--" && !separator_seen {
            separator_seen = true;
            continue;
        }
        args.push(arg);
    }
    (modules, args)
}

/// `app.wasm`, `dir/app.wat`, `name=app.wasm`.
fn names_a_module_file(arg: &str) -> bool {
    let path = ModuleSpec::parse(arg).path;
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wasm") || e.eq_ignore_ascii_case("wat"))
}

pub fn run_modules(
    first: String,
    rest: Vec<String>,
    image: &ImageArgs,
    invoke: Option<String>,
    serve: bool,
    gdb: Option<u16>,
) -> Result<ExitCode> {
    let (specs, args) = split_modules(first, rest);
    let (modules, mut options) = prepare(&specs, image, ImageMode::Command)?;
    let mut module_args = match &invoke {
        // Requests come from stdin; clap keeps --invoke and --main away.
        _ if serve => {
            if let Some(arg) = args.first() {
                bail!(
                    "--serve takes no arguments after the modules (`{arg}` given): requests come from stdin, e.g. `call MODULE.EXPORT ARGS`"
                );
            }
            options.mode = ImageMode::Server;
            Vec::new()
        }
        Some(target) => {
            if image.main.is_some() {
                bail!(
                    "--main chooses whose `_start` runs; with --invoke MODULE.EXPORT it is not used: give one of them"
                );
            }
            let (index, export) = invoke_target(&modules, target)?;
            let name = (modules.modules.len() > 1).then(|| &modules.names[index]);
            options.mode = invoke_mode(&modules.modules[index], name, export, &args)?;
            options.entry_module = index;
            Vec::new()
        }
        None => match modules.entry(image.main.as_deref())? {
            Some(entry) => {
                options.entry_module = entry;
                args
            }
            None => {
                if modules.modules.len() == 1 {
                    bail!(
                        "the module exports no `_start` function, so running it would only instantiate it; call an export with --invoke NAME (its exported functions: {})",
                        exported_functions(&modules.modules[0])
                    )
                }
                bail!(
                    "no module exports a `_start` function, so running them would only instantiate them; call an export with --invoke MODULE.EXPORT (modules: {})",
                    modules.listed()
                )
            }
        },
    };
    // A board has no command line: its arguments are part of the image.
    if options.board.bare.is_some() {
        options.args.append(&mut module_args);
    }
    options.console_framing = options.board.bare.is_some();
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    // The entry module's name: the program's argv[0], and the image's file
    // name for a debugger.
    let stem = match modules.names[options.entry_module].as_str() {
        "" => "app".to_string(),
        name => name.to_string(),
    };
    let exe = work.path().join(&stem);
    crate::image::link(&modules.modules, &options, &exe)?;
    print_warnings(&modules, &options);
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
    // A board's one console carries stdout, stderr and stdin, framed (the
    // flag is in the image; `wafer build` leaves it off).
    let framed_console = options.console_framing;
    let status = crate::runner::run_image(&mut command, image, framed_console)
        .with_context(|| format!("cannot run the image on {}", options.board.name))?;
    if let Some(signal) = crate::runner::signals::received() {
        return Ok(ExitCode::from(128 + signal as u8));
    }
    Ok(ExitCode::from(options.board.exit_code(status)?))
}
