;; Values carried through a dispatch loop (a `br_table` jump table) without
;; being read in it are parked in a stack slot on x86_64
;; (translate/park_live_through.rs): stored after their definition, loaded
;; after the loop. These check that every parked value comes back bit for
;; bit (i32, i64, f32 and f64 NaN payloads), through early exits before the
;; loop, calls inside it, and when the loop runs zero or many times.
;;
;; The bytecode: 0 halt, 1 acc += 1, 2 acc *= 2, 3 acc += 10, 4 acc -= 3,
;; 5 acc = $twice(acc) (a call); any other byte halts too.
(module
  (memory 1)
  ;; 1 2 3 4 1 0: acc 0 -> 1 -> 2 -> 12 -> 9 -> 10, halt.
  (data (i32.const 16) "\01\02\03\04\01\00")
  ;; 5 5 5 3 0: acc 0 -> 0 -> 0 -> 0 -> 10, halt.
  (data (i32.const 32) "\05\05\05\03\00")
  ;; 1 5 5 5 0: acc 0 -> 1 -> 2 -> 4 -> 8, halt.
  (data (i32.const 48) "\01\05\05\05\00")
  ;; 0: halts at once.
  (data (i32.const 64) "\00")

  (func $twice (param i32) (result i32)
    (i32.shl (local.get 0) (i32.const 1)))

  ;; The accumulator after running the program at $pc.
  (func $interpret (param $pc i32) (result i32)
    (local $acc i32)
    (block $halt
      (loop $next
        (block $op5 (block $op4 (block $op3 (block $op2 (block $op1
          (br_table $halt $op1 $op2 $op3 $op4 $op5 $halt
            (i32.load8_u (local.get $pc))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.add (local.get $acc) (i32.const 10)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 3)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
        (local.set $acc (call $twice (local.get $acc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; $a and $x = $b * 3 are carried through the loop unread; $pc = 0 leaves
  ;; before the loop, reading $a there too.
  (func (export "ints") (param $pc i32) (param $a i32) (param $b i64) (result i64)
    (local $acc i32) (local $x i64)
    (local.set $x (i64.mul (local.get $b) (i64.const 3)))
    (if (i32.eqz (local.get $pc))
      (then (return (i64.extend_i32_u (local.get $a)))))
    (block $halt
      (loop $next
        (block $op5 (block $op4 (block $op3 (block $op2 (block $op1
          (br_table $halt $op1 $op2 $op3 $op4 $op5 $halt
            (i32.load8_u (local.get $pc))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.add (local.get $acc) (i32.const 10)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 3)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
        (local.set $acc (call $twice (local.get $acc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (br $next)))
    ;; x + acc + a, and a's high bit must survive the round trip.
    (i64.add
      (i64.add (local.get $x) (i64.extend_i32_u (local.get $acc)))
      (i64.extend_i32_u (local.get $a))))

  ;; Floats carried through the loop: their bits come back, NaN payloads
  ;; and signs included (the sum of both reinterpreted halves).
  (func (export "floats") (param $pc i32) (param $f f32) (param $d f64) (result i64)
    (local $acc i32)
    (block $halt
      (loop $next
        (block $op5 (block $op4 (block $op3 (block $op2 (block $op1
          (br_table $halt $op1 $op2 $op3 $op4 $op5 $halt
            (i32.load8_u (local.get $pc))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.add (local.get $acc) (i32.const 10)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 3)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
        (local.set $acc (call $twice (local.get $acc)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (br $next)))
    (i64.add
      (i64.add
        (i64.reinterpret_f64 (local.get $d))
        (i64.extend_i32_u (i32.reinterpret_f32 (local.get $f))))
      (i64.extend_i32_u (local.get $acc))))

  (func (export "interpret") (param i32) (result i32)
    (call $interpret (local.get 0)))
)

(assert_return (invoke "interpret" (i32.const 16)) (i32.const 10))
(assert_return (invoke "interpret" (i32.const 32)) (i32.const 10))
(assert_return (invoke "interpret" (i32.const 48)) (i32.const 8))
(assert_return (invoke "interpret" (i32.const 64)) (i32.const 0))

;; 5 * 3 + 10 + 7
(assert_return (invoke "ints" (i32.const 16) (i32.const 7) (i64.const 5)) (i64.const 32))
;; -2 * 3 + 10 + 0xffff_ffff (zero-extended)
(assert_return (invoke "ints" (i32.const 32) (i32.const -1) (i64.const -2))
  (i64.const 0x1_0000_0003))
;; 0x4000_0000_0000_0000 * 3 = 0xc000_0000_0000_0000 (negative); + 8 + 0x8000_0000
(assert_return (invoke "ints" (i32.const 48) (i32.const 0x8000_0000) (i64.const 0x4000_0000_0000_0000))
  (i64.const 0xc000_0000_8000_0008))
;; the loop halts at once: 7 * 3 + 0 + 1
(assert_return (invoke "ints" (i32.const 64) (i32.const 1) (i64.const 7)) (i64.const 22))
;; the exit before the loop: $a alone
(assert_return (invoke "ints" (i32.const 0) (i32.const 0x8765_4321) (i64.const 7))
  (i64.const 0x8765_4321))

;; f64 NaN 0x7ff4_0000_0000_0001 + f32 NaN 0xff80_0001 + acc 10
(assert_return (invoke "floats" (i32.const 16) (f32.const -nan:0x1) (f64.const nan:0x4_0000_0000_0001))
  (i64.const 0x7ff4_0000_ff80_000c))
;; -0.0 (0x8000_0000_0000_0000) + 1.5f (0x3fc0_0000) + acc 8
(assert_return (invoke "floats" (i32.const 48) (f32.const 1.5) (f64.const -0x0p+0))
  (i64.const 0x8000_0000_3fc0_0008))
;; no round at all: f32 NaN 0x7fc0_0000 + f64 1.0 (0x3ff0_0000_0000_0000)
(assert_return (invoke "floats" (i32.const 64) (f32.const nan) (f64.const 1))
  (i64.const 0x3ff0_0000_7fc0_0000))
