;; try_table inside loops, traps that catch_all must not catch, exceptions
;; through call_indirect and out of a tail call.

(module
  (tag $e (param i32))
  (type $t (func (param i32) (result i32)))
  (table funcref (elem $thrower $identity))

  (func $thrower (param i32) (result i32) (throw $e (local.get 0)))
  (func $identity (param i32) (result i32) (local.get 0))

  ;; Throws and catches n times; returns the sum of the payloads 0..n-1.
  (func (export "catch-in-loop") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (loop $again
      (block $h (result i32)
        (try_table (catch $e $h) (drop (call $thrower (local.get $i))))
        (unreachable))
      (local.set $sum (i32.add (local.get $sum)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  ;; The same with catch_ref: each catch keeps its exception object.
  (func (export "catch-ref-in-loop") (param $n i32) (result i32)
    (local $i i32)
    (loop $again
      (block $h (result i32 exnref)
        (try_table (catch_ref $e $h) (drop (call $thrower (local.get $i))))
        (unreachable))
      (drop) (drop)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))

  ;; Table entry 0 throws, entry 1 returns: an exception through
  ;; call_indirect is caught like one through a direct call.
  (func (export "indirect") (param $slot i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (call_indirect (type $t) (i32.const 11) (local.get $slot)))
      (return))
    (i32.add (i32.const 100)))

  ;; Traps are not exceptions: catch_all lets them through.
  (func $div (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "trap-not-caught") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $div (local.get 0)))))
    (i32.const -1))
  (func (export "unreachable-not-caught")
    (block $h (try_table (catch_all $h) (unreachable))))

  ;; A return_call leaves its try_table: the callee's exception goes to
  ;; whoever called this function.
  (func $tail (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return_call $thrower (local.get 0))))
    (i32.const -1))
  (func (export "tail-call-leaves-handler") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $tail (local.get 0)))
      (return))
    (i32.add (i32.const 1000)))
)

;; 0 + 1 + ... + 99999 = 99999 * 100000 / 2 = 4999950000, mod 2^32 = 704982704
(assert_return (invoke "catch-in-loop" (i32.const 100000)) (i32.const 704982704))
(assert_return (invoke "catch-in-loop" (i32.const 4)) (i32.const 6))
(assert_return (invoke "catch-ref-in-loop" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "indirect" (i32.const 0)) (i32.const 111))
(assert_return (invoke "indirect" (i32.const 1)) (i32.const 11))
(assert_return (invoke "trap-not-caught" (i32.const 2)) (i32.const 0))
(assert_trap (invoke "trap-not-caught" (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "unreachable-not-caught") "unreachable")
(assert_return (invoke "tail-call-leaves-handler" (i32.const 5)) (i32.const 1005))
