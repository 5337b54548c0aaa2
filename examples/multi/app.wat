;; The application half: it imports everything from `lib` and prints,
;; through WASI, the greeting lib's start function left in the memory
;; they share. Build and run both as one image:
;;   wafer run examples/multi/lib.wat examples/multi/app.wat
;;   wafer run examples/multi/lib.wat examples/multi/app.wat --invoke app.apply 1 7
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "lib" "bump" (func $bump (result i32)))
  (import "lib" "memory" (memory 1))
  (import "lib" "ops" (table 2 funcref))
  (import "lib" "calls" (global $calls (mut i32)))
  (type $unary (func (param i32) (result i32)))

  ;; lib's table entry `op` (0 doubles, 1 squares) applied to `x`.
  (func (export "apply") (param $op i32) (param $x i32) (result i32)
    (call_indirect (type $unary) (local.get $x) (local.get $op)))

  ;; Calls lib's `bump` `n` times, adds 100 to lib's counter and bumps
  ;; once more: the result is lib's count, n + 101.
  (func (export "count") (param $n i32) (result i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $bump))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 100)))
    (call $bump))

  (func (export "_start")
    ;; iovec at 0: the greeting at 16, 15 bytes.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
