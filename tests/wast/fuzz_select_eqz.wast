;; From the differential fuzzer: wasm-smith guards every division of a
;; trap-free module as `select (i32.const 1) d (i32.eqz d)` (a zero divisor
;; becomes 1) plus an INT_MIN / -1 check through locals. The reference
;; interpreter (wasmi 2.0.0) got this wrong — it always chose 1 — and
;; wafer got it right on every target; this pins wafer's behaviour,
;; including the local.set/local.tee shuffle of the generated guard.

(module
  (func (export "guard") (param i32) (result i32)
    (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0))))
  (func (export "guard64") (param i64) (result i64)
    (select (i64.const 1) (local.get 0) (i64.eqz (local.get 0))))
  (func (export "div") (param i32 i32) (result i32)
    (local i32 i32)
    local.get 0
    local.get 1
    local.set 2
    i32.const 1
    local.get 2
    local.get 2
    i32.eqz
    select
    local.set 2
    local.set 3
    block
      block
        local.get 3
        local.get 2
        local.set 2
        local.tee 3
        i32.const 0x80000000
        i32.ne
        br_if 0
        local.get 2
        i32.const -1
        i32.ne
        br_if 0
        i32.const 1
        local.set 2
        br 1
      end
    end
    local.get 3
    local.get 2
    i32.div_s))

(assert_return (invoke "guard" (i32.const 0)) (i32.const 1))
(assert_return (invoke "guard" (i32.const 2)) (i32.const 2))
(assert_return (invoke "guard" (i32.const -1)) (i32.const -1))
(assert_return (invoke "guard64" (i64.const 0)) (i64.const 1))
(assert_return (invoke "guard64" (i64.const -9)) (i64.const -9))
(assert_return (invoke "div" (i32.const 7) (i32.const 0)) (i32.const 7))
(assert_return (invoke "div" (i32.const 7) (i32.const 2)) (i32.const 3))
(assert_return (invoke "div" (i32.const 5) (i32.const -1)) (i32.const -5))
(assert_return (invoke "div" (i32.const 0x80000000) (i32.const -1)) (i32.const 0x80000000))
(assert_return (invoke "div" (i32.const -7) (i32.const 2)) (i32.const -3))
