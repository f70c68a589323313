/* cl_money.h - money is int64 fen (1/100 yuan); formatting and checked sums.
 * No float or double ever holds money. */
#ifndef CL_MONEY_H
#define CL_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#define CL_FEN_PER_YUAN 100
/* Largest declarable amount: 10^11 yuan (contract §3). */
#define CL_AMOUNT_MAX_FEN ((int64_t)100000000000LL * 100)

/* Writes "-1234.56" (yuan, exactly two decimals) into buf, returns length. */
#define CL_MONEY_BUFSZ 32
int cl_money_format(int64_t fen, char buf[CL_MONEY_BUFSZ]);
/* An integer in decimal ("-42"), not terminated; returns the length. */
int cl_int_format(int64_t v, char buf[CL_MONEY_BUFSZ]);

/* Checked arithmetic: false on overflow (*out untouched). */
static inline bool cl_money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

static inline bool cl_money_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

#endif
