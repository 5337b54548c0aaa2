//! The WebAssembly spec suite through wafer, on every target.
//!
//! Runs `$WAFER_TESTSUITE/core/*.wast` (default: `../shared/wasm-testsuite`
//! beside the repository) and our own `tests/wast/*.wast`, each on
//! x86_64 (native), aarch64 and riscv64 (qemu-user). One job per (target,
//! file) on a thread pool; each job compiles the file's modules, links one
//! serving image and drives it (see the `wafer_tests` library).
//!
//! Environment: `WAFER_SPEC_TARGETS=x86_64,aarch64` (or a CPU preset,
//! `x86_64:baseline`, or any board name: `linux-riscv64`, `host`,
//! `raspi3b`, `sifive-u`, ...) and `WAFER_SPEC_FILES=i32,call` (substrings
//! of the file name; our own scripts are `wafer/<name>`) narrow the run.
//! `WAFER_SPEC_BOUNDS=explicit|guard` compiles every module with those
//! bounds checks (default: each board's default; a board that cannot do
//! the mode is a usage error). `WAFER_SPEC_MEMORY_ONLY=1` leaves out the
//! scripts none of whose modules has a memory: a run in a second bounds
//! mode only needs the others. `WAFER_SPEC_KEEP_INSTANCES=1` keeps every
//! instance (the harness otherwise drops those the script can no longer
//! name, so their guard windows are reused).
//!
//! Output: one line per job (`target bounds file passed failed skipped
//! seconds`) with its
//! first failures as `file:line: what differed`, then a markdown table per
//! target and the line `N passed, M failed, K skipped`. Exits 1 on any
//! failure.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use wafer::{Board, BoundsChecks, Isa};
use wafer_tests::{Status, runner, script, skips};

/// Failures printed per job; the rest are only counted.
const FAILURES_SHOWN: usize = 8;

/// Slowest jobs listed after the run.
const SLOWEST_SHOWN: usize = 12;

/// Where a job runs: a Linux board for an ISA (with a CPU preset), or a
/// board named directly.
#[derive(Clone)]
struct RunTarget {
    /// As given in `WAFER_SPEC_TARGETS` (`x86_64`, `x86_64:baseline`,
    /// `qemu-virt-riscv64`); names the row of the results table.
    name: String,
    /// The board, its default bounds-check mode set to the one this run uses.
    board: Board,
}

/// `WAFER_SPEC_BOUNDS`, if set.
fn bounds_from_env() -> Option<BoundsChecks> {
    let text = std::env::var("WAFER_SPEC_BOUNDS")
        .ok()
        .filter(|v| !v.is_empty())?;
    match text.as_str() {
        "explicit" => Some(BoundsChecks::Explicit),
        "guard" => Some(BoundsChecks::Guard),
        _ => usage_error(&format!(
            "WAFER_SPEC_BOUNDS: `{text}` is neither explicit nor guard"
        )),
    }
}

struct Job {
    target: RunTarget,
    name: String,
    path: PathBuf,
    /// `WAFER_SPEC_MEMORY_ONLY`: leave out scripts without a memory.
    memory_only: bool,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Scripts left out by `WAFER_SPEC_MEMORY_ONLY`.
    memoryless: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.memoryless += other.memoryless;
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let skip_list = skips::load(&root.join("expected-failures.toml"))
        .unwrap_or_else(|e| usage_error(&format!("{e:#}")));
    let jobs = jobs_from_env(root);
    if jobs.is_empty() {
        usage_error("no .wast file matches WAFER_SPEC_FILES");
    }

    let modes: BTreeMap<String, BoundsChecks> = jobs
        .iter()
        .map(|j| (j.target.name.clone(), j.target.board.bounds_checks.default))
        .collect();
    let (totals, failing) = run_pool(jobs, &skip_list);

    println!();
    println!("| target | bounds checks | passed | failed | skipped |");
    println!("|---|---|---:|---:|---:|");
    let mut per_target: BTreeMap<&str, Counts> = BTreeMap::new();
    for ((target, _), c) in &totals {
        per_target.entry(target).or_default().add(*c);
    }
    let mut all = Counts::default();
    for (target, c) in &per_target {
        let bounds = modes.get(*target).map_or("?", |m| m.name());
        println!(
            "| {target} | {bounds} | {} | {} | {} |",
            c.passed, c.failed, c.skipped
        );
        all.add(*c);
    }
    println!();
    println!("| target | scripts | passed | failed | skipped |");
    println!("|---|---|---:|---:|---:|");
    for ((target, group), c) in &totals {
        println!(
            "| {target} | {group} | {} | {} | {} |",
            c.passed, c.failed, c.skipped
        );
    }
    for skip in skip_list.iter().filter(|s| s.not_run) {
        println!("\nnot run: {} ({})", skip.file, skip.reason);
    }
    if !failing.is_empty() {
        println!("\nfailing: {}", failing.join(", "));
    }
    if all.memoryless > 0 {
        println!(
            "\nnot run: {} scripts without a memory (WAFER_SPEC_MEMORY_ONLY=1: \
             their code does not depend on the bounds-check mode)",
            all.memoryless
        );
    }
    println!(
        "\n{} passed, {} failed, {} skipped",
        all.passed, all.failed, all.skipped
    );
    if all.failed > 0 || all.passed == 0 {
        std::process::exit(1);
    }
}

fn usage_error(message: &str) -> ! {
    eprintln!("spec: {message}");
    std::process::exit(2)
}

/// The group a script's counts are reported under: the core suite without
/// and with SIMD, each proposal, and wafer's own scripts.
fn group(name: &str) -> &str {
    if let Some(rest) = name.strip_prefix("proposals/") {
        let proposal = rest.split('/').next().unwrap_or(rest);
        return &name[..("proposals/".len() + proposal.len())];
    }
    if name.starts_with("wafer/") {
        "wafer (tests/wast)"
    } else if name.starts_with("simd_") {
        "core SIMD"
    } else {
        "core"
    }
}

/// Every (target, file) pair selected by the environment.
fn jobs_from_env(root: &Path) -> Vec<Job> {
    let mut files = wast_files(&suite_dir(), "");
    files.extend(proposal_files());
    files.extend(wast_files(&root.join("wast"), "wafer/"));
    if let Some(filter) = env_list("WAFER_SPEC_FILES") {
        files.retain(|(name, _)| filter.iter().any(|f| name.contains(f.as_str())));
    }
    // Entries are `isa`, `isa:cpu` (a Linux board) or a board name.
    let memory_only = std::env::var_os("WAFER_SPEC_MEMORY_ONLY").is_some_and(|v| v == "1");
    let targets: Vec<RunTarget> = match env_list("WAFER_SPEC_TARGETS") {
        Some(names) => names.iter().map(|n| parse_target(n)).collect(),
        None => Isa::ALL
            .iter()
            .map(|isa| parse_target(isa.name()))
            .collect(),
    };
    targets
        .iter()
        .flat_map(|target| {
            files.iter().map(move |(name, path)| Job {
                target: target.clone(),
                name: name.clone(),
                path: path.clone(),
                memory_only,
            })
        })
        .collect()
}

/// A board name, or `isa` / `isa:cpu` for the ISA's Linux board with that
/// CPU preset.
fn parse_target(text: &str) -> RunTarget {
    let board = match Board::by_name(text) {
        Ok(board) => board,
        Err(_) => {
            let target = wafer::Target::parse(text)
                .unwrap_or_else(|e| usage_error(&format!("WAFER_SPEC_TARGETS: {e:#}")));
            let mut board = Board::by_name(&format!("linux-{}", target.isa.name()))
                .unwrap_or_else(|e| usage_error(&format!("{e:#}")));
            board.target = target;
            board
        }
    };
    let mut board = board;
    let mode = board
        .bounds_checks(bounds_from_env())
        .unwrap_or_else(|e| usage_error(&format!("WAFER_SPEC_BOUNDS: {e:#}")));
    board.bounds_checks.default = mode;
    RunTarget {
        name: text.to_string(),
        board,
    }
}

fn suite_dir() -> PathBuf {
    let dir = std::env::var_os("WAFER_TESTSUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasm-testsuite")
        });
    if dir.join("core").is_dir() {
        dir.join("core")
    } else {
        dir
    }
}

/// The scripts of each proposal under the suite's `proposals/`, named
/// `proposals/<proposal>/<file>.wast`, and those of its `legacy/` folder
/// (exception handling's legacy form) as `proposals/<proposal>/legacy/<file>.wast`.
/// Proposals wafer does not compile yet are listed as not run in
/// `expected-failures.toml`.
fn proposal_files() -> Vec<(String, PathBuf)> {
    let core = suite_dir();
    // A suite given as a flat folder of scripts has no proposals beside it.
    if core.file_name().is_none_or(|name| name != "core") {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(core.with_file_name("proposals")) else {
        return Vec::new();
    };
    let mut proposals: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    proposals.sort();
    proposals
        .iter()
        .flat_map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let mut files = wast_files(p, &format!("proposals/{name}/"));
            let legacy = p.join("legacy");
            if legacy.is_dir() {
                files.extend(wast_files(&legacy, &format!("proposals/{name}/legacy/")));
            }
            files
        })
        .collect()
}

fn wast_files(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        usage_error(&format!(
            "cannot read the spec suite at {}: {e} (set WAFER_TESTSUITE)",
            dir.display()
        ))
    });
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((format!("{prefix}{name}"), p))
        })
        .collect();
    files.sort();
    files
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
}

/// Runs `jobs` on one thread per core, printing each job's report as it
/// finishes; returns the counts per target and the failing jobs.
fn run_pool(
    jobs: Vec<Job>,
    skip_list: &[skips::Skip],
) -> (BTreeMap<(String, String), Counts>, Vec<String>) {
    let queue = Mutex::new(jobs.into_iter());
    let totals: Mutex<BTreeMap<(String, String), Counts>> = Mutex::new(BTreeMap::new());
    let failing: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let timings: Mutex<Vec<JobTime>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(job) = queue.lock().unwrap().next() {
                    let started = Instant::now();
                    // A panic in wafer is a failure of this file, not the
                    // end of the run.
                    let (counts, lines) =
                        catch_unwind(AssertUnwindSafe(|| run_job(&job, skip_list))).unwrap_or_else(
                            |panic| {
                                let failed = Counts {
                                    failed: 1,
                                    ..Counts::default()
                                };
                                (
                                    failed,
                                    vec![format!("{}: panicked: {}", job.name, panic_text(&panic))],
                                )
                            },
                        );
                    totals
                        .lock()
                        .unwrap()
                        .entry((job.target.name.clone(), group(&job.name).to_string()))
                        .or_default()
                        .add(counts);
                    if counts.failed > 0 {
                        let name = format!("{} {}", job.target.name, job.name);
                        failing.lock().unwrap().push(name);
                    }
                    let seconds = started.elapsed().as_secs_f64();
                    timings
                        .lock()
                        .unwrap()
                        .push((seconds, job.target.name.clone(), job.name.clone()));
                    // One print per job, so reports of parallel jobs don't mix.
                    let mut report = format!(
                        "{:<17} {:<8} {:<36} {:>5} passed {:>4} failed {:>5} skipped {seconds:>6.1} s\n",
                        job.target.name,
                        job.target.board.bounds_checks.default.name(),
                        job.name,
                        counts.passed,
                        counts.failed,
                        counts.skipped
                    );
                    for line in &lines {
                        report.push_str(&format!("    {line}\n"));
                    }
                    print!("{report}");
                }
            });
        }
    });
    print_timings(timings.into_inner().unwrap());
    let mut failing = failing.into_inner().unwrap();
    failing.sort();
    (totals.into_inner().unwrap(), failing)
}

/// A job's wall time in seconds, its target and its file.
type JobTime = (f64, String, String);

/// Where the run's time went: the wall seconds of each target's jobs
/// summed (they overlap on the pool's threads) and the slowest jobs, so a
/// CI log shows what to look at when the suite gets slow.
fn print_timings(mut timings: Vec<JobTime>) {
    let mut per_target: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (seconds, target, _) in &timings {
        let entry = per_target.entry(target).or_default();
        entry.0 += seconds;
        entry.1 += 1;
    }
    println!();
    println!("| target | jobs | job seconds |");
    println!("|---|---:|---:|");
    for (target, (seconds, jobs)) in &per_target {
        println!("| {target} | {jobs} | {seconds:.0} |");
    }
    timings.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = timings
        .iter()
        .take(SLOWEST_SHOWN)
        .map(|(seconds, target, file)| format!("{target} {file} {seconds:.1} s"))
        .collect();
    println!("\nslowest jobs: {}", slowest.join(", "));
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs one file on one target; returns the counts and lines to print.
fn run_job(job: &Job, skip_list: &[skips::Skip]) -> (Counts, Vec<String>) {
    let mut counts = Counts::default();
    let skip = skips::find(skip_list, &job.name, &job.target.name);
    let plan = match script::plan_file(&job.path) {
        Ok(plan) => plan,
        // A script not run may be one the parser cannot read (its entry
        // says why): it counts as one skip.
        Err(_) if skip.is_some_and(|s| s.not_run) => {
            counts.skipped = 1;
            return (counts, Vec::new());
        }
        Err(e) => {
            counts.failed += 1;
            return (counts, vec![format!("{}: {e:#}", job.name)]);
        }
    };
    if skip.is_some_and(|s| s.not_run) {
        counts.skipped = plan.steps.len();
        return (counts, Vec::new());
    }
    if job.memory_only && !plan.uses_memory() {
        counts.memoryless = 1;
        return (counts, Vec::new());
    }
    let work = tempfile::tempdir().expect("temporary directory");
    let outcomes = runner::run(&plan, &job.target.board, work.path());
    let mut lines = Vec::new();
    // An entry naming lines expects exactly those commands to fail.
    let listed_lines = skip.map_or(&[][..], |s| s.lines.as_slice());
    for outcome in &outcomes {
        if listed_lines.contains(&outcome.line) {
            match &outcome.status {
                Status::Fail(_) => counts.skipped += 1,
                Status::Pass => {
                    counts.failed += 1;
                    lines.push(format!(
                        "{}:{}: listed in expected-failures.toml but passes: remove the line",
                        job.name, outcome.line
                    ));
                }
            }
            continue;
        }
        match &outcome.status {
            Status::Pass => counts.passed += 1,
            Status::Fail(message) => {
                counts.failed += 1;
                if lines.len() < FAILURES_SHOWN {
                    lines.push(format!("{}:{}: {message}", job.name, outcome.line));
                }
            }
        }
    }
    if counts.failed > FAILURES_SHOWN {
        lines.push(format!("... and {} more", counts.failed - FAILURES_SHOWN));
    }
    if let Some(skip) = skip.filter(|s| s.lines.is_empty()) {
        if counts.failed == 0 {
            counts.failed = 1;
            lines.push(format!(
                "listed in expected-failures.toml ({}) but passes: remove the entry",
                skip.reason
            ));
        } else {
            lines.push(format!("expected to fail: {}", skip.reason));
            counts.skipped += counts.failed;
            counts.failed = 0;
        }
    }
    (counts, lines)
}
