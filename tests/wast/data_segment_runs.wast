;; Runs of active data segments at constant offsets are applied by one loop
;; over a table of offsets (compiler/src/emit/instantiate.rs): the same
;; effects as one `memory.init` + `data.drop` per segment, in order.

(module $shared
  (memory (export "memory") 1)
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
(register "shared" $shared)

;; A run of six, a passive segment, a run of five, a segment at a global's
;; offset, and a run of four: every byte lands where its segment says,
;; active segments are dropped, the passive one is not.
(module
  (global $at (import "spectest" "global_i32") i32)
  (memory 1)
  (data (i32.const 0) "\01")
  (data (i32.const 1) "\02\03")
  (data (i32.const 3) "")
  (data (i32.const 100) "\04")
  (data (i32.const 65534) "\05\06")
  (data (i32.const 2) "\07")
  (data "\aa\bb")
  (data (i32.const 200) "\10")
  (data (i32.const 201) "\11")
  (data (i32.const 202) "\12")
  (data (i32.const 203) "\13")
  (data (i32.const 200) "\14")
  (data (global.get $at) "\20")
  (data (i32.const 300) "\30")
  (data (i32.const 301) "\31")
  (data (i32.const 302) "\32")
  (data (i32.const 303) "\33")
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "init_passive") (param i32)
    (memory.init 6 (local.get 0) (i32.const 0) (i32.const 2)))
  (func (export "init_dropped") (param i32) (param i32)
    (memory.init 1 (local.get 0) (i32.const 0) (local.get 1))))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 1)) (i32.const 2))
(assert_return (invoke "peek" (i32.const 2)) (i32.const 7))
(assert_return (invoke "peek" (i32.const 3)) (i32.const 0))
(assert_return (invoke "peek" (i32.const 100)) (i32.const 4))
(assert_return (invoke "peek" (i32.const 65534)) (i32.const 5))
(assert_return (invoke "peek" (i32.const 65535)) (i32.const 6))
(assert_return (invoke "peek" (i32.const 200)) (i32.const 0x14))
(assert_return (invoke "peek" (i32.const 201)) (i32.const 0x11))
(assert_return (invoke "peek" (i32.const 203)) (i32.const 0x13))
;; spectest's global_i32 is 666.
(assert_return (invoke "peek" (i32.const 666)) (i32.const 0x20))
(assert_return (invoke "peek" (i32.const 300)) (i32.const 0x30))
(assert_return (invoke "peek" (i32.const 303)) (i32.const 0x33))
(assert_return (invoke "peek" (i32.const 304)) (i32.const 0))
(assert_return (invoke "init_passive" (i32.const 400)))
(assert_return (invoke "peek" (i32.const 400)) (i32.const 0xaa))
(assert_return (invoke "peek" (i32.const 401)) (i32.const 0xbb))
(assert_return (invoke "init_dropped" (i32.const 0) (i32.const 0)))
(assert_trap (invoke "init_dropped" (i32.const 0) (i32.const 1)) "out of bounds memory access")

;; The fifth segment of a run does not fit: the four before it landed, the
;; sixth did not.
(assert_trap
  (module
    (import "shared" "memory" (memory 1))
    (data (i32.const 10) "\01")
    (data (i32.const 11) "\02")
    (data (i32.const 12) "\03")
    (data (i32.const 13) "\04")
    (data (i32.const 65535) "\05\06")
    (data (i32.const 14) "\07"))
  "out of bounds memory access")
(assert_return (invoke $shared "peek" (i32.const 10)) (i32.const 1))
(assert_return (invoke $shared "peek" (i32.const 13)) (i32.const 4))
(assert_return (invoke $shared "peek" (i32.const 65535)) (i32.const 0))
(assert_return (invoke $shared "peek" (i32.const 14)) (i32.const 0))
