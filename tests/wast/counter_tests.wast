;; Down-counters tested as loop parameters (`n == 0` before the round
;; counts, as in wasi-libc's strncmp) become compares of a pointer with
;; the end `p0 + n0` on x86_64 (translate/counter_tests.rs). The counts
;; below are read off the strings by hand; counters of 0, of exactly the
;; match length, larger than it, and 0xffffffff (an end `p0 - 1` that
;; wrapped below the pointer) must stop where the counter would.
;; Memory: "hello world\0" at 0, "hello there\0" at 32, "hello world\0"
;; at 64, "abcXYZ" at 96, "defXYZ" at 112.

(module
  (memory 1)
  (data (i32.const 0) "hello world\00")
  (data (i32.const 32) "hello there\00")
  (data (i32.const 64) "hello world\00")
  (data (i32.const 96) "abcXYZ")
  (data (i32.const 112) "defXYZ")
  ;; Equal leading bytes of l and r, at most n, stopping at a NUL: the
  ;; counter tested with i32.eqz.
  (func (export "prefix_eqz") (param $l i32) (param $r i32) (param $n i32) (result i32)
    (local $start i32)
    (local.set $start (local.get $l))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (br_if $done (i32.ne (i32.load8_u (local.get $l)) (i32.load8_u (local.get $r))))
        (br_if $done (i32.eqz (i32.load8_u (local.get $l))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const -1)))
        (br $next)))
    (i32.sub (local.get $l) (local.get $start)))
  ;; The same with the counter itself as the branch condition, tested
  ;; after the byte compare.
  (func (export "prefix_brif") (param $l i32) (param $r i32) (param $n i32) (result i32)
    (local $start i32)
    (local.set $start (local.get $l))
    (block $done
      (loop $next
        (br_if $done (i32.ne (i32.load8_u (local.get $l)) (i32.load8_u (local.get $r))))
        (br_if $done (i32.eqz (i32.load8_u (local.get $l))))
        (block $more
          (br_if $more (local.get $n))
          (br $done))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $l) (local.get $start)))
  ;; Equal trailing bytes before l_end and r_end, at most -c: the counter
  ;; counts up to zero while the pointers walk down.
  (func (export "suffix") (param $l i32) (param $r i32) (param $c i32) (result i32)
    (local $end i32)
    (local.set $end (local.get $l))
    (block $done
      (loop $next
        (br_if $done (i32.eq (local.get $c) (i32.const 0)))
        (br_if $done (i32.ne (i32.load8_u (i32.sub (local.get $l) (i32.const 1)))
                             (i32.load8_u (i32.sub (local.get $r) (i32.const 1)))))
        (local.set $l (i32.add (local.get $l) (i32.const -1)))
        (local.set $r (i32.add (local.get $r) (i32.const -1)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $end) (local.get $l)))
)

;; "hello world" / "hello there": 6 equal bytes ("hello "), then w != t.
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 100)) (i32.const 6))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 7)) (i32.const 6))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 6)) (i32.const 6))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 3)) (i32.const 3))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 1)) (i32.const 1))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const 0)) (i32.const 0))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 32) (i32.const -1)) (i32.const 6))
;; "hello world" twice: 11 bytes, then the NUL ends it.
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 64) (i32.const -1)) (i32.const 11))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 64) (i32.const 12)) (i32.const 11))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 64) (i32.const 11)) (i32.const 11))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 64) (i32.const 10)) (i32.const 10))
(assert_return (invoke "prefix_eqz" (i32.const 0) (i32.const 64) (i32.const 5)) (i32.const 5))
;; Counters whose end p0 + n0 wraps past 2^32 to 0 (100 + 0xffffff9c,
;; 4 + 0xfffffffc): "YZ" at 100 compared with itself, then its NUL; "o
;; world" at 4 and 68, then the NUL.
(assert_return (invoke "prefix_eqz" (i32.const 100) (i32.const 100) (i32.const -100)) (i32.const 2))
(assert_return (invoke "prefix_eqz" (i32.const 4) (i32.const 68) (i32.const -4)) (i32.const 7))

;; The counter tested after the compares: n more rounds after the first.
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 32) (i32.const 100)) (i32.const 6))
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 32) (i32.const 6)) (i32.const 6))
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 32) (i32.const 5)) (i32.const 5))
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 32) (i32.const 0)) (i32.const 0))
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 64) (i32.const -1)) (i32.const 11))
(assert_return (invoke "prefix_brif" (i32.const 0) (i32.const 64) (i32.const 10)) (i32.const 10))

;; "abcXYZ" / "defXYZ" from their ends (102, 118): 3 equal bytes.
(assert_return (invoke "suffix" (i32.const 102) (i32.const 118) (i32.const -100)) (i32.const 3))
(assert_return (invoke "suffix" (i32.const 102) (i32.const 118) (i32.const -3)) (i32.const 3))
(assert_return (invoke "suffix" (i32.const 102) (i32.const 118) (i32.const -2)) (i32.const 2))
(assert_return (invoke "suffix" (i32.const 102) (i32.const 118) (i32.const 0)) (i32.const 0))
