;; Explicit bounds checks hoisted out of loops (loop versioning, see
;; compiler/src/translate/loop_version.rs): a loop whose accesses walk an
;; induction pointer gets an unchecked copy, run only when a test before
;; the loop proves every access of every iteration in bounds; otherwise the
;; checked copy runs. Every assertion here fails if the test let the
;; unchecked copy run where an access is out of bounds (the access would
;; then not trap), or if a loop trapped before the stores of the
;; iterations that were in bounds.

;; Stores `$v + i` at `$p + 4 * i` for i in [0, $n): step +4, counter +1
;; compared after its increment.
(module
  (memory 1)
  (func (export "fill") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.add (local.get $v) (local.get $i)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; Two accesses per iteration at offsets of the pointer, one after the
  ;; increment (at `p + 8 - 4`), unrolled like clang does.
  (func (export "fill_pairs") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (i32.store offset=0 (i32.sub (local.get $p) (i32.const 4)) (local.get $v))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n)))))
  ;; Step -4: stores `$v + i` at `$p - 4 * i`.
  (func (export "fill_down") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.add (local.get $v) (local.get $i)))
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; A counter running down to zero (step -1) and an access below the
  ;; pointer (`p - 4`): stores `$v` at `$p - 4`, `$p - 8`, ...
  (func (export "fill_below") (param $p i32) (param $n i32) (param $v i32)
    (loop $l
      (i32.store (i32.sub (local.get $p) (i32.const 4)) (local.get $v))
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0)))))
  ;; The counter steps by 2 and is compared with `$n`: when `$n` is odd it
  ;; never equals it, and the loop only ends by trapping.
  (func (export "fill_step2") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n)))))
  ;; The pointer is the counter: copies bytes from `$src` until `$dst`
  ;; meets `$end`.
  (func (export "copy_until") (param $dst i32) (param $end i32) (param $src i32)
    (loop $l
      (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $dst (i32.add (local.get $dst) (i32.const 1))) (local.get $end)))))
  ;; clang's count-down form: `br_if` on the counter itself (`!= 0`),
  ;; stepping by -2: stores the byte `$v` at `$p`, `$p + 1`, ...
  (func (export "bytes_down") (param $p i32) (param $n i32) (param $v i32)
    (loop $l
      (i32.store8 (local.get $p) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 2))))))
  (func (export "load") (param $p i32) (result i32) (i32.load (local.get $p)))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

;; In bounds up to the last byte: the unchecked copy may run.
(assert_return (invoke "fill" (i32.const 65528) (i32.const 2) (i32.const 10)))
(assert_return (invoke "load" (i32.const 65528)) (i32.const 10))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 11))
;; Walks off the end at i = 3: the stores of i = 0, 1, 2 are visible.
(assert_trap (invoke "fill" (i32.const 65524) (i32.const 5) (i32.const 20)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65524)) (i32.const 20))
(assert_return (invoke "load" (i32.const 65528)) (i32.const 21))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 22))
;; `$n = 0` with a +1 counter: 2^32 iterations, walks off the end.
(assert_trap (invoke "fill" (i32.const 65532) (i32.const 0) (i32.const 30)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 30))
;; Off by one at the end: the last store straddles the end.
(assert_trap (invoke "fill" (i32.const 65525) (i32.const 3) (i32.const 40)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65525)) (i32.const 40))
(assert_return (invoke "load" (i32.const 65529)) (i32.const 41))
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 0))

(assert_return (invoke "fill_pairs" (i32.const 65520) (i32.const 4) (i32.const 7)))
(assert_return (invoke "load" (i32.const 65520)) (i32.const 7))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 7))
;; The second store of the third iteration (at 65536) traps; the first
;; (at 65532) happened.
(assert_trap (invoke "fill_pairs" (i32.const 65516) (i32.const 6) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65528)) (i32.const 8))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 8))

;; Step -4 from 8: stores at 8, 4, 0, then 0xfffffffc traps.
(assert_return (invoke "fill_down" (i32.const 8) (i32.const 3) (i32.const 50)))
(assert_return (invoke "load" (i32.const 8)) (i32.const 50))
(assert_return (invoke "load" (i32.const 0)) (i32.const 52))
(assert_trap (invoke "fill_down" (i32.const 8) (i32.const 4) (i32.const 60)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 8)) (i32.const 60))
(assert_return (invoke "load" (i32.const 4)) (i32.const 61))
(assert_return (invoke "load" (i32.const 0)) (i32.const 62))

;; `p - 4` wraps below zero on the third iteration (p = 4 stores at 0,
;; p = 0 at 0xfffffffc).
(assert_return (invoke "fill_below" (i32.const 12) (i32.const 3) (i32.const 70)))
(assert_return (invoke "load" (i32.const 0)) (i32.const 70))
(assert_trap (invoke "fill_below" (i32.const 8) (i32.const 3) (i32.const 71)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 4)) (i32.const 71))
(assert_return (invoke "load" (i32.const 0)) (i32.const 71))
;; Starting at 0: the very first access is out of bounds.
(assert_trap (invoke "fill_below" (i32.const 0) (i32.const 1) (i32.const 72)) "out of bounds memory access")

;; Odd `$n`: the counter never meets it; the stores walk off the end.
(assert_trap (invoke "fill_step2" (i32.const 65528) (i32.const 3) (i32.const 80)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65528)) (i32.const 80))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 80))
(assert_return (invoke "fill_step2" (i32.const 65528) (i32.const 4) (i32.const 81)))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 81))

(assert_return (invoke "fill" (i32.const 100) (i32.const 4) (i32.const 0x64636261)))
(assert_return (invoke "copy_until" (i32.const 65530) (i32.const 65534) (i32.const 100)))
(assert_return (invoke "load8" (i32.const 65530)) (i32.const 0x61))
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 0x64))
;; `$end` below `$dst`: the pointer runs up to the end of memory.
(assert_trap (invoke "copy_until" (i32.const 65534) (i32.const 10) (i32.const 104)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65534)) (i32.const 0x62))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x62))

;; n = 4: two iterations, up to the last byte.
(assert_return (invoke "bytes_down" (i32.const 65534) (i32.const 4) (i32.const 0x11)))
(assert_return (invoke "load8" (i32.const 65534)) (i32.const 0x11))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x11))
;; n = 6: the third store traps after the first two.
(assert_trap (invoke "bytes_down" (i32.const 65534) (i32.const 6) (i32.const 0x22)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65534)) (i32.const 0x22))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x22))
;; Odd n never reaches zero: the stores walk off the end.
(assert_trap (invoke "bytes_down" (i32.const 65533) (i32.const 3) (i32.const 0x33)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 0x33))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x33))
;; n = 0 wraps to 2^32 - 2 first: 2^31 iterations, walks off the end.
(assert_trap (invoke "bytes_down" (i32.const 65535) (i32.const 0) (i32.const 0x44)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x44))

;; A pointer i32 addition that wraps: `p + 16` with p = -16 is address 0.
(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00")
  (func (export "sum_wrapped") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (i32.load (i32.add (local.get $p) (i32.const 16)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $sum))
  ;; A pointer stepping by 2^30 (wraps after four iterations).
  (func (export "big_step") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 0x40000000)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $sum)))

(assert_return (invoke "sum_wrapped" (i32.const -16) (i32.const 3)) (i32.const 6))
(assert_trap (invoke "sum_wrapped" (i32.const -24) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "big_step" (i32.const 4) (i32.const 1)) (i32.const 2))
(assert_trap (invoke "big_step" (i32.const 4) (i32.const 2)) "out of bounds memory access")

;; A pointer advanced in a branch as well as at the top level is not an
;; induction: here it jumps past the end on the second iteration.
(module
  (memory 1)
  (func (export "skip_ahead") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.const 9))
      (if (i32.eq (local.get $i) (i32.const 0))
        (then (local.set $p (i32.add (local.get $p) (i32.const 65536)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; Written once, but only in a branch: not an induction either.
  (func (export "advance_sometimes") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.const 5))
      (if (i32.eq (local.get $i) (i32.const 1))
        (then (local.set $p (i32.sub (local.get $p) (i32.const 65536)))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; The counter advances only when bit 2 of the pointer is set: the loop
  ;; runs about twice as many iterations as `$n`, so the counter's step
  ;; cannot bound it.
  (func (export "count_sometimes") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.const 6))
      (if (i32.and (local.get $p) (i32.const 4))
        (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.get $i) (local.get $n)))))
  ;; An access that only runs on odd iterations reaches 4 bytes further:
  ;; when the last iteration is even, it is never out of bounds and the
  ;; loop must not trap.
  (func (export "odd_extra") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (local.get $i))
      (if (i32.and (local.get $i) (i32.const 1))
        (then (i32.store offset=4 (local.get $p) (local.get $i))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; A search that leaves the loop early: a limit past the end of memory
  ;; must not trap when the byte is found before it.
  (func (export "find_zero") (param $p i32) (param $n i32) (result i32)
    (local $i i32)
    (block $found
      (loop $l
        (br_if $found (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
      (return (i32.const -1)))
    (local.get $p))
  (func (export "store8") (param $p i32) (param $v i32) (i32.store8 (local.get $p) (local.get $v)))
  (func (export "store") (param $p i32) (param $v i32) (i32.store (local.get $p) (local.get $v)))
  (func (export "load") (param $p i32) (result i32) (i32.load (local.get $p))))

(assert_trap (invoke "skip_ahead" (i32.const 0) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 0)) (i32.const 9))
(assert_return (invoke "load" (i32.const 4)) (i32.const 0))
;; From 65520: the counter reaches 2 after the store at 65532.
(assert_return (invoke "count_sometimes" (i32.const 65520) (i32.const 2)))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 6))
;; From 65504 the counter is 4 after the store at 65532; n = 5 walks off.
(assert_trap (invoke "count_sometimes" (i32.const 65504) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65504)) (i32.const 6))
(assert_trap (invoke "advance_sometimes" (i32.const 65532) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 5))
;; Last iteration i = 2 (even): the widest store (i = 1) ends at 65536.
(assert_return (invoke "odd_extra" (i32.const 65524) (i32.const 3)))
(assert_return (invoke "load" (i32.const 65528)) (i32.const 1))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 2))
;; Last iteration i = 3 (odd): its extra store (at 65536) traps after its
;; first store.
(assert_trap (invoke "odd_extra" (i32.const 65520) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 3))
(assert_return (invoke "store" (i32.const 65530) (i32.const 0x01010101)))
(assert_return (invoke "store8" (i32.const 65535) (i32.const 1)))
(assert_return (invoke "store8" (i32.const 65534) (i32.const 0)))
(assert_return (invoke "find_zero" (i32.const 65530) (i32.const 100)) (i32.const 65534))
(assert_return (invoke "store8" (i32.const 65534) (i32.const 1)))
(assert_trap (invoke "find_zero" (i32.const 65530) (i32.const 100)) "out of bounds memory access")
(assert_return (invoke "find_zero" (i32.const 65530) (i32.const 6)) (i32.const -1))

;; `memory.grow` inside the loop, and a call that grows it: the entry test
;; sees the old length, so the checked copy runs, and the accesses past
;; the old end succeed once memory has grown.
(module
  (memory 1)
  (func $grow (drop (memory.grow (i32.const 1))))
  (func (export "grow_then_fill") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (if (i32.eq (local.get $i) (i32.const 1))
        (then (drop (memory.grow (i32.const 1)))))
      (i32.store (local.get $p) (i32.const 3))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "call_grow_then_fill") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (if (i32.eq (local.get $i) (i32.const 1)) (then (call $grow)))
      (i32.store (local.get $p) (i32.const 4))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "load") (param $p i32) (result i32) (i32.load (local.get $p))))

;; 1 page; the grow at i = 1 makes 2: the store at 65536 succeeds.
(assert_return (invoke "grow_then_fill" (i32.const 65532) (i32.const 2)))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 3))
;; Now 2 pages; the grow at i = 1 makes 3: stores up to 131080 succeed.
(assert_return (invoke "grow_then_fill" (i32.const 131068) (i32.const 4)))
(assert_return (invoke "load" (i32.const 131076)) (i32.const 3))
(assert_trap (invoke "load" (i32.const 196608)) "out of bounds memory access")
;; 3 pages; the call grows to 4.
(assert_return (invoke "call_grow_then_fill" (i32.const 196604) (i32.const 3)))
(assert_return (invoke "load" (i32.const 196612)) (i32.const 4))

;; An address the loop never changes (`$q`, step 0) is tested once too; an
;; out-of-bounds one still traps in the first iteration, after the store
;; before it.
(module
  (memory 1)
  (func (export "sum_into") (param $p i32) (param $n i32) (param $q i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $p) (i32.const 1))
      (i32.store offset=4 (local.get $q)
        (i32.add (i32.load offset=4 (local.get $q)) (local.get $i)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "load") (param $p i32) (result i32) (i32.load (local.get $p))))

(assert_return (invoke "sum_into" (i32.const 0) (i32.const 4) (i32.const 65528)))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 6))
(assert_return (invoke "load" (i32.const 12)) (i32.const 1))
(assert_trap (invoke "sum_into" (i32.const 16) (i32.const 2) (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 16)) (i32.const 1))
(assert_return (invoke "load" (i32.const 20)) (i32.const 0))

;; Nested loops: the inner loop is versioned each time the outer loop
;; enters it. Rows of `$w` i32s at `$p`, filled with `row * 256 + column`;
;; the last row walks off the end of memory.
(module
  (memory 1)
  (func (export "fill_rows") (param $p i32) (param $rows i32) (param $w i32)
    (local $r i32) (local $c i32) (local $q i32)
    (loop $outer
      (local.set $c (i32.const 0))
      (local.set $q (local.get $p))
      (loop $inner
        (i32.store (local.get $q)
          (i32.add (i32.mul (local.get $r) (i32.const 256)) (local.get $c)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br_if $inner (i32.ne (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $w))))
      (local.set $p (i32.add (local.get $p) (i32.mul (local.get $w) (i32.const 4))))
      (br_if $outer (i32.ne (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))
  ;; A loop with a result, entered with values below it on the stack.
  (func (export "sum_bytes") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (i32.add (i32.const 1000)
      (loop $l (result i32)
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.get $sum)
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))
  (func (export "load") (param $p i32) (result i32) (i32.load (local.get $p))))

(assert_return (invoke "fill_rows" (i32.const 65504) (i32.const 2) (i32.const 4)))
(assert_return (invoke "load" (i32.const 65504)) (i32.const 0))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 259))
;; Three rows of 4 from 65496: row 2 starts at 65528, its column 2 traps.
(assert_trap (invoke "fill_rows" (i32.const 65496) (i32.const 3) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65496)) (i32.const 0))
(assert_return (invoke "load" (i32.const 65524)) (i32.const 259))
(assert_return (invoke "load" (i32.const 65528)) (i32.const 512))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 513))
;; Bytes 65528..65535 hold 512, 513 little-endian: 0 2 0 0 1 2 0 0.
(assert_return (invoke "sum_bytes" (i32.const 65528) (i32.const 8)) (i32.const 1005))
(assert_trap (invoke "sum_bytes" (i32.const 65528) (i32.const 9)) "out of bounds memory access")

;; A pointer that walks below zero while its accesses stay above it: `p`
;; runs 10, 6, 2, -2 and each iteration stores the byte at `p + 2`, plus
;; one, at `p + 4`. Every access is in bounds, so the unchecked copy may
;; run, but in the last iteration the i32 `p` is 2^32 - 2: its accesses
;; are at `p + 2` = 0 and `p + 4` = 2 only because the i32 sums wrap, and
;; an address formed as `zext(p) + 2` would lie 4 GiB past the memory.
(module
  (memory 1)
  (data (i32.const 0) "\10\00\20\00\30\00\40\00\50\00\60\00\70")
  (func (export "copy_up_walking_down") (param $p i32) (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store8 (i32.add (local.get $p) (i32.const 4))
        (i32.add (i32.const 1) (i32.load8_u (i32.add (local.get $p) (i32.const 2)))))
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "byte") (param $a i32) (result i32) (i32.load8_u (local.get $a))))
(assert_return (invoke "copy_up_walking_down" (i32.const 10) (i32.const 4)))
;; p = 10: [14] = [12] + 1 = 0x71; p = 6: [10] = [8] + 1 = 0x51;
;; p = 2: [6] = [4] + 1 = 0x31; p = -2: [2] = [0] + 1 = 0x11.
(assert_return (invoke "byte" (i32.const 14)) (i32.const 0x71))
(assert_return (invoke "byte" (i32.const 10)) (i32.const 0x51))
(assert_return (invoke "byte" (i32.const 6)) (i32.const 0x31))
(assert_return (invoke "byte" (i32.const 2)) (i32.const 0x11))
(assert_return (invoke "byte" (i32.const 0)) (i32.const 0x10))
