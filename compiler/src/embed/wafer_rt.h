/* wafer_rt.h: the C API of the wafer runtime library (libwafer_rt.a,
 * written by `wafer runtime`). See docs/embedding.md.
 *
 * Threading: the runtime is single-threaded. Call it from one thread (or
 * one core) only, never from an interrupt handler that may interrupt a
 * call into it.
 *
 * Traps: Wasm code that traps (divide by zero, out-of-bounds access,
 * `unreachable`, stack exhausted, ...) does not return normally. The runtime
 * catches the trap in the API function you called: a longjmp of its own
 * unwinds only frames of Wasm code and of the runtime, back to that API
 * call, never a frame of yours. (An import function of yours that calls
 * back into Wasm through wafer_call gets that call's trap as its status.)
 * The call returns WAFER_TRAP with a wafer_trap that says what and where.
 * The instance stays usable: call it again.
 *
 * Stack: Wasm code may use --stack-size bytes (of `wafer runtime`) below
 * the stack pointer of your first wafer_instance_new, then traps with
 * "call stack exhausted". Call the API from that stack only.
 *
 * Bare-metal firmware must route synchronous CPU exceptions to the runtime
 * (traps are trap instructions): see wafer_aarch64_exception and its
 * siblings below, and docs/embedding.md.
 */
#ifndef WAFER_RT_H
#define WAFER_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A compiled module: the descriptor `wafer_module_<prefix>` of an object
 * from `wafer compile` (its generated header declares it). */
typedef struct wafer_module wafer_module;

/* An instance of a module. Instances live until the firmware resets (the
 * runtime's allocator never frees); wafer_instance_reset restarts one in
 * place. */
typedef struct wafer_instance wafer_instance;

/* Status of every call. */
typedef int32_t wafer_status;
#define WAFER_OK 0    /* success */
#define WAFER_TRAP 1  /* Wasm code trapped: see the wafer_trap */
#define WAFER_ERROR 2 /* not a trap (link error, out of memory, bad
                         argument): the wafer_trap's message says which */

/* Trap codes (wafer_trap.code); 0 for WAFER_ERROR. */
#define WAFER_TRAP_UNREACHABLE 1
#define WAFER_TRAP_MEMORY_OUT_OF_BOUNDS 2
#define WAFER_TRAP_TABLE_OUT_OF_BOUNDS 3
#define WAFER_TRAP_UNDEFINED_ELEMENT 4
#define WAFER_TRAP_UNINITIALIZED_ELEMENT 5
#define WAFER_TRAP_INDIRECT_CALL_TYPE_MISMATCH 6
#define WAFER_TRAP_INTEGER_OVERFLOW 7
#define WAFER_TRAP_INTEGER_DIVIDE_BY_ZERO 8
#define WAFER_TRAP_INVALID_CONVERSION_TO_INTEGER 9
#define WAFER_TRAP_CALL_STACK_EXHAUSTED 10
#define WAFER_TRAP_NULL_REFERENCE 11
#define WAFER_TRAP_FUEL_EXHAUSTED 12
#define WAFER_TRAP_DEADLINE_EXCEEDED 13
#define WAFER_TRAP_ABORT 14 /* AssemblyScript's env.abort */

/* What went wrong. The strings are not NUL-terminated (print them with
 * "%.*s"); trap strings are static, an error's message lives until the
 * next error. */
typedef struct wafer_trap {
    uint32_t code;          /* WAFER_TRAP_*, 0 for WAFER_ERROR */
    uint32_t wasm_offset;   /* byte offset in the .wasm, UINT32_MAX if unknown */
    const char *message;    /* "integer divide by zero", ... */
    size_t message_len;
    const char *module;     /* the module's prefix, empty if unknown */
    size_t module_len;
    const char *function;   /* the function's name, empty if it has none */
    size_t function_len;
    uint32_t function_index; /* UINT32_MAX if unknown */
} wafer_trap;

/* One value slot of wafer_call: an i32/i64 in the low bits of bits[0]
 * (an i32 as its 32-bit pattern), an f32/f64 as its bit pattern. */
typedef struct wafer_val {
    uint64_t bits[2];
} wafer_val;

/* Instantiates `module`: allocates its memories and tables, binds its
 * imports (the C functions the linker resolved), runs its start function.
 * On WAFER_OK, *instance is the new instance. `trap` may be NULL. */
wafer_status wafer_instance_new(const wafer_module *module,
                                wafer_instance **instance, wafer_trap *trap);

/* Puts `instance` back in its freshly instantiated state, in place: its
 * own memories zeroed and back to their initial size, its own tables
 * emptied, then globals, element and data segments and the start function
 * again (a trap there: WAFER_TRAP). Imported memories/tables/globals are
 * left alone. WAFER_ERROR for a guard-mode memory that grew. Never from
 * inside a call into the same instance. */
wafer_status wafer_instance_reset(wafer_instance *instance, wafer_trap *trap);

/* Calls function export number `export_index` (the module's export order;
 * the generated header has a typed wrapper for each) with
 * values[0..params); its results are left in values[0..results). `count`
 * is the number of slots, at least the larger of the two. */
wafer_status wafer_call(wafer_instance *instance, uint32_t export_index,
                        wafer_val *values, size_t count, wafer_trap *trap);

/* Finds export `name` (name_len bytes): its number for wafer_call in
 * *export_index and, for a function, its signature in *signature
 * (signature_len bytes, not NUL-terminated): parameter letters, '>',
 * result letters; i = i32, I = i64, f = f32, F = f64, v = v128,
 * r = funcref, x = externref ("iI>f" is (i32, i64) -> f32). Any out
 * pointer may be NULL. WAFER_ERROR when there is no such export. */
wafer_status wafer_export_find(const wafer_instance *instance, const char *name,
                               size_t name_len, uint32_t *export_index,
                               const char **signature, size_t *signature_len);

/* Linear memory 0 of `instance`: its first byte (never moves; NULL when
 * the module has no memory) and its current length in bytes (memory.grow
 * changes it: read it again after calls). */
uint8_t *wafer_memory_base(const wafer_instance *instance);
uint64_t wafer_memory_length(const wafer_instance *instance);

/* The message of a trap code, NUL-terminated ("unknown trap" otherwise). */
const char *wafer_trap_message(uint32_t code);

/* Bare-metal libraries (`wafer runtime --board`) only: your exception
 * handler calls the runtime's for synchronous exceptions and resumes at the
 * address it returns. For a trap in Wasm code that is the runtime's trap
 * landing (which longjmps back to the API call); any other exception is
 * reported on the board's console and ends the program (exit status 70).
 * Linux libraries install signal handlers instead (SIGILL, SIGFPE,
 * SIGSEGV, SIGBUS, SIGTRAP) at the first wafer_instance_new. */
#if defined(__aarch64__)
/* EL1, "current EL with SP_ELx" synchronous vector: ESR_EL1, ELR_EL1 and
 * FAR_EL1 in; ELR_EL1 <- result, then eret. */
uintptr_t wafer_aarch64_exception(uintptr_t esr, uintptr_t elr, uintptr_t far);
#elif defined(__riscv)
/* scause, sepc, stval in (S-mode, as wafer's boards run; in M-mode
 * mcause, mepc, mtval); sepc (mepc) <- result, then sret (mret). */
uintptr_t wafer_riscv_exception(uintptr_t cause, uintptr_t epc, uintptr_t tval);
#elif defined(__x86_64__)
/* The exception vector number, the faulting RIP and CR2 in; resume at the
 * result (replace the RIP of the interrupt frame, then iretq). */
uintptr_t wafer_x86_exception(uintptr_t vector, uintptr_t rip, uintptr_t cr2);
#endif

/* Libraries written with `wafer runtime --platform baremetal` (no
 * --board): the firmware defines these three, the runtime's console, exit
 * and clock (WASI fd_write/proc_exit/clock_time_get, fatal messages).
 * wafer_platform_exit should not return (the runtime halts if it does). */
void wafer_platform_write(int32_t fd, const uint8_t *bytes, size_t len);
void wafer_platform_exit(int32_t code);
uint64_t wafer_platform_monotonic_ns(void);

static inline wafer_val wafer_val_i32(int32_t v) {
    wafer_val r = {{(uint64_t)(uint32_t)v, 0}};
    return r;
}
static inline wafer_val wafer_val_i64(int64_t v) {
    wafer_val r = {{(uint64_t)v, 0}};
    return r;
}
static inline wafer_val wafer_val_f32(float v) {
    union { float f; uint32_t u; } c;
    c.f = v;
    wafer_val r = {{(uint64_t)c.u, 0}};
    return r;
}
static inline wafer_val wafer_val_f64(double v) {
    union { double f; uint64_t u; } c;
    c.f = v;
    wafer_val r = {{c.u, 0}};
    return r;
}
static inline int32_t wafer_val_get_i32(wafer_val v) {
    return (int32_t)(uint32_t)v.bits[0];
}
static inline int64_t wafer_val_get_i64(wafer_val v) {
    return (int64_t)v.bits[0];
}
static inline float wafer_val_get_f32(wafer_val v) {
    union { float f; uint32_t u; } c;
    c.u = (uint32_t)v.bits[0];
    return c.f;
}
static inline double wafer_val_get_f64(wafer_val v) {
    union { double f; uint64_t u; } c;
    c.u = v.bits[0];
    return c.f;
}

#ifdef __cplusplus
}
#endif

#endif /* WAFER_RT_H */
