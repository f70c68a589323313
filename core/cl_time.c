/* cl_time.c - civil calendar arithmetic (Howard Hinnant's algorithms). */
#include "core/cl_time.h"

#include <stdio.h>

bool cl_civil_valid(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

int64_t cl_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cl_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (mm <= 2));
    *m = mm;
    *d = dd;
}

cl_time cl_time_make(int y, int mo, int d, int h, int mi, int s)
{
    return cl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

void cl_time_split(cl_time t, int *y, int *m, int *d, int *sec)
{
    int64_t days = t / 86400;
    int64_t rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    cl_civil_from_days(days, y, m, d);
    *sec = (int)rem;
}

int cl_time_format(cl_time t, char buf[CL_TIME_BUFSZ])
{
    int y, m, d, sec;
    cl_time_split(t, &y, &m, &d, &sec);
    return snprintf(buf, CL_TIME_BUFSZ, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d,
                    sec / 3600, sec / 60 % 60, sec % 60);
}

int cl_date_format(cl_time t, char buf[CL_TIME_BUFSZ])
{
    int y, m, d, sec;
    cl_time_split(t, &y, &m, &d, &sec);
    return snprintf(buf, CL_TIME_BUFSZ, "%04d-%02d-%02d", y, m, d);
}
