;; Tags across modules: an imported tag is its exporter's, and two
;; instances of one module have different tags.

(module $A1
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
)
(register "A1" $A1)

;; The same module text, a second instance: a different tag.
(module $A2
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
)
(register "A2" $A2)

(module $B
  (tag $a1 (import "A1" "e") (param i32))
  (tag $own (param i32))
  (func $throw1 (import "A1" "throw") (param i32))
  (func $throw2 (import "A2" "throw") (param i32))
  (tag (export "reexported") (param i32))

  ;; A1's exception, caught by the tag B imported from A1: payload + 1.
  (func (export "catch-imported") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $own $h) (catch $a1 $h) (call $throw1 (local.get 0)))
      (return (i32.const -1)))
    (i32.add (i32.const 1)))

  ;; A2's exception does not match A1's tag; catch_all takes it.
  (func (export "other-instance") (param i32) (result i32)
    (block $all
      (block $h (result i32)
        (try_table (catch $a1 $h) (catch_all $all) (call $throw2 (local.get 0)))
        (return (i32.const -1)))
      (return))
    (i32.const 2))

  ;; Only B's own tag: A1's exception leaves the export.
  (func (export "own-only") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $own $h) (call $throw1 (local.get 0)))
      (return (i32.const -1))))
)

(assert_return (invoke $B "catch-imported" (i32.const 41)) (i32.const 42))
(assert_return (invoke $B "other-instance" (i32.const 5)) (i32.const 2))
(assert_exception (invoke $B "own-only" (i32.const 5)))
(assert_exception (invoke $A2 "throw" (i32.const 5)))

;; Importing a tag with another type does not link.
(assert_unlinkable
  (module (tag (import "A1" "e") (param i64)))
  "incompatible import type")
;; Nor does importing a function as a tag.
(assert_unlinkable
  (module (tag (import "A1" "throw") (param i32)))
  "incompatible import type")
