;; Sleeps 100 ms with a relative monotonic poll_oneoff subscription, then
;; 50 ms more to an absolute monotonic deadline, measuring both with
;; clock_time_get; prints "slept\n" and exits 0 when both waits lasted long
;; enough and each reported its one event. Exit codes: 1 poll_oneoff
;; failed, 2 wrong event, 4 the relative wait was short, 5 the absolute
;; one was.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  ;; 0: subscription (48 bytes); 64: event (32); 96: nevents; 104: time;
  ;; 128: iovec; 136: written; 144: text
  (data (i32.const 144) "slept\n")
  (func $now (result i64)
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 104)))
    (i64.load (i32.const 104)))
  ;; Waits on the one clock subscription at 0 and checks its event.
  (func $wait (param $userdata i64) (param $timeout i64) (param $flags i32)
    (i64.store (i32.const 0) (local.get $userdata))
    (i32.store8 (i32.const 8) (i32.const 0))        ;; eventtype clock
    (i32.store (i32.const 16) (i32.const 1))        ;; monotonic
    (i64.store (i32.const 24) (local.get $timeout))
    (i64.store (i32.const 32) (i64.const 0))        ;; precision
    (i32.store16 (i32.const 40) (local.get $flags))
    (if (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 96))
      (then (call $exit (i32.const 1))))
    (if (i32.or
          (i32.ne (i32.load (i32.const 96)) (i32.const 1))
          (i32.or
            (i64.ne (i64.load (i32.const 64)) (local.get $userdata))
            (i32.or (i32.load16_u (i32.const 72)) (i32.load8_u (i32.const 74)))))
      (then (call $exit (i32.const 2)))))
  (func (export "_start")
    (local $t0 i64) (local $t1 i64)
    (local.set $t0 (call $now))
    (call $wait (i64.const 0x1234) (i64.const 100000000) (i32.const 0))
    (local.set $t1 (call $now))
    (if (i64.lt_u (i64.sub (local.get $t1) (local.get $t0)) (i64.const 100000000))
      (then (call $exit (i32.const 4))))
    (call $wait (i64.const 0x5678) (i64.add (local.get $t1) (i64.const 50000000)) (i32.const 1))
    (if (i64.lt_u (i64.sub (call $now) (local.get $t1)) (i64.const 50000000))
      (then (call $exit (i32.const 5))))
    (i32.store (i32.const 128) (i32.const 144))
    (i32.store (i32.const 132) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 136)))))
