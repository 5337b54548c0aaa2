;; `(a ^ b) == 0` and `(a ^ b) != 0` compare `a` with `b` on x86_64
;; (translate/compare_forms.rs) when the `xor` has no other use; with
;; another use the `xor` stays. Both must answer "a equals b", at 32 and
;; 64 bits, as a value and as a branch, for values that differ in one bit
;; only (lowest, highest) and for equal values.

(module
  (func (export "eq32") (param i32 i32) (result i32)
    (i32.eqz (i32.xor (local.get 0) (local.get 1))))
  (func (export "ne32") (param i32 i32) (result i32)
    (i32.ne (i32.xor (local.get 0) (local.get 1)) (i32.const 0)))
  (func (export "eq64") (param i64 i64) (result i32)
    (i64.eqz (i64.xor (local.get 0) (local.get 1))))
  (func (export "ne64") (param i64 i64) (result i32)
    (i64.ne (i64.xor (local.get 0) (local.get 1)) (i64.const 0)))
  ;; As a branch: 10 when equal, 20 when not.
  (func (export "branch32") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (i32.xor (local.get 0) (local.get 1)))
      (then (i32.const 10)) (else (i32.const 20))))
  ;; The xor also returned: (a ^ b) * 2 + (a == b).
  (func (export "kept") (param i32 i32) (result i32)
    (local $x i32)
    (local.set $x (i32.xor (local.get 0) (local.get 1)))
    (i32.add (i32.mul (local.get $x) (i32.const 2)) (i32.eqz (local.get $x))))
  ;; Bytes loaded and compared as CoreMark does: memory holds 7 7 8.
  (memory 1)
  (data (i32.const 0) "\07\07\08")
  (func (export "bytes_equal") (param i32 i32) (result i32)
    (i32.eqz (i32.xor (i32.load8_u (local.get 0)) (i32.load8_u (local.get 1)))))
)

(assert_return (invoke "eq32" (i32.const 5) (i32.const 5)) (i32.const 1))
(assert_return (invoke "eq32" (i32.const 5) (i32.const 4)) (i32.const 0))
(assert_return (invoke "eq32" (i32.const 0x80000000) (i32.const 0)) (i32.const 0))
(assert_return (invoke "eq32" (i32.const -1) (i32.const -1)) (i32.const 1))
(assert_return (invoke "ne32" (i32.const 5) (i32.const 5)) (i32.const 0))
(assert_return (invoke "ne32" (i32.const 1) (i32.const 0)) (i32.const 1))
(assert_return (invoke "ne32" (i32.const 0x80000000) (i32.const 0)) (i32.const 1))
(assert_return (invoke "eq64" (i64.const 0x8000000000000000) (i64.const 0)) (i32.const 0))
(assert_return (invoke "eq64" (i64.const 0x100000000) (i64.const 0)) (i32.const 0))
(assert_return (invoke "eq64" (i64.const -7) (i64.const -7)) (i32.const 1))
(assert_return (invoke "ne64" (i64.const 0x100000000) (i64.const 0)) (i32.const 1))
(assert_return (invoke "ne64" (i64.const 3) (i64.const 3)) (i32.const 0))
(assert_return (invoke "branch32" (i32.const 9) (i32.const 9)) (i32.const 10))
(assert_return (invoke "branch32" (i32.const 9) (i32.const 8)) (i32.const 20))
;; 6 ^ 6 = 0: 0 * 2 + 1; 6 ^ 3 = 5: 5 * 2 + 0.
(assert_return (invoke "kept" (i32.const 6) (i32.const 6)) (i32.const 1))
(assert_return (invoke "kept" (i32.const 6) (i32.const 3)) (i32.const 10))
(assert_return (invoke "bytes_equal" (i32.const 0) (i32.const 1)) (i32.const 1))
(assert_return (invoke "bytes_equal" (i32.const 1) (i32.const 2)) (i32.const 0))
(assert_trap (invoke "bytes_equal" (i32.const 0) (i32.const 65536)) "out of bounds memory access")
