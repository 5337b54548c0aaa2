;; memory.atomic.wait32/64 and notify with one thread (docs/threads.md):
;; not-equal returns 1 at once, a matching value waits out its timeout and
;; returns 2, a matching value without a timeout would never return and
;; traps, notify wakes nobody. The address checks come first, and waiting
;; on an unshared memory traps.

(module
  (memory 1 1 shared)
  (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
)

(invoke "store" (i32.const 8) (i64.const 0x0000000500000007))
;; Not equal: 1, whatever the timeout (even none).
(assert_return (invoke "wait32" (i32.const 8) (i32.const 5) (i64.const -1)) (i32.const 1))
(assert_return (invoke "wait64" (i32.const 8) (i64.const 7) (i64.const -1)) (i32.const 1))
;; Equal (wait32 reads the low word 7, wait64 the whole 0x5_00000007):
;; nobody can notify, so the timeout passes: 2.
(assert_return (invoke "wait32" (i32.const 8) (i32.const 7) (i64.const 0)) (i32.const 2))
(assert_return (invoke "wait32" (i32.const 12) (i32.const 5) (i64.const 1000000)) (i32.const 2))
(assert_return (invoke "wait64" (i32.const 8) (i64.const 0x500000007) (i64.const 1000)) (i32.const 2))
;; Equal and no timeout: a trap, not a hang.
(assert_trap (invoke "wait32" (i32.const 8) (i32.const 7) (i64.const -1)) "wait would deadlock")
(assert_trap (invoke "wait64" (i32.const 8) (i64.const 0x500000007) (i64.const -5)) "wait would deadlock")
;; Alignment and bounds come first.
(assert_trap (invoke "wait32" (i32.const 2) (i32.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait64" (i32.const 4) (i64.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65536) (i32.const 0) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "wait64" (i32.const 65536) (i64.const 0) (i64.const 0)) "out of bounds memory access")
(assert_return (invoke "notify" (i32.const 8) (i32.const 10)) (i32.const 0))
(assert_trap (invoke "notify" (i32.const 6) (i32.const 1)) "unaligned atomic")
(assert_trap (invoke "notify" (i32.const 65536) (i32.const 1)) "out of bounds memory access")

(module
  (memory 1 1)
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
)
;; Unshared memory: atomics work, notify wakes nobody, wait traps (even
;; when the value differs), after the address checks.
(assert_return (invoke "add" (i32.const 0) (i32.const 3)) (i32.const 0))
(assert_return (invoke "add" (i32.const 0) (i32.const 3)) (i32.const 3))
(assert_return (invoke "notify" (i32.const 0) (i32.const 1)) (i32.const 0))
(assert_trap (invoke "wait32" (i32.const 0) (i32.const 99) (i64.const 0)) "expected shared memory")
(assert_trap (invoke "wait32" (i32.const 1) (i32.const 0) (i64.const 0)) "unaligned atomic")
