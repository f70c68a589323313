/* cl_mask.c - masking of personal data for public outputs (contract §8).
 * Lengths count UTF-8 code points, so a CJK name keeps one whole character.
 * Short values are starred completely rather than shown whole:
 *   name   first character + "**"             张三丰 -> 张**, A -> A**
 *   id     first 4 + one '*' per middle char + last 4; <= 8 chars: all '*'
 *   phone  first 3 + stars + last 4;           < 8 chars: all '*'
 *   bank   spaces dropped, stars + last 4;     <= 4 chars: all '*'
 * Empty stays empty; other kinds are copied unchanged. */
#include "reports/cl_report.h"

#include <string.h>

/* Length of the UTF-8 sequence at s[0..n); a malformed byte counts as one. */
static size_t u8_len(const unsigned char *s, size_t n)
{
    size_t k = 1;
    if (s[0] >= 0xF0 && s[0] < 0xF8)
        k = 4;
    else if (s[0] >= 0xE0)
        k = s[0] < 0xF0 ? 3 : 1;
    else if (s[0] >= 0xC2)
        k = 2;
    if (k > n)
        return 1;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 1;
    return k;
}

/* Byte offsets of each code point start; returns the number of characters.
 * off must have room for len + 1 entries; off[count] = len. */
static size_t u8_split(const char *s, size_t len, size_t *off)
{
    size_t n = 0, i = 0;
    while (i < len) {
        off[n++] = i;
        i += u8_len((const unsigned char *)s + i, len - i);
    }
    off[n] = len;
    return n;
}

static size_t stars(char *out, size_t n)
{
    memset(out, '*', n);
    return n;
}

/* keep `head` characters, star the middle, keep `tail`; if the value has no
 * more than `min_all` characters, star everything. */
static size_t keep_ends(const char *s, size_t len, size_t head, size_t tail, size_t min_all,
                        char *out)
{
    size_t offbuf[256];
    size_t *off = offbuf;
    if (len + 1 > sizeof offbuf / sizeof offbuf[0]) {
        /* Very long values: count characters without keeping offsets. */
        size_t n = 0;
        for (size_t i = 0; i < len; n++)
            i += u8_len((const unsigned char *)s + i, len - i);
        return stars(out, n);
    }
    size_t n = u8_split(s, len, off);
    if (n <= min_all)
        return stars(out, n);
    size_t o = 0;
    memcpy(out, s, off[head]);
    o += off[head];
    o += stars(out + o, n - head - tail);
    size_t tail_from = off[n - tail];
    memcpy(out + o, s + tail_from, len - tail_from);
    return o + (len - tail_from);
}

static size_t mask_name(const char *s, size_t len, char *out)
{
    size_t k = u8_len((const unsigned char *)s, len);
    if (k == 1 && (unsigned char)s[0] >= 0x80)
        return stars(out, 3);          /* malformed: show nothing */
    memcpy(out, s, k);
    memcpy(out + k, "**", 2);
    return k + 2;
}

static size_t mask_bank(const char *s, size_t len, char *out)
{
    /* Drop spaces first, then keep the last 4 (written in place in out). */
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ')
            out[m++] = s[i];
    char tmp[256];
    if (m > sizeof tmp)
        return stars(out, m);
    memcpy(tmp, out, m);
    return keep_ends(tmp, m, 0, 4, 4, out);
}

size_t cl_mask(cl_col_kind kind, const char *s, size_t len, char *out)
{
    if (!s || len == 0)
        return 0;
    switch (kind) {
    case CL_COL_PII_NAME:
        return mask_name(s, len, out);
    case CL_COL_PII_ID:
        return keep_ends(s, len, 4, 4, 8, out);
    case CL_COL_PII_PHONE:
        return keep_ends(s, len, 3, 4, 7, out);
    case CL_COL_PII_BANK:
        return mask_bank(s, len, out);
    default:
        memcpy(out, s, len);
        return len;
    }
}
