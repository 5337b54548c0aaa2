;; Non-zero float constants come from the constant pool on x86_64
;; (translate/float_constants.rs): every bit of the constant survives,
;; NaN payloads, negative zero, subnormals and infinities included, and a
;; constant used inside a loop gives the same arithmetic as written.

(module
  (func (export "f64_bits") (param i32) (result i64)
    (block $neg_zero
      (block $nan
        (block $subnormal
          (block $inf
            (block $dt
              (br_table $dt $inf $subnormal $nan $neg_zero (local.get 0)))
            (return (i64.reinterpret_f64 (f64.const 0x1.47ae147ae147bp-7))))
          (return (i64.reinterpret_f64 (f64.const -inf))))
        (return (i64.reinterpret_f64 (f64.const 0x0.0000000000001p-1022))))
      (return (i64.reinterpret_f64 (f64.const nan:0x4000000000001))))
    (i64.reinterpret_f64 (f64.const -0x0p+0)))
  (func (export "f32_bits") (param i32) (result i32)
    (block $neg_zero
      (block $nan
        (block $one_and_a_half
          (br_table $one_and_a_half $nan $neg_zero (local.get 0)))
        (return (i32.reinterpret_f32 (f32.const 1.5))))
      (return (i32.reinterpret_f32 (f32.const -nan:0x200001))))
    (i32.reinterpret_f32 (f32.const -0x0p+0)))
  (func (export "f64_nan") (result f64) (f64.const nan:0x4000000000001))
  (func (export "f32_nan") (result f32) (f32.const -nan:0x200001))
  ;; sum += 0.25 (exact in binary), n times.
  (func (export "quarters") (param $n i32) (result f64)
    (local $sum f64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (f64.add (local.get $sum) (f64.const 0.25)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  ;; x *= 1.5 in f32, n times, and x / 3.0 once after the loop.
  (func (export "powers") (param $n i32) (result f32)
    (local $x f32)
    (local.set $x (f32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (f32.mul (local.get $x) (f32.const 1.5)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (f32.div (local.get $x) (f32.const 3)))
)

;; 0x1.47ae147ae147bp-7 is 0.01 (n-body's dt): bits 0x3f847ae147ae147b.
(assert_return (invoke "f64_bits" (i32.const 0)) (i64.const 0x3f847ae147ae147b))
(assert_return (invoke "f64_bits" (i32.const 1)) (i64.const 0xfff0000000000000))
(assert_return (invoke "f64_bits" (i32.const 2)) (i64.const 1))
(assert_return (invoke "f64_bits" (i32.const 3)) (i64.const 0x7ff4000000000001))
(assert_return (invoke "f64_bits" (i32.const 4)) (i64.const 0x8000000000000000))
(assert_return (invoke "f32_bits" (i32.const 0)) (i32.const 0x3fc00000))
(assert_return (invoke "f32_bits" (i32.const 1)) (i32.const 0xffa00001))
(assert_return (invoke "f32_bits" (i32.const 2)) (i32.const 0x80000000))
(assert_return (invoke "f64_nan") (f64.const nan:0x4000000000001))
(assert_return (invoke "f32_nan") (f32.const -nan:0x200001))
(assert_return (invoke "quarters" (i32.const 0)) (f64.const 0))
(assert_return (invoke "quarters" (i32.const 10)) (f64.const 2.5))
;; 1.5^4 = 5.0625, / 3 = 1.6875; 1.5^2 / 3 = 0.75 (all exact in f32).
(assert_return (invoke "powers" (i32.const 4)) (f32.const 1.6875))
(assert_return (invoke "powers" (i32.const 2)) (f32.const 0.75))
