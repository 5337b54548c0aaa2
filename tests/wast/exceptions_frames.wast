;; An exception crosses 1000 Wasm frames, and none of them runs on: the
;; code after each call is skipped, not resumed with dummy results.

(module
  (tag $e (param i32 i64))
  (global $resumed (mut i32) (i32.const 0))

  ;; Recurses n times, then throws (7, 0x1_0000_0001) from the deepest frame.
  (func $down (param $n i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then (throw $e (i32.const 7) (i64.const 0x1_0000_0001))))
    (call $down (i32.sub (local.get $n) (i32.const 1)))
    ;; Only reached if a frame resumed after the exception.
    (global.set $resumed (i32.add (global.get $resumed) (i32.const 1)))
  )

  ;; 7 + 0x1_0000_0001 = 0x1_0000_0008 when caught.
  (func (export "deep") (param i32) (result i64)
    (local $a i32) (local $b i64)
    (block $h (result i32 i64)
      (try_table (catch $e $h) (drop (call $down (local.get 0))))
      (return (i64.const -1)))
    (local.set $b) (local.set $a)
    (i64.add (i64.extend_i32_u (local.get $a)) (local.get $b)))

  (func (export "resumed") (result i32) (global.get $resumed))

  ;; The same depth, but nothing catches it.
  (func (export "deep-uncaught") (param i32) (result i32)
    (call $down (local.get 0)))

  ;; A catch_all halfway up rethrows nothing: it ends the exception and
  ;; returns 500 from the middle of the stack.
  (func $middle (param $n i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $down (local.get $n)))))
    (i32.const 500))
  (func (export "caught-in-the-middle") (param i32) (result i32)
    (i32.add (call $middle (local.get 0)) (i32.const 1)))
)

(assert_return (invoke "deep" (i32.const 0)) (i64.const 0x1_0000_0008))
(assert_return (invoke "deep" (i32.const 1000)) (i64.const 0x1_0000_0008))
(assert_return (invoke "resumed") (i32.const 0))
(assert_exception (invoke "deep-uncaught" (i32.const 1000)))
(assert_return (invoke "resumed") (i32.const 0))
(assert_return (invoke "caught-in-the-middle" (i32.const 500)) (i32.const 501))
(assert_return (invoke "resumed") (i32.const 0))
;; After an uncaught exception the instance works as before.
(assert_return (invoke "deep" (i32.const 3)) (i64.const 0x1_0000_0008))
