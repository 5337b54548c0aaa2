#!/usr/bin/env python3
"""Writes tests/wast/escape_guard_below.wast (run it from anywhere).

Guard mode folds `i32.add(p, k)` (and `i32.sub(p, -k)`) with a negative
constant `k >= -64 KiB` in front of an access with static offset 0 into the
access as `base + zext(p) + k` (compiler/src/translate/guard.rs,
`split_negative_add`): for `p < -k` the Wasm address wraps to near 4 GiB
and must trap, which the folded access does by faulting in the 64 KiB
guard below the memory's base. Every load and store width is tried with
`p` in {0, -k-1, -k, -k+1, length-1, length, 2^32-1} for several `k`
(including -64 KiB, the largest folded, and -64 KiB - 1, which is not),
with the constant on either side of the `add` and as a `sub`, on a memory
without a maximum, one with `max == min`, one grown to 2 pages and one
whose maximum is 4 GiB (65536 pages).

Every expected value comes from the model below: `fill` writes byte
`(a * 7 + 3) & 0xff` at every address `a`, each access reads or writes
the bytes at `(p + k) mod 2^32` when they lie below the length and traps
otherwise; after each store the bytes around its address are read back,
after each trapping store the first and last 16 bytes (a store straddling
the base must not write the part inside the memory).
"""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from escape_memory import (  # noqa: E402
    LOADS,
    PAGE,
    STORE_BYTES,
    STORES,
    U32,
    Script,
    bits_value,
    i32,
    loaded,
)

GUARD_BELOW = 64 * 1024
# Every width for these constants, a few widths for the others.
FULL_KS = (-1, -48)
SOME_KS = (-4, -0x130, -(GUARD_BELOW - 1), -GUARD_BELOW, -(GUARD_BELOW + 1))
SOME_LOADS = {"i32.load8_u", "i32.load", "i64.load", "f64.load"}
SOME_STORES = {"i32.store8", "i32.store", "i64.store"}
# How the address is written: `p + k`, `k + p`, `p - (-k)`, and `p + k`
# with a static offset of 8 (not folded: for `p < -k` the Wasm address
# `2^32 + p + k + 8` is out of bounds, but `base + p + k + 8` would not
# be below the base for every such `p`).
FORMS = ("add", "add_rev", "sub", "add offset=8")
OFFSET = {"add offset=8": 8}


class Memory:
    """The model: `fill`'s pattern, then every byte stored since."""

    def __init__(self, pages):
        self.length = pages * PAGE
        self.written = {}

    def byte(self, a):
        return self.written.get(a, (a * 7 + 3) & 0xFF)

    def read(self, at, size):
        return bytes(self.byte(at + i) for i in range(size))

    def write(self, at, data):
        for i, b in enumerate(data):
            self.written[at + i] = b


def address(form, k):
    if form.startswith("add "):
        return f"offset={OFFSET[form]} (i32.add (local.get 0) (i32.const {k}))"
    if form == "add":
        return f"(i32.add (local.get 0) (i32.const {k}))"
    if form == "add_rev":
        return f"(i32.add (i32.const {k}) (local.get 0))"
    return f"(i32.sub (local.get 0) (i32.const {-k}))"


def cases():
    """(k, form, op, size, type, signed or None for stores) of every export."""
    for k in FULL_KS + SOME_KS:
        for form in FORMS if k in (-4, -48) else ("add",):
            for op, size, ty, signed in LOADS:
                if (k in FULL_KS and form != "add offset=8") or op in SOME_LOADS:
                    yield k, form, op, size, ty, signed
            for op, size, ty in STORES:
                if (k in FULL_KS and form != "add offset=8") or op in SOME_STORES:
                    yield k, form, op, size, ty, None


def name(k, form, op):
    return f"{op} {form} {k}"


def module(decl):
    funcs = []
    for k, form, op, _, ty, signed in cases():
        if signed is None:
            funcs.append(
                f'  (func (export "{name(k, form, op)}") (param i32 {ty}) ({op} {address(form, k)} (local.get 1)))'
            )
        else:
            funcs.append(
                f'  (func (export "{name(k, form, op)}") (param i32) (result {ty}) ({op} {address(form, k)}))'
            )
    body = "\n".join(funcs)
    return f"""(module
  {decl}
  ;; Byte a = (a * 7 + 3) & 0xff everywhere (no folded address here).
  (func (export "fill")
    (local $a i32) (local $len i32)
    (local.set $len (i32.mul (memory.size) (i32.const {PAGE})))
    (loop $next
      (i32.store8 (local.get $a) (i32.add (i32.mul (local.get $a) (i32.const 7)) (i32.const 3)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $a) (local.get $len)))))
  (func (export "word") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
{body})"""


def check_words(s, mem, starts):
    """The 8 bytes from each start (moved inside the memory) match the model."""
    for a in sorted({min(max(a, 0), mem.length - 8) for a in starts}):
        s.ret("word", [i32(a)], bits_value("i64", mem.read(a, 8)))


def phase(s, mem, label):
    length = mem.length
    s.say(f";; {label}: length {length}")
    for k, form, op, size, ty, signed in cases():
        for p in sorted({0, -k - 1, -k, -k + 1, length - 1, length, U32 - 1}):
            at = (p + k) % U32 + OFFSET.get(form, 0)
            inside = at + size <= length
            export = name(k, form, op)
            if signed is not None:
                if inside:
                    s.ret(export, [i32(p)], loaded(ty, mem.read(at, size), size, signed))
                else:
                    s.trap(export, i32(p))
                continue
            value = bits_value(ty, STORE_BYTES)
            if inside:
                s.ret(export, [i32(p), value])
                mem.write(at, STORE_BYTES[:size])
                # The stored bytes and one on each side.
                check_words(s, mem, (at - 4, at + size - 4))
            else:
                s.trap(export, i32(p), value)
                check_words(s, mem, (0, 8, length - 16, length - 8))


def main():
    s = Script()
    s.say(";; Generated by tests/wast/generate/escape_guard_below.py; do not edit.")
    s.say(";; " + __doc__.strip().splitlines()[0])
    for decl, pages, grow, label in (
        ("(memory 1)", 1, 0, "no maximum"),
        ("(memory 1 1)", 1, 0, "max == min"),
        ("(memory 1 2)", 1, 1, "grown to its maximum of 2 pages"),
        ("(memory 1 65536)", 1, 0, "maximum 4 GiB"),
    ):
        s.say("")
        s.say(module(decl))
        mem = Memory(pages)
        if grow:
            s.ret("grow", [i32(grow)], i32(pages))
            mem.length += grow * PAGE
        s.ret("fill", [])
        phase(s, mem, label)
    out = Path(__file__).resolve().parent.parent / "escape_guard_below.wast"
    out.write_text("\n".join(s.lines) + "\n")


if __name__ == "__main__":
    main()
