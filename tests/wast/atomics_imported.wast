;; Atomics through an imported shared memory: another module's (by name)
;; and the spec host's `spectest.shared_memory`. Both instances see every
;; update; the importer's bounds are the exporter's memory's.

(module $owner
  (memory (export "mem") 1 2 shared)
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(register "owner" $owner)

(module $user
  (import "owner" "mem" (memory 1 2 shared))
  (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "cas16") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw16.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "size") (result i32) (memory.size))
)

(assert_return (invoke $user "add" (i32.const 100) (i32.const 5)) (i32.const 0))
(assert_return (invoke $user "add" (i32.const 100) (i32.const 7)) (i32.const 5))
(assert_return (invoke $owner "load" (i32.const 100)) (i32.const 12))
(assert_return (invoke $user "cas16" (i32.const 102) (i32.const 0) (i32.const 0xbeef)) (i32.const 0))
(assert_return (invoke $owner "load" (i32.const 100)) (i32.const 0xbeef000c))
;; The exporter grows the memory: the importer's next access sees it.
(assert_trap (invoke $user "add" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke $user "size") (i32.const 2))
(assert_return (invoke $user "add" (i32.const 65536) (i32.const 1)) (i32.const 0))
(assert_return (invoke $owner "load" (i32.const 65536)) (i32.const 1))
(assert_trap (invoke $user "add" (i32.const 131072) (i32.const 1)) "out of bounds memory access")

(module $host_user
  (import "spectest" "shared_memory" (memory 1 2 shared))
  (func (export "xchg") (param i32 i64) (result i64) (i64.atomic.rmw.xchg (local.get 0) (local.get 1)))
  (func (export "notify") (param i32) (result i32) (memory.atomic.notify (local.get 0) (i32.const 1)))
)
(assert_return (invoke $host_user "xchg" (i32.const 8) (i64.const 0x1122334455667788)) (i64.const 0))
(assert_return (invoke $host_user "xchg" (i32.const 8) (i64.const 3)) (i64.const 0x1122334455667788))
(assert_trap (invoke $host_user "xchg" (i32.const 12) (i64.const 3)) "unaligned atomic")
(assert_return (invoke $host_user "notify" (i32.const 8)) (i32.const 0))
