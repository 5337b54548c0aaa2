;; Commutative bitwise operations take their deeper operand first
;; (translate/deep_operand_first.rs, x86_64): the same value, computed in
;; another order. `crc16` is CoreMark's unrolled CRC-16 shape, a chain of
;; sixteen `(data >> k) ^ crc` steps written shallow operand first; the
;; others combine a shallow value with a deeper chain under operations that
;; do not commute (`sub`, `shl`, `shr_u`, `rotl`: swapping those would be a
;; miscompile) and that do (`or`, `and`, `xor`). Expected values come from
;; a Python model of the same expressions (i32 arithmetic, shift counts mod
;; 32), not from wafer.

(module
  (func (export "crc16") (param $data i32) (param $crc i32) (result i32)
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 0)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 1)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 2)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 3)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 4)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 5)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 6)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 7)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 8)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 9)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 10)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 11)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 12)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 13)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 14)) (local.get $crc))
                 (i32.const 1))))
    (local.set $crc
      (select
        (i32.xor (i32.shr_u (local.get $crc) (i32.const 1)) (i32.const 0xa001))
        (i32.shr_u (local.get $crc) (i32.const 1))
        (i32.and (i32.xor (i32.shr_u (local.get $data) (i32.const 15)) (local.get $crc))
                 (i32.const 1))))
    (local.get $crc))
  ;; deep(a, b) = (((b * 3) ^ a) + 7) & 0xfff
  (func $deep (param $a i32) (param $b i32) (result i32)
    (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a))
                      (i32.const 7))
             (i32.const 0xfff)))
  (func (export "sub_chain") (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.shr_u (local.get $a) (i32.const 3))
      (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a)) (i32.const 7)) (i32.const 0xfff))))
  (func (export "shl_chain") (param $a i32) (param $b i32) (result i32)
    (i32.shl (i32.shr_u (local.get $a) (i32.const 3))
      (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a)) (i32.const 7)) (i32.const 0xfff))))
  (func (export "shr_chain") (param $a i32) (param $b i32) (result i32)
    (i32.shr_u (i32.shr_u (local.get $a) (i32.const 3))
      (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a)) (i32.const 7)) (i32.const 0xfff))))
  (func (export "rotl_chain") (param $a i32) (param $b i32) (result i32)
    (i32.rotl (i32.shr_u (local.get $a) (i32.const 3))
      (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a)) (i32.const 7)) (i32.const 0xfff))))
  (func (export "mixed") (param $a i32) (param $b i32) (result i32)
    (i32.or (i32.shr_u (local.get $a) (i32.const 1))
      (i32.and (i32.xor (i32.and (i32.add (i32.xor (i32.mul (local.get $b) (i32.const 3)) (local.get $a)) (i32.const 7)) (i32.const 0xfff)) (i32.shr_u (local.get $b) (i32.const 2)))
               (i32.add (local.get $a) (i32.and (i32.add (i32.xor (i32.mul (local.get $a) (i32.const 3)) (local.get $b)) (i32.const 7)) (i32.const 0xfff))))))
)

(assert_return (invoke "crc16" (i32.const 0) (i32.const 0)) (i32.const 0))
(assert_return (invoke "crc16" (i32.const 1) (i32.const 65535)) (i32.const 8192))
(assert_return (invoke "crc16" (i32.const 4660) (i32.const 48879)) (i32.const 36186))
(assert_return (invoke "crc16" (i32.const -1) (i32.const -1)) (i32.const 65535))
(assert_return (invoke "crc16" (i32.const -2147483648) (i32.const 1)) (i32.const 36865))
(assert_return (invoke "crc16" (i32.const -559038737) (i32.const 305419896)) (i32.const 27738))
(assert_return (invoke "crc16" (i32.const 90) (i32.const 42405)) (i32.const 35713))
(assert_return (invoke "sub_chain" (i32.const 0) (i32.const 0)) (i32.const -7))
(assert_return (invoke "sub_chain" (i32.const 1) (i32.const 65535)) (i32.const -3))
(assert_return (invoke "sub_chain" (i32.const 4660) (i32.const 48879)) (i32.const -3258))
(assert_return (invoke "sub_chain" (i32.const -1) (i32.const -1)) (i32.const 536870902))
(assert_return (invoke "sub_chain" (i32.const -2147483648) (i32.const 1)) (i32.const 268435446))
(assert_return (invoke "sub_chain" (i32.const -559038737) (i32.const 305419896)) (i32.const 466987599))
(assert_return (invoke "sub_chain" (i32.const 90) (i32.const 42405)) (i32.const -177))
(assert_return (invoke "shl_chain" (i32.const 0) (i32.const 0)) (i32.const 0))
(assert_return (invoke "shl_chain" (i32.const 1) (i32.const 65535)) (i32.const 0))
(assert_return (invoke "shl_chain" (i32.const 4660) (i32.const 48879)) (i32.const 582))
(assert_return (invoke "shl_chain" (i32.const -1) (i32.const -1)) (i32.const -512))
(assert_return (invoke "shl_chain" (i32.const -2147483648) (i32.const 1)) (i32.const 0))
(assert_return (invoke "shl_chain" (i32.const -559038737) (i32.const 305419896)) (i32.const 1844920320))
(assert_return (invoke "shl_chain" (i32.const 90) (i32.const 42405)) (i32.const -1342177280))
(assert_return (invoke "shr_chain" (i32.const 0) (i32.const 0)) (i32.const 0))
(assert_return (invoke "shr_chain" (i32.const 1) (i32.const 65535)) (i32.const 0))
(assert_return (invoke "shr_chain" (i32.const 4660) (i32.const 48879)) (i32.const 582))
(assert_return (invoke "shr_chain" (i32.const -1) (i32.const -1)) (i32.const 1048575))
(assert_return (invoke "shr_chain" (i32.const -2147483648) (i32.const 1)) (i32.const 262144))
(assert_return (invoke "shr_chain" (i32.const -559038737) (i32.const 305419896)) (i32.const 28502))
(assert_return (invoke "shr_chain" (i32.const 90) (i32.const 42405)) (i32.const 0))
(assert_return (invoke "rotl_chain" (i32.const 0) (i32.const 0)) (i32.const 0))
(assert_return (invoke "rotl_chain" (i32.const 1) (i32.const 65535)) (i32.const 0))
(assert_return (invoke "rotl_chain" (i32.const 4660) (i32.const 48879)) (i32.const 582))
(assert_return (invoke "rotl_chain" (i32.const -1) (i32.const -1)) (i32.const -449))
(assert_return (invoke "rotl_chain" (i32.const -2147483648) (i32.const 1)) (i32.const 64))
(assert_return (invoke "rotl_chain" (i32.const -559038737) (i32.const 305419896)) (i32.const 1844922101))
(assert_return (invoke "rotl_chain" (i32.const 90) (i32.const 42405)) (i32.const -1342177280))
(assert_return (invoke "mixed" (i32.const 0) (i32.const 0)) (i32.const 7))
(assert_return (invoke "mixed" (i32.const 1) (i32.const 65535)) (i32.const 4))
(assert_return (invoke "mixed" (i32.const 4660) (i32.const 48879)) (i32.const 2490))
(assert_return (invoke "mixed" (i32.const -1) (i32.const -1)) (i32.const 2147483647))
(assert_return (invoke "mixed" (i32.const -2147483648) (i32.const 1)) (i32.const 1073741832))
(assert_return (invoke "mixed" (i32.const -559038737) (i32.const 305419896)) (i32.const 1876942711))
(assert_return (invoke "mixed" (i32.const 90) (i32.const 42405)) (i32.const 301))
