(module
  (import "env" "led_set" (func $led_set (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi")
  (func (export "blink") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $led_set (i32.and (local.get $i) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "swap-pair") (param i64 f64) (result f64 i64)
    (local.get 1) (local.get 0)))
