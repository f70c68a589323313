/* cl_gen_util.c - the generator's building blocks: weighted picks, the row
 * writer (UTF-8 or GB18030 through iconv), number/money/time formatting,
 * checksums (PRC ID, USCC, Luhn), and synthetic people, companies, banks. */
#include "gen/cl_gen_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- picks ---------------------------------------------------------------- */

int cl_gen_pick(cl_gen_rng *r, const uint16_t *w, int n)
{
    uint32_t total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    uint32_t x = (uint32_t)cl_gen_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---- output ---------------------------------------------------------------- */

cl_err cl_gen_out_open(cl_gen_out *o, const char *path, int gb18030, cl_diag *d)
{
    o->n = 0;
    o->err = 0;
    o->cd = (iconv_t)-1;
    o->w = NULL;
    if (gb18030) {
        o->cd = iconv_open("GB18030", "UTF-8");
        if (o->cd == (iconv_t)-1)
            return cl_diag_set(d, CL_ERR_ENCODING, "iconv: GB18030 not available: %s",
                               strerror(errno));
    }
    cl_err e = cl_wbuf_open(path, &o->w, d);
    if (e != CL_OK && o->cd != (iconv_t)-1) {
        iconv_close(o->cd);
        o->cd = (iconv_t)-1;
    }
    return e;
}

void cl_gen_out_flush(cl_gen_out *o)
{
    if (o->cd == (iconv_t)-1) {
        cl_wbuf_put(o->w, o->buf, o->n);
        o->n = 0;
        return;
    }
    char *in = o->buf, *out = o->conv;
    size_t inleft = o->n, outleft = sizeof o->conv;
    if (iconv(o->cd, &in, &inleft, &out, &outleft) == (size_t)-1)
        o->err = errno;   /* all generated text is encodable; report if not */
    cl_wbuf_put(o->w, o->conv, (size_t)(out - o->conv));
    o->n = 0;
}

cl_err cl_gen_out_close(cl_gen_out *o, cl_diag *d)
{
    cl_gen_out_flush(o);
    if (o->cd != (iconv_t)-1) {
        iconv_close(o->cd);
        o->cd = (iconv_t)-1;
    }
    cl_wbuf *w = o->w;
    o->w = NULL;
    cl_err e = cl_wbuf_close(w, d);
    if (e == CL_OK && o->err)
        e = cl_diag_set(d, CL_ERR_ENCODING, "GB18030 conversion failed: %s", strerror(o->err));
    return e;
}

void cl_gen_out_discard(cl_gen_out *o)
{
    if (o->cd != (iconv_t)-1) {
        iconv_close(o->cd);
        o->cd = (iconv_t)-1;
    }
    cl_wbuf_discard(o->w);
    o->w = NULL;
}

void cl_gen_puts(cl_gen_out *o, const char *s)
{
    cl_gen_put(o, s, strlen(s));
}

void cl_gen_putc(cl_gen_out *o, char c)
{
    o->buf[o->n++] = c;
}

void cl_gen_field(cl_gen_out *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        cl_gen_puts(o, s);
        return;
    }
    cl_gen_putc(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            cl_gen_putc(o, '"');
        cl_gen_putc(o, *s);
    }
    cl_gen_putc(o, '"');
}

int cl_gen_fmt_u64(char *buf, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

void cl_gen_u64(cl_gen_out *o, uint64_t v, int width)
{
    o->n += (size_t)cl_gen_fmt_u64(o->buf + o->n, v, width);
}

int cl_gen_fmt_money(char *buf, int64_t fen, int grouped)
{
    int n = 0;
    uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    if (fen < 0)
        buf[n++] = '-';
    char digits[24];
    int nd = cl_gen_fmt_u64(digits, a / 100, 1);
    for (int i = 0; i < nd; i++) {
        if (grouped && i > 0 && (nd - i) % 3 == 0)
            buf[n++] = ',';
        buf[n++] = digits[i];
    }
    buf[n++] = '.';
    buf[n++] = (char)('0' + a % 100 / 10);
    buf[n++] = (char)('0' + a % 10);
    buf[n] = '\0';
    return n;
}

void cl_gen_money(cl_gen_out *o, int64_t fen)
{
    o->n += (size_t)cl_gen_fmt_money(o->buf + o->n, fen, 0);
}

void cl_gen_time(cl_gen_out *o, cl_time t)
{
    int y, m, d, sec;
    cl_time_split(t, &y, &m, &d, &sec);
    char *b = o->buf + o->n;
    cl_gen_fmt_u64(b, (uint64_t)y, 4);
    b[4] = '-';
    cl_gen_fmt_u64(b + 5, (uint64_t)m, 2);
    b[7] = '-';
    cl_gen_fmt_u64(b + 8, (uint64_t)d, 2);
    b[10] = ' ';
    cl_gen_fmt_u64(b + 11, (uint64_t)(sec / 3600), 2);
    b[13] = ':';
    cl_gen_fmt_u64(b + 14, (uint64_t)(sec / 60 % 60), 2);
    b[16] = ':';
    cl_gen_fmt_u64(b + 17, (uint64_t)(sec % 60), 2);
    o->n += 19;
}

/* ---- checksums ------------------------------------------------------------- */

char cl_gen_prc_check(const char *s)
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

static const char USCC_ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

char cl_gen_uscc_check(const char *s)
{
    static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(USCC_ALPHA, s[i]);
        if (!p || !s[i])
            return 0;
        sum += (int)(p - USCC_ALPHA) * w[i];
    }
    return USCC_ALPHA[(31 - sum % 31) % 31];
}

static char luhn_digit(const char *digits, int n)
{
    int sum = 0;
    for (int i = n - 1, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int v = digits[i] - '0';
        if (dbl) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

/* ---- people ------------------------------------------------------------------ */

/* Surnames, repeated roughly by frequency in Guangdong. */
static const char *const SURNAMES[] = {
    "陈", "陈", "陈", "陈", "李", "李", "李", "黄", "黄", "黄", "张", "张", "张", "梁", "梁",
    "刘", "刘", "林", "林", "王", "王", "何", "何", "罗", "罗", "吴", "郑", "谢", "周", "杨",
    "冯", "曾", "邓", "徐", "许", "赵", "郭", "叶", "胡", "朱", "钟", "苏", "卢", "蔡", "潘",
    "彭", "余", "马", "高", "孙", "蒋", "曹", "袁", "田", "宋", "唐", "韩", "肖", "麦", "冼",
    "区", "莫", "杜", "程", "于", "吕", "丁", "魏", "史", "郝", "欧阳", "司徒", "上官",
};
#define NSURNAMES ((int)(sizeof SURNAMES / sizeof SURNAMES[0]))

static const char *const GIVEN[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "梅", "鑫", "波",
    "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欣", "佳", "晨",
    "琳", "颖", "倩", "婷", "雪", "慧", "晶", "莉", "燕", "嘉", "思", "雨", "子", "梓", "轩",
    "涵", "诗", "悦", "彤", "晴", "然", "昊", "泽", "锦", "辉", "荣", "志", "达", "文", "国",
    "海", "峰", "振", "启", "添", "诺", "铭", "耀", "彬", "冬", "丹", "菊", "竹", "兰", "嫣",
    "怡", "琪", "瑶", "茵", "焕", "永", "智", "博", "鹏", "飞", "星", "月", "阳", "一", "锐",
};
#define NGIVEN ((int)(sizeof GIVEN / sizeof GIVEN[0]))

/* Area codes: Guangdong first (most users), then other provinces. */
static const char *const AREAS[] = {
    "440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114", "440115",
    "440117", "440118", "440303", "440304", "440305", "440306", "440402", "440507", "440604",
    "440606", "440803", "441302", "441481", "441702", "441802", "441900", "442000", "445102",
    "110105", "110108", "310104", "310115", "320106", "330106", "350102", "350203", "360102",
    "420106", "430104", "450103", "510107",
};
#define NAREAS 40u
/* Birth days 1950-01-01 .. 2002-12-31. */
#define BIRTH_DAYS 19358u
#define ID_SPACE ((uint64_t)NAREAS * 1000u * BIRTH_DAYS)

static const char *const PHONE_PREFIX[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
    "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "198", "199",
};
#define NPHONE_PREFIX ((int)(sizeof PHONE_PREFIX / sizeof PHONE_PREFIX[0]))
/* Numbers no ledger account uses: people with no book record. */
static const char *const STRANGER_PREFIX[] = { "170", "171", "162", "165", "167" };

static void make_phone(cl_gen_rng *r, int stranger, char out[16])
{
    const char *pre = stranger ? STRANGER_PREFIX[cl_gen_below(r, 5)]
                               : PHONE_PREFIX[cl_gen_below(r, NPHONE_PREFIX)];
    memcpy(out, pre, 3);
    cl_gen_fmt_u64(out + 3, cl_gen_below(r, 100000000u), 8);
}

static void make_name(cl_gen_rng *r, char *out, size_t cap)
{
    const char *sur = SURNAMES[cl_gen_below(r, NSURNAMES)];
    const char *g1 = GIVEN[cl_gen_below(r, NGIVEN)];
    if (cl_gen_chance(r, 28, 100))
        snprintf(out, cap, "%s%s", sur, g1);
    else
        snprintf(out, cap, "%s%s%s", sur, g1, GIVEN[cl_gen_below(r, NGIVEN)]);
}

/* PRC ID from a bijection of the person index: (area, seq, birth day) are
 * distinct for distinct persons, so no two people share an ID. */
static void make_prc_id(uint64_t seed, uint32_t pidx, char out[24], int *birth_y)
{
    uint64_t off = cl_gen_mix(seed ^ 0x1d1d1d1dULL) % ID_SPACE;
    uint64_t x = ((uint64_t)pidx * 1000003u + off) % ID_SPACE;
    const char *area = AREAS[x % NAREAS];
    x /= NAREAS;
    unsigned seq = (unsigned)(x % 1000u);
    x /= 1000u;
    int y, m, d;
    cl_civil_from_days(cl_days_from_civil(1950, 1, 1) + (int64_t)x, &y, &m, &d);
    memcpy(out, area, 6);
    cl_gen_fmt_u64(out + 6, (uint64_t)y, 4);
    cl_gen_fmt_u64(out + 10, (uint64_t)m, 2);
    cl_gen_fmt_u64(out + 12, (uint64_t)d, 2);
    cl_gen_fmt_u64(out + 14, seq, 3);
    out[17] = cl_gen_prc_check(out);
    out[18] = '\0';
    *birth_y = y;
}

void cl_gen_person_make(uint64_t seed, uint32_t pidx, int stranger_phone, cl_gen_person *p)
{
    cl_gen_rng r = cl_gen_stream(seed, 0x9e50, pidx);
    make_name(&r, p->name, sizeof p->name);
    make_phone(&r, stranger_phone, p->phone);
    make_phone(&r, stranger_phone, p->phone2);
    if (!strcmp(p->phone, p->phone2))
        p->phone2[10] = p->phone2[10] == '9' ? '0' : (char)(p->phone2[10] + 1);
    p->is_hkmo = cl_gen_chance(&r, 3, 1000);
    make_prc_id(seed, pidx, p->id, &p->birth_y);
    if (p->is_hkmo) {
        /* H + 10 digits, unique by the same bijection idea */
        uint64_t x = ((uint64_t)pidx * 7777777u + (seed % 1000u)) % 10000000000ULL;
        p->id[0] = 'H';
        cl_gen_fmt_u64(p->id + 1, x, 10);
    }
}

void cl_gen_uscc_make(cl_gen_rng *r, char reg, char type, const char *area6, char out[19])
{
    out[0] = reg;
    out[1] = type;
    memcpy(out + 2, area6, 6);
    out[8] = 'M';
    out[9] = 'A';
    out[10] = (char)('0' + 5 + cl_gen_below(r, 5));
    for (int i = 11; i < 17; i++)
        out[i] = USCC_ALPHA[cl_gen_below(r, 31)];
    out[17] = cl_gen_uscc_check(out);
    out[18] = '\0';
}

const char *const cl_gen_banks[] = {
    "中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行",
    "中国邮政储蓄银行", "广发银行", "平安银行", "广州农村商业银行", "广州银行", "中信银行",
};
const int cl_gen_nbanks = (int)(sizeof cl_gen_banks / sizeof cl_gen_banks[0]);
const char *const cl_gen_branches[] = {
    "广州天河支行", "广州越秀支行", "广州海珠支行", "广州番禺支行", "广州白云支行",
    "广州体育西支行", "广州珠江新城支行", "广州分行营业部", "深圳福田支行", "佛山禅城支行",
};
const int cl_gen_nbranches = (int)(sizeof cl_gen_branches / sizeof cl_gen_branches[0]);

void cl_gen_bank(cl_gen_rng *r, char *bank_name, size_t bn, char *account, size_t an)
{
    static const char *const BINS[] = { "6222", "6217", "6228", "6230", "6214", "6225", "6259" };
    snprintf(bank_name, bn, "%s%s", cl_gen_banks[cl_gen_below(r, (uint64_t)cl_gen_nbanks)],
             cl_gen_branches[cl_gen_below(r, (uint64_t)cl_gen_nbranches)]);
    char digits[24];
    int len = cl_gen_chance(r, 55, 100) ? 19 : 16;
    memcpy(digits, BINS[cl_gen_below(r, 7)], 4);
    for (int i = 4; i < len - 1; i++)
        digits[i] = (char)('0' + cl_gen_below(r, 10));
    digits[len - 1] = luhn_digit(digits, len - 1);
    digits[len] = '\0';
    if (cl_gen_chance(r, 8, 100) && an > 32) {   /* grouped in fours, as typed */
        size_t k = 0;
        for (int i = 0; i < len; i++) {
            if (i && i % 4 == 0)
                account[k++] = ' ';
            account[k++] = digits[i];
        }
        account[k] = '\0';
    } else {
        snprintf(account, an, "%s", digits);
    }
}
