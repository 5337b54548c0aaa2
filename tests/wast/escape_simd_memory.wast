;; SIMD memory accesses at the end of memory, with their real widths, in
;; both bounds-check modes, and in loops whose explicit checks are hoisted
;; (compiler/src/translate/loop_scan.rs, loop_version.rs): a 16-byte
;; `v128.load` is in bounds at `length - 16` and traps at `length - 15`,
;; also when a scalar access of the same address would not; a loop of
;; v128 accesses stores every row in bounds and traps at the first row
;; that is not, whichever copy of the loop runs.

(module
  (memory 1)
  (func (export "load") (param $p i32) (result v128) (v128.load (local.get $p)))
  (func (export "load_far") (param $p i32) (result v128) (v128.load offset=65520 (local.get $p)))
  (func (export "store") (param $p i32) (param $v v128) (v128.store (local.get $p) (local.get $v)))
  (func (export "load8x8") (param $p i32) (result v128) (v128.load8x8_u (local.get $p)))
  (func (export "splat64") (param $p i32) (result v128) (v128.load64_splat (local.get $p)))
  (func (export "zero32") (param $p i32) (result v128) (v128.load32_zero (local.get $p)))
  (func (export "lane64") (param $p i32) (result v128)
    (v128.load64_lane 1 (local.get $p) (v128.const i64x2 0 0)))
  (func (export "store_lane32") (param $p i32) (param $v v128)
    (v128.store32_lane 3 (local.get $p) (local.get $v)))
  (func (export "get") (param $p i32) (result i32) (i32.load (local.get $p)))

  ;; Adds `$v` to every i32 lane of the `$n` rows of 16 bytes from `$p`.
  (func (export "add_rows") (param $p i32) (param $n i32) (param $v i32)
    (local $i i32)
    (loop $l
      (v128.store (local.get $p)
        (i32x4.add (v128.load (local.get $p)) (i32x4.splat (local.get $v))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; Sums lane 0 of `load16x4_u` (the low 16 bits of the i32 at each of
  ;; `$n` 8-byte steps from `$p`).
  (func (export "sum_widened") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $acc v128)
    (loop $l
      (local.set $acc (i32x4.add (local.get $acc) (v128.load16x4_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32x4.extract_lane 0 (local.get $acc)))
)

;; Single accesses at the edge: each width is in bounds at `length - width`
;; and traps one byte further.
(assert_return (invoke "store" (i32.const 65520) (v128.const i32x4 1 2 3 4)))
(assert_return (invoke "load" (i32.const 65520)) (v128.const i32x4 1 2 3 4))
(assert_trap (invoke "load" (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "load" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load_far" (i32.const 0)) (v128.const i32x4 1 2 3 4))
(assert_trap (invoke "load_far" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load_far" (i32.const -65520)) "out of bounds memory access")
;; A trapping 16-byte store writes nothing.
(assert_trap (invoke "store" (i32.const 65521) (v128.const i32x4 -1 -1 -1 -1)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65520)) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "load8x8" (i32.const 65528)) (v128.const i16x8 3 0 0 0 4 0 0 0))
(assert_trap (invoke "load8x8" (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "splat64" (i32.const 65528)) (v128.const i32x4 3 4 3 4))
(assert_trap (invoke "splat64" (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "zero32" (i32.const 65532)) (v128.const i32x4 4 0 0 0))
(assert_trap (invoke "zero32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "lane64" (i32.const 65528)) (v128.const i32x4 0 0 3 4))
(assert_trap (invoke "lane64" (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "store_lane32" (i32.const 65532) (v128.const i32x4 0 0 0 9)))
(assert_return (invoke "get" (i32.const 65532)) (i32.const 9))
(assert_trap (invoke "store_lane32" (i32.const 65533) (v128.const i32x4 0 0 0 7)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65532)) (i32.const 9))

;; Loops: four rows ending exactly at the end of memory.
(assert_return (invoke "add_rows" (i32.const 65472) (i32.const 4) (i32.const 5)))
(assert_return (invoke "get" (i32.const 65472)) (i32.const 5))
(assert_return (invoke "get" (i32.const 65520)) (i32.const 6))
(assert_return (invoke "get" (i32.const 65532)) (i32.const 14))
;; Four rows from 8 bytes further: the fourth (65528..65544) traps, the
;; three before it are stored, the fourth is not.
(assert_trap (invoke "add_rows" (i32.const 65480) (i32.const 4) (i32.const 100)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 65476)) (i32.const 5))
(assert_return (invoke "get" (i32.const 65480)) (i32.const 105))
(assert_return (invoke "get" (i32.const 65524)) (i32.const 107))
(assert_return (invoke "get" (i32.const 65528)) (i32.const 8))
(assert_return (invoke "get" (i32.const 65532)) (i32.const 14))
;; 8-byte widening loads: the last step ends at the end of memory, or one
;; step more traps.
;; Lane 0 of each step: 106 (the i32 at 65520) + 8 (at 65528).
(assert_return (invoke "sum_widened" (i32.const 65520) (i32.const 2)) (i32.const 114))
(assert_trap (invoke "sum_widened" (i32.const 65528) (i32.const 2)) "out of bounds memory access")
