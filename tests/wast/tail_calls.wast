;; Tail calls run in constant stack (translate/call.rs): mutual recursion
;; 1 000 000 deep through `return_call`, `return_call_indirect`, both mixed,
;; with arguments beyond the argument registers (passed on the stack, which
;; the callee of a tail call pops), and across two instances sharing a
;; table. An ordinary call chain this deep exhausts the stack (the last
;; assertion), so each of these fails if a tail call keeps its frame.
;; Expected values: even/odd of n is 1 when n is even; the stack-argument
;; chain adds 1 to its accumulator per step, and the other arguments come
;; back unchanged.

(module $tail
  (type $i64_to_i32 (func (param i64) (result i32)))
  ;; 0 even_indirect, 1 odd_indirect, 2 ping, 3 filled by $other, 4 cross
  (table $t (export "table") 5 funcref)
  (elem (table $t) (i32.const 0) func $even_indirect $odd_indirect $ping)
  (elem (table $t) (i32.const 4) func $cross)

  ;; return_call
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (export "odd") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))

  ;; return_call_indirect, through table slots 0 (even) and 1 (odd)
  (func $even_indirect (export "even_indirect") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_indirect $t (type $i64_to_i32)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $odd_indirect (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect $t (type $i64_to_i32)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))

  ;; mixed: a direct tail call one way, an indirect one back
  (func $ping (export "ping") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $pong (i64.sub (local.get 0) (i64.const 1))))))
  (func $pong (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect $t (type $i64_to_i32)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 2)))))

  ;; Across instances: slot 3 is $other's $back, which calls slot 4.
  (func $cross (export "cross") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_indirect $t (type $i64_to_i32)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 3)))))

  ;; 12 integer and 10 float arguments: more than any of the three ISAs
  ;; passes in registers. $wide calls $wider (one more argument each way)
  ;; and back, so the stack-argument area changes size at every step.
  (func $wide (export "wide")
    (param $n i64) (param $acc i64)
    (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (param f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then
        ;; acc + the sum of the other integers + the floats truncated
        (i64.add (local.get $acc)
          (i64.add
            (i64.add (i64.add (local.get 2) (local.get 3)) (i64.add (local.get 4) (local.get 5)))
            (i64.add
              (i64.add (i64.add (local.get 6) (local.get 7)) (i64.add (local.get 8) (local.get 9)))
              (i64.add
                (i64.add (local.get 10) (local.get 11))
                (i64.trunc_f64_s
                  (f64.add
                    (f64.add (f64.add (local.get 12) (local.get 13)) (f64.add (local.get 14) (local.get 15)))
                    (f64.add
                      (f64.add (f64.add (local.get 16) (local.get 17)) (f64.add (local.get 18) (local.get 19)))
                      (f64.add (local.get 20) (local.get 21))))))))))
      (else
        (return_call $wider
          (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $acc) (i64.const 1))
          (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
          (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11)
          (local.get 12) (local.get 13) (local.get 14) (local.get 15) (local.get 16)
          (local.get 17) (local.get 18) (local.get 19) (local.get 20) (local.get 21)
          (i64.const 0) (f64.const 0)))))
  (func $wider
    (param $n i64) (param $acc i64)
    (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (param f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (param i64 f64)
    (result i64)
    (return_call $wide
      (local.get $n) (local.get $acc)
      (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
      (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11)
      (local.get 12) (local.get 13) (local.get 14) (local.get 15) (local.get 16)
      (local.get 17) (local.get 18) (local.get 19) (local.get 20) (local.get 21)))

  ;; The same depth through ordinary calls overflows the stack.
  (func $deep (export "deep") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $deep (i64.sub (local.get 0) (i64.const 1))))))
)

(assert_return (invoke "even" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke "odd" (i64.const 1000000)) (i32.const 0))
(assert_return (invoke "even" (i64.const 1000001)) (i32.const 0))
(assert_return (invoke "even_indirect" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke "even_indirect" (i64.const 999999)) (i32.const 0))
(assert_return (invoke "ping" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke "ping" (i64.const 1000001)) (i32.const 0))
;; 1000000 steps: acc = 1000000; integers 1..10 sum to 55; floats
;; 0.5 * 10 = 5.0; total 1000060.
(assert_return
  (invoke "wide" (i64.const 1000000) (i64.const 0)
    (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
    (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10)
    (f64.const 0.5) (f64.const 0.5) (f64.const 0.5) (f64.const 0.5) (f64.const 0.5)
    (f64.const 0.5) (f64.const 0.5) (f64.const 0.5) (f64.const 0.5) (f64.const 0.5))
  (i64.const 1000060))
(assert_exhaustion (invoke "deep" (i64.const 1000000)) "call stack exhausted")

;; Tail calls into another instance: $other's $back and $tail's $cross
;; call each other through $tail's table. And tail calls to imports: a Wasm
;; function of another instance, and a host function (WASI `sched_yield`,
;; which returns 0 = success) through its adapter (emit/host_adapters.rs).
(register "tail" $tail)
(module $other
  (type $i64_to_i32 (func (param i64) (result i32)))
  (import "tail" "table" (table 5 funcref))
  (import "tail" "even" (func $even (param i64) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (func $back (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect (type $i64_to_i32)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 4)))))
  (elem (i32.const 3) func $back)
  (func (export "even_via_import") (param i64) (result i32)
    (return_call $even (local.get 0)))
  (func (export "yield") (result i32)
    (return_call $sched_yield))
)

(assert_return (invoke $tail "cross" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke $tail "cross" (i64.const 1000001)) (i32.const 0))
(assert_return (invoke $other "even_via_import" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke $other "yield") (i32.const 0))
