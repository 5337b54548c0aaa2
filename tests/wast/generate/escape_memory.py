#!/usr/bin/env python3
"""Writes tests/wast/escape_memory.wast (run it from anywhere).

The width x edge matrix of linear-memory accesses: every load and store of
Wasm 2.0, at `length - size` (the last in-bounds address), `length - size +
1`, `2^32 - 1`, with static offsets whose sum with the address overflows 32
bits, at constant addresses (which wafer does not check when they are below
the declared minimum), on memories without a maximum, with `max == min`,
grown to their maximum, and of zero pages.

Every expected value comes from a model of the memory kept here: `seed`
writes a known pattern into the first and last 16 bytes, and after every
trapping store the harness reads both back, so a store that wrote part of
its bytes, or wrapped around to low addresses, is caught.
"""

import struct
from pathlib import Path

PAGE = 65536
U32 = 1 << 32

# (name, size, result type, signed)
LOADS = [
    ("i32.load", 4, "i32", False),
    ("i32.load8_s", 1, "i32", True),
    ("i32.load8_u", 1, "i32", False),
    ("i32.load16_s", 2, "i32", True),
    ("i32.load16_u", 2, "i32", False),
    ("i64.load", 8, "i64", False),
    ("i64.load8_s", 1, "i64", True),
    ("i64.load8_u", 1, "i64", False),
    ("i64.load16_s", 2, "i64", True),
    ("i64.load16_u", 2, "i64", False),
    ("i64.load32_s", 4, "i64", True),
    ("i64.load32_u", 4, "i64", False),
    ("f32.load", 4, "f32", False),
    ("f64.load", 8, "f64", False),
]

# (name, size, value type)
STORES = [
    ("i32.store", 4, "i32"),
    ("i32.store8", 1, "i32"),
    ("i32.store16", 2, "i32"),
    ("i64.store", 8, "i64"),
    ("i64.store8", 1, "i64"),
    ("i64.store16", 2, "i64"),
    ("i64.store32", 4, "i64"),
    ("f32.store", 4, "f32"),
    ("f64.store", 8, "f64"),
]

# The value every store writes: distinct bytes, so a store of the wrong
# width is visible in the bytes around it.
STORE_BYTES = bytes(range(0xC1, 0xC9))
OOB = "out of bounds memory access"
# Offset that puts an access with address 0 at the end of the first page.
MAX_OFFSET = U32 - 1


def bits_value(ty, raw):
    """A wast constant of type `ty` with the little-endian bytes `raw`."""
    if ty == "i32":
        return f"(i32.const {hex(int.from_bytes(raw[:4], 'little'))})"
    if ty == "i64":
        return f"(i64.const {hex(int.from_bytes(raw[:8], 'little'))})"
    if ty == "f32":
        value = struct.unpack("<f", raw[:4])[0]
        assert value == value, "the patterns never form a NaN"
        return f"(f32.const {value.hex()})"
    value = struct.unpack("<d", raw[:8])[0]
    assert value == value, "the patterns never form a NaN"
    return f"(f64.const {value.hex()})"


def loaded(ty, raw, size, signed):
    """What a load of `size` bytes `raw` into `ty` yields, as a constant."""
    if ty in ("f32", "f64"):
        return bits_value(ty, raw)
    width = 4 if ty == "i32" else 8
    value = int.from_bytes(raw[:size], "little", signed=signed)
    return bits_value(ty, (value % (1 << (8 * width))).to_bytes(width, "little"))


class Memory:
    """What the module's memory holds: bytes written so far, else zero."""

    def __init__(self, pages):
        self.length = pages * PAGE
        self.bytes = {}

    def read(self, at, size):
        return bytes(self.bytes.get(at + i, 0) for i in range(size))

    def write(self, at, data):
        for i, b in enumerate(data):
            self.bytes[at + i] = b

    def seed(self):
        if self.length >= 16:
            self.write(self.length - 16, bytes(range(0xA0, 0xB0)))
            self.write(0, bytes(range(0x10, 0x20)))

    def grow(self, pages):
        self.length += pages * PAGE


def module(decl):
    loads = "\n".join(
        f'  (func (export "{op}") (param i32) (result {ty}) ({op} (local.get 0)))\n'
        f'  (func (export "{op} offset=max") (param i32) (result {ty}) ({op} offset={MAX_OFFSET} (local.get 0)))\n'
        f'  (func (export "{op} offset=edge") (param i32) (result {ty}) ({op} offset={PAGE - size} (local.get 0)))\n'
        f'  (func (export "{op} const in") (result {ty}) ({op} (i32.const {PAGE - size})))\n'
        f'  (func (export "{op} const out") (result {ty}) ({op} (i32.const {PAGE - size + 1})))'
        for op, size, ty, _ in LOADS
    )
    stores = "\n".join(
        f'  (func (export "{op}") (param i32 {ty}) ({op} (local.get 0) (local.get 1)))\n'
        f'  (func (export "{op} offset=max") (param i32 {ty}) ({op} offset={MAX_OFFSET} (local.get 0) (local.get 1)))\n'
        f'  (func (export "{op} offset=edge") (param i32 {ty}) ({op} offset={PAGE - size} (local.get 0) (local.get 1)))\n'
        f'  (func (export "{op} const out") (param {ty}) ({op} (i32.const {PAGE - size + 1}) (local.get 0)))'
        for op, size, ty in STORES
    )
    return f"""(module
  {decl}
  ;; The pattern the model expects: 0x10.. at 0, 0xa0.. in the last 16 bytes.
  (func (export "seed")
    (local $len i32) (local $i i32)
    (local.set $len (i32.mul (memory.size) (i32.const {PAGE})))
    (if (i32.ge_u (local.get $len) (i32.const 16))
      (then
        (loop $next
          (i32.store8 (i32.add (i32.sub (local.get $len) (i32.const 16)) (local.get $i))
            (i32.add (i32.const 0xa0) (local.get $i)))
          (i32.store8 (local.get $i) (i32.add (i32.const 0x10) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $next (i32.lt_u (local.get $i) (i32.const 16)))))))
  ;; The 8 bytes ending 8 * k bytes before the end, and the first 16.
  (func (export "tail") (param $k i32) (result i64)
    (i64.load (i32.sub (i32.mul (memory.size) (i32.const {PAGE}))
      (i32.mul (i32.add (local.get $k) (i32.const 1)) (i32.const 8)))))
  (func (export "head") (param $k i32) (result i64)
    (i64.load (i32.mul (local.get $k) (i32.const 8))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
{loads}
{stores})"""


def arg(ty, raw):
    return bits_value(ty, raw)


def i32(v):
    return f"(i32.const {hex(v % U32)})"


class Script:
    def __init__(self):
        self.lines = []

    def say(self, text):
        self.lines.append(text)

    def trap(self, export, *args):
        self.say(f'(assert_trap (invoke "{export}" {" ".join(args)}) "{OOB}")')

    def ret(self, export, args, result=""):
        self.say(f'(assert_return (invoke "{export}" {" ".join(args)}) {result})'.replace("  ", " "))

    def unchanged(self, mem):
        """The bytes just below the end and at address 0 are what the model says."""
        if mem.length < 16:
            return
        for k in (0, 1):
            raw = mem.read(mem.length - 8 * (k + 1), 8)
            self.ret("tail", [i32(k)], bits_value("i64", raw))
        for k in (0, 1):
            self.ret("head", [i32(k)], bits_value("i64", mem.read(8 * k, 8)))


def edge_phase(s, mem, label):
    """Every access at the edges of `mem` as it is now."""
    length = mem.length
    s.say(f";; {label}: length {length}")
    s.ret("size", [], i32(length // PAGE))
    if length:
        s.ret("seed", [])
        mem.seed()
        s.unchanged(mem)
    for op, size, ty, signed in LOADS:
        if length >= size:
            s.ret(op, [i32(length - size)], loaded(ty, mem.read(length - size, size), size, signed))
        s.trap(op, i32(length - size + 1))
        if length - size + 1 != length:
            s.trap(op, i32(length))
        s.trap(op, i32(U32 - 1))
        # address + offset >= 2^32: wraps to a small address in 32 bits.
        for a in (0, 1, U32 - 1):
            s.trap(f"{op} offset=max", i32(a))
        if length >= PAGE:
            edge = length - PAGE
            s.ret(f"{op} offset=edge", [i32(edge)], loaded(ty, mem.read(length - size, size), size, signed))
            s.trap(f"{op} offset=edge", i32(edge + 1))
            s.ret(f"{op} const in", [], loaded(ty, mem.read(PAGE - size, size), size, signed))
        else:
            s.trap(f"{op} offset=edge", i32(0))
            s.trap(f"{op} const in")
        if length > PAGE:
            s.ret(f"{op} const out", [], loaded(ty, mem.read(PAGE - size + 1, size), size, signed))
        else:
            s.trap(f"{op} const out")
    for op, size, ty in STORES:
        value = arg(ty, STORE_BYTES)
        s.trap(op, i32(length - size + 1), value)
        s.trap(op, i32(U32 - 1), value)
        for a in (0, 1, U32 - 1):
            s.trap(f"{op} offset=max", i32(a), value)
        if length < PAGE:
            s.trap(f"{op} offset=edge", i32(0), value)
        else:
            s.trap(f"{op} offset=edge", i32(length - PAGE + 1), value)
        if length <= PAGE:
            s.trap(f"{op} const out", value)
        s.say(f";; {op}: nothing of the trapping stores landed")
        s.unchanged(mem)
        if length >= size:
            s.ret(op, [i32(length - size), value])
            mem.write(length - size, STORE_BYTES[:size])
            s.unchanged(mem)
            s.ret("seed", [])
            mem.seed()


def config(s, title, decl, pages, grows):
    """A module with memory `decl` of `pages`; `grows` is a list of
    (delta, expected result) after which the edges are tested again."""
    s.say("")
    s.say(f";; ---- {title}")
    s.say(module(decl))
    mem = Memory(pages)
    edge_phase(s, mem, "as instantiated")
    for delta, result in grows:
        s.ret("grow", [i32(delta)], i32(result))
        if result != -1:
            mem.grow(delta)
        edge_phase(s, mem, f"after memory.grow {delta} (returned {result})")


def main():
    s = Script()
    s.say(";; GENERATED by tests/wast/generate/escape_memory.py; edit that instead.")
    s.say(";;")
    for line in __doc__.strip().splitlines()[2:]:
        s.say(f";; {line}".rstrip())
    config(s, "no maximum: checked against the current length", "(memory 1)", 1, [(1, 1)])
    config(s, "max == min: checked against a constant", "(memory 1 1)", 1, [(1, -1)])
    config(s, "grown to its maximum", "(memory 1 3)", 1, [(2, 1), (1, -1)])
    config(s, "zero pages, then one", "(memory 0)", 0, [(1, 0)])
    out = Path(__file__).resolve().parent.parent / "escape_memory.wast"
    out.write_text("\n".join(s.lines) + "\n")


if __name__ == "__main__":
    main()
