;; Long straight runs of checked accesses, which explicit mode may test
;; once before the run and then run unchecked (compiler/src/translate/
;; straight_versions.rs: when the test fails, the original code runs,
;; access by access). The first access really out of bounds must trap
;; with every store before it done and none after it, whatever the test
;; decided: at the end of memory, below address 0 (addresses that wrap),
;; and around a `memory.grow` inside the run. Each store writes its own
;; index + 1, so `peek` shows how far a run got.

(module
  (memory 1 2)
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))

  ;; Twelve one-byte stores at p .. p + 11.
  (func (export "fill12") (param $p i32)
    (i32.store8 offset=0 (local.get $p) (i32.const 1))
    (i32.store8 offset=1 (local.get $p) (i32.const 2))
    (i32.store8 offset=2 (local.get $p) (i32.const 3))
    (i32.store8 offset=3 (local.get $p) (i32.const 4))
    (i32.store8 offset=4 (local.get $p) (i32.const 5))
    (i32.store8 offset=5 (local.get $p) (i32.const 6))
    (i32.store8 offset=6 (local.get $p) (i32.const 7))
    (i32.store8 offset=7 (local.get $p) (i32.const 8))
    (i32.store8 offset=8 (local.get $p) (i32.const 9))
    (i32.store8 offset=9 (local.get $p) (i32.const 10))
    (i32.store8 offset=10 (local.get $p) (i32.const 11))
    (i32.store8 offset=11 (local.get $p) (i32.const 12)))

  ;; Twelve one-byte stores at p - 16 .. p - 5: the address wraps below 0
  ;; for p < 16.
  (func (export "fill_below") (param $p i32)
    (local $q i32)
    (local.set $q (i32.add (local.get $p) (i32.const -16)))
    (i32.store8 offset=0 (local.get $q) (i32.const 1))
    (i32.store8 offset=1 (local.get $q) (i32.const 2))
    (i32.store8 offset=2 (local.get $q) (i32.const 3))
    (i32.store8 offset=3 (local.get $q) (i32.const 4))
    (i32.store8 offset=4 (local.get $q) (i32.const 5))
    (i32.store8 offset=5 (local.get $q) (i32.const 6))
    (i32.store8 offset=6 (local.get $q) (i32.const 7))
    (i32.store8 offset=7 (local.get $q) (i32.const 8))
    (i32.store8 offset=8 (local.get $q) (i32.const 9))
    (i32.store8 offset=9 (local.get $q) (i32.const 10))
    (i32.store8 offset=10 (local.get $q) (i32.const 11))
    (i32.store8 offset=11 (local.get $q) (i32.const 12)))

  ;; Ten stores at p .. p + 9, a call that grows memory by a page, ten
  ;; stores at p + 10 .. p + 19: after the call the memory may be longer,
  ;; and a test made before the run says nothing about the second half.
  (func (export "fill_across_grow") (param $p i32) (result i32)
    (local $grown i32)
    (i32.store8 offset=0 (local.get $p) (i32.const 1))
    (i32.store8 offset=1 (local.get $p) (i32.const 2))
    (i32.store8 offset=2 (local.get $p) (i32.const 3))
    (i32.store8 offset=3 (local.get $p) (i32.const 4))
    (i32.store8 offset=4 (local.get $p) (i32.const 5))
    (i32.store8 offset=5 (local.get $p) (i32.const 6))
    (i32.store8 offset=6 (local.get $p) (i32.const 7))
    (i32.store8 offset=7 (local.get $p) (i32.const 8))
    (i32.store8 offset=8 (local.get $p) (i32.const 9))
    (i32.store8 offset=9 (local.get $p) (i32.const 10))
    (local.set $grown (call $grow (i32.const 1)))
    (i32.store8 offset=10 (local.get $p) (i32.const 11))
    (i32.store8 offset=11 (local.get $p) (i32.const 12))
    (i32.store8 offset=12 (local.get $p) (i32.const 13))
    (i32.store8 offset=13 (local.get $p) (i32.const 14))
    (i32.store8 offset=14 (local.get $p) (i32.const 15))
    (i32.store8 offset=15 (local.get $p) (i32.const 16))
    (i32.store8 offset=16 (local.get $p) (i32.const 17))
    (i32.store8 offset=17 (local.get $p) (i32.const 18))
    (i32.store8 offset=18 (local.get $p) (i32.const 19))
    (i32.store8 offset=19 (local.get $p) (i32.const 20))
    (local.get $grown)))

;; In bounds: all twelve written, up to the last byte of the page.
(assert_return (invoke "fill12" (i32.const 65524)))
(assert_return (invoke "peek" (i32.const 65524)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 12))
;; One byte further: the first eleven stores happen (65525 .. 65535 now
;; hold 1 .. 11), the twelfth traps.
(assert_trap (invoke "fill12" (i32.const 65525)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65525)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 11))
;; Far out: the first store traps and nothing is written.
(assert_trap (invoke "fill12" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "fill12" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "fill12" (i32.const -12)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 0))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 11))

;; From address 0: 0 .. 11 hold 1 .. 12.
(assert_return (invoke "fill_below" (i32.const 16)))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 11)) (i32.const 12))
;; Starting at -4: the first store wraps to 2^32 - 4 and traps before the
;; stores that would land at 0 .. 7 (unchanged: 1 .. 8).
(assert_trap (invoke "fill_below" (i32.const 12)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 7)) (i32.const 8))
(assert_trap (invoke "fill_below" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 1))
;; Ending at the last byte: fine.
(assert_return (invoke "fill_below" (i32.const 65540)))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 12))

;; The run crosses the end of page 1 after the call grew the memory to two
;; pages: every store lands (the call returns the old size, 1).
(assert_return (invoke "fill_across_grow" (i32.const 65526)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 10))
(assert_return (invoke "peek" (i32.const 65545)) (i32.const 20))
;; At the end of page 2 the memory cannot grow (maximum 2): the first ten
;; stores land, the eleventh traps.
(assert_trap (invoke "fill_across_grow" (i32.const 131062)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 131071)) (i32.const 10))
(assert_return (invoke "peek" (i32.const 131062)) (i32.const 1))
