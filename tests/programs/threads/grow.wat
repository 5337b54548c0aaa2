;; One thread grows the shared memory, then sets a flag; `_start`, which
;; already accessed the memory (so a length could be cached) and spins on
;; the flag without a call, then stores into the new page: it must see
;; the new length (an access to a grown page must not trap). Exits with
;; the byte it stored and read back, 5.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 2 shared))
  (func (export "wasi_thread_start") (param i32 i32)
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (i32.atomic.store (i32.const 0) (i32.const 1)))
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    (i32.store (i32.const 4) (i32.const 9))
    (loop $spin
      (br_if $spin (i32.eqz (i32.atomic.load (i32.const 0)))))
    (i32.store8 (i32.const 65536) (i32.const 5))
    (call $exit (i32.load8_u (i32.const 65536))))
)
