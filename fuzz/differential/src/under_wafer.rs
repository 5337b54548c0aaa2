//! Test cases run under wafer: compiled for one ISA, linked into one
//! serving image per batch (like the spec harness), run natively or under
//! qemu-user, and driven over the serve protocol (`wafer_abi::serve`).
//! The code that runs is the real compiled code of the real runtime.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use wafer::{
    Board, BoundsChecks, CompileOptions, CompiledModule, ImageMode, ImageOptions, ImportBinding,
    Isa,
};
use wafer_tests::client::{ServeClient, hex_name};

use crate::generate::TestCase;
use crate::trace::{MemoryDigest, Outcome, State, Step, Trace, Trap};
use crate::value::Value;

/// How long one request may take. Fuel bounds every module's work, so a
/// request that takes longer is a hang (a finding).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

/// What became of one test case under wafer.
#[derive(Debug)]
pub enum WaferRun {
    /// It ran; compare the trace with the reference's.
    Ran(Trace),
    /// `wafer::compile` returned an error. wasm-smith modules are valid
    /// Wasm 2.0 without SIMD, so this is a finding.
    Rejected(String),
    /// `wafer::compile` panicked.
    Panicked(String),
    /// Linking failed, or the image died or hung while running this case.
    ImageFailed(String),
}

/// The Linux board of `isa` (the image runs natively or under qemu-user).
pub fn board_for(isa: Isa) -> Result<Board> {
    Board::by_name(&format!("linux-{}", isa.name()))
}

/// Runs every case of `cases` under wafer on `board`, compiled with
/// `bounds` checks, in one image (one more per image that dies), using
/// `work` for the image and its stderr.
pub fn run_batch(
    cases: &[TestCase],
    board: &Board,
    bounds: BoundsChecks,
    work: &Path,
) -> Vec<WaferRun> {
    let mut runs: Vec<Option<WaferRun>> = Vec::with_capacity(cases.len());
    let mut modules = Vec::new();
    // The image's module index of each compiled case.
    let mut in_image: Vec<(usize, usize)> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        match compile(&case.wasm, board, bounds, &format!("m{i}")) {
            Ok(module) => {
                in_image.push((i, modules.len()));
                modules.push(module);
                runs.push(None);
            }
            Err(run) => runs.push(Some(run)),
        }
    }
    if !modules.is_empty() {
        let image = work.join("fuzz-serve.elf");
        match link(&modules, board, &image) {
            Err(e) => {
                for &(case, _) in &in_image {
                    runs[case] = Some(WaferRun::ImageFailed(format!("{e:#}")));
                }
            }
            Ok(()) => {
                let mut client = None;
                for &(case, module) in &in_image {
                    runs[case] = Some(run_case(
                        &mut client,
                        board,
                        &image,
                        work,
                        module,
                        &cases[case],
                    ));
                }
            }
        }
    }
    runs.into_iter()
        .map(|r| r.unwrap_or_else(|| WaferRun::ImageFailed("not run".into())))
        .collect()
}

/// Compiles one module, catching panics.
pub fn compile(
    wasm: &[u8],
    board: &Board,
    bounds: BoundsChecks,
    prefix: &str,
) -> Result<CompiledModule, WaferRun> {
    let options = CompileOptions {
        target: board.target.clone(),
        prefix: prefix.to_string(),
        imports: ImportBinding::Dynamic,
        bounds_checks: bounds,
        // The board's: the stack guard on Linux boards.
        stack_checks: board
            .stack_checks(None)
            .expect("a board's default stack checks"),
        budget: Default::default(),
        exception_checks: false,
    };
    match catch_unwind(AssertUnwindSafe(|| wafer::compile(wasm, &options))) {
        Ok(Ok(module)) => Ok(module),
        Ok(Err(e)) => Err(WaferRun::Rejected(format!("{e:#}"))),
        Err(panic) => Err(WaferRun::Panicked(panic_message(&*panic))),
    }
}

/// The message of a caught panic.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

fn link(modules: &[CompiledModule], board: &Board, image: &Path) -> Result<()> {
    let mut options = ImageOptions::new(board.clone());
    options.mode = ImageMode::Serve;
    wafer::image::link(modules, &options, image).context("link")
}

/// Runs one case on the running image, starting it first if needed; when
/// the image dies or hangs, the case fails and the next one starts a
/// fresh image.
fn run_case(
    client: &mut Option<ServeClient>,
    board: &Board,
    image: &Path,
    work: &Path,
    module: usize,
    case: &TestCase,
) -> WaferRun {
    if client.is_none() {
        let started = board.run_command(image).and_then(|command| {
            ServeClient::start(command, &work.join("stderr.txt"), REPLY_TIMEOUT)
        });
        match started {
            Ok(c) => *client = Some(c),
            Err(e) => return WaferRun::ImageFailed(format!("cannot start the image: {e:#}")),
        }
    }
    let Some(running) = client.as_mut() else {
        return WaferRun::ImageFailed("no image".into());
    };
    match drive(running, module, case) {
        Ok(trace) => WaferRun::Ran(trace),
        Err(e) => {
            *client = None;
            WaferRun::ImageFailed(format!("{e:#}"))
        }
    }
}

/// Instantiates module `module` of the image and makes every call of
/// `case`, reading the state after each step. Everything after the
/// instantiation is sent in one go (the requests do not depend on the
/// replies), then the replies are read in order.
fn drive(client: &mut ServeClient, module: usize, case: &TestCase) -> Result<Trace> {
    let mut trace = Trace::default();
    let reply = client.request(&format!("instantiate {module}"))?;
    let instance = match reply.split_once(' ') {
        Some(("ok", id)) => id.parse::<usize>().context("instance id")?,
        _ => {
            trace.steps.push(Step {
                outcome: Outcome::Trapped(trap_of_reply(&reply)?),
                state: None,
            });
            return Ok(trace);
        }
    };
    let mut lines = state_requests(instance, case);
    for call in &case.calls {
        let mut request = format!("invoke {instance} {}", hex_name(&call.export));
        for arg in &call.args {
            request.push(' ');
            request.push_str(&arg.token());
        }
        lines.push(request);
        lines.extend(state_requests(instance, case));
    }
    // Nothing names the instance after this case: its guard window goes
    // back to the image for the next case's memory (a fresh 8 GiB window
    // costs qemu-user about 75 ms, more than most cases).
    lines.push(format!("drop {instance}"));
    let replies = client.request_all(&lines)?;
    let mut replies = replies.iter().map(String::as_str);
    trace.steps.push(Step {
        outcome: Outcome::Returned(Vec::new()),
        state: Some(parse_state(&mut replies, case)?),
    });
    for _ in &case.calls {
        let reply = replies.next().context("missing reply")?;
        let outcome = match reply.strip_prefix("ok") {
            Some(values) => Outcome::Returned(
                values
                    .split(' ')
                    .filter(|t| !t.is_empty())
                    .map(Value::parse)
                    .collect::<Result<_>>()?,
            ),
            None => Outcome::Trapped(trap_of_reply(reply)?),
        };
        trace.steps.push(Step {
            outcome,
            state: Some(parse_state(&mut replies, case)?),
        });
    }
    // `kept` (an instance that could have handed its functions on) is as
    // good as `ok`: the window stays with it.
    match replies.next() {
        Some(reply) if reply == "ok" || reply.starts_with("kept ") => Ok(trace),
        other => bail!("drop {instance}: unexpected reply {other:?}"),
    }
}

/// `trap <code> <message>` → its kind; `link`/`error` replies become
/// `Other` (never expected for a module without imports: a mismatch).
fn trap_of_reply(reply: &str) -> Result<Trap> {
    let (kind, rest) = reply.split_once(' ').unwrap_or((reply, ""));
    match kind {
        "trap" => {
            let message = rest.split_once(' ').map_or("", |(_, m)| m);
            Ok(Trap::from_spec_message(message))
        }
        "link" | "error" => Ok(Trap::Other(format!("wafer: {reply}"))),
        _ => bail!("unexpected reply `{reply}`"),
    }
}

/// `memhash` for every exported memory, then `get` for every exported
/// global.
fn state_requests(instance: usize, case: &TestCase) -> Vec<String> {
    let memories = case.exports.memories.iter();
    let globals = case.exports.globals.iter();
    memories
        .map(|name| format!("memhash {instance} {}", hex_name(name)))
        .chain(globals.map(|name| format!("get {instance} {}", hex_name(name))))
        .collect()
}

/// Reads the replies to [`state_requests`].
fn parse_state<'a>(replies: &mut impl Iterator<Item = &'a str>, case: &TestCase) -> Result<State> {
    let mut state = State::default();
    for _ in &case.exports.memories {
        state
            .memories
            .push(parse_memhash(replies.next().context("missing reply")?)?);
    }
    for name in &case.exports.globals {
        let reply = replies.next().context("missing reply")?;
        let value = reply
            .strip_prefix("ok ")
            .ok_or_else(|| anyhow!("get `{name}`: `{reply}`"))?;
        state.globals.push(Value::parse(value)?);
    }
    Ok(state)
}

/// `ok <length-hex> <hash-hex>`.
fn parse_memhash(reply: &str) -> Result<MemoryDigest> {
    let mut tokens = reply.split(' ');
    let (Some("ok"), Some(length), Some(hash), None) =
        (tokens.next(), tokens.next(), tokens.next(), tokens.next())
    else {
        bail!("memhash: `{reply}`");
    };
    Ok(MemoryDigest {
        length: u64::from_str_radix(length, 16).context("memhash length")?,
        hash: u64::from_str_radix(hash, 16).context("memhash digest")?,
    })
}
