"""wafer's bare-metal boards under QEMU (full-system emulation, TCG): each
program with its board-sized input via `wafer run --board B`, timed by the
program itself (CLOCK_MONOTONIC -> WASI clock_time_get -> the board timer).

TCG times say how fast QEMU emulates the board on this host, not how fast
the silicon is: compare boards with each other and over time, not with the
Linux tables."""

import re
import statistics
import sys

from . import board_spec, board_startup, build, measure, programs

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


def _columns(ctx, args, boards):
    """(board, label, flags) per table column: each board once per variant."""
    return [(b, label, flags) for b in boards for label, flags in board_spec.variants(ctx, args, b)]


def _column_title(board, label):
    return f"`{board}` {label}".strip()


def run(ctx, args):
    """Prints the board table; False when a board gave a wrong answer."""
    columns = _columns(ctx, args, _select(args.boards))
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
        for board, label, flags in columns:
            times = []
            for _ in range(rounds):
                cmd = [ctx.wafer, "run", "--board", board, *flags, module.path, "--", size]
                sample = measure.run(cmd, timeout=args.timeout)
                found = KERNEL_NS.search(sample.stdout + "\n" + sample.stderr)
                if sample.returncode != 0 or _checksum(sample.stdout) != reference or not found:
                    problems.append(
                        f"{prog.name} on {_column_title(board, label)}: exit {sample.returncode}, stdout "
                        f"{sample.stdout.strip()[:200]!r} (native: {reference!r}), stderr "
                        f"{sample.stderr.strip()[-300:]!r}"
                    )
                    break
                times.append(int(found.group(1)) / 1e6)
            cells.append(f"{statistics.median(times):.1f}" if times else "✗")
        rows.append(f"| {prog.name} ({size}) | " + " | ".join(cells) + " |")
    print("\n## Bare-metal boards (QEMU TCG): kernel time the program measured itself, ms (median)\n")
    print(f"Columns: board and bounds-check mode (or wafer flags); {rounds} run(s) per cell.\n")
    print("| program (size) | " + " | ".join(_column_title(b, label) for b, label, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
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
