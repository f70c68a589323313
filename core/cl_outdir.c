/* cl_outdir.c - staging directory + atomic swap (renameat2 RENAME_EXCHANGE),
 * and the guard that keeps --out from replacing anything but outputs. */
#include "core/cl_outdir.h"
#include "core/cl_alloc.h"

#include "core/cl_path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct cl_outdir {
    int lock_fd;        /* flock on "<target>.lock" while the run writes */
    int locked;         /* the flock is ours: the lock file is removed at the end */
    char lock[PATH_MAX + 16];
    char target[PATH_MAX];
    char staging[PATH_MAX + 32];
    char scratch[2 * PATH_MAX + 64];
    int committed;
    pthread_t remover;      /* removes the previous outputs after a swap */
    int removing;
    struct noted {          /* digests the writers computed */
        char *name;
        unsigned char sha256[32];
    } *noted;
    size_t nnoted;
};

int cl_outdir_note_sha256(cl_outdir *o, const char *name, const unsigned char sha256[32])
{
    struct noted *p = cl_realloc(o->noted, (o->nnoted + 1) * sizeof *p);
    if (!p)
        return -1;
    o->noted = p;
    if (!(p[o->nnoted].name = cl_strdup(name)))
        return -1;
    memcpy(p[o->nnoted].sha256, sha256, 32);
    o->nnoted++;
    return 0;
}

const unsigned char *cl_outdir_sha256(const cl_outdir *o, const char *name)
{
    for (size_t i = o->nnoted; i-- > 0;)
        if (!strcmp(o->noted[i].name, name))
            return o->noted[i].sha256;
    return NULL;
}

static void remove_tree(const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *e;
    char p[2 * PATH_MAX + 64];
    while ((e = readdir(dh))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(dh);
    rmdir(dir);
}


/* ------------------------------------------------------------ the guard */

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* How far above the directory `real` (a resolved path) the directory `dir`
 * is: 1 when it is `real` itself, 2 and more above it, 0 not at all. */
static int depth_above(const struct stat *dir, char *real)
{
    for (int depth = 1;; depth++) {
        struct stat st;
        if (stat(real, &st) == 0 && same_file(&st, dir))
            return depth;
        char *slash = strrchr(real, '/');
        if (!slash || !strcmp(real, "/"))
            return 0;
        if (slash == real)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

/* Whether `dir` holds the file `path`, directly (1) or further down (2), as
 * the path resolves (through links) or as it is written (its folder). */
static int holds_input(const struct stat *dir, const char *path)
{
    char real[PATH_MAX];
    int how = 0;
    if (realpath(path, real)) {
        char *slash = strrchr(real, '/');
        if (slash == real)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        how = depth_above(dir, real);
    }
    if (!how) {
        /* the folder as written, on the stack: this guard cannot fail */
        char folder[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof folder)
            return 0;
        memcpy(folder, n ? path : ".", n ? n : 1);
        folder[n ? n : 1] = '\0';
        if (realpath(folder, real))
            how = depth_above(dir, real);
    }
    return how;
}

/* What a directory holds, as far as the guard cares. */
typedef struct dir_look {
    size_t n;            /* entries */
    int marker, key, conf, manifest;
    char first[256];     /* an entry to name in a message */
} dir_look;

/* Whether dir/manifest.json says "engine": "claims ...". */
static int claims_manifest(const char *dir)
{
    char p[PATH_MAX + 32], buf[4096];
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    FILE *f = fopen(p, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *e = strstr(buf, "\"engine\"");
    if (!e)
        return 0;
    e += 8;
    while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r')
        e++;
    if (*e++ != ':')
        return 0;
    while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r')
        e++;
    return !strncmp(e, "\"claims", 7);
}

static int look_into(const char *dir, dir_look *l)
{
    memset(l, 0, sizeof *l);
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (l->n++ == 0 || strcmp(e->d_name, l->first) < 0)
            snprintf(l->first, sizeof l->first, "%s", e->d_name);
        l->marker |= !strcmp(e->d_name, CL_OUTDIR_MARKER);
        l->key |= !strcmp(e->d_name, "case.key");
        l->conf |= !strcmp(e->d_name, "case.conf");
    }
    closedir(dh);
    l->manifest = !l->marker && l->n && claims_manifest(dir);
    return 0;
}

static cl_err refuse(cl_diag *d, const char *target, const char *why, const char *what)
{
    return cl_diag_set(d, CL_ERR_INPUT,
                       "--out %s %s%s; claims only replaces a new or empty folder or its own "
                       "earlier outputs (nothing was written)", target, why, what);
}

static cl_err check_contents(const char *target, cl_diag *d)
{
    dir_look l;
    char what[320];
    if (look_into(target, &l) != 0)
        return cl_diag_set(d, CL_ERR_IO, "--out %s: cannot read the folder: %s", target,
                           strerror(errno));
    if (l.key)
        return refuse(d, target, "holds a case key (case.key): it is a case's folder", "");
    if (l.n == 0 || l.marker || l.manifest)
        return CL_OK;
    if (l.conf)
        return refuse(d, target, "holds a case (case.conf): it is a case's folder", "");
    snprintf(what, sizeof what, " (it holds '%s'%s)", l.first,
             l.n > 1 ? " and more" : "");
    return refuse(d, target, "is a folder claims did not write", what);
}

cl_err cl_outdir_check(const char *target, const char *const *inputs, size_t ninputs,
                       cl_diag *d)
{
    if (!target || !*target)
        return cl_diag_set(d, CL_ERR_USAGE, "--out: empty path");
    struct stat st, in;
    if (stat(target, &st) != 0) {
        if (errno == ENOENT && lstat(target, &in) == 0)
            return refuse(d, target, "is a symbolic link to nothing", "");
        if (errno == ENOENT)
            return CL_OK;   /* absent: created */
        return cl_diag_set(d, CL_ERR_INPUT, "--out %s: %s (nothing was written)", target,
                           strerror(errno));
    }
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i] && stat(inputs[i], &in) == 0 && same_file(&in, &st))
            return refuse(d, target, "is the input ", inputs[i]);
    if (!S_ISDIR(st.st_mode))
        return refuse(d, target, "exists and is not a folder", "");
    for (size_t i = 0; i < ninputs; i++) {
        int how = inputs[i] ? holds_input(&st, inputs[i]) : 0;
        if (how)
            return refuse(d, target, how == 1 ? "is the folder of the input "
                                              : "is a folder above the input ", inputs[i]);
    }
    return check_contents(target, d);
}

/* ------------------------------------------------------------- the lock */

/* Gives up the lock; the lock file goes too when the flock was ours (a run
 * that opened it meanwhile finds the path no longer names its file, and
 * takes the lock again). */
static void unlock(cl_outdir *o)
{
    if (o->lock_fd < 0)
        return;
    if (o->locked)
        unlink(o->lock);
    close(o->lock_fd);   /* releases the flock */
    o->lock_fd = -1;
    o->locked = 0;
}

/* Takes the flock on "<target>.lock", retrying when the file it locked was
 * removed by the run before it (the path must still name the locked file). */
static cl_err take_lock(cl_outdir *o, cl_diag *d)
{
    snprintf(o->lock, sizeof o->lock, "%s.lock", o->target);
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(o->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", o->lock, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            return cl_diag_set(d, CL_ERR_IO, "%s: another run is writing these outputs",
                               o->target);
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(o->lock, &b) == 0 && same_file(&a, &b)) {
            o->lock_fd = fd;
            o->locked = 1;
            return CL_OK;
        }
        close(fd);
    }
    return cl_diag_set(d, CL_ERR_IO, "%s: the lock file keeps being replaced", o->lock);
}

/* Takes "<target>.lock"; with it held, any "<target>.tmp-*" beside the
 * target was left by a run that was killed, and is removed. */
static cl_err lock_and_sweep(cl_outdir *o, cl_diag *d)
{
    cl_err err = take_lock(o, d);
    if (err)
        return err;
    char dir[PATH_MAX];
    const char *slash = strrchr(o->target, '/');
    const char *base = slash ? slash + 1 : o->target;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->target) : 1, slash ? o->target : ".");
    if (slash == o->target)
        snprintf(dir, sizeof dir, "/");
    DIR *dh = opendir(dir);
    if (!dh)
        return CL_OK;
    size_t blen = strlen(base);
    struct dirent *e;
    char p[2 * PATH_MAX + 64];
    while ((e = readdir(dh))) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".tmp-", 5) != 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        remove_tree(p);
    }
    closedir(dh);
    return CL_OK;
}

static cl_err write_marker(cl_outdir *o, const char *command, cl_diag *d)
{
    const char *p = cl_outdir_path(o, CL_OUTDIR_MARKER);
    FILE *f = fopen(p, "w");
    int ok = f && fprintf(f, "claims %s\n", command) > 0;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? CL_OK : cl_diag_set(d, CL_ERR_IO, "%s: cannot write: %s", p, strerror(errno));
}

cl_err cl_outdir_begin_as(const char *target, const char *command, cl_outdir **out,
                          cl_diag *d)
{
    *out = NULL;
    cl_err err = cl_outdir_check(target, NULL, 0, d);
    if (err)
        return err;
    char real[PATH_MAX];
    if (realpath(target, real))   /* exists: follow links, drop "..", "." and "/" */
        target = real;
    size_t len = strlen(target);
    while (len > 1 && target[len - 1] == '/')
        len--;
    if (len == 0 || len + 32 >= PATH_MAX)
        return cl_diag_set(d, CL_ERR_USAGE, "bad output directory '%s'", target);
    cl_outdir *o = cl_calloc(1, sizeof *o);
    if (!o)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    o->lock_fd = -1;
    memcpy(o->target, target, len);
    o->target[len] = '\0';
    /* checked again with the lock held: another command may have written it */
    if ((err = lock_and_sweep(o, d)) || (err = cl_outdir_check(o->target, NULL, 0, d)))
        goto fail;
    snprintf(o->staging, sizeof o->staging, "%s.tmp-XXXXXX", o->target);
    if (!mkdtemp(o->staging)) {
        err = cl_diag_set(d, CL_ERR_IO, "%s: cannot create staging directory: %s",
                          o->staging, strerror(errno));
        o->staging[0] = '\0';
        goto fail;
    }
    chmod(o->staging, 0755);
    if ((err = write_marker(o, command, d)))
        goto fail;
    *out = o;
    return CL_OK;
fail:
    if (o->staging[0])
        remove_tree(o->staging);
    unlock(o);
    free(o);
    return err;
}

cl_err cl_outdir_begin(const char *target, cl_outdir **out, cl_diag *d)
{
    return cl_outdir_begin_as(target, "claims", out, d);
}

const char *cl_outdir_path(cl_outdir *o, const char *name)
{
    snprintf(o->scratch, sizeof o->scratch, "%s/%s", o->staging, name);
    return o->scratch;
}

static cl_err sync_dir(const char *dir, cl_diag *d)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return cl_diag_set(d, CL_ERR_IO, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    char p[2 * PATH_MAX + 64];
    cl_err err = CL_OK;
    while ((e = readdir(dh)) && err == CL_OK) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            err = cl_diag_set(d, CL_ERR_IO, "%s: cannot sync: %s", p, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    closedir(dh);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return err;
}

static void *remover_main(void *arg)
{
    cl_outdir *o = arg;
    remove_tree(o->staging);
    return NULL;
}

cl_err cl_outdir_commit(cl_outdir *o, cl_diag *d)
{
    cl_err err = sync_dir(o->staging, d);
    if (err)
        return err;
    if (renameat2(AT_FDCWD, o->staging, AT_FDCWD, o->target, RENAME_EXCHANGE) == 0) {
        /* staging now holds the previous outputs: removed by a thread while
         * the caller tidies up (cl_outdir_free waits for it) */
        if (pthread_create(&o->remover, NULL, remover_main, o) == 0)
            o->removing = 1;
        else
            remove_tree(o->staging);
    } else if (errno == ENOENT) {
        if (rename(o->staging, o->target) != 0)
            return cl_diag_set(d, CL_ERR_IO, "%s: cannot move outputs into place: %s",
                               o->target, strerror(errno));
    } else {
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot swap outputs into place: %s",
                           o->target, strerror(errno));
    }
    o->committed = 1;
    return CL_OK;
}

void cl_outdir_free(cl_outdir *o)
{
    if (!o)
        return;
    if (o->removing)
        pthread_join(o->remover, NULL);
    if (!o->committed)
        remove_tree(o->staging);
    unlock(o);
    for (size_t i = 0; i < o->nnoted; i++)
        free(o->noted[i].name);
    free(o->noted);
    free(o);
}
