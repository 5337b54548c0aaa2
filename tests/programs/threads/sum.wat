;; wasi-threads without a toolchain: `_start` spawns three threads with
;; start arguments 1, 20 and 100; each adds its argument to a shared
;; counter, counts itself finished and notifies; `_start` waits (no
;; timeout) until all three finished and exits with the counter:
;; 1 + 20 + 100 = 121. Thread ids must be positive and distinct.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  ;; 0: counter, 4: threads finished, 16..: each thread's tid, by argument.
  (import "env" "memory" (memory 1 1 shared))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.atomic.store (i32.add (i32.const 16) (i32.shl (i32.eq (local.get $arg) (i32.const 20)) (i32.const 2)))
      (local.get $tid))
    (drop (i32.atomic.rmw.add (i32.const 0) (local.get $arg)))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))

  (func $spawn_checked (param $arg i32) (result i32)
    (local $tid i32)
    (local.set $tid (call $spawn (local.get $arg)))
    (if (i32.le_s (local.get $tid) (i32.const 0)) (then unreachable))
    (local.get $tid))

  (func (export "_start")
    (local $seen i32) (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (call $spawn_checked (i32.const 1)))
    (local.set $b (call $spawn_checked (i32.const 20)))
    (local.set $c (call $spawn_checked (i32.const 100)))
    (if (i32.or (i32.eq (local.get $a) (local.get $b))
          (i32.or (i32.eq (local.get $b) (local.get $c)) (i32.eq (local.get $a) (local.get $c))))
      (then unreachable))
    (block $done
      (loop $wait
        (local.set $seen (i32.atomic.load (i32.const 4)))
        (br_if $done (i32.eq (local.get $seen) (i32.const 3)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $seen) (i64.const -1)))
        (br $wait)))
    ;; The thread with argument 20 saw the id its spawn returned.
    (if (i32.ne (i32.atomic.load (i32.const 20)) (local.get $b)) (then unreachable))
    (call $exit (i32.atomic.load (i32.const 0))))
)
