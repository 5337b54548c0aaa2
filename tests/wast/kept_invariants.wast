;; Loop-invariant `x & c`, `x | c`, `x ^ c`, `!x` (i32.xor with -1) and
;; `(a + b) + c`,
;; computed before a loop and read in every round, pass through a stack
;; slot on x86_64 (translate/keep_invariants.rs) so that Cranelift does not
;; recompute them inside the loop. These check the values the loop reads:
;; every bit of i32 and i64 operands, the loop running zero, one and many
;; rounds.
(module
  ;; Sums (x & -2) + (x | 0x100) + (x ^ 0x5555) + ~x over $n rounds
  ;; (wrapping), with the round index added so every round differs.
  (func (export "sum32") (param $x i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $even i32) (local $or i32)
    (local $xor i32) (local $not i32)
    (local.set $even (i32.and (local.get $x) (i32.const -2)))
    (local.set $or (i32.or (local.get $x) (i32.const 0x100)))
    (local.set $xor (i32.xor (local.get $x) (i32.const 0x5555)))
    (local.set $not (i32.xor (local.get $x) (i32.const -1)))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i32.add (local.get $acc)
            (i32.add
              (i32.add (local.get $even) (local.get $or))
              (i32.add (i32.add (local.get $xor) (local.get $not)) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $round)))
    (local.get $acc))

  ;; Counts the rounds of `for (i = 0; i != (n & -2); i += 2)`: clang's
  ;; unrolled-by-two bound, the case that motivated the pass.
  (func (export "pairs") (param $n i32) (result i32)
    (local $i i32) (local $rounds i32) (local $bound i32)
    (local.set $bound (i32.and (local.get $n) (i32.const -2)))
    (block $done
      (loop $round
        (br_if $done (i32.eq (local.get $i) (local.get $bound)))
        (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $round)))
    (local.get $rounds))

  ;; Counts the rounds of `for (i = 0; i < a + b + 12; i++)` (unsigned),
  ;; json's scanning bound.
  (func (export "bounded") (param $a i32) (param $b i32) (result i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.add (i32.add (local.get $a) (local.get $b)) (i32.const 12)))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $round)))
    (local.get $i))

  ;; The i64 forms: the loop ORs the invariant values together.
  (func (export "mix64") (param $x i64) (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $and i64) (local $xor i64)
    (local.set $and (i64.and (local.get $x) (i64.const 0xffff_0000_ffff_0000)))
    (local.set $xor (i64.xor (local.get $x) (i64.const -1)))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i64.add (local.get $acc) (i64.xor (local.get $and) (local.get $xor))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $round)))
    (local.get $acc))
)

;; x = 0x1234: even 0x1234, or 0x1334, xor 0x4761, not 0xffff_edcb.
;; One round: 0x1234 + 0x1334 + 0x4761 + 0xffff_edcb + 0 wraps to 0x5a94.
(assert_return (invoke "sum32" (i32.const 0x1234) (i32.const 1)) (i32.const 0x5a94))
;; Three rounds: 3 * 0x5a94 + (0 + 1 + 2) = 0x10fbc + 3 = 0x10fbf.
(assert_return (invoke "sum32" (i32.const 0x1234) (i32.const 3)) (i32.const 0x10fbf))
(assert_return (invoke "sum32" (i32.const 0x1234) (i32.const 0)) (i32.const 0))
;; x = -1: even -2, or -1, xor 0xffff_aaaa, not 0; one round
;; -2 - 1 + 0xffff_aaaa = 0xffff_aaa7.
(assert_return (invoke "sum32" (i32.const -1) (i32.const 1)) (i32.const 0xffff_aaa7))

(assert_return (invoke "pairs" (i32.const 10)) (i32.const 5))
(assert_return (invoke "pairs" (i32.const 11)) (i32.const 5))
(assert_return (invoke "pairs" (i32.const 1)) (i32.const 0))
(assert_return (invoke "pairs" (i32.const 0)) (i32.const 0))
;; 0x1001 & -2 = 0x1000: 0x800 rounds.
(assert_return (invoke "pairs" (i32.const 0x1001)) (i32.const 0x800))

;; 3 + 4 + 12 rounds
(assert_return (invoke "bounded" (i32.const 3) (i32.const 4)) (i32.const 19))
;; -20 + 8 + 12 = 0 (modulo 2^32): no round at all.
(assert_return (invoke "bounded" (i32.const -20) (i32.const 8)) (i32.const 0))
;; -12 + 0 + 12 wraps to 0 as well; -10 + 0 + 12 = 2.
(assert_return (invoke "bounded" (i32.const -12) (i32.const 0)) (i32.const 0))
(assert_return (invoke "bounded" (i32.const -10) (i32.const 0)) (i32.const 2))

;; x = 0x0123_4567_89ab_cdef: and 0x0123_0000_89ab_0000,
;; not 0xfedc_ba98_7654_3210; their xor 0xffff_ba98_ffff_3210.
(assert_return (invoke "mix64" (i64.const 0x0123_4567_89ab_cdef) (i32.const 1))
  (i64.const 0xffff_ba98_ffff_3210))
;; Two rounds: twice that, wrapping: 0xffff_7531_fffe_6420.
(assert_return (invoke "mix64" (i64.const 0x0123_4567_89ab_cdef) (i32.const 2))
  (i64.const 0xffff_7531_fffe_6420))
(assert_return (invoke "mix64" (i64.const 0x0123_4567_89ab_cdef) (i32.const 0))
  (i64.const 0))
