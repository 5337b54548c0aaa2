//! `wafer-fuzz`: the stable batch driver of the differential fuzzer.
//!
//! ```text
//! wafer-fuzz diff    --isa aarch64 --seconds 60   # wasm-smith modules, wafer vs wasmi
//! wafer-fuzz compile --seconds 30                 # any bytes through wafer::compile, every ISA
//! wafer-fuzz repro   failures/aarch64-mismatch-1f2e.bin --isa aarch64
//! ```
//!
//! Every run prints its seed; the same seed and options give the same
//! inputs. Failing inputs go to `--failures` (`.bin`: the fuzzer bytes,
//! `.wasm`: the module, `.txt`: what went wrong). Exit status 1 when
//! anything failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use wafer::{Board, BoundsChecks, Isa};
use wafer_fuzz::compare::{Verdict, compare};
use wafer_fuzz::compile_check::{self, CompileFinding};
use wafer_fuzz::generate::TestCase;
use wafer_fuzz::rng::Rng;
use wafer_fuzz::under_wafer::{self, WaferRun};
use wafer_fuzz::{reference, seeds};

#[derive(Parser)]
#[command(
    name = "wafer-fuzz",
    about = "Differential fuzzing of wafer against wasmi"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// wasm-smith modules run under wafer and under wasmi; results, traps,
    /// memories and globals must agree.
    Diff {
        #[arg(long, default_value = "x86_64")]
        isa: String,
        #[command(flatten)]
        run: RunOptions,
        /// Bounds-check mode of the compiled modules (default: the Linux
        /// board's, `guard`).
        #[arg(long, value_enum)]
        bounds_checks: Option<BoundsChecks>,
        /// Test cases per serving image.
        #[arg(long, default_value_t = 100)]
        batch: usize,
    },
    /// Spec-suite modules, their mutations, wasm-smith modules and random
    /// bytes through wafer::compile for every ISA: must never panic.
    Compile {
        #[command(flatten)]
        run: RunOptions,
    },
    /// Re-runs one saved `.bin` input of `diff` and prints both traces'
    /// verdict.
    Repro {
        input: PathBuf,
        #[arg(long, default_value = "x86_64")]
        isa: String,
        /// Print the module as text first.
        #[arg(long)]
        wat: bool,
        /// Bounds-check mode, as for `diff`.
        #[arg(long, value_enum)]
        bounds_checks: Option<BoundsChecks>,
    },
}

#[derive(clap::Args)]
struct RunOptions {
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed of the input generator (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Where failing inputs are saved.
    #[arg(long, default_value = "fuzz/failures")]
    failures: PathBuf,
    /// The spec suite, for seeds (default `$WAFER_TESTSUITE` or
    /// `../shared/wasm-testsuite`); a missing suite means no seeds.
    #[arg(long)]
    testsuite: Option<PathBuf>,
}

impl RunOptions {
    fn seed(&self) -> u64 {
        self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let dir = self
            .testsuite
            .clone()
            .unwrap_or_else(seeds::default_testsuite);
        match seeds::spec_modules(&dir) {
            Ok(modules) => modules,
            Err(e) => {
                eprintln!("wafer-fuzz: no seeds ({e:#})");
                Vec::new()
            }
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; `Ok(false)` when it found failures.
fn run(command: Command) -> Result<bool> {
    match command {
        Command::Diff {
            isa,
            run,
            bounds_checks,
            batch,
        } => {
            let board = board(&isa)?;
            let bounds = board.bounds_checks(bounds_checks)?;
            diff(&board, bounds, &run, batch.max(1))
        }
        Command::Compile { run } => compile(&run),
        Command::Repro {
            input,
            isa,
            wat,
            bounds_checks,
        } => {
            let board = board(&isa)?;
            let bounds = board.bounds_checks(bounds_checks)?;
            repro(&input, &board, bounds, wat)
        }
    }
}

fn board(isa: &str) -> Result<Board> {
    let isa = Isa::from_name(isa).with_context(|| format!("unknown ISA `{isa}`"))?;
    under_wafer::board_for(isa)
}

/// Fuzzer input for one test case: random bytes, or (one case in three
/// when there are seeds) a spec-suite module's bytes with a few bytes
/// changed — wasm-smith reads them as choices, so structure in the seed
/// becomes different, still valid, modules.
fn next_input(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if !seeds.is_empty() && rng.below(3) == 0 {
        let mut bytes = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(8) {
            if !bytes.is_empty() {
                let at = rng.below(bytes.len());
                bytes[at] ^= rng.next_u64() as u8;
            }
        }
        bytes
    } else {
        let len = 256 + rng.below(3840);
        rng.bytes(len)
    }
}

/// Counters of one `diff` run.
#[derive(Default)]
struct DiffStats {
    modules: u64,
    calls: u64,
    /// Calls that trapped (on both sides, when they agree): a run where
    /// nothing traps would not be testing trap handling.
    trapped_calls: u64,
    /// Trapped calls by trap, to see what the generated code exercises.
    trap_kinds: std::collections::BTreeMap<String, u64>,
    mismatches: u64,
    crashes: u64,
    inconclusive: u64,
}

fn diff(board: &Board, bounds: BoundsChecks, options: &RunOptions, batch: usize) -> Result<bool> {
    let seed = options.seed();
    let isa = board.target.isa.name();
    let seeds = options.seeds();
    println!(
        "wafer-fuzz diff: isa {isa}, bounds checks {}, seed {seed}, {} seconds, {} seed modules",
        bounds.name(),
        options.seconds,
        seeds.len()
    );
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut rng = Rng::new(seed);
    let mut stats = DiffStats::default();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(options.seconds);
    while Instant::now() < deadline {
        let mut inputs = Vec::with_capacity(batch);
        let mut cases = Vec::with_capacity(batch);
        let mut traces = Vec::with_capacity(batch);
        while cases.len() < batch {
            let input = next_input(&mut rng, &seeds);
            let Ok(case) = TestCase::generate(&input) else {
                continue;
            };
            let trace = match reference::run(&case) {
                Ok(trace) => trace,
                Err(e) => {
                    // Not wafer's fault, but the generator config is wrong.
                    save(
                        &options.failures,
                        isa,
                        "reference",
                        &input,
                        &case,
                        &format!("{e:#}"),
                    )?;
                    stats.crashes += 1;
                    continue;
                }
            };
            inputs.push(input);
            cases.push(case);
            traces.push(trace);
        }
        let runs = under_wafer::run_batch(&cases, board, bounds, work.path());
        for (((input, case), want), run) in inputs.iter().zip(&cases).zip(&traces).zip(runs) {
            stats.modules += 1;
            let (kind, what) = match run {
                WaferRun::Ran(got) => {
                    stats.calls += got.steps.len().saturating_sub(1) as u64;
                    for step in got.steps.iter().skip(1) {
                        if let wafer_fuzz::trace::Outcome::Trapped(trap) = &step.outcome {
                            stats.trapped_calls += 1;
                            *stats.trap_kinds.entry(trap.to_string()).or_default() += 1;
                        }
                    }
                    match compare(case, want, &got) {
                        Verdict::Agree => continue,
                        Verdict::Inconclusive { .. } => {
                            stats.inconclusive += 1;
                            continue;
                        }
                        Verdict::Mismatch(what) => {
                            stats.mismatches += 1;
                            ("mismatch", what)
                        }
                    }
                }
                WaferRun::Rejected(e) => {
                    stats.crashes += 1;
                    ("rejected", format!("wafer rejects a valid module: {e}"))
                }
                WaferRun::Panicked(e) => {
                    stats.crashes += 1;
                    ("panic", format!("wafer::compile panicked: {e}"))
                }
                WaferRun::ImageFailed(e) => {
                    stats.crashes += 1;
                    ("image", format!("the image failed: {e}"))
                }
            };
            let path = save(&options.failures, isa, kind, input, case, &what)?;
            println!("{isa}: {kind}: {what}\n  saved as {}", path.display());
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let kinds: Vec<String> = stats
        .trap_kinds
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    println!("{isa}: traps by kind: {}", kinds.join(", "));
    println!(
        "isa {isa} ({}): modules {}, calls {} ({} trapped), modules/s {:.1}, mismatches {}, crashes {}, inconclusive {} ({seconds:.0} s, seed {seed})",
        bounds.name(),
        stats.modules,
        stats.calls,
        stats.trapped_calls,
        stats.modules as f64 / seconds,
        stats.mismatches,
        stats.crashes,
        stats.inconclusive
    );
    Ok(stats.mismatches == 0 && stats.crashes == 0)
}

fn compile(options: &RunOptions) -> Result<bool> {
    let seed = options.seed();
    let seeds = options.seeds();
    println!(
        "wafer-fuzz compile: seed {seed}, {} seconds, {} seed modules",
        options.seconds,
        seeds.len()
    );
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(options.seconds);
    let (mut inputs, mut accepted, mut failures) = (0u64, 0u64, 0u64);
    let mut next_seed = 0;
    while Instant::now() < deadline {
        // Every seed once as it is, then a mix of mutated seeds,
        // wasm-smith modules and raw bytes.
        let bytes = if next_seed < seeds.len() {
            next_seed += 1;
            seeds[next_seed - 1].clone()
        } else {
            match rng.below(3) {
                0 => next_input(&mut rng, &seeds),
                1 => match TestCase::generate(&rng.bytes(2048)) {
                    Ok(case) => case.wasm,
                    Err(_) => continue,
                },
                _ => {
                    let len = rng.below(512);
                    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
                    bytes.extend(rng.bytes(len));
                    bytes
                }
            }
        };
        inputs += 1;
        match compile_check::check(&bytes) {
            Ok(ok) => accepted += u64::from(ok),
            Err(finding) => {
                failures += 1;
                let what = match finding {
                    CompileFinding::Panicked(m) => format!("wafer::compile panicked: {m}"),
                    CompileFinding::Slow(t) => format!("wafer::compile took {t:?}"),
                };
                let path = options
                    .failures
                    .join(format!("compile-{:016x}.wasm", fnv(&bytes)));
                std::fs::create_dir_all(&options.failures)?;
                std::fs::write(&path, &bytes)?;
                std::fs::write(path.with_extension("txt"), &what)?;
                println!("compile: {what}\n  saved as {}", path.display());
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "compile (3 ISAs): inputs {inputs}, accepted {accepted}, inputs/s {:.1}, crashes {failures} ({seconds:.0} s, seed {seed})",
        inputs as f64 / seconds
    );
    Ok(failures == 0)
}

fn repro(input: &Path, board: &Board, bounds: BoundsChecks, print_wat: bool) -> Result<bool> {
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let case = TestCase::generate(&bytes)?;
    if print_wat {
        println!("{}", wasmprinter::print_bytes(&case.wasm)?);
    }
    let want = reference::run(&case)?;
    let work = tempfile::tempdir()?;
    let mut runs = under_wafer::run_batch(std::slice::from_ref(&case), board, bounds, work.path());
    let Some(run) = runs.pop() else {
        bail!("no run");
    };
    for (i, step) in want.steps.iter().enumerate() {
        println!(
            "wasmi {}: {}",
            wafer_fuzz::compare::describe_step(&case, i),
            step.outcome
        );
    }
    match run {
        WaferRun::Ran(got) => {
            for (i, step) in got.steps.iter().enumerate() {
                println!(
                    "wafer {}: {}",
                    wafer_fuzz::compare::describe_step(&case, i),
                    step.outcome
                );
            }
            let verdict = compare(&case, &want, &got);
            println!("{verdict:?}");
            Ok(!matches!(verdict, Verdict::Mismatch(_)))
        }
        other => {
            println!("{other:?}");
            Ok(false)
        }
    }
}

/// Saves a failing input; returns the path of its `.bin`.
fn save(
    dir: &Path,
    isa: &str,
    kind: &str,
    input: &[u8],
    case: &TestCase,
    what: &str,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let base = dir.join(format!("{isa}-{kind}-{:016x}", fnv(input)));
    std::fs::write(base.with_extension("bin"), input)?;
    std::fs::write(base.with_extension("wasm"), &case.wasm)?;
    std::fs::write(base.with_extension("txt"), format!("{what}\n"))?;
    Ok(base.with_extension("bin"))
}

fn fnv(bytes: &[u8]) -> u64 {
    wafer_abi::serve::fnv1a64(bytes)
}
