;; Loop indices carried as addresses (translate/loop_pointers.rs, x86_64):
;; a loop that advances `j` by a varying step and reads `s[j]` carries
;; `s + j` (32-bit, wrapping) instead of `j`, and gives `j` back after the
;; loop. `scan` is json's string loop: from s[j0], step over a character
;; (two after a backslash) until a '"', and return the index of the '"'.
;; Memory at 16 holds `ab\"c"` (0:'a' 1:'b' 2:'\' 3:'"' 4:'c' 5:'"'):
;; from j0 = 0 the steps go 0 -> 1 -> 2 -> 4 (over the escaped quote)
;; -> 5, and s[5] is '"'.

(module
  (memory 1)
  (data (i32.const 16) "ab\\\"c\"")
  (data (i32.const 65533) "zz")

  (func $scan (export "scan") (param $s i32) (param $j i32) (result i32)
    (local $c i32)
    (local.set $c (i32.load8_u (i32.add (local.get $s) (local.get $j))))
    (loop $next
      (local.set $j (i32.add (local.get $j)
        (i32.add (i32.const 1) (i32.eq (local.get $c) (i32.const 92)))))
      (local.set $c (i32.load8_u (i32.add (local.get $s) (local.get $j))))
      (br_if $next (i32.ne (local.get $c) (i32.const 34))))
    (local.get $j))

  ;; The index after the loop in arithmetic, and the base read again.
  (func (export "scan_times_3_plus_base") (param $s i32) (param $j i32) (result i32)
    (i32.add (i32.mul (call $scan (local.get $s) (local.get $j)) (i32.const 3))
             (local.get $s)))

  ;; The same loop with the step also stored (a use of `n` inside the
  ;; loop that is not an address: the pass leaves it alone; same answer).
  (func (export "scan_logged") (param $s i32) (param $j i32) (result i32)
    (local $c i32)
    (local.set $c (i32.load8_u (i32.add (local.get $s) (local.get $j))))
    (loop $next
      (local.set $j (i32.add (local.get $j)
        (i32.add (i32.const 1) (i32.eq (local.get $c) (i32.const 92)))))
      (i32.store (i32.const 100) (local.get $j))
      (local.set $c (i32.load8_u (i32.add (local.get $s) (local.get $j))))
      (br_if $next (i32.ne (local.get $c) (i32.const 34))))
    (local.get $j))
  (func (export "logged") (result i32) (i32.load (i32.const 100)))
)

(assert_return (invoke "scan" (i32.const 16) (i32.const 0)) (i32.const 5))
;; From the escaped quote's backslash: 2 -> 4 -> 5.
(assert_return (invoke "scan" (i32.const 16) (i32.const 2)) (i32.const 5))
;; From 'c': 4 -> 5.
(assert_return (invoke "scan" (i32.const 16) (i32.const 4)) (i32.const 5))
;; The base as an index and the index as a base: 0 + 16 -> ... -> 21.
(assert_return (invoke "scan" (i32.const 0) (i32.const 16)) (i32.const 21))
;; s + j wraps past 2^32: s = 16 - 1000 (0xfffffc28), j0 = 1000: the same
;; bytes, and j comes back as 1005.
(assert_return (invoke "scan" (i32.const -984) (i32.const 1000)) (i32.const 1005))
;; s = 2^31 + 16, j0 = 2^31: s + j0 = 16 (mod 2^32); j ends at 2^31 + 5.
(assert_return (invoke "scan" (i32.const 0x80000010) (i32.const 0x80000000)) (i32.const 0x80000005))
;; 5 * 3 + 16 = 31; wrapping: 1005 * 3 + (-984) = 2031.
(assert_return (invoke "scan_times_3_plus_base" (i32.const 16) (i32.const 0)) (i32.const 31))
(assert_return (invoke "scan_times_3_plus_base" (i32.const -984) (i32.const 1000)) (i32.const 2031))
(assert_return (invoke "scan_logged" (i32.const 16) (i32.const 0)) (i32.const 5))
(assert_return (invoke "logged") (i32.const 5))
;; No closing quote before the end of memory: "zz" then the end at 65536.
(assert_trap (invoke "scan" (i32.const 65533) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "scan" (i32.const 65530) (i32.const 3)) "out of bounds memory access")
