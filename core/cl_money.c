/* cl_money.c - formatting fen as yuan with two decimals. */
#include "core/cl_money.h"

#include <string.h>

int cl_money_format(int64_t fen, char buf[CL_MONEY_BUFSZ])
{
    if (fen == 0) {   /* most amount columns of most rows */
        memcpy(buf, "0.00", 5);
        return 4;
    }
    char tmp[CL_MONEY_BUFSZ];
    uint64_t u = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    int n = 0;
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
    tmp[n++] = '.';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int len = 0;
    if (fen < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

int cl_int_format(int64_t v, char buf[CL_MONEY_BUFSZ])
{
    char tmp[CL_MONEY_BUFSZ];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}
