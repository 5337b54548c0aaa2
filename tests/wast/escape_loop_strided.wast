;; Explicit mode versions counted loops whose pointer steps by a local the
;; loop never writes (`p += stride`: the column walk of b[k*N+j]; see
;; compiler/src/translate/loop_scan.rs, `Term::Strided`, and the entry
;; test in loop_version.rs): the unchecked copy runs only when the stride
;; is in [0, 2^31) and the last iteration's access ends inside memory;
;; otherwise the checked copy traps at the first access out of bounds.
;; Expected values are worked out by hand in the comments; `iters` counts
;; the loop turns that completed before a trap.

(module
  (memory 1 2)
  ;; Halfwords 1..8 at 0, 2, ..., 14; 10..13 at 65528, ..., 65534.
  (data (i32.const 0) "\01\00\02\00\03\00\04\00\05\00\06\00\07\00\08\00")
  (data (i32.const 65528) "\0a\00\0b\00\0c\00\0d\00")
  (global $iters (mut i32) (i32.const 0))
  (func (export "iters") (result i32) (global.get $iters))
  (func (export "peek16") (param i32) (result i32) (i32.load16_u (local.get 0)))

  ;; Sums the halfwords at p, p + stride, ... for n turns (n = 0: 2^32).
  (func (export "column") (param $p i32) (param $stride i32) (param $n i32) (result i32)
    (local $s i32)
    (global.set $iters (i32.const 0))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load16_u (local.get $p))))
      (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  ;; The same with `stride + p` and a byte at offset 1 (the high byte).
  (func (export "column_high") (param $p i32) (param $stride i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u offset=1 (local.get $p))))
      (local.set $p (i32.add (local.get $stride) (local.get $p)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  ;; Stores 0x7777 at p, p + stride, ... for n turns.
  (func (export "fill_column") (param $p i32) (param $stride i32) (param $n i32)
    (global.set $iters (i32.const 0))
    (loop $l
      (i32.store16 (local.get $p) (i32.const 0x7777))
      (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (local.get $stride)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))

;; 0, 4, 8, 12: 1 + 3 + 5 + 7.
(assert_return (invoke "column" (i32.const 0) (i32.const 4) (i32.const 4)) (i32.const 16))
(assert_return (invoke "iters") (i32.const 4))
;; Ending exactly at the end: 65528..65534, 10 + 11 + 12 + 13.
(assert_return (invoke "column" (i32.const 65528) (i32.const 2) (i32.const 4)) (i32.const 46))
;; One turn more reads 65536: four turns, then the trap.
(assert_trap (invoke "column" (i32.const 65528) (i32.const 2) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 4))
;; 65526 (0), 65530 (11), 65534 (13); a fourth turn at 65538 traps.
(assert_return (invoke "column" (i32.const 65526) (i32.const 4) (i32.const 3)) (i32.const 24))
(assert_trap (invoke "column" (i32.const 65526) (i32.const 4) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 3))
;; A negative stride (checked copy): 65534 (13), 65530 (11), 65526, 65522.
(assert_return (invoke "column" (i32.const 65534) (i32.const -4) (i32.const 4)) (i32.const 24))
(assert_return (invoke "iters") (i32.const 4))
;; Walking down past 0: 4 (3), 0 (1), then 2^32 - 4 traps.
(assert_trap (invoke "column" (i32.const 4) (i32.const -4) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 2))
;; Stride -1 for 2^32 turns (n = 0): 4, 3, 2, 1, 0, then 2^32 - 1 traps.
;; Read as unsigned, t_last * stride = (2^32 - 1)^2 wraps an i64 to
;; -2^33 + 1: the entry test must refuse the stride, not trust the sum.
(assert_trap (invoke "column" (i32.const 4) (i32.const -1) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 5))
;; Strides of 2^31 - 1 and -2^31: 0 (1), then 2^31 - 1 or 2^31 traps.
(assert_trap (invoke "column" (i32.const 0) (i32.const 0x7fffffff) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 1))
(assert_trap (invoke "column" (i32.const 0) (i32.const 0x80000000) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 1))
;; A stride that wraps the 32-bit address back into memory: 2^32 - 2
;; traps before any turn (the wrapped 2^32 - 2 + 4 = 2 is never reached).
(assert_trap (invoke "column" (i32.const -2) (i32.const 4) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 0))
;; Stride 0: the halfword at 2 three times.
(assert_return (invoke "column" (i32.const 2) (i32.const 0) (i32.const 3)) (i32.const 6))
;; n = 0 asks for 2^32 turns: 0, 2, ..., 65534 (32768 turns), then 65536.
(assert_trap (invoke "column" (i32.const 0) (i32.const 2) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 32768))

;; The high bytes of the data are all 0: 0 for any walk in bounds; the byte
;; at p + 1 past the end traps (65535 + 1 = 65536).
(assert_return (invoke "column_high" (i32.const 65528) (i32.const 2) (i32.const 4)) (i32.const 0))
(assert_trap (invoke "column_high" (i32.const 65528) (i32.const 2) (i32.const 5)) "out of bounds memory access")
(assert_trap (invoke "column_high" (i32.const 65535) (i32.const 0) (i32.const 1)) "out of bounds memory access")

;; Stores at 65530, 65532, 65534, then 65536 traps: the three before it
;; stay, the halfword before them (65528: 10) is untouched.
(assert_trap (invoke "fill_column" (i32.const 65530) (i32.const 2) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 3))
(assert_return (invoke "peek16" (i32.const 65528)) (i32.const 10))
(assert_return (invoke "peek16" (i32.const 65530)) (i32.const 0x7777))
(assert_return (invoke "peek16" (i32.const 65534)) (i32.const 0x7777))
;; In bounds with a stride of 8 from 0: 0, 8 become 0x7777; 2 keeps 2.
(assert_return (invoke "fill_column" (i32.const 0) (i32.const 8) (i32.const 2)))
(assert_return (invoke "peek16" (i32.const 8)) (i32.const 0x7777))
(assert_return (invoke "peek16" (i32.const 2)) (i32.const 2))
