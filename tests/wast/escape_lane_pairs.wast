;; Loops that do two f64 elements per turn, as clang emits `c[j] += a *
;; b[j]` for Wasm without SIMD, have their two lanes packed into one f64x2
;; operation in the versioned loop's unchecked copy (x86_64 and aarch64,
;; both bounds modes: compiler/src/translate/lane_pairs.rs). Packing loads
;; lane 1 before lane 0 is stored, so the entry test must send the loop to
;; the one-by-one copy when the arrays overlap or an access would leave
;; memory. Each assertion below fails if it does not: an overlapping `c`
;; reads a value before its update, and a loop that runs off the end of
;; memory must trap after the stores of the elements before the faulting
;; one, not before.

(module
  (memory 1)
  (func (export "get") (param i32) (result f64) (f64.load (local.get 0)))
  ;; x[k] = v for k < n (one store per turn: never packed).
  (func (export "fill") (param $p i32) (param $n i32) (param $v f64)
    (loop $l
      (f64.store (local.get $p) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; x[k] = k for k < n.
  (func (export "iota") (param $p i32) (param $n i32)
    (local $k i32)
    (loop $l
      (f64.store (local.get $p) (f64.convert_i32_u (local.get $k)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $n)))))
  ;; c[j] += a * b[j] for j < n (n even), two elements per turn.
  (func (export "axpy") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (local $i i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.load (local.get $c)) (f64.mul (local.get $a) (f64.load (local.get $b)))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.load offset=8 (local.get $c)) (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n)))))
  ;; c[j] = a * b[j] - c[j] / a, lane 1's product written the other way
  ;; round (the lanes still match: multiplication commutes).
  (func (export "scale_diff") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (local $i i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.sub (f64.mul (local.get $a) (f64.load (local.get $b)))
                 (f64.div (f64.load (local.get $c)) (local.get $a))))
      (f64.store offset=8 (local.get $c)
        (f64.sub (f64.mul (f64.load offset=8 (local.get $b)) (local.get $a))
                 (f64.div (f64.load offset=8 (local.get $c)) (local.get $a))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n)))))
  ;; c[j] = sqrt(|-b[j]|): unary operations in both lanes.
  (func (export "roots") (param $c i32) (param $b i32) (param $n i32)
    (local $i i32)
    (loop $l
      (f64.store (local.get $c) (f64.sqrt (f64.abs (f64.neg (f64.load (local.get $b))))))
      (f64.store offset=8 (local.get $c) (f64.sqrt (f64.abs (f64.neg (f64.load offset=8 (local.get $b))))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n))))))

;; Apart: b = 0, 1, ..., 15 at 0; c = 1.0 at 1024: c[k] = 1 + 2k.
(invoke "iota" (i32.const 0) (i32.const 16))
(invoke "fill" (i32.const 1024) (i32.const 8) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 1024) (i32.const 0) (i32.const 8) (f64.const 2)))
(assert_return (invoke "get" (i32.const 1024)) (f64.const 1))
(assert_return (invoke "get" (i32.const 1032)) (f64.const 3))
(assert_return (invoke "get" (i32.const 1048)) (f64.const 7))
(assert_return (invoke "get" (i32.const 1080)) (f64.const 15))
(assert_return (invoke "get" (i32.const 1088)) (f64.const 0))

;; c one element above b: x[j + 1] += x[j] one after the other is a
;; running sum (2, 3, 4, 5); lanes loaded together would read the old x[j]
;; for lane 1 (2, 2, 3, 2).
(invoke "fill" (i32.const 2048) (i32.const 8) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 2056) (i32.const 2048) (i32.const 4) (f64.const 1)))
(assert_return (invoke "get" (i32.const 2056)) (f64.const 2))
(assert_return (invoke "get" (i32.const 2064)) (f64.const 3))
(assert_return (invoke "get" (i32.const 2072)) (f64.const 4))
(assert_return (invoke "get" (i32.const 2080)) (f64.const 5))
(assert_return (invoke "get" (i32.const 2088)) (f64.const 1))

;; c one element below b: x[j] += x[j + 1] reads only elements not yet
;; written (2, 2, 2, 2), and c two elements above b: each turn reads what
;; the turn before wrote (x[j + 2] += x[j]: 2, 2, 3, 3).
(invoke "fill" (i32.const 3072) (i32.const 8) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 3072) (i32.const 3080) (i32.const 4) (f64.const 1)))
(assert_return (invoke "get" (i32.const 3072)) (f64.const 2))
(assert_return (invoke "get" (i32.const 3096)) (f64.const 2))
(assert_return (invoke "get" (i32.const 3104)) (f64.const 1))
(invoke "fill" (i32.const 4096) (i32.const 8) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 4112) (i32.const 4096) (i32.const 4) (f64.const 1)))
(assert_return (invoke "get" (i32.const 4112)) (f64.const 2))
(assert_return (invoke "get" (i32.const 4120)) (f64.const 2))
(assert_return (invoke "get" (i32.const 4128)) (f64.const 3))
(assert_return (invoke "get" (i32.const 4136)) (f64.const 3))

;; In place (c = b): x[j] += 3 x[j].
(invoke "fill" (i32.const 5120) (i32.const 4) (f64.const 1))
(assert_return (invoke "axpy" (i32.const 5120) (i32.const 5120) (i32.const 4) (f64.const 3)))
(assert_return (invoke "get" (i32.const 5120)) (f64.const 4))
(assert_return (invoke "get" (i32.const 5144)) (f64.const 4))

;; c's last element out of bounds: lane 0 of the second pair (65528) is in
;; memory and is stored before lane 1 (65536) traps.
(invoke "fill" (i32.const 65504) (i32.const 4) (f64.const 1))
(assert_trap (invoke "axpy" (i32.const 65512) (i32.const 0) (i32.const 4) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65504)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65512)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65520)) (f64.const 2))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 3))

;; b's last element out of bounds: c[2] is updated, c[3] is not.
(invoke "fill" (i32.const 65512) (i32.const 3) (f64.const 4))
(invoke "fill" (i32.const 6144) (i32.const 4) (f64.const 1))
(assert_trap (invoke "axpy" (i32.const 6144) (i32.const 65512) (i32.const 4) (f64.const 1))
  "out of bounds memory access")
(assert_return (invoke "get" (i32.const 6144)) (f64.const 5))
(assert_return (invoke "get" (i32.const 6152)) (f64.const 5))
(assert_return (invoke "get" (i32.const 6160)) (f64.const 5))
(assert_return (invoke "get" (i32.const 6168)) (f64.const 1))

;; Subtraction, division and a crossed product: c[k] = 2k - 2.
(invoke "fill" (i32.const 7168) (i32.const 4) (f64.const 4))
(assert_return (invoke "scale_diff" (i32.const 7168) (i32.const 0) (i32.const 4) (f64.const 2)))
(assert_return (invoke "get" (i32.const 7168)) (f64.const -2))
(assert_return (invoke "get" (i32.const 7176)) (f64.const 0))
(assert_return (invoke "get" (i32.const 7184)) (f64.const 2))
(assert_return (invoke "get" (i32.const 7192)) (f64.const 4))

;; Unary lanes: sqrt(|-k|) for k = 0, 1, 4, 9 (b = k^2 written first).
(invoke "fill" (i32.const 8192) (i32.const 1) (f64.const 0))
(invoke "fill" (i32.const 8200) (i32.const 1) (f64.const 1))
(invoke "fill" (i32.const 8208) (i32.const 1) (f64.const 4))
(invoke "fill" (i32.const 8216) (i32.const 1) (f64.const 9))
(assert_return (invoke "roots" (i32.const 9216) (i32.const 8192) (i32.const 4)))
(assert_return (invoke "get" (i32.const 9216)) (f64.const 0))
(assert_return (invoke "get" (i32.const 9224)) (f64.const 1))
(assert_return (invoke "get" (i32.const 9232)) (f64.const 2))
(assert_return (invoke "get" (i32.const 9240)) (f64.const 3))
