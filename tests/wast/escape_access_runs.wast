;; Runs of accesses near the end of memory, for any rewrite that checks
;; several accesses of one block at once (one check of the largest extent
;; before the first): the first access that is really out of bounds must
;; trap, with everything before it done and nothing after it, and what
;; sits between the accesses (a store, a call, a trap of another kind,
;; `memory.grow`) must happen or decide as it would access by access.

;; Loads only: four bytes from `p`, the last one past the end at 65533.
(module
  (memory 1)
  (data (i32.const 65532) "\01\02\03\04")
  (func (export "four_bytes") (param $p i32) (result i32)
    (i32.add
      (i32.add (i32.load8_u (local.get $p)) (i32.load8_u offset=1 (local.get $p)))
      (i32.add (i32.load8_u offset=2 (local.get $p)) (i32.load8_u offset=3 (local.get $p)))))
  ;; The largest extent first in the code, the smallest last.
  (func (export "backwards") (param $p i32) (result i32)
    (i32.add
      (i32.load offset=4 (local.get $p))
      (i32.load8_u (local.get $p)))))

(assert_return (invoke "four_bytes" (i32.const 65532)) (i32.const 10))
(assert_trap (invoke "four_bytes" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "four_bytes" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "backwards" (i32.const 65528)) (i32.const 0x0403_0201))
(assert_trap (invoke "backwards" (i32.const 65529)) "out of bounds memory access")

;; A store before an out-of-bounds access happens; a store after it does
;; not, and a store that does not fit writes nothing.
(module
  (memory 1)
  (func (export "store_then_load") (param $p i32) (result i32)
    (i32.store8 (local.get $p) (i32.const 7))
    (i32.load offset=8 (local.get $p)))
  (func (export "two_stores") (param $p i32)
    (i32.store (local.get $p) (i32.const 0x1111_1111))
    (i32.store offset=4 (local.get $p) (i32.const 0x2222_2222))
    (i32.store offset=8 (local.get $p) (i32.const 0x3333_3333)))
  (func (export "byte") (param $p i32) (result i32)
    (i32.load8_u (local.get $p)))
  (func (export "word") (param $p i32) (result i32)
    (i32.load (local.get $p))))

(assert_trap (invoke "store_then_load" (i32.const 65528)) "out of bounds memory access")
(assert_return (invoke "byte" (i32.const 65528)) (i32.const 7))
(assert_return (invoke "store_then_load" (i32.const 65524)) (i32.const 0))
;; 65528: the first two stores fit, the third starts at the end.
(assert_trap (invoke "two_stores" (i32.const 65528)) "out of bounds memory access")
(assert_return (invoke "word" (i32.const 65528)) (i32.const 0x1111_1111))
(assert_return (invoke "word" (i32.const 65532)) (i32.const 0x2222_2222))
;; 65530: the second store straddles the end: it and the third write nothing.
(assert_trap (invoke "two_stores" (i32.const 65530)) "out of bounds memory access")
(assert_return (invoke "word" (i32.const 65528)) (i32.const 0x1111_1111))
(assert_return (invoke "byte" (i32.const 65533)) (i32.const 0x11))
(assert_return (invoke "byte" (i32.const 65534)) (i32.const 0x22))
(assert_return (invoke "byte" (i32.const 65535)) (i32.const 0x22))

;; Another trap between two accesses is the one reported.
(module
  (memory 1)
  (func (export "divide_between") (param $p i32) (param $d i32) (result i32)
    (i32.add
      (i32.div_u (i32.load (local.get $p)) (local.get $d))
      (i32.load offset=8 (local.get $p)))))

(assert_trap (invoke "divide_between" (i32.const 65528) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "divide_between" (i32.const 65528) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "divide_between" (i32.const 65524) (i32.const 1)) (i32.const 0))

;; A call between two accesses runs before the second one traps.
(module
  (memory 1)
  (func $mark (i32.store (i32.const 0) (i32.const 42)))
  (func (export "call_between") (param $p i32) (result i32)
    (drop (i32.load (local.get $p)))
    (call $mark)
    (i32.load offset=8 (local.get $p)))
  (func (export "marker") (result i32) (i32.load (i32.const 0))))

(assert_trap (invoke "call_between" (i32.const 65528)) "out of bounds memory access")
(assert_return (invoke "marker") (i32.const 42))

;; `memory.grow` between two accesses: the second is in bounds only
;; because of it.
(module
  (memory 1 2)
  (func (export "grow_between") (param $p i32) (result i32)
    (drop (i32.load8_u (local.get $p)))
    (drop (memory.grow (i32.const 1)))
    (i32.load offset=65536 (local.get $p))))

(assert_return (invoke "grow_between" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "grow_between" (i32.const 65533)) "out of bounds memory access")
