;; Explicit checks that cover more than the bytes they name (see
;; compiler/src/translate/bounds.rs and address_alignment.rs):
;; - a check of an address known to be a multiple of 2^a proves the bytes
;;   up to its end rounded up to 2^a (lengths are whole pages);
;; - a check of `r + c1` covers an access at `r + c2` when
;;   `0 <= c2 - c1` and `c2 - c1 + end2` lies within the checked end;
;; - a check made before every branch to a `block`'s end (and on the
;;   fall-through, when there is one) still holds after the `end`.
;; Each near miss below would read past the end of memory, or report no
;; trap, if one of these rules were applied where it does not hold.

;; Alignment: `x << 3` is 8-byte aligned, so its 1-byte check covers 8.
(module
  (memory 1)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (func (export "aligned") (param $x i32) (result i32)
    (local $p i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 3)))
    (i32.add
      (i32.load8_u (local.get $p))
      (i32.load offset=4 (local.get $p))))
  ;; The same check does not cover a ninth byte.
  (func (export "aligned_one_more") (param $x i32) (result i32)
    (local $p i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 3)))
    (i32.add
      (i32.load8_u (local.get $p))
      (i32.load offset=5 (local.get $p))))
  ;; `(x << 3) + 1` is not aligned at all.
  (func (export "misaligned") (param $x i32) (result i32)
    (local $p i32)
    (local.set $p (i32.add (i32.shl (local.get $x) (i32.const 3)) (i32.const 1)))
    (i32.add
      (i32.load8_u (local.get $p))
      (i32.load offset=4 (local.get $p))))
  ;; `x * 12` is a multiple of 4 only.
  (func (export "times12") (param $x i32) (param $off i32) (result i32)
    (local $p i32)
    (local.set $p (i32.mul (local.get $x) (i32.const 12)))
    (drop (i32.load8_u (local.get $p)))
    (if (result i32) (local.get $off)
      (then (i32.load16_u offset=2 (local.get $p)))
      (else (i32.load16_u offset=3 (local.get $p)))))
  ;; `x & -16` is a multiple of 16.
  (func (export "masked") (param $x i32) (result i64)
    (local $p i32)
    (local.set $p (i32.and (local.get $x) (i32.const -16)))
    (drop (i32.load8_u (local.get $p)))
    (i64.add
      (i64.load offset=8 (local.get $p))
      (i64.load16_u offset=14 (local.get $p)))))

(assert_return (invoke "aligned" (i32.const 8190)) (i32.const 0))
(assert_return (invoke "aligned" (i32.const 8191)) (i32.const 0x08070606))
(assert_trap (invoke "aligned" (i32.const 8192)) "out of bounds memory access")
(assert_trap (invoke "aligned" (i32.const 0x1fffffff)) "out of bounds memory access")
(assert_return (invoke "aligned_one_more" (i32.const 8190)) (i32.const 0x01000000))
(assert_trap (invoke "aligned_one_more" (i32.const 8191)) "out of bounds memory access")
(assert_return (invoke "misaligned" (i32.const 8190)) (i32.const 0x01000000))
(assert_trap (invoke "misaligned" (i32.const 8191)) "out of bounds memory access")
(assert_return (invoke "times12" (i32.const 5460) (i32.const 1)) (i32.const 0))
(assert_return (invoke "times12" (i32.const 5461) (i32.const 1)) (i32.const 0x0807))
(assert_trap (invoke "times12" (i32.const 5461) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "masked" (i32.const 65520)) (i64.const 0x0807060504030a08))
(assert_return (invoke "masked" (i32.const 65535)) (i64.const 0x0807060504030a08))
(assert_trap (invoke "masked" (i32.const 65536)) "out of bounds memory access")

;; 1-byte pages: the length need not be a multiple of anything, so an
;; aligned address's check covers only its own bytes.
(module
  (memory 65533 (pagesize 1))
  (func (export "aligned") (param $x i32) (result i32)
    (local $p i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 3)))
    (i32.add
      (i32.load8_u (local.get $p))
      (i32.load offset=4 (local.get $p))))
  (func (export "aligned16") (param $x i32) (result i32)
    (local $p i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 4)))
    (drop (i32.load8_u (local.get $p)))
    (i32.load8_u offset=13 (local.get $p))))

(assert_return (invoke "aligned" (i32.const 8190)) (i32.const 0))
(assert_trap (invoke "aligned" (i32.const 8191)) "out of bounds memory access")
(assert_return (invoke "aligned16" (i32.const 4094)) (i32.const 0))
(assert_trap (invoke "aligned16" (i32.const 4095)) "out of bounds memory access")

;; An aligned address's check may compare with any end up to its rounded
;; one: a byte at `x << 2` is checked against the length variable's bias
;; (4 here: three 4-byte loads in the loop outweigh the bytes), a byte at
;; `x << 1` is not (4 bytes would trap at the last 2-byte slot).
(module
  (memory 1)
  (data (i32.const 65532) "\11\22\33\44")
  (func (export "byte_at_shl2") (param $x i32) (result i32)
    (local $p i32) (local $s i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 2)))
    (local.set $s (i32.load8_u (local.get $p)))
    (loop $l
      (local.set $s
        (i32.add (local.get $s)
          (i32.add (i32.load (local.get $x))
            (i32.add (i32.load (i32.add (local.get $x) (i32.const 4)))
              (i32.load (i32.add (local.get $x) (i32.const 8)))))))
      (br_if $l (i32.const 0)))
    (local.get $s))
  (func (export "byte_at_shl1") (param $x i32) (result i32)
    (local $p i32) (local $s i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 1)))
    (local.set $s (i32.load8_u (local.get $p)))
    (loop $l
      (local.set $s
        (i32.add (local.get $s)
          (i32.add (i32.load (local.get $x))
            (i32.add (i32.load (i32.add (local.get $x) (i32.const 4)))
              (i32.load (i32.add (local.get $x) (i32.const 8)))))))
      (br_if $l (i32.const 0)))
    (local.get $s))
  (func (export "half_at_shl2") (param $x i32) (result i32)
    (local $p i32) (local $s i32)
    (local.set $p (i32.shl (local.get $x) (i32.const 2)))
    (local.set $s (i32.load16_u offset=1 (local.get $p)))
    (loop $l
      (local.set $s
        (i32.add (local.get $s)
          (i32.add (i32.load (local.get $x))
            (i32.add (i32.load (i32.add (local.get $x) (i32.const 4)))
              (i32.load (i32.add (local.get $x) (i32.const 8)))))))
      (br_if $l (i32.const 0)))
    (local.get $s)))

(assert_return (invoke "byte_at_shl2" (i32.const 16383)) (i32.const 0x11))
(assert_trap (invoke "byte_at_shl2" (i32.const 16384)) "out of bounds memory access")
(assert_trap (invoke "byte_at_shl2" (i32.const 0x3fffffff)) "out of bounds memory access")
(assert_return (invoke "byte_at_shl1" (i32.const 32767)) (i32.const 0x33))
(assert_trap (invoke "byte_at_shl1" (i32.const 32768)) "out of bounds memory access")
(assert_return (invoke "half_at_shl2" (i32.const 16383)) (i32.const 0x3322))
(assert_trap (invoke "half_at_shl2" (i32.const 16384)) "out of bounds memory access")

;; Constant distances: `r + c1` checked, `r + c2` accessed.
(module
  (memory 1)
  (data (i32.const 65532) "\aa\bb\cc\dd")
  ;; `r - 8` checked up to 12 bytes covers 4 bytes at `r`.
  (func (export "below_then_at") (param $r i32) (result i32)
    (drop (i32.load offset=8 (i32.sub (local.get $r) (i32.const 8))))
    (i32.load (local.get $r)))
  ;; `r - 1` checked for 1 byte covers nothing at `r`.
  (func (export "one_below_then_at") (param $r i32) (result i32)
    (drop (i32.load8_u (i32.add (local.get $r) (i32.const -1))))
    (i32.load (local.get $r)))
  ;; `r + 4` checked covers nothing at `r` (a negative distance).
  (func (export "above_then_at") (param $r i32) (result i32)
    (drop (i32.load (i32.add (local.get $r) (i32.const 4))))
    (i32.load8_u (local.get $r)))
  ;; `r + 2^31` checked covers nothing at `r` (the constant is negative
  ;; as an i32: the distance is 2^31, far past the 4 bytes checked).
  (func (export "half_way_then_at") (param $r i32) (result i32)
    (drop (i32.load (i32.add (local.get $r) (i32.const 0x80000000))))
    (i32.load (i32.add (local.get $r) (i32.const 0))))
  ;; Unrolled byte loads `p`, `p + 1`, `p + 2`, `p + 3` after a 4-byte
  ;; check at `p`: covered.
  (func (export "bytes_after_word") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (i32.add
      (i32.add
        (i32.load8_u (local.get $p))
        (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
      (i32.add
        (i32.load8_u (i32.add (local.get $p) (i32.const 2)))
        (i32.load8_u (i32.add (local.get $p) (i32.const 4))))))
  ;; ... but the byte loads alone each need their own check.
  (func (export "bytes") (param $p i32) (result i32)
    (i32.add
      (i32.add
        (i32.load8_u (local.get $p))
        (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
      (i32.add
        (i32.load8_u (i32.add (local.get $p) (i32.const 2)))
        (i32.load8_u (i32.add (local.get $p) (i32.const 3)))))))

(assert_return (invoke "below_then_at" (i32.const 65532)) (i32.const 0xddccbbaa))
(assert_trap (invoke "below_then_at" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "below_then_at" (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "below_then_at" (i32.const 8)) (i32.const 0))
(assert_return (invoke "one_below_then_at" (i32.const 65532)) (i32.const 0xddccbbaa))
(assert_trap (invoke "one_below_then_at" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "one_below_then_at" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "one_below_then_at" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "above_then_at" (i32.const 65528)) (i32.const 0))
(assert_trap (invoke "above_then_at" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "above_then_at" (i32.const -4)) "out of bounds memory access")
(assert_trap (invoke "above_then_at" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "half_way_then_at" (i32.const 0x80000000)) "out of bounds memory access")
(assert_trap (invoke "half_way_then_at" (i32.const 0x80000010)) "out of bounds memory access")
(assert_trap (invoke "half_way_then_at" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "bytes_after_word" (i32.const 65528)) (i32.const 0xaa))
(assert_trap (invoke "bytes_after_word" (i32.const 65532)) "out of bounds memory access")
(assert_trap (invoke "bytes_after_word" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "bytes" (i32.const 65532)) (i32.const 0x30e))
(assert_trap (invoke "bytes" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "bytes" (i32.const 65535)) "out of bounds memory access")

;; Checks across the end of a `block` something branched to.
(module
  (memory 1)
  (tag $e)
  (func $maybe_throw (param $c i32)
    (if (local.get $c) (then (throw $e))))
  ;; A dispatch: the check before the `br_table` holds in every case.
  (func (export "dispatch") (param $p i32) (param $op i32) (result i32)
    (block $c1
      (block $c0
        (br_table $c0 $c1 (i32.load8_u (local.get $p))))
      (return (i32.load8_u offset=0 (local.get $p))))
    (i32.load8_u (local.get $p)))
  ;; A branch from before the check: the code after the block checks.
  (func (export "branch_before_check") (param $p i32) (param $c i32) (result i32)
    (block $b
      (br_if $b (local.get $c))
      (drop (i32.load (local.get $p)))
      (br $b))
    (i32.load (local.get $p)))
  ;; Every branch checked, but the fall-through was not.
  (func (export "unchecked_fallthrough") (param $p i32) (param $c i32) (result i32)
    (block $b
      (block $inner
        (br_if $inner (local.get $c))
        (drop (i32.load (local.get $p)))
        (br $b)))
    (i32.load (local.get $p)))
  ;; The check is on the branch and on the fall-through: it holds after.
  (func (export "checked_everywhere") (param $p i32) (param $c i32) (result i32)
    (block $b
      (drop (i32.load (local.get $p)))
      (br_if $b (local.get $c))
      (drop (i32.load8_u (local.get $p))))
    (i32.load16_u offset=2 (local.get $p)))
  ;; A check after the first of two branches covers neither.
  (func (export "second_branch_checked") (param $p i32) (param $c i32) (result i32)
    (block $b
      (br_if $b (i32.eq (local.get $c) (i32.const 1)))
      (drop (i32.load (local.get $p)))
      (br_if $b (i32.eq (local.get $c) (i32.const 2)))
      (unreachable))
    (i32.load (local.get $p)))
  ;; A handler's branch comes from the throwing call, before the check.
  (func (export "catch_edge") (param $p i32) (param $c i32) (result i32)
    (block $b
      (try_table (catch_all $b)
        (call $maybe_throw (local.get $c))
        (drop (i32.load (local.get $p)))
        (br $b)))
    (i32.load (local.get $p))))

(assert_return (invoke "dispatch" (i32.const 65535) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "dispatch" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "branch_before_check" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_trap (invoke "branch_before_check" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "branch_before_check" (i32.const 65533) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "unchecked_fallthrough" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_trap (invoke "unchecked_fallthrough" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "unchecked_fallthrough" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "checked_everywhere" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_return (invoke "checked_everywhere" (i32.const 65532) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "checked_everywhere" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "second_branch_checked" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_return (invoke "second_branch_checked" (i32.const 65532) (i32.const 2)) (i32.const 0))
(assert_trap (invoke "second_branch_checked" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "second_branch_checked" (i32.const 65533) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "catch_edge" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_trap (invoke "catch_edge" (i32.const 65533) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "catch_edge" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "catch_edge" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
