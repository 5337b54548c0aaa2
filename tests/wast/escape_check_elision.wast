;; The explicit bounds checks skip work (see compiler/src/translate/bounds.rs):
;; the memory length is kept in a variable reloaded only after calls and
;; `memory.grow`, and a check already covered by a dominating check of the
;; same address is dropped. Every assertion here fails if one of those
;; shortcuts were applied where it is not sound.

;; A covered check is dropped; a wider one at the same address is not.
(module
  (memory 1)
  (func (export "narrow_then_wide") (param $p i32) (result i32)
    (drop (i32.load8_u (local.get $p)))
    (i32.load (local.get $p)))
  (func (export "wide_then_narrow") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (i32.load8_u offset=3 (local.get $p)))
  (func (export "offset_then_larger_offset") (param $p i32) (result i32)
    (drop (i32.load offset=8 (local.get $p)))
    (i32.load offset=12 (local.get $p)))
  ;; A check inside `then` does not cover the `else` arm or the code after
  ;; the `if` (the `then` arm may not have run).
  (func (export "after_then") (param $p i32) (param $c i32) (result i32)
    (if (local.get $c) (then (drop (i32.load (local.get $p)))))
    (i32.load (local.get $p)))
  (func (export "in_else") (param $p i32) (param $c i32) (result i32)
    (if (result i32) (local.get $c)
      (then (i32.load (local.get $p)))
      (else (i32.load (local.get $p)))))
  ;; A check after a `br_if` out of a block does not cover the code after
  ;; the block.
  (func (export "after_block_exit") (param $p i32) (param $c i32) (result i32)
    (block (br_if 0 (local.get $c)) (drop (i32.load (local.get $p))))
    (i32.load (local.get $p)))
  ;; A check before a loop covers the loop body and after it.
  (func (export "before_loop") (param $p i32) (param $n i32) (result i32)
    (local $sum i32)
    (local.set $sum (i32.load (local.get $p)))
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=1 (local.get $p))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.add (local.get $sum) (i32.load16_u offset=2 (local.get $p))))
  ;; Stores before a trapping access keep their effect: the first check is
  ;; never widened to cover the second access.
  (func (export "store_then_wider_store") (param $p i32)
    (i32.store (local.get $p) (i32.const 0x11223344))
    (i32.store offset=4 (local.get $p) (i32.const 0x55667788)))
  (func (export "store_call_then_wider_load") (param $p i32) (result i32)
    (i32.store8 (local.get $p) (i32.const 0x5a))
    (call $nothing)
    (i32.load (local.get $p)))
  (func $nothing)
  (func (export "load32") (param $p i32) (result i32) (i32.load (local.get $p))))

(assert_return (invoke "narrow_then_wide" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "narrow_then_wide" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "narrow_then_wide" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "wide_then_narrow" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "wide_then_narrow" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "offset_then_larger_offset" (i32.const 65520)) (i32.const 0))
(assert_trap (invoke "offset_then_larger_offset" (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "offset_then_larger_offset" (i32.const 65524)) "out of bounds memory access")
(assert_return (invoke "after_then" (i32.const 65532) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "after_then" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "after_then" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "in_else" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "in_else" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "after_block_exit" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "after_block_exit" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "after_block_exit" (i32.const 65532) (i32.const 1)) (i32.const 0))
(assert_return (invoke "before_loop" (i32.const 65532) (i32.const 3)) (i32.const 0))
(assert_trap (invoke "before_loop" (i32.const 65533) (i32.const 3)) "out of bounds memory access")
;; The first store lands, the second traps.
(assert_return (invoke "store_then_wider_store" (i32.const 65528)))
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0x55667788))
(assert_trap (invoke "store_then_wider_store" (i32.const 65532)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0x11223344))
(assert_trap (invoke "store_call_then_wider_load" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0x5a223344))

;; The cached length is reloaded after every call that can grow memory:
;; direct, indirect, through an import, and `memory.grow` itself.
(module $grower
  (memory (export "memory") 1 8)
  (func (export "grow") (drop (memory.grow (i32.const 1)))))
(register "grower" $grower)

(module
  (import "grower" "memory" (memory 1 8))
  (import "grower" "grow" (func $grow_import))
  (type $void (func))
  (table funcref (elem $grow_here))
  (func $grow_here (drop (memory.grow (i32.const 1))))
  ;; Each of these first touches the last word of the memory (so a stale
  ;; length is cached), grows by a page, then touches the new last word.
  (func (export "after_direct_call") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (call $grow_here)
    (i32.load offset=65536 (local.get $p)))
  (func (export "after_indirect_call") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (call_indirect (type $void) (i32.const 0))
    (i32.load offset=65536 (local.get $p)))
  (func (export "after_imported_call") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (call $grow_import)
    (i32.load offset=65536 (local.get $p)))
  (func (export "after_grow") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (drop (memory.grow (i32.const 1)))
    (i32.load offset=65536 (local.get $p)))
  ;; `memory.grow` inside a loop: every iteration stores to the last word of
  ;; the page grown by the previous one (the length must flow around the
  ;; loop, not stay at its value on entry). Returns the final size in pages.
  (func (export "grow_in_loop") (param $a i32) (param $n i32) (result i32)
    (loop $l
      (i32.store (local.get $a) (i32.const 7))
      (drop (memory.grow (i32.const 1)))
      (local.set $a (i32.add (local.get $a) (i32.const 65536)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store (local.get $a) (i32.const 7))
    (memory.size))
  (func (export "load32") (param $p i32) (result i32) (i32.load (local.get $p))))

(assert_return (invoke "after_direct_call" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "after_direct_call" (i32.const 131069)) "out of bounds memory access")
(assert_return (invoke "after_indirect_call" (i32.const 131068)) (i32.const 0))
(assert_trap (invoke "after_indirect_call" (i32.const 196605)) "out of bounds memory access")
(assert_return (invoke "after_imported_call" (i32.const 196604)) (i32.const 0))
(assert_return (invoke "after_grow" (i32.const 262140)) (i32.const 0))
;; 5 pages now; 3 more in the loop reach the maximum of 8.
(assert_return (invoke "grow_in_loop" (i32.const 327676) (i32.const 3)) (i32.const 8))
(assert_return (invoke "load32" (i32.const 327676)) (i32.const 7))
(assert_return (invoke "load32" (i32.const 393212)) (i32.const 7))
(assert_return (invoke "load32" (i32.const 458748)) (i32.const 7))
(assert_return (invoke "load32" (i32.const 524284)) (i32.const 7))
(assert_trap (invoke "load32" (i32.const 524285)) "out of bounds memory access")
;; At the maximum the grow fails (-1) and the length stays: past the end traps.
(assert_trap (invoke "after_grow" (i32.const 524284)) "out of bounds memory access")

;; A grow on one path only: the length reaching the code after the merge
;; is the reloaded one on that path.
(module
  (memory 1 7)
  (func $grow (drop (memory.grow (i32.const 1))))
  (func (export "grow_in_then") (param $p i32) (param $c i32) (result i32)
    (drop (i32.load8_u (i32.const 0)))
    (if (local.get $c) (then (call $grow)))
    (i32.load (local.get $p)))
  (func (export "grow_in_then_with_else") (param $p i32) (param $zero i32) (param $c i32) (result i32)
    (drop (i32.load8_u (local.get $zero)))
    (if (local.get $c)
      (then (call $grow))
      (else (drop (i32.load8_u offset=1 (local.get $zero)))))
    (i32.load (local.get $p)))
  (func (export "grow_before_br_if") (param $p i32) (param $c i32) (result i32)
    (drop (i32.load8_u (i32.const 0)))
    (block
      (call $grow)
      (br_if 0 (local.get $c))
      (drop (i32.load8_u (i32.const 1))))
    (i32.load (local.get $p)))
  (func (export "grow_in_br_table_arm") (param $p i32) (param $c i32) (result i32)
    (drop (i32.load8_u (i32.const 0)))
    (block
      (block
        (br_table 0 1 (local.get $c)))
      (call $grow))
    (i32.load (local.get $p)))
  ;; The length is read (and cached) first, then a grow makes it stale,
  ;; then one `br_table` edge goes straight to the merge.
  (func (export "grow_then_br_table") (param $p i32) (param $zero i32) (param $c i32) (result i32)
    (drop (i32.load8_u (local.get $zero)))
    (call $grow)
    (block
      (block
        (br_table 0 1 (local.get $c)))
      (nop))
    (i32.load (local.get $p))))
(assert_trap (invoke "grow_in_then" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow_in_then" (i32.const 65536) (i32.const 1)) (i32.const 0))
(assert_trap (invoke "grow_in_then_with_else" (i32.const 131072) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow_in_then_with_else" (i32.const 131072) (i32.const 0) (i32.const 1)) (i32.const 0))
(assert_return (invoke "grow_before_br_if" (i32.const 196608) (i32.const 1)) (i32.const 0))
(assert_return (invoke "grow_before_br_if" (i32.const 262144) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "grow_in_br_table_arm" (i32.const 327680) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "grow_in_br_table_arm" (i32.const 327680) (i32.const 0)) (i32.const 0))
;; 6 pages: grown to the maximum of 7, then the edge straight to the merge.
(assert_return (invoke "grow_then_br_table" (i32.const 393216) (i32.const 0) (i32.const 1)) (i32.const 0))
;; At the maximum: the grow fails and the old length still holds.
(assert_trap (invoke "grow_in_br_table_arm" (i32.const 458752) (i32.const 0)) "out of bounds memory access")

;; A memory of zero pages: `length - (offset + size)` is negative, so even
;; address 0 traps.
(module
  (memory 0)
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p)))
  (func (export "load8_off") (param $p i32) (result i32) (i32.load8_u offset=4294967295 (local.get $p))))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "load8_off" (i32.const 0)) "out of bounds memory access")

