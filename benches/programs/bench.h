/* Shared by every benchmark program: the size argument, the kernel clock and
 * the two output lines the runner parses.
 *
 * stdout gets exactly one line, `checksum <program> <hex>`, which must be the
 * same natively, under wafer and under wasmtime. stderr gets
 * `kernel_ns <n>`: the time the program measured around its own work with
 * CLOCK_MONOTONIC (on wafer's bare-metal boards: WASI clock_time_get, i.e. the
 * board's timer), used where the process's CPU time cannot be observed. */
#ifndef WAFER_BENCH_H
#define WAFER_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* argv[1] if given (a positive integer), else the program's default size. */
static inline long bench_size(int argc, char **argv, long fallback) {
    if (argc < 2) return fallback;
    char *end;
    long value = strtol(argv[1], &end, 10);
    if (*end != '\0' || value <= 0) {
        fprintf(stderr, "usage: %s [positive size]\n", argv[0]);
        exit(2);
    }
    return value;
}

static inline void bench_report(const char *program, uint64_t checksum, uint64_t started_ns) {
    uint64_t elapsed = bench_now_ns() - started_ns;
    printf("checksum %s %016llx\n", program, (unsigned long long)checksum);
    fflush(stdout);
    fprintf(stderr, "kernel_ns %llu\n", (unsigned long long)elapsed);
}

/* Mixes a 64-bit value into a running checksum (splitmix64 finaliser). */
static inline uint64_t bench_mix(uint64_t sum, uint64_t value) {
    uint64_t z = sum + value + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t bench_double_bits(double value) {
    union { double d; uint64_t u; } pun = {value};
    return pun.u;
}

#endif
