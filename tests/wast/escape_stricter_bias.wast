;; Explicit mode checks an access whose end `k` is smaller than the length
;; variable's bias `K` against the variable itself: `address > length - K`
;; is stricter than the access's own check, so it may fail for an access
;; in bounds within `K - k` bytes of the end. Then a cold block checks the
;; access exactly and traps or comes back (compiler/src/translate/bounds.rs,
;; `check_with_stricter_bias`). Each function's loop of 8-byte loads makes
;; `K = 8`; every access after it has a smaller end. An access in the last
;; `K - k` bytes must run (it fails if the cold block always traps, checks
;; the bias's end or does not come back), one past them must trap (it
;; fails if the cold block checks nothing), and stores before and after
;; must happen or not as they would access by access. (x86_64 only; the
;; other ISAs run the same assertions through their ordinary checks.)

(module
  (memory 1 2)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (func $loads (param $q i32) (param $n i32) (result i64)
    (local $s i64)
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load (local.get $q))))
      (local.set $s (i64.add (local.get $s) (i64.load (local.get $q))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  ;; k = 1, 2, 4 after the loop.
  (func (export "byte") (param $p i32) (result i32)
    (drop (call $loads (i32.const 0) (i32.const 2)))
    (loop $l
      (drop (i64.load (i32.const 8)))
      (drop (i64.load (i32.const 16)))
      (br_if $l (i32.const 0)))
    (i32.load8_u (local.get $p)))
  (func (export "half") (param $p i32) (param $q i32) (result i32)
    (local $n i32)
    (local.set $n (i32.const 2))
    (loop $l
      (drop (i64.load (local.get $q)))
      (drop (i64.load (local.get $q)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.load16_u (local.get $p)))
  ;; A store before the stricter check happens whether the access after it
  ;; traps or not; the store after it only when the access came back.
  (func (export "stores_around") (param $p i32) (param $q i32) (result i32)
    (local $n i32) (local $v i32)
    (local.set $n (i32.const 2))
    (loop $l
      (drop (i64.load (local.get $q)))
      (drop (i64.load (local.get $q)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store (i32.const 16) (local.get $p))
    (local.set $v (i32.load (local.get $p)))
    (i32.store (i32.const 20) (local.get $v))
    (local.get $v))
  ;; The stricter check of a store: in the last bytes it writes.
  (func (export "store_byte") (param $p i32) (param $q i32)
    (local $n i32)
    (local.set $n (i32.const 2))
    (loop $l
      (drop (i64.load (local.get $q)))
      (drop (i64.load (local.get $q)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store8 (local.get $p) (i32.const 0x2a)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "peek") (param $p i32) (result i32) (i32.load (local.get $p))))

;; The last byte, the last two, the last four: inside the bias's 8.
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 8))
(assert_return (invoke "byte" (i32.const 65528)) (i32.const 1))
(assert_trap (invoke "byte" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "byte" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "half" (i32.const 65534) (i32.const 0)) (i32.const 0x0807))
(assert_return (invoke "half" (i32.const 65529) (i32.const 0)) (i32.const 0x0302))
(assert_trap (invoke "half" (i32.const 65535) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "stores_around" (i32.const 65532) (i32.const 0)) (i32.const 0x08070605))
(assert_return (invoke "peek" (i32.const 16)) (i32.const 65532))
(assert_return (invoke "peek" (i32.const 20)) (i32.const 0x08070605))
(assert_return (invoke "stores_around" (i32.const 65528) (i32.const 0)) (i32.const 0x04030201))
(assert_trap (invoke "stores_around" (i32.const 65533) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 16)) (i32.const 65533))
(assert_return (invoke "peek" (i32.const 20)) (i32.const 0x04030201))
(assert_return (invoke "store_byte" (i32.const 65535) (i32.const 0)) )
(assert_return (invoke "peek" (i32.const 65532)) (i32.const 0x2a070605))
(assert_trap (invoke "store_byte" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
;; The loop's own checks (k = 8) still trap exactly.
(assert_trap (invoke "half" (i32.const 0) (i32.const 65529)) "out of bounds memory access")
;; After growing, the same accesses run up to the new end.
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "byte" (i32.const 131071)) (i32.const 0))
(assert_trap (invoke "byte" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke "half" (i32.const 131070) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "half" (i32.const 131071) (i32.const 0)) "out of bounds memory access")
