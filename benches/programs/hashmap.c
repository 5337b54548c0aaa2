/* A word-count style string workload: keys are generated strings, counted in
 * an open-addressing hash table (FNV-1a, linear probing) that owns copies of
 * the keys; then every key is looked up again. String compares, byte loads,
 * pointer chasing through the table. */
#include <string.h>

#include "bench.h"

struct slot {
    const char *key; /* NULL: empty */
    uint32_t hash;
    uint32_t count;
};

struct table {
    struct slot *slots;
    uint32_t mask;
    uint32_t used;
    char *arena;
    size_t arena_used;
};

static uint32_t fnv1a(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static struct slot *find(struct table *t, const char *key, size_t len, uint32_t h) {
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        struct slot *s = &t->slots[i];
        if (!s->key || (s->hash == h && strncmp(s->key, key, len) == 0 && s->key[len] == '\0'))
            return s;
    }
}

static void add(struct table *t, const char *key, size_t len) {
    uint32_t h = fnv1a(key, len);
    struct slot *s = find(t, key, len, h);
    if (!s->key) {
        char *copy = t->arena + t->arena_used;
        memcpy(copy, key, len);
        copy[len] = '\0';
        t->arena_used += len + 1;
        s->key = copy;
        s->hash = h;
        t->used++;
    }
    s->count++;
}

/* Writes a key for n into buf: "w", n in base-26 letters, "-", n mod 10. */
static size_t make_key(char *buf, uint32_t n) {
    size_t len = 0;
    buf[len++] = 'w';
    for (uint32_t rest = n;; rest /= 26) {
        buf[len++] = (char)('a' + rest % 26);
        if (rest < 26) break;
    }
    buf[len++] = '-';
    buf[len++] = (char)('0' + n % 10);
    return len;
}

int main(int argc, char **argv) {
    /* The size is the number of insertions in thousands. */
    long inserts = bench_size(argc, argv, 16000) * 1000;
    uint32_t distinct = 1u << 16; /* keys come from this many values */
    struct table t = {0};
    t.mask = (1u << 18) - 1;
    t.slots = calloc(t.mask + 1, sizeof(struct slot));
    t.arena = malloc((size_t)distinct * 16);
    if (!t.slots || !t.arena) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    char buf[32];
    uint64_t start = bench_now_ns();
    uint32_t state = 12345;
    for (long i = 0; i < inserts; i++) {
        state = state * 1103515245u + 12345u; /* LCG: skewed key popularity */
        uint32_t n = (state >> 8) % distinct;
        if (i & 1) n &= 0xff; /* half of the traffic hits 256 hot keys */
        add(&t, buf, make_key(buf, n));
    }
    uint64_t sum = t.used;
    for (uint32_t n = 0; n < distinct; n++) {
        size_t len = make_key(buf, n);
        struct slot *s = find(&t, buf, len, fnv1a(buf, len));
        sum = bench_mix(sum, s->key ? s->count : 0);
    }
    bench_report("hashmap", sum, start);
    free(t.slots);
    free(t.arena);
    return 0;
}
