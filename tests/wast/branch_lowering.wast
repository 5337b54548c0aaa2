;; Lowerings chosen for speed that must keep Wasm's meaning:
;; - a `br_table` with at most three runs of non-default targets becomes a
;;   chain of compares (translate/switch.rs): single indices, runs of
;;   indices, entries equal to the default, indices past the table, the
;;   largest i32 index, and branch arguments;
;; - `select` of two constants one apart on a comparison becomes an add or
;;   a subtract of the comparison (translate/numeric.rs), including where
;;   the constants wrap around (i32 MIN is MAX + 1).

(module
  ;; json's tokenizer table: `br_table 2 1 0 1` (default 1).
  (func (export "tokenizer") (param i32) (result i32)
    (block
      (block
        (block
          (br_table 2 1 0 1 (local.get 0)))
        (return (i32.const 30)))
      (return (i32.const 10)))
    (i32.const 20))

  ;; Runs: 1..3 -> A, 5 -> A, 6..7 -> B, everything else -> default C.
  (func (export "runs") (param i32) (result i32)
    (block $c
      (block $b
        (block $a
          (br_table $c $a $a $a $c $a $b $b $c (local.get 0)))
        (return (i32.const 1)))
      (return (i32.const 2)))
    (i32.const 3))

  ;; Branch arguments reach every target.
  (func (export "with_values") (param i32) (result i32)
    (block $out (result i32)
      (block $neg (result i32)
        (br_table $out $neg $out
          (i32.const 7) (local.get 0)))
      (i32.const -1)
      (i32.mul))
    (i32.const 1000)
    (i32.add))

  ;; Every entry the default: no compare at all.
  (func (export "all_default") (param i32) (result i32)
    (block
      (br_table 0 0 0 (local.get 0)))
    (i32.const 5))

  ;; select between constants one apart, both orders and both widths.
  (func (export "step_up") (param i32) (result i32)
    (select (i32.const 2) (i32.const 1) (i32.eq (local.get 0) (i32.const 92))))
  (func (export "step_down") (param i32) (result i32)
    (select (i32.const -5) (i32.const -4) (i32.lt_u (local.get 0) (i32.const 10))))
  (func (export "wrap32") (param i32) (result i32)
    (select (i32.const 0x80000000) (i32.const 0x7fffffff) (i32.eqz (local.get 0))))
  (func (export "step64") (param i64) (result i64)
    (select (i64.const 0x100000000) (i64.const 0xffffffff) (i64.gt_s (local.get 0) (i64.const 0))))
  (func (export "wrap64") (param i64) (result i64)
    (select (i64.const 0x7fffffffffffffff) (i64.const 0x8000000000000000) (i64.ne (local.get 0) (i64.const 0))))
  (func (export "float_condition") (param f64) (result i32)
    (select (i32.const 8) (i32.const 7) (f64.lt (local.get 0) (f64.const 0.5))))
  ;; A condition that is not a comparison (any non-zero is true) keeps select.
  (func (export "plain_condition") (param i32) (result i32)
    (select (i32.const 2) (i32.const 1) (local.get 0)))
)

(assert_return (invoke "tokenizer" (i32.const 0)) (i32.const 20))
(assert_return (invoke "tokenizer" (i32.const 1)) (i32.const 10))
(assert_return (invoke "tokenizer" (i32.const 2)) (i32.const 30))
(assert_return (invoke "tokenizer" (i32.const 3)) (i32.const 10))
(assert_return (invoke "tokenizer" (i32.const 4)) (i32.const 10))
(assert_return (invoke "tokenizer" (i32.const -1)) (i32.const 10))

(assert_return (invoke "runs" (i32.const 0)) (i32.const 3))
(assert_return (invoke "runs" (i32.const 1)) (i32.const 1))
(assert_return (invoke "runs" (i32.const 2)) (i32.const 1))
(assert_return (invoke "runs" (i32.const 3)) (i32.const 1))
(assert_return (invoke "runs" (i32.const 4)) (i32.const 3))
(assert_return (invoke "runs" (i32.const 5)) (i32.const 1))
(assert_return (invoke "runs" (i32.const 6)) (i32.const 2))
(assert_return (invoke "runs" (i32.const 7)) (i32.const 2))
(assert_return (invoke "runs" (i32.const 8)) (i32.const 3))
(assert_return (invoke "runs" (i32.const 9)) (i32.const 3))
(assert_return (invoke "runs" (i32.const 0x7fffffff)) (i32.const 3))
(assert_return (invoke "runs" (i32.const -1)) (i32.const 3))
(assert_return (invoke "runs" (i32.const -7)) (i32.const 3))

(assert_return (invoke "with_values" (i32.const 0)) (i32.const 1007))
(assert_return (invoke "with_values" (i32.const 1)) (i32.const 993))
(assert_return (invoke "with_values" (i32.const 2)) (i32.const 1007))
(assert_return (invoke "with_values" (i32.const 3)) (i32.const 1007))
(assert_return (invoke "with_values" (i32.const -1)) (i32.const 1007))

(assert_return (invoke "all_default" (i32.const 0)) (i32.const 5))
(assert_return (invoke "all_default" (i32.const 99)) (i32.const 5))

(assert_return (invoke "step_up" (i32.const 92)) (i32.const 2))
(assert_return (invoke "step_up" (i32.const 34)) (i32.const 1))
(assert_return (invoke "step_down" (i32.const 3)) (i32.const -5))
(assert_return (invoke "step_down" (i32.const 10)) (i32.const -4))
(assert_return (invoke "wrap32" (i32.const 0)) (i32.const 0x80000000))
(assert_return (invoke "wrap32" (i32.const 1)) (i32.const 0x7fffffff))
(assert_return (invoke "step64" (i64.const 1)) (i64.const 0x100000000))
(assert_return (invoke "step64" (i64.const 0)) (i64.const 0xffffffff))
(assert_return (invoke "wrap64" (i64.const 3)) (i64.const 0x7fffffffffffffff))
(assert_return (invoke "wrap64" (i64.const 0)) (i64.const 0x8000000000000000))
(assert_return (invoke "float_condition" (f64.const 0.25)) (i32.const 8))
(assert_return (invoke "float_condition" (f64.const nan)) (i32.const 7))
(assert_return (invoke "plain_condition" (i32.const 0)) (i32.const 1))
(assert_return (invoke "plain_condition" (i32.const -8)) (i32.const 2))
