;; "Is zero" as a number (i32.eqz, i64.extend_i32_u of it) on values known
;; to be below 2^31 is computed as (x - 1) >> 31 on x86_64
;; (translate/zero_tests.rs). Bytes and halfwords from memory, counted and
;; summed as the sieve counts its primes; full 32-bit values keep the
;; compare: for x = 0x80000001, (x - 1) >> 31 would be 1, eqz is 0.
;; Memory holds 0 1 0 255 0 0 128 0 (bytes at 0..8) and the halfwords
;; 0x0000 0x8000 0xffff 0x0000 at 16..24.

(module
  (memory 1)
  (data (i32.const 0) "\00\01\00\ff\00\00\80\00")
  (data (i32.const 16) "\00\00\00\80\ff\ff\00\00")
  ;; The zero bytes among the first n, summed at 64 bits.
  (func (export "zero_bytes") (param $n i32) (result i64)
    (local $i i32) (local $count i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $count (i64.add (local.get $count)
          (i64.extend_i32_u (i32.eqz (i32.load8_u (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $count))
  ;; The zero halfwords among the four at 16, summed at 32 bits.
  (func (export "zero_halfwords") (result i32)
    (i32.add
      (i32.add (i32.eqz (i32.load16_u (i32.const 16))) (i32.eqz (i32.load16_u (i32.const 18))))
      (i32.add (i32.eqz (i32.load16_u (i32.const 20))) (i32.eqz (i32.load16_u (i32.const 22))))))
  (func (export "eqz_byte") (param i32) (result i32)
    (i32.add (i32.const 10) (i32.eqz (i32.and (local.get 0) (i32.const 0xff)))))
  (func (export "eqz_word") (param i32) (result i32)
    (i32.add (i32.const 10) (i32.eqz (local.get 0))))
  (func (export "eqz_word64") (param i32) (result i64)
    (i64.sub (i64.const 10) (i64.extend_i32_u (i32.eqz (local.get 0)))))
  (func (export "branch") (param i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get 0) (i32.const 0xff)))
      (then (i32.const 1)) (else (i32.const 2))))
)

;; Bytes 0..8: zeros at 0, 2, 4, 5, 7.
(assert_return (invoke "zero_bytes" (i32.const 8)) (i64.const 5))
(assert_return (invoke "zero_bytes" (i32.const 1)) (i64.const 1))
(assert_return (invoke "zero_bytes" (i32.const 0)) (i64.const 0))
;; Past the data the page is zero: 8..12 adds 4.
(assert_return (invoke "zero_bytes" (i32.const 12)) (i64.const 9))
(assert_return (invoke "zero_halfwords") (i32.const 2))
(assert_return (invoke "eqz_byte" (i32.const 0x100)) (i32.const 11))
(assert_return (invoke "eqz_byte" (i32.const 0x180)) (i32.const 10))
(assert_return (invoke "eqz_byte" (i32.const 1)) (i32.const 10))
(assert_return (invoke "eqz_word" (i32.const 0)) (i32.const 11))
(assert_return (invoke "eqz_word" (i32.const 0x80000001)) (i32.const 10))
(assert_return (invoke "eqz_word" (i32.const 0x80000000)) (i32.const 10))
(assert_return (invoke "eqz_word" (i32.const -1)) (i32.const 10))
(assert_return (invoke "eqz_word64" (i32.const 0x80000001)) (i64.const 10))
(assert_return (invoke "eqz_word64" (i32.const 0)) (i64.const 9))
(assert_return (invoke "branch" (i32.const 0x100)) (i32.const 1))
(assert_return (invoke "branch" (i32.const 0x101)) (i32.const 2))
(assert_trap (invoke "zero_bytes" (i32.const 65537)) "out of bounds memory access")
