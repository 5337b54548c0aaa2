;; A start function that spawns: it runs again in each instance
;; `thread-spawn` makes, on the spawning thread, where a spawn would wait
;; for itself; there it fails (-1) instead. So exactly one thread starts:
;; it counts itself, and `_start` exits with the count, 1.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func $start (drop (call $spawn (i32.const 0))))
  (start $start)
  (func (export "wasi_thread_start") (param i32 i32)
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func (export "_start")
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 5000000000)))
    (call $exit (i32.atomic.load (i32.const 0))))
)
