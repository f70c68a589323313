/* cl_progress.c - terminal progress and stage timings. */
#include "core/cl_progress.h"
#include "core/cl_alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_STAGES 64

struct cl_progress {
    int enabled;
    int n;
    int open;
    char names[MAX_STAGES][48];
    int64_t start[MAX_STAGES];
    int64_t ms[MAX_STAGES];
};

int64_t cl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cl_progress *cl_progress_create(int enabled)
{
    cl_progress *p = cl_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->enabled = enabled < 0 ? isatty(STDERR_FILENO) : enabled;
    return p;
}

void cl_progress_free(cl_progress *p)
{
    free(p);
}

int cl_progress_enabled(const cl_progress *p)
{
    return p && p->enabled;
}

void cl_progress_stage(cl_progress *p, const char *name)
{
    if (!p)
        return;
    if (p->open)
        cl_progress_end(p, NULL);
    if (p->n == MAX_STAGES)
        return;
    snprintf(p->names[p->n], sizeof p->names[0], "%s", name);
    p->start[p->n] = cl_now_ms();
    p->open = 1;
    if (p->enabled) {
        fprintf(stderr, "  %-28s ...", name);
        fflush(stderr);
    }
}

void cl_progress_end(cl_progress *p, const char *fmt, ...)
{
    if (!p || !p->open)
        return;
    p->ms[p->n] = cl_now_ms() - p->start[p->n];
    if (p->enabled) {
        fprintf(stderr, "\r  %-28s %6lld ms", p->names[p->n], (long long)p->ms[p->n]);
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            fputs("  ", stderr);
            vfprintf(stderr, fmt, ap);
            va_end(ap);
        }
        fputc('\n', stderr);
    }
    p->n++;
    p->open = 0;
}

int cl_progress_count(const cl_progress *p)
{
    return p->n;
}

const char *cl_progress_name(const cl_progress *p, int i)
{
    return p->names[i];
}

int64_t cl_progress_ms(const cl_progress *p, int i)
{
    return p->ms[i];
}
