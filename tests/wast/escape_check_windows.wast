;; Three or more accesses through one address in one block, for any
;; rewrite that tests them with one compare and replays the original code
;; when that compare fails (`check_windows.rs`): the first access that is
;; really out of bounds traps, after every store before it, including
;; stores at addresses that wrapped around 2^32 back into memory.

;; Stores at `p + 2`, `p + 1`, `p`, the offsets added as clang adds them:
;; for `p` near 2^32 the first ones wrap to the bottom of memory.
(module
  (memory 1)
  (func (export "wrapped") (param $p i32)
    (i32.store8 (i32.add (local.get $p) (i32.const 2)) (i32.const 9))
    (i32.store8 (i32.add (local.get $p) (i32.const 1)) (i32.const 8))
    (i32.store8 (local.get $p) (i32.const 7)))
  (func (export "byte") (param $a i32) (result i32)
    (i32.load8_u (local.get $a))))

;; 2^32 - 2: `p + 2` is 0 and is written, `p + 1` traps.
(assert_trap (invoke "wrapped" (i32.const -2)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 0)) (i32.const 9))
(assert_return (invoke "byte" (i32.const 1)) (i32.const 0))
;; 2^32 - 1: `p + 2` is 1 and `p + 1` is 0, both written; `p` traps.
(assert_trap (invoke "wrapped" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 0)) (i32.const 8))
(assert_return (invoke "byte" (i32.const 1)) (i32.const 9))
;; At the end: 65533 fits all three, 65534 traps at `p + 2` before any store.
(invoke "wrapped" (i32.const 65533))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 9))
(assert_trap (invoke "wrapped" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65534)) (i32.const 8))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 9))

;; A loop walking a chain of nodes (the next node's address at +0), which
;; no loop analysis can bound: each round stores 1 at +4, adds the byte at
;; +5, stores the sum at +6, adds the byte at +7 and loads the link.
(module
  (memory 1)
  (data (i32.const 16) "\00\00\00\00\00\05\00\03")
  (func (export "walk") (param $p i32) (param $n i32) (result i32)
    (local $sum i32)
    (loop $next
      (i32.store8 offset=4 (local.get $p) (i32.const 1))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=5 (local.get $p))))
      (i32.store8 offset=6 (local.get $p) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=7 (local.get $p))))
      (local.set $p (i32.load (local.get $p)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum))
  (func (export "link") (param $from i32) (param $to i32)
    (i32.store (local.get $from) (local.get $to)))
  (func (export "byte") (param $a i32) (result i32)
    (i32.load8_u (local.get $a))))

;; One round at 16: 5 stored at 22, plus the 3 at 23.
(assert_return (invoke "walk" (i32.const 16) (i32.const 1)) (i32.const 8))
(assert_return (invoke "byte" (i32.const 20)) (i32.const 1))
(assert_return (invoke "byte" (i32.const 22)) (i32.const 5))
;; The second round at 65529: 1 at 65533, 8 + 0 at 65535, then the byte at
;; 65536 traps.
(invoke "link" (i32.const 16) (i32.const 65529))
(assert_trap (invoke "walk" (i32.const 16) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65533)) (i32.const 1))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 8))
;; At 65530: 1 at 65534; the sum's store at 65536 traps.
(invoke "link" (i32.const 16) (i32.const 65530))
(assert_trap (invoke "walk" (i32.const 16) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65534)) (i32.const 1))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 8))
;; At 65531: 1 at 65535; the load at 65536 traps.
(invoke "link" (i32.const 16) (i32.const 65531))
(assert_trap (invoke "walk" (i32.const 16) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 1))
;; At 65532: the first store, at 65536, traps.
(invoke "link" (i32.const 16) (i32.const 65532))
(assert_trap (invoke "walk" (i32.const 16) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 1))

;; Four byte loads at `p` and `p + 1`, `p + 2`, `p + 3` added as i32, the
;; shape of an unrolled hash loop: once one compare covers them, the sums
;; may join the loads' offsets, which is sound only because the load at
;; `p` ran first.
(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04")
  (func (export "four") (param $p i32) (result i32)
    (i32.add
      (i32.add (i32.load8_u (local.get $p))
               (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
      (i32.add (i32.load8_u (i32.add (local.get $p) (i32.const 2)))
               (i32.load8_u (i32.add (local.get $p) (i32.const 3)))))))

(assert_return (invoke "four" (i32.const 0)) (i32.const 10))
(assert_return (invoke "four" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "four" (i32.const 65533)) "out of bounds memory access")
;; `p + 3` wraps to 0, 1 or 2, in bounds; `p` itself is not.
(assert_trap (invoke "four" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "four" (i32.const -3)) "out of bounds memory access")
