//! Dispatch of each `wafer` command; the listing commands live here, the
//! building and running ones in `build.rs` and `run.rs`.

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::Command;
use super::build::{
    apply_codegen, build_image, check_build_request, compile, prepare, print_warnings,
};
use super::run::run_modules;
use crate::policy::ModuleSpec;
use crate::{Board, BoundsChecks, ImageMode, Isa, StackChecks, Target};

/// Runs one command.
pub fn run(command: Command) -> Result<ExitCode> {
    // Commands that make temporary files clean them up on every exit path.
    let _scratch = match command {
        Command::Compile { .. } | Command::Build { .. } | Command::Run { .. } => {
            crate::runner::signals::install()?;
            Some(crate::scratch::start()?)
        }
        _ => None,
    };
    match command {
        Command::Compile {
            input,
            target,
            codegen,
            policy,
            prefix,
            output,
            header,
        } => {
            let mut target = Target::parse(&target)?;
            apply_codegen(&mut target, &codegen)?;
            crate::output::check_parent_dir(&output)?;
            crate::output::check_not_an_input(&output, &[&input])?;
            super::runtime_cmd::check_header_path(header.as_deref(), &output, &input)?;
            // Firmware we do not control may have no MMU: explicit unless asked.
            let bounds = codegen.bounds_checks.unwrap_or(BoundsChecks::Explicit);
            // Nor may its stack have a guard: prologue checks unless asked.
            let stack = codegen.stack_checks.unwrap_or(StackChecks::Prologue);
            let module = compile(
                &input,
                target,
                prefix,
                (bounds, stack),
                &policy,
                &codegen.budget,
            )?;
            match header {
                Some(header) => {
                    super::runtime_cmd::write_object_and_header(&module, &input, &output, &header)?
                }
                None => crate::output::write_atomic(&output, &module.object)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            inputs,
            image,
            serve,
            format,
            output,
        } => {
            let specs: Vec<ModuleSpec> = inputs.iter().map(|i| ModuleSpec::parse(i)).collect();
            check_build_request(&specs, &image, format, &output)?;
            let mode = if serve {
                ImageMode::Server
            } else {
                ImageMode::Command
            };
            let (modules, mut options) = prepare(&specs, &image, mode)?;
            if !serve {
                options.entry_module = modules.entry(image.main.as_deref())?.unwrap_or(0);
            }
            build_image(&modules.modules, &options, format, &output)?;
            // Warnings only for an image that exists: a failed build says
            // one thing, its error.
            print_warnings(&modules, &options);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            input,
            image,
            invoke,
            serve,
            gdb,
            args,
        } => run_modules(input, args, &image, invoke, serve, gdb),
        Command::Runtime(args) => super::runtime_cmd::run(&args),
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
                let named = |name: &String| {
                    let preset = &target.spec.cpu[name];
                    match preset.feature_note() {
                        Some(note) => format!("{name} ({note})"),
                        None => name.clone(),
                    }
                };
                let mut cpus: Vec<String> = vec![format!("{} (default)", target.spec.default_cpu)];
                cpus.extend(
                    target
                        .spec
                        .cpu
                        .keys()
                        .filter(|c| **c != target.spec.default_cpu)
                        .map(named),
                );
                if Isa::host() == Some(isa) {
                    cpus.push(String::from("native (this machine's CPU)"));
                }
                println!("{:<8} cpus: {}", isa.name(), cpus.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Boards => {
            for name in Board::names() {
                let board = Board::by_name(&name)?;
                // Bare-metal boards: the cores Wasm threads run on.
                let cores = board
                    .bare
                    .as_ref()
                    .map_or(String::from("-"), |b| b.cores.to_string());
                println!(
                    "{:<14} {:<8} cores {:<2} {}",
                    board.name,
                    board.target.isa.name(),
                    cores,
                    board.about
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
