"""Markdown tables of the suite's results."""

import statistics

from . import stats
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
    lines = [
        "| program | " + " | ".join(f"{simd} vs {base}" for simd, base in pairs) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    medians = {pair: [] for pair in pairs}
    for r in results:
        cells = []
        for simd, base in pairs:
            ratios = stats.paired_ratios(getattr(r, measure)(base), getattr(r, measure)(simd))
            if ratios and r.in_geomean:
                medians[(simd, base)].append(statistics.median(ratios))
            cells.append(_ratio_cell(ratios, _flagged(r, simd) or _flagged(r, base)))
        lines.append(f"| {r.program} | " + " | ".join(cells) + " |")
    geo = []
    for pair in pairs:
        g = stats.geomean(medians[pair])
        geo.append(f"**{g:.2f}×** ({len(medians[pair])} programs)" if g else "—")
    lines.append("| geometric mean of medians (CoreMark excluded) | " + " | ".join(geo) + " |")
    return "\n".join(lines)


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
