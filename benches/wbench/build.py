"""Builds every form of a program: native executable, wasm module, wafer
image, wasmtime .cwasm. Records sizes and the compile time of the two Wasm
compilers."""

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from . import measure

# -ffp-contract=off: Wasm has no implicit fused multiply-add, so native code
# must not fuse either (clang does on aarch64/riscv64), or float checksums
# would differ for a reason that has nothing to do with the engines.
# -s: sizes compare code and data, not symbol tables or the wasm name section.
COMMON_CFLAGS = ["-O2", "-ffp-contract=off", "-Wall", "-s"]

# The SIMD build (--simd): the same source and flags plus 128-bit SIMD, which
# clang's loop and SLP vectorisers use at -O2. No -ffast-math: float
# reductions stay in order, so the checksums stay native's.
SIMD_CFLAGS = ["-msimd128"]


@dataclass
class Artifact:
    path: str
    size: int
    compile: measure.Sample = None  # the compiler run, for wafer and wasmtime


class BuildError(Exception):
    pass


def _checked(cmd, what):
    sample = measure.run(cmd, timeout=900)
    if sample.returncode != 0:
        raise BuildError(f"{what} failed ({shlex.join(cmd)}):\n{brief_error(sample.stderr)}")
    return sample


def brief_error(stderr, max_lines=8):
    """The part of a compiler's stderr worth a line in the report: a Rust
    panic's message without its backtrace (hundreds of lines of generics),
    and at most max_lines lines."""
    lines = stderr.strip().splitlines()
    if "stack backtrace:" in lines:
        lines = lines[: lines.index("stack backtrace:")]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"… ({len(lines) - max_lines} more lines)"]
    return "\n".join(lines)


def native(clang, isa, sources, out, cflags=()):
    cmd = [clang, *COMMON_CFLAGS, "-static", *isa.clang_target, *cflags, *sources, "-o", out, "-lm"]
    _checked(cmd, "native build")
    return Artifact(out, os.path.getsize(out))


def wasm(clang, sources, out, cflags=(), libs=()):
    # Without SIMD_CFLAGS in cflags: the scalar build (no -msimd128).
    cmd = [clang, "--target=wasm32-wasi", *COMMON_CFLAGS, *cflags, *sources, "-o", out, "-lm", *libs]
    _checked(cmd, "wasm build")
    return Artifact(out, os.path.getsize(out))


def wafer_image(wafer, board, flags, wasm_path, out):
    cmd = [wafer, "build", "--board", board, *flags, wasm_path, "-o", out]
    sample = _checked(cmd, "wafer build")
    return Artifact(out, os.path.getsize(out), sample)


def cwasm(wasmtime, isa, wasm_path, out, flags=()):
    cmd = [wasmtime, "compile", *isa.wasmtime_target, *flags, wasm_path, "-o", out]
    sample = _checked(cmd, "wasmtime compile")
    return Artifact(out, os.path.getsize(out), sample)


def variant_slug(flags):
    """A file-name-safe tag for a list of wafer flags."""
    text = "-".join(f.lstrip("-") for f in flags) or "default"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def workdir(base, isa_name):
    path = Path(base) / isa_name
    path.mkdir(parents=True, exist_ok=True)
    return path
