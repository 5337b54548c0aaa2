;; Explicit mode skips the check of an access whose address masks, shifts
;; and narrow loads keep below the memory's declared minimum
;; (compiler/src/translate/address_bound.rs). Each pair below has one form
;; that is always in bounds (no check needed: the assertions show it gives
;; the right values at its extremes) and a near miss that must keep its
;; check: every `assert_trap` fails if the bound were computed wrongly.

(module
  (memory 1)
  (data (i32.const 65532) "\01\02\03\04")
  ;; (x & 0xff) << 2 + 64512 + 4 bytes <= 65536: always in bounds.
  (func (export "table") (param $x i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.and (local.get $x) (i32.const 0xff)) (i32.const 2))
                       (i32.const 64512))))
  ;; One byte further: x & 0xff = 255 reaches 65537.
  (func (export "table_plus_one") (param $x i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.and (local.get $x) (i32.const 0xff)) (i32.const 2))
                       (i32.const 64513))))
  ;; (x & 0xff) << 28 does not fit 32 bits.
  (func (export "shift_out") (param $x i32) (result i32)
    (i32.load8_u (i32.shl (i32.and (local.get $x) (i32.const 0xff)) (i32.const 28))))
  ;; ((x & 0xff) + 1) << 24: 256 << 24 wraps to 0, but 255 << 24 does not.
  (func (export "shift_wraps") (param $x i32) (result i32)
    (i32.load8_u (i32.shl (i32.add (i32.and (local.get $x) (i32.const 0xff)) (i32.const 1))
                          (i32.const 24))))
  ;; (x & 0xff) + 0xffffffff wraps: x = 0 is address 0xffffffff.
  (func (export "add_wraps") (param $x i32) (result i32)
    (i32.load8_u (i32.add (i32.and (local.get $x) (i32.const 0xff)) (i32.const -1))))
  ;; (x & 0xf0) ^ byte <= 255.
  (func (export "xor_byte") (param $x i32) (param $p i32) (result i32)
    (i32.load8_u offset=65280
      (i32.xor (i32.and (local.get $x) (i32.const 0xf0)) (i32.load8_u (local.get $p)))))
  ;; x >>u 16 <= 65535: a byte load there is in bounds, a 4-byte one not.
  (func (export "shr_u_byte") (param $x i32) (result i32)
    (i32.load8_u (i32.shr_u (local.get $x) (i32.const 16))))
  (func (export "shr_u_word") (param $x i32) (result i32)
    (i32.load (i32.shr_u (local.get $x) (i32.const 16))))
  ;; x >>s 16 is negative for negative x.
  (func (export "shr_s_byte") (param $x i32) (result i32)
    (i32.load8_u (i32.shr_s (local.get $x) (i32.const 16))))
  ;; A 16-bit load: unsigned is at most 65535, signed may be negative.
  (func (export "via_u16") (param $p i32) (result i32)
    (i32.load8_u (i32.load16_u (local.get $p))))
  (func (export "via_s16") (param $p i32) (result i32)
    (i32.load8_u (i32.load16_s (local.get $p))))
  ;; A mask with the top bits set bounds nothing useful.
  (func (export "mask_high") (param $x i32) (result i32)
    (i32.load8_u (i32.and (local.get $x) (i32.const -4))))
  ;; select: the larger arm counts.
  (func (export "select_arms") (param $x i32) (param $c i32) (result i32)
    (i32.load8_u offset=65000
      (select (i32.and (local.get $x) (i32.const 0xff))
              (i32.and (local.get $x) (i32.const 0x3ff))
              (local.get $c))))
  (func (export "store16") (param $p i32) (param $v i32) (i32.store16 (local.get $p) (local.get $v))))

(assert_return (invoke "table" (i32.const 255)) (i32.const 0x04030201))
(assert_return (invoke "table" (i32.const 0xffffff00)) (i32.const 0))
(assert_return (invoke "table_plus_one" (i32.const 254)) (i32.const 0x01000000))
(assert_trap (invoke "table_plus_one" (i32.const 255)) "out of bounds memory access")
(assert_return (invoke "shift_out" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "shift_out" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "shift_wraps" (i32.const 255)) (i32.const 0))
(assert_trap (invoke "shift_wraps" (i32.const 254)) "out of bounds memory access")
(assert_return (invoke "add_wraps" (i32.const 1)) (i32.const 0))
(assert_trap (invoke "add_wraps" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "add_wraps" (i32.const 0x100)) "out of bounds memory access")
;; Byte 65535 is 4: (0xf0 ^ 0x0f) = 0xff, 65280 + 0xff = 65535.
(assert_return (invoke "store16" (i32.const 0) (i32.const 0x0f)))
(assert_return (invoke "xor_byte" (i32.const 0xf0) (i32.const 0)) (i32.const 4))
(assert_return (invoke "shr_u_byte" (i32.const -1)) (i32.const 4))
(assert_return (invoke "shr_u_word" (i32.const 0xfffc0000)) (i32.const 0x04030201))
(assert_trap (invoke "shr_u_word" (i32.const 0xfffd0000)) "out of bounds memory access")
(assert_return (invoke "shr_s_byte" (i32.const 0x7fffffff)) (i32.const 0))
(assert_trap (invoke "shr_s_byte" (i32.const 0x80000000)) "out of bounds memory access")
(assert_return (invoke "store16" (i32.const 0) (i32.const 0xffff)))
(assert_return (invoke "via_u16" (i32.const 0)) (i32.const 4))
(assert_trap (invoke "via_s16" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "mask_high" (i32.const 65535)) (i32.const 1))
(assert_trap (invoke "mask_high" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "select_arms" (i32.const 0x1ff) (i32.const 1)) (i32.const 0))
(assert_return (invoke "select_arms" (i32.const 535) (i32.const 0)) (i32.const 4))
(assert_trap (invoke "select_arms" (i32.const 536) (i32.const 0)) "out of bounds memory access")
