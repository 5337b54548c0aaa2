#!/usr/bin/env python3
"""What one bounds check costs in a memory-bound loop on this x86_64 host,
apart from the compiler: native hashmap (clang -O2) with N copies of an
instruction shape inserted in front of each insertion, timed against the
unchanged program in interleaved rounds.

hashmap spends about half its time waiting for the slot of a 3 MB table
(docs/benchmarks.md, "Where hashmap's explicit checks cost time"), so what
an inserted instruction costs depends less on its latency than on what it
holds while that miss is outstanding. The shapes are the ones explicit
bounds checks take in wafer's x86_64 code:

- `cmp reg, reg; jcc`: a check against the length register itself;
- `lea; cmp; jcc`: a check whose `length - end` is computed first;
- `cmp mem, reg; jcc`: a check against a bound kept in a stack slot;

and, for scale, `nop`s (as many instructions as the compare-and-branch
pairs) and `mov imm, reg` (a register written, nothing compared). No
inserted branch is ever taken.

    python3 benches/tools/check_cost.py            # 12 per insertion, 9 rounds
    python3 benches/tools/check_cost.py -n 15 --count 24

x86_64 only; needs clang (as benches/README.md installs it). Prints a
markdown table.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parents[1] / "programs"

# The statement each shape is inserted in front of, once per insertion.
MARKER = "add(&t, buf, make_key(buf, n));"

# The three scratch registers the shapes write, declared clobbered.
SCRATCH = ("r9", "r10", "r11")


def shapes(count: int) -> dict:
    """Per shape: (extended-asm template of `count` copies, clobbered
    registers). `%%` is one `%` in extended asm; `1:` ends every branch."""
    regs = [SCRATCH[i % len(SCRATCH)] for i in range(count)]
    return {
        "none": ("", ()),
        f"{2 * count} nop": ("nop\n" * (2 * count), ()),
        f"{count} cmp reg, reg; jcc": ("cmp %%rsp, %%rbp\njz 1f\n" * count + "1:\n", ()),
        f"{count} lea; cmp; jcc": (
            "".join(f"lea {i + 1}(%%rbp), %%{r}\ncmp %%rsp, %%{r}\njz 1f\n" for i, r in enumerate(regs))
            + "1:\n",
            SCRATCH,
        ),
        f"{count} cmp mem, reg; jcc": (
            "".join(f"cmp {8 * (i % 4)}(%%rsp), %%rbp\njz 1f\n" for i in range(count)) + "1:\n",
            (),
        ),
        f"{count} mov imm, reg": ("".join(f"mov ${i + 1}, %%{r}\n" for i, r in enumerate(regs)), SCRATCH),
    }


def padded_source(source: str, template: str, clobbers) -> str:
    """hashmap.c with `template` as an asm statement in front of each
    insertion. Raises ValueError when the program no longer has the
    statement it is inserted before."""
    if source.count(MARKER) != 1:
        raise ValueError(f"hashmap.c no longer has exactly one `{MARKER}`: update check_cost.py")
    if not template:
        return source
    body = template.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n\\t")
    clobber_list = "".join(f', "{r}"' for r in clobbers)
    statement = f'__asm__ volatile("{body}" ::: "cc"{clobber_list});'
    return source.replace(MARKER, f"{statement} {MARKER}")


def kernel_ms(binary: Path) -> float:
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True)
    found = re.search(r"kernel_ns (\d+)", out.stderr + out.stdout)
    if not found:
        raise RuntimeError(f"{binary.name} printed no kernel_ns")
    return int(found.group(1)) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--count", type=int, default=12, help="checks inserted per insertion (default 12)")
    args = parser.parse_args()
    if subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip() != "x86_64":
        print("x86_64 only", file=sys.stderr)
        return 1
    source = (PROGRAMS / "hashmap.c").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        binaries = {}
        for index, (name, (template, clobbers)) in enumerate(shapes(args.count).items()):
            c_file = work / f"variant{index}.c"
            c_file.write_text(padded_source(source, template, clobbers))
            binary = work / f"variant{index}"
            subprocess.run(
                ["clang", "-O2", "-ffp-contract=off", "-static", "-s", f"-I{PROGRAMS}", str(c_file), "-o", str(binary), "-lm"],
                check=True,
            )
            binaries[name] = binary
        times = {name: [] for name in binaries}
        for _ in range(args.rounds):
            for name, binary in binaries.items():
                times[name].append(kernel_ms(binary))
    base = statistics.median(times["none"])
    print(f"| inserted before each insertion ({args.rounds} rounds) | median ms | ÷ none (min–max) |")
    print("|---|---:|---:|")
    for name, samples in times.items():
        ratios = [t / b for t, b in zip(samples, times["none"])]
        median = statistics.median(samples)
        print(f"| {name} | {median:.1f} | {median / base:.3f} ({min(ratios):.2f}–{max(ratios):.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
