"""The Linux suite: builds each program every way, runs the engines
interleaved, checks that their outputs agree."""

import shlex
from dataclasses import dataclass, field

from . import build, measure

NATIVE = "native"
WASMTIME = "wasmtime"


@dataclass
class Engine:
    name: str
    command: list  # the program's size argument is appended
    artifact: build.Artifact
    baseline: str = None  # a SIMD column: the non-SIMD column it is compared with


@dataclass
class Result:
    program: str
    engines: list = field(default_factory=list)  # [Engine], native first
    samples: dict = field(default_factory=dict)  # engine name -> [Sample]
    wasm_size: int = 0
    simd_wasm_size: int = 0  # the -msimd128 module, with --simd
    problems: list = field(default_factory=list)  # wrong output, crashes, build errors
    in_geomean: bool = True  # CoreMark is reported beside the mean, not in it

    def cpu(self, engine):
        return [s.cpu for s in self.samples.get(engine, [])]

    def wall(self, engine):
        return [s.wall for s in self.samples.get(engine, [])]

    def artifact(self, engine):
        return next((e.artifact for e in self.engines if e.name == engine), None)


SIMD_SUFFIX = " +simd"


def wafer_engine_name(flags):
    return "wafer" + (" " + " ".join(flags) if flags else "")


def wasmtime_engine_name(label):
    """The column of Wasmtime in one of `tools.WASMTIME_CHECKED`'s
    configurations ("" for its default)."""
    return WASMTIME + (" " + label if label else "")


def simd_wafer_variants(wafer_variants, cpu_presets):
    """The wafer columns of the -msimd128 module, as (flags, the non-SIMD
    column each is compared with): the first wafer column's flags (one more
    column per flag set would double the run time for little), then the same
    with `--cpu P` for each extra preset (riscv64: rv64gcv, with V). Every one
    is compared with the first non-SIMD wafer column: what a user gets by
    adding -msimd128 (and the preset) to the same build."""
    first = list(wafer_variants[0]) if wafer_variants else []
    baseline = wafer_engine_name(first)
    return [(first, baseline)] + [([*first, "--cpu", p], baseline) for p in cpu_presets]


def make_engines(ctx, name, native_sources, wasm_sources, result, cflags=(), wasm_libs=()):
    """Builds the native binary, the wasm module, one wafer image per flag
    variant and the .cwasm; with ctx.simd also the -msimd128 module, its
    wafer images and its .cwasm. A failed build is recorded as a problem and
    the engine left out."""
    isa, out = ctx.isa, ctx.workdir
    try:
        native_flags = [*cflags, *ctx.native_cflags]
        native = build.native(ctx.clang, isa, native_sources, str(out / f"{name}.native"), native_flags)
        module = build.wasm(ctx.clang, wasm_sources, str(out / f"{name}.wasm"), cflags, wasm_libs)
    except build.BuildError as e:
        result.problems.append(str(e))
        return
    result.wasm_size = module.size
    result.engines.append(Engine(NATIVE, [*ctx.run_prefix, native.path], native))
    variants = [(flags, None) for flags in ctx.wafer_variants]
    _add_wasm_engines(ctx, name, module, variants, "", result)
    if not getattr(ctx, "simd", False):
        return
    try:
        simd_module = build.wasm(
            ctx.clang, wasm_sources, str(out / f"{name}.simd.wasm"), [*cflags, *build.SIMD_CFLAGS], wasm_libs
        )
    except build.BuildError as e:
        result.problems.append(str(e))
        return
    result.simd_wasm_size = simd_module.size
    _add_wasm_engines(ctx, name, simd_module, ctx.simd_wafer_variants, SIMD_SUFFIX, result)


def _add_wasm_engines(ctx, name, module, variants, suffix, result):
    """One wafer engine per (flags, baseline) variant and the Wasmtime engine
    for one module; suffix tells the SIMD module's columns apart."""
    isa, out = ctx.isa, ctx.workdir
    tag = ".simd" if suffix else ""
    for flags, baseline in variants:
        image_path = str(out / f"{name}{tag}.wafer-{build.variant_slug(flags)}")
        try:
            image = build.wafer_image(ctx.wafer, isa.wafer_board, flags, module.path, image_path)
        except build.BuildError as e:
            result.problems.append(str(e))
            continue
        engine_name = wafer_engine_name(flags) + suffix
        result.engines.append(Engine(engine_name, [*ctx.run_prefix, image.path], image, baseline))
    if not ctx.wasmtime:
        return
    # The checked configurations only for the scalar module: the SIMD
    # table compares Wasmtime's default builds.
    configs = [("", [])] + ([] if suffix else list(getattr(ctx, "wasmtime_checked", [])))
    for label, flags in configs:
        slug = f".{build.variant_slug(flags)}" if flags else ""
        try:
            compiled = build.cwasm(ctx.wasmtime, isa, module.path, str(out / f"{name}{tag}{slug}.cwasm"), flags)
        except build.BuildError as e:
            result.problems.append(str(e))
            continue
        engine_name = wasmtime_engine_name(label) + suffix
        baseline = WASMTIME if suffix else None
        if ctx.wasmtime_runner:
            runner = [*ctx.wasmtime_runner, "run", "--allow-precompiled", *flags, compiled.path]
            result.engines.append(Engine(engine_name, runner, compiled, baseline))
        else:
            # Compiled (for the size and compile time) but nothing runs it here.
            result.engines.append(Engine(engine_name, None, compiled, baseline))


def run_rounds(result, args, rounds, normalize, timeout):
    """Runs every engine once per round, the order rotated each round so
    that drift in machine load spreads over all engines. Checks exit status
    and that normalize(stdout) matches native's."""
    runnable = [e for e in result.engines if e.command]
    reference = None
    for round_index in range(rounds):
        shift = round_index % len(runnable)
        for engine in runnable[shift:] + runnable[:shift]:
            sample = measure.run([*engine.command, *args], timeout=timeout)
            result.samples.setdefault(engine.name, []).append(sample)
            if sample.returncode != 0:
                result.problems.append(
                    f"{engine.name}: exit {sample.returncode}"
                    f"{' (timed out)' if sample.timed_out else ''} from "
                    f"{shlex.join([*engine.command, *args])}: {sample.stderr.strip()[-500:]}"
                )
                continue
            output = normalize(sample.stdout)
            if engine.name == NATIVE and reference is None:
                reference = output
    # Compare after the loop: native need not run first in every round.
    for name, samples in result.samples.items():
        for sample in samples:
            if sample.returncode == 0 and normalize(sample.stdout) != reference:
                result.problems.append(
                    f"{name}: output differs from native: {sample.stdout.strip()[:300]!r} vs {reference!r}"
                )
                break
    # Drop the samples of an engine that failed in any round: its times
    # would mix successes and crashes.
    for name in list(result.samples):
        if any(s.returncode != 0 for s in result.samples[name]):
            del result.samples[name]


def identity(text):
    return text.strip()
