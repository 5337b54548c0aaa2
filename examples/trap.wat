;; A WASI command that traps: `wafer run examples/trap.wat` prints a line,
;; then reads past the end of its memory. wafer stops it with
;; `trap: out of bounds memory access` and the Wasm location on stderr,
;; and exits with 134. Its memory cannot grow, so the bounds check
;; compares against a constant.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1 1)
  (data (i32.const 16) "reading past the end of memory\n")
  (func $read (export "read") (param $addr i32) (result i32)
    (i32.load (local.get $addr)))
  (func (export "_start")
    ;; one iovec at address 0: { base = 16, len = 31 }
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; the last four bytes are fine; one byte further is not
    (drop (call $read (i32.const 65532)))
    (drop (call $read (i32.const 65533)))))
