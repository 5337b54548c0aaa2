;; Custom page sizes (phase 3 proposal): a memory's page size is 1 byte or
;; 64 KiB. memory.size and memory.grow count pages of that size, and the
;; bounds are exact to the byte in both bounds-check modes: with 1-byte
;; pages an access one byte past the end traps even though it lies in the
;; same OS page (guard mode checks such memories explicitly).

(module $bytes
  (memory (export "mem") 3000 (pagesize 1))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))))

(assert_return (invoke "size") (i32.const 3000))
(assert_return (invoke "store8" (i32.const 2999) (i32.const 0x5a)))
(assert_return (invoke "load8" (i32.const 2999)) (i32.const 0x5a))
(assert_trap (invoke "load8" (i32.const 3000)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 3000) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 4095)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 2996)) (i32.const 0x5a00_0000))
(assert_trap (invoke "load32" (i32.const 2997)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 2990) (i32.const 1) (i32.const 11)) "out of bounds memory access")
(assert_return (invoke "fill" (i32.const 2990) (i32.const 1) (i32.const 10)))
(assert_return (invoke "load8" (i32.const 2999)) (i32.const 1))

;; Growing by one page adds one byte, zeroed.
(assert_return (invoke "grow" (i32.const 1)) (i32.const 3000))
(assert_return (invoke "size") (i32.const 3001))
(assert_return (invoke "load8" (i32.const 3000)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 3001)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3001))

;; With a maximum, in 1-byte pages.
(module
  (memory 10 20 (pagesize 1))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "grow" (i32.const 11)) (i32.const -1))
(assert_return (invoke "size") (i32.const 10))
(assert_return (invoke "grow" (i32.const 10)) (i32.const 10))
(assert_return (invoke "size") (i32.const 20))
(assert_return (invoke "load8" (i32.const 19)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 20)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))

;; A page size of 65536 spelled out is the ordinary page.
(module
  (memory 1 (pagesize 65536))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 65536)) "out of bounds memory access")

;; Data segments are bounded by the byte length too.
(module
  (memory 3000 (pagesize 1))
  (data (i32.const 2998) "ab")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "load8" (i32.const 2999)) (i32.const 0x62))
(assert_trap
  (module (memory 3000 (pagesize 1)) (data (i32.const 2999) "ab"))
  "out of bounds memory access")

;; A 64-bit memory of 1-byte pages.
(module
  (memory i64 100 (pagesize 1))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "size") (i64.const 100))
(assert_return (invoke "load8" (i64.const 99)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 100)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 28)) (i64.const 100))
(assert_return (invoke "load8" (i64.const 127)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 128)) "out of bounds memory access")

;; Imports must name the same page size as the export.
(register "bytes" $bytes)
(module $importer
  (memory (import "bytes" "mem") 3000 (pagesize 1))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke $importer "load8" (i32.const 2999)) (i32.const 1))
(assert_trap (invoke $importer "load8" (i32.const 3001)) "out of bounds memory access")
(assert_unlinkable
  (module (memory (import "bytes" "mem") 0))
  "incompatible import type")

;; Only 1 and 65536 are page sizes.
(assert_invalid (module (memory 1 (pagesize 4096))) "invalid custom page size")
(assert_invalid (module (memory 1 (pagesize 2))) "invalid custom page size")
