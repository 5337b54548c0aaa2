;; Two rewrites of the finished IR (translate/known_bits.rs,
;; translate/mask_extend.rs) keep their meaning:
;; - an address `i << k` whose `i` has at most 32 - k significant bits
;;   (through masks, `or`, `xor`, loop-carried locals) becomes a 64-bit
;;   scaled index; where `i` may have more bits the shift must still wrap
;;   modulo 2^32, and a widened index past the memory must still trap;
;; - `and` with 0xff, 0xffff (i32, i64) or 0xffffffff (i64) becomes a zero
;;   extension: the high bits, sign bits included, must be cleared.
;; Memory: word n (at byte 4n) holds 0x1000 + n for n < 300, so a load
;; tells which word was read.

(module
  (memory 1)
  (func $fill (local $n i32)
    (loop $l
      (i32.store (i32.shl (local.get $n) (i32.const 2))
                 (i32.add (i32.const 0x1000) (local.get $n)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 300)))))
  (start $fill)

  ;; Masked byte, scaled by 4: the CRC-32 table lookup.
  (func (export "byte_word") (param i32) (result i32)
    (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 2))))
  ;; xor of a masked value and a loaded byte: still 8 bits.
  (func (export "xor_word") (param i32 i32) (result i32)
    (i32.load
      (i32.shl
        (i32.xor (i32.and (local.get 0) (i32.const 0xff))
                 (i32.load8_u (local.get 1)))
        (i32.const 2))))
  ;; or with a 9-bit constant: 9 bits, scaled by 2, plus an offset.
  (func (export "or_half") (param i32) (result i32)
    (i32.load16_u offset=4
      (i32.shl (i32.or (i32.and (local.get 0) (i32.const 0x3f)) (i32.const 0x100))
               (i32.const 1))))
  ;; Unbounded index: the shift wraps (0x40000003 << 2 = 12).
  (func (export "wrap_word") (param i32) (result i32)
    (i32.load (i32.shl (local.get 0) (i32.const 2))))
  ;; 31 significant bits shifted by 2: may wrap, so it must still wrap.
  (func (export "wrap_31") (param i32) (result i32)
    (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0x7fffffff)) (i32.const 2))))
  ;; 16 bits scaled by 4 reach past the 64 KiB memory: a trap.
  (func (export "half_word") (param i32) (result i32)
    (i32.load (i32.shl (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 2))))
  ;; A loop-carried index: the sum of bytes masked each round.
  (func (export "carried") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $i (i32.and (i32.add (local.get $i) (i32.const 37)) (i32.const 0xff)))
      (local.set $acc
        (i32.add (local.get $acc) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))

  (func (export "and_ff") (param i32) (result i32)
    (i32.and (local.get 0) (i32.const 0xff)))
  (func (export "ff_and") (param i32) (result i32)
    (i32.and (i32.const 0xff) (local.get 0)))
  (func (export "and_ffff") (param i32) (result i32)
    (i32.and (local.get 0) (i32.const 0xffff)))
  (func (export "and64_ff") (param i64) (result i64)
    (i64.and (local.get 0) (i64.const 0xff)))
  (func (export "and64_ffff") (param i64) (result i64)
    (i64.and (local.get 0) (i64.const 0xffff)))
  (func (export "and64_ffffffff") (param i64) (result i64)
    (i64.and (local.get 0) (i64.const 0xffffffff)))
  (func (export "and_1ff") (param i32) (result i32)
    (i32.and (local.get 0) (i32.const 0x1ff)))
)

(assert_return (invoke "byte_word" (i32.const 7)) (i32.const 0x1007))
(assert_return (invoke "byte_word" (i32.const 0xffffff07)) (i32.const 0x1007))
(assert_return (invoke "byte_word" (i32.const 0x12345612)) (i32.const 0x1012))
;; Byte 0 of memory is 0x00 (word 0 = 0x1000, little endian); byte 1 is 0x10.
(assert_return (invoke "xor_word" (i32.const 0x1ff05) (i32.const 0)) (i32.const 0x1005))
(assert_return (invoke "xor_word" (i32.const 0x1ff05) (i32.const 1)) (i32.const 0x1015))
;; (0x3f | 0x100) * 2 + 4 = 0x282: word 0xa0, upper half, which is 0.
;; (0x00 | 0x100) * 2 + 4 = 0x204: word 0x81's low half, 0x1081.
(assert_return (invoke "or_half" (i32.const 0xffffff00)) (i32.const 0x1081))
(assert_return (invoke "or_half" (i32.const 0x3f)) (i32.const 0))
(assert_return (invoke "wrap_word" (i32.const 0x40000003)) (i32.const 0x1003))
(assert_return (invoke "wrap_word" (i32.const 0xc0000005)) (i32.const 0x1005))
(assert_return (invoke "wrap_31" (i32.const 0x40000009)) (i32.const 0x1009))
(assert_return (invoke "wrap_31" (i32.const 0xc000000a)) (i32.const 0x100a))
(assert_return (invoke "half_word" (i32.const 0x10000)) (i32.const 0x1000))
(assert_return (invoke "half_word" (i32.const 0x3fff)) (i32.const 0))
(assert_trap (invoke "half_word" (i32.const 0x4000)) "out of bounds memory access")
(assert_trap (invoke "half_word" (i32.const 0xffff)) "out of bounds memory access")
;; i = 37, 74, 111, 148, 185, 222, 259 & 0xff = 3: words 37 ... 3.
;; 7 * 0x1000 + (37 + 74 + 111 + 148 + 185 + 222 + 3) = 28672 + 780.
(assert_return (invoke "carried" (i32.const 7)) (i32.const 29452))

(assert_return (invoke "and_ff" (i32.const 0x12345678)) (i32.const 0x78))
(assert_return (invoke "and_ff" (i32.const -1)) (i32.const 0xff))
(assert_return (invoke "and_ff" (i32.const 0x80)) (i32.const 0x80))
(assert_return (invoke "ff_and" (i32.const 0xffffff80)) (i32.const 0x80))
(assert_return (invoke "and_ffff" (i32.const 0x87654321)) (i32.const 0x4321))
(assert_return (invoke "and_ffff" (i32.const 0xffff8000)) (i32.const 0x8000))
(assert_return (invoke "and64_ff" (i64.const 0x123456789abcdef0)) (i64.const 0xf0))
(assert_return (invoke "and64_ff" (i64.const -1)) (i64.const 0xff))
(assert_return (invoke "and64_ffff" (i64.const 0xfedcba9876548765)) (i64.const 0x8765))
(assert_return (invoke "and64_ffffffff" (i64.const 0xfedcba9887654321)) (i64.const 0x87654321))
(assert_return (invoke "and64_ffffffff" (i64.const -1)) (i64.const 0xffffffff))
(assert_return (invoke "and_1ff" (i32.const 0xfffffe01)) (i32.const 0x001))
