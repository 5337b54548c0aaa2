// WASI file functions through a preopen, built by tests/cli/files.rs with
// clang + wasi-libc and run with `--dir SANDBOX::/sandbox`. Prints one line
// per check; the test compares the whole output with what each check
// must print. Raw `__wasi_*` calls are used where the exact WASI errno or
// layout matters (escape attempts, prestat, renumber).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#define ROOT "/sandbox/"

static void slurp(const char *path, char *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(out, cap, "<errno %d>", errno);
        return;
    }
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    fclose(f);
}

static void put(const char *path, const char *text, int flags) {
    int fd = open(path, O_WRONLY | flags, 0644);
    if (fd < 0) {
        printf("open %s failed: %d\n", path, errno);
        return;
    }
    write(fd, text, strlen(text));
    close(fd);
}

// The raw WASI errno of opening `path` in preopen fd 3 for reading.
static int open_errno(const char *path, int follow) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (e == 0) (void)!__wasi_fd_close(fd);
    return e;
}

int main(void) {
    char buf[256];

    // Preopens: fd 3 is /sandbox, fd 4 nothing.
    __wasi_prestat_t pre;
    int e = __wasi_fd_prestat_get(3, &pre);
    char name[32] = {0};
    (void)!__wasi_fd_prestat_dir_name(3, (uint8_t *)name, pre.u.dir.pr_name_len);
    printf("prestat 3: %d %d %u %s\n", e, pre.tag, (unsigned)pre.u.dir.pr_name_len, name);
    printf("prestat 4: %d\n", __wasi_fd_prestat_get(4, &pre));
    __wasi_fdstat_t st;
    (void)!__wasi_fd_fdstat_get(3, &st);
    printf("fdstat 3: filetype %d\n", st.fs_filetype);

    // Read, write, append, exclusive create.
    slurp(ROOT "in.txt", buf, sizeof buf);
    printf("read: %s", buf);
    put(ROOT "new.txt", "abc", O_CREAT | O_TRUNC);
    put(ROOT "new.txt", "def", O_APPEND);
    slurp(ROOT "new.txt", buf, sizeof buf);
    printf("appended: %s\n", buf);
    int fd = open(ROOT "new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    printf("excl: %d %s\n", fd, errno == EEXIST ? "EEXIST" : "?");

    // Seek, tell, pread, pwrite, truncate, allocate, sync.
    fd = open(ROOT "new.txt", O_RDWR);
    (void)!__wasi_fd_fdstat_get(fd, &st);
    printf("fdstat file: filetype %d\n", st.fs_filetype);
    lseek(fd, 2, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(fd, buf, 3);
    printf("seek+read: %s tell %ld end %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR),
           (long)lseek(fd, 0, SEEK_END));
    pwrite(fd, "X", 1, 0);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 2, 0);
    printf("pwrite+pread: %s\n", buf);
    struct stat s;
    ftruncate(fd, 2);
    fstat(fd, &s);
    printf("truncated: %lld\n", (long long)s.st_size);
    printf("allocate: %d\n", posix_fallocate(fd, 0, 100));
    fstat(fd, &s);
    printf("allocated: %lld\n", (long long)s.st_size);
    printf("advise: %d sync: %d %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), fsync(fd),
           fdatasync(fd));
    close(fd);

    // Stat and times.
    stat(ROOT "in.txt", &s);
    printf("stat in.txt: reg %d size %lld\n", S_ISREG(s.st_mode), (long long)s.st_size);
    stat(ROOT, &s);
    printf("stat /sandbox: dir %d\n", S_ISDIR(s.st_mode));
    struct timespec times[2] = {{1000000000, 5}, {1234567890, 0}};
    printf("utimensat: %d\n", utimensat(AT_FDCWD, ROOT "in.txt", times, 0));
    stat(ROOT "in.txt", &s);
    printf("times: %lld %ld %lld\n", (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long long)s.st_mtim.tv_sec);

    // Directories: mkdir, list (more entries than one readdir buffer),
    // rename, unlink, rmdir.
    printf("mkdir: %d\n", mkdir(ROOT "d", 0755));
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, ROOT "d/entry-with-a-rather-long-name-%03d", i);
        put(buf, "x", O_CREAT);
    }
    DIR *dir = opendir(ROOT "d");
    int files = 0, dots = 0, seen[100] = {0};
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        int n;
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) {
            dots++;
        } else if (sscanf(ent->d_name, "entry-with-a-rather-long-name-%d", &n) == 1 && n >= 0 &&
                   n < 100 && !seen[n] && ent->d_type == DT_REG) {
            seen[n] = 1;
            files++;
        }
    }
    closedir(dir);
    printf("readdir: %d files %d dots\n", files, dots);
    printf("rmdir non-empty: %s\n", rmdir(ROOT "d") == -1 && errno == ENOTEMPTY ? "ENOTEMPTY" : "?");
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, ROOT "d/entry-with-a-rather-long-name-%03d", i);
        if (i == 7) {
            printf("rename: %d\n", rename(buf, ROOT "d/seven"));
        } else if (unlink(buf) != 0) {
            printf("unlink %d: %d\n", i, errno);
        }
    }
    printf("old name: %s\n", access(ROOT "d/entry-with-a-rather-long-name-007", F_OK) == -1 &&
                                     errno == ENOENT ? "ENOENT" : "?");
    printf("unlink: %d rmdir: %d\n", unlink(ROOT "d/seven"), rmdir(ROOT "d"));
    printf("gone: %s\n", stat(ROOT "d", &s) == -1 && errno == ENOENT ? "ENOENT" : "?");

    // Symlinks and hard links.
    printf("symlink: %d\n", symlink("new.txt", ROOT "link"));
    memset(buf, 0, sizeof buf);
    printf("readlink: %ld %s\n", (long)readlink(ROOT "link", buf, sizeof buf), buf);
    lstat(ROOT "link", &s);
    printf("lstat link: %d\n", S_ISLNK(s.st_mode));
    slurp(ROOT "link", buf, sizeof buf);
    printf("through link: %s\n", buf);
    printf("link: %d\n", link(ROOT "new.txt", ROOT "hard.txt"));
    stat(ROOT "new.txt", &s);
    printf("nlink: %lld\n", (long long)s.st_nlink);

    // Renumber: the first fd takes the place of the second.
    int a = open(ROOT "in.txt", O_RDONLY), b = open(ROOT "hard.txt", O_RDONLY);
    printf("renumber: %d\n", __wasi_fd_renumber(a, b));
    memset(buf, 0, sizeof buf);
    read(b, buf, 5);
    printf("after renumber: %s close old: %d\n", buf, __wasi_fd_close(a));
    close(b);

    // Rights: a file opened for reading only cannot be written; a file
    // is not a directory to list.
    a = open(ROOT "in.txt", O_RDONLY);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t written = 99;
    uint8_t dirbuf[64];
    __wasi_size_t used;
    printf("write read-only: %d %u\n", __wasi_fd_write(a, &iov, 1, &written), (unsigned)written);
    printf("readdir file: %d\n", __wasi_fd_readdir(a, dirbuf, sizeof dirbuf, 0, &used));
    close(a);

    // Escapes: each must be refused, nothing outside is touched.
    printf("escape ..: %d\n", open_errno("../secret.txt", 1));
    printf("escape absolute: %d\n", open_errno("/etc/passwd", 1));
    printf("escape sub/../..: %d\n", open_errno("sub/../../secret.txt", 1));
    printf("escape via dir link: %d\n", open_errno("out_rel/secret.txt", 1));
    printf("escape via absolute link: %d\n", open_errno("out_abs", 1));
    printf("escape via nested link: %d\n", open_errno("sub/up/secret.txt", 1));
    printf("link loop: %d\n", open_errno("loop_a", 1));
    printf("unfollowed link: %d\n", open_errno("out_abs", 0));
    printf("inside: %d %d\n", open_errno("sub/../in.txt", 1), open_errno("inside/../in.txt", 1));
    __wasi_filestat_t fs;
    printf("stat escape: %d\n", __wasi_path_filestat_get(3, 1, "../secret.txt", &fs));
    printf("mkdir escape: %d\n", __wasi_path_create_directory(3, "../made"));
    printf("unlink escape: %d\n", __wasi_path_unlink_file(3, "out_rel/secret.txt"));
    printf("rename escape: %d\n", __wasi_path_rename(3, "new.txt", 3, "../moved.txt"));
    printf("symlink escape: %d\n", __wasi_path_symlink("x", 3, "../made-link"));
    printf("libc escape: %d\n", open(ROOT "../secret.txt", O_RDONLY) == -1 ? errno : 0);
    return 0;
}
