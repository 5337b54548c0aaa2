#!/usr/bin/env bash
# Builds examples/hello.wat for every board and prints, as a Markdown table,
# what `wafer size` reports for each image: the bytes stored in the image
# (flash), the static RAM (.data, .bss, stack), the static RAM without the
# stack (what the runtime itself keeps: the footprint budget is 4 KiB), the
# boot page tables within it (qemu-x86_64's, counted apart from the budget;
# the aarch64 boards' are in flash, the riscv64 boards' on the heap) and the
# parts. The README's size table is this script's output.
#
#   boards/hello-sizes.sh            # uses `cargo run -p wafer`
#   WAFER=wafer boards/hello-sizes.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${WAFER:-}" ]; then
  cargo build -q -p wafer
  WAFER=target/debug/wafer
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| board | flash (image) | static RAM (.data, .bss; boards: + 1 MiB stack) | static RAM without the stack | of which boot page tables | compiled module | runtime code |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for board in $("$WAFER" boards | awk '$1 != "host" { print $1 }'); do
  "$WAFER" build examples/hello.wat --board "$board" -o "$work/$board.elf"
  "$WAFER" size "$work/$board.elf" | awk -v board="$board" '
    $1 == "flash" { flash = $2 }
    # Section lines: name, bytes, address, where ("RAM", "flash (copied to RAM)").
    NF >= 4 && $1 ~ /^\./ && /RAM/ && $1 != ".stack" { static += $2 }
    $1 == "RAM" && $2 != "parts:" { ram = $2 }
    # RAM parts: ...; boot page tables <n> B (in .bss)   (not "... in flash")
    $1 == "RAM" && $2 == "parts:" && match($0, /boot page tables [0-9]+ B \(in \.bss\)/) {
      split(substr($0, RSTART, RLENGTH), t, " "); tables = t[4]
    }
    $1 == "parts:" {
      # parts: compiled module <n> <unit> code + <n> <unit> data; runtime <n> <unit> code
      module = $4 " " $5 " + " $8 " " $9
      runtime = $12 " " $13
    }
    END { printf "| `%s` | %d B | %d B | %d B | %d B | %s | %s |\n", board, flash, ram, static, tables, module, runtime }'
done
