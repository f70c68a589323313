/* run_books.c - how `claims run` writes its workbooks: one child process
 * per workbook. A fork belongs to the command, not to the library a
 * multi-threaded service links (there cl_report_xlsx_many uses threads). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cl_cli.h"
#include "core/cl_alloc.h"
#include "reports/cl_report.h"

/* Each workbook but the first is written by a child process (fork): separate
 * processes compress their zip streams at the same time (within one process
 * workbook_close is serialized, see reports/cl_xlsx.c), and share nothing. The
 * child's result comes back through a pipe. If a process cannot be started,
 * that workbook is written here, in turn. */
typedef struct child_result {
    cl_err err;
    cl_diag diag;
} child_result;

static int start_child(const char *path, const cl_book *book, cl_audience a, pid_t *pid)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    pid_t parent = getpid();
    *pid = fork();
    if (*pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (*pid == 0) {
        /* die with the parent: a killed run must not leave a writer behind
         * (it would hold the outputs' lock and write into a swept directory) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        close(p[0]);
        child_result r;
        memset(&r, 0, sizeof r);
        r.err = cl_report_xlsx(path, book, a, &r.diag);
        const char *buf = (const char *)&r;
        size_t left = sizeof r;
        while (left) {
            ssize_t k = write(p[1], buf, left);
            if (k <= 0)
                break;
            buf += k;
            left -= (size_t)k;
        }
        _exit(0);
    }
    close(p[1]);
    return p[0];
}

static cl_err reap_child(int fd, pid_t pid, const char *path, cl_diag *d)
{
    child_result r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t k = read(fd, (char *)&r + got, sizeof r - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof r)
        return cl_diag_set(d, CL_ERR_INTERNAL, "%s: the workbook writer process died", path);
    if (r.err && d)
        *d = r.diag;
    return r.err;
}

cl_err cl_cli_write_books(const char *const *paths, const cl_book *books,
                           const cl_audience *audiences, int n, cl_diag *d)
{
    if (n <= 0)
        return CL_OK;
    cl_diag *ds = cl_calloc((size_t)n, sizeof *ds);
    cl_err *es = cl_calloc((size_t)n, sizeof *es);
    int *fds = cl_calloc((size_t)n, sizeof *fds);
    pid_t *pids = cl_calloc((size_t)n, sizeof *pids);
    cl_err e = CL_OK;
    if (!ds || !es || !fds || !pids) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 1; i < n; i++)
        fds[i] = start_child(paths[i], &books[i], audiences[i], &pids[i]);
    es[0] = cl_report_xlsx(paths[0], &books[0], audiences[0], &ds[0]);
    for (int i = 1; i < n; i++)
        es[i] = fds[i] >= 0 ? reap_child(fds[i], pids[i], paths[i], &ds[i])
                            : cl_report_xlsx(paths[i], &books[i], audiences[i], &ds[i]);
    for (int i = 0; i < n && !e; i++)
        if (es[i])
            e = cl_diag_set(d, es[i], "%s", ds[i].msg);
out:
    free(ds);
    free(es);
    free(fds);
    free(pids);
    return e;
}
