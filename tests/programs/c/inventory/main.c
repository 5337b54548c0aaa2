/* An inventory: a fixed list of items goes into an open-addressing hash
 * table (merging duplicates), is sorted with qsort by value, and printed
 * with printf's float formats. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    const char *name;
    int count;
    double price;
};

static const struct item deliveries[] = {
    {"bolt", 120, 0.05},  {"nut", 200, 0.02},     {"washer", 150, 0.01},
    {"gear", 12, 4.75},   {"spring", 40, 0.33},   {"bolt", 80, 0.05},
    {"motor", 3, 129.99}, {"sensor", 7, 18.5},    {"gear", 6, 4.75},
    {"cable", 25, 2.125}, {"washer", 50, 0.01},   {"relay", 9, 3.3333},
};

#define SLOTS 32 /* a power of two above twice the distinct names */

static struct item table[SLOTS];

/* FNV-1a: small and good enough to spread a dozen names. */
static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void add(const struct item *it) {
    uint32_t at = hash(it->name) & (SLOTS - 1);
    while (table[at].name && strcmp(table[at].name, it->name) != 0)
        at = (at + 1) & (SLOTS - 1);
    if (!table[at].name) {
        table[at] = *it;
    } else {
        table[at].count += it->count;
    }
}

static double value(const struct item *it) { return it->count * it->price; }

static int by_value_descending(const void *a, const void *b) {
    double va = value(a), vb = value(b);
    if (va != vb) return va < vb ? 1 : -1;
    return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

int main(void) {
    for (size_t i = 0; i < sizeof deliveries / sizeof deliveries[0]; i++)
        add(&deliveries[i]);

    struct item list[SLOTS];
    size_t n = 0;
    for (size_t i = 0; i < SLOTS; i++)
        if (table[i].name) list[n++] = table[i];
    qsort(list, n, sizeof list[0], by_value_descending);

    double total = 0;
    for (size_t i = 0; i < n; i++) {
        printf("%-8s %5d x %9.4f = %10.3f\n", list[i].name, list[i].count,
               list[i].price, value(&list[i]));
        total += value(&list[i]);
    }
    printf("%zu items, total %.2f, mean %g, in scientific %e\n", n, total,
           total / n, total);
    printf("hex float %a, percent %5.1f%%\n", 0.1, 100.0 * value(&list[0]) / total);
    return 0;
}
