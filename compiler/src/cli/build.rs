//! Compiling a module for a board and linking its image: `compile`,
//! `build`, and the first half of `run`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use wafer_abi::descriptor::ExternKind;

use super::policy::compile_with_policies;
use super::{Codegen, ImageArgs, PolicyArgs};
use crate::emit::names::sanitize_identifier;
use crate::formats::Format;
use crate::link_modules::LinkInput;
use crate::policy::{ModuleName, ModuleSpec};
use crate::{
    Board, BoundsChecks, CompileOptions, CompiledModule, ImageMode, ImageOptions, ImportBinding,
    StackChecks, Target,
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
    (bounds_checks, stack_checks): (BoundsChecks, StackChecks),
    policy: &PolicyArgs,
    budget: &super::budget::BudgetArgs,
) -> Result<CompiledModule> {
    let name = ModuleName::from_path(input);
    let budget = budget.policy(name.as_str(), &[name.as_str()])?;
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
        stack_checks,
        budget,
        exception_checks: false,
    };
    compile_with_policies(input, &wasm, &options, policy)
}

/// Checks a `wafer build` request before any work: the output's directory
/// exists, the output is none of the inputs (modules, `--link` objects), and
/// the format suits the board.
pub fn check_build_request(
    modules: &[ModuleSpec],
    image: &ImageArgs,
    format: Format,
    output: &Path,
) -> Result<()> {
    crate::output::check_parent_dir(output)?;
    let mut inputs: Vec<&Path> = modules.iter().map(|m| m.path.as_path()).collect();
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

/// The modules of an image, compiled, in instantiation order.
pub struct ImageModules {
    pub modules: Vec<CompiledModule>,
    pub names: Vec<ModuleName>,
}

impl ImageModules {
    /// The module named `name`, by index.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.as_str() == name)
    }

    /// The names, for messages: `` `a`, `b` ``.
    pub fn listed(&self) -> String {
        crate::policy::quoted(self.names.iter().map(ModuleName::as_str))
    }

    /// The module whose `_start` runs: `--main`, else the only module
    /// with a `_start`. `None` when no module has one (and no `--main`).
    ///
    /// # Errors
    /// An unknown `--main`, a `--main` without `_start`, or several
    /// modules with `_start` and no `--main`.
    pub fn entry(&self, main: Option<&str>) -> Result<Option<usize>> {
        if let Some(main) = main {
            let index = self.find(main).ok_or_else(|| {
                anyhow!(
                    "--main {main}: there is no module `{main}` (modules: {})",
                    self.listed()
                )
            })?;
            if !has_start(&self.modules[index]) {
                bail!("--main {main}: module `{main}` exports no `_start` function");
            }
            return Ok(Some(index));
        }
        let with_start: Vec<usize> = (0..self.modules.len())
            .filter(|&i| has_start(&self.modules[i]))
            .collect();
        match with_start.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            several => bail!(
                "several modules export `_start` ({}): choose the one to run with --main NAME",
                crate::policy::quoted(several.iter().map(|&i| self.names[i].as_str()))
            ),
        }
    }
}

/// Reads, checks, orders and compiles the modules of an image for `target`.
/// With several modules, imports from one module of the image to another
/// are checked and bound between them (`crate::link_modules`); everything
/// is checked before anything is compiled.
///
/// # Errors
/// Unreadable or invalid modules, bad names, policies naming no module,
/// imports between modules that do not match, violated policies.
pub fn compile_modules(
    specs: &[ModuleSpec],
    target: &Target,
    (bounds_checks, stack_checks): (BoundsChecks, StackChecks),
    policy: &PolicyArgs,
    budget: &super::budget::BudgetArgs,
) -> Result<ImageModules> {
    let names: Vec<&ModuleName> = specs.iter().map(|s| &s.name).collect();
    crate::link_modules::check_names(&names)?;
    let policies = policy.policies();
    policies.check_names(&specs.iter().map(|s| s.name.clone()).collect::<Vec<_>>())?;
    let known: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    let budgets = known
        .iter()
        .map(|name| budget.policy(name, &known))
        .collect::<Result<Vec<_>>>()?;
    let wasm: Vec<Vec<u8>> = specs
        .iter()
        .map(|s| crate::input::read_module(&s.path))
        .collect::<Result<_>>()?;
    let prefixes = unique_prefixes(&names)?;
    // One module links to nothing: its imports bind as they always have
    // (an import named after the module itself stays a C symbol).
    let (order, image_modules, exception_checks): (Vec<usize>, Vec<&str>, bool) =
        if specs.len() == 1 {
            (vec![0], Vec::new(), false)
        } else {
            let infos: Vec<crate::module_info::ModuleInfo<'_>> = specs
                .iter()
                .zip(&wasm)
                .map(|(s, w)| {
                    crate::module_info::parse(w)
                        .with_context(|| format!("cannot compile {}", s.path.display()))
                })
                .collect::<Result<_>>()?;
            let inputs: Vec<LinkInput<'_>> = specs
                .iter()
                .zip(&infos)
                .map(|(s, info)| LinkInput {
                    name: &s.name,
                    info,
                })
                .collect();
            let order = crate::link_modules::plan(&inputs)?;
            // An exception may pass through any module's frames once one
            // module throws or catches: then every module checks after calls.
            let mut any_exceptions = false;
            for info in &infos {
                any_exceptions |= crate::translate::exceptions::uses_exceptions(info)?;
            }
            (
                order,
                names.iter().map(|n| n.as_str()).collect(),
                any_exceptions,
            )
        };
    let mut modules = Vec::with_capacity(specs.len());
    for &i in &order {
        let spec = &specs[i];
        let options = CompileOptions {
            target: target.clone(),
            prefix: prefixes[i].clone(),
            imports: ImportBinding::Static,
            bounds_checks,
            stack_checks,
            budget: budgets[i],
            exception_checks,
        };
        let cap = policies.for_module(&spec.name).max_memory_pages();
        let module = crate::emit::compile_linked(&wasm[i], &options, cap, &image_modules)
            .with_context(|| format!("cannot compile {}", spec.path.display()))?;
        modules.push(module);
    }
    let names: Vec<ModuleName> = order.iter().map(|&i| specs[i].name.clone()).collect();
    let pairs: Vec<(&ModuleName, &CompiledModule)> = names.iter().zip(&modules).collect();
    policies.check(&pairs)?;
    Ok(ImageModules { modules, names })
}

/// The symbol prefix of each module: its name made a C identifier. Two
/// names that become the same identifier (`a-b`, `a_b`) would define the
/// same symbols.
fn unique_prefixes(names: &[&ModuleName]) -> Result<Vec<String>> {
    let prefixes: Vec<String> = names
        .iter()
        .map(|n| sanitize_identifier(n.as_str()))
        .collect();
    for (i, prefix) in prefixes.iter().enumerate() {
        if let Some(j) = prefixes[..i].iter().position(|p| p == prefix) {
            bail!(
                "modules `{}` and `{}` would both have the symbol prefix `{prefix}`; rename one with NAME=PATH",
                names[j],
                names[i]
            );
        }
    }
    Ok(prefixes)
}

/// Compiles the modules for the board in `image` and assembles image
/// options. The entry module is the first; callers choose it
/// ([`ImageModules::entry`], or `--invoke`'s module).
pub fn prepare(
    specs: &[ModuleSpec],
    image: &ImageArgs,
    mode: ImageMode,
) -> Result<(ImageModules, ImageOptions)> {
    let mut board = Board::by_name(&image.board)?;
    let preopens = super::dirs::check(&board, &image.dirs, &image.dirs_rw)?;
    apply_codegen(&mut board.target, &image.codegen)?;
    let bounds_checks = board.bounds_checks(image.codegen.bounds_checks)?;
    let stack_checks = board.stack_checks(image.codegen.stack_checks)?;
    let modules = compile_modules(
        specs,
        &board.target,
        (bounds_checks, stack_checks),
        &image.policy,
        &image.codegen.budget,
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
    options.preopens = preopens.opened;
    options.file_trees = preopens.baked;
    options.module_names = modules.names.iter().map(|n| n.to_string()).collect();
    Ok((modules, options))
}

pub fn has_start(module: &CompiledModule) -> bool {
    module
        .exports
        .iter()
        .any(|e| e.kind == ExternKind::Func && e.name == "_start")
}

/// Links `modules` into an image at `output` in `format`.
pub fn build_image(
    modules: &[CompiledModule],
    options: &ImageOptions,
    format: Format,
    output: &Path,
) -> Result<()> {
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
pub fn print_warnings(modules: &ImageModules, options: &ImageOptions) {
    let entry = &modules.modules[options.entry_module];
    if options.mode == ImageMode::Command && !has_start(entry) {
        if modules.modules.len() == 1 {
            eprintln!(
                "warning: the module exports no `_start` function: the image instantiates it (data, start function) and exits 0"
            );
        } else {
            eprintln!(
                "warning: no module exports a `_start` function: the image instantiates them (data, start functions) and exits 0"
            );
        }
    }
    for warning in crate::board_check::warnings(&modules.modules, options) {
        eprintln!("warning: {warning}");
    }
}
