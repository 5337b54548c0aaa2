;; In guard mode `i32.add(p, k)` in front of an access joins the access's
;; static offset when an access through `p` itself, in the same memory,
;; dominates it (translate/fold_after_access.rs): that access proves
;; `p < 2^32 - 64 KiB`, so `p + k` (k <= 64 KiB) cannot wrap; after an
;; access through `q = p + j`, `p + k` (k > j) becomes `q + (k - j)`. Without such
;; an access the sum must keep its i32 wrap-around (p = 0xFFFFFFF8 plus 8
;; reads address 0), and folded accesses must trap exactly past the end.
;; Explicit mode folds the same way (a dominating access passed its check,
;; and explicit-mode memories are capped at 65 535 pages too); the
;; expectations are the same in both modes.
;;
;; Memory 0 is one page: bytes 0..15 are 0x11..0x20, bytes 65520..65535
;; are 0xa0..0xaf, the rest 0.

(module
  (memory 1)
  (data (i32.const 0) "\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20")
  (data (i32.const 65520) "\a0\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa\ab\ac\ad\ae\af")

  (func (export "peek") (param i32) (result i32)
    (i32.load8_u (local.get 0)))

  ;; No access through p before: no fold.
  (func (export "wrap_no_access") (param i32) (result i32)
    (i32.load8_u (i32.add (local.get 0) (i32.const 8))))

  ;; The access through p dominates: folded.
  (func (export "access_then_plus8") (param i32) (result i32)
    (i32.or
      (i32.shl (i32.load8_u (local.get 0)) (i32.const 8))
      (i32.load8_u (i32.add (local.get 0) (i32.const 8)))))

  ;; The access through p happens only when c is nonzero: it does not
  ;; dominate, no fold.
  (func (export "conditional_access") (param $c i32) (param $p i32) (result i32)
    (if (local.get $c) (then (drop (i32.load8_u (local.get $p)))))
    (i32.load8_u (i32.add (local.get $p) (i32.const 8))))

  ;; The access through p comes after: no fold. The value read at p + 8 is
  ;; stored at address 32 before the access at p traps.
  (func (export "later_access") (param i32)
    (i32.store8 (i32.const 32) (i32.load8_u (i32.add (local.get 0) (i32.const 8))))
    (drop (i32.load8_u (local.get 0))))

  ;; Two 8-byte loads, the second folded.
  (func (export "i64_pair") (param i32) (result i64)
    (i64.add (i64.load (local.get 0))
             (i64.load (i32.add (local.get 0) (i32.const 8)))))

  ;; A folded add on top of a static offset: reads p + 12 .. p + 15.
  (func (export "offset_on_fold") (param i32) (result i32)
    (drop (i32.load8_u (local.get 0)))
    (i32.load offset=4 (i32.add (local.get 0) (i32.const 8))))

  ;; The constant on the left, and the largest k that folds (64 KiB): with
  ;; a one-page memory every p that passed the first access is out of
  ;; bounds at p + 65536.
  (func (export "k_64k") (param i32) (result i32)
    (drop (i32.load8_u (local.get 0)))
    (i32.load8_u (i32.add (i32.const 65536) (local.get 0))))

  ;; The access through q = p + 4 dominates: p + 8 becomes q + 4 (not
  ;; p + 8, which would be past 4 GiB for p = 0xFFFFFFFC).
  (func (export "via_plus4") (param i32) (result i32)
    (i32.or
      (i32.shl (i32.load8_u (i32.add (local.get 0) (i32.const 4))) (i32.const 8))
      (i32.load8_u (i32.add (local.get 0) (i32.const 8)))))

  ;; Clang's unrolled loop: bytes p + 2i and p + 2i + 1 for i < n.
  (func (export "sum_pairs") (param $p i32) (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
        (local.set $acc (i32.add (local.get $acc)
          (i32.load8_u (i32.add (local.get $p) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; A store through p dominates: folded. The store happens even when the
  ;; load at p + 8 then traps.
  (func (export "store_then_load") (param i32 i32) (result i32)
    (i32.store8 (local.get 0) (local.get 1))
    (i32.load8_u (i32.add (local.get 0) (i32.const 8))))
)

;; 0xFFFFFFF8 + 8 wraps to address 0; 0xFFFFFFFF + 8 to address 7.
(assert_return (invoke "wrap_no_access" (i32.const -8)) (i32.const 0x11))
(assert_return (invoke "wrap_no_access" (i32.const -1)) (i32.const 0x18))
(assert_return (invoke "wrap_no_access" (i32.const 65527)) (i32.const 0xaf))
(assert_trap (invoke "wrap_no_access" (i32.const 65528)) "out of bounds memory access")

(assert_return (invoke "access_then_plus8" (i32.const 0)) (i32.const 0x1119))
(assert_return (invoke "access_then_plus8" (i32.const 65527)) (i32.const 0xa7af))
(assert_trap (invoke "access_then_plus8" (i32.const 65528)) "out of bounds memory access")
(assert_trap (invoke "access_then_plus8" (i32.const -8)) "out of bounds memory access")

(assert_return (invoke "conditional_access" (i32.const 0) (i32.const -8)) (i32.const 0x11))
(assert_return (invoke "conditional_access" (i32.const 0) (i32.const -2)) (i32.const 0x17))
(assert_trap (invoke "conditional_access" (i32.const 1) (i32.const -8)) "out of bounds memory access")
(assert_return (invoke "conditional_access" (i32.const 1) (i32.const 65527)) (i32.const 0xaf))
(assert_trap (invoke "conditional_access" (i32.const 1) (i32.const 65528)) "out of bounds memory access")

(assert_return (invoke "peek" (i32.const 32)) (i32.const 0))
(assert_trap (invoke "later_access" (i32.const -8)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 32)) (i32.const 0x11))
(assert_trap (invoke "later_access" (i32.const -7)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 32)) (i32.const 0x12))

;; 0xa7a6a5a4a3a2a1a0 + 0xafaeadacabaaa9a8 (mod 2^64).
(assert_return (invoke "i64_pair" (i32.const 65520)) (i64.const 0x575553514f4d4b48))
;; The second load ends at 65537.
(assert_trap (invoke "i64_pair" (i32.const 65521)) "out of bounds memory access")
;; The first load ends exactly at the end; the second starts there.
(assert_trap (invoke "i64_pair" (i32.const 65528)) "out of bounds memory access")

(assert_return (invoke "offset_on_fold" (i32.const 0)) (i32.const 0x201f1e1d))
(assert_return (invoke "offset_on_fold" (i32.const 65520)) (i32.const 0xafaeadac))
(assert_trap (invoke "offset_on_fold" (i32.const 65521)) "out of bounds memory access")
(assert_trap (invoke "offset_on_fold" (i32.const -8)) "out of bounds memory access")

(assert_trap (invoke "k_64k" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "k_64k" (i32.const 65535)) "out of bounds memory access")
;; 0xFFFF0000 + 65536 would wrap to 0, but the first access traps.
(assert_trap (invoke "k_64k" (i32.const -65536)) "out of bounds memory access")

;; 0xFFFFFFFC + 4 and + 8 wrap to addresses 0 and 4.
(assert_return (invoke "via_plus4" (i32.const -4)) (i32.const 0x1115))
(assert_trap (invoke "via_plus4" (i32.const -8)) "out of bounds memory access")
(assert_return (invoke "via_plus4" (i32.const 65523)) (i32.const 0xa7ab))
(assert_return (invoke "via_plus4" (i32.const 65527)) (i32.const 0xabaf))
(assert_trap (invoke "via_plus4" (i32.const 65528)) "out of bounds memory access")

;; 0xa0 + 0xa1 + ... + 0xaf = 16 * 0xa0 + 120 = 2680.
(assert_return (invoke "sum_pairs" (i32.const 65520) (i32.const 8)) (i32.const 2680))
;; 0x11 + ... + 0x20 = 16 * 0x11 + 120 = 392.
(assert_return (invoke "sum_pairs" (i32.const 0) (i32.const 8)) (i32.const 392))
;; The ninth pair's first byte is at 65536.
(assert_trap (invoke "sum_pairs" (i32.const 65520) (i32.const 9)) "out of bounds memory access")
;; The eighth pair's second byte (the folded access) is at 65536.
(assert_trap (invoke "sum_pairs" (i32.const 65521) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "sum_pairs" (i32.const 65521) (i32.const 7)) (i32.const 2345))

(assert_return (invoke "store_then_load" (i32.const 65527) (i32.const 0x55)) (i32.const 0xaf))
(assert_return (invoke "peek" (i32.const 65527)) (i32.const 0x55))
(assert_trap (invoke "store_then_load" (i32.const 65528) (i32.const 0x66)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65528)) (i32.const 0x66))
(assert_trap (invoke "store_then_load" (i32.const -8) (i32.const 0x77)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 0x11))

;; memory.grow between the two accesses: the length only grows, so the
;; access through p still proves p + 8 does not wrap; the folded access
;; sees the new length.
(module
  (memory 1 2)
  (func (export "grow_between") (param i32) (result i32)
    (drop (i32.load8_u (local.get 0)))
    (drop (memory.grow (i32.const 1)))
    (i32.load8_u (i32.add (local.get 0) (i32.const 8))))
  (func (export "size") (result i32) (memory.size))
)

;; 65530 + 8 is past the first page: in bounds once grown.
(assert_return (invoke "grow_between" (i32.const 65530)) (i32.const 0))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "grow_between" (i32.const 131063)) (i32.const 0))
(assert_trap (invoke "grow_between" (i32.const 131064)) "out of bounds memory access")
(assert_trap (invoke "grow_between" (i32.const -8)) "out of bounds memory access")

;; Two memories: an access through p in memory 1 does not count for an
;; access in memory 0 (and vice versa), and a folded access reads its own
;; memory. Memory 0 is one page (byte 8 = 0x19, byte 65535 = 0xaf),
;; memory 1 two pages (byte 8 = 0x99, byte 65538 written by "poke1").
(module
  (memory $m0 1)
  (memory $m1 2)
  (data (memory $m0) (i32.const 0) "\11\12\13\14\15\16\17\18\19")
  (data (memory $m0) (i32.const 65535) "\af")
  (data (memory $m1) (i32.const 8) "\99")
  (func (export "poke1") (param i32 i32)
    (i32.store8 $m1 (local.get 0) (local.get 1)))
  (func (export "m1_then_m0") (param i32) (result i32)
    (drop (i32.load8_u $m1 (local.get 0)))
    (i32.load8_u $m0 (i32.add (local.get 0) (i32.const 8))))
  (func (export "m0_then_m1") (param i32) (result i32)
    (drop (i32.load8_u $m0 (local.get 0)))
    (i32.load8_u $m1 (i32.add (local.get 0) (i32.const 8))))
  ;; Both: the memory-0 access folds after the memory-0 access only.
  (func (export "m1_m0_then_m0") (param i32) (result i32)
    (drop (i32.load8_u $m1 (local.get 0)))
    (drop (i32.load8_u $m0 (local.get 0)))
    (i32.load8_u $m0 (i32.add (local.get 0) (i32.const 8))))
)

(assert_return (invoke "poke1" (i32.const 65538) (i32.const 0x77)))
(assert_return (invoke "m1_then_m0" (i32.const 0)) (i32.const 0x19))
(assert_return (invoke "m1_then_m0" (i32.const 65527)) (i32.const 0xaf))
(assert_trap (invoke "m1_then_m0" (i32.const 65530)) "out of bounds memory access")
(assert_trap (invoke "m1_then_m0" (i32.const -8)) "out of bounds memory access")
(assert_return (invoke "m0_then_m1" (i32.const 0)) (i32.const 0x99))
(assert_return (invoke "m0_then_m1" (i32.const 65530)) (i32.const 0x77))
(assert_trap (invoke "m0_then_m1" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "m1_m0_then_m0" (i32.const 0)) (i32.const 0x19))
(assert_return (invoke "m1_m0_then_m0" (i32.const 65527)) (i32.const 0xaf))
(assert_trap (invoke "m1_m0_then_m0" (i32.const 65528)) "out of bounds memory access")
(assert_trap (invoke "m1_m0_then_m0" (i32.const 65530)) "out of bounds memory access")

;; Matmul's loop shape: 8-byte accesses at p and p + 8, p stepping by 16.
;; In explicit mode the loop may be versioned (its checks hoisted), and the
;; access at p + 8 folds to `p` with offset 8 in both copies; the folded
;; access must still trap at exactly the first byte past the end.
;; Bytes 65520..65535 are 0xa0..0xaf, the rest 0.
(module
  (memory 1)
  (data (i32.const 65520) "\a0\a1\a2\a3\a4\a5\a6\a7\a8\a9\aa\ab\ac\ad\ae\af")
  (func (export "peek") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "sum_pairs64") (param $p i32) (param $n i32) (result i64)
    (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.load (local.get $p))))
        (local.set $acc (i64.add (local.get $acc)
          (i64.load (i32.add (local.get $p) (i32.const 8)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "fill_pairs64") (param $p i32) (param $n i32) (param $v i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i64.store (local.get $p) (local.get $v))
        (i64.store (i32.add (local.get $p) (i32.const 8)) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
)

;; 0xa7a6a5a4a3a2a1a0 + 0xafaeadacabaaa9a8 (mod 2^64); 65504..65519 are 0.
(assert_return (invoke "sum_pairs64" (i32.const 65504) (i32.const 2)) (i64.const 0x575553514f4d4b48))
;; One pair at 65505: bytes 65505..65520, only 65520 (0xa0, the top byte of
;; the folded load) nonzero.
(assert_return (invoke "sum_pairs64" (i32.const 65505) (i32.const 1)) (i64.const 0xa000000000000000))
;; The second pair's folded load covers 65529..65536: one byte past the end.
(assert_trap (invoke "sum_pairs64" (i32.const 65505) (i32.const 2)) "out of bounds memory access")
;; 0xFFFFFFF0 + 8 would wrap to 0xFFFFFFF8; the load at p traps first.
(assert_trap (invoke "sum_pairs64" (i32.const -16) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "sum_pairs64" (i32.const 65528) (i32.const 1)) "out of bounds memory access")

;; Stores to 65505..65528 happen, the folded store at 65529 traps and
;; writes nothing.
(assert_trap (invoke "fill_pairs64" (i32.const 65505) (i32.const 2) (i64.const -1)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65505)) (i32.const 0xff))
(assert_return (invoke "peek" (i32.const 65528)) (i32.const 0xff))
(assert_return (invoke "peek" (i32.const 65529)) (i32.const 0xa9))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 0xaf))
