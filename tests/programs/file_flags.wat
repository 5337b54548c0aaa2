;; poll_oneoff and fd_fdstat_set_flags on a file: opens "f.txt" (10 bytes)
;; read-only in preopen fd 3, then prints one line per step:
;;   poll <errno> <nbytes>     fd_read subscription on the file
;;   read <n>                  fd_read of 4 bytes
;;   poll <errno> <nbytes>     again: the bytes left after the position
;;   append <errno> <flags>    set_flags(append), then fdstat_get's flags
;;   none <errno> <flags>      set_flags(0), then fdstat_get's flags
;;   nonblock <errno>          set_flags(nonblock)
;; Exits 1 if the file cannot be opened.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get"
    (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags"
    (func $set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  ;; 0: subscription; 64: event; 100: nevents; 104: opened fd;
  ;; 108: iovec; 116: count; 128: fdstat; 160: line; 256: texts;
  ;; 512: read buffer
  (data (i32.const 256) "f.txt")
  (data (i32.const 264) "poll ")
  (data (i32.const 272) "read ")
  (data (i32.const 280) "append ")
  (data (i32.const 288) "none ")
  (data (i32.const 296) "nonblock ")
  (global $len (mut i32) (i32.const 0))
  (func $put (param $at i32) (param $n i32)
    (memory.copy (i32.add (i32.const 160) (global.get $len)) (local.get $at) (local.get $n))
    (global.set $len (i32.add (global.get $len) (local.get $n))))
  (func $char (param $c i32)
    (i32.store8 (i32.add (i32.const 160) (global.get $len)) (local.get $c))
    (global.set $len (i32.add (global.get $len) (i32.const 1))))
  ;; decimal, with a space before it
  (func $dec (param $v i64)
    (local $div i64)
    (call $char (i32.const 32))
    (local.set $div (i64.const 1))
    (block $top
      (loop $up
        (br_if $top (i64.lt_u (i64.div_u (local.get $v) (local.get $div)) (i64.const 10)))
        (local.set $div (i64.mul (local.get $div) (i64.const 10)))
        (br $up)))
    (loop $digits
      (call $char (i32.add (i32.const 48)
        (i32.wrap_i64 (i64.rem_u (i64.div_u (local.get $v) (local.get $div)) (i64.const 10)))))
      (local.set $div (i64.div_u (local.get $div) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $div) (i64.const 0)))))
  (func $line
    (call $char (i32.const 10))
    (i32.store (i32.const 108) (i32.const 160))
    (i32.store (i32.const 112) (global.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 108) (i32.const 1) (i32.const 116)))
    (global.set $len (i32.const 0)))
  (func $poll_file (param $fd i32)
    (local $errno i32)
    (i64.store (i32.const 0) (i64.const 7))
    (i32.store8 (i32.const 8) (i32.const 1))
    (i32.store (i32.const 16) (local.get $fd))
    (local.set $errno (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 100)))
    (if (i32.eqz (local.get $errno))
      (then (local.set $errno (i32.load16_u (i32.const 72)))))
    (call $put (i32.const 264) (i32.const 4))
    (call $dec (i64.extend_i32_u (local.get $errno)))
    (call $dec (i64.load (i32.const 80)))
    (call $line))
  (func $flags (param $fd i32) (param $flags i32) (param $text i32) (param $text_len i32)
    (call $put (local.get $text) (local.get $text_len))
    (call $dec (i64.extend_i32_u (call $set_flags (local.get $fd) (local.get $flags))))
    (drop (call $fdstat (local.get $fd) (i32.const 128)))
    (call $dec (i64.load16_u (i32.const 130)))
    (call $line))
  (func (export "_start")
    (local $fd i32)
    ;; rights: fd_read, fd_seek, fd_fdstat_set_flags, fd_tell,
    ;; poll_fd_readwrite (a read-only tree grants no more)
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 0)
          (i64.const 0x800002e) (i64.const 0) (i32.const 0) (i32.const 104))
      (then (call $exit (i32.const 1))))
    (local.set $fd (i32.load (i32.const 104)))
    (call $poll_file (local.get $fd))
    (i32.store (i32.const 108) (i32.const 512))
    (i32.store (i32.const 112) (i32.const 4))
    (drop (call $fd_read (local.get $fd) (i32.const 108) (i32.const 1) (i32.const 116)))
    (call $put (i32.const 272) (i32.const 4))
    (call $dec (i64.extend_i32_u (i32.load (i32.const 116))))
    (call $line)
    (call $poll_file (local.get $fd))
    (call $flags (local.get $fd) (i32.const 1) (i32.const 280) (i32.const 6))
    (call $flags (local.get $fd) (i32.const 0) (i32.const 288) (i32.const 4))
    (call $put (i32.const 296) (i32.const 8))
    (call $dec (i64.extend_i32_u (call $set_flags (local.get $fd) (i32.const 4))))
    (call $line)))
