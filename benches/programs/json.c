/* A JSON-style parser: generates a document of records, then tokenizes it
 * several times, counting keys and summing numbers (integers exactly, decimals
 * as fixed-point thousandths, so no libc float parsing is involved). Branchy
 * byte-at-a-time code, like real parsers. */
#include <string.h>

#include "bench.h"

struct totals {
    uint64_t keys, strings, number_sum, literals, depth_max;
};

static size_t put(char *out, size_t at, const char *text) {
    size_t len = strlen(text);
    memcpy(out + at, text, len);
    return at + len;
}

static size_t put_int(char *out, size_t at, long value) {
    char digits[24];
    int n = 0;
    unsigned long v = value < 0 ? (unsigned long)-value : (unsigned long)value;
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10));
    if (value < 0) out[at++] = '-';
    while (n) out[at++] = digits[--n];
    return at;
}

/* One record; at most 160 bytes. */
static size_t put_record(char *out, size_t at, long i) {
    at = put(out, at, "{\"id\":");
    at = put_int(out, at, i);
    at = put(out, at, ",\"name\":\"item");
    at = put_int(out, at, i * 7919 % 100000);
    at = put(out, at, "\",\"price\":");
    at = put_int(out, at, i % 1000);
    at = put(out, at, ".");
    at = put_int(out, at, 100 + i % 900);
    at = put(out, at, ",\"tags\":[\"a\",\"bc\",\"def\"],\"pos\":{\"x\":");
    at = put_int(out, at, (i % 201) - 100);
    at = put(out, at, ",\"ok\":");
    at = put(out, at, i % 3 ? "true" : "false");
    at = put(out, at, ",\"z\":null}}");
    return at;
}

static void parse(const char *s, size_t len, struct totals *t) {
    uint64_t depth = 0;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == '{' || c == '[') {
            if (++depth > t->depth_max) t->depth_max = depth;
            i++;
        } else if (c == '}' || c == ']') {
            depth--;
            i++;
        } else if (c == '"') {
            size_t j = i + 1;
            while (s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            i = j + 1;
            while (s[i] == ' ') i++;
            if (s[i] == ':') t->keys++;
            else t->strings++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int negative = c == '-';
            if (negative) i++;
            uint64_t whole = 0, thousandths = 0;
            while (s[i] >= '0' && s[i] <= '9') whole = whole * 10 + (uint64_t)(s[i++] - '0');
            if (s[i] == '.') {
                uint64_t scale = 100;
                for (i++; s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
                    thousandths += (uint64_t)(s[i] - '0') * scale;
            }
            uint64_t value = whole * 1000 + thousandths;
            t->number_sum += negative ? (uint64_t)0 - value : value;
        } else if (c == 't' || c == 'f' || c == 'n') {
            t->literals++;
            i += c == 'f' ? 5 : 4;
        } else {
            i++; /* , : whitespace */
        }
    }
}

int main(int argc, char **argv) {
    /* The size is the number of parses of a 100 000-record document. */
    long passes = bench_size(argc, argv, 48);
    long records = 100000;
    char *doc = malloc((size_t)records * 160 + 16);
    if (!doc) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    size_t len = 0;
    doc[len++] = '[';
    for (long i = 0; i < records; i++) {
        if (i) doc[len++] = ',';
        len = put_record(doc, len, i);
    }
    doc[len++] = ']';
    doc[len] = '\0';
    uint64_t start = bench_now_ns();
    struct totals t = {0};
    for (long p = 0; p < passes; p++) parse(doc, len, &t);
    uint64_t sum = bench_mix(bench_mix(t.keys, t.strings), bench_mix(t.number_sum, t.literals));
    bench_report("json", bench_mix(sum, t.depth_max + len), start);
    free(doc);
    return 0;
}
