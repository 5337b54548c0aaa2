;; The library half of a two-module image (see docs/architecture.md,
;; "Several modules in one image"). It exports one thing of every kind:
;; a function, its linear memory, a table of functions and a mutable
;; global. Its start function runs before the app's, so the app finds the
;; greeting it writes.
(module
  (memory (export "memory") 1)
  (table (export "ops") 2 funcref)
  (elem (i32.const 0) $double $square)
  ;; How many times `bump` was called.
  (global $calls (export "calls") (mut i32) (i32.const 0))

  (func $double (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func $square (param i32) (result i32)
    (i32.mul (local.get 0) (local.get 0)))

  ;; Counts a call; returns the new count.
  (func (export "bump") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.get $calls))

  ;; "hello from lib\n" at address 16, written when lib is instantiated.
  (data $greeting "hello from lib\n")
  (func $init
    (memory.init $greeting (i32.const 16) (i32.const 0) (i32.const 15)))
  (start $init))
