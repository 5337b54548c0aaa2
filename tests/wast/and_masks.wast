;; `and` with a constant mask is dropped only where the other operand
;; cannot have bits outside the mask (translate/known_bits.rs): bytes and
;; halfwords loaded zero-extended, their zero-extensions, earlier masks,
;; comparisons, and block parameters (locals carried round a loop or into
;; a join) whose every incoming value is such. Sign-extending loads, wider
;; loads, narrower masks and a join with any other value keep the `and`.
;; Memory holds 0xff 0x80 0x7f 0xfe 0x12 0x34 0x56 0x9a.

(module
  (memory 1)
  (data (i32.const 0) "\ff\80\7f\fe\12\34\56\9a")

  (func (export "u8_ff") (param i32) (result i32)
    (i32.and (i32.load8_u (local.get 0)) (i32.const 0xff)))
  (func (export "ff_u8") (param i32) (result i32)
    (i32.and (i32.const 0x1ff) (i32.load8_u (local.get 0))))
  (func (export "u8_7f") (param i32) (result i32)
    (i32.and (i32.load8_u (local.get 0)) (i32.const 0x7f)))
  (func (export "s8_ff") (param i32) (result i32)
    (i32.and (i32.load8_s (local.get 0)) (i32.const 0xff)))
  (func (export "u16_ff") (param i32) (result i32)
    (i32.and (i32.load16_u (local.get 0)) (i32.const 0xff)))
  (func (export "s16_ffff") (param i32) (result i32)
    (i32.and (i32.load16_s (local.get 0)) (i32.const 0xffff)))
  (func (export "u8_ext64_ff") (param i32) (result i64)
    (i64.and (i64.extend_i32_u (i32.load8_u (local.get 0))) (i64.const 0xff)))
  (func (export "u8_ext64_f") (param i32) (result i64)
    (i64.and (i64.extend_i32_u (i32.load8_u (local.get 0))) (i64.const 0xf)))
  (func (export "u32_64") (param i32) (result i64)
    (i64.and (i64.load32_u (local.get 0)) (i64.const 0xffffffff)))
  (func (export "s32_64") (param i32) (result i64)
    (i64.and (i64.load32_s (local.get 0)) (i64.const 0xffffffff)))
  (func (export "twice_narrower") (param i32) (result i32)
    (i32.and (i32.and (local.get 0) (i32.const 0xff)) (i32.const 0x0f)))
  (func (export "compare") (param i32) (result i32)
    (i32.and (i32.lt_u (local.get 0) (i32.const 10)) (i32.const 1)))
  (func (export "plain") (param i32) (result i32)
    (i32.and (local.get 0) (i32.const 0xff)))

  ;; Sums `(c & 0xff)` over the bytes at 0..n, the byte carried from one
  ;; iteration to the next in a local (the json/strncmp shape).
  (func (export "loop_u8") (param $n i32) (result i32)
    (local $i i32) (local $c i32) (local $sum i32)
    (local.set $c (i32.load8_u (i32.const 0)))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.and (local.get $c) (i32.const 0xff))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $i)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  ;; The same, but the carried byte is loaded sign-extended inside the loop:
  ;; the mask must stay (0x80 and 0xff would count as negative).
  (func (export "loop_s8") (param $n i32) (result i32)
    (local $i i32) (local $c i32) (local $sum i32)
    (local.set $c (i32.load8_u (i32.const 0)))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.and (local.get $c) (i32.const 0xff))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $c (i32.load8_s (local.get $i)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  ;; A join of a loaded byte and the parameter: the mask must stay.
  (func (export "join") (param $x i32) (param $pick i32) (result i32)
    (local $c i32)
    (if (local.get $pick)
      (then (local.set $c (i32.load8_u (i32.const 3))))
      (else (local.set $c (local.get $x))))
    (i32.and (local.get $c) (i32.const 0xff)))

  ;; A loop whose carried value widens on a later iteration (byte, then a
  ;; halfword): the bound must hold on every path, so the mask stays.
  (func (export "loop_widens") (result i32)
    (local $i i32) (local $c i32) (local $sum i32)
    (local.set $c (i32.load8_u (i32.const 0)))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.and (local.get $c) (i32.const 0xff))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $c (i32.load16_u (i32.const 2)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $sum))
)

(assert_return (invoke "u8_ff" (i32.const 0)) (i32.const 0xff))
(assert_return (invoke "u8_ff" (i32.const 1)) (i32.const 0x80))
(assert_return (invoke "ff_u8" (i32.const 3)) (i32.const 0xfe))
(assert_return (invoke "u8_7f" (i32.const 0)) (i32.const 0x7f))
(assert_return (invoke "u8_7f" (i32.const 1)) (i32.const 0))
(assert_return (invoke "s8_ff" (i32.const 0)) (i32.const 0xff))
(assert_return (invoke "s8_ff" (i32.const 1)) (i32.const 0x80))
(assert_return (invoke "u16_ff" (i32.const 2)) (i32.const 0x7f))
(assert_return (invoke "s16_ffff" (i32.const 2)) (i32.const 0xfe7f))
(assert_return (invoke "u8_ext64_ff" (i32.const 3)) (i64.const 0xfe))
(assert_return (invoke "u8_ext64_f" (i32.const 3)) (i64.const 0xe))
(assert_return (invoke "u32_64" (i32.const 4)) (i64.const 0x9a563412))
(assert_return (invoke "s32_64" (i32.const 4)) (i64.const 0x9a563412))
(assert_return (invoke "twice_narrower" (i32.const 0x1234)) (i32.const 0x4))
(assert_return (invoke "compare" (i32.const 3)) (i32.const 1))
(assert_return (invoke "compare" (i32.const 30)) (i32.const 0))
(assert_return (invoke "plain" (i32.const 0x1234)) (i32.const 0x34))
(assert_return (invoke "plain" (i32.const -1)) (i32.const 0xff))

;; 0xff + 0x80 + 0x7f + 0xfe + 0x12 + 0x34 + 0x56 + 0x9a = 0x432
(assert_return (invoke "loop_u8" (i32.const 8)) (i32.const 0x432))
(assert_return (invoke "loop_u8" (i32.const 2)) (i32.const 0x17f))
(assert_return (invoke "loop_s8" (i32.const 8)) (i32.const 0x432))
(assert_return (invoke "loop_s8" (i32.const 4)) (i32.const 0x2fc))
(assert_return (invoke "join" (i32.const 0x1234) (i32.const 0)) (i32.const 0x34))
(assert_return (invoke "join" (i32.const 0x1234) (i32.const 1)) (i32.const 0xfe))
;; 0xff, then 0xfe7f & 0xff twice: 0xff + 0x7f + 0x7f
(assert_return (invoke "loop_widens") (i32.const 0x1fd))
