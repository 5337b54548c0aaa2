#!/usr/bin/env python3
"""Writes tests/wast/escape_loop_random.wast (run it from anywhere).

Random loops of the shape wafer versions in explicit mode
(compiler/src/translate/loop_version.rs): a store (and sometimes a load)
at `pointer + K` with a static offset, the pointer stepping by a constant
before or after the access, and a counter that ends the loop with
`br_if 0 (counter != n)` or, counting down, `br_if 0 (counter)`. The steps
include negative ones, non-powers of two (not versioned) and zero; the
starts sit where the loop ends right at the end of memory, just past it,
near address 0 and near 2^32, so that the entry test is passed, failed by
one iteration, or wraps.

Every expected result comes from the model below: each call either returns
or traps at the first out-of-bounds access, and after each call `hash`
(a checksum of the whole memory) must match the model's memory, so a
loop that trapped early, late, or skipped a check is caught. The seed is
fixed: the file changes only when this script does.
"""

import random
from pathlib import Path

SEED = 9
FUNCTIONS = 150
CALLS = 4
MEM = 65536
MAX_ITERATIONS = 300_000  # the model gives up on calls longer than this

STORES = {1: "i32.store8", 2: "i32.store16", 4: "i32.store", 8: "i64.store"}
LOADS = {1: "i32.load8_u", 2: "i32.load16_u", 4: "i32.load"}


def u32(x):
    return x & 0xFFFFFFFF


def s32(x):
    return x - (1 << 32) if x >= 1 << 31 else x


class Loop:
    """One random loop: its Wasm function and its model."""

    def __init__(self, rng, index):
        self.index = index
        self.step = rng.choice([1, 2, 4, 8, 16, 56, -1, -4, -8, 0])
        self.count_step = rng.choice([1, 2, 4, -1, -2, 3])
        self.count_down = rng.random() < 0.3
        self.store_k = rng.randint(-8, 8)
        self.store_offset = rng.choice([0, 0, 4, 16])
        self.store_size = rng.choice([1, 2, 4, 8])
        self.load = rng.random() < 0.5
        self.load_k = rng.randint(-8, 8)
        self.load_offset = rng.choice([0, 8])
        self.load_size = rng.choice([1, 2, 4])
        self.step_first = rng.random() < 0.3

    def wat(self):
        def address(k):
            return f"(i32.add (local.get $p) (i32.const {k}))" if k else "(local.get $p)"

        wide = self.store_size == 8
        value = "(i64.extend_i32_u (local.get $v))" if wide else "(local.get $v)"
        if self.load:
            load = f"({LOADS[self.load_size]} offset={self.load_offset} {address(self.load_k)})"
            if wide:
                load = f"(i64.extend_i32_u {load})"
            value = f"({'i64' if wide else 'i32'}.add {value} {load})"
        store = (
            f"({STORES[self.store_size]} offset={self.store_offset} "
            f"{address(self.store_k)} {value})"
        )
        step = f"(local.set $p (i32.add (local.get $p) (i32.const {self.step})))"
        body = f"{step}\n      {store}" if self.step_first else f"{store}\n      {step}"
        if self.count_down:
            condition = f"(local.tee $n (i32.sub (local.get $n) (i32.const {self.count_step})))"
        else:
            condition = (
                f"(i32.ne (local.tee $i (i32.add (local.get $i) (i32.const {self.count_step})))"
                " (local.get $n))"
            )
        return f"""  (func (export "f{self.index}") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      {body}
      (br_if $l {condition})))"""

    def run(self, memory, p, n, v):
        """Runs the loop on `memory`: "ok", "trap", or None if too long."""
        i = 0
        for _ in range(MAX_ITERATIONS):
            if self.step_first:
                p = u32(p + self.step)
            x = v
            if self.load:
                at = u32(p + self.load_k) + self.load_offset
                if at + self.load_size > MEM:
                    return "trap"
                x += int.from_bytes(memory[at : at + self.load_size], "little")
            at = u32(p + self.store_k) + self.store_offset
            if at + self.store_size > MEM:
                return "trap"
            x &= (1 << (8 * self.store_size)) - 1
            memory[at : at + self.store_size] = x.to_bytes(self.store_size, "little")
            if not self.step_first:
                p = u32(p + self.step)
            if self.count_down:
                n = u32(n - self.count_step)
                if n == 0:
                    return "ok"
            else:
                i = u32(i + self.count_step)
                if i == n:
                    return "ok"
        return None


def checksum(memory):
    h = 0
    for j in range(0, MEM, 4):
        h = (h * 31 + int.from_bytes(memory[j : j + 4], "little")) & 0xFFFFFFFF
    return h


def start(rng, step):
    """A start near where the loop leaves memory, or anywhere."""
    return u32(
        rng.choice(
            [
                MEM - rng.randint(-8, 24) - step * rng.randint(0, 40),
                MEM - rng.randint(-8, 24) - step * rng.randint(0, 40),
                rng.randint(-8, 24) - step * rng.randint(0, 40),
                rng.randint(1000, 60000),
                -rng.randint(1, 64),
                rng.randint(0, 2**32 - 1),
            ]
        )
    )


def main():
    rng = random.Random(SEED)
    memory = bytearray(MEM)
    functions, assertions = [], []
    for index in range(FUNCTIONS):
        loop = Loop(rng, index)
        functions.append(loop.wat())
        for _ in range(CALLS):
            for _attempt in range(20):
                if rng.random() < 0.5:
                    # The last iteration ends near the end of memory (or,
                    # stepping down, near address 0).
                    trips = rng.randint(1, 40)
                    n = u32(trips * loop.count_step)
                    slack = rng.randint(-8, 24)
                    p = u32(MEM - loop.step * trips - slack if loop.step > 0 else -loop.step * trips + slack)
                else:
                    p = start(rng, loop.step)
                    n = u32(rng.choice([rng.randint(0, 40), rng.randint(0, 70000), -rng.randint(1, 40)]))
                v = rng.randint(0, 2**31)
                trial = bytearray(memory)
                result = loop.run(trial, p, n, v)
                if result is None:
                    continue
                memory = trial
                call = f'(invoke "f{index}" (i32.const {s32(p)}) (i32.const {s32(n)}) (i32.const {v}))'
                if result == "trap":
                    assertions.append(f'(assert_trap {call} "out of bounds memory access")')
                else:
                    assertions.append(f"(assert_return {call})")
                assertions.append(f'(assert_return (invoke "hash") (i32.const {s32(checksum(memory))}))')
                break
    hash_function = """  (func (export "hash") (result i32)
    (local $j i32) (local $h i32)
    (loop $l
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (i32.load (local.get $j))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 4))) (i32.const 65536))))
    (local.get $h))"""
    header = ";; Generated by tests/wast/generate/escape_loop_random.py: do not edit.\n"
    text = (
        header
        + "(module\n  (memory 1)\n"
        + "\n".join(functions)
        + "\n"
        + hash_function
        + ")\n"
        + "\n".join(assertions)
        + "\n"
    )
    out = Path(__file__).resolve().parent.parent / "escape_loop_random.wast"
    out.write_text(text)


if __name__ == "__main__":
    main()
