;; In guard mode an `i32.add` of a constant in front of an access joins the
;; access's static offset only when the sum provably cannot wrap around 2^32
;; (translate/guard.rs, `split_constant_add`): the other operand must be
;; bounded (masks, shifts, narrow loads; translate/address_bound.rs) so
;; that operand + constant stays below 2^32. Sums that may wrap must keep
;; their i32 wrap-around, and folded accesses must still trap exactly past
;; the end of memory. Explicit mode folds the same way, but only for
;; accesses it proves below the declared minimum and so does not check
;; (`lookup` is one, `lookup_off1` is checked). Memory is one page; bytes
;; 0..3 are 1 2 3 4 and the last four bytes are 0xa1 0xa2 0xa3 0xa4.

(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04")
  (data (i32.const 65532) "\a1\a2\a3\a4")

  ;; Unbounded operand: no fold. -1 + 2 wraps to address 1.
  (func (export "any_plus_2") (param i32) (result i32)
    (i32.load8_u (i32.add (local.get 0) (i32.const 2))))
  (func (export "two_plus_any") (param i32) (result i32)
    (i32.load8_u (i32.add (i32.const 2) (local.get 0))))

  ;; Bounded operand (at most 0xff000000) whose sum with 0x01000001 can
  ;; still wrap: no fold. 0xff << 24 plus 0x01000001 is address 1.
  (func (export "high_byte_plus") (param i32) (result i32)
    (i32.load8_u
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 24))
               (i32.const 0x01000001))))

  ;; The same operand plus 0x01000000 reaches exactly 2^32 for 0xff: wraps
  ;; to address 0, no fold.
  (func (export "high_byte_plus_exact") (param i32) (result i32)
    (i32.load8_u
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 24))
               (i32.const 0x01000000))))

  ;; Bounded operand (at most 0xff000000) plus 0x00ffffff: never wraps, so
  ;; folded. Every value but 0 lands past the memory's end.
  (func (export "high_byte_plus_max") (param i32) (result i32)
    (i32.load8_u
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 24))
               (i32.const 0x00ffffff))))

  ;; A table lookup: ((x & 0xff) << 2) + 64512 (the last 1024 bytes),
  ;; folded, with a static offset on top. Index 255 reads the last word;
  ;; offsets 1..4 more run past the end by 1..4 bytes.
  (func (export "lookup") (param i32) (result i32)
    (i32.load
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 2))
               (i32.const 64512))))
  (func (export "lookup_off1") (param i32) (result i32)
    (i32.load offset=1
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 2))
               (i32.const 64512))))
  (func (export "lookup_store") (param i32 i32)
    (i32.store
      (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 2))
               (i32.const 64512))
      (local.get 1)))
)

(assert_return (invoke "any_plus_2" (i32.const -1)) (i32.const 2))
(assert_return (invoke "any_plus_2" (i32.const -2)) (i32.const 1))
(assert_return (invoke "any_plus_2" (i32.const 0)) (i32.const 3))
(assert_trap (invoke "any_plus_2" (i32.const 65534)) "out of bounds memory access")
(assert_return (invoke "two_plus_any" (i32.const -1)) (i32.const 2))
(assert_return (invoke "two_plus_any" (i32.const 65533)) (i32.const 0xa4))

(assert_return (invoke "high_byte_plus" (i32.const 0xff)) (i32.const 2))
(assert_return (invoke "high_byte_plus" (i32.const 0x1ff)) (i32.const 2))
(assert_trap (invoke "high_byte_plus" (i32.const 0xfe)) "out of bounds memory access")
(assert_trap (invoke "high_byte_plus" (i32.const 0)) "out of bounds memory access")

(assert_return (invoke "high_byte_plus_exact" (i32.const 0xff)) (i32.const 1))
(assert_trap (invoke "high_byte_plus_exact" (i32.const 0xfe)) "out of bounds memory access")

(assert_trap (invoke "high_byte_plus_max" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "high_byte_plus_max" (i32.const 0xff)) "out of bounds memory access")

(assert_return (invoke "lookup" (i32.const 255)) (i32.const 0xa4a3a2a1))
(assert_return (invoke "lookup" (i32.const 0x1ff)) (i32.const 0xa4a3a2a1))
(assert_return (invoke "lookup" (i32.const 0)) (i32.const 0))
(assert_return (invoke "lookup_off1" (i32.const 254)) (i32.const 0xa1000000))
(assert_trap (invoke "lookup_off1" (i32.const 255)) "out of bounds memory access")
(assert_return (invoke "lookup_store" (i32.const 254) (i32.const 0x11223344)))
(assert_return (invoke "lookup" (i32.const 254)) (i32.const 0x11223344))
(assert_return (invoke "lookup_off1" (i32.const 254)) (i32.const 0xa1112233))
(assert_return (invoke "lookup" (i32.const 255)) (i32.const 0xa4a3a2a1))
