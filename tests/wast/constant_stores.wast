;; Narrow stores of constants (translate/constant_stores.rs, x86_64):
;; `i32.store8`/`i32.store16`/`i64.store8`/`i64.store16`/`i64.store32` of a
;; constant write exactly the constant's low 8/16/32 bits and nothing
;; around them, also when the constant has higher bits set or is negative,
;; and trap as a store out of bounds without writing. Memory starts as
;; 0xaa bytes; each test stores one constant at address 8 and reads the
;; 16 bytes at 0 as two little-endian i64s.

(module
  (memory 1)
  (func $reset
    (i64.store (i32.const 0) (i64.const 0xaaaaaaaaaaaaaaaa))
    (i64.store (i32.const 8) (i64.const 0xaaaaaaaaaaaaaaaa))
    (i64.store (i32.const 16) (i64.const 0xaaaaaaaaaaaaaaaa)))
  (func $low (result i64) (i64.load (i32.const 8)))
  (func (export "before") (result i64) (i64.load (i32.const 0)))
  (func (export "after") (result i64) (i64.load (i32.const 16)))

  (func (export "i32_store8") (result i64)
    (call $reset) (i32.store8 (i32.const 8) (i32.const 0x12345678)) (call $low))
  (func (export "i32_store8_negative") (result i64)
    (call $reset) (i32.store8 (i32.const 8) (i32.const -2)) (call $low))
  (func (export "i32_store8_offset") (result i64)
    (call $reset) (i32.store8 offset=3 (i32.const 5) (i32.const 0x1ff)) (call $low))
  (func (export "i32_store16") (result i64)
    (call $reset) (i32.store16 (i32.const 8) (i32.const 0x12345678)) (call $low))
  (func (export "i32_store16_negative") (result i64)
    (call $reset) (i32.store16 (i32.const 8) (i32.const -3)) (call $low))
  (func (export "i64_store8") (result i64)
    (call $reset) (i64.store8 (i32.const 8) (i64.const 0x0123456789abcdef)) (call $low))
  (func (export "i64_store16") (result i64)
    (call $reset) (i64.store16 (i32.const 8) (i64.const 0x0123456789abcdef)) (call $low))
  (func (export "i64_store32") (result i64)
    (call $reset) (i64.store32 (i32.const 8) (i64.const 0x0123456789abcdef)) (call $low))
  (func (export "i64_store32_negative") (result i64)
    (call $reset) (i64.store32 (i32.const 8) (i64.const -1)) (call $low))
  ;; A constant byte stored in a loop, as the sieve marks multiples.
  (func (export "mark") (param $step i32) (result i64)
    (local $j i32)
    (call $reset)
    (local.set $j (i32.const 8))
    (loop $next
      (i32.store8 (local.get $j) (i32.const 0x101))
      (local.set $j (i32.add (local.get $j) (local.get $step)))
      (br_if $next (i32.lt_u (local.get $j) (i32.const 16))))
    (call $low))
  (func (export "store8_at") (param $p i32)
    (i32.store8 (local.get $p) (i32.const 7)))
  (func (export "store32_at") (param $p i32)
    (i64.store32 (local.get $p) (i64.const 0x55667788)))
  (func (export "byte_at") (param $p i32) (result i32)
    (i32.load8_u (local.get $p)))
)

;; Little-endian: the byte at address 8 is the i64's lowest.
(assert_return (invoke "i32_store8") (i64.const 0xaaaaaaaaaaaaaa78))
(assert_return (invoke "before") (i64.const 0xaaaaaaaaaaaaaaaa))
(assert_return (invoke "after") (i64.const 0xaaaaaaaaaaaaaaaa))
(assert_return (invoke "i32_store8_negative") (i64.const 0xaaaaaaaaaaaaaafe))
(assert_return (invoke "i32_store8_offset") (i64.const 0xaaaaaaaaaaaaaaff))
(assert_return (invoke "i32_store16") (i64.const 0xaaaaaaaaaaaa5678))
(assert_return (invoke "i32_store16_negative") (i64.const 0xaaaaaaaaaaaafffd))
(assert_return (invoke "i64_store8") (i64.const 0xaaaaaaaaaaaaaaef))
(assert_return (invoke "i64_store16") (i64.const 0xaaaaaaaaaaaacdef))
(assert_return (invoke "i64_store32") (i64.const 0xaaaaaaaa89abcdef))
(assert_return (invoke "i64_store32_negative") (i64.const 0xaaaaaaaaffffffff))
(assert_return (invoke "after") (i64.const 0xaaaaaaaaaaaaaaaa))
;; Every third byte from 8: bytes 8, 11, 14 hold 0x01.
(assert_return (invoke "mark" (i32.const 3)) (i64.const 0xaa01aaaa01aaaa01))
(assert_return (invoke "mark" (i32.const 1)) (i64.const 0x0101010101010101))
(assert_return (invoke "after") (i64.const 0xaaaaaaaaaaaaaaaa))
;; The last byte of the memory, then one past it: a trap, and no write.
(invoke "store8_at" (i32.const 65535))
(assert_return (invoke "byte_at" (i32.const 65535)) (i32.const 7))
(assert_trap (invoke "store8_at" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "store32_at" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "byte_at" (i32.const 65533)) (i32.const 0))
(assert_return (invoke "byte_at" (i32.const 65535)) (i32.const 7))
(assert_trap (invoke "store8_at" (i32.const -1)) "out of bounds memory access")
