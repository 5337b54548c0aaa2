;; Instantiation in the Wasm 2.0 order: imports are checked first (nothing
;; is written on a link error), then element and data segments are applied
;; one by one, then the start function runs. A trap stops instantiation but
;; keeps what earlier segments wrote to shared tables and memories, and the
;; image keeps serving.

(module $shared
  (memory (export "memory") 1)
  (table (export "table") 3 funcref)
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get (local.get 0)))))
(register "shared" $shared)

;; The first data segment lands, the second is out of bounds.
(assert_trap
  (module
    (import "shared" "memory" (memory 1))
    (data (i32.const 0) "\01\02")
    (data (i32.const 65535) "\03\04"))
  "out of bounds memory access")
(assert_return (invoke $shared "peek" (i32.const 0)) (i32.const 1))
(assert_return (invoke $shared "peek" (i32.const 1)) (i32.const 2))
(assert_return (invoke $shared "peek" (i32.const 65535)) (i32.const 0))

;; The same for element segments.
(assert_trap
  (module
    (import "shared" "table" (table 3 funcref))
    (func $f)
    (elem (i32.const 0) $f)
    (elem (i32.const 2) $f $f))
  "out of bounds table access")
(assert_return (invoke $shared "is_null" (i32.const 0)) (i32.const 0))
(assert_return (invoke $shared "is_null" (i32.const 2)) (i32.const 1))

;; Segments land before the start function traps.
(assert_trap
  (module
    (import "shared" "memory" (memory 1))
    (data (i32.const 7) "\2a")
    (func $start unreachable)
    (start $start))
  "unreachable")
(assert_return (invoke $shared "peek" (i32.const 7)) (i32.const 42))

;; A link error writes nothing: the import check comes first.
(assert_unlinkable
  (module
    (import "shared" "memory" (memory 1))
    (import "shared" "missing" (func))
    (data (i32.const 9) "\ff"))
  "unknown import")
(assert_return (invoke $shared "peek" (i32.const 9)) (i32.const 0))

;; Import types are checked exactly.
(module $exports
  (global (export "const_i32") i32 (i32.const 1))
  (global (export "mut_i32") (mut i32) (i32.const 2))
  (func (export "f_i32") (param i32)))
(register "exports" $exports)
(assert_unlinkable
  (module (import "exports" "const_i32" (global (mut i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "exports" "mut_i32" (global i32)))
  "incompatible import type")
(assert_unlinkable
  (module (import "exports" "f_i32" (func (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "exports" "f_i32" (func (param i32) (result i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "exports" "f_i32" (global i32)))
  "incompatible import type")
(assert_unlinkable
  (module (import "shared" "memory" (memory 2)))
  "incompatible import type")
(assert_unlinkable
  (module (import "shared" "table" (table 1 2 funcref)))
  "incompatible import type")

;; A start function's effects are visible, and a module that instantiates
;; after all these failures works normally.
(module
  (import "shared" "memory" (memory 1))
  (func $start (i32.store8 (i32.const 100) (i32.const 5)))
  (start $start)
  (func (export "get") (result i32) (i32.load8_u (i32.const 100))))
(assert_return (invoke "get") (i32.const 5))
(assert_return (invoke $shared "peek" (i32.const 100)) (i32.const 5))
