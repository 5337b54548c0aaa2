/* One line per wasi_snapshot_preview1 call, with its errno and what it
 * returned, for tests/cli/wasi_calls.rs to check against the WASI spec.
 * The calls go straight to the imports (wasi/api.h), not through libc, so
 * each line is exactly one function's answer.
 *
 *   calls console [files] [ARGS...]
 *
 * `console`: the rows every board has (args, environ, clocks, random,
 * the standard streams, poll_oneoff, sched_yield, proc_raise, sock_*).
 * Reads stdin to its end. `files`: the file rows, in the preopen fd 3,
 * which must be empty and is left empty. Ends with proc_exit(7). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

/* proc_raise is in preview1 but no longer declared by wasi-libc. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t wasi_proc_raise(int32_t signal);
#define SIGNAL_TERM 15

/* Everything goes through fd_write on fd 1, so lines and raw writes
 * cannot be reordered by a stdio buffer. */
static void say(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    __wasi_ciovec_t iov = {(const uint8_t *)line, (size_t)n};
    __wasi_size_t written;
    (void)__wasi_fd_write(1, &iov, 1, &written);
}

static __wasi_timestamp_t now(void) {
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static void console(int argc, char **argv) {
    /* args: the count and bytes without argv[0], whose name the runner
     * picks. */
    __wasi_size_t argc_w, argv_bytes;
    __wasi_errno_t e = __wasi_args_sizes_get(&argc_w, &argv_bytes);
    size_t own = strlen(argv[0]) + 1;
    say("args_sizes_get: %d, %u args and %u bytes after argv[0]", e, argc_w - 1,
        (unsigned)(argv_bytes - own));
    char **args = calloc(argc_w + 1, sizeof *args);
    char *arg_buf = malloc(argv_bytes);
    e = __wasi_args_get((uint8_t **)args, (uint8_t *)arg_buf);
    char joined[256] = "";
    for (__wasi_size_t i = 1; i < argc_w; i++) {
        strncat(joined, args[i], sizeof joined - strlen(joined) - 2);
        if (i + 1 < argc_w) strcat(joined, "|");
    }
    say("args_get: %d %s (libc's argc %d)", e, joined, argc);

    /* environ: the host's environment reaches the guest on Linux boards,
     * so only consistency and the one variable the test sets are shown. */
    __wasi_size_t envc, env_bytes;
    e = __wasi_environ_sizes_get(&envc, &env_bytes);
    say("environ_sizes_get: %d", e);
    char **env = calloc(envc + 1, sizeof *env);
    char *env_buf = malloc(env_bytes);
    e = __wasi_environ_get((uint8_t **)env, (uint8_t *)env_buf);
    size_t sum = 0;
    int found = 0;
    for (__wasi_size_t i = 0; i < envc; i++) {
        sum += strlen(env[i]) + 1;
        if (strcmp(env[i], "WASI_CALLS=on") == 0) found = 1;
    }
    say("environ_get: %d, sizes agree %d, WASI_CALLS=on found %d", e, sum == env_bytes, found);

    /* clocks */
    __wasi_timestamp_t res = 0;
    e = __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res);
    say("clock_res_get realtime: %d, positive %d", e, res > 0);
    e = __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res);
    say("clock_res_get monotonic: %d, positive %d", e, res > 0);
    say("clock_res_get clock 9: %d", __wasi_clock_res_get(9, &res));
    __wasi_timestamp_t t1 = 0, t2 = 0, wall = 0;
    e = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t2);
    say("clock_time_get monotonic: %d, never backwards %d", e, t2 >= t1);
    e = __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &wall);
    say("clock_time_get realtime: %d", e);
    say("clock_time_get clock 9: %d", __wasi_clock_time_get(9, 1, &wall));

    /* random_get: two draws of 32 bytes differ (a chance of 2^-256). */
    uint8_t r1[32], r2[32];
    e = __wasi_random_get(r1, sizeof r1);
    (void)__wasi_random_get(r2, sizeof r2);
    say("random_get: %d, draws differ %d", e, memcmp(r1, r2, sizeof r1) != 0);
    say("random_get 0 bytes: %d", __wasi_random_get(r1, 0));

    /* fd_write: two iovecs in one call, on stdout and stderr. */
    __wasi_ciovec_t out[2] = {{(const uint8_t *)"raw ", 4}, {(const uint8_t *)"stdout\n", 7}};
    __wasi_size_t n = 0;
    e = __wasi_fd_write(1, out, 2, &n);
    say("fd_write 1: %d %u", e, n);
    __wasi_ciovec_t err_line = {(const uint8_t *)"raw stderr\n", 11};
    e = __wasi_fd_write(2, &err_line, 1, &n);
    say("fd_write 2: %d %u", e, n);
    say("fd_write 9: %d", __wasi_fd_write(9, out, 1, &n));

    /* fd_read: stdin to its end, 4 bytes at a time; the end is a read of
     * 0 bytes, and reading again still gives 0. */
    char input[256];
    size_t total = 0, calls = 0;
    for (;;) {
        __wasi_iovec_t in = {(uint8_t *)input + total, 4};
        e = __wasi_fd_read(0, &in, 1, &n);
        calls++;
        if (e != 0 || n == 0 || total + n > sizeof input - 8) break;
        total += n;
    }
    input[total] = '\0';
    for (char *p = input; *p; p++)
        if (*p == '\n') *p = '|';
    __wasi_iovec_t again = {(uint8_t *)input + total, 4};
    __wasi_errno_t e2 = __wasi_fd_read(0, &again, 1, &n);
    say("fd_read 0: %d, %zu bytes \"%s\", then %d %u at the end", e, total, input, e2, n);
    say("fd_read 9: %d", __wasi_fd_read(9, &again, 1, &n));

    /* The standard streams are character devices without seek or tell. */
    for (int fd = 0; fd <= 2; fd++) {
        __wasi_fdstat_t st;
        e = __wasi_fd_fdstat_get(fd, &st);
        say("fd_fdstat_get %d: %d, filetype %u flags %u read %d write %d seek %d tell %d", fd, e,
            st.fs_filetype, st.fs_flags, !!(st.fs_rights_base & __WASI_RIGHTS_FD_READ),
            !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
            !!(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK),
            !!(st.fs_rights_base & __WASI_RIGHTS_FD_TELL));
    }
    __wasi_fdstat_t st;
    say("fd_fdstat_get 9: %d", __wasi_fd_fdstat_get(9, &st));
    say("fd_fdstat_set_flags 1 append: %d", __wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_APPEND));
    say("fd_fdstat_set_flags 1 nonblock: %d",
        __wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_NONBLOCK));
    __wasi_filestat_t fs;
    e = __wasi_fd_filestat_get(1, &fs);
    say("fd_filestat_get 1: %d, filetype %u size %llu", e, fs.filetype,
        (unsigned long long)fs.size);
    say("fd_filestat_get 9: %d", __wasi_fd_filestat_get(9, &fs));
    __wasi_filesize_t pos;
    say("fd_seek 1: %d", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
    say("fd_tell 1: %d", __wasi_fd_tell(1, &pos));

    /* poll_oneoff */
    __wasi_subscription_t sub[3];
    __wasi_event_t ev[3];
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 42;
    sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[0].u.u.clock.timeout = 20 * 1000 * 1000;
    __wasi_timestamp_t start = now();
    e = __wasi_poll_oneoff(sub, ev, 1, &n);
    __wasi_timestamp_t slept = now() - start;
    say("poll_oneoff relative 20ms: %d, %u event userdata %llu type %u error %u, waited 20ms %d",
        e, n, (unsigned long long)ev[0].userdata, ev[0].type, ev[0].error,
        slept >= 20 * 1000 * 1000);
    sub[0].u.u.clock.timeout = now() + 10 * 1000 * 1000;
    sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    e = __wasi_poll_oneoff(sub, ev, 1, &n);
    say("poll_oneoff absolute +10ms: %d, %u event type %u, reached %d", e, n, ev[0].type,
        now() >= sub[0].u.u.clock.timeout);
    /* stdin (at its end) and stdout are ready at once, before a 5 s
     * timeout; an fd that is not open is an event with EBADF. */
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 1;
    sub[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[0].u.u.fd_read.file_descriptor = 0;
    sub[1].userdata = 2;
    sub[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    sub[1].u.u.fd_write.file_descriptor = 1;
    sub[2].userdata = 3;
    sub[2].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[2].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[2].u.u.clock.timeout = 5000ull * 1000 * 1000;
    start = now();
    e = __wasi_poll_oneoff(sub, ev, 3, &n);
    int read_ready = 0, write_ready = 0, clock_fired = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        read_ready |= ev[i].userdata == 1 && ev[i].type == __WASI_EVENTTYPE_FD_READ && ev[i].error == 0;
        write_ready |= ev[i].userdata == 2 && ev[i].type == __WASI_EVENTTYPE_FD_WRITE && ev[i].error == 0;
        clock_fired |= ev[i].userdata == 3;
    }
    say("poll_oneoff stdin+stdout+5s: %d, stdin ready %d stdout ready %d clock fired %d, before the timeout %d",
        e, read_ready, write_ready, clock_fired, now() - start < 5000ull * 1000 * 1000);
    sub[0].u.u.fd_read.file_descriptor = 9;
    e = __wasi_poll_oneoff(sub, ev, 1, &n);
    say("poll_oneoff fd 9: %d, %u event type %u error %u", e, n, ev[0].type, ev[0].error);
    say("poll_oneoff no subscriptions: %d", __wasi_poll_oneoff(sub, ev, 0, &n));

    say("sched_yield: %d", __wasi_sched_yield());
    say("proc_raise: %d", wasi_proc_raise(SIGNAL_TERM));
    __wasi_fd_t sock;
    say("sock_accept: %d", __wasi_sock_accept(3, 0, &sock));
    __wasi_iovec_t riov = {(uint8_t *)input, 4};
    __wasi_roflags_t roflags;
    say("sock_recv: %d", __wasi_sock_recv(3, &riov, 1, 0, &n, &roflags));
    say("sock_send: %d", __wasi_sock_send(3, out, 1, 0, &n));
    say("sock_shutdown: %d", __wasi_sock_shutdown(3, __WASI_SDFLAGS_WR));
}

/* The names in directory `fd`, sorted, joined by spaces. */
static __wasi_errno_t list_dir(__wasi_fd_t fd, char *names, size_t cap) {
    uint8_t buf[1024];
    __wasi_size_t used;
    __wasi_errno_t e = __wasi_fd_readdir(fd, buf, sizeof buf, 0, &used);
    char *found[32];
    int count = 0;
    for (size_t at = 0; e == 0 && at + sizeof(__wasi_dirent_t) <= used && count < 32;) {
        __wasi_dirent_t d;
        memcpy(&d, buf + at, sizeof d);
        at += sizeof d;
        found[count] = strndup((const char *)buf + at, d.d_namlen);
        count++;
        at += d.d_namlen;
    }
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && strcmp(found[j - 1], found[j]) > 0; j--) {
            char *t = found[j];
            found[j] = found[j - 1];
            found[j - 1] = t;
        }
    names[0] = '\0';
    for (int i = 0; i < count; i++) {
        strncat(names, found[i], cap - strlen(names) - 2);
        if (i + 1 < count) strcat(names, " ");
    }
    return e;
}

static __wasi_errno_t stat_path(const char *path, __wasi_filestat_t *st) {
    return __wasi_path_filestat_get(3, 0, path, st);
}

#define FILE_RIGHTS                                                                          \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |                \
     __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC |             \
     __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_GET |   \
     __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES |              \
     __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS)

static void files(void) {
    __wasi_prestat_t pre;
    __wasi_errno_t e = __wasi_fd_prestat_get(3, &pre);
    say("fd_prestat_get 3: %d, tag %u name length %u", e, pre.tag, pre.u.dir.pr_name_len);
    char name[64] = "";
    e = __wasi_fd_prestat_dir_name(3, (uint8_t *)name, pre.u.dir.pr_name_len);
    say("fd_prestat_dir_name 3: %d %s", e, name);
    say("fd_prestat_get 4: %d", __wasi_fd_prestat_get(4, &pre));

    __wasi_fd_t fd = 0;
    e = __wasi_path_open(3, 0, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, FILE_RIGHTS,
                         0, 0, &fd);
    say("path_open f.txt creat: %d fd %u", e, fd);
    __wasi_ciovec_t hello = {(const uint8_t *)"hello world", 11};
    __wasi_size_t n = 0;
    e = __wasi_fd_write(fd, &hello, 1, &n);
    say("fd_write file: %d %u", e, n);
    __wasi_filesize_t pos = 99;
    e = __wasi_fd_tell(fd, &pos);
    say("fd_tell: %d %llu", e, (unsigned long long)pos);
    e = __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
    say("fd_seek set 0: %d %llu", e, (unsigned long long)pos);
    char buf[32] = "";
    __wasi_iovec_t rd = {(uint8_t *)buf, sizeof buf - 1};
    e = __wasi_fd_read(fd, &rd, 1, &n);
    buf[n] = '\0';
    say("fd_read file: %d %u %s", e, n, buf);
    __wasi_ciovec_t he = {(const uint8_t *)"HE", 2};
    e = __wasi_fd_pwrite(fd, &he, 1, 0, &n);
    say("fd_pwrite at 0: %d %u", e, n);
    memset(buf, 0, sizeof buf);
    __wasi_iovec_t five = {(uint8_t *)buf, 5};
    e = __wasi_fd_pread(fd, &five, 1, 0, &n);
    say("fd_pread at 0: %d %u %s", e, n, buf);
    (void)__wasi_fd_tell(fd, &pos);
    say("fd_tell after pread/pwrite: %llu", (unsigned long long)pos);
    say("fd_sync: %d", __wasi_fd_sync(fd));
    say("fd_datasync: %d", __wasi_fd_datasync(fd));
    say("fd_advise: %d", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_SEQUENTIAL));
    __wasi_filestat_t st;
    e = __wasi_fd_allocate(fd, 0, 64);
    (void)__wasi_fd_filestat_get(fd, &st);
    say("fd_allocate 64: %d, size %llu", e, (unsigned long long)st.size);
    e = __wasi_fd_filestat_get(fd, &st);
    say("fd_filestat_get file: %d, filetype %u nlink %llu size %llu", e, st.filetype,
        (unsigned long long)st.nlink, (unsigned long long)st.size);
    e = __wasi_fd_filestat_set_size(fd, 5);
    (void)__wasi_fd_filestat_get(fd, &st);
    say("fd_filestat_set_size 5: %d, size %llu", e, (unsigned long long)st.size);
    e = __wasi_fd_filestat_set_times(fd, 1000000000ull, 2000000000ull,
                                     __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    (void)__wasi_fd_filestat_get(fd, &st);
    say("fd_filestat_set_times: %d, atim %llu mtim %llu", e, (unsigned long long)st.atim,
        (unsigned long long)st.mtim);
    __wasi_fdstat_t fst;
    e = __wasi_fd_fdstat_get(fd, &fst);
    say("fd_fdstat_get file: %d, filetype %u flags %u read %d write %d seek %d", e,
        fst.fs_filetype, fst.fs_flags, !!(fst.fs_rights_base & __WASI_RIGHTS_FD_READ),
        !!(fst.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
        !!(fst.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    /* append set on an open file: a write at position 0 goes to the end
     * (size 5 "HEllo" here); cleared again, and the file cut back. */
    e = __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND);
    (void)__wasi_fd_fdstat_get(fd, &fst);
    say("fd_fdstat_set_flags file append: %d, flags %u", e, fst.fs_flags);
    __wasi_ciovec_t z = {(const uint8_t *)"Z", 1};
    (void)__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
    e = __wasi_fd_write(fd, &z, 1, &n);
    (void)__wasi_fd_filestat_get(fd, &st);
    memset(buf, 0, sizeof buf);
    __wasi_iovec_t six = {(uint8_t *)buf, 6};
    (void)__wasi_fd_pread(fd, &six, 1, 0, &n);
    say("fd_write after append, at 0: %d, size %llu %s", e, (unsigned long long)st.size, buf);
    e = __wasi_fd_fdstat_set_flags(fd, 0);
    (void)__wasi_fd_fdstat_get(fd, &fst);
    say("fd_fdstat_set_flags file none: %d, flags %u", e, fst.fs_flags);
    say("fd_fdstat_set_flags file nonblock: %d",
        __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
    say("fd_fdstat_set_flags file sync: %d", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
    (void)__wasi_fd_filestat_set_size(fd, 5);
    say("fd_fdstat_set_rights file: %d",
        __wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0));

    say("path_create_directory d: %d", __wasi_path_create_directory(3, "d"));
    say("path_create_directory d again: %d", __wasi_path_create_directory(3, "d"));
    e = stat_path("d", &st);
    say("path_filestat_get d: %d, filetype %u", e, st.filetype);
    e = __wasi_path_filestat_set_times(3, 0, "f.txt", 0, 3000000000ull, __WASI_FSTFLAGS_MTIM);
    stat_path("f.txt", &st);
    say("path_filestat_set_times f.txt: %d, mtim %llu", e, (unsigned long long)st.mtim);
    char names[256];
    e = list_dir(3, names, sizeof names);
    say("fd_readdir preopen: %d %s", e, names);
    __wasi_fd_t dir = 0;
    e = __wasi_path_open(3, 0, "d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0,
                         &dir);
    say("path_open d directory: %d fd %u", e, dir);

    say("path_rename f.txt d/g.txt: %d", __wasi_path_rename(3, "f.txt", 3, "d/g.txt"));
    say("path_filestat_get f.txt: %d", stat_path("f.txt", &st));
    e = list_dir(dir, names, sizeof names);
    say("fd_readdir d: %d %s", e, names);
    e = __wasi_path_link(3, 0, "d/g.txt", 3, "h.txt");
    stat_path("h.txt", &st);
    say("path_link d/g.txt h.txt: %d, nlink %llu", e, (unsigned long long)st.nlink);
    say("path_symlink d/g.txt s: %d", __wasi_path_symlink("d/g.txt", 3, "s"));
    memset(buf, 0, sizeof buf);
    e = __wasi_path_readlink(3, "s", (uint8_t *)buf, sizeof buf - 1, &n);
    say("path_readlink s: %d %u %s", e, n, buf);
    __wasi_fd_t via = 0;
    e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "s", 0, __WASI_RIGHTS_FD_READ, 0,
                         0, &via);
    memset(buf, 0, sizeof buf);
    (void)__wasi_fd_read(via, &rd, 1, &n);
    say("path_open through s: %d, reads %s", e, buf);
    say("path_unlink_file h.txt: %d", __wasi_path_unlink_file(3, "h.txt"));
    say("path_unlink_file h.txt again: %d", __wasi_path_unlink_file(3, "h.txt"));
    say("path_remove_directory d (not empty): %d", __wasi_path_remove_directory(3, "d"));

    /* fd_renumber moves `via` onto `fd` (closing the file fd was). */
    e = __wasi_fd_renumber(via, fd);
    say("fd_renumber %u to %u: %d", via, fd, e);
    say("fd_close %u (moved away): %d", via, __wasi_fd_close(via));
    memset(buf, 0, sizeof buf);
    (void)__wasi_fd_pread(fd, &five, 1, 0, &n);
    say("fd %u after renumber reads %s", fd, buf);
    say("fd_close %u: %d", fd, __wasi_fd_close(fd));
    say("fd_close %u again: %d", fd, __wasi_fd_close(fd));
    say("fd_close directory: %d", __wasi_fd_close(dir));

    /* Every way out of the preopen is refused. */
    __wasi_fd_t out;
    say("path_open ../x: %d", __wasi_path_open(3, 0, "../x", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
    say("path_open /etc/passwd: %d",
        __wasi_path_open(3, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &out));
    (void)__wasi_path_symlink("..", 3, "up");
    say("path_open up/x (up -> ..): %d",
        __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "up/x", 0, __WASI_RIGHTS_FD_READ,
                         0, 0, &out));

    /* Leave the preopen empty. */
    e = __wasi_path_unlink_file(3, "d/g.txt");
    e |= __wasi_path_unlink_file(3, "s");
    e |= __wasi_path_unlink_file(3, "up");
    say("path_unlink_file d/g.txt s up: %d", e);
    say("path_remove_directory d: %d", __wasi_path_remove_directory(3, "d"));
    e = list_dir(3, names, sizeof names);
    say("fd_readdir preopen at the end: %d %s", e, names);
}

int main(int argc, char **argv) {
    int with_files = argc > 2 && strcmp(argv[2], "files") == 0;
    if (argc < 2 || strcmp(argv[1], "console") != 0) {
        say("usage: calls console [files] [ARGS...]");
        return 64;
    }
    console(argc, argv);
    if (with_files) files();
    say("proc_exit: 7");
    __wasi_proc_exit(7);
}
