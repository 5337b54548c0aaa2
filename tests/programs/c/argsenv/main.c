/* Arguments, one environment variable, random bytes and the exit code:
 * prints each argument with its length and reversed, sums the ones that
 * are integers, and exits with the sum modulo 256. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long sum = 0;
    printf("%d arguments\n", argc - 1);
    for (int i = 1; i < argc; i++) {
        size_t len = strlen(argv[i]);
        char reversed[256];
        size_t keep = len < sizeof reversed - 1 ? len : sizeof reversed - 1;
        for (size_t j = 0; j < keep; j++) reversed[j] = argv[i][keep - 1 - j];
        reversed[keep] = '\0';
        char *end;
        long v = strtol(argv[i], &end, 10);
        int is_number = *argv[i] != '\0' && *end == '\0';
        if (is_number) sum += v;
        printf("[%d] \"%s\" length %zu reversed \"%s\"%s\n", i, argv[i], len,
               reversed, is_number ? " (number)" : "");
    }
    const char *mode = getenv("ARGSENV_MODE");
    printf("mode %s\n", mode ? mode : "(unset)");
    printf("missing %s\n", getenv("ARGSENV_SURELY_UNSET") ? "set" : "unset");

    /* Real entropy differs between runs, so print only that it arrived and
     * is not all zeros. */
    unsigned char bytes[32] = {0};
    int got = getentropy(bytes, sizeof bytes);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof bytes; i++) nonzero |= bytes[i];
    printf("entropy %s\n", got == 0 && nonzero ? "ok" : "failed");

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int forward = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
    printf("monotonic %s\n", forward ? "ok" : "went back");

    printf("sum %ld\n", sum);
    fflush(stdout);
    exit((int)(sum & 0xff));
}
