/* cl_outdir.c - staging directory + atomic swap (renameat2 RENAME_EXCHANGE). */
#include "core/cl_outdir.h"

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
    struct noted *p = realloc(o->noted, (o->nnoted + 1) * sizeof *p);
    if (!p)
        return -1;
    o->noted = p;
    if (!(p[o->nnoted].name = strdup(name)))
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

/* Takes "<target>.lock"; with it held, any "<target>.tmp-*" beside the
 * target was left by a run that was killed, and is removed. */
static cl_err lock_and_sweep(cl_outdir *o, cl_diag *d)
{
    char lock[PATH_MAX + 16];
    snprintf(lock, sizeof lock, "%s.lock", o->target);
    o->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (o->lock_fd < 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", lock, strerror(errno));
    if (flock(o->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: another run is writing these outputs", o->target);
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

cl_err cl_outdir_begin(const char *target, cl_outdir **out, cl_diag *d)
{
    *out = NULL;
    size_t len = strlen(target);
    while (len > 1 && target[len - 1] == '/')
        len--;
    if (len == 0 || len + 32 >= PATH_MAX)
        return cl_diag_set(d, CL_ERR_USAGE, "bad output directory '%s'", target);
    cl_outdir *o = calloc(1, sizeof *o);
    if (!o)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    memcpy(o->target, target, len);
    o->target[len] = '\0';
    cl_err lerr = lock_and_sweep(o, d);
    if (lerr) {
        if (o->lock_fd >= 0)
            close(o->lock_fd);
        free(o);
        return lerr;
    }
    snprintf(o->staging, sizeof o->staging, "%s.tmp-XXXXXX", o->target);
    if (!mkdtemp(o->staging)) {
        cl_err e = cl_diag_set(d, CL_ERR_IO, "%s: cannot create staging directory: %s",
                               o->staging, strerror(errno));
        close(o->lock_fd);
        free(o);
        return e;
    }
    chmod(o->staging, 0755);
    *out = o;
    return CL_OK;
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
    if (o->lock_fd >= 0)
        close(o->lock_fd);   /* releases the flock */
    for (size_t i = 0; i < o->nnoted; i++)
        free(o->noted[i].name);
    free(o->noted);
    free(o);
}
