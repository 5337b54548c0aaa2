/* Recursive fibonacci: nothing but calls, compares and adds (the call path). */
#include "bench.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    uint32_t n = (uint32_t)bench_size(argc, argv, 42);
    uint64_t start = bench_now_ns();
    uint32_t result = fib(n);
    bench_report("fib", result, start);
    return 0;
}
