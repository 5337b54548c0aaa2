;; A spawned thread that never ends while `_start` waits with no timeout:
;; only a budget (`--fuel`, `--timeout-ms`) of the thread's own instance
;; stops it, with a trap that ends the process.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func (export "wasi_thread_start") (param i32 i32) (loop $l (br $l)))
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))))
