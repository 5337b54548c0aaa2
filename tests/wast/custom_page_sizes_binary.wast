;; Custom page sizes in the binary format: bit 3 of a memory's limits
;; flags says a page-size field follows the limits, holding log2 of the
;; page size (0 for 1 byte, 16 for 64 KiB).

;; flags 0x08: no maximum, page size given; minimum 3000 (LEB b8 17),
;; log2 0: 3000 one-byte pages, exported as "mem".
(module $bin
  binary
  "\00asm" "\01\00\00\00"
  "\05\05\01"                 ;; memory section: 1 memory
  "\08\b8\17\00"              ;; flags 0x08, min 3000, page size 2^0
  "\07\07\01"                 ;; export section: 1 export
  "\03mem\02\00"              ;; "mem": memory 0
)
(register "bin" $bin)
(module
  (memory (import "bin" "mem") 3000 (pagesize 1))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "size") (i32.const 3000))
(assert_return (invoke "load8" (i32.const 2999)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 3000)) "out of bounds memory access")

;; flags 0x09: maximum and page size; min 1, max 2, log2 16: ordinary
;; 64 KiB pages.
(module
  binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7f"     ;; type section: () -> i32
  "\03\02\01\00"              ;; function section: func 0 has type 0
  "\05\05\01"                 ;; memory section: 1 memory
  "\09\01\02\10"              ;; flags 0x09, min 1, max 2, page size 2^16
  "\07\08\01"                 ;; export section: 1 export
  "\04size\00\00"             ;; "size": func 0
  "\0a\06\01\04\00\3f\00\0b"  ;; code: memory.size 0
)
(assert_return (invoke "size") (i32.const 1))

;; A page size of 2^12 is not one of the two sizes.
(assert_invalid
  (module binary
    "\00asm" "\01\00\00\00"
    "\05\04\01"               ;; memory section: 1 memory
    "\08\01\0c"               ;; flags 0x08, min 1, page size 2^12
  )
  "invalid custom page size")
