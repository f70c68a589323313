/* cl_progress.h - stage-by-stage progress on stderr when it is a terminal;
 * silent when piped (or when forced quiet). Also measures stage timings. */
#ifndef CL_PROGRESS_H
#define CL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct cl_progress cl_progress;

/* enabled: 1 on, 0 off, -1 auto (on when stderr is a terminal). */
cl_progress *cl_progress_create(int enabled);
void cl_progress_free(cl_progress *p);
int cl_progress_enabled(const cl_progress *p);
/* Starts a named stage (ends the previous one). */
void cl_progress_stage(cl_progress *p, const char *name);
/* Ends the current stage, printing "name ... done (123 ms) detail". */
void cl_progress_end(cl_progress *p, const char *detail_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Recorded stages, in order, for the manifest. */
int cl_progress_count(const cl_progress *p);
const char *cl_progress_name(const cl_progress *p, int i);
int64_t cl_progress_ms(const cl_progress *p, int i);

/* Monotonic milliseconds. */
int64_t cl_now_ms(void);

#endif
