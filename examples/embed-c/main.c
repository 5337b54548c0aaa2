/* Example firmware embedding a Wasm module compiled by wafer (see
 * README.md): it owns the machine (startup code, MMU, UART, exception
 * vectors) and uses the module through app.h and wafer_rt.h.
 *
 * Board: QEMU virt, Cortex-A53 at EL1, PL011 UART at 0x09000000. */
#include <stddef.h>
#include <stdint.h>

#include "app.h"

/* --- UART (PL011): data register at +0, flag register at +0x18 --- */
#define UART_BASE 0x09000000UL
#define UART_FR_TXFF (1u << 5)

static void uart_putc(char c) {
    volatile uint32_t *uart = (volatile uint32_t *)UART_BASE;
    while (uart[0x18 / 4] & UART_FR_TXFF) {
    }
    uart[0] = (uint32_t)(unsigned char)c;
}

static void print_n(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uart_putc(s[i]);
    }
}

static void print(const char *s) {
    while (*s) {
        uart_putc(*s++);
    }
}

static void print_int(int64_t v) {
    char digits[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) {
        uart_putc('-');
    }
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    while (n > 0) {
        uart_putc(digits[--n]);
    }
}

/* --- MMU: identity map with 1 GiB blocks, so that RAM is Normal memory
 * (with the MMU off every access is Device memory, where the unaligned
 * accesses Wasm code may make fault). 0-1 GiB: devices; 1-2 GiB: RAM;
 * 2-4 GiB: a Device view of 0-2 GiB, where wafer's board drivers reach
 * the UART for the runtime's own fatal-error messages. --- */
static uint64_t level1[4] __attribute__((aligned(4096)));

#define BLOCK (1ull << 0)       /* level-1 block descriptor */
#define ATTR_DEVICE (0ull << 2) /* MAIR index 0: Device-nGnRnE */
#define ATTR_NORMAL (1ull << 2) /* MAIR index 1: Normal write-back */
#define INNER_SHAREABLE (3ull << 8)
#define ACCESS_FLAG (1ull << 10)

void mmu_on(void) {
    level1[0] = 0x00000000ull | BLOCK | ATTR_DEVICE | ACCESS_FLAG;
    level1[1] = 0x40000000ull | BLOCK | ATTR_NORMAL | INNER_SHAREABLE | ACCESS_FLAG;
    level1[2] = 0x00000000ull | BLOCK | ATTR_DEVICE | ACCESS_FLAG;
    level1[3] = 0x40000000ull | BLOCK | ATTR_DEVICE | ACCESS_FLAG;
    /* TCR_EL1: 32-bit VA (T0SZ=32), write-back inner-shareable walks,
     * 4 KiB granule, TTBR1 walks off (EPD1), 40-bit PA. */
    uint64_t tcr = 32 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) | (2ull << 32);
    __asm__ volatile("msr mair_el1, %0\n"
                     "msr tcr_el1, %1\n"
                     "msr ttbr0_el1, %2\n"
                     "dsb ish\n"
                     "isb\n"
                     "tlbi vmalle1\n"
                     "dsb ish\n"
                     "isb\n"
                     /* SCTLR_EL1: RES1 bits + M, C, I; alignment checks off */
                     "msr sctlr_el1, %3\n"
                     "isb\n"
                     :
                     : "r"(0xff00ull), "r"(tcr), "r"(level1), "r"(0x30d01805ull)
                     : "memory");
}

/* --- The module's import: env.led_set --- */
void env_led_set(void *vmctx, int32_t on) {
    (void)vmctx;
    print(on ? "LED on\n" : "LED off\n");
}

static void print_trap(const wafer_trap *trap) {
    print("trap: ");
    print_n(trap->message, trap->message_len);
    if (trap->function_len > 0) {
        print(" in ");
        print_n(trap->module, trap->module_len);
        print("!");
        print_n(trap->function, trap->function_len);
    }
    if (trap->wasm_offset != UINT32_MAX) {
        print(" at wasm offset ");
        print_int(trap->wasm_offset);
    }
    print("\n");
}

int main(void) {
    wafer_instance *app;
    wafer_trap trap;
    print("firmware: start\n");
    if (app_instantiate(&app, &trap) != WAFER_OK) {
        print_trap(&trap);
        return 1;
    }

    int32_t blinks;
    if (app_blink(app, 3, &blinks, &trap) != WAFER_OK) {
        print_trap(&trap);
        return 1;
    }
    print("blink returned ");
    print_int(blinks);
    print("\n");

    int32_t quotient;
    if (app_div(app, 84, 2, &quotient, &trap) == WAFER_OK) {
        print("div(84, 2) = ");
        print_int(quotient);
        print("\n");
    }
    /* A trap comes back as a status; the firmware keeps running. */
    wafer_status status = app_div(app, 1, 0, &quotient, &trap);
    if (status == WAFER_TRAP && trap.code == WAFER_TRAP_INTEGER_DIVIDE_BY_ZERO) {
        print_trap(&trap);
    } else {
        print("div(1, 0) did not trap\n");
        return 1;
    }

    uint64_t length;
    uint8_t *memory = app_memory(app, &length);
    print("memory: ");
    print_int((int64_t)length);
    print(" bytes, data at 16: ");
    print_n((const char *)memory + 16, 2);
    print("\n");
    memory[100] = 42;
    int32_t byte;
    if (app_peek(app, 100, &byte, &trap) == WAFER_OK) {
        print("peek(100) = ");
        print_int(byte);
        print("\n");
    }
    status = app_peek(app, (int32_t)length, &byte, &trap);
    if (status == WAFER_TRAP) {
        print_trap(&trap);
    }

    app_swap_pair_results pair;
    if (app_swap_pair(app, -7, 2.5, &pair, &trap) == WAFER_OK) {
        print("swap-pair(-7, 2.5) = (");
        print_int((int64_t)(pair.r0 * 10));
        print("/10, ");
        print_int(pair.r1);
        print(")\n");
    }

    /* The instance still works after its traps. */
    if (app_blink(app, 1, &blinks, &trap) != WAFER_OK) {
        print_trap(&trap);
        return 1;
    }
    print("firmware: done\n");
    return 0;
}
