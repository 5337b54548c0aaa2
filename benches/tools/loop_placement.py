#!/usr/bin/env python3
"""How much a hot loop's placement costs on this x86_64 host, apart from
everything else: matmul's inner loop (the 17-instruction `f64x2` form wafer
emits, as x86_64 assembly) run from each 8-byte offset within a 64-byte line,
with the register assignments two wafer builds gave it. Cranelift does not
align loop headers, so any change elsewhere in a function can move its hot
loop; this shows what that alone does to the time.

    python3 benches/tools/loop_placement.py        # needs gcc, x86_64 only

Prints one line per offset: best of 3 runs for each register assignment.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

# The two halves of one turn: c[j..j+2] += a * b[j..j+2], twice. `{p}` and
# `{q}` are the product and the loaded b of each half.
HALF = (
    '"movupd {off}(%0),%%xmm2\\n\\t movdqu {off}(%1),%%{q}\\n\\t'
    ' movdqa %%xmm1,%%{p}\\n\\t mulpd %%{q},%%{p}\\n\\t addpd %%{p},%%xmm2\\n\\t'
    ' movupd %%xmm2,{off}(%0)\\n\\t"\n'
)

ASSIGNMENTS = {
    "two register pairs": [("xmm5", "xmm3"), ("xmm6", "xmm4")],
    "one pair reused": [("xmm3", "xmm4"), ("xmm3", "xmm4")],
}

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
#define N 700
int main(void) {
    double *c = aligned_alloc(64, N * 8), *b = aligned_alloc(64, N * 8);
    for (int i = 0; i < N; i++) { c[i] = i; b[i] = i * 0.5; }
    double a = 1.0001, best = 1e9;
    for (int round = 0; round < 3; round++) {
        double start = now();
        for (int rep = 0; rep < N * N; rep++) {
            char *pc = (char *)c, *pb = (char *)b;
            long n = N / 4;
            __asm__ volatile(
                "movq %3, %%xmm1\n\t unpcklpd %%xmm1, %%xmm1\n\t"
                ".p2align 6\n\t .fill PAD, 1, 0x90\n\t"
                "1:\n\t"
                BODY
                "add $0x20, %0\n\t add $0x20, %1\n\t dec %2\n\t jnz 1b"
                : "+r"(pc), "+r"(pb), "+r"(n)
                : "r"(a)
                : "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "memory", "cc");
        }
        double took = now() - start;
        if (took < best) best = took;
    }
    printf("%.3f %g\n", best, c[5]);
    return 0;
}
"""


def run(pad: int, halves: list, work: Path) -> float:
    body = "".join(
        HALF.format(off=off, p=p, q=q) for off, (p, q) in zip(("0", "0x10"), halves)
    )
    source = work / "loop.c"
    binary = work / "loop"
    source.write_text(PROGRAM.replace("PAD", str(pad)).replace("BODY", body))
    subprocess.run(["gcc", "-O2", str(source), "-o", str(binary)], check=True)
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def main() -> int:
    if subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip() != "x86_64":
        print("x86_64 only", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("| loop's offset in its 64-byte line | " + " | ".join(ASSIGNMENTS) + " |")
        print("|---:|" + "---:|" * len(ASSIGNMENTS))
        for pad in range(0, 64, 8):
            cells = [f"{run(pad, halves, work):.3f} s" for halves in ASSIGNMENTS.values()]
            print(f"| {pad} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
