;; A loop whose lanes were packed (escape_lane_pairs.wast) also gets a
;; block that runs two turns per test of its counter, entered only while an
;; even number of turns is left; an odd count runs one turn in the
;; one-turn block first (compiler/src/translate/lane_unroll.rs). Each
;; assertion below fails if the parity is misjudged (a turn too many writes
;; past the arrays' ends, into the sentinels, or traps; one too few leaves
;; the last element unchanged), if the second turn's addresses are off, or
;; if what the loop leaves behind (its counter and pointers) is not the
;; last turn's.

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
  ;; c[j] += a * b[j] for j < n, two elements per turn; returns the
  ;; counter and the end of c as i * 65536 + c.
  (func (export "axpy_end") (param $c i32) (param $b i32) (param $n i32) (param $a f64) (result i32)
    (local $i i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.load (local.get $c)) (f64.mul (local.get $a) (f64.load (local.get $b)))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.load offset=8 (local.get $c)) (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n))))
    (i32.add (i32.mul (local.get $i) (i32.const 65536)) (local.get $c)))
  ;; The same with a constant bound: six elements, three turns.
  (func (export "axpy_six") (param $c i32) (param $b i32) (param $a f64)
    (local $i i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.load (local.get $c)) (f64.mul (local.get $a) (f64.load (local.get $b)))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.load offset=8 (local.get $c)) (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (i32.const 6)))))
  ;; A counter that steps by 4 per turn up to 2n: parity of (2n - i) / 4.
  (func (export "axpy_by4") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (local $i i32)
    (local.set $n (i32.shl (local.get $n) (i32.const 1)))
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.load (local.get $c)) (f64.mul (local.get $a) (f64.load (local.get $b)))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.load offset=8 (local.get $c)) (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n)))))
  ;; A counter that steps down by 2 to 0.
  (func (export "axpy_down") (param $c i32) (param $b i32) (param $n i32) (param $a f64)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.load (local.get $c)) (f64.mul (local.get $a) (f64.load (local.get $b)))))
      (f64.store offset=8 (local.get $c)
        (f64.add (f64.load offset=8 (local.get $c)) (f64.mul (local.get $a) (f64.load offset=8 (local.get $b)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $n (i32.sub (local.get $n) (i32.const 2))) (i32.const 0))))))

;; b = 0, 1, ..., 15 at 0; with a = 2, c[k] = 1 + 2k.
(invoke "iota" (i32.const 0) (i32.const 16))

;; One to five turns, c ending at the end of memory: the last turn's
;; second element is the last 8 bytes of memory, and a turn too many
;; traps. The sentinel below c stays 7.
(invoke "fill" (i32.const 65504) (i32.const 4) (f64.const 1))
(assert_return (invoke "axpy_end" (i32.const 65520) (i32.const 0) (i32.const 2) (f64.const 2))
  (i32.const 196608))
(assert_return (invoke "get" (i32.const 65512)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65520)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 3))

(invoke "fill" (i32.const 65496) (i32.const 5) (f64.const 1))
(invoke "fill" (i32.const 65496) (i32.const 1) (f64.const 7))
(assert_return (invoke "axpy_end" (i32.const 65504) (i32.const 0) (i32.const 4) (f64.const 2))
  (i32.const 327680))
(assert_return (invoke "get" (i32.const 65496)) (f64.const 7))
(assert_return (invoke "get" (i32.const 65504)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65512)) (f64.const 3))
(assert_return (invoke "get" (i32.const 65520)) (f64.const 5))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 7))

(invoke "fill" (i32.const 65480) (i32.const 7) (f64.const 1))
(invoke "fill" (i32.const 65480) (i32.const 1) (f64.const 7))
(assert_return (invoke "axpy_end" (i32.const 65488) (i32.const 0) (i32.const 6) (f64.const 2))
  (i32.const 458752))
(assert_return (invoke "get" (i32.const 65480)) (f64.const 7))
(assert_return (invoke "get" (i32.const 65488)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65504)) (f64.const 5))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 11))

(invoke "fill" (i32.const 65464) (i32.const 9) (f64.const 1))
(invoke "fill" (i32.const 65464) (i32.const 1) (f64.const 7))
(assert_return (invoke "axpy_end" (i32.const 65472) (i32.const 0) (i32.const 8) (f64.const 2))
  (i32.const 589824))
(assert_return (invoke "get" (i32.const 65464)) (f64.const 7))
(assert_return (invoke "get" (i32.const 65472)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65480)) (f64.const 3))
(assert_return (invoke "get" (i32.const 65520)) (f64.const 13))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 15))

(invoke "fill" (i32.const 65448) (i32.const 11) (f64.const 1))
(invoke "fill" (i32.const 65448) (i32.const 1) (f64.const 7))
(assert_return (invoke "axpy_end" (i32.const 65456) (i32.const 0) (i32.const 10) (f64.const 2))
  (i32.const 720896))
(assert_return (invoke "get" (i32.const 65448)) (f64.const 7))
(assert_return (invoke "get" (i32.const 65456)) (f64.const 1))
(assert_return (invoke "get" (i32.const 65512)) (f64.const 15))
(assert_return (invoke "get" (i32.const 65520)) (f64.const 17))
(assert_return (invoke "get" (i32.const 65528)) (f64.const 19))

;; Away from the end: the element after c's last stays 1.
(invoke "fill" (i32.const 1024) (i32.const 12) (f64.const 1))
(assert_return (invoke "axpy_end" (i32.const 1024) (i32.const 0) (i32.const 10) (f64.const 2))
  (i32.const 656464))
(assert_return (invoke "get" (i32.const 1096)) (f64.const 19))
(assert_return (invoke "get" (i32.const 1104)) (f64.const 1))

;; n = 5 never meets a counter stepping by 2 from 0: the loop walks on
;; until c leaves memory, after the stores of every element before (c[4]
;; was 0).
(invoke "fill" (i32.const 2048) (i32.const 4) (f64.const 1))
(assert_trap (invoke "axpy_end" (i32.const 2048) (i32.const 0) (i32.const 5) (f64.const 2))
  "out of bounds memory access")
(assert_return (invoke "get" (i32.const 2048)) (f64.const 1))
(assert_return (invoke "get" (i32.const 2056)) (f64.const 3))
(assert_return (invoke "get" (i32.const 2080)) (f64.const 8))

;; A constant bound, three turns (odd).
(invoke "fill" (i32.const 3072) (i32.const 7) (f64.const 1))
(assert_return (invoke "axpy_six" (i32.const 3072) (i32.const 0) (f64.const 2)))
(assert_return (invoke "get" (i32.const 3072)) (f64.const 1))
(assert_return (invoke "get" (i32.const 3080)) (f64.const 3))
(assert_return (invoke "get" (i32.const 3112)) (f64.const 11))
(assert_return (invoke "get" (i32.const 3120)) (f64.const 1))

;; Steps of 4: two turns (even) and three (odd).
(invoke "fill" (i32.const 4096) (i32.const 5) (f64.const 1))
(assert_return (invoke "axpy_by4" (i32.const 4096) (i32.const 0) (i32.const 4) (f64.const 2)))
(assert_return (invoke "get" (i32.const 4120)) (f64.const 7))
(assert_return (invoke "get" (i32.const 4128)) (f64.const 1))
(invoke "fill" (i32.const 4096) (i32.const 7) (f64.const 1))
(assert_return (invoke "axpy_by4" (i32.const 4096) (i32.const 0) (i32.const 6) (f64.const 2)))
(assert_return (invoke "get" (i32.const 4128)) (f64.const 9))
(assert_return (invoke "get" (i32.const 4136)) (f64.const 11))
(assert_return (invoke "get" (i32.const 4144)) (f64.const 1))

;; Counting down: four turns (even), then one (odd).
(invoke "fill" (i32.const 5120) (i32.const 9) (f64.const 1))
(assert_return (invoke "axpy_down" (i32.const 5120) (i32.const 0) (i32.const 8) (f64.const 2)))
(assert_return (invoke "get" (i32.const 5120)) (f64.const 1))
(assert_return (invoke "get" (i32.const 5176)) (f64.const 15))
(assert_return (invoke "get" (i32.const 5184)) (f64.const 1))
(invoke "fill" (i32.const 5120) (i32.const 3) (f64.const 1))
(assert_return (invoke "axpy_down" (i32.const 5120) (i32.const 0) (i32.const 2) (f64.const 2)))
(assert_return (invoke "get" (i32.const 5128)) (f64.const 3))
(assert_return (invoke "get" (i32.const 5136)) (f64.const 1))
