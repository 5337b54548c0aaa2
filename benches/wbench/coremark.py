"""CoreMark (EEMBC), when a source tree is given with --coremark DIR.

Its license keeps it out of this repository. Built from DIR's core_*.c and
the posix port (posix/core_portme.c, clock_gettime) natively and for
wasm32-wasi with the same flags: a performance run with fixed seeds
(SEED_VOLATILE) and ITERATIONS, so every engine does the same work and prints
the same CRCs. Only the CRC lines are compared: the timing lines differ by
nature, and CoreMark itself calls a run under 10 s invalid, which is about
the score it reports, not about the work done."""

import re
from pathlib import Path

from . import suite

SOURCES = ["core_list_join.c", "core_main.c", "core_matrix.c", "core_state.c", "core_util.c"]
CRC_LINE = re.compile(r"^(\[\d+\])?(seedcrc|crclist|crcmatrix|crcstate|crcfinal)\s*:\s*0x[0-9a-fA-F]+\s*$")


def sources(tree):
    tree = Path(tree).resolve()
    files = [tree / name for name in SOURCES] + [tree / "posix" / "core_portme.c"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise SystemExit(
            f"error: {tree} is not a CoreMark source tree (missing {', '.join(missing)}); "
            "expected the layout of EEMBC's coremark repository"
        )
    return tree, [str(f) for f in files]


def crc_lines(stdout):
    """The CRC lines of CoreMark's report: the part that must agree."""
    return [line.strip() for line in stdout.splitlines() if CRC_LINE.match(line.strip())]


def run(ctx, args, rounds):
    tree, files = sources(args.coremark)
    iterations = args.coremark_iterations or (3000 if args.quick else 120000)
    cflags = [
        f"-I{tree}",
        f"-I{tree / 'posix'}",
        "-DPERFORMANCE_RUN=1",
        "-DSEED_METHOD=SEED_VOLATILE",
        f"-DITERATIONS={iterations}",
        '-DFLAGS_STR="-O2"',
        # wasi-libc declares clock() only with this; the posix port may use it.
        "-D_WASI_EMULATED_PROCESS_CLOCKS",
        "-Wno-everything",  # not our code
    ]
    name = f"coremark ({iterations} it.)"
    result = suite.Result(name, in_geomean=False)
    # The same flags natively: the WASI define means nothing to glibc.
    suite.make_engines(ctx, "coremark", files, files, result, cflags, ["-lwasi-emulated-process-clocks"])
    if result.engines:
        # CoreMark takes no size argument: its work is fixed by ITERATIONS.
        suite.run_rounds(result, [], rounds, crc_lines, args.timeout)
        if not any(crc_lines(s.stdout) for s in result.samples.get(suite.NATIVE, [])):
            result.problems.append("native: no CRC lines in CoreMark's output (is this CoreMark?)")
    return result
