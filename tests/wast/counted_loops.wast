;; Down-counters replaced by the pointer they mirror (translate/
;; counted_loops.rs, x86_64): a loop that moves p up by k and counts n down
;; by k exits when p reaches p0 + n0, which is when n reaches 0, also when
;; p wraps past 2^32; a count that never reaches 0 runs on until the
;; memory ends (a trap) in both forms. Memory holds i at address i for
;; i < 256 (the start function fills it).

(module
  (memory 1)
  (func $fill
    (local $i i32)
    (loop $next
      (i32.store8 (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256)))))
  (start $fill)

  ;; Sum of the bytes at p .. p + n, two per round (CRC-32's unrolled loop
  ;; shape: br_if on the decremented count).
  (func (export "sum2") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.load8_u (local.get $p))
                 (i32.load8_u offset=1 (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $next (local.tee $n (i32.add (local.get $n) (i32.const -2)))))
    (local.get $s))
  ;; One byte per round at p + 16, looping on `n != 0` written out.
  (func (export "sum_at16") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s)
        (i32.load8_u (i32.add (local.get $p) (i32.const 16)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (i32.ne (local.get $n) (i32.const 0))))
    (local.get $s))
  ;; The final count read after the loop (0 when the loop ends normally):
  ;; the pass must leave such a loop alone, or the read would see a stale
  ;; count.
  (func (export "sum2_count") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $next (local.tee $n (i32.add (local.get $n) (i32.const -2)))))
    (i32.add (local.get $s) (i32.mul (local.get $n) (i32.const 1000))))
  ;; The loop's test also kept as a value (0 when the loop ends).
  (func (export "sum2_flag") (param $p i32) (param $n i32) (result i32)
    (local $s i32) (local $more i32)
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (local.set $n (i32.add (local.get $n) (i32.const -2)))
      (br_if $next (local.tee $more (i32.ne (local.get $n) (i32.const 0)))))
    (i32.add (local.get $s) (i32.mul (local.get $more) (i32.const 1000))))
  ;; The count also returned: it is read after the loop (left alone).
  (func (export "count_left") (param $p i32) (param $n i32) (result i32)
    (loop $next
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (i32.gt_u (i32.load8_u (local.get $p)) (i32.const 5))))
    (local.get $n))
)

;; 0 + 1 + ... + 15 = 120; 10 + 11 + 12 + 13 = 46.
(assert_return (invoke "sum2" (i32.const 0) (i32.const 16)) (i32.const 120))
(assert_return (invoke "sum2" (i32.const 10) (i32.const 4)) (i32.const 46))
(assert_return (invoke "sum2" (i32.const 200) (i32.const 2)) (i32.const 401))
;; The last two bytes of memory (zero), then one round too many: a trap.
(assert_return (invoke "sum2" (i32.const 65534) (i32.const 2)) (i32.const 0))
(assert_trap (invoke "sum2" (i32.const 65534) (i32.const 4)) "out of bounds memory access")
;; An odd count never reaches 0: the loop runs off the end of memory.
(assert_trap (invoke "sum2" (i32.const 0) (i32.const 3)) "out of bounds memory access")
;; p from 2^32 - 16: addresses 0, 1, 2, 3 (p + 16 wraps): 6; the end
;; p0 + n0 = 2^32 - 12.
(assert_return (invoke "sum_at16" (i32.const -16) (i32.const 4)) (i32.const 6))
;; p from 2^32 - 2 through 0 to 1: addresses 14, 15, 16, 17: 62; p itself
;; wraps, and the end is 2.
(assert_return (invoke "sum_at16" (i32.const -2) (i32.const 4)) (i32.const 62))
(assert_return (invoke "sum_at16" (i32.const 0) (i32.const 1)) (i32.const 16))
;; Bytes 0, 2, 4, 6: 12, and the count and the test are 0 at the end.
(assert_return (invoke "sum2_count" (i32.const 0) (i32.const 8)) (i32.const 12))
(assert_return (invoke "sum2_flag" (i32.const 0) (i32.const 8)) (i32.const 12))
;; Bytes 1..5 stop the loop at p = 1 after one round: n - 1.
(assert_return (invoke "count_left" (i32.const 0) (i32.const 10)) (i32.const 9))
(assert_return (invoke "count_left" (i32.const 6) (i32.const 10)) (i32.const -240))
