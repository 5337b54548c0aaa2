;; A versioned loop whose hoisted ranges start from locals that are one
;; value plus different constants (n-body's `b[i].vx`, `vy`, `vz`) has one
;; entry test for all of them, from that value (`range_groups` in
;; compiler/src/translate/loop_version.rs). Each loop below adds 1 to the
;; words at `p - 8`, `p + 8` and `p + 16` (in that order) `n` times, each
;; address in its own local, while a pointer `q` walks a second range.
;; Every assertion fails if the shared test let the unchecked copy run
;; where one of the three is out of bounds, or below address 0 through a
;; wrapping `p - 8`, or if the loop trapped before the stores that were in
;; bounds.

(module
  (memory 1)
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "bump3") (param $p i32) (param $q i32) (param $n i32)
    (local $below i32) (local $near i32) (local $far i32) (local $i i32)
    (local.set $below (i32.add (local.get $p) (i32.const -8)))
    (local.set $near (i32.add (local.get $p) (i32.const 8)))
    (local.set $far (i32.add (local.get $p) (i32.const 16)))
    (loop $l
      (i32.store (local.get $below) (i32.add (i32.load (local.get $below)) (i32.const 1)))
      (i32.store (local.get $near) (i32.add (i32.load (local.get $near)) (i32.const 1)))
      (i32.store (local.get $far) (i32.add (i32.load (local.get $far)) (i32.const 1)))
      (i32.store8 (local.get $q) (local.get $i))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; The same with the word below accessed last.
  (func (export "bump3_below_last") (param $p i32) (param $q i32) (param $n i32)
    (local $below i32) (local $near i32) (local $far i32) (local $i i32)
    (local.set $below (i32.add (local.get $p) (i32.const -8)))
    (local.set $near (i32.add (local.get $p) (i32.const 8)))
    (local.set $far (i32.add (local.get $p) (i32.const 16)))
    (loop $l
      (i32.store (local.get $near) (i32.add (i32.load (local.get $near)) (i32.const 1)))
      (i32.store (local.get $far) (i32.add (i32.load (local.get $far)) (i32.const 1)))
      (i32.store (local.get $below) (i32.add (i32.load (local.get $below)) (i32.const 1)))
      (i32.store8 (local.get $q) (local.get $i))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))

;; All in bounds, the far word the last of the page: three turns.
(assert_return (invoke "bump3" (i32.const 65516) (i32.const 200) (i32.const 3)))
(assert_return (invoke "peek" (i32.const 65508)) (i32.const 3))
(assert_return (invoke "peek" (i32.const 65524)) (i32.const 3))
(assert_return (invoke "peek" (i32.const 65532)) (i32.const 3))
;; Four bytes further the far word is out: the first turn adds 1 below and
;; near, then traps.
(assert_trap (invoke "bump3" (i32.const 65520) (i32.const 0) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65512)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 65528)) (i32.const 1))
;; p = 4: the word below is at 2^32 - 4, the first access traps, nothing
;; is written (the near and far words, 12 and 20, stay 0).
(assert_trap (invoke "bump3" (i32.const 4) (i32.const 100) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 12)) (i32.const 0))
(assert_return (invoke "peek" (i32.const 20)) (i32.const 0))
;; p = 8: everything in bounds from address 0.
(assert_return (invoke "bump3" (i32.const 8) (i32.const 100) (i32.const 5)))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 5))
(assert_return (invoke "peek" (i32.const 24)) (i32.const 5))
;; The walking pointer leaves the page in the fourth turn: three full
;; turns, the fourth adds to the three words and then traps at q.
(assert_trap (invoke "bump3" (i32.const 8) (i32.const 65533) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 9))
(assert_return (invoke "peek" (i32.const 16)) (i32.const 9))
;; Below last, p = 4: the near and far words (12 and 20, now 0) get 1,
;; then the word below traps.
(assert_trap (invoke "bump3_below_last" (i32.const 4) (i32.const 100) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 12)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 20)) (i32.const 1))
(assert_return (invoke "bump3_below_last" (i32.const 65516) (i32.const 200) (i32.const 2)))
(assert_return (invoke "peek" (i32.const 65508)) (i32.const 5))
(assert_return (invoke "peek" (i32.const 65524)) (i32.const 5))
