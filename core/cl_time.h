/* cl_time.h - court-local time (Asia/Shanghai, UTC+08:00, no DST) as seconds
 * since 1970-01-01 00:00:00 local. Civil-date arithmetic without libc's TZ. */
#ifndef CL_TIME_H
#define CL_TIME_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t cl_time;
#define CL_TIME_NONE INT64_MIN
#define CL_TZ_OFFSET_SECONDS (8 * 3600)

bool cl_civil_valid(int y, int m, int d);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t cl_days_from_civil(int y, int m, int d);
void cl_civil_from_days(int64_t days, int *y, int *m, int *d);
cl_time cl_time_make(int y, int mo, int d, int h, int mi, int s);
/* The civil date of t and its second of the day (0..86399). */
void cl_time_split(cl_time t, int *y, int *m, int *d, int *sec);

/* "YYYY-MM-DD HH:MM:SS" into buf (at least 20 bytes); returns 19. */
#define CL_TIME_BUFSZ 24
int cl_time_format(cl_time t, char buf[CL_TIME_BUFSZ]);
/* "YYYY-MM-DD" into buf; returns 10. */
int cl_date_format(cl_time t, char buf[CL_TIME_BUFSZ]);

#endif
