;; A 64-bit memory (or table) crosses modules only as a 64-bit one: importing it
;; as a 32-bit one (or a 32-bit one as 64-bit) is a link error, since the
;; importer's code would compute its addresses with the wrong width.

(module $lib
  (memory (export "mem64") i64 1 2)
  (memory (export "mem32") 1 2)
  (func (export "poke") (param i64 i32) (i32.store8 (local.get 0) (local.get 1))))
(register "lib" $lib)

(module $user
  (memory (import "lib" "mem64") i64 1)
  (func (export "peek") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))

(invoke $lib "poke" (i64.const 0xffff) (i32.const 42))
(assert_return (invoke $user "peek" (i64.const 0xffff)) (i32.const 42))
(assert_trap (invoke $user "peek" (i64.const 0x10000)) "out of bounds memory access")
(assert_trap (invoke $user "peek" (i64.const 0x1_0000_ffff)) "out of bounds memory access")
(assert_return (invoke $user "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke $user "peek" (i64.const 0x1ffff)) (i32.const 0))
(assert_return (invoke $user "grow" (i64.const 1)) (i64.const -1))

(assert_unlinkable
  (module (memory (import "lib" "mem64") 1))
  "incompatible import type")
(assert_unlinkable
  (module (memory (import "lib" "mem32") i64 1))
  "incompatible import type")

;; Tables likewise: a 64-bit table is imported only as one.
(module $tables
  (table (export "tab64") i64 1 funcref)
  (table (export "tab32") 1 funcref))
(register "tables" $tables)
(module
  (table (import "tables" "tab64") i64 1 funcref)
  (func (export "size") (result i64) (table.size 0)))
(assert_return (invoke "size") (i64.const 1))
(assert_unlinkable
  (module (table (import "tables" "tab64") 1 funcref))
  "incompatible import type")
(assert_unlinkable
  (module (table (import "tables" "tab32") i64 1 funcref))
  "incompatible import type")
