;; From the differential fuzzer's first report (riscv64, a false positive):
;; `f32.demote_f64` / `f64.promote_f32` of a NaN with a payload. The spec
;; allows any arithmetic NaN here, and targets differ — x86_64 and aarch64
;; keep the payload, RISC-V's fcvt returns the canonical NaN — so the
;; fuzzer canonicalises after these conversions (fuzz/differential/src/
;; canonicalize.rs). What must hold on every target: the result is an
;; arithmetic NaN (quiet bit set), numbers convert exactly, and the NaN
;; stays a NaN when its bits travel through a global and memory.

(module
  (memory 1)
  (global $bits (mut i32) (i32.const 0))
  (func (export "demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "demote-through-state") (param f64) (result f32)
    (global.set $bits (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
    (i32.store (i32.const 8) (global.get $bits))
    (f32.load (i32.const 8))))

(assert_return (invoke "demote" (f64.const -nan:0xfffefffffffff)) (f32.const nan:arithmetic))
(assert_return (invoke "demote" (f64.const nan:0x4000000000000)) (f32.const nan:arithmetic))
(assert_return (invoke "demote" (f64.const nan)) (f32.const nan:canonical))
(assert_return (invoke "demote" (f64.const 1.5)) (f32.const 1.5))
(assert_return (invoke "demote" (f64.const -0x1p-149)) (f32.const -0x1p-149))
(assert_return (invoke "promote" (f32.const -nan:0x7f0123)) (f64.const nan:arithmetic))
(assert_return (invoke "promote" (f32.const nan)) (f64.const nan:canonical))
(assert_return (invoke "promote" (f32.const -0x1p-149)) (f64.const -0x1p-149))
(assert_return (invoke "demote-through-state" (f64.const -nan:0xfffefffffffff)) (f32.const nan:arithmetic))
