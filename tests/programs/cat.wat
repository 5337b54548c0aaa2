;; Copies stdin to stdout until end of file, then writes the number of
;; bytes copied to stderr ("copied N bytes\n") and exits with 3. The
;; console tests check the two streams and the exit code apart.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: iovec {buf, len}; 8: count out; 16, 32: stderr text; 64: digits;
  ;; 1024: buffer
  (data (i32.const 16) "copied ")
  (data (i32.const 32) " bytes\n")
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Writes `n` in decimal at 64.. and returns its length.
  (func $decimal (param $n i32) (result i32)
    (local $len i32) (local $i i32) (local $t i32)
    (local.set $t (local.get $n))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count (local.get $t)))
    (local.set $i (local.get $len))
    (loop $digits
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (i32.const 64) (local.get $i))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $i)))
    (local.get $len))
  (func (export "_start")
    (local $n i32) (local $total i32) (local $len i32)
    (block $eof
      (loop $copy
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (call $write (i32.const 1) (i32.const 1024) (local.get $n))
        (br $copy)))
    (call $write (i32.const 2) (i32.const 16) (i32.const 7))
    (local.set $len (call $decimal (local.get $total)))
    (call $write (i32.const 2) (i32.const 64) (local.get $len))
    (call $write (i32.const 2) (i32.const 32) (i32.const 7))
    (call $proc_exit (i32.const 3))))
