;; exnref values: caught with catch_ref / catch_all_ref, kept in locals,
;; globals and block results, rethrown with throw_ref; payloads of every
;; value type.

(module
  (tag $e (param i32))
  (tag $f (param f64))
  (tag $wide (param v128 i64 f32 externref funcref))
  (global $kept (mut exnref) (ref.null exn))

  (func $throw-e (param i32) (throw $e (local.get 0)))

  ;; catch_ref, then throw_ref to an outer catch: the payload survives.
  (func (export "rethrow-payload") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $inner (result i32 exnref)
          (try_table (catch_ref $e $inner) (call $throw-e (local.get 0)))
          (unreachable))
        ;; [payload exnref]: drop the payload seen here, rethrow the exception.
        (throw_ref)
        (drop))
      (unreachable))
    (i32.mul (i32.const 10)))

  ;; catch_all_ref keeps the tag: the rethrown exception matches $e, not $f.
  (func (export "rethrow-keeps-tag") (param i32) (result i32)
    (block $is-f (result f64)
      (block $is-e (result i32)
        (try_table (catch $f $is-f) (catch $e $is-e)
          (block $any (result exnref)
            (try_table (catch_all_ref $any) (call $throw-e (local.get 0)))
            (unreachable))
          (throw_ref))
        (unreachable))
      (return))
    (drop) (i32.const -1))

  ;; The exnref goes through a local, a global and a block parameter
  ;; before it is rethrown, outside the handler that caught it.
  (func (export "stored-and-rethrown") (param i32) (result i32)
    (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (call $throw-e (local.get 0)))
      (unreachable))
    (local.set $x)
    (drop)
    (global.set $kept (local.get $x))
    (block $done (result i32)
      (try_table (result i32) (catch $e $done)
        (global.get $kept)
        (block (param exnref) (result exnref))
        (throw_ref))))

  (func (export "kept-is-null") (result i32) (ref.is_null (global.get $kept)))

  (func (export "throw-ref-null") (throw_ref (ref.null exn)))

  ;; Every payload slot keeps its value type and bits.
  (func (export "wide-payload") (param externref) (result i32 i64 f32 externref i32)
    (block $h (result v128 i64 f32 externref funcref)
      (try_table (catch $wide $h)
        (throw $wide
          (v128.const i32x4 1 2 3 0x7fffffff)
          (i64.const -2) (f32.const 1.5) (local.get 0) (ref.null func)))
      (unreachable))
    ;; [v128 i64 f32 externref funcref]: the funcref becomes "is null".
    (ref.is_null)
    (call $pack))
  (func $pack (param v128 i64 f32 externref i32) (result i32 i64 f32 externref i32)
    (i32x4.extract_lane 3 (local.get 0)) (local.get 1) (local.get 2) (local.get 3) (local.get 4))
)

(assert_return (invoke "rethrow-payload" (i32.const 4)) (i32.const 40))
(assert_return (invoke "rethrow-keeps-tag" (i32.const 9)) (i32.const 9))
(assert_return (invoke "kept-is-null") (i32.const 1))
(assert_return (invoke "stored-and-rethrown" (i32.const 6)) (i32.const 6))
(assert_return (invoke "kept-is-null") (i32.const 0))
(assert_trap (invoke "throw-ref-null") "null reference")
(assert_return (invoke "wide-payload" (ref.extern 3))
  (i32.const 0x7fffffff) (i64.const -2) (f32.const 1.5) (ref.extern 3) (i32.const 1))

;; An exnref kept in a table and rethrown from there.
(module
  (tag $e (param i32))
  (table $t 2 exnref)
  (func (export "table-rethrow") (param i32) (result i32)
    (local $x exnref)
    (block $h (result i32 exnref)
      (try_table (catch_ref $e $h) (throw $e (local.get 0)))
      (unreachable))
    (local.set $x)
    (drop)
    (table.set $t (i32.const 1) (local.get $x))
    (block $h2 (result i32)
      (try_table (catch $e $h2) (throw_ref (table.get $t (i32.const 1))))
      (unreachable)))
  (func (export "slot-0-is-null") (result i32)
    (ref.is_null (table.get $t (i32.const 0))))
)

(assert_return (invoke "table-rethrow" (i32.const 33)) (i32.const 33))
(assert_return (invoke "slot-0-is-null") (i32.const 1))
