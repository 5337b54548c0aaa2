;; Atomicity under contention: four threads each increment five counters
;; 20 000 times, through a different atomic form each, while `_start`
;; waits for them; the exit code names the first counter that lost an
;; update (0: none). With 80 000 increments in all:
;;   0: i32.atomic.rmw.add                         -> 80 000
;;   8: i32.atomic.rmw16.add_u (wraps at 2^16)     -> 80 000 - 65 536 = 14 464
;;  16: i64.atomic.rmw.add                         -> 80 000
;;  24: i64.atomic.rmw32.cmpxchg_u retry loop whose expected value carries
;;      high bits (wrapped before comparing)       -> 80 000
;;  32: i32.atomic.rmw8.cmpxchg_u retry loop (wraps at 2^8)
;;                                                 -> 80 000 mod 256 = 128
;;  40: threads finished
;; (On a board with fewer than five cores the last threads start as the
;; first ones end.)
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))

  (func $increment_cas32 (local $old i64)
    (loop $retry
      (local.set $old (i64.atomic.load32_u (i32.const 24)))
      (br_if $retry
        (i64.ne
          (i64.atomic.rmw32.cmpxchg_u (i32.const 24)
            (i64.or (local.get $old) (i64.const 0x7_0000_0000))
            (i64.add (local.get $old) (i64.const 1)))
          (local.get $old)))))

  (func $increment_cas8 (local $old i32)
    (loop $retry
      (local.set $old (i32.atomic.load8_u (i32.const 32)))
      (br_if $retry
        (i32.ne
          (i32.atomic.rmw8.cmpxchg_u (i32.const 32) (local.get $old)
            (i32.add (local.get $old) (i32.const 1)))
          (local.get $old)))))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $i i32)
    (loop $again
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (drop (i32.atomic.rmw16.add_u (i32.const 8) (i32.const 1)))
      (drop (i64.atomic.rmw.add (i32.const 16) (i64.const 1)))
      (call $increment_cas32)
      (call $increment_cas8)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 20000))))
    (drop (i32.atomic.rmw.add (i32.const 40) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 40) (i32.const 1))))

  (func (export "_start")
    (local $n i32) (local $seen i32)
    (loop $spawn_more
      (if (i32.le_s (call $spawn (local.get $n)) (i32.const 0))
        (then
          ;; Every core busy (a bare-metal board with fewer than five
          ;; cores, one thread per core): a core frees when its thread
          ;; ends, so wait a little for one and retry. With no thread
          ;; spawned yet, a refusal is an error.
          (if (i32.eqz (local.get $n)) (then unreachable))
          (drop (memory.atomic.wait32 (i32.const 40) (i32.atomic.load (i32.const 40)) (i64.const 1000000)))
          (br $spawn_more)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $spawn_more (i32.lt_u (local.get $n) (i32.const 4))))
    (block $done
      (loop $wait
        (local.set $seen (i32.atomic.load (i32.const 40)))
        (br_if $done (i32.eq (local.get $seen) (i32.const 4)))
        (drop (memory.atomic.wait32 (i32.const 40) (local.get $seen) (i64.const -1)))
        (br $wait)))
    (if (i32.ne (i32.atomic.load (i32.const 0)) (i32.const 80000)) (then (call $exit (i32.const 1))))
    (if (i32.ne (i32.atomic.load16_u (i32.const 8)) (i32.const 14464)) (then (call $exit (i32.const 2))))
    (if (i64.ne (i64.atomic.load (i32.const 16)) (i64.const 80000)) (then (call $exit (i32.const 3))))
    (if (i32.ne (i32.atomic.load (i32.const 24)) (i32.const 80000)) (then (call $exit (i32.const 4))))
    (if (i32.ne (i32.atomic.load8_u (i32.const 32)) (i32.const 128)) (then (call $exit (i32.const 5))))
    (call $exit (i32.const 0)))
)
