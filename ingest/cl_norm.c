/* cl_norm.c - the normalizers of contract §3 and the time forms of §0: text
 * folding (trim, full-width ASCII), names, ID numbers and their check
 * digits, phones, yuan amounts to int64 fen, times to court-local seconds.
 *
 * Everything works on UTF-8 without allocating. Bytes that are not valid
 * UTF-8 pass through the text normalizers unchanged (they never match a
 * digit, letter or separator, so the parsers reject them). */
#include "ingest/cl_norm.h"

#include <string.h>

#include "core/cl_money.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one strict UTF-8 sequence (no overlongs, surrogates or values
 * above U+10FFFF) at s[0..n). Returns its length, or 0 if invalid. */
static size_t u8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < k)
        return 0;
    uint32_t v = c & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((k == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
        (k == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    *cp = v;
    return k;
}

/* Full-width ASCII to ASCII, the ideographic space to a space. */
static uint32_t fold_cp(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    if (cp == 0x3000)
        return ' ';
    return cp;
}

static bool is_ascii_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f';
}

static bool is_space_cp(uint32_t cp)
{
    return is_ascii_space(cp) || cp == 0x3000;
}

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

static bool is_middle_dot(uint32_t cp)
{
    return cp == 0x00B7 || cp == 0x30FB || cp == 0x2022 || cp == 0x2027 || cp == 0xFF65;
}

/* ---- text ------------------------------------------------------------- */

size_t cl_norm_text(const char *in, size_t len, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t b = 0, e = len;
    uint32_t cp;
    while (b < e) {
        size_t k = u8_decode(s + b, e - b, &cp);
        if (!k || !is_space_cp(cp))
            break;
        b += k;
    }
    /* U+3000 is E3 80 80; E3 is never a continuation byte, so a trailing
     * E3 80 80 is always a whole character. */
    while (e > b) {
        if (is_ascii_space(s[e - 1]))
            e--;
        else if (e - b >= 3 && s[e - 3] == 0xE3 && s[e - 2] == 0x80 && s[e - 1] == 0x80)
            e -= 3;
        else
            break;
    }
    size_t n = 0;
    for (size_t i = b; i < e;) {
        /* only U+FF01..U+FF5E (EF BC/BD ..) and U+3000 (E3 80 80) fold:
         * any other byte is copied as it is */
        if (s[i] != 0xEF && s[i] != 0xE3) {
            out[n++] = (char)s[i++];
            continue;
        }
        size_t k = u8_decode(s + i, e - i, &cp);
        if (!k) {
            out[n++] = (char)s[i++];
            continue;
        }
        uint32_t f = fold_cp(cp);
        if (f != cp) {
            out[n++] = (char)f;
        } else {
            for (size_t j = 0; j < k; j++)
                out[n++] = (char)s[i + j];
        }
        i += k;
    }
    return n;
}

/* ---- names ------------------------------------------------------------ */

static bool has_cjk(const unsigned char *s, size_t n)
{
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = u8_decode(s + i, n - i, &cp);
        if (k && is_cjk(cp))
            return true;
        i += k ? k : 1;
    }
    return false;
}

size_t cl_norm_name(const char *in, size_t len, char *out)
{
    size_t n = cl_norm_text(in, len, out);
    unsigned char *s = (unsigned char *)out;
    bool cjk = has_cjk(s, n);
    size_t w = 0;
    bool prev_space = false;
    uint32_t cp;
    /* In place: every rewrite is no longer than what it replaces. */
    for (size_t i = 0; i < n;) {
        size_t k = u8_decode(s + i, n - i, &cp);
        if (!k) {
            s[w++] = s[i++];
            prev_space = false;
            continue;
        }
        if (is_space_cp(cp)) {
            if (!cjk && !prev_space)
                s[w++] = ' ';
            prev_space = true;
        } else if (is_middle_dot(cp)) {
            s[w++] = 0xC2;
            s[w++] = 0xB7;
            prev_space = false;
        } else {
            for (size_t j = 0; j < k; j++)
                s[w++] = s[i + j];
            prev_space = false;
        }
        i += k;
    }
    return w;
}

/* ---- ID numbers --------------------------------------------------------- */

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int digits_val(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return true;
}

/* ISO 7064 MOD 11-2 check character over 17 digits. */
static char prc_check_char(const char *s)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

/* 15-digit legacy number -> 18 characters, when its 19YYMMDD is a date. */
static size_t prc_upgrade(char *s, size_t n)
{
    if (n != 15 || !all_digits(s, 15))
        return n;
    if (!cl_civil_valid(1900 + digits_val(s + 6, 2), digits_val(s + 8, 2), digits_val(s + 10, 2)))
        return n;
    char body[18];
    memcpy(body, s, 6);
    body[6] = '1';
    body[7] = '9';
    memcpy(body + 8, s + 6, 9);
    body[17] = prc_check_char(body);
    memcpy(s, body, 18);
    return 18;
}

size_t cl_norm_id(cl_id_type type, const char *in, size_t len, char *out)
{
    size_t n = cl_norm_text(in, len, out);
    size_t w = 0;
    /* After cl_norm_text the only spaces left are ASCII ones. */
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        if (is_ascii_space((unsigned char)c))
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        out[w++] = c;
    }
    if (type == CL_IDT_PRC_ID)
        w = prc_upgrade(out, w);
    return w;
}

bool cl_prc_id_valid(const char *s, size_t len, int64_t max_birth_day)
{
    if (len != 18 || !all_digits(s, 17))
        return false;
    if (!is_digit((unsigned char)s[17]) && s[17] != 'X')
        return false;
    if (prc_check_char(s) != s[17])
        return false;
    int y = digits_val(s + 6, 4), m = digits_val(s + 10, 2), d = digits_val(s + 12, 2);
    return cl_civil_valid(y, m, d) && cl_days_from_civil(y, m, d) <= max_birth_day;
}

bool cl_uscc_valid(const char *s, size_t len)
{
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (len != 18)
        return false;
    int sum = 0, last = -1;
    for (int i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(alpha, s[i]) : NULL;
        if (!p)
            return false;
        if (i < 17)
            sum += (int)(p - alpha) * w[i];
        else
            last = (int)(p - alpha);
    }
    return last == (31 - sum % 31) % 31;
}

bool cl_luhn_valid(const char *s, size_t len)
{
    if (len < 2 || !all_digits(s, len))
        return false;
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int d = s[len - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

static bool alnum_only(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_digit(c) && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z'))
            return false;
    }
    return true;
}

bool cl_id_valid(cl_id_type type, const char *s, size_t len, int64_t max_birth_day)
{
    switch (type) {
    case CL_IDT_PRC_ID:
        return cl_prc_id_valid(s, len, max_birth_day);
    case CL_IDT_USCC:
        return cl_uscc_valid(s, len);
    case CL_IDT_PASSPORT:
    case CL_IDT_HKMO_PERMIT:
    case CL_IDT_TW_PERMIT:
        return alnum_only(s, len);
    default:
        return false;
    }
}

/* ---- phones ------------------------------------------------------------- */

static size_t drop_prefix(char *s, size_t n, size_t k)
{
    memmove(s, s + k, n - k);
    return n - k;
}

size_t cl_norm_phone(const char *in, size_t len, char *out, bool *valid)
{
    size_t n = cl_norm_text(in, len, out);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        if (is_ascii_space((unsigned char)c) || c == '-' || c == '(' || c == ')')
            continue;
        out[w++] = c;
    }
    if (w >= 3 && memcmp(out, "+86", 3) == 0)
        w = drop_prefix(out, w, 3);
    else if (w >= 4 && memcmp(out, "0086", 4) == 0)
        w = drop_prefix(out, w, 4);
    else if (w == 13 && memcmp(out, "86", 2) == 0)
        w = drop_prefix(out, w, 2);
    *valid = w == 11 && out[0] == '1' && out[1] >= '3' && out[1] <= '9' && all_digits(out, 11);
    return w;
}

/* ---- a folding cursor for the parsers ---------------------------------- */

/* Reads code points with cl_norm_text's folding applied on the fly, so the
 * parsers need no buffer. Invalid bytes read as FC_BAD, one at a time. */
typedef struct fcur {
    const unsigned char *s;
    size_t n, i;
} fcur;

#define FC_END 0xFFFFFFFFu
#define FC_BAD 0xFFFFFFFEu

static uint32_t fc_peek(const fcur *c, size_t *width)
{
    uint32_t cp;
    if (c->i >= c->n) {
        *width = 0;
        return FC_END;
    }
    size_t k = u8_decode(c->s + c->i, c->n - c->i, &cp);
    if (!k) {
        *width = 1;
        return FC_BAD;
    }
    *width = k;
    return fold_cp(cp);
}

static uint32_t fc_look(const fcur *c)
{
    size_t w;
    return fc_peek(c, &w);
}

static uint32_t fc_get(fcur *c)
{
    size_t w;
    uint32_t cp = fc_peek(c, &w);
    c->i += w;
    return cp;
}

static bool fc_eat(fcur *c, uint32_t want)
{
    size_t w;
    if (fc_peek(c, &w) != want)
        return false;
    c->i += w;
    return true;
}

static void fc_skip_ws(fcur *c)
{
    size_t w;
    while (is_ascii_space(fc_peek(c, &w)))
        c->i += w;
}

static bool fc_end_after_ws(fcur *c)
{
    fc_skip_ws(c);
    return c->i >= c->n;
}

static bool cp_digit(uint32_t cp)
{
    return cp >= '0' && cp <= '9';
}

/* Reads at most max digits into *val; returns how many were read. */
static int fc_digits(fcur *c, int max, int *val)
{
    int k = 0, v = 0;
    while (k < max && cp_digit(fc_look(c))) {
        v = v * 10 + (int)(fc_get(c) - '0');
        k++;
    }
    *val = v;
    return k;
}

/* ---- amounts ------------------------------------------------------------ */

/* Integer yuan above this can no longer be in range; stop accumulating. */
#define YUAN_SATURATE ((uint64_t)CL_AMOUNT_MAX_FEN)

/* Reads a run of digits into *yuan (saturating via *over); returns count. */
static size_t amount_digits(fcur *c, uint64_t *yuan, bool *over)
{
    size_t k = 0;
    while (cp_digit(fc_look(c))) {
        uint32_t d = fc_get(c) - '0';
        if (!*over) {
            *yuan = *yuan * 10 + d;
            if (*yuan > YUAN_SATURATE)
                *over = true;
        }
        k++;
    }
    return k;
}

/* digits | 1-3 digits (',' 3 digits)+ ; then optional '.' and 1-2 digits. */
static bool amount_number(fcur *c, uint64_t *mag, bool *over)
{
    uint64_t yuan = 0;
    size_t k = amount_digits(c, &yuan, over);
    if (k == 0)
        return false;
    if (fc_look(c) == ',') {
        if (k > 3)
            return false;
        while (fc_eat(c, ','))
            if (amount_digits(c, &yuan, over) != 3)
                return false;
    }
    int frac = 0;
    if (fc_eat(c, '.')) {
        int dk = fc_digits(c, 3, &frac);
        if (dk < 1 || dk > 2)
            return false;
        if (dk == 1)
            frac *= 10;
    }
    *mag = *over ? 0 : yuan * 100 + (uint64_t)frac;
    return true;
}

static bool amount_sign(fcur *c, int *sign)
{
    if (fc_eat(c, '+'))
        *sign = 1;
    else if (fc_eat(c, '-'))
        *sign = -1;
    else
        return false;
    return true;
}

static bool amount_prefix(fcur *c)
{
    if (fc_eat(c, 0x00A5) || fc_eat(c, 0xFFE5))
        return true;
    fcur save = *c;
    static const char rmb[] = "RMB";
    for (int i = 0; i < 3; i++) {
        uint32_t cp = fc_get(c);
        if (cp >= 'a' && cp <= 'z')
            cp -= 'a' - 'A';
        if (cp != (uint32_t)rmb[i]) {
            *c = save;
            return false;
        }
    }
    return true;
}

/* The common plain form [+-]digits[.d[d]] in ASCII, decided without the
 * folding cursor; returns false for anything else (the full parser decides). */
static bool amount_fast(const char *s, size_t n, bool allow_sign, int64_t *fen,
                        cl_amount_status *st)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    size_t start = i;
    uint64_t mag = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 13)
        mag = mag * 10 + (uint64_t)(s[i++] - '0');
    if (i == start || (i < n && s[i] >= '0' && s[i] <= '9'))
        return false;
    int dec = 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && dec < 2 && s[i] >= '0' && s[i] <= '9') {
            mag = mag * 10 + (uint64_t)(s[i++] - '0');
            dec++;
        }
        if (dec == 0)
            return false;
    }
    if (i != n)
        return false;
    for (; dec < 2; dec++)
        mag *= 10;
    if (start && !allow_sign)
        *st = CL_AMT_SIGNED;
    else if (mag > (uint64_t)CL_AMOUNT_MAX_FEN)
        *st = CL_AMT_RANGE;
    else {
        *st = CL_AMT_OK;
        *fen = neg ? -(int64_t)mag : (int64_t)mag;
    }
    return true;
}

cl_amount_status cl_parse_amount(const char *in, size_t len, bool allow_sign, int64_t *fen)
{
    cl_amount_status st;
    *fen = 0;
    if (amount_fast(in, len, allow_sign, fen, &st))
        return st;
    fcur c = {(const unsigned char *)in, len, 0};
    *fen = 0;
    if (fc_end_after_ws(&c))
        return CL_AMT_EMPTY;
    int sign = 0;
    amount_sign(&c, &sign);
    if (amount_prefix(&c)) {
        fc_skip_ws(&c);
        if (!sign)
            amount_sign(&c, &sign);
    }
    uint64_t mag = 0;
    bool over = false;
    if (!amount_number(&c, &mag, &over))
        return CL_AMT_SYNTAX;
    fc_skip_ws(&c);
    fc_eat(&c, 0x5143); /* 元 */
    if (!fc_end_after_ws(&c))
        return CL_AMT_SYNTAX;
    if (sign && !allow_sign)
        return CL_AMT_SIGNED;
    if (over || mag > (uint64_t)CL_AMOUNT_MAX_FEN)
        return CL_AMT_RANGE;
    *fen = sign < 0 ? -(int64_t)mag : (int64_t)mag;
    return CL_AMT_OK;
}

/* ---- times -------------------------------------------------------------- */

/* YYYY{-|/}M{1,2}{same}D{1,2}, a real calendar date. */
static bool parse_ymd(fcur *c, int *y, int *m, int *d)
{
    if (fc_digits(c, 4, y) != 4)
        return false;
    uint32_t sep = fc_get(c);
    if (sep != '-' && sep != '/')
        return false;
    if (fc_digits(c, 2, m) < 1 || !fc_eat(c, sep) || fc_digits(c, 2, d) < 1)
        return false;
    return cl_civil_valid(*y, *m, *d);
}

/* Z, or ±HH:MM / ±HHMM; *off in seconds east of UTC. */
static bool parse_offset(fcur *c, bool *has, int *off)
{
    *has = false;
    *off = 0;
    if (fc_eat(c, 'Z') || fc_eat(c, 'z')) {
        *has = true;
        return true;
    }
    int sign = 0, oh, om;
    if (!amount_sign(c, &sign))
        return true;
    if (fc_digits(c, 2, &oh) != 2)
        return false;
    fc_eat(c, ':');
    if (fc_digits(c, 2, &om) != 2 || oh > 23 || om > 59)
        return false;
    *has = true;
    *off = sign * (oh * 3600 + om * 60);
    return true;
}

/* H{1,2}:MM[:SS] then an optional offset. */
static bool parse_hms(fcur *c, int *h, int *mi, int *s, bool *has_off, int *off)
{
    *s = 0;
    if (fc_digits(c, 2, h) < 1 || !fc_eat(c, ':') || fc_digits(c, 2, mi) != 2)
        return false;
    if (fc_eat(c, ':') && fc_digits(c, 2, s) != 2)
        return false;
    if (*h > 23 || *mi > 59 || *s > 59)
        return false;
    return parse_offset(c, has_off, off);
}

/* Bytes of x (little-endian) where mask has 0xFF: are they all '0'..'9'? */
static bool swar_digits(uint64_t x, uint64_t mask)
{
    uint64_t t = x ^ 0x3030303030303030ull;          /* a digit becomes 0..9 */
    uint64_t lo = t & 0x0F0F0F0F0F0F0F0Full;         /* no carry leaves a byte */
    uint64_t bad = (t & 0xF0F0F0F0F0F0F0F0ull) | ((lo + 0x0606060606060606ull) & 0x1010101010101010ull);
    return (bad & mask) == 0;
}

static int digit2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* The common form "YYYY-MM-DD HH:MM:SS" in ASCII, without the folding
 * cursor; returns -1 when the text has another form (the full parser
 * decides), else 1 (valid) or 0 (invalid). The shape is checked 8 bytes at
 * a time: bytes 0-7 "dddd-dd-", 8-15 "dd dd:dd", 11-18 "dd:dd:dd". */
static int time_fast(const char *s, size_t n, cl_time *out)
{
    static const uint64_t m0 = 0x00FFFF00FFFFFFFFull, m1 = 0xFFFF00FFFF00FFFFull,
                          m2 = 0xFFFF00FFFF00FFFFull;
    uint64_t a, b, c;
    if (n != 19)
        return -1;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    memcpy(&c, s + 11, 8);
    if (!swar_digits(a, m0) || !swar_digits(b, m1) || !swar_digits(c, m2) ||
        (a & ~m0) != 0x2D00002D00000000ull || (b & ~m1) != 0x00003A0000200000ull ||
        (c & ~m2) != 0x00003A00003A0000ull)
        return -1;
    int y = digit2(s) * 100 + digit2(s + 2), mo = digit2(s + 5), d = digit2(s + 8);
    int h = digit2(s + 11), mi = digit2(s + 14), sec = digit2(s + 17);
    if (!cl_civil_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return 0;
    if (out)
        *out = cl_time_make(y, mo, d, h, mi, sec);
    return 1;
}

bool cl_parse_time(const char *in, size_t len, cl_time *out)
{
    int fast = time_fast(in, len, out);
    if (fast >= 0)
        return fast == 1;
    fcur c = {(const unsigned char *)in, len, 0};
    int y, m, d, h = 0, mi = 0, s = 0, off = 0;
    bool has_off = false;
    fc_skip_ws(&c);
    if (!parse_ymd(&c, &y, &m, &d))
        return false;
    size_t date_end = c.i;
    if (!fc_end_after_ws(&c)) {
        if (c.i == date_end && !fc_eat(&c, 'T'))
            return false;
        if (!parse_hms(&c, &h, &mi, &s, &has_off, &off) || !fc_end_after_ws(&c))
            return false;
    }
    cl_time t = cl_time_make(y, m, d, h, mi, s);
    if (has_off)
        t = t - off + CL_TZ_OFFSET_SECONDS;
    if (out)
        *out = t;
    return true;
}

bool cl_parse_date(const char *in, size_t len, int64_t *day)
{
    fcur c = {(const unsigned char *)in, len, 0};
    int y, m, d;
    fc_skip_ws(&c);
    if (!parse_ymd(&c, &y, &m, &d) || !fc_end_after_ws(&c))
        return false;
    *day = cl_days_from_civil(y, m, d);
    return true;
}

/* ---- counts ------------------------------------------------------------- */

bool cl_parse_count(const char *in, size_t len, int32_t *out)
{
    fcur c = {(const unsigned char *)in, len, 0};
    *out = 0;
    if (fc_end_after_ws(&c))
        return true;
    int64_t v = 0;
    int k = 0;
    while (cp_digit(fc_look(&c))) {
        v = v * 10 + (fc_get(&c) - '0');
        if (v > INT32_MAX)
            return false;
        k++;
    }
    if (k == 0 || !fc_end_after_ws(&c))
        return false;
    *out = (int32_t)v;
    return true;
}

bool cl_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t k = u8_decode(u + i, len - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}
