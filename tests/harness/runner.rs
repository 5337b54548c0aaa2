//! Running one planned script on one board: compile every module, link
//! them into one serving image, run the image, and check every step.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use wafer::{
    Board, CompileOptions, CompiledModule, ImageMode, ImageOptions, ImportBinding, Platform,
};

use crate::client::{ServeClient, hex_name};
use crate::expect::{self, Expect};
use crate::script::{Plan, Step};
use crate::{Outcome, Status};

/// How long one request may take before the image is considered hung.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// `WAFER_SPEC_KEEP_INSTANCES=1`: never drop an instance (guard-mode
/// memories then take fresh windows, except those of instantiations that
/// trapped), to compare or to rule dropping out.
fn keep_instances() -> bool {
    std::env::var_os("WAFER_SPEC_KEEP_INSTANCES").is_some_and(|v| v == "1")
}

/// Why a module did not compile.
#[derive(Clone, Debug)]
pub(crate) enum NotCompiled {
    /// wafer returned an error (or the text did not parse): a rejection.
    Rejected(String),
    /// wafer panicked: a bug, and never a valid rejection.
    Panicked(String),
}

impl std::fmt::Display for NotCompiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotCompiled::Rejected(e) => f.write_str(e),
            NotCompiled::Panicked(e) => write!(f, "wafer::compile panicked: {e}"),
        }
    }
}

pub(crate) type Compiled = Result<CompiledModule, NotCompiled>;

/// `WAFER_SPEC_FUEL` / `WAFER_SPEC_TIMEOUT_MS`: compile every module with
/// budget checks (large limits: the suite must pass unchanged with them).
fn budget_from_env() -> wafer_abi::budget::Policy {
    let number = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
            })
            .unwrap_or(0)
    };
    wafer_abi::budget::Policy {
        fuel: number("WAFER_SPEC_FUEL"),
        timeout_ns: number("WAFER_SPEC_TIMEOUT_MS") * 1_000_000,
    }
}

pub(crate) fn compile(index: usize, binary: &[u8], board: &Board) -> Compiled {
    let options = CompileOptions {
        target: board.target.clone(),
        prefix: format!("m{index}"),
        imports: ImportBinding::Dynamic,
        // The board's default: the spec runner sets it from WAFER_SPEC_BOUNDS.
        bounds_checks: board.bounds_checks.default,
        // The board's default too: the stack guard on Linux boards.
        stack_checks: board
            .stack_checks(None)
            .expect("a board's default stack checks"),
        budget: budget_from_env(),
        exception_checks: false,
    };
    match catch_unwind(AssertUnwindSafe(|| wafer::compile(binary, &options))) {
        Ok(result) => result.map_err(|e| NotCompiled::Rejected(format!("{e:#}"))),
        Err(panic) => Err(NotCompiled::Panicked(
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default(),
        )),
    }
}

/// Runs `plan` on `board`, using `work` for temporary files.
pub fn run(plan: &Plan, board: &Board, work: &Path) -> Vec<Outcome> {
    let compiled: Vec<Compiled> = plan
        .modules
        .iter()
        .enumerate()
        .map(|(i, source)| match &source.binary {
            Ok(binary) => compile(i, binary, board),
            Err(e) => Err(NotCompiled::Rejected(format!("text: {e}"))),
        })
        .collect();

    // Only modules that some step instantiates go into the image.
    let mut image_index: HashMap<usize, usize> = HashMap::new();
    let mut image_modules = Vec::new();
    for step in &plan.steps {
        if let Step::Instantiate { module, .. } = step
            && let Ok(m) = &compiled[*module]
            && !image_index.contains_key(module)
        {
            image_index.insert(*module, image_modules.len());
            image_modules.push(m.clone());
        }
    }

    let mut session = Session::start(board, &image_modules, work);
    session.exact_traps = plan.exact_trap_messages;
    let check_canaries = board.platform == Platform::Baremetal;
    let mut outcomes = Vec::with_capacity(plan.steps.len() + 1);
    let mut rest = &plan.steps[..];
    while let Some(step) = rest.first() {
        let queries = rest
            .iter()
            .take_while(|s| matches!(s, Step::Invoke { .. } | Step::Get { .. }))
            .count();
        if queries > 1 {
            outcomes.extend(session.run_queries(&rest[..queries], check_canaries));
            rest = &rest[queries..];
            continue;
        }
        rest = &rest[1..];
        session.trapped = false;
        let mut outcome = session.step(step, &compiled, &image_index);
        // A trap is where an escape would have happened: look right away,
        // so the damage is reported at the step that did it.
        if check_canaries
            && session.trapped
            && let Err(e) = session.check_canaries()
        {
            outcome = fail(outcome.line, format!("after this trap: {e}"));
        }
        outcomes.push(outcome);
    }
    // (A script that instantiates nothing has no image to ask.)
    if check_canaries
        && !image_modules.is_empty()
        && let Some(last) = plan.steps.last()
    {
        let line = step_line(last);
        outcomes.push(match session.check_canaries() {
            Ok(_) => pass(line),
            Err(e) => fail(line, format!("after the script: {e}")),
        });
    }
    outcomes
}

/// Reads a `canary` reply: the number of guarded regions, or what is wrong.
/// A board that guards nothing is wrong too: its canaries were never placed.
pub fn canary_verdict(reply: &str) -> Result<usize, String> {
    match reply.strip_prefix("ok ").map(str::parse::<usize>) {
        Some(Ok(0)) => Err("the image placed no canaries".into()),
        Some(Ok(regions)) => Ok(regions),
        _ => Err(reply.strip_prefix("error ").unwrap_or(reply).to_string()),
    }
}

fn step_line(step: &Step) -> usize {
    match step {
        Step::Instantiate { line, .. }
        | Step::Register { line, .. }
        | Step::Invoke { line, .. }
        | Step::Get { line, .. }
        | Step::MustNotCompile { line, .. }
        | Step::Unsupported { line, .. }
        | Step::MustCompile { line, .. } => *line,
    }
}

/// Links `modules` into a serving image for `board` in `work` and returns
/// the command that runs it.
///
/// # Errors
/// No modules, a link error, or the board's QEMU is missing.
pub fn serving_command(
    board: &Board,
    modules: &[CompiledModule],
    work: &Path,
) -> Result<std::process::Command, String> {
    if modules.is_empty() {
        return Err("no module to run".to_string());
    }
    let mut options = ImageOptions::new(board.clone());
    options.mode = ImageMode::Serve;
    let image = work.join("serve.elf");
    wafer::image::link(modules, &options, &image).map_err(|e| format!("link: {e:#}"))?;
    board.run_command(&image).map_err(|e| format!("{e:#}"))
}

/// The running image and the instance names of the script.
struct Session {
    client: Result<ServeClient, String>,
    names: HashMap<String, usize>,
    current: Option<usize>,
    /// Instances registered under a name: later modules may import them.
    registered: HashSet<usize>,
    /// Drop the current instance when the next module replaces it.
    drop_unreachable: bool,
    /// Trap messages must be equal (see [`Plan::exact_trap_messages`]).
    exact_traps: bool,
    /// Whether a reply since this was last cleared was a trap.
    trapped: bool,
}

fn fail(line: usize, message: impl Into<String>) -> Outcome {
    Outcome {
        line,
        status: Status::Fail(message.into()),
    }
}

fn pass(line: usize) -> Outcome {
    Outcome {
        line,
        status: Status::Pass,
    }
}

impl Session {
    fn start(board: &Board, modules: &[CompiledModule], work: &Path) -> Session {
        let client = serving_command(board, modules, work).and_then(|command| {
            ServeClient::start(command, &work.join("stderr.txt"), REPLY_TIMEOUT)
                .map_err(|e| format!("{e:#}"))
        });
        Session {
            client,
            names: HashMap::new(),
            current: None,
            registered: HashSet::new(),
            drop_unreachable: !keep_instances(),
            exact_traps: false,
            trapped: false,
        }
    }

    /// Asks the image to check its canaries (boards place them around
    /// every memory, allocation, `.data`/`.bss` and the stack).
    fn check_canaries(&mut self) -> Result<usize, String> {
        let reply = self.request("canary")?;
        canary_verdict(&reply).map_err(|e| format!("canary check failed: {e}"))
    }

    fn request(&mut self, line: &str) -> Result<String, String> {
        let client = self.client.as_mut().map_err(|e| e.clone())?;
        match client.request(line) {
            Ok(reply) => {
                self.trapped |= reply.starts_with("trap ");
                Ok(reply)
            }
            Err(e) => {
                let message = format!("{e:#}");
                self.client = Err(format!("image stopped earlier: {message}"));
                Err(message)
            }
        }
    }

    fn instance(&self, name: &Option<String>) -> Result<usize, String> {
        match name {
            Some(n) => self
                .names
                .get(n)
                .copied()
                .ok_or_else(|| format!("no instance named {n}")),
            None => self
                .current
                .ok_or_else(|| "no current instance".to_string()),
        }
    }

    fn step(
        &mut self,
        step: &Step,
        compiled: &[Compiled],
        image_index: &HashMap<usize, usize>,
    ) -> Outcome {
        match step {
            // Not a silent skip: skips belong in expected-failures.toml.
            Step::Unsupported { line, reason } => {
                fail(*line, format!("the harness cannot run this: {reason}"))
            }
            Step::MustCompile {
                line,
                module,
                proposal,
            } => match &compiled[*module] {
                Ok(_) => pass(*line),
                Err(e) => fail(
                    *line,
                    format!("the {proposal} proposal makes this module valid, but: {e}"),
                ),
            },
            Step::MustNotCompile { line, module } => match &compiled[*module] {
                Err(NotCompiled::Rejected(_)) => pass(*line),
                Err(panicked) => fail(*line, panicked.to_string()),
                Ok(_) => fail(
                    *line,
                    "module compiled, but the script says it is invalid or malformed",
                ),
            },
            Step::Instantiate {
                line,
                module,
                name,
                expect,
            } => {
                let Some(&index) = image_index.get(module) else {
                    let error = compiled[*module]
                        .as_ref()
                        .err()
                        .map(|e| e.to_string())
                        .unwrap_or_default();
                    if matches!(expect, Expect::Success) {
                        self.current = None;
                    }
                    return fail(*line, format!("module does not compile: {error}"));
                };
                let instantiate = format!("instantiate {index}");
                // A `(module)` replaces the current instance: unless named
                // or registered, the script cannot reach it any more. Drop
                // it first, in the same round trip, so the new instance
                // can reuse its memory's guard window.
                let unreachable = self
                    .current
                    .filter(|_| self.drop_unreachable && matches!(expect, Expect::Success))
                    .filter(|id| !self.registered.contains(id))
                    .filter(|id| !self.names.values().any(|named| named == id));
                let reply = match unreachable {
                    None => self.request(&instantiate),
                    Some(id) => {
                        let lines = [format!("drop {id}"), instantiate];
                        let mut replies = self.request_each(&lines).into_iter();
                        let dropped = replies.next().unwrap_or_else(|| Err("no reply".into()));
                        self.current = None;
                        if let Err(e) = dropped.and_then(|reply| drop_verdict(id, &reply)) {
                            return fail(*line, e);
                        }
                        // `request_each` leaves `trapped` to its caller
                        // (`request` sets it itself).
                        let reply = replies.next().unwrap_or_else(|| Err("no reply".into()));
                        if let Ok(reply) = &reply {
                            self.trapped |= reply.starts_with("trap ");
                        }
                        reply
                    }
                };
                let reply = match reply {
                    Ok(reply) => reply,
                    Err(e) => return fail(*line, e),
                };
                let outcome = check_reply(*line, &reply, expect, self.exact_traps);
                if let Some(id) = reply.strip_prefix("ok ").and_then(|id| id.parse().ok()) {
                    self.current = Some(id);
                    if let Some(name) = name {
                        self.names.insert(name.clone(), id);
                    }
                } else if matches!(expect, Expect::Success) {
                    // The script's next commands address this module; don't
                    // let them run against the previous one.
                    self.current = None;
                }
                outcome
            }
            Step::Register {
                line,
                name,
                instance,
            } => {
                let id = match self.instance(instance) {
                    Ok(id) => id,
                    Err(e) => return fail(*line, e),
                };
                match self.request(&format!("register {id} {}", hex_name(name))) {
                    Ok(reply) => {
                        self.registered.insert(id);
                        check_reply(*line, &reply, &Expect::Success, self.exact_traps)
                    }
                    Err(e) => fail(*line, e),
                }
            }
            Step::Invoke { .. } | Step::Get { .. } => match self.query(step) {
                Ok(query) => match self.request(&query.request) {
                    Ok(reply) => check_reply(query.line, &reply, query.expect, self.exact_traps),
                    Err(e) => fail(query.line, e),
                },
                Err(outcome) => outcome,
            },
        }
    }

    /// The request line of an `invoke` or `get` step, or the step's
    /// failure if it cannot be asked (bad arguments, unknown instance).
    fn query<'s>(&self, step: &'s Step) -> Result<Query<'s>, Outcome> {
        let (line, instance, expect) = match step {
            Step::Invoke {
                line,
                instance,
                expect,
                ..
            }
            | Step::Get {
                line,
                instance,
                expect,
                ..
            } => (*line, instance, expect),
            _ => unreachable!("only invoke and get steps are queries"),
        };
        let id = self.instance(instance).map_err(|e| fail(line, e))?;
        let request = match step {
            Step::Invoke { export, args, .. } => {
                let args = args.as_ref().map_err(|e| fail(line, e.clone()))?;
                let mut request = format!("invoke {id} {}", hex_name(export));
                for arg in args {
                    request.push(' ');
                    request.push_str(arg);
                }
                request
            }
            Step::Get { global, .. } => format!("get {id} {}", hex_name(global)),
            _ => unreachable!("only invoke and get steps are queries"),
        };
        Ok(Query {
            line,
            request,
            expect,
        })
    }

    /// Runs a run of `invoke`/`get` steps with one round trip: every
    /// request is sent before the first reply is read. On a board each
    /// round trip crosses QEMU's emulated UART twice, which costs about as
    /// much as the step itself; the image answers in order either way.
    /// A step expected to trap is followed by a canary check in the same
    /// batch, so damage is still reported at the step that did it.
    fn run_queries(&mut self, steps: &[Step], check_canaries: bool) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(steps.len());
        let mut asked: Vec<(usize, Query<'_>, bool)> = Vec::new();
        let mut lines = Vec::new();
        for (index, step) in steps.iter().enumerate() {
            match self.query(step) {
                Ok(query) => {
                    lines.push(query.request.clone());
                    let canary = check_canaries && matches!(query.expect, Expect::Trap(_));
                    if canary {
                        lines.push("canary".to_string());
                    }
                    asked.push((index, query, canary));
                    outcomes.push(None);
                }
                Err(outcome) => outcomes.push(Some(outcome)),
            }
        }
        let mut replies = self.request_each(&lines).into_iter();
        let mut unexamined_trap = None;
        for (index, query, canary) in asked {
            let outcome = match replies.next().unwrap_or_else(|| Err("no reply".into())) {
                Ok(reply) => {
                    let trapped = reply.starts_with("trap ");
                    let mut outcome =
                        check_reply(query.line, &reply, query.expect, self.exact_traps);
                    if canary {
                        let verdict = replies
                            .next()
                            .unwrap_or_else(|| Err("no reply".into()))
                            .and_then(|reply| {
                                canary_verdict(&reply)
                                    .map_err(|e| format!("canary check failed: {e}"))
                            });
                        if let (true, Err(e)) = (trapped, verdict) {
                            outcome = fail(query.line, format!("after this trap: {e}"));
                        }
                    } else if trapped {
                        unexamined_trap = Some(index);
                    }
                    outcome
                }
                Err(e) => {
                    // The canary line's reply is an error too: skip it.
                    if canary {
                        replies.next();
                    }
                    fail(query.line, e)
                }
            };
            outcomes[index] = Some(outcome);
        }
        // A step that trapped unexpectedly has failed already; still look
        // at the canaries, and blame the last such step for any damage.
        if let Some(index) = unexamined_trap.filter(|_| check_canaries)
            && let Err(e) = self.check_canaries()
        {
            let line = step_line(&steps[index]);
            outcomes[index] = Some(fail(line, format!("after this trap: {e}")));
        }
        outcomes.into_iter().flatten().collect()
    }

    /// Sends `lines` at once and returns each reply, in order; after the
    /// image stops, every later line gets the error.
    fn request_each(&mut self, lines: &[String]) -> Vec<Result<String, String>> {
        let client = match self.client.as_mut() {
            Ok(client) => client,
            Err(e) => return lines.iter().map(|_| Err(e.clone())).collect(),
        };
        let replies: Vec<Result<String, String>> = client
            .request_each(lines)
            .into_iter()
            .map(|reply| reply.map_err(|e| format!("{e:#}")))
            .collect();
        if let Some(Err(e)) = replies.iter().find(|r| r.is_err()) {
            self.client = Err(format!("image stopped earlier: {e}"));
        }
        replies
    }
}

/// Reads the reply to `drop <id>`: dropped, or kept because a live
/// instance may hold its functions (the runtime's call, not a failure).
/// Anything else means the harness dropped what it should not have.
fn drop_verdict(id: usize, reply: &str) -> Result<(), String> {
    if reply == "ok" || reply.starts_with("kept ") {
        Ok(())
    } else {
        Err(format!("dropping instance {id}: `{reply}`"))
    }
}

/// An `invoke` or `get` step ready to send.
struct Query<'s> {
    line: usize,
    request: String,
    expect: &'s Expect,
}

/// Checks a serve reply against what the step expects; `exact`: trap
/// messages must be equal (see [`Plan::exact_trap_messages`]).
fn check_reply(line: usize, reply: &str, expected: &Expect, exact: bool) -> Outcome {
    let (kind, rest) = reply.split_once(' ').unwrap_or((reply, ""));
    match (kind, expected) {
        ("ok", Expect::Success) => pass(line),
        ("ok", Expect::Values(patterns)) => {
            let values: Vec<&str> = rest.split(' ').filter(|t| !t.is_empty()).collect();
            if values.len() == patterns.len()
                && patterns
                    .iter()
                    .zip(&values)
                    .all(|(p, v)| expect::matches(p, v))
            {
                pass(line)
            } else {
                let expected: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
                let actual: Vec<String> =
                    values.iter().map(|v| expect::describe_token(v)).collect();
                fail(
                    line,
                    format!(
                        "expected {}, got {}",
                        list_or_nothing(&expected),
                        list_or_nothing(&actual)
                    ),
                )
            }
        }
        ("trap", Expect::Trap(message)) => {
            // `trap <code> <message>`
            let actual = rest.split_once(' ').map_or("", |(_, m)| m);
            let matches = if exact {
                actual == message
            } else {
                expect::trap_message_matches(message, actual)
            };
            if matches {
                pass(line)
            } else {
                fail(
                    line,
                    format!("expected trap `{message}`, got trap `{actual}`"),
                )
            }
        }
        ("link", Expect::Link(message)) => {
            if expect::link_message_matches(message, rest) {
                pass(line)
            } else {
                fail(
                    line,
                    format!("expected link error `{message}`, got `{rest}`"),
                )
            }
        }
        _ => fail(line, format!("expected {expected}, got `{reply}`")),
    }
}

fn list_or_nothing(items: &[String]) -> String {
    if items.is_empty() {
        "no results".into()
    } else {
        items.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_scripts_want_the_exact_trap_message() {
        let expected = Expect::Trap("out of bounds memory access".into());
        let longer = "trap 1 out of bounds memory access at 0x10";
        // The spec's rule: the expected text is a prefix.
        assert_eq!(
            check_reply(3, longer, &expected, false).status,
            Status::Pass
        );
        assert!(matches!(
            check_reply(3, longer, &expected, true).status,
            Status::Fail(_)
        ));
        let exact = "trap 1 out of bounds memory access";
        assert_eq!(check_reply(3, exact, &expected, true).status, Status::Pass);
    }

    #[test]
    fn only_escape_scripts_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        for (name, exact) in [("escape_x.wast", true), ("bounds.wast", false)] {
            let path = dir.path().join(name);
            std::fs::write(&path, "(module)").unwrap();
            let plan = crate::script::plan_file(&path).unwrap();
            assert_eq!(plan.exact_trap_messages, exact, "{name}");
        }
    }
}
