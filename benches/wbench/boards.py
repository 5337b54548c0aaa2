"""wafer's bare-metal boards under QEMU (full-system emulation, TCG): each
program with its board-sized input via `wafer run --board B`, timed by the
program itself (CLOCK_MONOTONIC -> WASI clock_time_get -> the board timer).

TCG times say how fast QEMU emulates the board on this host, not how fast
the silicon is: compare boards with each other and over time, not with the
Linux tables."""

import re
import statistics
import sys

from . import board_startup, build, measure, programs

BOARDS = ["qemu-virt-riscv64", "qemu-virt-aarch64", "qemu-x86_64", "raspi3b", "sifive-u"]
KERNEL_NS = re.compile(r"^kernel_ns (\d+)$", re.MULTILINE)


def _select(spec):
    if spec == "all":
        return list(BOARDS)
    chosen = [b.strip() for b in spec.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BOARDS]
    if unknown:
        raise SystemExit(f"error: unknown board(s) {', '.join(unknown)}; known: {', '.join(BOARDS)}")
    return chosen


def run(ctx, args):
    """Prints the board table; False when a board gave a wrong answer."""
    boards = _select(args.boards)
    rounds = 1 if args.quick else 3
    host = build.workdir(args.workdir, "boards")
    rows, problems = [], []
    for prog in programs.select(args.only):
        size = str(prog.board)
        print(f"# boards: {prog.name} ({size}) ...", file=sys.stderr, flush=True)
        try:
            native = build.native(ctx.clang, _host_isa(), [str(prog.source)], str(host / f"{prog.name}.native"))
            module = build.wasm(ctx.clang, [str(prog.source)], str(host / f"{prog.name}.wasm"))
        except build.BuildError as e:
            problems.append(f"{prog.name}: {e}")
            continue
        reference = _checksum(measure.run([native.path, size]).stdout)
        cells = []
        for board in boards:
            times = []
            for _ in range(rounds):
                cmd = [ctx.wafer, "run", "--board", board, *ctx.wafer_variants[0], module.path, "--", size]
                sample = measure.run(cmd, timeout=args.timeout)
                found = KERNEL_NS.search(sample.stdout + "\n" + sample.stderr)
                if sample.returncode != 0 or _checksum(sample.stdout) != reference or not found:
                    problems.append(
                        f"{prog.name} on {board}: exit {sample.returncode}, stdout "
                        f"{sample.stdout.strip()[:200]!r} (native: {reference!r}), stderr "
                        f"{sample.stderr.strip()[-300:]!r}"
                    )
                    break
                times.append(int(found.group(1)) / 1e6)
            cells.append(f"{statistics.median(times):.1f}" if times else "✗")
        rows.append(f"| {prog.name} ({size}) | " + " | ".join(cells) + " |")
    print("\n## Bare-metal boards (QEMU TCG): kernel time the program measured itself, ms (median)\n")
    print(f"wafer flags: `{' '.join(ctx.wafer_variants[0]) or '(none)'}`; {rounds} run(s) per cell.\n")
    print("| program (size) | " + " | ".join(f"`{b}`" for b in boards) + " |")
    print("|---|" + "---:|" * len(boards))
    print("\n".join(rows))
    print("\n### Board problems\n")
    print("\n".join(f"- {p}" for p in problems) or "none: every board printed native's checksum")
    return not problems


def run_startup(ctx, args):
    return board_startup.run(ctx, args, _select(args.boards or "all"))


def _checksum(stdout):
    """The checksum line. A board has one console: the program's stderr
    (kernel_ns) arrives on the host's stdout too."""
    return [line for line in stdout.splitlines() if line.startswith("checksum ")]


def _host_isa():
    from .tools import ISAS

    return ISAS["x86_64"]
