;; Prints its WASI environment, one KEY=VALUE per line (bake variables into
;; an image with `--env KEY=VALUE`).
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  ;; 0: count, 4: buffer size, 16: iovec, 32: pointers, 1024: strings
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func (export "_start") (local $i i32) (local $s i32) (local $len i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 32) (i32.const 1024)))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (local.set $s (i32.load (i32.add (i32.const 32) (i32.shl (local.get $i) (i32.const 2)))))
      ;; turn the NUL into a newline and write the string with it
      (local.set $len (call $strlen (local.get $s)))
      (i32.store8 (i32.add (local.get $s) (local.get $len)) (i32.const 10))
      (i32.store (i32.const 16) (local.get $s))
      (i32.store (i32.const 20) (i32.add (local.get $len) (i32.const 1)))
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))))
