;; 64-bit memories (memory64): every access is checked against the length
;; with the full i64 address, in both bounds-check modes. The near misses
;; below are the ways a 64-bit address could slip through a check written
;; for 32-bit ones: truncation to 32 bits, a signed compare, and
;; `address + offset` wrapping past 2^64.

(module
  (memory $m i64 1 3)
  (data (i64.const 0xfffc) "\01\02\03\04")
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i64) (result i32) (i32.load (local.get 0)))
  (func (export "load64_at_offset_8") (param i64) (result i64)
    (i64.load offset=8 (local.get 0)))
  (func (export "load8_at_max_offset") (param i64) (result i32)
    (i32.load8_u offset=0xffff_ffff_ffff_ffff (local.get 0)))
  (func (export "store8") (param i64 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load_const_2_32") (result i32) (i32.load8_u (i64.const 0x1_0000_0000)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2))))

;; The data segment at an i64 offset, and the last bytes of the page.
(assert_return (invoke "load32" (i64.const 0xfffc)) (i32.const 0x04030201))
(assert_return (invoke "load8" (i64.const 0xffff)) (i32.const 4))
(assert_trap (invoke "load8" (i64.const 0x10000)) "out of bounds memory access")
(assert_trap (invoke "load32" (i64.const 0xfffd)) "out of bounds memory access")

;; Truncated to 32 bits these would be address 0 (in bounds).
(assert_trap (invoke "load8" (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "load_const_2_32") "out of bounds memory access")
(assert_trap (invoke "store8" (i64.const 0x1_0000_0000) (i32.const 9)) "out of bounds memory access")
(assert_return (invoke "load8" (i64.const 0)) (i32.const 0))
;; Negative as a signed number: a signed compare would let them in.
(assert_trap (invoke "load8" (i64.const 0x8000_0000_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const -1)) "out of bounds memory access")
;; address + offset wraps past 2^64 to a small, in-bounds address.
(assert_trap (invoke "load64_at_offset_8" (i64.const -8)) "out of bounds memory access")
(assert_trap (invoke "load64_at_offset_8" (i64.const -16)) "out of bounds memory access")
(assert_trap (invoke "load8_at_max_offset" (i64.const 1)) "out of bounds memory access")
(assert_trap (invoke "load8_at_max_offset" (i64.const 0)) "out of bounds memory access")
(assert_return (invoke "load64_at_offset_8" (i64.const 0xfff0)) (i64.const 0x0403_0201_0000_0000))

;; memory.size and memory.grow count pages in i64; -1 when it cannot grow.
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0001)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 3)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const 1))
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "load8" (i64.const 0x2ffff)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 0x30000)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 0)) (i64.const 3))

;; Bulk operations take i64 addresses and lengths, checked whole first.
(assert_return (invoke "fill" (i64.const 0x2fffe) (i32.const 7) (i64.const 2)))
(assert_return (invoke "load8" (i64.const 0x2ffff)) (i32.const 7))
(assert_trap (invoke "fill" (i64.const 0x2ffff) (i32.const 5) (i64.const 2)) "out of bounds memory access")
(assert_return (invoke "load8" (i64.const 0x2ffff)) (i32.const 7))
(assert_trap (invoke "fill" (i64.const 0x1_0000_0000) (i32.const 5) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const 1) (i32.const 5) (i64.const -1)) "out of bounds memory access")

;; A 32-bit and a 64-bit memory side by side: copies between them, each
;; checked against its own length (the length operand is i32 when either
;; memory is 32-bit).
(module
  (memory $small 1)
  (memory $big i64 2)
  (data (memory $small) (i32.const 0xfff0) "wafer")
  (func (export "copy_small_to_big") (param i64 i32 i32)
    (memory.copy $big $small (local.get 0) (local.get 1) (local.get 2)))
  (func (export "big8") (param i64) (result i32) (i32.load8_u $big (local.get 0)))
  (func (export "small8") (param i32) (result i32) (i32.load8_u $small (local.get 0)))
  (func (export "big_size") (result i64) (memory.size $big))
  (func (export "small_size") (result i32) (memory.size $small)))

(assert_return (invoke "copy_small_to_big" (i64.const 0x1fffb) (i32.const 0xfff0) (i32.const 5)))
(assert_return (invoke "big8" (i64.const 0x1fffb)) (i32.const 0x77))
(assert_return (invoke "big8" (i64.const 0x1ffff)) (i32.const 0x72))
(assert_trap (invoke "copy_small_to_big" (i64.const 0x1fffc) (i32.const 0xfff0) (i32.const 5)) "out of bounds memory access")
(assert_trap (invoke "copy_small_to_big" (i64.const 0) (i32.const 0xfffc) (i32.const 5)) "out of bounds memory access")
(assert_trap (invoke "copy_small_to_big" (i64.const 0x1_0000_0000) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "big_size") (i64.const 2))
(assert_return (invoke "small_size") (i32.const 1))
;; An i32 address of the small memory is not reinterpreted: 0x10000 is out.
(assert_trap (invoke "small8" (i32.const 0x10000)) "out of bounds memory access")
(assert_return (invoke "small8" (i32.const 0xfff4)) (i32.const 0x72))
