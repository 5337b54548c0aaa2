"""Startup: what it costs to start a module and have `_start` return.

Linux: hundreds of interleaved runs of programs/empty.wat (its `_start`
returns at once) as a wafer executable and under wasmtime (precompiled), and
of a static native executable that does nothing (programs/empty.c). Reported
per run: median wall time from spawn to reaped and median user+sys CPU time.
The module's first instruction runs right before `_start` returns here, so
"exec to first instruction" and "exec to exit" differ by a few instructions.

Bare-metal boards: see benches/README.md (instruction counts from reset)."""

import statistics
import sys

from . import build, measure, programs


def run(ctx, args):
    runs = 30 if args.quick else 300
    out = build.workdir(args.workdir, f"startup-{ctx.isa.name}")
    native = build.native(ctx.clang, ctx.isa, [str(programs.PROGRAM_DIR / "empty.c")], str(out / "empty.native"))
    wat = str(programs.PROGRAM_DIR / "empty.wat")
    engines = [("native (static, empty main)", [*ctx.isa.run_prefix, native.path], native.size)]
    for flags in ctx.wafer_variants:
        image = build.wafer_image(
            ctx.wafer, ctx.isa.wafer_board, flags, wat, str(out / f"empty.{build.variant_slug(flags)}")
        )
        engines.append(
            ("wafer" + (" " + " ".join(flags) if flags else ""), [*ctx.isa.run_prefix, image.path], image.size)
        )
    if ctx.wasmtime and ctx.wasmtime_runner:
        compiled = build.cwasm(ctx.wasmtime, ctx.isa, wat, str(out / "empty.cwasm"))
        engines.append(
            (
                "wasmtime (precompiled)",
                [*ctx.wasmtime_runner, "run", "--allow-precompiled", compiled.path],
                compiled.size,
            )
        )
    print(f"# startup: {runs} runs x {len(engines)} ...", file=sys.stderr, flush=True)
    walls = {name: [] for name, _, _ in engines}
    cpus = {name: [] for name, _, _ in engines}
    failures = []
    for _ in range(runs):
        for name, cmd, _ in engines:
            sample = measure.run(cmd, timeout=60)
            if sample.returncode != 0:
                failures.append(f"{name}: exit {sample.returncode}: {sample.stderr.strip()[-300:]}")
                continue
            walls[name].append(sample.wall)
            cpus[name].append(sample.cpu)
    print(f"\n## Startup on {ctx.isa.name}: exec to exit of an empty program ({runs} interleaved runs)\n")
    print("| engine | wall ms (median) | wall ms (min) | CPU ms (median) | file B |")
    print("|---|---:|---:|---:|---:|")
    for name, _, size in engines:
        w, c = walls[name], cpus[name]
        if not w:
            print(f"| {name} | ✗ | ✗ | ✗ | {size} |")
            continue
        print(
            f"| {name} | {statistics.median(w) * 1e3:.2f} | {min(w) * 1e3:.2f} | "
            f"{statistics.median(c) * 1e3:.2f} | {size} |"
        )
    if failures:
        print("\n" + "\n".join(f"- {f}" for f in sorted(set(failures))))
    return not failures
