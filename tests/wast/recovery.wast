;; After a trap, the same process keeps serving: deep recursion is stopped
;; by the stack limit and the next call works; state survives traps.

(module
  (global $calls (mut i32) (i32.const 0))
  (func $deep (export "deep") (param i64) (result i64)
    (i64.add (i64.const 1) (call $deep (local.get 0))))
  (func $mutual_a (param i32) (result i32) (call $mutual_b (i32.add (local.get 0) (i32.const 1))))
  (func $mutual_b (param i32) (result i32) (call $mutual_a (local.get 0)))
  (func (export "mutual") (result i32) (call $mutual_a (i32.const 0)))
  (func $count (export "count") (param i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (result i32) (i32.eqz (local.get 0))
      (then (global.get $calls))
      (else (call $count (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "calls") (result i32) (global.get $calls)))

(assert_exhaustion (invoke "deep" (i64.const 0)) "call stack exhausted")
(assert_return (invoke "count" (i32.const 1000)) (i32.const 1001))
(assert_exhaustion (invoke "mutual") "call stack exhausted")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_return (invoke "div" (i32.const 7) (i32.const 2)) (i32.const 3))
(assert_exhaustion (invoke "deep" (i64.const 1)) "call stack exhausted")
;; The global kept its value across the traps.
(assert_return (invoke "count" (i32.const 0)) (i32.const 1002))
