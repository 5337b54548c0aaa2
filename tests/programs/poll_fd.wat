;; poll_oneoff with a 10 s clock, stdin readable, stdout writable and fd 9
;; readable, after reading stdin to its end: the standard streams are
;; reported ready at once (stdin at its end is readable) and fd 9 gets
;; EBADF, without waiting for the clock. Prints one line per event
;; ("<userdata> <type> <errno>"), in the order of the subscriptions.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  ;; 0: 4 subscriptions (48 bytes each); 256: 4 events (32 each);
  ;; 400: nevents; 408: iovec; 416: written; 424: line
  (func $subscribe (param $i i32) (param $type i32) (param $fd i32)
    (local $at i32)
    (local.set $at (i32.mul (local.get $i) (i32.const 48)))
    (i64.store (local.get $at) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (local.get $type))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (local.get $fd)))
  (func (export "_start")
    (local $i i32) (local $at i32) (local $errno i32)
    ;; stdin to its end (a read of 0 bytes), into 424..440
    (i32.store (i32.const 408) (i32.const 424))
    (i32.store (i32.const 412) (i32.const 16))
    (loop $drain
      (if (call $fd_read (i32.const 0) (i32.const 408) (i32.const 1) (i32.const 416))
        (then (call $exit (i32.const 1))))
      (br_if $drain (i32.load (i32.const 416))))
    (call $subscribe (i32.const 0) (i32.const 0) (i32.const 1)) ;; monotonic clock
    (i64.store (i32.const 24) (i64.const 10000000000))          ;; 10 s
    (call $subscribe (i32.const 1) (i32.const 1) (i32.const 0)) ;; stdin readable
    (call $subscribe (i32.const 2) (i32.const 2) (i32.const 1)) ;; stdout writable
    (call $subscribe (i32.const 3) (i32.const 1) (i32.const 9)) ;; fd 9
    (if (call $poll (i32.const 0) (i32.const 256) (i32.const 4) (i32.const 400))
      (then (call $exit (i32.const 1))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 400))))
        (local.set $at (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 32))))
        (local.set $errno (i32.load16_u (i32.add (local.get $at) (i32.const 8))))
        (i32.store8 (i32.const 424) (i32.add (i32.const 48) (i32.load8_u (local.get $at))))
        (i32.store8 (i32.const 425) (i32.const 32))
        (i32.store8 (i32.const 426)
          (i32.add (i32.const 48) (i32.load8_u (i32.add (local.get $at) (i32.const 10)))))
        (i32.store8 (i32.const 427) (i32.const 32))
        (i32.store8 (i32.const 428) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
        (i32.store8 (i32.const 429) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
        (i32.store8 (i32.const 430) (i32.const 10))
        (i32.store (i32.const 408) (i32.const 424))
        (i32.store (i32.const 412) (i32.const 7))
        (drop (call $fd_write (i32.const 1) (i32.const 408) (i32.const 1) (i32.const 416)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))))
