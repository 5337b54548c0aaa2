;; Loops bounded by a counter whose exit sits inside the body, not on the
;; back edge (compiler/src/translate/loop_scan/exits.rs): in explicit mode
;; they get an unchecked copy whose entry test bounds the iterations by
;; that exit. Each assertion fails if the unchecked copy ran where an
;; access is out of bounds (it would not trap, or trap at another place),
;; or if a loop trapped before the stores of the iterations that were in
;; bounds. Memories are one page: the last byte is 65535.

;; wasi-libc's `strncmp` as clang compiles it: the count test is a block
;; in the middle of the loop whose tail leaves the loop; the back edge
;; tests the byte just loaded.
(module
  (memory 1)
  (data (i32.const 100) "abcdef\00")
  (data (i32.const 200) "abcdeg\00")
  (data (i32.const 300) "abcdef\00")
  (data (i32.const 400) "abcdefgh\00")
  (data (i32.const 65520) "abcdefgh")
  (data (i32.const 65530) "abcdef")
  (func (export "strncmp") (param $l i32) (param $r i32) (param $n i32) (result i32)
    (local $res i32) (local $cl i32) (local $cr i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (block $done
      (br_if $done (i32.eqz (local.tee $cl (i32.load8_u (local.get $l)))))
      (local.set $l (i32.add (local.get $l) (i32.const 1)))
      (local.set $n (i32.add (local.get $n) (i32.const -1)))
      (loop $next
        (block $r_nonzero
          (br_if $r_nonzero (local.tee $cr (i32.load8_u (local.get $r))))
          (local.set $res (local.get $cl))
          (br $done))
        (block $n_left
          (br_if $n_left (local.get $n))
          (local.set $res (local.get $cl))
          (br $done))
        (block $same
          (br_if $same (i32.eq (i32.and (local.get $cl) (i32.const 255)) (local.get $cr)))
          (local.set $res (local.get $cl))
          (br $done))
        (local.set $n (i32.add (local.get $n) (i32.const -1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $cl (i32.load8_u (local.get $l)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br_if $next (local.get $cl))))
    (i32.sub (i32.and (local.get $res) (i32.const 255)) (i32.load8_u (local.get $r)))))

;; In the middle of memory: the unchecked copy runs.
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 300) (i32.const 7)) (i32.const 0))
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 300) (i32.const 1000)) (i32.const 0))
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 200) (i32.const 7)) (i32.const -1))
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 200) (i32.const 5)) (i32.const 0))
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 200) (i32.const 1)) (i32.const 0))
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 200) (i32.const 0)) (i32.const 0))
;; The left string is the last 6 bytes of memory: the count runs out on
;; its last byte (6), or one later, when the next left byte is loaded at
;; 65536 (7).
(assert_return (invoke "strncmp" (i32.const 65530) (i32.const 65520) (i32.const 6)) (i32.const 0))
(assert_return (invoke "strncmp" (i32.const 65530) (i32.const 65520) (i32.const 5)) (i32.const 0))
(assert_trap (invoke "strncmp" (i32.const 65530) (i32.const 65520) (i32.const 7)) "out of bounds memory access")
;; Left pointer off the end long before the count runs out.
(assert_trap (invoke "strncmp" (i32.const 65530) (i32.const 400) (i32.const 100)) "out of bounds memory access")
;; The data exit fires first: the bytes differ before the end.
(assert_return (invoke "strncmp" (i32.const 65530) (i32.const 200) (i32.const 100)) (i32.const -1))
;; Right pointer off the end: "abcdefgh" against the last 6 bytes.
(assert_trap (invoke "strncmp" (i32.const 400) (i32.const 65530) (i32.const 100)) "out of bounds memory access")
(assert_return (invoke "strncmp" (i32.const 400) (i32.const 65530) (i32.const 6)) (i32.const 0))
;; A count that wraps (2^32 - 1 turns allowed): bounded by the data.
(assert_return (invoke "strncmp" (i32.const 100) (i32.const 300) (i32.const -1)) (i32.const 0))

;; The count test first in the body, as a block whose tail leaves the
;; loop; a data back edge (stops after copying a zero byte). Returns the
;; count left.
(module
  (memory 1)
  (data (i32.const 100) "abcdef\00")
  (data (i32.const 500) "ABCDEFGH\00")
  (func (export "copy_top") (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $c i32)
    (block $out
      (loop $l
        (block $more
          (br_if $more (local.get $n))
          (br $out))
        (i32.store8 (local.get $dst) (local.tee $c (i32.load8_u (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $c))))
    (local.get $n))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

(assert_return (invoke "copy_top" (i32.const 1000) (i32.const 500) (i32.const 4)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 1003)) (i32.const 68))
(assert_return (invoke "load8" (i32.const 1004)) (i32.const 0))
;; Ends exactly at the last byte.
(assert_return (invoke "copy_top" (i32.const 65530) (i32.const 100) (i32.const 6)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 102))
;; One byte more: the 6th store traps after the 5 before it.
(assert_trap (invoke "copy_top" (i32.const 65531) (i32.const 500) (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65531)) (i32.const 65))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 69))
;; The zero byte ends the copy first.
(assert_return (invoke "copy_top" (i32.const 65500) (i32.const 100) (i32.const 1000)) (i32.const 993))
(assert_return (invoke "load8" (i32.const 65505)) (i32.const 102))
;; Count 0: nothing copied.
(assert_return (invoke "copy_top" (i32.const 65536) (i32.const 100) (i32.const 0)) (i32.const 0))

;; The count test in the middle, as a `br_if` out of the loop on
;; `n == 0`, after the load: the last turn loads one byte more than it
;; stores.
(module
  (memory 1)
  (data (i32.const 100) "abcdef\00")
  (data (i32.const 65530) "uvwxyz")
  (func (export "copy_mid") (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $c i32)
    (block $out
      (loop $l
        (local.set $c (i32.load8_u (local.get $src)))
        (br_if $out (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (local.get $c))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $c))))
    (local.get $n))
  ;; The counter steps by 2 and is tested with `i32.eq`: an odd count
  ;; never meets zero and the loop runs until it traps.
  (func (export "fill_step2") (param $dst i32) (param $n i32) (param $v i32)
    (block $out
      (loop $l
        (br_if $out (i32.eq (local.get $n) (i32.const 0)))
        (i32.store8 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (br $l))))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

;; 6 bytes from the last 6: the 7th load (at 65536) comes before the
;; count test, and traps after the 6 stores.
(assert_trap (invoke "copy_mid" (i32.const 1000) (i32.const 65530) (i32.const 6)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 1000)) (i32.const 117))
(assert_return (invoke "load8" (i32.const 1005)) (i32.const 122))
(assert_return (invoke "copy_mid" (i32.const 2000) (i32.const 65530) (i32.const 5)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 2004)) (i32.const 121))
(assert_return (invoke "load8" (i32.const 2005)) (i32.const 0))
;; The destination runs off the end: 3 stores, then a trap.
(assert_trap (invoke "copy_mid" (i32.const 65533) (i32.const 100) (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 97))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 99))
;; The zero byte first (it is stored, then the back edge ends the loop).
(assert_return (invoke "copy_mid" (i32.const 3000) (i32.const 100) (i32.const 100)) (i32.const 93))
(assert_return (invoke "load8" (i32.const 3005)) (i32.const 102))
(assert_return (invoke "fill_step2" (i32.const 65530) (i32.const 12) (i32.const 1)))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 1))
(assert_trap (invoke "fill_step2" (i32.const 65530) (i32.const 13) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65530)) (i32.const 2))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 2))

;; The count test last, as `if (n == 0) br $out`, after a data exit; the
;; back edge is an unconditional `br`.
(module
  (memory 1)
  (data (i32.const 100) "abcdef\00")
  (func (export "copy_end") (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $c i32)
    (block $out
      (loop $l
        (i32.store8 (local.get $dst) (local.tee $c (i32.load8_u (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (br_if $out (i32.eqz (local.get $c)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (if (i32.eq (local.get $n) (i32.const 0)) (then (br $out)))
        (br $l)))
    (local.get $n))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

(assert_return (invoke "copy_end" (i32.const 65530) (i32.const 100) (i32.const 6)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 102))
(assert_trap (invoke "copy_end" (i32.const 65532) (i32.const 100) (i32.const 6)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65532)) (i32.const 97))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 100))
(assert_return (invoke "copy_end" (i32.const 65531) (i32.const 100) (i32.const 5)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 101))
;; Count 0 never meets zero after its decrement: the zero byte ends it.
(assert_return (invoke "copy_end" (i32.const 4000) (i32.const 100) (i32.const 0)) (i32.const -6))
(assert_return (invoke "load8" (i32.const 4005)) (i32.const 102))
(assert_trap (invoke "copy_end" (i32.const 65533) (i32.const 100) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 99))

;; The count test after the store, as a block whose tail traps: which
;; trap comes shows which ran first, the store off the end or the test.
(module
  (memory 1)
  (func (export "fill") (param $dst i32) (param $n i32) (param $v i32)
    (loop $l
      (i32.store8 (local.get $dst) (local.get $v))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (block $more
        (br_if $more (local.get $n))
        (unreachable))
      (br $l)))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

(assert_trap (invoke "fill" (i32.const 65534) (i32.const 2) (i32.const 7)) "unreachable")
(assert_return (invoke "load8" (i32.const 65534)) (i32.const 7))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 7))
(assert_trap (invoke "fill" (i32.const 65533) (i32.const 4) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 8))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 8))
(assert_trap (invoke "fill" (i32.const 65535) (i32.const 1) (i32.const 9)) "unreachable")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 9))
(assert_trap (invoke "fill" (i32.const 1000) (i32.const 300) (i32.const 10)) "unreachable")
(assert_return (invoke "load8" (i32.const 1299)) (i32.const 10))
(assert_return (invoke "load8" (i32.const 1300)) (i32.const 0))

;; Count tests that do NOT bound the loop: not every turn that goes on
;; passes them. Each loop walks off the end of memory while the count is
;; still far from zero: it must trap there, never run unchecked.
(module
  (memory 1)
  ;; Inside an `if`: skipped when `$check` is 0.
  (func (export "in_if") (param $dst i32) (param $n i32) (param $check i32) (param $v i32)
    (block $out
      (loop $l
        (i32.store8 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (if (local.get $check) (then (br_if $out (i32.eqz (local.get $n)))))
        (br $l))))
  ;; After a branch that skips it.
  (func (export "skipped") (param $dst i32) (param $n i32) (param $check i32) (param $v i32)
    (block $out
      (loop $l
        (i32.store8 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (block $skip
          (br_if $skip (i32.eqz (local.get $check)))
          (br_if $out (i32.eqz (local.get $n))))
        (br $l))))
  ;; A block whose tail falls through to the rest of the turn.
  (func (export "falls_through") (param $dst i32) (param $n i32) (param $v i32)
    (loop $l
      (i32.store8 (local.get $dst) (local.get $v))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (block $more
        (br_if $more (local.get $n))
        (local.set $v (i32.add (local.get $v) (i32.const 1))))
      (br $l)))
  ;; A block whose tail branches to an enclosing block inside the loop.
  (func (export "tail_stays") (param $dst i32) (param $n i32) (param $v i32)
    (loop $l
      (i32.store8 (local.get $dst) (local.get $v))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (block $outer
        (block $more
          (br_if $more (local.get $n))
          (br $outer)))
      (br $l)))
  ;; A second branch to the guarding block's end, in its tail.
  (func (export "tail_rejoins") (param $dst i32) (param $n i32) (param $v i32)
    (block $out
      (loop $l
        (i32.store8 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (block $more
          (br_if $more (local.get $n))
          (br_if $more (local.get $v))
          (br $out))
        (br $l))))
  ;; An `if` with an `else` that leaves the loop: the turns that go on
  ;; took the `then` arm, where the count IS zero (one turn more runs).
  (func (export "if_else") (param $dst i32) (param $n i32) (param $v i32)
    (block $out
      (loop $l
        (i32.store8 (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (if (i32.eqz (local.get $n))
          (then (nop))
          (else (br $out)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
  (func (export "load8") (param $p i32) (result i32) (i32.load8_u (local.get $p))))

(assert_trap (invoke "in_if" (i32.const 65000) (i32.const 10) (i32.const 0) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 5))
(assert_return (invoke "in_if" (i32.const 65000) (i32.const 10) (i32.const 1) (i32.const 6)))
(assert_return (invoke "load8" (i32.const 65009)) (i32.const 6))
(assert_return (invoke "load8" (i32.const 65010)) (i32.const 5))
(assert_trap (invoke "skipped" (i32.const 64000) (i32.const 10) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 7))
(assert_return (invoke "skipped" (i32.const 64000) (i32.const 10) (i32.const 1) (i32.const 8)))
(assert_return (invoke "load8" (i32.const 64009)) (i32.const 8))
(assert_return (invoke "load8" (i32.const 64010)) (i32.const 7))
;; The count runs out after 10 stores of 20, then 21 on to the end.
(assert_trap (invoke "falls_through" (i32.const 63000) (i32.const 10) (i32.const 20)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 63009)) (i32.const 20))
(assert_return (invoke "load8" (i32.const 63010)) (i32.const 21))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 21))
(assert_trap (invoke "tail_stays" (i32.const 62000) (i32.const 10) (i32.const 30)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 30))
(assert_trap (invoke "tail_rejoins" (i32.const 61000) (i32.const 10) (i32.const 40)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 40))
(assert_return (invoke "tail_rejoins" (i32.const 61000) (i32.const 10) (i32.const 0)))
(assert_return (invoke "load8" (i32.const 61009)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 61010)) (i32.const 40))
(assert_trap (invoke "if_else" (i32.const 65535) (i32.const 0) (i32.const 60)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 60))
(assert_return (invoke "if_else" (i32.const 60000) (i32.const 0) (i32.const 50)))
(assert_return (invoke "load8" (i32.const 60001)) (i32.const 50))
(assert_return (invoke "load8" (i32.const 60002)) (i32.const 0))
