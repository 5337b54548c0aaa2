// Reads a directory preopened as /data (fd 3) and reports what it finds,
// one line per check. `baked_files common` prints what must agree between
// a Linux board (host directory) and a bare-metal board (tree baked into
// flash); `baked_files readonly` prints the errno of every call that would
// change the tree (run only against a baked, read-only tree);
// `baked_files readwrite` changes the tree and reads the changes back
// (a host directory, or a `--dir-rw` tree); `baked_files full` fills a
// `--dir-rw` overlay until ENOSPC.
// Built by tests/cli/baked_files.rs with clang + wasi-libc.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#define PREOPEN 3

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Names in directory `path` (libc's readdir), sorted, with a type letter.
static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: errno %d\n", path, errno);
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : "");
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("list %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void cat(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("fopen %s: errno %d\n", path, errno);
        return;
    }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("cat %s: %zu [%s]\n", path, n, buf);
}

// Opens `path` under the preopen for reading with raw WASI; the errno,
// the fd in *fd.
static int open_raw(const char *path, int oflags, __wasi_rights_t rights, int fdflags,
                    __wasi_fd_t *fd) {
    return __wasi_path_open(PREOPEN, 0, path, oflags, rights, rights, fdflags, fd);
}

// Counts entries of the preopen with raw fd_readdir through a buffer too
// small for all of them: cookies carry each call on from the last.
static void readdir_in_pieces(void) {
    __wasi_dircookie_t cookie = 0;
    char buf[40];
    int entries = 0, calls = 0;
    char names[512] = "";
    for (;;) {
        __wasi_size_t used = 0;
        int r = __wasi_fd_readdir(PREOPEN, (uint8_t *)buf, sizeof buf, cookie, &used);
        calls++;
        if (r != 0) {
            printf("fd_readdir: errno %d\n", r);
            return;
        }
        // Whole entries in this buffer; a cut one is read again next call.
        size_t at = 0;
        int got = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used) break;
            strncat(names, buf + at + sizeof d, d.d_namlen);
            strcat(names, ",");
            cookie = d.d_next;
            at += sizeof d + d.d_namlen;
            entries++;
            got++;
        }
        if (used < sizeof buf) break;
        if (got == 0) {
            printf("fd_readdir: an entry longer than the buffer\n");
            return;
        }
    }
    printf("fd_readdir pieces: %d entries, more than one call: %d\n", entries, calls > 1);
}

static void common(void) {
    cat("/data/hello.txt");
    cat("/data/dir/sub/deep.txt");
    cat("/data/empty.txt");
    list("/data");
    list("/data/dir");
    list("/data/dir/sub");
    readdir_in_pieces();

    int fd = open("/data/numbers.txt", O_RDONLY);
    char b[8] = {0};
    off_t at = lseek(fd, 3, SEEK_SET);
    ssize_t n = read(fd, b, 2);
    printf("seek 3 read: %ld %zd [%.2s]\n", (long)at, n, b);
    at = lseek(fd, -2, SEEK_END);
    n = read(fd, b, 8);
    printf("seek end-2 read: %ld %zd [%.2s] then %zd\n", (long)at, n, b, read(fd, b, 8));
    lseek(fd, 1, SEEK_SET);
    n = pread(fd, b, 4, 5);
    printf("pread 5: %zd [%.4s] tell %ld\n", n, b, (long)lseek(fd, 0, SEEK_CUR));
    n = pread(fd, b, 4, 100);
    printf("pread past end: %zd\n", n);
    at = lseek(fd, 50, SEEK_SET);
    printf("seek past end: %ld read %zd\n", (long)at, read(fd, b, 1));
    errno = 0;
    printf("seek before start: %ld errno %d\n", (long)lseek(fd, -1, SEEK_SET), errno);
    struct stat st;
    fstat(fd, &st);
    printf("fstat numbers: size %lld reg %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    close(fd);
    stat("/data/dir/sub/deep.txt", &st);
    printf("stat deep: size %lld reg %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    stat("/data/dir", &st);
    printf("stat dir: dir %d\n", S_ISDIR(st.st_mode));
    errno = 0;
    printf("stat missing: %d errno %d\n", stat("/data/missing", &st), errno);

    // Raw calls: the errno the spec names, and the path walk's limits.
    __wasi_fd_t f;
    __wasi_rights_t read = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    printf("open missing: %d\n", open_raw("missing.txt", 0, read, 0, &f));
    printf("open missing dir: %d\n", open_raw("nodir/x", 0, read, 0, &f));
    printf("open file as dir: %d\n", open_raw("hello.txt", __WASI_OFLAGS_DIRECTORY, read, 0, &f));
    printf("open through file: %d\n", open_raw("hello.txt/x", 0, read, 0, &f));
    printf("escape ..: %d\n", open_raw("..", 0, read, 0, &f));
    printf("escape ../x: %d\n", open_raw("../hello.txt", 0, read, 0, &f));
    printf("escape absolute: %d\n", open_raw("/etc/passwd", 0, read, 0, &f));
    printf("escape dir/../..: %d\n", open_raw("dir/../../hello.txt", 0, read, 0, &f));
    printf("escape dir/sub/../../..: %d\n", open_raw("dir/sub/../../../x", 0, read, 0, &f));
    int r = open_raw("dir/./sub/../sub/deep.txt", 0, read, 0, &f);
    printf("inside dir/./sub/../sub: %d\n", r);
    if (r == 0) r = __wasi_fd_close(f);
    // From an opened subdirectory, `..` above it is refused too.
    __wasi_fd_t sub;
    r = open_raw("dir", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, &sub);
    printf("open dir: %d\n", r);
    printf("escape from dir fd: %d\n",
           __wasi_path_open(sub, 0, "../hello.txt", 0, read, read, 0, &f));
    __wasi_filestat_t fs;
    printf("stat escape: %d\n", __wasi_path_filestat_get(sub, 0, "../hello.txt", &fs));
    r = __wasi_path_filestat_get(sub, 0, "sub/deep.txt", &fs);
    printf("stat via dir fd: %d size %llu type %d\n", r, (unsigned long long)fs.size,
           fs.filetype);
    printf("close dir: %d\n", __wasi_fd_close(sub));
    __wasi_prestat_t pre;
    r = __wasi_fd_prestat_get(PREOPEN, &pre);
    char name[16] = {0};
    int named = __wasi_fd_prestat_dir_name(PREOPEN, (uint8_t *)name, pre.u.dir.pr_name_len);
    printf("prestat 3: %d %d %lu %s\n", r, named, (unsigned long)pre.u.dir.pr_name_len, name);
    printf("prestat 4: %d\n", __wasi_fd_prestat_get(4, &pre));
    __wasi_fdstat_t fdst;
    r = __wasi_fd_fdstat_get(PREOPEN, &fdst);
    printf("fdstat 3: %d filetype %d\n", r, fdst.fs_filetype);
}

static void readonly(void) {
    __wasi_fd_t f;
    __wasi_rights_t read = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    __wasi_rights_t write = __WASI_RIGHTS_FD_WRITE;
    printf("create: %d\n", open_raw("new.txt", __WASI_OFLAGS_CREAT, read | write, 0, &f));
    printf("open for write: %d\n", open_raw("hello.txt", 0, read | write, 0, &f));
    printf("truncate: %d\n", open_raw("hello.txt", __WASI_OFLAGS_TRUNC, read, 0, &f));
    printf("append: %d\n", open_raw("hello.txt", 0, read, __WASI_FDFLAGS_APPEND, &f));
    printf("create excl existing: %d\n",
           open_raw("hello.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, read, 0, &f));
    printf("dir for write: %d\n", open_raw("dir", 0, write, 0, &f));
    errno = 0;
    printf("fopen w: %d errno %d\n", fopen("/data/hello.txt", "w") != NULL, errno);
    errno = 0;
    printf("fopen a: %d errno %d\n", fopen("/data/other.txt", "a") != NULL, errno);

    // Rights a read-only file cannot have, asked without fd_write (as
    // Go's read-only open does): granted without them.
    __wasi_fd_t g0;
    int r = open_raw("hello.txt", 0,
                     read | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_DATASYNC, 0, &g0);
    __wasi_fdstat_t st0 = {0};
    int r0 = r == 0 ? __wasi_fd_fdstat_get(g0, &st0) : -1;
    printf("open read asking set_size: %d %d set_size %d\n", r, r0,
           (st0.fs_rights_base & __WASI_RIGHTS_FD_FILESTAT_SET_SIZE) != 0);
    if (r == 0) r = __wasi_fd_close(g0);
    r = open_raw("hello.txt", 0, read, 0, &f);
    printf("open read: %d\n", r);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t n = 99;
    r = __wasi_fd_write(f, &iov, 1, &n);
    printf("fd_write: %d %lu\n", r, (unsigned long)n);
    printf("fd_pwrite: %d\n", __wasi_fd_pwrite(f, &iov, 1, 0, &n));
    printf("fd_write dir: %d\n", __wasi_fd_write(PREOPEN, &iov, 1, &n));
    printf("set_size: %d\n", __wasi_fd_filestat_set_size(f, 0));
    printf("set_times: %d\n", __wasi_fd_filestat_set_times(f, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    printf("allocate: %d\n", __wasi_fd_allocate(f, 0, 10));
    printf("advise: %d sync: %d datasync: %d\n",
           __wasi_fd_advise(f, 0, 0, __WASI_ADVICE_SEQUENTIAL), __wasi_fd_sync(f),
           __wasi_fd_datasync(f));
    __wasi_fdstat_t st;
    r = __wasi_fd_fdstat_get(f, &st);
    printf("fdstat file: %d filetype %d read %d write %d\n", r, st.fs_filetype,
           (st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0,
           (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);
    __wasi_filestat_t fs;
    r = __wasi_fd_filestat_get(f, &fs);
    printf("filestat file: %d type %d size %llu nlink %llu\n", r, fs.filetype,
           (unsigned long long)fs.size, (unsigned long long)fs.nlink);

    printf("mkdir: %d\n", __wasi_path_create_directory(PREOPEN, "newdir"));
    printf("mkdir existing: %d\n", __wasi_path_create_directory(PREOPEN, "dir"));
    printf("mkdir escape: %d\n", __wasi_path_create_directory(PREOPEN, "../x"));
    printf("unlink: %d\n", __wasi_path_unlink_file(PREOPEN, "hello.txt"));
    printf("unlink dir: %d\n", __wasi_path_unlink_file(PREOPEN, "dir"));
    printf("unlink missing: %d\n", __wasi_path_unlink_file(PREOPEN, "missing"));
    printf("unlink escape: %d\n", __wasi_path_unlink_file(PREOPEN, "/etc/passwd"));
    printf("rmdir: %d\n", __wasi_path_remove_directory(PREOPEN, "dir"));
    printf("rmdir file: %d\n", __wasi_path_remove_directory(PREOPEN, "hello.txt"));
    printf("rename: %d\n", __wasi_path_rename(PREOPEN, "hello.txt", PREOPEN, "moved.txt"));
    printf("rename escape: %d\n", __wasi_path_rename(PREOPEN, "hello.txt", PREOPEN, "../m"));
    printf("symlink: %d\n", __wasi_path_symlink("hello.txt", PREOPEN, "link"));
    printf("link: %d\n", __wasi_path_link(PREOPEN, 0, "hello.txt", PREOPEN, "hard"));
    printf("path set_times: %d\n",
           __wasi_path_filestat_set_times(PREOPEN, 0, "hello.txt", 0, 0,
                                          __WASI_FSTFLAGS_MTIM_NOW));
    uint8_t link[16];
    printf("readlink file: %d\n", __wasi_path_readlink(PREOPEN, "hello.txt", link, 16, &n));
    printf("readlink missing: %d\n", __wasi_path_readlink(PREOPEN, "missing", link, 16, &n));

    __wasi_fd_t g;
    open_raw("numbers.txt", 0, read, 0, &g);
    printf("renumber: %d\n", __wasi_fd_renumber(g, f));
    char b[4] = {0};
    __wasi_iovec_t in = {(uint8_t *)b, 3};
    r = __wasi_fd_read(f, &in, 1, &n);
    printf("after renumber: %d %lu [%s] old fd: %d\n", r, (unsigned long)n, b, __wasi_fd_close(g));
    printf("close: %d again: %d\n", __wasi_fd_close(f), __wasi_fd_close(f));
}

static void write_file(const char *path, const char *text, const char *mode) {
    FILE *f = fopen(path, mode);
    if (!f) {
        printf("fopen %s %s: errno %d\n", path, mode, errno);
        return;
    }
    fputs(text, f);
    printf("close %s: %d\n", path, fclose(f));
}

static void readwrite(void) {
    write_file("/data/new.txt", "fresh\n", "w");
    cat("/data/new.txt");
    write_file("/data/new.txt", "more\n", "a");
    cat("/data/new.txt");
    // Overwriting a file that came from flash leaves its neighbours be.
    write_file("/data/hello.txt", "changed\n", "w");
    cat("/data/hello.txt");
    cat("/data/dir/sub/deep.txt");
    int fd = open("/data/numbers.txt", O_RDWR);
    printf("pwrite: %zd\n", pwrite(fd, "AB", 2, 4));
    printf("pwrite past end: %zd\n", pwrite(fd, "Z", 1, 12));
    char b[16] = {0};
    ssize_t n = pread(fd, b, sizeof b, 0);
    printf("numbers: %zd", n);
    for (ssize_t i = 0; i < n; i++) printf(" %d", b[i]);
    printf("\n");
    printf("ftruncate: %d\n", ftruncate(fd, 3));
    struct stat st;
    fstat(fd, &st);
    printf("size after truncate: %lld\n", (long long)st.st_size);
    close(fd);
    cat("/data/numbers.txt");
    printf("mkdir: %d\n", mkdir("/data/made", 0755));
    errno = 0;
    printf("mkdir again: %d errno %d\n", mkdir("/data/made", 0755), errno);
    write_file("/data/made/inner.txt", "inside\n", "w");
    errno = 0;
    printf("rmdir non-empty: %d errno %d\n", rmdir("/data/made"), errno);
    printf("rename file: %d\n", rename("/data/made/inner.txt", "/data/dir/moved.txt"));
    cat("/data/dir/moved.txt");
    errno = 0;
    printf("old name: %d errno %d\n", access("/data/made/inner.txt", F_OK), errno);
    printf("rename over: %d\n", rename("/data/dir/moved.txt", "/data/dir/a"));
    cat("/data/dir/a");
    printf("rmdir: %d\n", rmdir("/data/made"));
    printf("rename dir: %d\n", rename("/data/dir", "/data/renamed"));
    cat("/data/renamed/sub/deep.txt");
    errno = 0;
    printf("dir into itself: %d errno %d\n", rename("/data/renamed", "/data/renamed/sub/x"), errno);
    // An unlinked file stays readable through an fd that has it open.
    fd = open("/data/empty.txt", O_RDWR);
    printf("write empty: %zd\n", write(fd, "kept", 4));
    printf("unlink open: %d\n", unlink("/data/empty.txt"));
    memset(b, 0, sizeof b);
    printf("read unlinked: %zd [%s]\n", pread(fd, b, 8, 0), b);
    close(fd);
    errno = 0;
    printf("unlinked gone: %d errno %d\n", access("/data/empty.txt", F_OK), errno);
    list("/data");
    list("/data/renamed");
}

static void full(void) {
    int fd = open("/data/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char chunk[4096];
    long total = 0;
    errno = 0;
    for (int i = 0; i < 64; i++) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0) break;
        total += n;
    }
    printf("wrote %ld then errno %d\n", total, errno);
    close(fd);
    printf("unlink: %d\n", unlink("/data/big.bin"));
    fd = open("/data/again.bin", O_WRONLY | O_CREAT, 0644);
    printf("after unlink: %zd\n", write(fd, chunk, sizeof chunk));
    close(fd);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "common") == 0) {
        common();
    } else if (argc > 1 && strcmp(argv[1], "readonly") == 0) {
        readonly();
    } else if (argc > 1 && strcmp(argv[1], "readwrite") == 0) {
        readwrite();
    } else if (argc > 1 && strcmp(argv[1], "full") == 0) {
        full();
    } else {
        fprintf(stderr, "usage: baked_files common|readonly|readwrite|full\n");
        return 2;
    }
    return 0;
}
