;; Pointers loaded from memory (translate/wide_loads.rs, x86_64): an
;; `i32.load` (or `load8_u`/`load16_u`) whose result is zero-extended is
;; loaded at 64 bits, and its i32 uses read the low half. A loaded pointer
;; with the top bit set must stay a 32-bit unsigned address: with a static
;; offset of 32, 0xFFFFFFF0 addresses 2^32 + 16 (out of bounds), while a
;; sign extension would reach -16 + 32 = 16, inside memory, without a trap.
;;
;; Memory (little-endian words):
;;   0: 0xFFFFFFF0   4: 8   8: 42   12: 0x80000000   16: 65532
;;   20: byte 0xFF   22: halfword 0xFFFF
;;   100: node {next 200, value 1}   200: node {next 0, value 2}
;;   300: node {next 0xFFFFFFF0, value 5}
;;   65532: 0x12345678

(module
  (memory 1)
  (data (i32.const 0) "\f0\ff\ff\ff" "\08\00\00\00" "\2a\00\00\00" "\00\00\00\80" "\fc\ff\00\00")
  (data (i32.const 20) "\ff\00\ff\ff")
  (data (i32.const 100) "\c8\00\00\00" "\01\00\00\00")
  (data (i32.const 200) "\00\00\00\00" "\02\00\00\00")
  (data (i32.const 300) "\f0\ff\ff\ff" "\05\00\00\00")
  (data (i32.const 65532) "\78\56\34\12")

  ;; q = *p; a null q gives -1, else *q. q is tested and used as an
  ;; address, so its load has two uses.
  (func (export "deref") (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (i32.load (local.get $p)))
    (if (result i32) (i32.eqz (local.get $q))
      (then (i32.const -1))
      (else (i32.load (local.get $q)))))

  ;; As `deref`, reading *(q + 32) through the static offset.
  (func (export "deref_offset_32") (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (i32.load (local.get $p)))
    (if (result i32) (i32.eqz (local.get $q))
      (then (i32.const -1))
      (else (i32.load offset=32 (local.get $q)))))

  ;; As `deref`, through a static offset of 0x80000010: 0x80000000 then
  ;; addresses 2^32 + 16; sign-extended it would address 16.
  (func (export "deref_offset_2g") (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (i32.load (local.get $p)))
    (if (result i32) (i32.eqz (local.get $q))
      (then (i32.const -1))
      (else (i32.load offset=0x80000010 (local.get $q)))))

  ;; Both extensions of a loaded word: unsigned + signed.
  (func (export "extend_both") (param $p i32) (result i64)
    (local $q i32)
    (local.set $q (i32.load (local.get $p)))
    (i64.add (i64.extend_i32_u (local.get $q)) (i64.extend_i32_s (local.get $q))))

  ;; The loaded word's i32 uses next to its zero extension:
  ;; (q >> 4, arithmetic) + (q <s 0) + zext(q).
  (func (export "i32_uses") (param $p i32) (result i64)
    (local $q i32)
    (local.set $q (i32.load (local.get $p)))
    (i64.add
      (i64.extend_i32_s
        (i32.add (i32.shr_s (local.get $q) (i32.const 4))
                 (i32.lt_s (local.get $q) (i32.const 0))))
      (i64.extend_i32_u (local.get $q))))

  ;; A loaded byte zero-extended, and shifted into the top bits.
  (func (export "byte_uses") (param $p i32) (result i64)
    (local $b i32)
    (local.set $b (i32.load8_u (local.get $p)))
    (i64.add (i64.extend_i32_u (local.get $b))
             (i64.extend_i32_u (i32.shl (local.get $b) (i32.const 24)))))

  ;; A loaded halfword zero-extended, and shifted into the sign bit.
  (func (export "half_uses") (param $p i32) (result i64)
    (local $h i32)
    (local.set $h (i32.load16_u (local.get $p)))
    (i64.add (i64.extend_i32_u (local.get $h))
             (i64.extend_i32_s (i32.shl (local.get $h) (i32.const 16)))))

  ;; Sums the values of the list at p (node: next at 0, value at 4): the
  ;; pointer is carried round the loop and loaded from memory.
  (func (export "sum_list") (param $p i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $p)))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $p))))
        (local.set $p (i32.load (local.get $p)))
        (br $next)))
    (local.get $sum))

  ;; As `sum_list`, reading the value 32 bytes further (offset=36): a
  ;; next of 0xFFFFFFF0 must address 2^32 + 20, not 20.
  (func (export "sum_list_far") (param $p i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $p)))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=36 (local.get $p))))
        (local.set $p (i32.load (local.get $p)))
        (br $next)))
    (local.get $sum))
)

;; In bounds: *4 = 8, *8 = 42; *16 = 65532, *65532 = 0x12345678.
(assert_return (invoke "deref" (i32.const 4)) (i32.const 42))
(assert_return (invoke "deref" (i32.const 16)) (i32.const 0x12345678))
;; *200 = 0: the null branch.
(assert_return (invoke "deref" (i32.const 200)) (i32.const -1))
;; Pointers at and above 2^31 are far past the 64 KiB memory.
(assert_trap (invoke "deref" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "deref" (i32.const 12)) "out of bounds memory access")
(assert_trap (invoke "deref_offset_32" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "deref_offset_2g" (i32.const 12)) "out of bounds memory access")
;; *(8 + 32) = *40 = 0; *(65532 + 32) is past the end.
(assert_return (invoke "deref_offset_32" (i32.const 4)) (i32.const 0))
(assert_trap (invoke "deref_offset_32" (i32.const 16)) "out of bounds memory access")

;; 0xFFFFFFF0: 4294967280 + (-16) = 4294967264.
(assert_return (invoke "extend_both" (i32.const 0)) (i64.const 4294967264))
;; 0x80000000: 2147483648 + (-2147483648) = 0.
(assert_return (invoke "extend_both" (i32.const 12)) (i64.const 0))
(assert_return (invoke "extend_both" (i32.const 4)) (i64.const 16))
;; 0xFFFFFFF0: (-16 >> 4) = -1, plus 1 (negative) = 0; + 4294967280.
(assert_return (invoke "i32_uses" (i32.const 0)) (i64.const 4294967280))
;; 0x80000000: -2^31 >> 4 = -134217728, + 1 = -134217727; + 2147483648
;; = 2013265921.
(assert_return (invoke "i32_uses" (i32.const 12)) (i64.const 2013265921))
;; 42: 2 + 0 + 42 = 44.
(assert_return (invoke "i32_uses" (i32.const 8)) (i64.const 44))

;; byte 0xFF: 255 + 0xFF000000 (4278190080) = 4278190335.
(assert_return (invoke "byte_uses" (i32.const 20)) (i64.const 4278190335))
;; byte 0x2A: 42 + 0x2A000000 (704643072) = 704643114.
(assert_return (invoke "byte_uses" (i32.const 8)) (i64.const 704643114))
;; halfword 0xFFFF: 65535 + sext(0xFFFF0000) (-65536) = -1.
(assert_return (invoke "half_uses" (i32.const 22)) (i64.const -1))
;; halfword at 12 is 0x0000, at 14 is 0x8000: 32768 + sext(0x80000000)
;; (-2147483648) = -2147450880.
(assert_return (invoke "half_uses" (i32.const 14)) (i64.const -2147450880))

;; 100 -> 200 -> null: 1 + 2.
(assert_return (invoke "sum_list" (i32.const 100)) (i32.const 3))
;; 300 (value 5) -> 0xFFFFFFF0: its value at 2^32 - 12 is out of bounds.
(assert_trap (invoke "sum_list" (i32.const 300)) "out of bounds memory access")
;; Offset 36: node 100 reads 136 (0), node 200 reads 236 (0).
(assert_return (invoke "sum_list_far" (i32.const 100)) (i32.const 0))
;; Node 300 reads 336 (0), then 0xFFFFFFF0 + 36 = 2^32 + 20: a trap.
(assert_trap (invoke "sum_list_far" (i32.const 300)) "out of bounds memory access")
