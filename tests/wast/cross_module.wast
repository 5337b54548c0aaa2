;; Several modules in one image: a shared table and memory, and
;; call_indirect across instances with structurally equal types.

(module $provider
  (type $binop (func (param i32 i32) (result i32)))
  (table (export "table") 4 funcref)
  (memory (export "memory") 1)
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (elem (i32.const 0) $add $sub)
  (func (export "call") (param i32 i32 i32) (result i32)
    (call_indirect (type $binop) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
(register "provider" $provider)

(module $user
  (type $other (func (param i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  (import "provider" "table" (table 4 funcref))
  (import "provider" "memory" (memory 1))
  (func $mul (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (elem (i32.const 2) $mul $neg)
  (data (i32.const 10) "\2a")
  (func (export "call") (param i32 i32 i32) (result i32)
    (call_indirect (type $other) (local.get 0) (local.get 1) (local.get 2))))

;; The user module's function, called through the provider's table.
(assert_return (invoke $provider "call" (i32.const 6) (i32.const 7) (i32.const 2)) (i32.const 42))
;; The provider's functions, called through the user module.
(assert_return (invoke $user "call" (i32.const 6) (i32.const 7) (i32.const 0)) (i32.const 13))
(assert_return (invoke $user "call" (i32.const 6) (i32.const 7) (i32.const 1)) (i32.const -1))
(assert_trap (invoke $user "call" (i32.const 6) (i32.const 7) (i32.const 3)) "indirect call type mismatch")
(assert_trap (invoke $user "call" (i32.const 6) (i32.const 7) (i32.const 4)) "undefined element")
;; The user's data segment landed in the shared memory.
(assert_return (invoke $provider "peek" (i32.const 10)) (i32.const 42))

(assert_unlinkable
  (module (import "provider" "table" (table 5 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "provider" "missing" (func)))
  "unknown import")
