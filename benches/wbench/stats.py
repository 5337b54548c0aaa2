"""Small statistics over repeated measurements."""

import math
import statistics


def summary(values):
    """(min, median, max) of a non-empty list."""
    return min(values), statistics.median(values), max(values)


def geomean(values):
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def paired_ratios(native, engine):
    """native[i] / engine[i] for each interleaved round i: >1 means the engine
    was faster than native code in that round."""
    return [n / e for n, e in zip(native, engine) if e > 0]


def best_ratio(native, engine):
    """Fastest native time / fastest engine time (>1: the engine's best run
    beat native's best), or None without times."""
    engine = [e for e in engine if e > 0]
    if not native or not engine:
        return None
    return min(native) / min(engine)
