;; Linear-memory bounds checks at the exact edges, with static offsets, on a
;; growable memory (checked against the current length) and on a fixed one
;; (checked against a constant).

(module
  (memory 1)
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load32_off") (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "load8_max_off") (param i32) (result i32) (i32.load8_u offset=4294967295 (local.get 0)))
  (func (export "store64") (param i32) (i64.store (local.get 0) (i64.const -1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "const_in") (result i32) (i32.load (i32.const 65532)))
  (func (export "const_out") (result i32) (i32.load (i32.const 65533))))

(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load32" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load32_off" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "load32_off" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load8_max_off" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "load8_max_off" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "const_in") (i32.const 0))
(assert_trap (invoke "const_out") "out of bounds memory access")
;; After growing, the new page is reachable and zeroed; beyond it is not.
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "load32" (i32.const 65533)) (i32.const 0))
(assert_return (invoke "load32" (i32.const 131068)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 131069)) "out of bounds memory access")
(assert_return (invoke "const_out") (i32.const 0))
;; A store ending exactly at the end works and is visible; one byte more traps
;; and writes nothing.
(assert_return (invoke "store64" (i32.const 131064)))
(assert_return (invoke "load32" (i32.const 131068)) (i32.const -1))
(assert_trap (invoke "store64" (i32.const 131065)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 131060)) (i32.const 0))

(module
  (memory 1 1)
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke "load32" (i32.const 65536)) "out of bounds memory access")

;; A module without memory size limits beyond its minimum still cannot
;; reach past its length after a failed bulk operation.
(module
  (memory 1)
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_trap (invoke "fill" (i32.const 65535) (i32.const 7) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_return (invoke "fill" (i32.const 65535) (i32.const 7) (i32.const 1)))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 7))
