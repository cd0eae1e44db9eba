/*
 * rulehost: deterministic host state for componentize-py (LD_PRELOAD).
 *
 * componentize-py pre-initialises CPython inside an embedded wasmtime and
 * snapshots its heap; whatever the host hands the guest ends up in the
 * component's bytes.  Inside that process this library replaces:
 *   - randomness (getrandom, getentropy, syscall(SYS_getrandom)) with a fixed
 *     stream, restarted on every call (so thread interleaving cannot matter);
 *   - the wall clock (clock_gettime REALTIME, gettimeofday, time) with
 *     2000-01-01T00:00:00Z;
 *   - the monotonic clock of the main thread (where the guest runs) with a
 *     counter advancing 1 ms per call (other threads keep the real clock, so
 *     their timed waits still end);
 *   - stat results (statx and the __xstat family) with normalised ones: fixed
 *     times, device 1, inode numbers in first-seen order, one link, owner 0,
 *     modes 0755/0644, directories of size 4096;
 *   - directory listings (readdir64), sorted by name.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define FIXED_EPOCH 946684800L

#define NEXT(name, fn_t) \
    static fn_t real; \
    if (!real) real = (fn_t)dlsym(RTLD_NEXT, name)

typedef long (*syscall_t)(long, ...);
typedef int (*clock_t_)(clockid_t, struct timespec *);
typedef int (*statx_t)(int, const char *, int, unsigned int, struct statx *);
typedef int (*xstat_t)(int, const char *, struct stat *);
typedef int (*fxstat_t)(int, int, struct stat *);
typedef int (*fxstatat_t)(int, int, const char *, struct stat *, int);
typedef struct dirent64 *(*readdir_t)(DIR *);
typedef int (*closedir_t)(DIR *);

/* ---- randomness ---- */

static void fill(void *buf, size_t len) {
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        memcpy(p + i, &z, len - i < 8 ? len - i : 8);
    }
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags) {
    (void)flags;
    fill(buf, len);
    return (ssize_t)len;
}

int getentropy(void *buf, size_t len) {
    if (len > 256) {
        errno = EIO;
        return -1;
    }
    fill(buf, len);
    return 0;
}

long syscall(long no, ...) {
    va_list ap;
    long a[6];
    va_start(ap, no);
    for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
    va_end(ap);
    if (no == SYS_getrandom) {
        fill((void *)a[0], (size_t)a[1]);
        return a[1];
    }
    NEXT("syscall", syscall_t);
    return real(no, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- clocks ---- */

int clock_gettime(clockid_t id, struct timespec *ts) {
    if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
        ts->tv_sec = FIXED_EPOCH;
        ts->tv_nsec = 0;
        return 0;
    }
    if ((id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_MONOTONIC_RAW ||
         id == CLOCK_BOOTTIME) && gettid() == getpid()) {
        static long ticks;
        ticks++;
        ts->tv_sec = 1000 + ticks / 1000;
        ts->tv_nsec = (ticks % 1000) * 1000000;
        return 0;
    }
    NEXT("clock_gettime", clock_t_);
    return real(id, ts);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    (void)tz;
    struct timeval *volatile out = tv;
    if (out) {
        out->tv_sec = FIXED_EPOCH;
        out->tv_usec = 0;
    }
    return 0;
}

time_t time(time_t *t) {
    if (t) *t = FIXED_EPOCH;
    return FIXED_EPOCH;
}

/* ---- stat ---- */

static pthread_mutex_t ino_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *ino_keys, *ino_vals;
static size_t ino_cap, ino_len;
static uint64_t next_ino = 1000;

static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    return z ^ (z >> 31);
}

/* The inode number of (dev, ino) in first-seen order. */
static uint64_t map_ino(uint64_t dev, uint64_t ino) {
    uint64_t r = ino;
    pthread_mutex_lock(&ino_lock);
    if (ino_len * 2 >= ino_cap) {
        size_t cap = ino_cap ? ino_cap * 2 : 4096;
        uint64_t *k = calloc(cap * 2, sizeof *k), *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            pthread_mutex_unlock(&ino_lock);
            return ino;
        }
        for (size_t i = 0; i < ino_cap; i++) {
            if (!ino_vals[i]) continue;
            size_t j = mix(ino_keys[2 * i], ino_keys[2 * i + 1]) & (cap - 1);
            while (v[j]) j = (j + 1) & (cap - 1);
            k[2 * j] = ino_keys[2 * i];
            k[2 * j + 1] = ino_keys[2 * i + 1];
            v[j] = ino_vals[i];
        }
        free(ino_keys);
        free(ino_vals);
        ino_keys = k;
        ino_vals = v;
        ino_cap = cap;
    }
    size_t j = mix(dev, ino) & (ino_cap - 1);
    while (ino_vals[j] && !(ino_keys[2 * j] == dev && ino_keys[2 * j + 1] == ino)) j = (j + 1) & (ino_cap - 1);
    if (!ino_vals[j]) {
        ino_keys[2 * j] = dev;
        ino_keys[2 * j + 1] = ino;
        ino_vals[j] = next_ino++;
        ino_len++;
    }
    r = ino_vals[j];
    pthread_mutex_unlock(&ino_lock);
    return r;
}

static mode_t norm_mode(mode_t m) {
    return (m & S_IFMT) | (S_ISDIR(m) || (m & 0100) ? 0755 : 0644);
}

static void fix_stat(struct stat *st) {
    st->st_ino = map_ino(st->st_dev, st->st_ino);
    st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = FIXED_EPOCH;
    st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = 0;
    st->st_dev = 1;
    st->st_nlink = 1;
    st->st_uid = 0;
    st->st_gid = 0;
    st->st_rdev = 0;
    if (S_ISDIR(st->st_mode)) st->st_size = 4096;
    st->st_blksize = 4096;
    st->st_blocks = (st->st_size + 511) / 512;
    st->st_mode = norm_mode(st->st_mode);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *sx) {
    NEXT("statx", statx_t);
    int r = real(dirfd, path, flags, mask, sx);
    if (r != 0) return r;
    struct statx_timestamp t = {.tv_sec = FIXED_EPOCH, .tv_nsec = 0};
    sx->stx_atime = sx->stx_btime = sx->stx_ctime = sx->stx_mtime = t;
    sx->stx_ino = map_ino(((uint64_t)sx->stx_dev_major << 32) | sx->stx_dev_minor, sx->stx_ino);
    sx->stx_dev_major = 0;
    sx->stx_dev_minor = 1;
    sx->stx_rdev_major = 0;
    sx->stx_rdev_minor = 0;
    sx->stx_nlink = 1;
    sx->stx_uid = 0;
    sx->stx_gid = 0;
    sx->stx_attributes = 0;
    sx->stx_attributes_mask = 0;
    sx->stx_mnt_id = 0;
    if (S_ISDIR(sx->stx_mode)) sx->stx_size = 4096;
    sx->stx_blksize = 4096;
    sx->stx_blocks = (sx->stx_size + 511) / 512;
    sx->stx_mode = (uint16_t)norm_mode(sx->stx_mode);
    return 0;
}

int __xstat64(int ver, const char *path, struct stat *st) {
    NEXT("__xstat64", xstat_t);
    int r = real(ver, path, st);
    if (r == 0) fix_stat(st);
    return r;
}

int __lxstat64(int ver, const char *path, struct stat *st) {
    NEXT("__lxstat64", xstat_t);
    int r = real(ver, path, st);
    if (r == 0) fix_stat(st);
    return r;
}

int __fxstat64(int ver, int fd, struct stat *st) {
    NEXT("__fxstat64", fxstat_t);
    int r = real(ver, fd, st);
    if (r == 0) fix_stat(st);
    return r;
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat *st, int flags) {
    NEXT("__fxstatat64", fxstatat_t);
    int r = real(ver, dirfd, path, st, flags);
    if (r == 0) fix_stat(st);
    return r;
}

/* ---- directory listings in name order ---- */

struct listing {
    DIR *dir;
    struct dirent64 **ents;
    size_t n, pos;
    struct listing *next;
};
static struct listing *listings;
static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;

static int by_name(const void *a, const void *b) {
    return strcmp((*(struct dirent64 *const *)a)->d_name, (*(struct dirent64 *const *)b)->d_name);
}

struct dirent64 *readdir64(DIR *dir) {
    NEXT("readdir64", readdir_t);
    pthread_mutex_lock(&dir_lock);
    struct listing *l = listings;
    while (l && l->dir != dir) l = l->next;
    pthread_mutex_unlock(&dir_lock);
    if (!l) {
        l = calloc(1, sizeof *l);
        if (!l) return real(dir);
        size_t cap = 0;
        struct dirent64 *e;
        while ((e = real(dir))) {
            if (l->n == cap) {
                cap = cap ? cap * 2 : 64;
                struct dirent64 **grown = realloc(l->ents, cap * sizeof *grown);
                if (!grown) break;
                l->ents = grown;
            }
            struct dirent64 *copy = malloc(e->d_reclen);
            if (!copy) break;
            memcpy(copy, e, e->d_reclen);
            l->ents[l->n++] = copy;
        }
        qsort(l->ents, l->n, sizeof *l->ents, by_name);
        l->dir = dir;
        pthread_mutex_lock(&dir_lock);
        l->next = listings;
        listings = l;
        pthread_mutex_unlock(&dir_lock);
    }
    if (l->pos >= l->n) return NULL;
    struct dirent64 *e = l->ents[l->pos++];
    e->d_off = (off_t)l->pos;
    return e;
}

int closedir(DIR *dir) {
    NEXT("closedir", closedir_t);
    pthread_mutex_lock(&dir_lock);
    struct listing **p = &listings;
    while (*p && (*p)->dir != dir) p = &(*p)->next;
    struct listing *l = *p;
    if (l) *p = l->next;
    pthread_mutex_unlock(&dir_lock);
    if (l) {
        for (size_t i = 0; i < l->n; i++) free(l->ents[i]);
        free(l->ents);
        free(l);
    }
    return real(dir);
}
