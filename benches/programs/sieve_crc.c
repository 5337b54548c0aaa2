/* Sieve of Eratosthenes over a byte array, then CRC-32 (table-driven) of the
 * array several times: byte loads and stores, table lookups. */
#include "bench.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(uint32_t crc, const uint8_t *data, long len) {
    crc = ~crc;
    for (long i = 0; i < len; i++) crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(int argc, char **argv) {
    /* The size is the sieve's length in millions; the CRC makes 8 passes. */
    long limit = bench_size(argc, argv, 24) * 1000000;
    uint8_t *composite = malloc((size_t)limit);
    if (!composite) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    crc_init();
    uint64_t start = bench_now_ns();
    for (long i = 0; i < limit; i++) composite[i] = 0;
    composite[0] = composite[1] = 1;
    for (long i = 2; i * i < limit; i++)
        if (!composite[i])
            for (long j = i * i; j < limit; j += i) composite[j] = 1;
    uint64_t primes = 0;
    for (long i = 0; i < limit; i++) primes += !composite[i];
    uint32_t crc = 0;
    for (int pass = 0; pass < 8; pass++) crc = crc32(crc, composite, limit);
    bench_report("sieve_crc", bench_mix(primes, crc), start);
    free(composite);
    return 0;
}
