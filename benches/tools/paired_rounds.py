#!/usr/bin/env python3
"""Two or more builds of one bench program timed side by side, round by
round: each round runs every executable once (in turn, the order reversed
every other round), reads the `kernel_ns` it prints, and divides each
one's time by the first's in that round. Prints the median of those
ratios, their quartiles and a 95 % bootstrap interval of the median.

Pairing rounds is what makes small differences visible on a noisy host:
hashmap's time moves by ±5 % from round to round with the shared caches,
and the builds of one round see the same state.

    python3 benches/tools/paired_rounds.py -n 150 ./hashmap.guard ./hashmap.explicit
    python3 benches/tools/paired_rounds.py -n 61 ./guard ./old ./new -- 16000

Arguments after `--` are passed to every executable (a bench program's
size). The executables are wafer or native builds of a program from
benches/programs (anything that prints `kernel_ns N`).
"""

import argparse
import random
import re
import statistics
import subprocess
import sys

# Resamples for the bootstrap interval; seeded so that one set of times
# always gives the same interval.
RESAMPLES = 2000
SEED = 9


def kernel_ns(command: list) -> int:
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    found = re.search(r"kernel_ns (\d+)", out.stderr + out.stdout)
    if not found:
        raise RuntimeError(f"{command[0]} printed no kernel_ns")
    return int(found.group(1))


def summary(ratios: list) -> dict:
    """Median, quartiles and a 95 % bootstrap interval of the median."""
    ordered = sorted(ratios)
    first, _, third = statistics.quantiles(ordered, n=4, method="inclusive")
    draw = random.Random(SEED)
    medians = sorted(
        statistics.median(draw.choices(ordered, k=len(ordered))) for _ in range(RESAMPLES)
    )
    return {
        "median": statistics.median(ordered),
        "quartiles": (first, third),
        "interval": (medians[int(RESAMPLES * 0.025)], medians[int(RESAMPLES * 0.975) - 1]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--rounds", type=int, default=31, help="rounds (default 31)")
    parser.add_argument("executables", nargs="+", help="the first is the one the others are divided by")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    extra = argv[split + 1 :]
    if len(args.executables) < 2:
        parser.error("give at least two executables")
    times = {exe: [] for exe in args.executables}
    for round_index in range(args.rounds):
        order = args.executables if round_index % 2 == 0 else args.executables[::-1]
        for exe in order:
            times[exe].append(kernel_ns([exe, *extra]))
    base = args.executables[0]
    print(f"| build ÷ {base} ({args.rounds} paired rounds) | median | quartiles | 95 % interval of the median |")
    print("|---|---:|---:|---:|")
    for exe in args.executables[1:]:
        s = summary([t / b for t, b in zip(times[exe], times[base])])
        low, high = s["quartiles"]
        ilow, ihigh = s["interval"]
        print(f"| {exe} | {s['median']:.3f} | {low:.3f}–{high:.3f} | {ilow:.3f}–{ihigh:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
