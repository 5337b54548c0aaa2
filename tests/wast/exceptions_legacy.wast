;; The legacy exception-handling form (try / catch / catch_all / rethrow /
;; delegate), written in the flat syntax: the wast crate does not parse
;; the folded `(try (do ...))` form of the suite's legacy scripts.

(module
  (tag $e (param i32))
  (tag $f (param i64))
  (tag $g)
  (global $log (mut i32) (i32.const 0))

  (func $throw-e (param i32) local.get 0 throw $e)
  (func $throw-f (param i64) local.get 0 throw $f)
  (func $throw-g throw $g)

  ;; Which clause runs: $e gives payload + 1, $f gives 100, anything
  ;; else 200; no throw gives 7.
  (func (export "clauses") (param i32) (result i32)
    try (result i32)
      local.get 0
      i32.const 1
      i32.eq
      if
        i32.const 41
        call $throw-e
      end
      local.get 0
      i32.const 2
      i32.eq
      if
        i64.const 5
        call $throw-f
      end
      local.get 0
      i32.const 3
      i32.eq
      if
        call $throw-g
      end
      i32.const 7
    catch $e
      i32.const 1
      i32.add
    catch $f
      drop
      i32.const 100
    catch_all
      i32.const 200
    end)

  ;; No clause matches $g: it leaves the function.
  (func (export "no-match") (result i32)
    try (result i32)
      call $throw-g
      i32.const 0
    catch $e
    end)

  ;; rethrow from a clause reaches the outer try with the same payload.
  (func (export "rethrow") (param i32) (result i32)
    try (result i32)
      try (result i32)
        local.get 0
        call $throw-e
        i32.const 0
      catch $e
        drop
        rethrow 0
      end
    catch $e
      i32.const 1000
      i32.add
    end)

  ;; rethrow 1 from a nested try's clause rethrows the outer clause's
  ;; exception ($e 9), not the inner one ($g).
  (func (export "rethrow-outer") (result i32)
    try (result i32)
      try (result i32)
        i32.const 9
        call $throw-e
        i32.const 0
      catch $e
        drop
        try (result i32)
          call $throw-g
          i32.const 0
        catch_all
          rethrow 1
        end
      end
    catch $e
    end)

  ;; delegate 0 skips the inner try's own clauses: the outer catch $e runs.
  (func (export "delegate") (param i32) (result i32)
    try (result i32)
      try (result i32)
        local.get 0
        call $throw-e
        i32.const 0
      delegate 0
    catch $e
      i32.const 2000
      i32.add
    end)

  ;; A delegate to the function's label: the exception leaves it even
  ;; though an enclosing try would catch it.
  (func (export "delegate-out") (result i32)
    try (result i32)
      try (result i32)
        i32.const 3
        call $throw-e
        i32.const 0
      delegate 1
    catch_all
      i32.const -1
    end)

  ;; An exception thrown inside a clause is not that try's: the outer
  ;; try catches it.
  (func (export "throw-in-clause") (result i32)
    try (result i32)
      try (result i32)
        call $throw-g
        i32.const 0
      catch_all
        i32.const 5
        call $throw-e
        i32.const 0
      end
    catch $e
      i32.const 10
      i32.mul
    end)

  ;; Caught 1000 times in a loop.
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    loop $again
      try
        local.get $i
        call $throw-e
      catch $e
        local.get $sum
        i32.add
        local.set $sum
      end
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      local.get $n
      i32.lt_u
      br_if $again
    end
    local.get $sum)

  ;; Traps are not caught by catch_all.
  (func (export "trap") (result i32)
    try (result i32)
      unreachable
    catch_all
      i32.const 1
    end)
)

(assert_return (invoke "clauses" (i32.const 0)) (i32.const 7))
(assert_return (invoke "clauses" (i32.const 1)) (i32.const 42))
(assert_return (invoke "clauses" (i32.const 2)) (i32.const 100))
(assert_return (invoke "clauses" (i32.const 3)) (i32.const 200))
(assert_exception (invoke "no-match"))
(assert_return (invoke "rethrow" (i32.const 4)) (i32.const 1004))
(assert_return (invoke "rethrow-outer") (i32.const 9))
(assert_return (invoke "delegate" (i32.const 6)) (i32.const 2006))
(assert_exception (invoke "delegate-out"))
(assert_return (invoke "throw-in-clause") (i32.const 50))
;; 0 + 1 + ... + 999 = 499500
(assert_return (invoke "loop" (i32.const 1000)) (i32.const 499500))
(assert_trap (invoke "trap") "unreachable")

;; A module whose only exception operators are a legacy try and catch:
;; its calls still check, so the exception thrown by the imported
;; function is caught.
(module $thrower
  (tag $x (export "x") (param i32))
  (func (export "throw") (param i32) (throw $x (local.get 0))))
(register "thrower" $thrower)

(module
  (tag $x (import "thrower" "x") (param i32))
  (func $throw (import "thrower" "throw") (param i32))
  (func (export "catch-only") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $throw
      i32.const -1
    catch $x
      i32.const 1
      i32.add
    end))

(assert_return (invoke "catch-only" (i32.const 8)) (i32.const 9))
