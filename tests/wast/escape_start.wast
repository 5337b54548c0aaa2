;; Traps inside the start function, of every kind a sandbox escape would
;; need to get past, each followed by more calls in the same image: the
;; failed instance is gone, what the start function wrote to a shared
;; memory or table before trapping stays (Wasm 2.0), nothing past the
;; shared memory's end is written, and earlier instances keep working.

(module $shared
  (memory (export "memory") 1 1)
  (table (export "table") 2 funcref)
  (global (export "counter") (mut i32) (i32.const 0))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "peek_last") (result i32) (i32.load (i32.const 65532)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get (local.get 0))))
  (func (export "counted") (result i32) (i32.gt_u (global.get 0) (i32.const 100))))
(register "shared" $shared)

(assert_trap
  (module (func $start unreachable) (start $start))
  "unreachable")
(assert_return (invoke $shared "peek" (i32.const 0)) (i32.const 0))

;; Out of bounds in the start function, after an in-bounds store.
(assert_trap
  (module
    (import "shared" "memory" (memory 1 1))
    (func $start
      (i32.store8 (i32.const 5) (i32.const 55))
      (i32.store (i32.const 65533) (i32.const -1)))
    (start $start))
  "out of bounds memory access")
(assert_return (invoke $shared "peek" (i32.const 5)) (i32.const 55))
(assert_return (invoke $shared "peek_last") (i32.const 0))

;; A bulk fill straddling the end of the shared memory writes nothing.
(assert_trap
  (module
    (import "shared" "memory" (memory 1 1))
    (func $start (memory.fill (i32.const 65530) (i32.const 0xee) (i32.const 7)))
    (start $start))
  "out of bounds memory access")
(assert_return (invoke $shared "peek_last") (i32.const 0))

;; Unbounded recursion in the start function.
(assert_trap
  (module
    (import "shared" "counter" (global $counter (mut i32)))
    (func $start (global.set $counter (i32.add (global.get $counter) (i32.const 1))) (call $start))
    (start $start))
  "call stack exhausted")
;; Every level counted before the stack ran out: the global keeps it.
(assert_return (invoke $shared "counted") (i32.const 1))

;; call_indirect out of range, on null, and with the wrong signature.
(assert_trap
  (module
    (import "shared" "table" (table 2 funcref))
    (func $start (call_indirect (i32.const 2)))
    (start $start))
  "undefined element")
(assert_trap
  (module
    (import "shared" "table" (table 2 funcref))
    (func $start (call_indirect (i32.const 1)))
    (start $start))
  "uninitialized element")
(assert_trap
  (module
    (import "shared" "table" (table 2 funcref))
    (func $f (param i32))
    (elem (i32.const 0) $f)
    (func $start (call_indirect (i32.const 0)))
    (start $start))
  "indirect call type mismatch")
;; The element segment landed before the start function trapped.
(assert_return (invoke $shared "is_null" (i32.const 0)) (i32.const 0))
(assert_return (invoke $shared "is_null" (i32.const 1)) (i32.const 1))

;; Arithmetic traps.
(assert_trap
  (module (func $start (drop (i32.div_s (i32.const 1) (i32.const 0)))) (start $start))
  "integer divide by zero")
(assert_trap
  (module (func $start (drop (i32.div_s (i32.const 0x80000000) (i32.const -1)))) (start $start))
  "integer overflow")
(assert_trap
  (module (func $start (drop (i32.trunc_f32_s (f32.const nan)))) (start $start))
  "invalid conversion to integer")

;; A start function that succeeds after all those failures, in a module
;; that then serves calls; the shared instance still works.
(module $ok
  (import "shared" "memory" (memory 1 1))
  (func $start (i32.store8 (i32.const 6) (i32.const 66)))
  (start $start)
  (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
(assert_return (invoke $ok "twice" (i32.const 21)) (i32.const 42))
(assert_return (invoke $shared "peek" (i32.const 6)) (i32.const 66))
(assert_return (invoke $shared "peek" (i32.const 5)) (i32.const 55))
(assert_return (invoke $shared "peek_last") (i32.const 0))
