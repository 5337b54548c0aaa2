/* sort | uniq -c with extras: reads stdin to its end, sorts its lines
 * (qsort), prints each distinct line with its count and a summary with
 * the mean line length. Empty lines and lines over 40 bytes are reported
 * on stderr and left out.
 *
 *   -x FILE  leave out the lines listed in FILE (one per line)
 *   -o FILE  also write the sorted lines to FILE, then read it back and
 *            print its size and a checksum
 *
 * Exit code: 2 when a line was left out for its length, else 0; 3 when
 * no line is left to sort, 1 when a file cannot be opened, 64 for a
 * usage error. Messages name the file but not the
 * libc's strerror text, which differs between wasi-libc and glibc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 40

struct text {
    char *bytes;
    size_t len;
};

/* Reads a whole stream: stdin until fread returns 0 (end of file). */
static int read_all(FILE *in, struct text *out) {
    size_t cap = 256;
    out->bytes = malloc(cap);
    out->len = 0;
    if (!out->bytes) return -1;
    for (;;) {
        if (out->len + 128 > cap) {
            cap *= 2;
            char *grown = realloc(out->bytes, cap);
            if (!grown) return -1;
            out->bytes = grown;
        }
        size_t n = fread(out->bytes + out->len, 1, cap - out->len - 1, in);
        if (n == 0) break;
        out->len += n;
    }
    out->bytes[out->len] = '\0';
    return ferror(in) ? -1 : 0;
}

/* Splits text in place at '\n'; returns the number of lines in *lines. */
static size_t split_lines(struct text *t, char ***lines) {
    size_t count = 0, cap = 16;
    *lines = malloc(cap * sizeof **lines);
    char *p = t->bytes;
    while (*lines && p < t->bytes + t->len) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        if (count == cap) {
            cap *= 2;
            char **grown = realloc(*lines, cap * sizeof **lines);
            if (!grown) break;
            *lines = grown;
        }
        (*lines)[count++] = p;
        if (!nl) break;
        p = nl + 1;
    }
    return count;
}

static int compare_lines(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int excluded(char **exclude, size_t n, const char *line) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(exclude[i], line) == 0) return 1;
    return 0;
}

int main(int argc, char **argv) {
    const char *exclude_path = NULL, *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "-x") == 0) {
            exclude_path = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
            out_path = argv[++i];
        } else {
            fprintf(stderr, "linesort: usage: linesort [-x FILE] [-o FILE] < input\n");
            return 64;
        }
    }

    struct text excl_text = {0};
    char **exclude = NULL;
    size_t n_exclude = 0;
    if (exclude_path) {
        FILE *f = fopen(exclude_path, "r");
        if (!f || read_all(f, &excl_text) != 0) {
            fprintf(stderr, "linesort: cannot read %s\n", exclude_path);
            return 1;
        }
        fclose(f);
        n_exclude = split_lines(&excl_text, &exclude);
    }

    struct text input;
    if (read_all(stdin, &input) != 0) {
        fprintf(stderr, "linesort: cannot read stdin\n");
        return 1;
    }
    char **lines;
    size_t n = split_lines(&input, &lines), kept = 0, dropped = 0, bytes = 0;
    int rejected = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(lines[i]);
        if (len == 0 || len > MAX_LINE) {
            fprintf(stderr, "linesort: line %zu: %s\n", i + 1,
                    len == 0 ? "empty" : "longer than 40 bytes");
            rejected = 1;
        } else if (excluded(exclude, n_exclude, lines[i])) {
            dropped++;
        } else {
            lines[kept++] = lines[i];
            bytes += len;
        }
    }
    if (dropped) fprintf(stderr, "linesort: %zu line(s) excluded\n", dropped);
    if (kept == 0) {
        fprintf(stderr, "linesort: nothing to sort\n");
        return 3;
    }

    qsort(lines, kept, sizeof *lines, compare_lines);
    FILE *out = NULL;
    if (out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "linesort: cannot create %s\n", out_path);
        return 1;
    }
    size_t distinct = 0;
    for (size_t i = 0; i < kept;) {
        size_t j = i;
        while (j < kept && strcmp(lines[i], lines[j]) == 0) j++;
        printf("%4zu %s\n", j - i, lines[i]);
        for (size_t k = i; out && k < j; k++) fprintf(out, "%s\n", lines[k]);
        distinct++;
        i = j;
    }
    printf("%zu lines, %zu distinct, mean length %.3f\n", kept, distinct,
           (double)bytes / (double)kept);

    if (out) {
        if (fclose(out) != 0) {
            fprintf(stderr, "linesort: cannot write %s\n", out_path);
            return 1;
        }
        FILE *back = fopen(out_path, "r");
        struct text written;
        if (!back || read_all(back, &written) != 0) {
            fprintf(stderr, "linesort: cannot read back %s\n", out_path);
            return 1;
        }
        fclose(back);
        unsigned long sum = 0;
        for (size_t i = 0; i < written.len; i++)
            sum = (sum * 31 + (unsigned char)written.bytes[i]) % 65521;
        printf("wrote %s: %zu bytes, checksum %lu\n", out_path, written.len, sum);
    }
    return rejected ? 2 : 0;
}
