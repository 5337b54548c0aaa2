;; Waits for stdin with poll_oneoff: subscriptions are a 200 ms monotonic
;; clock (userdata 1) and fd_read on stdin (userdata 2), polled again after
;; each event. Prints one line per event:
;;   "clock"          the 200 ms passed with no input
;;   "got:<bytes>"    stdin readable with nbytes > 0: one fd_read's bytes
;;   "end"            stdin readable with nbytes 0 and the hangup flag
;;                    (exit 0)
;; Exits 2 if poll_oneoff fails, 3 for an event with an error, 4 for a
;; readable stdin with nbytes 0 and no hangup, 5 after 300 clock events.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  ;; 0, 48: the two subscriptions; 256: two events; 400: nevents;
  ;; 408: iovec; 416: count; 448: texts; 512: read buffer (256 bytes)
  (data (i32.const 448) "clock\n")
  (data (i32.const 456) "got:")
  (data (i32.const 464) "end\n")
  (func $print (param $at i32) (param $len i32)
    (i32.store (i32.const 408) (local.get $at))
    (i32.store (i32.const 412) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 408) (i32.const 1) (i32.const 416))))
  (func $event (param $at i32)
    (local $nbytes i64) (local $nread i32)
    (if (i32.load16_u (i32.add (local.get $at) (i32.const 8)))
      (then (call $exit (i32.const 3))))
    (if (i32.eqz (i32.load8_u (i32.add (local.get $at) (i32.const 10))))
      (then (call $print (i32.const 448) (i32.const 6)) (return)))
    (local.set $nbytes (i64.load (i32.add (local.get $at) (i32.const 16))))
    (if (i64.ne (local.get $nbytes) (i64.const 0))
      (then
        (i32.store (i32.const 408) (i32.const 512))
        (i32.store (i32.const 412) (i32.const 256))
        (if (call $fd_read (i32.const 0) (i32.const 408) (i32.const 1) (i32.const 416))
          (then (call $exit (i32.const 3))))
        (local.set $nread (i32.load (i32.const 416)))
        (call $print (i32.const 456) (i32.const 4))
        (call $print (i32.const 512) (local.get $nread))
        (return)))
    (if (i32.and (i32.load16_u (i32.add (local.get $at) (i32.const 24))) (i32.const 1))
      (then
        (call $print (i32.const 464) (i32.const 4))
        (call $exit (i32.const 0))))
    (call $exit (i32.const 4)))
  (func (export "_start")
    (local $clocks i32) (local $i i32)
    ;; subscription 0: userdata 1, clock, monotonic (1), 200 ms relative
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 200000000))
    ;; subscription 1: userdata 2, fd_read on fd 0
    (i64.store (i32.const 48) (i64.const 2))
    (i32.store8 (i32.const 56) (i32.const 1))
    (i32.store (i32.const 64) (i32.const 0))
    (loop $wait
      (if (call $poll (i32.const 0) (i32.const 256) (i32.const 2) (i32.const 400))
        (then (call $exit (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $done
        (loop $each
          (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 400))))
          (if (i32.eqz (i32.load8_u (i32.add (i32.const 266) (i32.mul (local.get $i) (i32.const 32)))))
            (then (local.set $clocks (i32.add (local.get $clocks) (i32.const 1)))))
          (call $event (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 32))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $each)))
      (if (i32.ge_u (local.get $clocks) (i32.const 300))
        (then (call $exit (i32.const 5))))
      (br $wait))))
