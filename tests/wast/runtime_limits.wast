;; Runtime limits on every target: a table without a maximum stops at the
;; image's --max-table-elements (the harness builds with the default, 2^20),
;; and WASI calls given a bad pointer return EFAULT (21) before any effect.

(module
  (table $t 0 funcref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size $t)))

;; Past the cap: the spec's failed grow, and nothing changed.
(assert_return (invoke "grow" (i32.const 1048577)) (i32.const -1))
(assert_return (invoke "size") (i32.const 0))
;; Up to the cap, then not one more.
(assert_return (invoke "grow" (i32.const 1048575)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1048575))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 1048576))

;; A declared maximum below the cap still rules.
(module
  (table $t 1 5 funcref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0))))
(assert_return (invoke "grow" (i32.const 4)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))

;; WASI: memory holds iovec 0 = "leak\n" at 16, and a sentinel 0x11111111
;; at 0x100 that a partial write would overwrite. Writes go to fd 2: on
;; boards that is the console the harness talks over, so a stray byte
;; would also break the conversation.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\10\00\00\00\05\00\00\00\ff\ff\0f\00\05\00\00\00")
  (data (i32.const 16) "leak\n")
  (data (i32.const 0x100) "\11\11\11\11\11\11\11\11")
  (func (export "huge_iovec_count") (result i32)
    (call $write (i32.const 2) (i32.const 0) (i32.const 0x20000000) (i32.const 0x200)))
  (func (export "bad_second_iovec") (result i32)
    (call $write (i32.const 2) (i32.const 0) (i32.const 2) (i32.const 0x200)))
  (func (export "bad_nwritten") (result i32)
    (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 0xfffd)))
  (func (export "bad_args_buffer") (result i32)
    (call $args (i32.const 0x100) (i32.const 0xffff)))
  (func (export "bad_env_size_pointer") (result i32)
    (call $env_sizes (i32.const 0x100) (i32.const 0xfffe)))
  (func (export "bad_clock_pointer") (result i32)
    (call $clock (i32.const 1) (i64.const 1) (i32.const 0xfffc)))
  (func (export "sentinel") (result i32) (i32.load (i32.const 0x100))))

(assert_return (invoke "huge_iovec_count") (i32.const 21))
(assert_return (invoke "bad_second_iovec") (i32.const 21))
(assert_return (invoke "bad_nwritten") (i32.const 21))
(assert_return (invoke "bad_args_buffer") (i32.const 21))
(assert_return (invoke "sentinel") (i32.const 0x11111111))
(assert_return (invoke "bad_env_size_pointer") (i32.const 21))
(assert_return (invoke "sentinel") (i32.const 0x11111111))
(assert_return (invoke "bad_clock_pointer") (i32.const 21))
