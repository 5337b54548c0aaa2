;; Runaway recursion on a spawned thread stops at that thread's own stack
;; limit (its stack is mapped like the first thread's): call stack exhausted,
;; which ends the process.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func $r (param i32) (result i32) (i32.add (call $r (local.get 0)) (i32.const 1)))
  (func (export "wasi_thread_start") (param i32 i32) (drop (call $r (i32.const 0))))
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))))
