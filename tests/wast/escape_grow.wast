;; Memories without a maximum grown as far as the image lets them (all
;; free RAM on a board, the 4 GiB of a 32-bit memory on Linux, 4 GiB - 64 KiB
;; in guard mode: wafer_abi::GUARDED_MAX_BYTES), while other
;; instances' memories stay live: the new edge is reachable, one byte past
;; it is not, and growing never hands out memory another instance (or
;; nothing at all: past the end of RAM) owns. On boards the harness's
;; canary check after each trap sees the end of RAM too.

(module $first
  (memory 1)
  (func (export "poke_last") (param i32)
    (i32.store8 (i32.const 65535) (local.get 0)))
  (func (export "peek_last") (result i32)
    (i32.load8_u (i32.const 65535)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
(assert_return (invoke $first "poke_last" (i32.const 0x11)))

;; Grows one page at a time until memory.grow fails; returns the pages.
;; (On boards growing zeroes each new page: memory that is not really there,
;; or belongs to someone else, is written.)
(module $second
  (memory 1)
  (func (export "grow_all") (result i32)
    (loop $more
      (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1))
        (then (br $more))))
    (memory.size))
  ;; The address of the last byte (wraps to 0xffffffff for 4 GiB).
  (func $last (result i32)
    (i32.wrap_i64 (i64.sub (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536))
      (i64.const 1))))
  (func (export "peek_last") (result i32) (i32.load8_u (call $last)))
  (func (export "poke_last") (param i32) (i32.store8 (call $last) (local.get 0)))
  (func (export "peek_past") (result i32) (i32.load8_u offset=1 (call $last)))
  (func (export "poke_past") (param i32) (i32.store8 offset=1 (call $last) (local.get 0)))
  (func (export "load64_straddling") (result i64) (i64.load (i32.sub (call $last) (i32.const 6))))
  (func (export "fill_straddling") (memory.fill (i32.sub (call $last) (i32.const 3)) (i32.const 0x33) (i32.const 5)))
  (func (export "grew") (result i32) (i32.gt_u (memory.size) (i32.const 1))))

;; How far it gets depends on the board's RAM; that it grew is checked.
(invoke $second "grow_all")
(assert_return (invoke $second "grew") (i32.const 1))
(assert_return (invoke $second "peek_last") (i32.const 0))
(assert_return (invoke $second "poke_last" (i32.const 0x44)))
(assert_return (invoke $second "peek_last") (i32.const 0x44))
(assert_trap (invoke $second "peek_past") "out of bounds memory access")
(assert_trap (invoke $second "poke_past" (i32.const 0x55)) "out of bounds memory access")
(assert_trap (invoke $second "load64_straddling") "out of bounds memory access")
(assert_trap (invoke $second "fill_straddling") "out of bounds memory access")
(assert_return (invoke $second "peek_last") (i32.const 0x44))
;; The first instance's memory is untouched.
(assert_return (invoke $first "peek_last") (i32.const 0x11))
