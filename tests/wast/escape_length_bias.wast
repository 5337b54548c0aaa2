;; Explicit mode keeps a memory's length in a variable minus the `k`
;; (`offset + size`) most of a function's checks use, weighted by loop
;; depth (compiler/src/translate/bounds.rs, `LengthBias`). Checks of that
;; `k` compare with the variable itself, others with variable + (K - k),
;; `memory.size` reads variable + K. Each assertion fails if the bias is
;; off by one, applied to the wrong `k`, or not redone after a call grows
;; the memory.

(module
  (memory 1 4)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  ;; The loop's two `i32.load offset=4` (k = 8) pick the bias; the byte load
  ;; (k = 1) and the `i64.load offset=8` (k = 16) are checked through it.
  (func $mixed (param $p i32) (param $q i32) (result i64)
    (local $s i64) (local $n i32)
    (local.set $n (i32.const 2))
    (loop $l
      (local.set $s (i64.add (local.get $s)
        (i64.extend_i32_u (i32.load offset=4 (local.get $p)))))
      (local.set $s (i64.add (local.get $s)
        (i64.extend_i32_u (i32.load offset=4 (i32.add (local.get $p) (i32.const 0))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.set $s (i64.add (local.get $s)
      (i64.extend_i32_u (i32.load8_u (local.get $q)))))
    (i64.add (local.get $s) (i64.load offset=8 (local.get $q))))
  (func (export "mixed") (param i32 i32) (result i64)
    (call $mixed (local.get 0) (local.get 1)))
  ;; Grows by `$g` pages through a call, then the same checks must use the
  ;; new length, and `memory.size` must read the new size.
  (func (export "grow_then_load") (param $g i32) (param $p i32) (result i32)
    (local $n i32) (local $s i32)
    (drop (call $grow (local.get $g)))
    (local.set $n (i32.const 2))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))
      (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.add (local.get $s) (i32.load8_u offset=3 (local.get $p))))
  (func (export "size_after_loop") (param $p i32) (result i32)
    (local $n i32)
    (local.set $n (i32.const 2))
    (loop $l
      (drop (i32.load offset=4 (local.get $p)))
      (drop (i32.load offset=4 (local.get $p)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (memory.size)))

;; k = 8 at p = 65528 reads bytes 65532..65535 (05 06 07 08) four times,
;; then byte 0 and the eight zero bytes at 8.
(assert_return (invoke "mixed" (i32.const 65528) (i32.const 0)) (i64.const 538712084))
(assert_trap (invoke "mixed" (i32.const 65529) (i32.const 0)) "out of bounds memory access")
;; k = 16 at q = 65520 reads the eight data bytes (0x0807060504030201);
;; one byte further it traps, and at 65536 the byte load (k = 1) traps.
(assert_return (invoke "mixed" (i32.const 0) (i32.const 65520)) (i64.const 578437695752307201))
(assert_trap (invoke "mixed" (i32.const 0) (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "mixed" (i32.const 0) (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "size_after_loop" (i32.const 0)) (i32.const 1))
(assert_trap (invoke "size_after_loop" (i32.const 65529)) "out of bounds memory access")
;; After growing to 2 pages inside the call, 131064 + 8 is the last fit.
(assert_trap (invoke "grow_then_load" (i32.const 0) (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "grow_then_load" (i32.const 1) (i32.const 131064)) (i32.const 0))
(assert_trap (invoke "grow_then_load" (i32.const 0) (i32.const 131065)) "out of bounds memory access")
(assert_return (invoke "size_after_loop" (i32.const 131064)) (i32.const 2))
;; Four loads of 0x08070605 and the byte at 65531 (04).
(assert_return (invoke "grow_then_load" (i32.const 0) (i32.const 65528)) (i32.const 538712088))
