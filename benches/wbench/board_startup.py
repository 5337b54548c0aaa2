"""Startup counted in instructions under QEMU, on the boards and on Linux.

hello (examples/hello.wat) is built for each board and run by the board's own
QEMU command (boards/<board>.toml) with `-singlestep -d exec,nochain`: QEMU
then logs every instruction it executes, with the CPU index and the PC.
The Linux boards run the same way under qemu-user, next to a static native C
hello (programs/hello.c, glibc) for scale.
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
from pathlib import Path

from . import board_spec, build, tools
from .programs import PROGRAM_DIR

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
    spec = board_spec.load(board)["qemu"]
    cmd = [spec["program"], *spec.get("args", [])]
    if spec.get("load", "loader") == "kernel":
        cmd += ["-kernel", image]
    else:
        cmd += ["-device", f"loader,cpu-num=0,file={image}"]
    return cmd


def count(qemu, image, prefix, log, timeout):
    """Instruction counts of `qemu` (a command that runs image) traced, or an
    error string. Without prefix (native code) only the total is counted."""
    cmd = [qemu[0], "-singlestep", "-d", "exec,nochain", "-D", str(log), *qemu[1:]]
    try:
        run = subprocess.run(cmd, check=False, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"timed out: {shlex.join(cmd)}"
    if b"Hello" not in run.stdout:
        return f"no hello output (exit {run.returncode}): {shlex.join(cmd)}"
    segments = _segments(image)
    entries = _module_entries(image, prefix) if prefix else set()
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
    if not prefix:
        cpu = next(iter(per_cpu))
        return {"reset_to_image": first_image.get(cpu, 0), "total": per_cpu[cpu]}
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


def _row(label, counts):
    if isinstance(counts, str):
        return f"| {label} | ✗ {counts} | | | |"
    image_to_module = counts.get("image_to_module")
    module_to_exit = counts.get("module_to_exit")
    return (
        f"| {label} | {counts['reset_to_image']:,} | "
        + (f"{image_to_module:,} | {module_to_exit:,}" if image_to_module is not None else "— | —")
        + f" | {counts['total']:,} |"
    )


def _measure(ctx, args, label, board, qemu_for, out, log):
    """Builds hello for board in its default bounds-check mode and counts
    it; a table row."""
    hello = str(tools.REPO / "examples" / "hello.wat")
    image = str(out / f"hello.{board}.elf")
    mode, flags = board_spec.default_variant(ctx, args, board)
    label = f"{label} {mode}".strip()
    try:
        build.wafer_image(ctx.wafer, board, flags, hello, image)
    except build.BuildError as e:
        return f"| {label} | ✗ build: {str(e).splitlines()[-1]} | | | |"
    counts = count(qemu_for(image), image, Path(hello).stem, log, args.timeout)
    return _row(label, counts)


def run(ctx, args, boards):
    out = build.workdir(args.workdir, "board-startup")
    log = out / "exec.log"
    print("\n## Startup in instructions (QEMU -singlestep -d exec), boot core\n")
    print("hello (`examples/hello.wat`, each board's default bounds-check mode), one run each; Linux boards under")
    print("qemu-user, with a static native C hello (glibc) for scale; see benches/wbench/board_startup.py.\n")
    print("| board | reset (exec) → image | image → module's first instruction | module → exit | total |")
    print("|---|---:|---:|---:|---:|")
    rows_ok = True
    for isa in ("x86_64", "aarch64", "riscv64"):
        qemu_user = f"qemu-{isa}"
        print(f"# startup: linux-{isa} ...", file=sys.stderr, flush=True)
        row = _measure(ctx, args, f"`linux-{isa}` wafer", f"linux-{isa}", lambda i, q=qemu_user: [q, i], out, log)
        print(row)
        try:
            native = build.native(
                ctx.clang, tools.ISAS[isa], [str(PROGRAM_DIR / "hello.c")], str(out / f"hello.{isa}.native")
            )
            counts = count([qemu_user, native.path], native.path, None, log, args.timeout)
        except build.BuildError as e:
            counts = f"build: {str(e).splitlines()[0]}"
        print(_row(f"`linux-{isa}` native C", counts))
        rows_ok &= "✗" not in row
    for board in boards:
        print(f"# board startup: {board} ...", file=sys.stderr, flush=True)
        row = _measure(ctx, args, f"`{board}`", board, lambda i, b=board: _qemu_command(b, i), out, log)
        print(row)
        rows_ok &= "✗" not in row
    log.unlink(missing_ok=True)  # hundreds of MB after qemu-x86_64
    return rows_ok
