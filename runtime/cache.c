/*
 * cache.c -- the compiled-kernel cache's rules of trust and integrity: where the cache is, whether it may
 * be used at all (a private folder of the user's own), and whether an object in it is intact before it is
 * loaded (the record of its size and POSIX cksum that the build appended to it).
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The integrity record at the end of an object (the dynamic loader ignores bytes after the ELF data). */
#define SEAL_FORMAT "\n#rectic cksum=%010u size=%020llu\n"
#define SEAL_LEN 52

/* Checks that the folder holding dir lets no one else rename dir away: owned by the user or root, and
   writable by others only when sticky (as /tmp is). */
static int parent_is_safe(const char *dir, rct_err *err)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else
        slash[slash == parent] = '\0'; /* "/x" -> "/" */
    struct stat st;
    if (stat(parent, &st) != 0)
        return rct_errf(err, RECTIC_EJIT, "the compilation cache's folder %s cannot be examined: %s", parent,
                        strerror(errno));
    if ((st.st_uid == geteuid() || st.st_uid == 0) && (!(st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_mode & S_ISVTX)))
        return 0;
    return rct_errf(err, RECTIC_EJIT, "the compilation cache %s lies in %s, which other users can change (owner %ld, "
                    "mode %04o), so its objects cannot be trusted: set XDG_CACHE_HOME to a folder of your own",
                    dir, parent, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
}

/* Checks that dir is a real directory of the user's own that no one else can write. */
static int dir_is_private(const char *dir, rct_err *err)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return rct_errf(err, RECTIC_EJIT, "the compilation cache %s cannot be examined: %s", dir, strerror(errno));
    char why[160];
    const char *fix = "remove it";
    if (S_ISLNK(st.st_mode))
        snprintf(why, sizeof why, "is a symbolic link");
    else if (!S_ISDIR(st.st_mode))
        snprintf(why, sizeof why, "is not a directory");
    else if (st.st_uid != geteuid())
        snprintf(why, sizeof why, "belongs to user %ld, not to you (user %ld)", (long)st.st_uid, (long)geteuid());
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        snprintf(why, sizeof why, "can be written by other users (mode %04o)", (unsigned)(st.st_mode & 07777)),
            fix = "chmod 700 it";
    else
        return parent_is_safe(dir, err);
    return rct_errf(err, RECTIC_EJIT, "the compilation cache %s %s, so its objects cannot be trusted: %s, or set "
                    "XDG_CACHE_HOME to a folder of your own", dir, why, fix);
}

int rct_cache_dir(char *out, size_t size, rct_err *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(out, size, "%s/rectic", xdg);
    else if (home && *home)
        snprintf(out, size, "%s/.cache/rectic", home);
    else
        snprintf(out, size, "/tmp/rectic-cache-%ld", (long)getuid());
    struct stat st;
    if (xdg && *xdg && stat(xdg, &st) == 0 && !S_ISDIR(st.st_mode))
        return rct_errf(err, RECTIC_EJIT, "XDG_CACHE_HOME=%s is not a directory: the cc backend keeps its compiled "
                        "kernels in $XDG_CACHE_HOME/rectic", xdg);
    char failed[PATH_MAX];
    int e = rct_mkdirs(out, 0700, failed, sizeof failed);
    if (e)
        return rct_errf(err, RECTIC_EJIT, "cannot create the compilation cache %s (at %s: %s): set XDG_CACHE_HOME "
                        "to a folder of your own", out, failed, strerror(e));
    return dir_is_private(out, err);
}

/* POSIX cksum (CRC-32, polynomial 0x04C11DB7, over the bytes and then their length), as cksum(1) prints. */
static uint32_t posix_cksum(const unsigned char *p, size_t n)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i << 24;
        for (int k = 0; k < 8; k++)
            c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
        table[i] = c;
    }
    uint32_t crc = 0;
    for (size_t i = 0; i < n; i++)
        crc = (crc << 8) ^ table[(crc >> 24) ^ p[i]];
    for (size_t len = n; len; len >>= 8)
        crc = (crc << 8) ^ table[(crc >> 24) ^ (len & 0xff)];
    return ~crc;
}

/* Reads the whole file fd of size n into a new buffer; NULL on a short read or no memory. */
static unsigned char *read_all(int fd, size_t n)
{
    unsigned char *b = malloc(n ? n : 1);
    size_t got = 0;
    while (b && got < n) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            return NULL;
        }
        got += (size_t)r;
    }
    return b;
}

/* Checks the integrity record at the end of the open object fd (n bytes); 0, or why it does not hold. */
static const char *check_seal(int fd, size_t n)
{
    if (n <= SEAL_LEN)
        return n ? "it is too short to hold its integrity record" : "it is empty";
    unsigned char *b = read_all(fd, n);
    if (!b)
        return "it cannot be read";
    unsigned crc;
    unsigned long long size;
    char seal[SEAL_LEN + 1];
    memcpy(seal, b + n - SEAL_LEN, SEAL_LEN);
    seal[SEAL_LEN] = '\0';
    const char *why = NULL;
    char again[SEAL_LEN + 8];
    if (sscanf(seal, "\n#rectic cksum=%10u size=%20llu", &crc, &size) != 2 ||
        snprintf(again, sizeof again, SEAL_FORMAT, crc, size) != SEAL_LEN || memcmp(again, seal, SEAL_LEN) != 0)
        why = "its integrity record is missing (truncated, or not written by rectic)";
    else if (size != n - SEAL_LEN)
        why = "its size differs from the size recorded when it was built";
    else if (posix_cksum(b, n - SEAL_LEN) != crc)
        why = "its checksum differs from the one recorded when it was built";
    free(b);
    return why;
}

int rct_cache_open(const char *path, int *fd, rct_err *err)
{
    *fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0 && errno == ENOENT)
        return RCT_OBJ_MISSING;
    if (*fd < 0) {
        rct_errf(err, RECTIC_EJIT, "the cached kernel %s cannot be opened safely: %s", path,
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return RCT_OBJ_DAMAGED;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(*fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "it is not a regular file";
    else if (st.st_uid != geteuid())
        why = "it belongs to another user";
    else
        why = check_seal(*fd, (size_t)st.st_size);
    if (!why)
        return RCT_OBJ_OK;
    close(*fd);
    *fd = -1;
    rct_errf(err, RECTIC_EJIT, "the cached kernel %s is damaged: %s", path, why);
    return RCT_OBJ_DAMAGED;
}

void rct_cache_discard(const char *path, int fd)
{
    struct stat now, seen;
    if (lstat(path, &now) != 0)
        return;
    if (fd >= 0 && (fstat(fd, &seen) != 0 || seen.st_dev != now.st_dev || seen.st_ino != now.st_ino))
        return; /* a new object has landed since: another compile's, to be checked on its own */
    unlink(path);
}

void rct_cache_seal_cmd(rct_buf *cmd, const char *quoted_path)
{
    /* cksum prints "CRC SIZE"; the record is appended only when both are known */
    rct_buf_printf(cmd, "rct_sum=$(cksum < %s) && set -- $rct_sum && printf '%s' \"$1\" \"$2\" >> %s", quoted_path,
                   "\\n#rectic cksum=%010u size=%020u\\n", quoted_path);
}

void rct_cache_unique(char *out, size_t size, const char *path, const char *suffix)
{
    static atomic_ulong counter; /* names are unique per process; the pid sets processes apart */
    snprintf(out, size, "%s.%ld-%lu%s", path, (long)getpid(), atomic_fetch_add(&counter, 1), suffix);
}
