/* Naive matrix multiply of n x n doubles (i-k-j order), five times over into
 * the same result: streaming loads and stores of doubles, the first example
 * users write. */
#include "bench.h"

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 700);
    double *a = malloc(sizeof(double) * n * n);
    double *b = malloc(sizeof(double) * n * n);
    double *c = calloc((size_t)(n * n), sizeof(double));
    if (!a || !b || !c) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        for (long j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
        }
    }
    uint64_t start = bench_now_ns();
    for (int rep = 0; rep < 5; rep++) {
        for (long i = 0; i < n; i++) {
            for (long k = 0; k < n; k++) {
                double aik = a[i * n + k];
                for (long j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    uint64_t sum = 0;
    for (long i = 0; i < n * n; i += 7) sum = bench_mix(sum, bench_double_bits(c[i]));
    bench_report("matmul", sum, start);
    free(a);
    free(b);
    free(c);
    return 0;
}
