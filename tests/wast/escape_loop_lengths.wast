;; Explicit mode on aarch64 and riscv64 computes `length - end` once
;; before a loop that neither calls nor grows a memory, for the ends its
;; body checks other than the length variable's bias, and every check in
;; the loop compares with that value (compiler/src/translate/
;; loop_lengths.rs, `enter_loop_lengths` in bounds.rs). Each assertion
;; fails if such a value is off by one, taken for the wrong end, kept past
;; a `memory.grow` (through a call or not), or missing from the second
;; copy of a versioned loop. Expected values are worked out by hand in the
;; comments; `iters` counts the loop turns that completed before a trap.

(module
  (memory 1 4)
  (data (i32.const 100) "\05\06\07\00\09")
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (global $iters (mut i32) (i32.const 0))
  (func (export "iters") (result i32) (global.get $iters))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))

  ;; Stops on a zero byte (no trip count: never versioned). Per byte:
  ;; `load8_u` at p (end 1), `load16_u offset=1` at p (end 3), the running
  ;; sum stored at $out (end 4). No end dominates: no bias, three values.
  (func (export "scan") (param $p i32) (param $out i32) (result i32)
    (local $s i32)
    (global.set $iters (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $s (i32.add (local.get $s) (i32.load16_u offset=1 (local.get $p))))
        (i32.store (local.get $out) (local.get $s))
        (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $s))

  ;; A counted loop over p (versioned): `load8_u` (end 1) and `load16_u
  ;; offset=2` (end 4). When the entry test fails, the checked copy runs
  ;; with the values defined before both copies.
  (func (export "sum_span") (param $p i32) (param $n i32) (result i64)
    (local $s i64)
    (global.set $iters (i32.const 0))
    (loop $l
      (local.set $s (i64.add (local.get $s) (i64.load8_u (local.get $p))))
      (local.set $s (i64.add (local.get $s) (i64.load16_u offset=2 (local.get $p))))
      (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))

  ;; The outer loop defines the values for ends 1, 3 and 5; the inner loop
  ;; uses them.
  (func (export "rows") (param $p i32) (param $rows i32) (result i32)
    (local $q i32) (local $s i32)
    (global.set $iters (i32.const 0))
    (loop $outer
      (local.set $q (local.get $p))
      (block $done
        (loop $inner
          (br_if $done (i32.eqz (i32.load8_u (local.get $q))))
          (local.set $s (i32.add (local.get $s) (i32.load16_u offset=1 (local.get $q))))
          (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $inner)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u offset=4 (local.get $p))))
      (br_if $outer (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))
    (local.get $s))

  ;; Grows by $g pages through a call, then the loop of `scan`: its values
  ;; must come from the new length.
  (func (export "grow_then_scan") (param $g i32) (param $p i32) (result i32)
    (local $s i32)
    (drop (call $grow (local.get $g)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $s (i32.add (local.get $s) (i32.load16_u offset=1 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $s)))

;; From 100: 5 + 0x0706, 6 + 0x0007, 7 + 0x0900, then the zero at 103:
;; 1798 + 7 + 2304 = 4109 in 3 turns, stored at 0.
(assert_return (invoke "scan" (i32.const 100) (i32.const 0)) (i32.const 4109))
(assert_return (invoke "iters") (i32.const 3))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 4109))
;; From 65528 the halfwords at p+1 are 0x0302 0x0403 0x0504 0x0605 0x0706
;; 0x0807 (sum 8475) for p = 65528..65533; at 65534 the byte load passes
;; (end 65535) and the halfword at 65535 (end 65537) traps before the store.
(assert_trap (invoke "scan" (i32.const 65528) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 6))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 8475))
;; From 65533: 0x0807 then the trap at 65534, one turn.
(assert_trap (invoke "scan" (i32.const 65533) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 1))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 2055))
;; From 65535 the byte (8) passes and the halfword at 65536 traps at once.
(assert_trap (invoke "scan" (i32.const 65535) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 0))
;; The byte load alone at 65536 (end 65537) traps.
(assert_trap (invoke "scan" (i32.const 65536) (i32.const 0)) "out of bounds memory access")

;; sum_span: p = 65528.. gives 1 + 0x0403, 2 + 0x0504, 3 + 0x0605,
;; 4 + 0x0706, 5 + 0x0807: 1028 + 1286 + 1544 + 1802 = 5660 for 4 turns,
;; + 2060 = 7720 for 5 (the last halfword ends at 65536 exactly).
(assert_return (invoke "sum_span" (i32.const 65528) (i32.const 4)) (i64.const 5660))
(assert_return (invoke "sum_span" (i32.const 65528) (i32.const 5)) (i64.const 7720))
(assert_return (invoke "iters") (i32.const 5))
;; A sixth turn reads the halfword at 65535: the checked copy traps there.
(assert_trap (invoke "sum_span" (i32.const 65528) (i32.const 6)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 5))
;; n = 0 runs 2^32 turns (checked copy): the halfword at 65533 + 2 traps
;; after 65533 turns (p = 0..65532).
(assert_trap (invoke "sum_span" (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 65533))

;; rows: each row from 100 is 4109 plus the byte at 104 (9): 2 rows 8236,
;; 6 inner turns.
(assert_return (invoke "rows" (i32.const 100) (i32.const 2)) (i32.const 8236))
(assert_return (invoke "iters") (i32.const 6))
;; From 65527 (a zero byte) the inner loop stops at once and the outer
;; reads the byte at 65531 (4).
(assert_return (invoke "rows" (i32.const 65527) (i32.const 1)) (i32.const 4))
;; From 65532 the inner loop reads 0x0706 and 0x0807, then traps at the
;; halfword at 65535.
(assert_trap (invoke "rows" (i32.const 65532) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 2))

;; The store's end at the last fit and one past (nothing stored: the trap
;; comes at the first turn's store). The data at 65532.. is overwritten.
(assert_return (invoke "scan" (i32.const 100) (i32.const 65532)) (i32.const 4109))
(assert_return (invoke "peek" (i32.const 65532)) (i32.const 4109))
(assert_trap (invoke "scan" (i32.const 100) (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "iters") (i32.const 0))

;; After a call (which grows nothing): bytes 65528..65531 are 1..4 and
;; 65532..65535 now hold 4109 = 0x0000100d (0d 10 00 00), so from 65528
;; the halfwords at p+1 are 0x0302 0x0403 0x0d04 0x100d 0x0010 0x0000 and
;; the zero at 65534 ends it: 770 + 1027 + 3332 + 4109 + 16 = 9254.
(assert_return (invoke "grow_then_scan" (i32.const 0) (i32.const 65528)) (i32.const 9254))
;; From 65532: 0x0010 (65533..65534), 0x0000, then the zero: 16.
(assert_return (invoke "grow_then_scan" (i32.const 0) (i32.const 65532)) (i32.const 16))
(module
  (memory 1 5)
  (data (i32.const 65534) "\01\01")
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  ;; From 65534 the halfword at 65535..65536 traps on one page. On two it
  ;; is 0x0001 (01 00), p = 65535 reads 0x0000 at 65536, and the zero
  ;; byte at 65536 ends it: 1.
  (func (export "grow_then_scan") (param $g i32) (param $p i32) (result i32)
    (local $s i32)
    (drop (call $grow (local.get $g)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $s (i32.add (local.get $s) (i32.load16_u offset=1 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $s))
  ;; Grows inside the loop, through a call and with `memory.grow`: the
  ;; loops keep their per-check lengths, and the second turn reads past
  ;; the length the loop started with.
  (func (export "grow_in_loop") (param $p i32) (result i32)
    (local $s i32) (local $i i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (drop (call $grow (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2))))
    (local.get $s))
  (func (export "grow_op_in_loop") (param $p i32) (result i32)
    (local $s i32) (local $i i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load16_u (local.get $p))))
      (drop (memory.grow (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2))))
    (local.get $s)))

(assert_trap (invoke "grow_then_scan" (i32.const 0) (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "grow_then_scan" (i32.const 1) (i32.const 65534)) (i32.const 1))
(assert_return (invoke "size") (i32.const 2))
;; Two pages: the byte at 131071 (0) is the last one, the first turn's
;; grow makes 131072 readable for the second: 0 + 0, no trap.
(assert_return (invoke "grow_in_loop" (i32.const 131071)) (i32.const 0))
(assert_return (invoke "size") (i32.const 4))
;; Four pages: the halfword at 262142 (end 262144) reads 0, the grow makes
;; 262144..262145 readable.
(assert_return (invoke "grow_op_in_loop" (i32.const 262142)) (i32.const 0))
(assert_return (invoke "size") (i32.const 5))
