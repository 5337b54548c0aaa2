;; Loop-carried 32-bit addresses are carried as 64-bit zero extensions on
;; x86_64 (translate/wide_params.rs). Their meaning must not change: an
;; address that wraps past 2^32 wraps, one at or above 2^31 is not
;; sign-extended (it traps as out of bounds, it does not reach below the
;; memory), and the parameter's other 32-bit uses (compares, arithmetic,
;; results) see the 32-bit value.
;; A byte carried round a loop and extended to i64 (json's digit loop)
;; stays an i32 parameter; its value must not change either.
;; Memory: a linked list at 0x100: node n (n = 0..4) is {next, value} at
;; 0x100 + 8n, value 10 * (n + 1), next 0 at the last node. Bytes 0x200..
;; hold "abcdef\00" and 0x210.. "abcdxy\00".

(module
  (memory 1)
  (data (i32.const 0x100)
    "\08\01\00\00\0a\00\00\00" "\10\01\00\00\14\00\00\00" "\18\01\00\00\1e\00\00\00"
    "\20\01\00\00\28\00\00\00" "\00\00\00\00\32\00\00\00")
  (data (i32.const 0x200) "abcdef\00")
  (data (i32.const 0x210) "abcdxy\00")
  (data (i32.const 0x220) "9876543210x")

  ;; The decimal number at $p (digits until a non-digit), as an i64; the
  ;; byte loaded for the test is carried to the next round.
  (func (export "digits") (param $p i32) (result i64) (local $c i32) (local $n i64)
    (local.set $c (i32.load8_u (local.get $p)))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
        (local.set $n
          (i64.add (i64.mul (local.get $n) (i64.const 10))
                   (i64.sub (i64.extend_i32_u (local.get $c)) (i64.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (br $next)))
    (local.get $n))

  ;; Sum of the list's values from node address $p.
  (func (export "list_sum") (param $p i32) (result i32) (local $sum i32)
    (block $done
      (loop $walk
        (br_if $done (i32.eqz (local.get $p)))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $p))))
        (local.set $p (i32.load (local.get $p)))
        (br $walk)))
    (local.get $sum))

  ;; The address of the last node reached from $p (the parameter returned
  ;; as an i32).
  (func (export "list_last") (param $p i32) (result i32)
    (loop $walk
      (if (i32.load (local.get $p))
        (then (local.set $p (i32.load (local.get $p))) (br $walk))))
    (local.get $p))

  ;; strncmp of two strings, both cursors carried round the loop.
  (func (export "compare") (param $l i32) (param $r i32) (param $n i32) (result i32)
    (block $stop
      (loop $next
        (br_if $stop (i32.eqz (local.get $n)))
        (br_if $stop (i32.eqz (i32.load8_u (local.get $l))))
        (br_if $stop (i32.ne (i32.load8_u (local.get $l)) (i32.load8_u (local.get $r))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (if (result i32) (local.get $n)
      (then (i32.sub (i32.load8_u (local.get $l)) (i32.load8_u (local.get $r))))
      (else (i32.const 0))))

  ;; Loads $count bytes from $p upwards, $p stepping by $step (wrapping):
  ;; returns their sum.
  (func (export "stride_sum") (param $p i32) (param $step i32) (param $count i32) (result i32)
    (local $sum i32)
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $step)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $next (local.get $count)))
    (local.get $sum))

  ;; The loop-carried address as an i32: compared signed, returned after
  ;; the walk ($p + $count * $step, wrapped).
  (func (export "stride_end") (param $p i32) (param $step i32) (param $count i32) (result i32)
    (local $negatives i32)
    (loop $next
      (drop (i32.load8_u (i32.and (local.get $p) (i32.const 0xff))))
      (if (i32.lt_s (local.get $p) (i32.const 0))
        (then (local.set $negatives (i32.add (local.get $negatives) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (local.get $step)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $next (local.get $count)))
    (i32.add (i32.mul (local.get $negatives) (i32.const 0x10000)) (i32.and (local.get $p) (i32.const 0xffff))))
)

(assert_return (invoke "list_sum" (i32.const 0x100)) (i32.const 150))
(assert_return (invoke "list_sum" (i32.const 0x118)) (i32.const 90))
(assert_return (invoke "list_sum" (i32.const 0)) (i32.const 0))
(assert_return (invoke "list_last" (i32.const 0x100)) (i32.const 0x120))
(assert_return (invoke "compare" (i32.const 0x200) (i32.const 0x210) (i32.const 4)) (i32.const 0))
(assert_return (invoke "compare" (i32.const 0x200) (i32.const 0x210) (i32.const 6)) (i32.const -19))
(assert_return (invoke "compare" (i32.const 0x210) (i32.const 0x200) (i32.const 9)) (i32.const 19))
(assert_return (invoke "compare" (i32.const 0x200) (i32.const 0x200) (i32.const 100)) (i32.const 0))
;; 'e' - 'x' = 101 - 120 at the fifth byte.
;; 'a' + 'b' + 'c' = 97 + 98 + 99.
(assert_return (invoke "stride_sum" (i32.const 0x200) (i32.const 1) (i32.const 3)) (i32.const 294))
;; Backwards through 0 wraps to 0xffffffff: out of bounds, not address -1.
(assert_return (invoke "stride_sum" (i32.const 0x202) (i32.const -1) (i32.const 3)) (i32.const 294))
(assert_trap (invoke "stride_sum" (i32.const 1) (i32.const -1) (i32.const 3)) "out of bounds memory access")
;; Forwards past 2^32 wraps to the start: 0xfffffe00 + 2 * 0x100 = 0x200.
(assert_trap (invoke "stride_sum" (i32.const 0xfffffe00) (i32.const 0x100) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "stride_sum" (i32.const 0x200) (i32.const 0x80000000) (i32.const 1)) (i32.const 97))
(assert_trap (invoke "stride_sum" (i32.const 0x200) (i32.const 0x80000000) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "list_sum" (i32.const 0x80000000)) "out of bounds memory access")
(assert_trap (invoke "list_sum" (i32.const 0xfffffff8)) "out of bounds memory access")
;; 0x7ffffff0, 0x80000000, 0x80000010: two negative; it ends at 0x80000020.
(assert_return (invoke "stride_end" (i32.const 0x7ffffff0) (i32.const 0x10) (i32.const 3)) (i32.const 0x20020))
;; 0xfffffff0 + 2 * 0x10 = 0x10 after wrapping: one negative.
(assert_return (invoke "stride_end" (i32.const 0xfffffff0) (i32.const 0x10) (i32.const 2)) (i32.const 0x10010))
(assert_return (invoke "digits" (i32.const 0x220)) (i64.const 9876543210))
(assert_return (invoke "digits" (i32.const 0x227)) (i64.const 210))
(assert_return (invoke "digits" (i32.const 0x22a)) (i64.const 0))
