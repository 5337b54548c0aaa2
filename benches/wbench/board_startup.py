"""Startup on the bare-metal boards, counted in instructions under QEMU.

hello (examples/hello.wat) is built for each board and run by the board's own
QEMU command (boards/<board>.toml) with `-singlestep -d exec,nochain`: QEMU
then logs every instruction it executes, with the CPU index and the PC.
Counted on the core that runs the module:
- reset -> image: instructions before the first one inside the image's
  executable segments (reset ROM, SeaBIOS + PVH boot on qemu-x86_64, the
  Raspberry Pi spin code);
- image -> module: from there to the first instruction of a compiled Wasm
  function (a `<prefix>::` symbol): boot code, .bss/.data, runtime init,
  instantiation;
- module -> exit: the module running, plus the runtime's exit path.
Instruction counts, not time: TCG says nothing about the silicon's cycles."""

import collections
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from . import build, tools

TRACE = re.compile(r"^Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/")


def _segments(image):
    """(start, end) of the image's executable LOAD segments."""
    out = subprocess.run(["readelf", "-lW", image], capture_output=True, text=True, check=True).stdout
    ranges = []
    for line in out.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"] and "E" in fields[6:-1]:
            start, size = int(fields[2], 16), int(fields[5], 16)
            ranges.append((start, start + size))
    return ranges


def _module_entries(image, prefix):
    out = subprocess.run(["nm", image], capture_output=True, text=True, check=True).stdout
    entries = set()
    for line in out.splitlines():
        fields = line.split(maxsplit=2)
        if len(fields) == 3 and fields[1] in "tT" and fields[2].startswith(prefix + "::"):
            entries.add(int(fields[0], 16))
    return entries


def _qemu_command(board, image):
    spec = tomllib.loads((tools.REPO / "boards" / f"{board}.toml").read_text())["qemu"]
    cmd = [spec["program"], *spec.get("args", [])]
    if spec.get("load", "loader") == "kernel":
        cmd += ["-kernel", image]
    else:
        cmd += ["-device", f"loader,cpu-num=0,file={image}"]
    return cmd


def count(board, image, prefix, log, timeout):
    """Instruction counts for one board, or an error string."""
    cmd = [*_qemu_command(board, image), "-singlestep", "-d", "exec,nochain", "-D", str(log)]
    try:
        run = subprocess.run(cmd, check=False, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"timed out: {shlex.join(cmd)}"
    if b"Hello" not in run.stdout:
        return f"no hello output (exit {run.returncode}): {shlex.join(cmd)}"
    segments, entries = _segments(image), _module_entries(image, prefix)
    per_cpu = collections.Counter()
    first_image = {}  # cpu -> instruction index of its first in-image instruction
    module_cpu = module_at = None
    with open(log, errors="replace") as lines:
        for line in lines:
            m = TRACE.match(line)
            if not m:
                continue
            cpu, pc = int(m.group(1)), int(m.group(2), 16)
            index = per_cpu[cpu]
            per_cpu[cpu] += 1
            if cpu not in first_image and any(a <= pc < b for a, b in segments):
                first_image[cpu] = index
            if module_at is None and pc in entries:
                module_cpu, module_at = cpu, index
    if module_at is None:
        return "the module's code never ran (no `::` symbol reached)"
    total = per_cpu[module_cpu]
    entry = first_image.get(module_cpu, 0)
    return {
        "reset_to_image": entry,
        "image_to_module": module_at - entry,
        "module_to_exit": total - module_at,
        "total": total,
        "cpu": module_cpu,
    }


def run(ctx, args, boards):
    out = build.workdir(args.workdir, "board-startup")
    hello = str(tools.REPO / "examples" / "hello.wat")
    print("\n## Startup on the boards: instructions of the boot core (QEMU -singlestep -d exec)\n")
    print("hello (`examples/hello.wat`), one run each; see benches/wbench/board_startup.py.\n")
    print("| board | reset → image | image → module's first instruction | module → exit | total |")
    print("|---|---:|---:|---:|---:|")
    ok = True
    for board in boards:
        print(f"# board startup: {board} ...", file=sys.stderr, flush=True)
        image = str(out / f"hello.{board}.elf")
        try:
            build.wafer_image(ctx.wafer, board, ctx.wafer_variants[0], hello, image)
        except build.BuildError as e:
            print(f"| `{board}` | ✗ build: {str(e).splitlines()[-1]} | | | |")
            ok = False
            continue
        log = out / f"exec.{board}.log"
        counts = count(board, image, Path(hello).stem, log, args.timeout)
        log.unlink(missing_ok=True)  # hundreds of MB on qemu-x86_64
        if isinstance(counts, str):
            print(f"| `{board}` | ✗ {counts} | | | |")
            ok = False
            continue
        print(
            f"| `{board}` | {counts['reset_to_image']:,} | {counts['image_to_module']:,} | "
            f"{counts['module_to_exit']:,} | {counts['total']:,} |"
        )
    return ok
