;; Range tests on bytes: `((b + d) & mask) <op> C` with b a byte becomes one
;; unsigned compare of `b - lo` (translate/range_compares.rs): the bytes
;; that pass form an interval, or the complement of one when it wraps past
;; 255. Each function counts, over the 256 byte values (memory[i] = i, read
;; with load8_u inside a loop, so the byte is the loop's own), the bytes
;; that pass its test; the expected counts are worked out by hand next to
;; each assertion. The bytes below the subtrahend (whose masked difference
;; is 256 - (a - b) while the unmasked one wraps to 2^32 - (a - b)) are
;; where a rewrite that forgot the mask goes wrong: `le_208`, `lt_209`,
;; `eq_208`, `wrap_lt_20`, `digit_ge_246`.

(module
  (memory 1)
  (func $fill
    (local $i i32)
    (loop $next
      (i32.store8 (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256)))))
  (start $fill)
  (func (export "le_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "lt_10") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.lt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "gt_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.gt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "ge_10") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.ge_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "le_207") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 207))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "lt_208") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.lt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 208))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "eq_207") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.eq (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 207))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "ne_207") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.ne (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 207))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "le_208") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 208))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "lt_209") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.lt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 209))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "eq_208") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.eq (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 208))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "eq_255") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.eq (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 255))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "gt_207") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.gt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 207))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "ge_208") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.ge_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 208))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "lower_le_25") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -97))
                          (i32.const 0xff))
                 (i32.const 25))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "wide_le_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xffff))
                 (i32.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "wide_le_65487") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xffff))
                 (i32.const 65487))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "wide_le_65488") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xffff))
                 (i32.const 65488))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "sle_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_s (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xff))
                 (i32.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "digit_ge_246") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.ge_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -58))
                          (i32.const 0xff))
                 (i32.const 246))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "wrap_lt_20") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.lt_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const 10))
                          (i32.const 0xff))
                 (i32.const 20))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "plus_le_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.le_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const 48))
                          (i32.const 0xff))
                 (i32.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  (func (export "wide_ge_65500") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i32.ge_u (i32.and (i32.add (i32.load8_u (local.get $i)) (i32.const -48))
                          (i32.const 0xffff))
                 (i32.const 65500))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  ;; The same at 64 bits: i64.load8_u, i64.add, i64.and, i64.le_u.
  (func (export "i64_le_9") (result i32)
    (local $i i32) (local $n i32)
    (loop $next
      (local.set $n (i32.add (local.get $n)
        (i64.le_u (i64.and (i64.add (i64.load8_u (local.get $i)) (i64.const -48))
                           (i64.const 0xff))
                  (i64.const 9))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
    (local.get $n))
  ;; The same test as a branch, on one byte at a time.
  (func (export "is_digit") (param $p i32) (result i32)
    (if (result i32)
        (i32.gt_u (i32.and (i32.add (i32.load8_u (local.get $p)) (i32.const -48))
                           (i32.const 0xff))
                  (i32.const 9))
      (then (i32.const 0))
      (else (i32.const 1))))
  ;; A halfword is not a byte: 304 - 48 = 256 masks to 0 (<= 9) but is 256
  ;; unmasked; memory[0x130] = 0x30, memory[0x131] = 0x01 is 304 read as
  ;; a little-endian halfword, 0x39 0x01 is 313 (265, masks to 9).
  (func (export "halfword_le_9") (param $p i32) (result i32)
    (i32.le_u (i32.and (i32.add (i32.load16_u (local.get $p)) (i32.const -48))
                       (i32.const 0xff))
              (i32.const 9)))
  (func (export "store") (param $p i32) (param $v i32)
    (i32.store8 (local.get $p) (local.get $v)))
)
(assert_return (invoke "le_9") (i32.const 10))  ;; b = 48..57
(assert_return (invoke "lt_10") (i32.const 10))  ;; b = 48..57
(assert_return (invoke "gt_9") (i32.const 246))  ;; 256 - 10
(assert_return (invoke "ge_10") (i32.const 246))  ;; 256 - 10
(assert_return (invoke "le_207") (i32.const 208))  ;; b = 48..255
(assert_return (invoke "lt_208") (i32.const 208))  ;; b = 48..255
(assert_return (invoke "eq_207") (i32.const 1))  ;; b = 255
(assert_return (invoke "ne_207") (i32.const 255))  ;; all but b = 255
(assert_return (invoke "le_208") (i32.const 209))  ;; b = 48..255 and b = 0 (masks to 208)
(assert_return (invoke "lt_209") (i32.const 209))  ;; b = 48..255 and b = 0
(assert_return (invoke "eq_208") (i32.const 1))  ;; b = 0
(assert_return (invoke "eq_255") (i32.const 1))  ;; b = 47
(assert_return (invoke "gt_207") (i32.const 48))  ;; b = 0..47 (mask to 208..255)
(assert_return (invoke "ge_208") (i32.const 48))  ;; b = 0..47
(assert_return (invoke "lower_le_25") (i32.const 26))  ;; b = 'a'..'z' = 97..122
(assert_return (invoke "wide_le_9") (i32.const 10))  ;; b = 48..57 (b < 48 masks to 65488..65535)
(assert_return (invoke "wide_le_65487") (i32.const 208))  ;; b = 48..255
(assert_return (invoke "wide_le_65488") (i32.const 209))  ;; b = 48..255 and b = 0
(assert_return (invoke "sle_9") (i32.const 10))  ;; signed on 0..255: b = 48..57
(assert_return (invoke "digit_ge_246") (i32.const 10))  ;; b = 48..57 ((b - 58) & 255 = 246..255)
(assert_return (invoke "wrap_lt_20") (i32.const 20))  ;; b = 246..255 and b = 0..9
(assert_return (invoke "plus_le_9") (i32.const 10))  ;; b = 208..217
(assert_return (invoke "wide_ge_65500") (i32.const 36))  ;; b = 12..47 (65536 - (48 - b) >= 65500)
(assert_return (invoke "i64_le_9") (i32.const 10))  ;; b = 48..57
(assert_return (invoke "is_digit" (i32.const 47)) (i32.const 0))  ;; '/'
(assert_return (invoke "is_digit" (i32.const 48)) (i32.const 1))  ;; '0'
(assert_return (invoke "is_digit" (i32.const 57)) (i32.const 1))  ;; '9'
(assert_return (invoke "is_digit" (i32.const 58)) (i32.const 0))  ;; ':'
(assert_return (invoke "is_digit" (i32.const 0)) (i32.const 0))   ;; masks to 208
(assert_return (invoke "is_digit" (i32.const 255)) (i32.const 0))
(assert_trap (invoke "is_digit" (i32.const 65536)) "out of bounds memory access")
(invoke "store" (i32.const 0x130) (i32.const 0x30))
(invoke "store" (i32.const 0x131) (i32.const 0x01))
(assert_return (invoke "halfword_le_9" (i32.const 0x130)) (i32.const 1))
(invoke "store" (i32.const 0x130) (i32.const 0x39))
(assert_return (invoke "halfword_le_9" (i32.const 0x130)) (i32.const 1))
(invoke "store" (i32.const 0x130) (i32.const 0x3a))
(assert_return (invoke "halfword_le_9" (i32.const 0x130)) (i32.const 0))  ;; 266 masks to 10
