//! Images: compiled modules + a generated manifest + the runtime archive,
//! linked by lld into a static executable (Linux) or firmware (boards).

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use cranelift_module::{Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use object::{Object, ObjectSymbol};
use wafer_abi::descriptor::{ExternKind, IMAGE_MANIFEST_SYMBOL, ImageManifest};

use crate::config::Board;
use crate::emit::data::DataWriter;
use crate::emit::{BoundsChecks, CompiledModule, StackChecks, isa};
use crate::linker::Lld;
use crate::value::Value;

/// What the image does when it starts (see `wafer_abi::descriptor::ImageMode`).
#[derive(Clone, Debug, PartialEq)]
pub enum ImageMode {
    /// Run the module as a WASI command (`_start`).
    Command,
    /// Call one export with baked-in arguments and print the results.
    Invoke { export: String, args: Vec<Value> },
    /// Answer the serving protocol (spec harness).
    Serve,
    /// Instantiate every module, then answer the public invoke protocol
    /// (`--serve`, docs/serve.md).
    Server,
}

impl ImageMode {
    fn abi(&self) -> wafer_abi::descriptor::ImageMode {
        use wafer_abi::descriptor::ImageMode as Abi;
        match self {
            ImageMode::Command => Abi::Command,
            ImageMode::Invoke { .. } => Abi::Invoke,
            ImageMode::Serve => Abi::Serve,
            ImageMode::Server => Abi::Server,
        }
    }

    /// The runtime entry point for this mode; the others are left out of
    /// the image by `--gc-sections`.
    fn main_symbol(&self) -> &'static str {
        match self {
            ImageMode::Command => "wafer_main_command",
            ImageMode::Invoke { .. } => "wafer_main_invoke",
            ImageMode::Serve => "wafer_main_serve",
            ImageMode::Server => "wafer_main_server",
        }
    }
}

/// The default cap on every table: 2^20 elements (8 MiB of 64-bit
/// references), far beyond what compilers emit (a few thousand entries for
/// large C++ programs), small enough that a runaway `table.grow` loop ends
/// in -1 long before it exhausts a host or a board.
pub const DEFAULT_MAX_TABLE_ELEMENTS: u64 = 1 << 20;

/// How to build an image.
#[derive(Clone, Debug)]
pub struct ImageOptions {
    pub board: Board,
    pub mode: ImageMode,
    /// Native stack compiled code may use before `call stack exhausted`.
    pub stack_size: u64,
    /// Cap on every linear memory, in 64 KiB pages.
    pub max_memory_pages: u64,
    /// Cap on every table, in elements.
    pub max_table_elements: u64,
    /// WASI arguments baked into the image (after argv[0]).
    pub args: Vec<String>,
    /// WASI environment baked into the image (`KEY=VALUE`).
    pub env: Vec<String>,
    /// Extra objects/archives to link (providers of static imports).
    pub link_objects: Vec<PathBuf>,
    /// The name of each module, in the order given to [`link`]: other
    /// modules import from it by this name. Empty: each module's prefix.
    pub module_names: Vec<String>,
    /// Preopened directories (Linux boards): (host path, guest name).
    pub preopens: Vec<(String, String)>,
    /// Preopened directories (bare-metal boards): (file tree in the
    /// `wafer_abi::file_tree` format, guest name), linked into flash.
    pub file_trees: Vec<(Vec<u8>, String)>,
    /// Index of the module whose `_start` (command) or export (invoke)
    /// runs.
    pub entry_module: usize,
    /// Bare-metal boards: frame the console so that `wafer run` can tell
    /// stdout, stderr and the end of stdin apart (`wafer_abi::console`).
    /// Only `wafer run` sets it: a flashed image writes plain text and
    /// does not carry the framing code.
    pub console_framing: bool,
}

impl ImageOptions {
    /// Defaults for `board`: command mode, 1 MiB of wasm stack, memories
    /// capped at 4 GiB (65536 pages), tables at
    /// [`DEFAULT_MAX_TABLE_ELEMENTS`].
    pub fn new(board: Board) -> ImageOptions {
        ImageOptions {
            board,
            mode: ImageMode::Command,
            stack_size: 1 << 20,
            max_memory_pages: wafer_abi::MAX_WASM_PAGES,
            max_table_elements: DEFAULT_MAX_TABLE_ELEMENTS,
            args: Vec::new(),
            env: Vec::new(),
            link_objects: Vec::new(),
            module_names: Vec::new(),
            preopens: Vec::new(),
            file_trees: Vec::new(),
            entry_module: 0,
            console_framing: false,
        }
    }
}

/// Links `modules` (in instantiation order) into an image at `output`,
/// written atomically.
///
/// # Errors
/// Modules for another ISA than the board's, unresolved static imports
/// (named), a missing linker, link failures.
pub fn link(modules: &[CompiledModule], options: &ImageOptions, output: &Path) -> Result<()> {
    let board = &options.board;
    for m in modules {
        if m.target.isa != board.target.isa {
            bail!(
                "module `{}` was compiled for {}, but board {} is {}",
                m.prefix,
                m.target.isa,
                board.name,
                board.target.isa
            );
        }
    }
    crate::wasi_threads::check_board(modules, board)?;
    check_static_imports(
        modules,
        &options.link_objects,
        &module_names(modules, options),
    )?;
    if options.mode != ImageMode::Serve {
        crate::import_check::check_imports(modules, &module_names(modules, options))?;
    }
    crate::board_check::check_memory(modules, options)?;
    crate::board_check::check_cpu(options)?;
    let lld = Lld::find()?;
    crate::output::check_parent_dir(output)?;

    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut args: Vec<OsString> = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let path = work.path().join(format!("module{i}.o"));
        std::fs::write(&path, &m.object).context("cannot write a temporary object")?;
        args.push(path.into());
    }
    let manifest = work.path().join("manifest.o");
    std::fs::write(&manifest, manifest_object(modules, options)?)
        .context("cannot write a temporary object")?;
    args.push(manifest.into());
    args.extend(
        options
            .link_objects
            .iter()
            .map(|p| p.clone().into_os_string()),
    );
    let runtime = work.path().join("libwafer_rt.a");
    let archive = crate::runtime_lib::runtime_archive(board.target.isa, board.platform)?;
    std::fs::write(&runtime, archive).context("cannot write the runtime archive")?;
    args.push(runtime.into());
    if let Some(bare) = &board.bare {
        let script = work.path().join("link.ld");
        std::fs::write(
            &script,
            crate::baremetal::linker_script(
                &board.name,
                board.target.isa,
                bare,
                options.stack_size,
                &options.mode,
            )?,
        )
        .context("cannot write the linker script")?;
        args.push("-T".into());
        args.push(script.into());
    }

    let tmp = crate::output::temp_beside(output)?;
    let main = options.mode.main_symbol();
    if board.bare.is_none() {
        args.push("-static".into());
    }
    for flag in [
        "-nostdlib",
        "--gc-sections",
        "--no-undefined",
        "--build-id=none",
        // The precompiled `core` inside the runtime carries DWARF for Rust's
        // sources; it is 10x the size of the code. Symbols stay, so `nm` and
        // backtraces still speak Wasm.
        "--strip-debug",
        "-z",
        "noexecstack",
        "-e",
        "_start",
    ] {
        args.push(flag.into());
    }
    args.push(format!("--undefined={main}").into());
    args.push(format!("--defsym=wafer_main={main}").into());
    if options.mode != ImageMode::Serve {
        let instantiate = module_instantiation(modules, options);
        args.push(format!("--undefined={instantiate}").into());
        args.push(format!("--defsym={INSTANTIATE_MODULES_SYMBOL}={instantiate}").into());
    }
    args.extend(
        baked_file_symbols(modules, options)
            .into_iter()
            .map(Into::into),
    );
    let reserve = memory_reservation(modules, &options.mode);
    args.push(format!("--undefined={reserve}").into());
    args.push(format!("--defsym={RESERVE_MEMORY_SYMBOL}={reserve}").into());
    args.push("-o".into());
    args.push(tmp.path().into());
    lld.link(&args).map_err(|e| {
        let overflow = e
            .downcast_ref::<crate::linker::LinkFailed>()
            .and_then(|failed| crate::board_check::explain_link_overflow(&failed.stderr, options));
        match overflow {
            Some(message) => anyhow!(message),
            None => e,
        }
    })?;
    // Executable: Linux images run as they are, and a bare-metal ELF is a
    // program too (QEMU's -kernel, debuggers).
    crate::output::persist(tmp, output, 0o755)
}

/// With baked file trees (`--dir` on a bare-metal board): `--defsym`s that
/// bind the console's hooks and each file function a module imports to the
/// runtime's baked backend instead of its `EBADF` answers, so an image
/// without `--dir` links none of it (see runtime-nostd/src/host/fs/).
fn baked_file_symbols(modules: &[CompiledModule], options: &ImageOptions) -> Vec<String> {
    use wafer_abi::file_tree::{CONSOLE_HOOKS, FUNCTIONS, POLL_HOOK};
    if options.file_trees.is_empty() {
        return Vec::new();
    }
    let imported = |name: &str| {
        modules
            .iter()
            .flat_map(|m| &m.imports)
            .any(|i| i.module == wafer_abi::wasi::MODULE && i.field == name && i.symbol.is_some())
    };
    // Hook `op` serves preview1 `fd_<op>` on fds above 2.
    let mut args: Vec<String> = CONSOLE_HOOKS
        .iter()
        .filter(|op| imported(&format!("fd_{op}")))
        .map(|op| format!("--defsym=wafer_fs_{op}=wafer_baked_fs_{op}"))
        .collect();
    for name in FUNCTIONS.iter().filter(|n| imported(n)) {
        args.push(format!("--defsym=wafer_wasi_{name}=wafer_baked_{name}"));
    }
    if imported("poll_oneoff") {
        args.push(format!(
            "--defsym=wafer_fs_{POLL_HOOK}=wafer_baked_fs_{POLL_HOOK}"
        ));
    }
    args
}

/// The runtime's entry for reserving a module's linear memory, which the
/// linker points at one of [`memory_reservation`]'s choices.
const RESERVE_MEMORY_SYMBOL: &str = "wafer_reserve_linear_memory";

/// The runtime function that reserves linear memories in this image: guard
/// windows only, plain reservations only, or either per module. Linking
/// only the one the modules need keeps the other (and its messages) out of
/// the image: on boards this is several hundred bytes of flash. Serving
/// images take either, as the spec harness mixes modes and host memories.
///
/// A guard-mode module's 64-bit memories and memories of 1-byte pages are
/// checked in the code and reserved without a window
/// (`MemoryShape::always_checked`), so such a module needs either.
fn memory_reservation(modules: &[CompiledModule], mode: &ImageMode) -> &'static str {
    let guarded = |m: &CompiledModule| m.bounds_checks == BoundsChecks::Guard;
    let windowed_only = |m: &CompiledModule| {
        guarded(m)
            && m.memories
                .iter()
                .all(|memory| !memory.memory64 && memory.page_size_log2 == 16)
    };
    if *mode == ImageMode::Serve {
        "wafer_reserve_memory_either"
    } else if modules.iter().all(windowed_only) {
        "wafer_reserve_memory_guarded"
    } else if !modules.iter().any(guarded) {
        "wafer_reserve_memory_explicit"
    } else {
        "wafer_reserve_memory_either"
    }
}

/// How the image's code checks the stack, which tells the runtime where to
/// put the stack's guard: guard checks when any module relies on the guard
/// (a prologue-checked module then shares the budget with no host reserve
/// below it, which only makes a host call at the edge trap sooner). Refused
/// on boards whose runtime maps no stack guard.
fn image_stack_checks(modules: &[CompiledModule], options: &ImageOptions) -> Result<StackChecks> {
    let Some(module) = modules
        .iter()
        .find(|m| m.stack_checks == StackChecks::Guard)
    else {
        return Ok(StackChecks::Prologue);
    };
    if options.board.bare.is_some() {
        bail!(
            "module {} was compiled with `--stack-checks guard`, which needs the stack guard of a Linux board; board {} checks the stack in every prologue (`--stack-checks prologue`)",
            module.prefix,
            options.board.name
        );
    }
    Ok(StackChecks::Guard)
}

/// The runtime's entry for instantiating the modules of a command or
/// invoke image, which the linker points at one of
/// [`module_instantiation`]'s choices.
const INSTANTIATE_MODULES_SYMBOL: &str = "wafer_instantiate_modules";

/// The runtime function that instantiates the modules: one that binds
/// imports between modules by name when some module imports from another,
/// else one without any lookup by name (smaller: hello carries none).
fn module_instantiation(modules: &[CompiledModule], options: &ImageOptions) -> &'static str {
    if links_modules(modules, options) {
        "wafer_instantiate_linked"
    } else {
        "wafer_instantiate_unlinked"
    }
}

/// Whether some module imports from another module of the image, or a
/// shared memory no module provides, which the runtime creates when it
/// binds imports (wasi-threads' `env.memory`, docs/threads.md).
fn links_modules(modules: &[CompiledModule], options: &ImageOptions) -> bool {
    let names = module_names(modules, options);
    let runtime_memory =
        |i: &crate::emit::ImportSummary| i.kind == ExternKind::Memory && i.ty == "s";
    modules
        .iter()
        .flat_map(|m| &m.imports)
        .any(|i| i.symbol.is_none() && (names.contains(&i.module.as_str()) || runtime_memory(i)))
}

/// The image's name of each module: `options.module_names`, or each
/// module's prefix when none were given.
fn module_names<'a>(modules: &'a [CompiledModule], options: &'a ImageOptions) -> Vec<&'a str> {
    if options.module_names.len() == modules.len() {
        options.module_names.iter().map(String::as_str).collect()
    } else {
        modules.iter().map(|m| m.prefix.as_str()).collect()
    }
}

/// Every statically bound import must be defined by one of `objects`.
fn check_static_imports(
    modules: &[CompiledModule],
    objects: &[PathBuf],
    names: &[&str],
) -> Result<()> {
    let wanted: Vec<_> = modules
        .iter()
        .flat_map(|m| m.imports.iter().map(move |i| (m, i)))
        // WASI's symbols and `env.abort`'s are the runtime's own.
        .filter(|(_, i)| {
            i.symbol
                .as_deref()
                .is_some_and(|s| !crate::emit::names::is_runtime_import_symbol(s))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let defined = defined_symbols(objects)?;
    for (module, import) in wanted {
        let symbol = import.symbol.as_deref().unwrap_or_default();
        if !defined.contains(symbol) {
            // In an image of several modules, a misnamed module is the
            // likelier mistake.
            let modules_hint = if names.len() > 1 {
                format!(
                    " (or name a module of the image `{}`; its modules: {})",
                    import.module,
                    crate::policy::quoted(names.iter().copied())
                )
            } else {
                String::new()
            };
            bail!(
                "module `{}` imports `{}.{}` (func {}), which nothing provides: wafer's runtime provides only wasi_snapshot_preview1; link an object or archive defining the C symbol `{symbol}` with --link{modules_hint}",
                module.prefix,
                import.module,
                import.field,
                import.ty
            );
        }
    }
    Ok(())
}

/// Global symbols defined by ELF objects or archives of objects.
fn defined_symbols(paths: &[PathBuf]) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    for path in paths {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut members: Vec<&[u8]> = Vec::new();
        if let Ok(archive) = object::read::archive::ArchiveFile::parse(&*bytes) {
            for member in archive.members() {
                let member = member.with_context(|| format!("bad archive {}", path.display()))?;
                members.push(member.data(&*bytes)?);
            }
        } else {
            members.push(&bytes);
        }
        for data in members {
            let file = object::File::parse(data)
                .map_err(|e| anyhow!("{} is not an object file: {e}", path.display()))?;
            for symbol in file.symbols() {
                if symbol.is_definition() && symbol.is_global() {
                    names.insert(symbol.name()?.to_string());
                }
            }
        }
    }
    Ok(names)
}

/// The `wafer_board` record: the board's devices for the runtime's drivers.
pub(crate) fn define_board_record(
    module: &mut ObjectModule,
    bare: &crate::config::BareMetal,
    console_framing: bool,
) -> Result<()> {
    use crate::baremetal::device_kind;
    use wafer_abi::descriptor::{BOARD_CONFIG_SYMBOL, BoardConfig};
    let id = module.declare_data(BOARD_CONFIG_SYMBOL, Linkage::Export, false, false)?;
    let mut w = DataWriter::new();
    w.u32(device_kind(&bare.console)?);
    w.u32(device_kind(&bare.exit)?);
    w.u64(bare.console.base);
    w.u64(bare.exit.base);
    w.u32(device_kind(&bare.timer)?);
    w.u32(bare.boot_core);
    w.u64(bare.timer.base);
    w.u64(bare.timer.hz);
    w.u32(device_kind(&bare.rng)?);
    w.u32(bare.cores);
    w.u64(bare.rng.base);
    if console_framing {
        let framed = module.declare_data(
            wafer_abi::descriptor::FRAMED_CONSOLE_SYMBOL,
            Linkage::Import,
            false,
            false,
        )?;
        w.data_ptr(framed, 0);
    } else {
        w.u64(0);
    }
    w.u32(bare.core_start);
    w.u32(0);
    if w.len() != std::mem::size_of::<BoardConfig>() {
        bail!("BUG: board record layout differs from wafer-abi");
    }
    w.define(module, id, 8)
}

/// The manifest's preopens on a bare-metal board: pairs (file tree, guest
/// name), each tree its own read-only data object (in flash, 8-aligned as
/// `wafer_abi::file_tree` wants) named for `wafer size`.
fn file_tree_pairs(module: &mut ObjectModule, trees: &[(Vec<u8>, String)]) -> Result<DataWriter> {
    let mut pairs = DataWriter::new();
    for (i, (tree, guest)) in trees.iter().enumerate() {
        let name = format!("{}{i}", wafer_abi::file_tree::TREE_SYMBOL_PREFIX);
        let id = module.declare_data(&name, Linkage::Local, false, false)?;
        DataWriter::from_bytes(tree).define(module, id, wafer_abi::file_tree::DATA_ALIGN as u64)?;
        pairs.data_ptr(id, 0);
        pairs.u64(tree.len() as u64);
        pairs.str(guest.as_bytes());
    }
    Ok(pairs)
}

/// The `wafer_image` object: which modules, in which order, and what to do.
fn manifest_object(modules: &[CompiledModule], options: &ImageOptions) -> Result<Vec<u8>> {
    let isa = isa::build_isa(&options.board.target)?;
    let builder = ObjectBuilder::new(
        isa,
        "wafer_image",
        cranelift_module::default_libcall_names(),
    )
    .context("cannot create an object builder")?;
    let mut module = ObjectModule::new(builder);
    let id = module.declare_data(IMAGE_MANIFEST_SYMBOL, Linkage::Export, false, false)?;

    let mut module_list = DataWriter::new();
    for m in modules {
        let descriptor =
            module.declare_data(&m.descriptor_symbol, Linkage::Import, false, false)?;
        module_list.data_ptr(descriptor, 0);
    }
    let (export, invoke_args) = match &options.mode {
        ImageMode::Invoke { export, args } => (export.as_str(), args.as_slice()),
        _ => ("", &[][..]),
    };
    let mut arg_values = DataWriter::new();
    for value in invoke_args {
        let raw = value.to_raw();
        arg_values.u64(raw.bits[0]);
        arg_values.u64(raw.bits[1]);
    }
    let strings = |items: &[String]| {
        let mut w = DataWriter::new();
        for s in items {
            w.str(s.as_bytes());
        }
        w
    };

    let mut w = DataWriter::new();
    w.u32(wafer_abi::descriptor::DESCRIPTOR_MAGIC);
    w.u32(wafer_abi::ABI_VERSION);
    w.slice(module_list, modules.len());
    w.u32(options.mode.abi() as u32);
    let entry = u32::try_from(options.entry_module)
        .ok()
        .filter(|&e| (e as usize) < modules.len().max(1))
        .ok_or_else(|| anyhow!("BUG: entry module {} out of range", options.entry_module))?;
    w.u32(entry);
    w.str(export.as_bytes());
    w.slice(arg_values, invoke_args.len());
    w.slice(strings(&options.args), options.args.len());
    w.slice(strings(&options.env), options.env.len());
    w.u64(options.stack_size);
    let mut max_pages = options.max_memory_pages;
    if let Some(bare) = &options.board.bare {
        max_pages = max_pages.min(crate::baremetal::max_memory_pages(
            bare,
            options.stack_size,
            &options.mode,
        ));
    }
    w.u64(max_pages);
    w.u64(options.max_table_elements);
    // Only `wafer_instantiate_linked` and the invoke server read the names:
    // other images carry none (hello's flash budget is counted in tens of
    // bytes).
    let names: Vec<String> = if links_modules(modules, options) || options.mode == ImageMode::Server
    {
        module_names(modules, options)
            .iter()
            .map(|n| n.to_string())
            .collect()
    } else {
        Vec::new()
    };
    w.slice(strings(&names), names.len());
    if options.file_trees.is_empty() {
        let preopens: Vec<String> = options
            .preopens
            .iter()
            .flat_map(|(host, guest)| [host.clone(), guest.clone()])
            .collect();
        w.slice(strings(&preopens), preopens.len());
    } else {
        w.slice(
            file_tree_pairs(&mut module, &options.file_trees)?,
            2 * options.file_trees.len(),
        );
    }
    w.u32(image_stack_checks(modules, options)?.abi() as u32);
    w.u32(0);
    if w.len() != std::mem::size_of::<ImageManifest>() {
        bail!("BUG: image manifest layout differs from wafer-abi");
    }
    w.define(&mut module, id, 16)?;
    if let Some(bare) = &options.board.bare {
        define_board_record(&mut module, bare, options.console_framing)?;
    }
    module
        .finish()
        .emit()
        .map_err(|e| anyhow!("cannot write the manifest object: {e}"))
}
