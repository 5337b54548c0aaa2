"""What the suite reads from an ISA's description (targets/<isa>.toml): the
CPU presets, and the QEMU CPU model a preset needs (riscv64's `rv64gcv`
runs only on a QEMU CPU with the V extension switched on)."""

import tomllib

from . import tools


def load(isa_name):
    return tomllib.loads((tools.REPO / "targets" / f"{isa_name}.toml").read_text())


def qemu_cpu(isa_name, preset):
    """The `-cpu` model QEMU needs for code of this preset, or None when the
    ISA's default model runs it. An unknown preset is an error naming the
    known ones (wafer would refuse it too, but only after the slow builds)."""
    presets = load(isa_name).get("cpu", {})
    if preset not in presets:
        raise SystemExit(f"error: {isa_name} has no CPU preset `{preset}`; known: {', '.join(sorted(presets))}")
    return presets[preset].get("qemu-cpu")


def run_prefix_for(isa, presets):
    """The qemu-user command every column runs under when the wafer columns
    use these presets: the ISA's own prefix, plus `-cpu MODEL` when a preset
    needs one. Every column (native included) then runs on the same emulated
    CPU, so a ratio compares code, not QEMU configurations."""
    models = sorted({m for m in (qemu_cpu(isa.name, p) for p in presets) if m})
    if not models:
        return list(isa.run_prefix)
    if len(models) > 1:
        raise SystemExit(f"error: the presets {', '.join(presets)} need different QEMU CPUs ({'; '.join(models)})")
    if not isa.run_prefix:
        raise SystemExit(
            f"error: the {isa.name} preset needs the QEMU CPU `{models[0]}`, but {isa.name} runs natively here"
        )
    return [*isa.run_prefix, "-cpu", models[0]]
