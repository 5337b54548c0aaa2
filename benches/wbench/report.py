"""Markdown tables of the suite's results."""

import statistics

from . import stats, suite, tools
from .suite import NATIVE


def _ratio_cell(ratios, flagged):
    if not ratios:
        return "—"
    lo, med, hi = stats.summary(ratios)
    return f"{'⚠ ' if flagged else ''}{med:.2f}× ({lo:.2f}–{hi:.2f})"


def _flagged(result, engine):
    return any(p.startswith(engine + ":") for p in result.problems)


def _seconds(values):
    return f"{statistics.median(values):.3f}" if values else "—"


def speed_table(results, engines, measure):
    """Ratios to native speed per program: native time / engine time of the
    same round, median (min–max); >1 is faster than native. measure is
    "cpu" or "wall"."""
    lines = [
        f"| program | native {measure} s (median) | " + " | ".join(f"{e} / native speed" for e in engines) + " |",
        "|---|---:|" + "---:|" * len(engines),
    ]
    medians = {e: [] for e in engines}
    bests = {e: [] for e in engines}
    for r in results:
        native = getattr(r, measure)(NATIVE)
        cells = []
        for e in engines:
            times = getattr(r, measure)(e)
            ratios = stats.paired_ratios(native, times)
            if ratios and r.in_geomean:
                medians[e].append(statistics.median(ratios))
                bests[e].append(stats.best_ratio(native, times))
            cells.append(_ratio_cell(ratios, _flagged(r, e)))
        lines.append(f"| {r.program} | {_seconds(native)} | " + " | ".join(cells) + " |")
    geo = []
    for e in engines:
        g = stats.geomean(medians[e])
        geo.append(f"**{g:.2f}×** ({len(medians[e])} programs)" if g else "—")
    lines.append("| geometric mean of medians (programs above, CoreMark excluded) | | " + " | ".join(geo) + " |")
    # Noise on a shared host only ever adds time: the fastest of N runs
    # is the steadiest estimate of what the code itself costs.
    best = []
    for e in engines:
        g = stats.geomean(bests[e])
        best.append(f"{g:.2f}× ({len(bests[e])} programs)" if g else "—")
    lines.append("| geometric mean of best-of-N (fastest native ÷ fastest engine) | | " + " | ".join(best) + " |")
    return "\n".join(lines)


def simd_pairs(results):
    """(SIMD column, the scalar column it is compared with), in column order,
    over every program's engines."""
    pairs = []
    for r in results:
        for e in r.engines:
            if e.baseline and (e.name, e.baseline) not in pairs:
                pairs.append((e.name, e.baseline))
    return pairs


def simd_table(results, pairs, measure):
    """The speed-up of each SIMD column over its scalar column: per round,
    scalar time / SIMD time of the same round, median (min–max); >1 means the
    -msimd128 build ran faster. measure is "cpu" or "wall"."""
    header = [f"{simd} vs {base}" for simd, base in pairs]
    over = [(base, simd) for simd, base in pairs]
    return _paired_table(results, header, over, measure)[0]


# The goal for explicit bounds checks: at most 10 % more time than guard mode.
EXPLICIT_GOAL = 1.10


def bounds_pairs(results):
    """(checked column, unchecked column) pairs whose columns ran: wafer's
    explicit and guard modes (with no other flags), then each of Wasmtime's
    configurations that check bounds in code against its default."""
    candidates = [
        (suite.wafer_engine_name(["--bounds-checks", "explicit"]), suite.wafer_engine_name(["--bounds-checks", "guard"]))
    ]
    candidates += [(suite.wasmtime_engine_name(label), suite.WASMTIME) for label, _ in tools.WASMTIME_CHECKED]
    ran = {e.name for r in results for e in r.engines}
    return [(a, b) for a, b in candidates if a in ran and b in ran]


def bounds_table(results, pairs, measure):
    """What explicit checks cost over guard mode: per round, the explicit
    column's time / the guard column's time of the same round, median
    (min–max); 1.10× is 10 % slower. A last row counts the programs whose
    median is above EXPLICIT_GOAL."""
    header = [f"{explicit} time ÷ {guard} time" for explicit, guard in pairs]
    table, medians = _paired_table(results, header, pairs, measure)
    counts = []
    for pair in pairs:
        above = sum(m > EXPLICIT_GOAL for m, _ in medians[pair])
        counts.append(f"{above} of {len(medians[pair])}")
    return table + f"\n| programs above {EXPLICIT_GOAL:.2f}× (CoreMark included) | " + " | ".join(counts) + " |"


def _paired_table(results, header, pairs, measure):
    """One column per (a, b) in pairs: a's time / b's time of the same round,
    median (min–max) per program, and their geometric mean. Also returns,
    per pair, each program's median and whether it is in the mean."""
    lines = [
        "| program | " + " | ".join(header) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    medians = {pair: [] for pair in pairs}
    for r in results:
        cells = []
        for a, b in pairs:
            ratios = stats.paired_ratios(getattr(r, measure)(a), getattr(r, measure)(b))
            if ratios:
                medians[(a, b)].append((statistics.median(ratios), r.in_geomean))
            cells.append(_ratio_cell(ratios, _flagged(r, a) or _flagged(r, b)))
        lines.append(f"| {r.program} | " + " | ".join(cells) + " |")
    geo = []
    for pair in pairs:
        in_mean = [m for m, counted in medians[pair] if counted]
        g = stats.geomean(in_mean)
        geo.append(f"**{g:.2f}×** ({len(in_mean)} programs)" if g else "—")
    lines.append("| geometric mean of medians (CoreMark excluded) | " + " | ".join(geo) + " |")
    return "\n".join(lines), medians


def build_table(results, engines):
    """Compile time (wall and CPU of the compiler) and output sizes."""
    compiled = [e for e in engines if e != NATIVE]
    simd = any(r.simd_wasm_size for r in results)
    header = (
        "| program | wasm B | "
        + ("simd wasm B | " if simd else "")
        + "native B | "
        + " | ".join(f"{e} B | {e} compile s wall / cpu" for e in compiled)
    )
    lines = [header + " |", "|---|---:|" + ("---:|" if simd else "") + "---:|" + "---:|---:|" * len(compiled)]
    for r in results:
        native = r.artifact(NATIVE)
        cells = [str(r.wasm_size or "—")]
        if simd:
            cells.append(str(r.simd_wasm_size or "—"))
        cells.append(str(native.size) if native else "—")
        for e in compiled:
            art = r.artifact(e)
            if art is None:
                cells += ["—", "—"]
                continue
            c = art.compile
            cells += [str(art.size), f"{c.wall:.2f} / {c.cpu:.2f}" if c else "—"]
        lines.append(f"| {r.program} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def problems(results):
    out = []
    for r in results:
        for p in r.problems:
            out.append(f"- **{r.program}**: {p}")
    return "\n".join(out)
