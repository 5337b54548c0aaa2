;; What AssemblyScript's `asc` emits for `abort("boom", "assembly/index.ts")`
;; on line 7, column 3: strings are UTF-16LE, their byte length in the u32
;; before them. Prints "before\n" first, so the test can see that stdout
;; up to the abort survives.
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 28) "\08\00\00\00b\00o\00o\00m\00")
  (data (i32.const 60) "\22\00\00\00a\00s\00s\00e\00m\00b\00l\00y\00/\00i\00n\00d\00e\00x\00.\00t\00s\00")
  (data (i32.const 200) "before\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $abort (i32.const 32) (i32.const 64) (i32.const 7) (i32.const 3))))
