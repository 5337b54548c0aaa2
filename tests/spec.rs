//! The WebAssembly spec suite through wafer, on every target.
//!
//! Runs `$WAFER_TESTSUITE/core/*.wast` (default: `../shared/wasm-testsuite`
//! beside the repository) and our own `tests/wast/*.wast`, each on
//! x86_64 (native), aarch64 and riscv64 (qemu-user). One job per (target,
//! file) on a thread pool; each job compiles the file's modules, links one
//! serving image and drives it (see the `wafer_tests` library).
//!
//! Environment: `WAFER_SPEC_TARGETS=x86_64,aarch64` and
//! `WAFER_SPEC_FILES=i32,call` narrow the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use wafer::{Board, Isa};
use wafer_tests::{Status, runner, script, skips};

struct Job {
    isa: Isa,
    /// CPU preset, when not the target's default.
    cpu: Option<String>,
    name: String,
    path: PathBuf,
}

impl Job {
    fn target_name(&self) -> String {
        match &self.cpu {
            Some(cpu) => format!("{}:{cpu}", self.isa.name()),
            None => self.isa.name().to_string(),
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
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

fn wast_files(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read the spec suite at {}: {e} (set WAFER_TESTSUITE)",
                dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wast"))
        .map(|p| {
            (
                format!("{prefix}{}", p.file_name().unwrap().to_string_lossy()),
                p,
            )
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

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let skip_list = skips::load(&root.join("expected-failures.toml")).expect("skip list parses");
    let mut files = wast_files(&suite_dir(), "");
    files.extend(wast_files(&root.join("wast"), "wafer/"));
    if let Some(filter) = env_list("WAFER_SPEC_FILES") {
        files.retain(|(name, _)| filter.iter().any(|f| name.contains(f.as_str())));
    }
    let targets: Vec<(Isa, Option<String>)> = match env_list("WAFER_SPEC_TARGETS") {
        Some(names) => names
            .iter()
            .map(|n| {
                let (isa, cpu) = match n.split_once(':') {
                    Some((isa, cpu)) => (isa, Some(cpu.to_string())),
                    None => (n.as_str(), None),
                };
                (
                    Isa::from_name(isa).unwrap_or_else(|| panic!("unknown target {n}")),
                    cpu,
                )
            })
            .collect(),
        None => Isa::ALL.iter().map(|&isa| (isa, None)).collect(),
    };
    let jobs: Vec<Job> = targets
        .iter()
        .flat_map(|(isa, cpu)| {
            files.iter().map(move |(name, path)| Job {
                isa: *isa,
                cpu: cpu.clone(),
                name: name.clone(),
                path: path.clone(),
            })
        })
        .collect();

    let queue = Mutex::new(jobs.into_iter());
    let totals: Mutex<BTreeMap<String, Counts>> = Mutex::new(BTreeMap::new());
    let problems: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let Some(job) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let (counts, lines) = run_job(&job, &skip_list);
                    let mut totals = totals.lock().unwrap();
                    let t = totals.entry(job.target_name()).or_default();
                    t.passed += counts.passed;
                    t.failed += counts.failed;
                    t.skipped += counts.skipped;
                    drop(totals);
                    println!(
                        "{:<8} {:<36} {:>5} passed {:>4} failed {:>5} skipped",
                        job.target_name(),
                        job.name,
                        counts.passed,
                        counts.failed,
                        counts.skipped
                    );
                    for line in &lines {
                        println!("    {line}");
                    }
                    if counts.failed > 0 {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("{} {}", job.isa, job.name));
                    }
                }
            });
        }
    });

    let totals = totals.into_inner().unwrap();
    println!();
    println!("| target | passed | failed | skipped |");
    println!("|---|---:|---:|---:|");
    let mut all = Counts::default();
    for (isa, c) in &totals {
        println!("| {isa} | {} | {} | {} |", c.passed, c.failed, c.skipped);
        all.passed += c.passed;
        all.failed += c.failed;
        all.skipped += c.skipped;
    }
    for skip in skip_list.iter().filter(|s| s.not_run) {
        println!("\nnot run: {} ({})", skip.file, skip.reason);
    }
    let problems = problems.into_inner().unwrap();
    if !problems.is_empty() {
        println!("\nfailing: {}", problems.join(", "));
    }
    println!(
        "\n{} passed, {} failed, {} skipped",
        all.passed, all.failed, all.skipped
    );
    if all.failed > 0 || all.passed == 0 {
        std::process::exit(1);
    }
}

/// Runs one file on one target; returns the counts and lines to print.
fn run_job(job: &Job, skip_list: &[skips::Skip]) -> (Counts, Vec<String>) {
    let mut counts = Counts::default();
    let plan = match script::plan_file(&job.path) {
        Ok(plan) => plan,
        Err(e) => {
            counts.failed += 1;
            return (counts, vec![format!("{}: {e:#}", job.name)]);
        }
    };
    let skip = skips::find(skip_list, &job.name, job.isa.name());
    if skip.is_some_and(|s| s.not_run) {
        counts.skipped = plan.steps.len();
        return (counts, Vec::new());
    }
    let mut board =
        Board::by_name(&format!("linux-{}", job.isa.name())).expect("linux boards exist");
    if let Some(cpu) = &job.cpu {
        board.target.set_cpu(cpu).expect("known CPU preset");
    }
    let work = tempfile::tempdir().expect("temporary directory");
    let outcomes = runner::run(&plan, &board, work.path());
    let mut lines = Vec::new();
    for outcome in &outcomes {
        match &outcome.status {
            Status::Pass => counts.passed += 1,
            Status::Fail(message) => {
                counts.failed += 1;
                if lines.len() < 8 {
                    lines.push(format!("{}:{}: {message}", job.name, outcome.line));
                }
            }
        }
    }
    if let Some(skip) = skip {
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
