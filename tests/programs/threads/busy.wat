;; Cores as a resource (bare-metal boards, one thread per core): `_start`
;; spawns threads that each wait on word 0 until `thread-spawn` fails,
;; which must be a negative result (wasi-threads), not 0 and not a hang;
;; then it releases them (store + notify all), waits until all of them
;; counted themselves done at word 4, and spawns once more: the freed
;; cores must start threads again (that thread stores 42 at word 8).
;; A thread that counted itself done may not have left its core yet (the
;; runtime frees the core when `wasi_thread_start` returns; under QEMU a
;; core can stall there for a while), so that last spawn is retried, 1 ms
;; apart, for up to a second.
;; Exit code: the number of threads that ran at once, plus 100 when the
;; last spawn worked. Gives up (unreachable) after 64 spawns, so a board
;; without a limit does not spawn forever.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (if (i32.eq (local.get $arg) (i32.const 2))
      (then
        (i32.atomic.store (i32.const 8) (i32.const 42))
        (drop (memory.atomic.notify (i32.const 8) (i32.const 1)))
        (return)))
    (loop $hold
      (if (i32.eqz (i32.atomic.load (i32.const 0)))
        (then
          (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
          (br $hold))))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))

  ;; Waits until the word at $addr holds $want.
  (func $await (param $addr i32) (param $want i32)
    (local $seen i32)
    (block $done
      (loop $wait
        (local.set $seen (i32.atomic.load (local.get $addr)))
        (br_if $done (i32.eq (local.get $seen) (local.get $want)))
        (drop (memory.atomic.wait32 (local.get $addr) (local.get $seen) (i64.const -1)))
        (br $wait))))

  (func (export "_start")
    (local $n i32) (local $r i32) (local $tries i32)
    (block $full
      (loop $more
        (local.set $r (call $spawn (i32.const 1)))
        (br_if $full (i32.lt_s (local.get $r) (i32.const 0)))
        (if (i32.eqz (local.get $r)) (then unreachable))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (if (i32.ge_u (local.get $n) (i32.const 64)) (then unreachable))
        (br $more)))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const -1)))
    (call $await (i32.const 4) (local.get $n))
    (block $gave_up
      (loop $retry
        (if (i32.gt_s (call $spawn (i32.const 2)) (i32.const 0))
          (then
            (call $await (i32.const 8) (i32.const 42))
            (local.set $n (i32.add (local.get $n) (i32.const 100)))
            (br $gave_up)))
        (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
        (br_if $gave_up (i32.ge_u (local.get $tries) (i32.const 1000)))
        ;; Word 12 is never notified: a 1 ms pause.
        (drop (memory.atomic.wait32 (i32.const 12) (i32.const 0) (i64.const 1000000)))
        (br $retry)))
    (call $exit (local.get $n)))
)
