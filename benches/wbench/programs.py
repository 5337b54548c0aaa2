"""The benchmark programs and their sizes (argv[1] of each program).

normal: ~0.5-2 s natively on a 2020s x86_64 core; quick: a smoke test;
board: small enough for QEMU's full-system emulation (TCG)."""

from dataclasses import dataclass
from pathlib import Path

PROGRAM_DIR = Path(__file__).resolve().parent.parent / "programs"


@dataclass(frozen=True)
class Program:
    name: str
    what: str  # what the program stresses, for the report
    normal: int
    quick: int
    board: int

    @property
    def source(self):
        return PROGRAM_DIR / f"{self.name}.c"


PROGRAMS = [
    Program("fib", "recursive fibonacci (calls)", 42, 32, 30),
    Program("matmul", "700x700 double matmul x5", 700, 250, 120),
    Program("nbody", "5-body simulation (steps)", 20000000, 1000000, 200000),
    Program("sieve_crc", "sieve + CRC-32 (M bytes)", 24, 4, 2),
    Program("hashmap", "string keys, open addressing (k ops)", 16000, 1500, 300),
    Program("interp", "bytecode VM, switch dispatch (k steps)", 20000, 4000, 1000),
    Program("json", "tokenize 16 MB JSON (passes)", 48, 8, 2),
]


# The name `--only` gives CoreMark, which runs from a tree the user passes
# (`--coremark DIR`) rather than from programs/.
COREMARK = "coremark"


def _names(names):
    return [n.strip() for n in names.split(",") if n.strip()]


def select(names):
    """The programs named in a comma-separated list (all when empty). The
    list may also name CoreMark (`coremark_selected` tells), which is not
    one of these programs."""
    if not names:
        return list(PROGRAMS)
    wanted = _names(names)
    known = {p.name: p for p in PROGRAMS}
    unknown = [n for n in wanted if n not in known and n != COREMARK]
    if unknown:
        raise SystemExit(
            f"error: unknown program(s) {', '.join(unknown)}; known: {', '.join([*known, COREMARK])}"
        )
    return [known[n] for n in wanted if n != COREMARK]


def coremark_selected(names, tree):
    """Whether CoreMark runs: its source tree was given (`tree`) and the
    list names it or is empty. Naming it without a tree is an error."""
    named = bool(names) and COREMARK in _names(names)
    if named and not tree:
        raise SystemExit("error: --only coremark needs CoreMark's source tree: give --coremark DIR")
    return bool(tree) and (not names or named)
