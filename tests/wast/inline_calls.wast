;; Direct calls made inside a loop to small defined functions are inlined
;; (compiler/src/emit/inline.rs). Every call below sits in a loop so that it
;; is inlined; the results are those of the uninlined functions, worked out
;; by hand in the comments.

(module
  (func $inc (export "inc") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1))))
(register "provider")

(module
  (import "provider" "inc" (func $imported_inc (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\01\02\03\04")

  ;; Several returns: 10 for x < 0, 20 for x == 0, x * 2 otherwise.
  (func $classify (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0)) (then (return (i32.const 10))))
    (if (i32.eqz (local.get 0)) (then (return (i32.const 20))))
    (i32.mul (local.get 0) (i32.const 2)))

  ;; A br_table whose targets leave the callee at different depths.
  (func $pick (param i32) (result i32)
    (block $b2
      (block $b1
        (block $b0
          (br_table $b0 $b1 $b2 (local.get 0)))
        (return (i32.const 100)))
      (return (i32.const 200)))
    (i32.const 300))

  ;; Two results.
  (func $divmod (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))

  ;; Calls an import: the call stays a call inside the inlined body.
  (func $twice_inc (param i32) (result i32)
    (call $imported_inc (call $imported_inc (local.get 0))))

  ;; Traps of an inlined body.
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $boom (param i32) (result i32)
    (if (local.get 0) (then unreachable))
    (i32.const 7))

  ;; Recursion: the call in the loop is inlined once into $fib itself.
  (func $fib (export "fib") (param i32) (result i32)
    (local $sum i32)
    (if (i32.lt_u (local.get 0) (i32.const 2)) (then (return (local.get 0))))
    (loop $l
      (local.set $sum
        (i32.add (local.get $sum) (call $fib (i32.sub (local.get 0) (i32.const 1)))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 2)))
      (br_if $l (i32.gt_u (local.get 0) (i32.const 1))))
    (i32.add (local.get $sum) (local.get 0)))

  ;; sum over i in [-2, 3) of classify(i): 10 + 10 + 20 + 2 + 4 = 46.
  (func (export "classify_sum") (result i32)
    (local $i i32) (local $sum i32)
    (local.set $i (i32.const -2))
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $classify (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (i32.const 3))))
    (local.get $sum))

  ;; sum over i in [0, 5) of pick(i): 100 + 200 + 300 + 300 + 300 = 1200.
  (func (export "pick_sum") (result i32)
    (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $pick (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
    (local.get $sum))

  ;; n divided by 10 as long as it is not 0; every step adds
  ;; quotient * 1000 + remainder. From n: 4711 -> (471, 1), (47, 1), (4, 7), (0, 4).
  (func (export "divmod_steps") (param $n i32) (result i32)
    (local $q i32) (local $r i32) (local $acc i32)
    (loop $l
      (call $divmod (local.get $n) (i32.const 10))
      (local.set $r)
      (local.set $q)
      (local.set $acc
        (i32.add (local.get $acc)
          (i32.add (i32.mul (local.get $q) (i32.const 1000)) (local.get $r))))
      (local.set $n (local.get $q))
      (br_if $l (local.get $n)))
    (local.get $acc))

  ;; n rounds of x := x + 2 through the import.
  (func (export "inc_loop") (param $x i32) (param $n i32) (result i32)
    (loop $l
      (local.set $x (call $twice_inc (local.get $x)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $x))

  ;; The word at each address in [from, from + 8 * count) step 8, summed.
  (func (export "load_loop") (param $from i32) (param $count i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $load (local.get $from))))
      (local.set $from (i32.add (local.get $from) (i32.const 8)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $l (local.get $count)))
    (local.get $sum))

  ;; 100 / d for d = start, start + 1, ... count times, summed.
  (func (export "div_loop") (param $d i32) (param $count i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $div (i32.const 100) (local.get $d))))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $l (local.get $count)))
    (local.get $sum))

  ;; boom(flag) count times, summed: 7 per call, or a trap.
  (func (export "boom_loop") (param $flag i32) (param $count i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $boom (local.get $flag))))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $l (local.get $count)))
    (local.get $sum)))

;; fib: 0 1 1 2 3 5 8 13 21 34 55; fib(20) = 6765.
(assert_return (invoke "fib" (i32.const 0)) (i32.const 0))
(assert_return (invoke "fib" (i32.const 1)) (i32.const 1))
(assert_return (invoke "fib" (i32.const 2)) (i32.const 1))
(assert_return (invoke "fib" (i32.const 10)) (i32.const 55))
(assert_return (invoke "fib" (i32.const 20)) (i32.const 6765))
(assert_return (invoke "classify_sum") (i32.const 46))
(assert_return (invoke "pick_sum") (i32.const 1200))
;; 471001 + 47001 + 4007 + 4 = 522013.
(assert_return (invoke "divmod_steps" (i32.const 4711)) (i32.const 522013))
(assert_return (invoke "inc_loop" (i32.const 5) (i32.const 10)) (i32.const 25))
;; Bytes 01 02 03 04 at 0 (0x04030201 = 67305985), zeros after.
(assert_return (invoke "load_loop" (i32.const 0) (i32.const 3)) (i32.const 67305985))
;; 65528, then 65536: the second word is out of bounds.
(assert_trap (invoke "load_loop" (i32.const 65528) (i32.const 2)) "out of bounds memory access")
;; 100/3 + 100/4 + 100/5 = 33 + 25 + 20 = 78; from -1 the second divisor is 0.
(assert_return (invoke "div_loop" (i32.const 3) (i32.const 3)) (i32.const 78))
(assert_trap (invoke "div_loop" (i32.const -1) (i32.const 3)) "integer divide by zero")
(assert_return (invoke "boom_loop" (i32.const 0) (i32.const 4)) (i32.const 28))
(assert_trap (invoke "boom_loop" (i32.const 1) (i32.const 4)) "unreachable")

;; A callee with a `call_indirect`, inlined into a caller that declared
;; another name first: the type-id symbol of the check must stay the
;; callee's (Cranelift's inliner copied the callee's name index as is, and
;; the check then compared with $triple's address and trapped).
(module
  (type $i2i (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $double $triple)
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $dispatch (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 0) (local.get 1)))
  ;; For n = 3, 2, 1: triple(n) + table[n & 1](n) = (9 + 9) + (6 + 4) + (3 + 3) = 34.
  (func (export "dispatch_loop") (param $n i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (call $triple (local.get $n))))
      (local.set $sum (i32.add (local.get $sum)
        (call $dispatch (local.get $n) (i32.and (local.get $n) (i32.const 1)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $sum)))
(assert_return (invoke "dispatch_loop" (i32.const 3)) (i32.const 34))
