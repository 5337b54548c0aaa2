;; Tables at their edges: `call_indirect` out of range, on a null slot and
;; with the wrong signature; `table.get/set/fill/copy/init` at and past the
;; end (bulk operations write nothing when they trap); `table.grow` to the
;; maximum, then the new edge. Every trap is followed by calls that show
;; the table is what it was.

(module
  (type $ii (func (param i32) (result i32)))
  (type $i_i64 (func (param i32) (result i64)))
  (type $v_i (func (result i32)))
  (table $t 4 6 funcref)
  (func $f100 (type $ii) (i32.add (i32.const 100) (local.get 0)))
  (func $f200 (type $ii) (i32.add (i32.const 200) (local.get 0)))
  ;; Same parameters as $ii, another result: must not pass the type check.
  (func $wide (type $i_i64) (i64.extend_i32_u (local.get 0)))
  (func $seven (type $v_i) (i32.const 7))
  (elem $e func $f200 $f100)
  (elem (i32.const 0) $f100 $f200)
  (elem declare func $wide $seven)

  (func (export "call") (param $slot i32) (param $x i32) (result i32)
    (call_indirect $t (type $ii) (local.get $x) (local.get $slot)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
  (func (export "get") (param i32) (drop (table.get $t (local.get 0))))
  (func (export "set_f200") (param i32) (table.set $t (local.get 0) (ref.func $f200)))
  (func (export "set_wide") (param i32) (table.set $t (local.get 0) (ref.func $wide)))
  (func (export "set_seven") (param i32) (table.set $t (local.get 0) (ref.func $seven)))
  (func (export "set_null") (param i32) (table.set $t (local.get 0) (ref.null func)))
  (func (export "fill_f200") (param i32 i32) (table.fill $t (local.get 0) (ref.func $f200) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (table.init $t $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (elem.drop $e))
  (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size $t)))

;; call_indirect: in range, null, out of range, wrong signature.
(assert_return (invoke "call" (i32.const 0) (i32.const 1)) (i32.const 101))
(assert_return (invoke "call" (i32.const 1) (i32.const 1)) (i32.const 201))
(assert_trap (invoke "call" (i32.const 3) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 4) (i32.const 1)) "undefined element")
(assert_trap (invoke "call" (i32.const 5) (i32.const 1)) "undefined element")
(assert_trap (invoke "call" (i32.const 0x7fffffff) (i32.const 1)) "undefined element")
(assert_trap (invoke "call" (i32.const 0x80000000) (i32.const 1)) "undefined element")
(assert_trap (invoke "call" (i32.const -1) (i32.const 1)) "undefined element")
(assert_return (invoke "set_wide" (i32.const 3)))
(assert_trap (invoke "call" (i32.const 3) (i32.const 1)) "indirect call type mismatch")
(assert_return (invoke "set_seven" (i32.const 3)))
(assert_trap (invoke "call" (i32.const 3) (i32.const 1)) "indirect call type mismatch")
(assert_return (invoke "set_null" (i32.const 3)))
(assert_trap (invoke "call" (i32.const 3) (i32.const 1)) "uninitialized element")
(assert_return (invoke "call" (i32.const 0) (i32.const 2)) (i32.const 102))

;; table.get / table.set at the edge.
(assert_return (invoke "is_null" (i32.const 3)) (i32.const 1))
(assert_trap (invoke "get" (i32.const 4)) "out of bounds table access")
(assert_trap (invoke "get" (i32.const -1)) "out of bounds table access")
(assert_trap (invoke "set_f200" (i32.const 4)) "out of bounds table access")
(assert_trap (invoke "set_f200" (i32.const -1)) "out of bounds table access")
(assert_return (invoke "is_null" (i32.const 3)) (i32.const 1))

;; table.fill straddling the end writes nothing, not even slot 3.
(assert_trap (invoke "fill_f200" (i32.const 3) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "fill_f200" (i32.const 5) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "fill_f200" (i32.const 1) (i32.const -1)) "out of bounds table access")
(assert_return (invoke "is_null" (i32.const 2)) (i32.const 1))
(assert_return (invoke "is_null" (i32.const 3)) (i32.const 1))
(assert_return (invoke "fill_f200" (i32.const 4) (i32.const 0)))

;; table.copy: destination or source straddling, lengths that wrap.
(assert_trap (invoke "copy" (i32.const 3) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 3) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 5) (i32.const 0) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 5) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "copy" (i32.const 2) (i32.const 0) (i32.const -1)) "out of bounds table access")
(assert_return (invoke "is_null" (i32.const 3)) (i32.const 1))
(assert_return (invoke "call" (i32.const 0) (i32.const 3)) (i32.const 103))
(assert_return (invoke "copy" (i32.const 4) (i32.const 0) (i32.const 0)))

;; table.init: destination or segment range straddling.
(assert_trap (invoke "init" (i32.const 3) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "init" (i32.const 2) (i32.const 1) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "init" (i32.const 0) (i32.const 3) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "init" (i32.const 5) (i32.const 0) (i32.const 0)) "out of bounds table access")
(assert_return (invoke "is_null" (i32.const 2)) (i32.const 1))
(assert_return (invoke "is_null" (i32.const 3)) (i32.const 1))
(assert_return (invoke "init" (i32.const 2) (i32.const 0) (i32.const 2)))
(assert_return (invoke "call" (i32.const 2) (i32.const 4)) (i32.const 204))
(assert_return (invoke "call" (i32.const 3) (i32.const 4)) (i32.const 104))
(assert_return (invoke "drop"))
(assert_trap (invoke "init" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds table access")
(assert_return (invoke "init" (i32.const 4) (i32.const 0) (i32.const 0)))
(assert_return (invoke "call" (i32.const 0) (i32.const 5)) (i32.const 105))

;; table.grow to the maximum: the new slots are null, the new edge is
;; reachable, one past it is not, and growing further fails.
(assert_return (invoke "grow" (i32.const 2)) (i32.const 4))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 6))
(assert_trap (invoke "call" (i32.const 5) (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 6) (i32.const 1)) "undefined element")
(assert_return (invoke "set_f200" (i32.const 5)))
(assert_return (invoke "call" (i32.const 5) (i32.const 6)) (i32.const 206))
(assert_trap (invoke "set_f200" (i32.const 6)) "out of bounds table access")
(assert_trap (invoke "fill_f200" (i32.const 5) (i32.const 2)) "out of bounds table access")
(assert_return (invoke "is_null" (i32.const 4)) (i32.const 1))
(assert_return (invoke "copy" (i32.const 4) (i32.const 5) (i32.const 1)))
(assert_return (invoke "call" (i32.const 4) (i32.const 7)) (i32.const 207))
(assert_trap (invoke "copy" (i32.const 5) (i32.const 4) (i32.const 2)) "out of bounds table access")
(assert_return (invoke "call" (i32.const 5) (i32.const 8)) (i32.const 208))

;; A table without a maximum, grown past its first storage (the runtime
;; moves it): old entries move along, the edge follows the new size.
(module
  (type $ii (func (param i32) (result i32)))
  (table $t 1 funcref)
  (func $f300 (type $ii) (i32.add (i32.const 300) (local.get 0)))
  (elem (i32.const 0) $f300)
  (func (export "call") (param $slot i32) (param $x i32) (result i32)
    (call_indirect $t (type $ii) (local.get $x) (local.get $slot)))
  (func (export "grow") (param i32) (result i32) (table.grow $t (ref.func $f300) (local.get 0)))
  (func (export "set_null") (param i32) (table.set $t (local.get 0) (ref.null func))))
(assert_trap (invoke "call" (i32.const 1) (i32.const 1)) "undefined element")
(assert_return (invoke "grow" (i32.const 100)) (i32.const 1))
(assert_return (invoke "call" (i32.const 0) (i32.const 1)) (i32.const 301))
(assert_return (invoke "call" (i32.const 100) (i32.const 2)) (i32.const 302))
(assert_trap (invoke "call" (i32.const 101) (i32.const 1)) "undefined element")
(assert_trap (invoke "set_null" (i32.const 101)) "out of bounds table access")
(assert_return (invoke "set_null" (i32.const 100)))
(assert_trap (invoke "call" (i32.const 100) (i32.const 1)) "uninitialized element")

;; A table of zero slots: every index is out of range.
(module
  (type $v (func))
  (table 0 funcref)
  (func (export "call") (param i32) (call_indirect (type $v) (local.get 0))))
(assert_trap (invoke "call" (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i32.const -1)) "undefined element")

;; Two tables of different sizes: each is checked against its own length,
;; also when copying between them.
(module
  (type $v (func (result i32)))
  (table $small 2 funcref)
  (table $big 8 funcref)
  (func $one (type $v) (i32.const 1))
  (func $two (type $v) (i32.const 2))
  (elem (table $big) (i32.const 6) func $one $two)
  (func (export "call_small") (param i32) (result i32) (call_indirect $small (type $v) (local.get 0)))
  (func (export "call_big") (param i32) (result i32) (call_indirect $big (type $v) (local.get 0)))
  (func (export "big_to_small") (param i32 i32 i32) (table.copy $small $big (local.get 0) (local.get 1) (local.get 2)))
  (func (export "small_to_big") (param i32 i32 i32) (table.copy $big $small (local.get 0) (local.get 1) (local.get 2))))
(assert_return (invoke "call_big" (i32.const 7)) (i32.const 2))
(assert_trap (invoke "call_small" (i32.const 2)) "undefined element")
(assert_trap (invoke "call_small" (i32.const 7)) "undefined element")
(assert_trap (invoke "big_to_small" (i32.const 1) (i32.const 6) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "call_small" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "small_to_big" (i32.const 6) (i32.const 1) (i32.const 2)) "out of bounds table access")
(assert_return (invoke "call_big" (i32.const 6)) (i32.const 1))
(assert_return (invoke "big_to_small" (i32.const 0) (i32.const 6) (i32.const 2)))
(assert_return (invoke "call_small" (i32.const 1)) (i32.const 2))
(assert_return (invoke "small_to_big" (i32.const 6) (i32.const 0) (i32.const 2)))
(assert_return (invoke "call_big" (i32.const 7)) (i32.const 2))
