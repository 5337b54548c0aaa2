;; Atomic accesses at the edges: alignment of the effective address
;; (address + offset), bounds at the last word and past 2^32, which trap
;; wins when both apply, narrow read-modify-writes (zero-extended results,
;; wrap-around confined to their bytes), narrow cmpxchg comparing the
;; wrapped expected value (WebAssembly/threads#195), and a shared memory
;; that grows. Expected values are worked out by hand in the comments.

(module
  (memory 1 2 shared)
  (func (export "load32") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "load32_off3") (param i32) (result i32) (i32.atomic.load offset=3 (local.get 0)))
  (func (export "load16_off1") (param i32) (result i32) (i32.atomic.load16_u offset=1 (local.get 0)))
  (func (export "load64_off4") (param i32) (result i64) (i64.atomic.load offset=4 (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "load32_offmax") (param i32) (result i32)
    (i32.atomic.load offset=0xfffffffc (local.get 0)))
  (func (export "store32") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "store8_64") (param i32 i64) (i64.atomic.store8 (local.get 0) (local.get 1)))
  (func (export "rmw8_add") (param i32 i32) (result i32) (i32.atomic.rmw8.add_u (local.get 0) (local.get 1)))
  (func (export "rmw16_sub") (param i32 i32) (result i32) (i32.atomic.rmw16.sub_u (local.get 0) (local.get 1)))
  (func (export "rmw32_sub64") (param i32 i64) (result i64) (i64.atomic.rmw32.sub_u (local.get 0) (local.get 1)))
  (func (export "rmw8_and64") (param i32 i64) (result i64) (i64.atomic.rmw8.and_u (local.get 0) (local.get 1)))
  (func (export "rmw16_or") (param i32 i32) (result i32) (i32.atomic.rmw16.or_u (local.get 0) (local.get 1)))
  (func (export "rmw_xor64") (param i32 i64) (result i64) (i64.atomic.rmw.xor (local.get 0) (local.get 1)))
  (func (export "rmw8_xchg") (param i32 i32) (result i32) (i32.atomic.rmw8.xchg_u (local.get 0) (local.get 1)))
  (func (export "cas8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cas16_64") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw16.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cas32_64") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw32.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cas64") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cas32_wrapped") (param i32 i64 i32) (result i32)
    (i32.atomic.rmw.cmpxchg (local.get 0) (i32.wrap_i64 (local.get 1)) (local.get 2)))
  (func (export "fence") (atomic.fence))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)

;; Alignment is of address + offset: 1 + 3 = 4 is aligned, 0 + 3 is not.
(invoke "store32" (i32.const 4) (i32.const 0x44332211))
(assert_return (invoke "load32_off3" (i32.const 1)) (i32.const 0x44332211))
(assert_trap (invoke "load32_off3" (i32.const 0)) "unaligned atomic")
(assert_return (invoke "load16_off1" (i32.const 5)) (i32.const 0x4433))
(assert_trap (invoke "load16_off1" (i32.const 4)) "unaligned atomic")
(assert_trap (invoke "load64_off4" (i32.const 0)) "unaligned atomic")
(assert_return (invoke "load64_off4" (i32.const 4)) (i64.const 0))
;; Bytes are never misaligned.
(assert_return (invoke "load8" (i32.const 7)) (i32.const 0x44))

;; Bounds: the last aligned word of the 1-page memory (65536 bytes) is in,
;; the next one is out; an address whose offset sum passes 2^32 (aligned:
;; 4 + 0xfffffffc = 2^32) is out, never wrapped to 0.
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0))
(assert_trap (invoke "load64" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load32_offmax" (i32.const 4)) "out of bounds memory access")
(assert_trap (invoke "load32" (i32.const 0xfffffffc)) "out of bounds memory access")
;; Unaligned and out of bounds: the alignment test comes first.
(assert_trap (invoke "load32" (i32.const 65537)) "unaligned atomic")

;; A trapping RMW leaves memory unchanged.
(invoke "store32" (i32.const 8) (i32.const 7))
(assert_trap (invoke "rmw16_sub" (i32.const 9) (i32.const 1)) "unaligned atomic")
(assert_return (invoke "load32" (i32.const 8)) (i32.const 7))

;; Narrow RMWs: 0xff + 2 wraps to 0x01 in its byte, the neighbours keep
;; their values, the result is the old byte zero-extended.
(invoke "store64" (i32.const 16) (i64.const 0x00000000_0000ff00))
(assert_return (invoke "rmw8_add" (i32.const 17) (i32.const 2)) (i32.const 0xff))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x00000000_00000100))
;; 0x0000 - 1 = 0xffff in its 16 bits; the operand's high bits are ignored.
(assert_return (invoke "rmw16_sub" (i32.const 18) (i32.const 0x70001)) (i32.const 0))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x00000000_ffff0100))
;; 32-bit sub in an i64: 0xffff0100 - 0x100000101 wraps to 0xfffeffff.
(assert_return (invoke "rmw32_sub64" (i32.const 16) (i64.const 0x1_0000_0101))
  (i64.const 0xffff0100))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x00000000_fffeffff))
(assert_return (invoke "rmw8_and64" (i32.const 16) (i64.const 0xffffff0f)) (i64.const 0xff))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x00000000_fffeff0f))
(assert_return (invoke "rmw16_or" (i32.const 20) (i32.const 0x8001)) (i32.const 0))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x00008001_fffeff0f))
(assert_return (invoke "rmw_xor64" (i32.const 16) (i64.const -1)) (i64.const 0x00008001_fffeff0f))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0xffff7ffe_000100f0))
(assert_return (invoke "rmw8_xchg" (i32.const 23) (i32.const 0x1234)) (i32.const 0xff))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x34ff7ffe_000100f0))
;; A narrow atomic store writes only its byte.
(invoke "store8_64" (i32.const 16) (i64.const 0x1122334455667788))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x34ff7ffe_00010088))

;; Narrow cmpxchg compares the wrapped expected value: 0x1f0 wraps to
;; 0xf0, which matches byte 0xf0 and is replaced by 0xab (0x3ab wrapped).
(invoke "store32" (i32.const 32) (i32.const 0x000000f0))
(assert_return (invoke "cas8" (i32.const 32) (i32.const 0x1f0) (i32.const 0x3ab)) (i32.const 0xf0))
(assert_return (invoke "load32" (i32.const 32)) (i32.const 0xab))
;; A mismatch stores nothing and returns the old value.
(assert_return (invoke "cas8" (i32.const 32) (i32.const 0xf0) (i32.const 0x11)) (i32.const 0xab))
(assert_return (invoke "load32" (i32.const 32)) (i32.const 0xab))
(assert_return (invoke "cas32_64" (i32.const 32) (i64.const 0x7_0000_00ab) (i64.const 0x9_8765_4321))
  (i64.const 0xab))
(assert_return (invoke "load32" (i32.const 32)) (i32.const 0x87654321))
(assert_return (invoke "cas64" (i32.const 32) (i64.const 0x87654321) (i64.const -2)) (i64.const 0x87654321))
(assert_return (invoke "load64" (i32.const 32)) (i64.const -2))
(assert_return (invoke "cas64" (i32.const 32) (i64.const 0xfffffffe) (i64.const 0)) (i64.const -2))
(assert_return (invoke "load64" (i32.const 32)) (i64.const -2))
;; Narrow cmpxchg inside a word (riscv64 swaps the whole aligned word):
;; only the addressed byte or half changes, the others keep their values.
(invoke "store32" (i32.const 48) (i32.const 0x44332211))
(assert_return (invoke "cas8" (i32.const 50) (i32.const 0x33) (i32.const 0xee)) (i32.const 0x33))
(assert_return (invoke "load32" (i32.const 48)) (i32.const 0x44ee2211))
(assert_return (invoke "cas8" (i32.const 51) (i32.const 0x45) (i32.const 0)) (i32.const 0x44))
(assert_return (invoke "load32" (i32.const 48)) (i32.const 0x44ee2211))
(assert_return (invoke "cas16_64" (i32.const 50) (i64.const 0xffff44ee) (i64.const 0x51234)) (i64.const 0x44ee))
(assert_return (invoke "load32" (i32.const 48)) (i32.const 0x12342211))
(assert_return (invoke "cas16_64" (i32.const 48) (i64.const 0x2212) (i64.const 0)) (i64.const 0x2211))
(assert_return (invoke "load32" (i32.const 48)) (i32.const 0x12342211))
(assert_return (invoke "cas8" (i32.const 48) (i32.const 0x11) (i32.const 0x99)) (i32.const 0x11))
(assert_return (invoke "load32" (i32.const 48)) (i32.const 0x12342299))

;; An i32 expected value made by i32.wrap_i64 compares its 32 bits only
;; (on aarch64 the register's upper half still holds the i64's).
(invoke "store32" (i32.const 40) (i32.const 5))
(assert_return (invoke "cas32_wrapped" (i32.const 40) (i64.const 0x1_0000_0005) (i32.const 9)) (i32.const 5))
(assert_return (invoke "load32" (i32.const 40)) (i32.const 9))
(assert_return (invoke "cas32_wrapped" (i32.const 40) (i64.const 0x1_0000_0005) (i32.const 1)) (i32.const 9))
(assert_return (invoke "load32" (i32.const 40)) (i32.const 9))
(assert_return (invoke "fence"))

;; A shared memory grows like any other: the second page becomes usable.
(assert_trap (invoke "load32" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(invoke "store32" (i32.const 131068) (i32.const 5))
(assert_return (invoke "rmw8_add" (i32.const 131068) (i32.const 1)) (i32.const 5))
(assert_return (invoke "load32" (i32.const 131068)) (i32.const 6))
(assert_trap (invoke "load32" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
