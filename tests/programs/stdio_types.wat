;; Asks fd_fdstat_get and fd_filestat_get about fds 0, 1 and 2 and prints
;; one line per fd: "<fd> <fdstat filetype> <filestat filetype> <r><w>"
;; where r/w are 1 when the fd has the fd_read/fd_write right, then the
;; errno of fd_fdstat_get on fd 7 and of fd_fdstat_set_flags(1, append)
;; and (1, nonblock): "7:8 append:0 nonblock:58".
(module
  (import "wasi_snapshot_preview1" "fd_fdstat_get"
    (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get"
    (func $filestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags"
    (func $set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  ;; 0: fdstat (24); 32: filestat (64); 128: iovec; 136: written;
  ;; 256: the line being built
  (data (i32.const 300) " append: nonblock:")
  (func $put (param $ptr i32) (param $len i32)
    (i32.store (i32.const 128) (local.get $ptr))
    (i32.store (i32.const 132) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 136))))
  (func $digit (param $at i32) (param $value i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (local.get $value))))
  (func $errno (param $at i32) (param $value i32)
    (call $digit (local.get $at) (i32.div_u (local.get $value) (i32.const 10)))
    (call $digit (i32.add (local.get $at) (i32.const 1)) (i32.rem_u (local.get $value) (i32.const 10))))
  (func (export "_start")
    (local $fd i32) (local $rights i64)
    (loop $each
      (drop (call $fdstat (local.get $fd) (i32.const 0)))
      (drop (call $filestat (local.get $fd) (i32.const 32)))
      (local.set $rights (i64.load (i32.const 8)))
      (call $digit (i32.const 256) (local.get $fd))
      (i32.store8 (i32.const 257) (i32.const 32))
      (call $digit (i32.const 258) (i32.load8_u (i32.const 0)))
      (i32.store8 (i32.const 259) (i32.const 32))
      (call $digit (i32.const 260) (i32.load8_u (i32.const 48)))
      (i32.store8 (i32.const 261) (i32.const 32))
      (call $digit (i32.const 262)
        (i32.wrap_i64 (i64.and (i64.shr_u (local.get $rights) (i64.const 1)) (i64.const 1))))
      (call $digit (i32.const 263)
        (i32.wrap_i64 (i64.and (i64.shr_u (local.get $rights) (i64.const 6)) (i64.const 1))))
      (i32.store8 (i32.const 264) (i32.const 10))
      (call $put (i32.const 256) (i32.const 9))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $fd) (i32.const 3))))
    ;; "7:EE append:EE nonblock:EE\n"
    (i32.store16 (i32.const 256) (i32.const 0x3a37)) ;; "7:"
    (call $errno (i32.const 258) (call $fdstat (i32.const 7) (i32.const 0)))
    (call $put (i32.const 256) (i32.const 4))
    (call $put (i32.const 300) (i32.const 8))
    (call $errno (i32.const 256) (call $set_flags (i32.const 1) (i32.const 1)))
    (call $put (i32.const 256) (i32.const 2))
    (call $put (i32.const 308) (i32.const 10))
    (call $errno (i32.const 256) (call $set_flags (i32.const 1) (i32.const 4)))
    (i32.store8 (i32.const 258) (i32.const 10))
    (call $put (i32.const 256) (i32.const 3))))
