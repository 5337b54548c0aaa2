"""What the suite reads from a board's description (boards/<board>.toml):
its bounds-check modes and its QEMU command."""

import tomllib

from . import tools


def load(board):
    return tomllib.loads((tools.REPO / "boards" / f"{board}.toml").read_text())


def bounds_modes(board):
    """The bounds-check modes the board supports, its default first. A board
    description without the key predates guard mode: explicit only."""
    spec = load(board).get("bounds-checks")
    if not spec:
        return ["explicit"]
    default = spec["default"]
    return [default] + [m for m in spec.get("supported", []) if m != default]


def variants(ctx, args, board):
    """(label, extra wafer flags) to run on board: the --wafer-flags the user
    gave, else each bounds-check mode the board supports (default first)."""
    if args.wafer_flags is not None:
        return [(" ".join(flags) or "(no flags)", flags) for flags in ctx.wafer_variants]
    if not ctx.bounds_flag:
        return [("", [])]
    modes = bounds_modes(board)
    return [(f"{m} (default)" if i == 0 else m, ["--bounds-checks", m]) for i, m in enumerate(modes)]


def default_variant(ctx, args, board):
    """The one variant startup measures: the board's default mode (what a
    user gets), or the first --wafer-flags column when given."""
    return variants(ctx, args, board)[0]
