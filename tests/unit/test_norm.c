/* test_norm.c - table-driven tests of the normalizers (contract §0, §3):
 * text folding, names, ID numbers and check digits, phones, amounts, times,
 * dates and counts. */
#include <stdlib.h>
#include <string.h>

#include "core/cl_money.h"
#include "core/cl_time.h"
#include "ingest/cl_norm.h"
#include "tests/cl_test.h"

#define OUTSZ(s) (strlen(s) + 8)

typedef struct str_case {
    const char *in;
    const char *want;
} str_case;

/* ---- text ------------------------------------------------------------- */

static void test_text(void)
{
    static const str_case cases[] = {
        {"", ""},
        {"abc", "abc"},
        {"  \t abc \r\n", "abc"},
        {"\v\fabc\f\v", "abc"},
        {"\xE3\x80\x80" "abc" "\xE3\x80\x80", "abc"},                    /* U+3000 at ends */
        {" \xE3\x80\x80 x \xE3\x80\x80 ", "x"},
        {"a\xE3\x80\x80" "b", "a b"},                                     /* U+3000 inside */
        {"\xEF\xBC\xA1\xEF\xBD\x82\xEF\xBC\x91", "Ab1"},                 /* ＡｂＩ -> Ab1 */
        {"\xEF\xBC\x81", "!"},                                            /* U+FF01 */
        {"\xEF\xBD\x9E", "~"},                                            /* U+FF5E */
        {"\xEF\xBD\x9F", "\xEF\xBD\x9F"},                                 /* U+FF5F kept */
        {"\xEF\xBD\xA5", "\xEF\xBD\xA5"},                                 /* U+FF65 kept by text */
        {"\xEF\xBF\xA5" "1", "\xEF\xBF\xA5" "1"},                         /* ￥ kept */
        {"张三", "张三"},
        {"\xFF\xFE abc", "\xFF\xFE abc"},                                 /* invalid bytes pass */
        {"abc\xE3\x80", "abc\xE3\x80"},                                   /* truncated sequence */
        {"\xE3\x80 ", "\xE3\x80"},
        {"\xC0\xAF", "\xC0\xAF"},                                         /* overlong '/' */
        {"\xEF\xBC", "\xEF\xBC"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        size_t len = strlen(in);
        char *out = malloc(len + 8);
        size_t n = cl_norm_text(in, len, out);
        CHECK_EQ_MEM(out, n, cases[i].want);
        /* idempotent */
        char *again = malloc(n + 8);
        size_t m = cl_norm_text(out, n, again);
        CHECK_MSG(m == n && memcmp(out, again, n) == 0, "text case %zu not idempotent", i);
        free(again);
        free(out);
    }
    /* never reads past len: a truncated U+3000 at the end of the window */
    char buf[16];
    const char trunc[] = "ab\xE3\x80\x80";
    CHECK_EQ_INT(cl_norm_text(trunc, 4, buf), 4);
    CHECK(memcmp(buf, "ab\xE3\x80", 4) == 0);
}

/* ---- names ------------------------------------------------------------ */

static void test_name(void)
{
    static const str_case cases[] = {
        {"张 三", "张三"},
        {" 张\xE3\x80\x80三 \t丰 ", "张三丰"},
        {"TRAN  THI\t HOA", "TRAN THI HOA"},
        {"  John   Smith  ", "John Smith"},
        {"\xEF\xBC\xAA\xEF\xBD\x8F\xEF\xBD\x88\xEF\xBD\x8E", "John"},    /* full-width */
        {"\xE3\x80\x80", ""},
        {"阿 卜 杜 · 热 合 曼", "阿卜杜·热合曼"},
        {"阿卜杜\xE3\x83\xBB热合曼", "阿卜杜·热合曼"},                     /* U+30FB */
        {"阿卜杜\xE2\x80\xA2热合曼", "阿卜杜·热合曼"},                     /* U+2022 */
        {"阿卜杜\xE2\x80\xA7热合曼", "阿卜杜·热合曼"},                     /* U+2027 */
        {"阿卜杜\xEF\xBD\xA5热合曼", "阿卜杜·热合曼"},                     /* U+FF65 */
        {"Jean\xE2\x80\xA2Paul  Sartre", "Jean·Paul Sartre"},
        {"\xE3\x90\x80 x", "\xE3\x90\x80x"},                              /* U+3400 ext A */
        {"\xF0\xA0\x80\x80 x", "\xF0\xA0\x80\x80x"},                      /* U+20000 ext B */
        {"\xEF\xA4\x80 x", "\xEF\xA4\x80x"},                              /* U+F900 compat */
        {"\xE3\x81\x82 x", "\xE3\x81\x82 x"},                             /* kana: not CJK */
        {"广州悦骑信息科技 有限公司", "广州悦骑信息科技有限公司"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        char *out = malloc(OUTSZ(in));
        size_t n = cl_norm_name(in, strlen(in), out);
        CHECK_EQ_MEM(out, n, cases[i].want);
        char *again = malloc(n + 8);
        size_t m = cl_norm_name(out, n, again);
        CHECK_MSG(m == n && memcmp(out, again, n) == 0, "name case %zu not idempotent", i);
        free(again);
        free(out);
    }
}

/* ---- ID numbers --------------------------------------------------------- */

typedef struct id_case {
    cl_id_type type;
    const char *in;
    const char *norm;
} id_case;

static void test_norm_id(void)
{
    static const id_case cases[] = {
        {CL_IDT_PRC_ID, "420102 1994 0110 5688", "420102199401105688"},
        {CL_IDT_PRC_ID, "11010519491231002x", "11010519491231002X"},
        /* 15 -> 18: 110105 49 1231 002 -> 11010519491231002; weighted sum
         * 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2
         * = 167, 167 % 11 = 2 -> "10X98765432"[2] = 'X'. */
        {CL_IDT_PRC_ID, "110105491231002", "11010519491231002X"},
        /* 440803 830311 030 -> 44080319830311030; sum 238, 238 % 11 = 7 -> '5' */
        {CL_IDT_PRC_ID, " 440803 830311 030 ", "440803198303110305"},
        /* full-width digits fold first */
        {CL_IDT_PRC_ID, "\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x90\xEF\xBC\x95"
                        "491231002", "11010519491231002X"},
        /* 15 digits with an impossible date (19490231) stays 15 */
        {CL_IDT_PRC_ID, "110105490231002", "110105490231002"},
        /* 15 chars not all digits stays */
        {CL_IDT_PRC_ID, "11010549123100A", "11010549123100A"},
        /* 14 or 16 digits: no upgrade */
        {CL_IDT_PRC_ID, "11010549123100", "11010549123100"},
        /* the upgrade is PRC_ID only */
        {CL_IDT_PASSPORT, "110105491231002", "110105491231002"},
        {CL_IDT_USCC, "91440103ma5dlbum3m", "91440103MA5DLBUM3M"},
        {CL_IDT_PASSPORT, " g 1728 1791 ", "G17281791"},
        {CL_IDT_HKMO_PERMIT, "h\xE3\x80\x80" "1234567", "H1234567"},
        {CL_IDT_PRC_ID, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        char *out = malloc(OUTSZ(in));
        size_t n = cl_norm_id(cases[i].type, in, strlen(in), out);
        CHECK_EQ_MEM(out, n, cases[i].norm);
        free(out);
    }
}

typedef struct valid_case {
    cl_id_type type;
    const char *s;
    int64_t max_day;
    bool want;
} valid_case;

static void test_id_valid(void)
{
    const int64_t acc = cl_days_from_civil(2018, 3, 27);
    const valid_case cases[] = {
        {CL_IDT_PRC_ID, "440803198303110305", INT64_MAX, true},
        {CL_IDT_PRC_ID, "440803198303110305", acc, true},
        {CL_IDT_PRC_ID, "440803198303110306", acc, false},   /* checksum */
        {CL_IDT_PRC_ID, "420102199401105688", acc, true},
        {CL_IDT_PRC_ID, "11010519491231002X", acc, true},     /* X check */
        {CL_IDT_PRC_ID, "11010519491231002x", acc, false},    /* must be normalized */
        {CL_IDT_PRC_ID, "110105194912310020", acc, false},
        {CL_IDT_PRC_ID, "35020319841211467", acc, false},     /* 17 chars */
        {CL_IDT_PRC_ID, "3502031984121146777", acc, false},   /* 19 chars */
        {CL_IDT_PRC_ID, "440114200011217989", acc, false},    /* sample: bad check */
        {CL_IDT_PRC_ID, "1101051949123100X2", acc, false},    /* X not last */
        /* born 2018-03-28, after acceptance 2018-03-27 (check digit correct) */
        {CL_IDT_PRC_ID, "440803201803280014", acc, false},
        {CL_IDT_PRC_ID, "440803201803280014", INT64_MAX, true},
        {CL_IDT_PRC_ID, "440803201803270019", acc, true},     /* born on the day */
        /* impossible birth dates with correct check digits */
        {CL_IDT_PRC_ID, "440803198302300019", INT64_MAX, false},   /* Feb 30 */
        {CL_IDT_PRC_ID, "440803198313010017", INT64_MAX, false},   /* month 13 */
        {CL_IDT_USCC, "91350100M000100Y43", 0, true},
        {CL_IDT_USCC, "91441900MA51NDQB3K", 0, true},   /* SB20180000125, the correction */
        {CL_IDT_USCC, "91441900MA51NDQB3T", 0, false},  /* SB20180000014, wrong check */
        {CL_IDT_USCC, "91440106MA5RQ42D23", 0, true},
        {CL_IDT_USCC, "91440106MA59K58D4J", 0, true},
        {CL_IDT_USCC, "91440103MA5DLBUM3M", 0, true},
        {CL_IDT_USCC, "91440103ma5dlbum3m", 0, false},  /* lowercase: normalize first */
        {CL_IDT_USCC, "91440103MA5QGXRW0P", 0, true},
        {CL_IDT_USCC, "11440106MA5CKENQ3B", 0, true},
        {CL_IDT_USCC, "12440100MA5J50W20H", 0, true},
        {CL_IDT_USCC, "11440105MA5H3UWU9K", 0, true},
        {CL_IDT_USCC, "91350100M000100Y4", 0, false},   /* 17 chars */
        {CL_IDT_USCC, "91350100M000100I43", 0, false},  /* I not in alphabet */
        {CL_IDT_PASSPORT, "G17281791", 0, true},
        {CL_IDT_PASSPORT, "G1728-1791", 0, false},
        {CL_IDT_PASSPORT, "", 0, false},
        {CL_IDT_HKMO_PERMIT, "H1234567", 0, true},
        {CL_IDT_TW_PERMIT, "12345678", 0, true},
        {CL_IDT_TW_PERMIT, "张12345678", 0, false},
        {CL_IDT_INVALID, "G17281791", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const valid_case *c = &cases[i];
        bool got = cl_id_valid(c->type, c->s, strlen(c->s), c->max_day);
        CHECK_MSG(got == c->want, "cl_id_valid(%d, \"%s\") = %d", c->type, c->s, got);
    }
    CHECK(cl_prc_id_valid("440803198303110305", 18, INT64_MAX));
    CHECK(!cl_prc_id_valid("440803198303110305", 17, INT64_MAX));
    CHECK(cl_uscc_valid("91350100M000100Y43", 18));
    CHECK(!cl_uscc_valid("91350100M000100Y43", 17));

    /* both forms of one identity normalize and validate alike */
    char a[32], b[32];
    size_t na = cl_norm_id(CL_IDT_PRC_ID, "440803830311030", 15, a);
    size_t nb = cl_norm_id(CL_IDT_PRC_ID, "440803198303110305", 18, b);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    CHECK(cl_prc_id_valid(a, na, acc));

    CHECK(cl_luhn_valid("79927398713", 11));
    CHECK(!cl_luhn_valid("79927398710", 11));
    CHECK(cl_luhn_valid("4111111111111111", 16));
    CHECK(!cl_luhn_valid("4111111111111112", 16));
    CHECK(cl_luhn_valid("18", 2));
    CHECK(!cl_luhn_valid("0", 1));
    CHECK(!cl_luhn_valid("7992739871a", 11));
    CHECK(!cl_luhn_valid("", 0));
}

/* ---- phones ------------------------------------------------------------- */

typedef struct phone_case {
    const char *in;
    const char *norm;
    bool valid;
} phone_case;

static void test_phone(void)
{
    static const phone_case cases[] = {
        {"18128145680", "18128145680", true},
        {"+8613800138000", "13800138000", true},
        {"(+86)13377694209", "13377694209", true},
        {"+86 180 6313 2959", "18063132959", true},
        {"0086-13220289390", "13220289390", true},
        {"8613800138000", "13800138000", true},
        {"86 138 0013 8000", "13800138000", true},
        {"178-4778-7046", "17847787046", true},
        {"185 5874 6351", "18558746351", true},
        {"(138)0013-8000", "13800138000", true},
        {"\xEF\xBC\x88\xEF\xBC\x8B\xEF\xBC\x98\xEF\xBC\x96\xEF\xBC\x89"
         "13800138000", "13800138000", true},                       /* （＋８６） */
        {"\xE3\x80\x80" "139 0000 0000\xE3\x80\x80", "13900000000", true},
        {"19912345678", "19912345678", true},
        {"020-83308888", "02083308888", false},                     /* landline */
        {"0755-46532075", "075546532075", false},
        {"020-12366", "02012366", false},
        {"138001380001", "138001380001", false},                    /* 12 digits */
        {"1380013800", "1380013800", false},                        /* 10 digits */
        {"1380013800O", "1380013800O", false},                      /* letter O */
        {"12800138000", "12800138000", false},                      /* 2nd digit 2 */
        {"10800138000", "10800138000", false},
        {"86138001380", "86138001380", false},                      /* 11, not 13: no strip */
        {"", "", false},
        {"   ", "", false},
        {"+86", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        char *out = malloc(OUTSZ(in));
        bool valid = !cases[i].valid;
        size_t n = cl_norm_phone(in, strlen(in), out, &valid);
        CHECK_EQ_MEM(out, n, cases[i].norm);
        CHECK_MSG(valid == cases[i].valid, "phone \"%s\" valid = %d", in, valid);
        free(out);
    }
}

/* ---- amounts ------------------------------------------------------------ */

typedef struct amount_case {
    const char *in;
    bool allow_sign;
    cl_amount_status st;
    int64_t fen;
} amount_case;

static void test_amount(void)
{
    static const amount_case cases[] = {
        {"299", false, CL_AMT_OK, 29900},
        {"299.0", false, CL_AMT_OK, 29900},
        {"299.00", false, CL_AMT_OK, 29900},
        {"8.8", false, CL_AMT_OK, 880},
        {"0.5", false, CL_AMT_OK, 50},
        {"0.05", false, CL_AMT_OK, 5},
        {"0", false, CL_AMT_OK, 0},
        {"0.00", false, CL_AMT_OK, 0},
        {"RMB1,034,567.89", false, CL_AMT_OK, 103456789},
        {"rmb 1,034,567.89", false, CL_AMT_OK, 103456789},
        {"RmB2644060.74", false, CL_AMT_OK, 264406074},
        {"44.5元", false, CL_AMT_OK, 4450},
        {"44.5 元", false, CL_AMT_OK, 4450},
        {"\xEF\xBF\xA5" "99.00", false, CL_AMT_OK, 9900},             /* ￥ */
        {"\xC2\xA5" "199.00", false, CL_AMT_OK, 19900},               /* ¥ */
        {"\xC2\xA5" "199.00元", false, CL_AMT_OK, 19900},
        {"\xC2\xA5 199.00", false, CL_AMT_OK, 19900},
        {"\xEF\xBC\x92\xEF\xBC\x99\xEF\xBC\x99", false, CL_AMT_OK, 29900},   /* ２９９ */
        {"\xEF\xBC\x91\xEF\xBC\x99\xEF\xBC\x99\xEF\xBC\x8E\xEF\xBC\x90\xEF\xBC\x90",
         false, CL_AMT_OK, 19900},                                    /* １９９．００ */
        {"1\xEF\xBC\x8C" "234", false, CL_AMT_OK, 123400},            /* 1，234 */
        {"  17,840.62  ", false, CL_AMT_OK, 1784062},
        {"\xE3\x80\x80" "24,000.00\xE3\x80\x80", false, CL_AMT_OK, 2400000},
        {"1,000", false, CL_AMT_OK, 100000},
        {"100,000,000,000", false, CL_AMT_OK, CL_AMOUNT_MAX_FEN},       /* 10^11 */
        {"100000000000.00", false, CL_AMT_OK, CL_AMOUNT_MAX_FEN},
        {"100000000000.01", false, CL_AMT_RANGE, 0},                   /* 10^11+0.01 */
        {"100000000001", false, CL_AMT_RANGE, 0},
        {"99999999999999999999999999999999999999", false, CL_AMT_RANGE, 0},
        {"-100000000000", true, CL_AMT_OK, -CL_AMOUNT_MAX_FEN},
        {"-100000000000.01", true, CL_AMT_RANGE, 0},
        {"+299", false, CL_AMT_SIGNED, 0},
        {"-299.00", false, CL_AMT_SIGNED, 0},
        {"+299", true, CL_AMT_OK, 29900},
        {"-299.00", true, CL_AMT_OK, -29900},
        {"-\xC2\xA5" "1.00", true, CL_AMT_OK, -100},
        {"\xC2\xA5-1.00", true, CL_AMT_OK, -100},
        {"RMB -1.00", true, CL_AMT_OK, -100},
        {"\xC2\xA5-1.00", false, CL_AMT_SIGNED, 0},
        {"\xEF\xBC\x8D" "5", true, CL_AMT_OK, -500},                  /* full-width minus */
        {"", false, CL_AMT_EMPTY, 0},
        {"   ", true, CL_AMT_EMPTY, 0},
        {"\xE3\x80\x80", false, CL_AMT_EMPTY, 0},
        {"12,34.00", false, CL_AMT_SYNTAX, 0},
        {"1,2345", false, CL_AMT_SYNTAX, 0},
        {"1234,567", false, CL_AMT_SYNTAX, 0},
        {",123", false, CL_AMT_SYNTAX, 0},
        {"1,,234", false, CL_AMT_SYNTAX, 0},
        {"1,234,", false, CL_AMT_SYNTAX, 0},
        {"1.234", false, CL_AMT_SYNTAX, 0},                            /* 3 decimals */
        {"299.", false, CL_AMT_SYNTAX, 0},
        {".5", false, CL_AMT_SYNTAX, 0},
        {"1.2.3", false, CL_AMT_SYNTAX, 0},
        {"abc", false, CL_AMT_SYNTAX, 0},
        {"12a", false, CL_AMT_SYNTAX, 0},
        {"RM100", false, CL_AMT_SYNTAX, 0},
        {"\xC2\xA5", false, CL_AMT_SYNTAX, 0},
        {"元", false, CL_AMT_SYNTAX, 0},
        {"100元元", false, CL_AMT_SYNTAX, 0},
        {"1 000", false, CL_AMT_SYNTAX, 0},
        {"--1", true, CL_AMT_SYNTAX, 0},
        {"+-1", true, CL_AMT_SYNTAX, 0},
        {"-\xC2\xA5-1", true, CL_AMT_SYNTAX, 0},
        {"- 1", true, CL_AMT_SYNTAX, 0},
        {"1e5", false, CL_AMT_SYNTAX, 0},
        {"\xFF" "1", false, CL_AMT_SYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const amount_case *c = &cases[i];
        int64_t fen = 12345;
        cl_amount_status st = cl_parse_amount(c->in, strlen(c->in), c->allow_sign, &fen);
        CHECK_MSG(st == c->st, "amount \"%s\": status %d, expected %d", c->in, st, c->st);
        CHECK_MSG(fen == c->fen, "amount \"%s\": fen %lld, expected %lld", c->in,
                  (long long)fen, (long long)c->fen);
    }
    /* parse(format(x)) == x */
    static const int64_t vals[] = {0, 1, 99, 100, 123456789, -5, -CL_AMOUNT_MAX_FEN, CL_AMOUNT_MAX_FEN};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char buf[CL_MONEY_BUFSZ];
        int n = cl_money_format(vals[i], buf);
        int64_t fen = 0;
        CHECK_EQ_INT(cl_parse_amount(buf, (size_t)n, true, &fen), CL_AMT_OK);
        CHECK_EQ_INT(fen, vals[i]);
    }
    /* never reads past len */
    int64_t fen = 0;
    CHECK_EQ_INT(cl_parse_amount("12345", 3, false, &fen), CL_AMT_OK);
    CHECK_EQ_INT(fen, 12300);
}

/* ---- times ------------------------------------------------------------- */

typedef struct time_case {
    const char *in;
    const char *want;   /* local "YYYY-MM-DD HH:MM:SS", or NULL = rejected */
} time_case;

static void test_time(void)
{
    static const time_case cases[] = {
        {"2018-04-03 09:00:51", "2018-04-03 09:00:51"},
        {"2018-04-03 09:00", "2018-04-03 09:00:00"},
        {"2018-5-3 9:05", "2018-05-03 09:05:00"},
        {"2018/4/3 10:28", "2018-04-03 10:28:00"},
        {"2018/04/06 09:05:37", "2018-04-06 09:05:37"},
        {"2018/4/3 0:00:01", "2018-04-03 00:00:01"},
        {"2018-04-07T22:19:15", "2018-04-07 22:19:15"},
        {"2018-04-07T22:19", "2018-04-07 22:19:00"},
        {"2018-04-08T13:28:16Z", "2018-04-08 21:28:16"},
        {"2018-04-08T20:28:16Z", "2018-04-09 04:28:16"},           /* crosses midnight */
        {"2018-04-04T14:45:38+08:00", "2018-04-04 14:45:38"},
        {"2018-04-04T14:45:38+0800", "2018-04-04 14:45:38"},
        {"2018-04-04T14:45:38+09:00", "2018-04-04 13:45:38"},
        {"2018-04-04T14:45:38+0900", "2018-04-04 13:45:38"},
        {"2018-04-15T20:36:45-03:00", "2018-04-16 07:36:45"},
        {"2018-04-15T20:36:45+05:30", "2018-04-15 23:06:45"},
        {"2018-01-01T00:30:00+09:00", "2017-12-31 23:30:00"},
        {"2018-04-04 14:45:38Z", "2018-04-04 22:45:38"},             /* offset after space */
        {"2018-04-03", "2018-04-03 00:00:00"},
        {"2018/4/3", "2018-04-03 00:00:00"},
        {"2018-4-03", "2018-04-03 00:00:00"},
        {"  2018-04-03 09:00:51 \r", "2018-04-03 09:00:51"},
        {"2018-04-03  09:00:51", "2018-04-03 09:00:51"},
        {"\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x98-04-03 09:00", "2018-04-03 09:00:00"},
        {"2016-02-29", "2016-02-29 00:00:00"},
        {"2018-02-30", NULL},
        {"2017-02-29 10:00", NULL},
        {"2018-13-01", NULL},
        {"2018-00-01", NULL},
        {"2018-04-31 10:00", NULL},
        {"2018-04-03 24:00", NULL},
        {"2018-04-03 23:60", NULL},
        {"2018-04-03 23:59:60", NULL},
        {"2018-04-03 9:5", NULL},                                     /* minutes 2 digits */
        {"2018-04-03 09:05:7", NULL},
        {"2018-04-03 123:00", NULL},
        {"2018-04/03", NULL},                                         /* mixed separators */
        {"2018.04.03", NULL},
        {"18-04-03", NULL},
        {"20180-04-03", NULL},
        {"2018-004-03", NULL},
        {"2018-04-003", NULL},
        {"2018-04-03T", NULL},
        {"2018-04-03 ", "2018-04-03 00:00:00"},
        {"2018-04-03X09:00", NULL},
        {"2018-04-03T09:00:00+8", NULL},
        {"2018-04-03T09:00:00+08:0", NULL},
        {"2018-04-03T09:00:00+24:00", NULL},
        {"2018-04-03T09:00:00.5", NULL},
        {"2018-04-03 09:00 x", NULL},
        {"0000-01-01", NULL},
        {"", NULL},
        {"   ", NULL},
        {"yesterday", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const time_case *c = &cases[i];
        cl_time t = 0;
        bool ok = cl_parse_time(c->in, strlen(c->in), &t);
        CHECK_MSG(ok == (c->want != NULL), "time \"%s\": ok = %d", c->in, ok);
        if (ok && c->want) {
            char buf[CL_TIME_BUFSZ];
            cl_time_format(t, buf);
            CHECK_MSG(strcmp(buf, c->want) == 0, "time \"%s\" = %s, expected %s", c->in, buf, c->want);
        }
    }
    cl_time t = 0;
    CHECK(cl_parse_time("2018-04-08T13:28:16Z", 20, &t));
    CHECK_EQ_INT(t, cl_time_make(2018, 4, 8, 21, 28, 16));
    /* never reads past len: "2018-04-03" out of "2018-04-031" */
    CHECK(cl_parse_time("2018-04-031", 10, &t));
    CHECK_EQ_INT(t, cl_time_make(2018, 4, 3, 0, 0, 0));
}

static void test_date(void)
{
    int64_t day = -1;
    CHECK(cl_parse_date("2018-03-27", 10, &day));
    CHECK_EQ_INT(day, cl_days_from_civil(2018, 3, 27));
    CHECK(cl_parse_date(" 2018/3/27 ", 11, &day));
    CHECK_EQ_INT(day, cl_days_from_civil(2018, 3, 27));
    CHECK(cl_parse_date("1970-01-01", 10, &day));
    CHECK_EQ_INT(day, 0);
    CHECK(!cl_parse_date("2018-03-27 00:00", 16, &day));
    CHECK(!cl_parse_date("2018-02-30", 10, &day));
    CHECK(!cl_parse_date("2018-03", 7, &day));
    CHECK(!cl_parse_date("", 0, &day));
}

static void test_count(void)
{
    static const struct {
        const char *in;
        bool ok;
        int32_t v;
    } cases[] = {
        {"", true, 0},
        {"  ", true, 0},
        {"0", true, 0},
        {"2", true, 2},
        {" 17 ", true, 17},
        {"007", true, 7},
        {"\xEF\xBC\x93", true, 3},                  /* ３ */
        {"2147483647", true, INT32_MAX},
        {"2147483648", false, 0},
        {"99999999999999999999", false, 0},
        {"+2", false, 0},
        {"-1", false, 0},
        {"1.0", false, 0},
        {"1.5", false, 0},
        {"two", false, 0},
        {"1 2", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t v = -7;
        bool ok = cl_parse_count(cases[i].in, strlen(cases[i].in), &v);
        CHECK_MSG(ok == cases[i].ok, "count \"%s\": ok = %d", cases[i].in, ok);
        if (ok && cases[i].ok)
            CHECK_EQ_INT(v, cases[i].v);
    }
}

static void test_utf8(void)
{
    CHECK(cl_utf8_valid("", 0));
    CHECK(cl_utf8_valid("张三 abc", strlen("张三 abc")));
    CHECK(cl_utf8_valid("\xF0\xA0\x80\x80", 4));
    CHECK(!cl_utf8_valid("\xC0\xAF", 2));          /* overlong */
    CHECK(!cl_utf8_valid("\xED\xA0\x80", 3));      /* surrogate */
    CHECK(!cl_utf8_valid("\xF4\x90\x80\x80", 4));  /* > U+10FFFF */
    CHECK(!cl_utf8_valid("\xE5\xBC", 2));          /* truncated */
    CHECK(!cl_utf8_valid("\xD5\xC5\xC8\xFD", 4));  /* GB18030 张三 */
}

/* The 8-bytes-at-a-time path for "YYYY-MM-DD HH:MM:SS" against the general
 * parser, which reads the same value written with a 'T': random fields
 * (many out of range) and random bytes in every position. */
static void test_time_fast_path(void)
{
    uint64_t x = 0x2545F4914F6CDD1Dull;
    int mismatches = 0;
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        char a[20], b[20];
        snprintf(a, sizeof a, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)(x % 10000),
                 (unsigned)(x >> 14) % 20, (unsigned)(x >> 20) % 40, (unsigned)(x >> 26) % 30,
                 (unsigned)(x >> 32) % 70, (unsigned)(x >> 40) % 70);
        if (k % 3 == 0)   /* a random byte somewhere */
            a[(x >> 48) % 19] = (char)(32 + (x >> 56) % 95);
        if (a[9] < '0' || a[9] > '9' || a[11] < '0' || a[11] > '9')
            continue;   /* e.g. "DD  H:MM", one-digit hour: a form 'T' does not take */
        memcpy(b, a, sizeof a);
        if (b[10] == ' ')
            b[10] = 'T';
        cl_time ta = 0, tb = 0;
        bool oka = cl_parse_time(a, 19, &ta), okb = cl_parse_time(b, 19, &tb);
        bool okn = cl_parse_time(a, 19, NULL);
        if (oka != okb || oka != okn || (oka && ta != tb)) {
            if (mismatches < 5)
                fprintf(stderr, "time mismatch: '%s' %d %lld vs '%s' %d %lld\n", a, oka,
                        (long long)ta, b, okb, (long long)tb);
            mismatches++;
        }
    }
    CHECK_EQ_INT(mismatches, 0);
}

int main(void)
{
    test_text();
    test_name();
    test_norm_id();
    test_id_valid();
    test_phone();
    test_amount();
    test_time();
    test_time_fast_path();
    test_date();
    test_count();
    test_utf8();
    return cl_test_summary("test_norm");
}
