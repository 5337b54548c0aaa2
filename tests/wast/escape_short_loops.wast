;; Short loops (compiler/src/translate/short_loops.rs): a loop that the
;; code before it bounds to at most 4 turns per entry (clang's remainder
;; loop after an unrolled one: `n & 3` turns) is not versioned; each of
;; its accesses is checked. Each assertion fails if such a loop let an
;; out-of-bounds access through, trapped before the stores of the turns
;; that were in bounds, or trapped where it must not. The memory is one
;; page: the last byte is 65535.
(module
  (memory 1)
  (data (i32.const 200) "\01\02\03\04")
  (data (i32.const 65532) "\10\20\30\40")
  (func (export "byte") (param $a i32) (result i32)
    (i32.load8_u (local.get $a)))

  ;; Stores 'A', 'B', ... at p, p + 1, ... for `n & 3` turns, counting
  ;; down as clang's remainder loop does; returns how many it stored.
  (func (export "fill_down") (param $p i32) (param $n i32) (result i32)
    (local $k i32) (local $done i32)
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (if (i32.eqz (local.get $k)) (then (return (i32.const 0))))
    (loop $next
      (i32.store8 (local.get $p) (i32.add (local.get $done) (i32.const 0x41)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $done (i32.add (local.get $done) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const -1)))
      (br_if $next (local.get $k)))
    (local.get $done))

  ;; Sums the bytes at p, p + 1, ... for `n & 3` turns, counting up to
  ;; the masked limit.
  (func (export "sum_up") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32) (local $s i32)
    (local.set $end (i32.and (local.get $n) (i32.const 3)))
    (if (i32.eqz (local.get $end)) (then (return (i32.const 0))))
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.ne (local.get $i) (local.get $end))))
    (local.get $s))

  ;; Three turns, a constant count: sums three 16-bit values at p, p + 2
  ;; and p + 4.
  (func (export "sum3") (param $p i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $next
      (local.set $s (i32.add (local.get $s) (i32.load16_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.ne (local.get $i) (i32.const 3))))
    (local.get $s)))

;; In the middle of memory.
(assert_return (invoke "fill_down" (i32.const 100) (i32.const 7)) (i32.const 3))
(assert_return (invoke "byte" (i32.const 100)) (i32.const 0x41))
(assert_return (invoke "byte" (i32.const 102)) (i32.const 0x43))
(assert_return (invoke "byte" (i32.const 103)) (i32.const 0))
(assert_return (invoke "fill_down" (i32.const 100) (i32.const 4)) (i32.const 0))
(assert_return (invoke "sum_up" (i32.const 200) (i32.const 3)) (i32.const 6))
(assert_return (invoke "sum_up" (i32.const 200) (i32.const 6)) (i32.const 3))
(assert_return (invoke "sum3" (i32.const 200)) (i32.const 0x0604))

;; Ending on the last byte: in bounds.
(assert_return (invoke "fill_down" (i32.const 65533) (i32.const 3)) (i32.const 3))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 0x43))
(assert_return (invoke "sum_up" (i32.const 65533) (i32.const 3)) (i32.const 0xc6))
(assert_return (invoke "sum3" (i32.const 65530)) (i32.const 0x8452))

;; One byte past it: the turns before it store, then the access traps.
(assert_trap (invoke "fill_down" (i32.const 65534) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65534)) (i32.const 0x41))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 0x42))
(assert_trap (invoke "fill_down" (i32.const 65535) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 0x41))
(assert_trap (invoke "sum_up" (i32.const 65534) (i32.const 3)) "out of bounds memory access")
(assert_trap (invoke "sum3" (i32.const 65531)) "out of bounds memory access")

;; Starting past the end, and wrapping addresses.
(assert_trap (invoke "fill_down" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill_down" (i32.const -1) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "sum_up" (i32.const -2) (i32.const 3)) "out of bounds memory access")
(assert_trap (invoke "sum3" (i32.const -2)) "out of bounds memory access")
