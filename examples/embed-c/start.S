// Startup code of the example firmware (QEMU virt, Cortex-A53, EL1):
// FP/SIMD on, stack, zero .bss, exception vectors, then main(); main's
// return value becomes QEMU's exit status through semihosting.
// The entry is `firmware_start`, not `_start`: libwafer_rt.a carries
// wafer's own boot code under that name (unused here).

    .section .text.start, "ax"
    .globl firmware_start
firmware_start:
    mov x0, #(3 << 20)          // CPACR_EL1.FPEN: no trap on FP/SIMD
    msr cpacr_el1, x0
    isb
    ldr x0, =__stack_top
    mov sp, x0
    ldr x0, =__bss_start
    ldr x1, =__bss_end
1:  cmp x0, x1
    b.hs 2f
    str xzr, [x0], #8
    b 1b
2:  adr x0, vectors
    msr vbar_el1, x0
    isb
    bl mmu_on
    bl main
    bl semihosting_exit
3:  wfe
    b 3b

// Exception vectors: only "current EL with SP_ELx" is ever taken (no
// lower EL). A synchronous exception goes to the wafer runtime, which
// turns a trap in Wasm code into a trap returned by the API call (it
// returns the address to resume at) and reports anything else as fatal.
    .balign 2048
vectors:
    .org vectors + 0x200
    b sync_exception
    .org vectors + 0x280
    b sync_exception            // IRQ (masked: never taken)
    .org vectors + 0x300
    b sync_exception            // FIQ (masked: never taken)
    .org vectors + 0x380
    b sync_exception            // SError: fatal in the runtime
    .org vectors + 0x800

sync_exception:
    sub sp, sp, #176
    stp x0, x1, [sp, #0]
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x29, [sp, #144]
    str x30, [sp, #160]
    mrs x0, esr_el1
    mrs x1, elr_el1
    mrs x2, far_el1
    bl wafer_aarch64_exception
    msr elr_el1, x0
    ldp x0, x1, [sp, #0]
    ldp x2, x3, [sp, #16]
    ldp x4, x5, [sp, #32]
    ldp x6, x7, [sp, #48]
    ldp x8, x9, [sp, #64]
    ldp x10, x11, [sp, #80]
    ldp x12, x13, [sp, #96]
    ldp x14, x15, [sp, #112]
    ldp x16, x17, [sp, #128]
    ldp x18, x29, [sp, #144]
    ldr x30, [sp, #160]
    add sp, sp, #176
    eret

// Ends QEMU (-semihosting) with exit status w0: SYS_EXIT with
// ADP_Stopped_ApplicationExit and the status.
    .globl semihosting_exit
semihosting_exit:
    sub sp, sp, #16
    mov x1, #0x0026
    movk x1, #0x2, lsl #16
    str x1, [sp]
    mov w0, w0
    str x0, [sp, #8]
    mov x1, sp
    mov x0, #0x18
    hlt #0xf000
    b .
