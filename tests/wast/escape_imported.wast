;; Imported memories and tables: the importer checks against the
;; exporter's current length (not its own declared minimum), sees growth
;; done by either side, and its constant addresses below the declared
;; minimum (which wafer does not check) stay inside.

(module $owner
  (memory (export "memory") 1 3)
  (table (export "table") 2 4 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
(register "owner" $owner)

(module $user
  (import "owner" "memory" (memory 1))
  (import "owner" "table" (table 2 funcref))
  (type $v (func (result i32)))
  (func $nine (type $v) (i32.const 9))
  (elem declare func $nine)
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "const_in") (result i32) (i32.load (i32.const 65532)))
  (func (export "const_out") (result i32) (i32.load (i32.const 65533)))
  (func (export "const_store_out") (i32.store (i32.const 65533) (i32.const -1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "call") (param i32) (result i32) (call_indirect (type $v) (local.get 0)))
  (func (export "set") (param i32) (table.set (local.get 0) (ref.func $nine)))
  (func (export "table_grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))

(assert_return (invoke $user "const_in") (i32.const 0))
(assert_trap (invoke $user "const_out") "out of bounds memory access")
(assert_trap (invoke $user "const_store_out") "out of bounds memory access")
(assert_return (invoke $owner "load8" (i32.const 65535)) (i32.const 0))
(assert_trap (invoke $user "load32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke $user "store32" (i32.const 65532) (i32.const 0x04030201)))
(assert_return (invoke $owner "load8" (i32.const 65535)) (i32.const 4))

;; The owner grows: the user's edge moves with it.
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke $user "size") (i32.const 2))
(assert_return (invoke $user "const_out") (i32.const 0x040302))
(assert_return (invoke $user "load32" (i32.const 131068)) (i32.const 0))
(assert_trap (invoke $user "load32" (i32.const 131069)) "out of bounds memory access")
(assert_trap (invoke $user "store32" (i32.const 131069) (i32.const -1)) "out of bounds memory access")
(assert_return (invoke $owner "load8" (i32.const 131071)) (i32.const 0))

;; The user grows to the owner's maximum; the owner sees it, and neither
;; can go further.
(assert_return (invoke $user "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke $user "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke $user "store32" (i32.const 196604) (i32.const 0x7f000000)))
(assert_return (invoke $owner "load8" (i32.const 196607)) (i32.const 0x7f))
(assert_trap (invoke $owner "load8" (i32.const 196608)) "out of bounds memory access")
(assert_trap (invoke $user "load32" (i32.const 196605)) "out of bounds memory access")

;; The shared table: out of range, null, and after the user grows it.
(assert_trap (invoke $user "call" (i32.const 2)) "undefined element")
(assert_trap (invoke $user "call" (i32.const 1)) "uninitialized element")
(assert_return (invoke $user "table_grow" (i32.const 2)) (i32.const 2))
(assert_return (invoke $user "table_grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke $user "call" (i32.const 3)) "uninitialized element")
(assert_return (invoke $user "set" (i32.const 3)))
(assert_return (invoke $user "call" (i32.const 3)) (i32.const 9))
(assert_trap (invoke $user "call" (i32.const 4)) "undefined element")
(assert_trap (invoke $user "set" (i32.const 4)) "out of bounds table access")
