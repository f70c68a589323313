/* cl_gen_ledger.c - the debtor's books: user accounts (deposits, refunds,
 * top-ups, ride charges), supplier payables and unpaid payroll, streamed to
 * ledger.csv block by block (rows of a block shuffled, as exports are). Each
 * account is re-derivable from (seed, index), so the submissions side can
 * ask what the books owe without the ledger ever being held in memory. */
#include "gen/cl_gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096u

static const uint16_t HOUR_W[24] = { 3, 2, 1, 1, 1, 1, 3, 8, 10, 8, 5, 5,
                                     7, 6, 5, 5, 6, 9, 10, 9, 8, 7, 5, 4 };

static cl_time day0(int y, int m, int d)
{
    return cl_days_from_civil(y, m, d) * 86400;
}

static cl_time time_of_day(cl_gen_rng *r)
{
    return (cl_time)cl_gen_pick(r, HOUR_W, 24) * 3600 + (cl_time)cl_gen_below(r, 3600);
}

void cl_gen_acct_ref(uint32_t i, char out[16])
{
    out[0] = 'X';
    out[1] = 'M';
    cl_gen_fmt_u64(out + 2, 10000000u + (uint64_t)i, 8);
}

int cl_gen_account(uint64_t seed, uint32_t i, cl_gen_acct *a, cl_gen_entry *e)
{
    static const uint16_t TOPUPS_W[4] = { 30, 40, 20, 10 };
    static const int32_t TOPUP[4] = { 1000, 2000, 5000, 10000 };
    static const uint16_t TOPUP_W[4] = { 30, 30, 25, 15 };
    static const int32_t RIDE[4] = { 50, 100, 150, 200 };
    static const uint16_t RIDE_W[4] = { 20, 45, 20, 15 };
    cl_gen_rng r = cl_gen_stream(seed, 0xACC7, i);
    const cl_time collapse = day0(2017, 11, 30), stop = day0(2018, 2, 28);
    int n = 0;

    a->real_name = cl_gen_chance(&r, 72, 100);
    cl_time t0 = day0(2016, 6, 1) + (cl_time)cl_gen_below(&r, 520) * 86400 + time_of_day(&r);
    if (t0 < day0(2016, 11, 1))
        a->deposit = cl_gen_chance(&r, 70, 100) ? 9900 : 19900;
    else
        a->deposit = cl_gen_chance(&r, 52, 100) ? 19900 : 29900;
    a->deposit_owed = a->deposit;
    if (e)
        e[n] = (cl_gen_entry){ t0, a->deposit, CL_GEN_CAT_DEPOSIT };
    n++;
    if (cl_gen_chance(&r, 30, 100)) {
        cl_time tr = t0 + (cl_time)(7 + cl_gen_below(&r, 400)) * 86400;
        if (tr > collapse)
            tr = collapse + time_of_day(&r);
        if (e)
            e[n] = (cl_gen_entry){ tr, -a->deposit, CL_GEN_CAT_DEPOSIT };
        n++;
        a->deposit_owed = 0;
    }

    int topups = cl_gen_pick(&r, TOPUPS_W, 4);
    int64_t bal = 0;
    cl_time t = t0;
    for (int k = 0; k < topups; k++) {
        t += (cl_time)cl_gen_below(&r, 60 * 86400) + 600;
        if (t > stop)
            break;
        int32_t amt = TOPUP[cl_gen_pick(&r, TOPUP_W, 4)];
        if (e)
            e[n] = (cl_gen_entry){ t, amt, CL_GEN_CAT_BALANCE };
        n++;
        bal += amt;
        int rides = (int)cl_gen_below(&r, 9);
        for (int j = 0; j < rides; j++) {
            int32_t c = RIDE[cl_gen_pick(&r, RIDE_W, 4)];
            t += (cl_time)cl_gen_below(&r, 5 * 86400) + 300;
            if (c > bal || t > stop)
                break;
            if (e)
                e[n] = (cl_gen_entry){ t, -c, CL_GEN_CAT_BALANCE };
            n++;
            bal -= c;
        }
    }
    a->balance = bal;
    a->has_balance = n > (a->deposit_owed ? 1 : 2);
    return n;
}

/* ---- suppliers and employees (fixed in number; totals exact) ------------- */

static const char *const CITY[10] = { "广州", "深圳", "东莞", "佛山", "天津",
                                      "江苏", "杭州", "上海", "厦门", "宁波" };
static const char *const CITY_AREA[10] = { "440106", "440300", "441900", "440604", "120116",
                                           "320594", "330106", "310115", "350206", "330212" };
static const char *const BRAND[16] = { "力拓", "众诚", "伟业", "骏达", "恒通", "鑫源",
                                       "华科", "瑞丰", "永安", "博远", "中捷", "金盛",
                                       "天成", "新锐", "凯越", "宏图" };
static const char *const TRADE[11] = {
    "智能科技有限公司", "自行车制造有限公司", "物联网科技有限公司", "广告有限公司",
    "物流有限公司", "电子科技有限公司", "信息技术有限公司", "五金制品有限公司",
    "橡胶制品有限公司", "人力资源服务有限公司", "运营服务有限公司",
};

/* Splits total into n shares proportional to w (exact, remainder last). */
static void split_total(int64_t total, const int64_t *w, int n, int64_t *out)
{
    int64_t sum = 0, given = 0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    for (int i = 0; i < n; i++) {
        out[i] = i == n - 1 ? total - given : (int64_t)((__int128)total * w[i] / sum);
        given += out[i];
    }
}

void cl_gen_setup_orgs(cl_gen_ctx *g)
{
    cl_gen_rng r = cl_gen_stream(g->seed, 0x0465, 0);
    int64_t w[CL_GEN_NEMPLOYEES], owed[CL_GEN_NEMPLOYEES];
    unsigned boff = (unsigned)cl_gen_below(&r, 16);
    for (int i = 0; i < CL_GEN_NSUPPLIERS; i++) {
        cl_gen_org *s = &g->sup[i];
        int c = (i / 16 * 5 + i) % 10;
        snprintf(s->name, sizeof s->name, "%s%s%s%s", CITY[c], c == 4 ? "市" : "",
                 BRAND[(i + boff) % 16], TRADE[cl_gen_below(&r, 11)]);
        snprintf(s->area, sizeof s->area, "%s", CITY_AREA[c]);
        cl_gen_uscc_make(&r, '9', '1', s->area, s->uscc);
        if (cl_gen_chance(&r, 60, 100))
            snprintf(s->phone, sizeof s->phone, "020-8%07u", (unsigned)cl_gen_below(&r, 10000000));
        else
            snprintf(s->phone, sizeof s->phone, "13%09u", (unsigned)cl_gen_below(&r, 1000000000));
        uint64_t x = 1 + cl_gen_below(&r, 1000);
        w[i] = (int64_t)(x * x * x / 1000 + 50);   /* heavy tail */
        s->secured = i % 7 == 1;                    /* 4 of 28 */
    }
    split_total(CL_GEN_SUPPLIER_TOTAL_FEN, w, CL_GEN_NSUPPLIERS, owed);
    for (int i = 0; i < CL_GEN_NSUPPLIERS; i++)
        g->sup[i].owed = owed[i];

    for (int i = 0; i < CL_GEN_NEMPLOYEES + CL_GEN_NEMP_PAID; i++) {
        cl_gen_emp *e = &g->emp[i];
        e->pidx = CL_GEN_P_EMPLOYEE + (uint32_t)i;
        e->months = 2 + (int)cl_gen_below(&r, 3);
        if (i < CL_GEN_NEMPLOYEES)
            w[i] = (int64_t)(3000 + cl_gen_below(&r, 13000)) * e->months;
    }
    split_total(CL_GEN_EMPLOYEE_TOTAL_FEN, w, CL_GEN_NEMPLOYEES, owed);
    for (int i = 0; i < CL_GEN_NEMPLOYEES + CL_GEN_NEMP_PAID; i++)
        g->emp[i].owed = i < CL_GEN_NEMPLOYEES ? owed[i] : 0;
}

/* ---- writing ----------------------------------------------------------------- */

typedef struct lw {
    cl_gen_out out;
    uint64_t next_id;
} lw;

static const char *cat_text(int cat, uint64_t x)
{
    static const char *const PLAIN[4] = { "deposit", "balance", "supplier", "employee" };
    if (cat <= CL_GEN_CAT_BALANCE && x % 4000 == 17)
        return cat == CL_GEN_CAT_DEPOSIT ? "DEPOSIT" : "BALANCE";
    if (cat <= CL_GEN_CAT_BALANCE && x % 8000 == 29)
        return cat == CL_GEN_CAT_DEPOSIT ? "押金" : "余额";
    return PLAIN[cat];
}

static void row_head(lw *w, const char *ref, int cat, int64_t fen, cl_time t, uint64_t x)
{
    cl_gen_out *o = &w->out;
    cl_gen_put(o, "LE", 2);
    cl_gen_u64(o, ++w->next_id, 9);
    cl_gen_putc(o, ',');
    cl_gen_puts(o, ref);
    cl_gen_putc(o, ',');
    cl_gen_puts(o, cat_text(cat, x));
    cl_gen_putc(o, ',');
    if (fen > 0 && x % 2000 == 3)
        cl_gen_putc(o, '+');
    cl_gen_money(o, fen);
    cl_gen_putc(o, ',');
    cl_gen_time(o, t);
}

/* ",name,id_type,id_number,phone" of account i (real-name or phone only). */
static int acct_suffix(uint64_t seed, uint32_t i, int real_name, int variant, char *buf)
{
    cl_gen_person p;
    cl_gen_person_make(seed, CL_GEN_P_HOLDER + i, 0, &p);
    if (!real_name)
        return snprintf(buf, 128, ",,,,%s", p.phone);
    return snprintf(buf, 128, ",%s,%s,%s,%s", p.name,
                    p.is_hkmo ? "HKMO_PERMIT" : variant ? "居民身份证" : "PRC_ID", p.id, p.phone);
}

static void write_block(cl_gen_ctx *g, lw *w, uint32_t first, uint32_t count, cl_gen_entry *ent,
                        uint32_t *owner, char (*suffix)[128], int *real)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < count; k++) {
        cl_gen_acct a;
        int m = cl_gen_account(g->seed, first + k, &a, ent + n);
        for (int j = 0; j < m; j++)
            owner[n + (uint32_t)j] = k;
        n += (uint32_t)m;
        real[k] = a.real_name;
        acct_suffix(g->seed, first + k, a.real_name, 0, suffix[k]);
    }
    cl_gen_rng r = cl_gen_stream(g->seed, 0xB10C, first);
    for (uint32_t k = n; k > 1; k--) {   /* Fisher-Yates */
        uint32_t j = (uint32_t)cl_gen_below(&r, k);
        cl_gen_entry te = ent[k - 1];
        ent[k - 1] = ent[j];
        ent[j] = te;
        uint32_t to = owner[k - 1];
        owner[k - 1] = owner[j];
        owner[j] = to;
    }
    char ref[16], alt[128];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t acc = owner[k];
        uint64_t x = cl_gen_next(&r);
        cl_gen_acct_ref(first + acc, ref);
        row_head(w, ref, ent[k].cat, ent[k].fen, ent[k].t, x);
        uint64_t v = (x >> 20) % 3000;
        if (real[acc] && ent[k].cat == CL_GEN_CAT_BALANCE && v < 30) {
            /* an entry exported without the real-name fields */
            const char *ph = strrchr(suffix[acc], ',');
            cl_gen_puts(&w->out, ",,,");
            cl_gen_puts(&w->out, ph);
        } else if (real[acc] && v == 2999) {
            acct_suffix(g->seed, first + acc, 1, 1, alt);
            cl_gen_puts(&w->out, alt);
        } else {
            cl_gen_puts(&w->out, suffix[acc]);
        }
        cl_gen_row_end(&w->out);
    }
    g->st->ledger_rows += n;
}

static void write_supplier(cl_gen_ctx *g, lw *w, int s)
{
    const cl_gen_org *o = &g->sup[s];
    cl_gen_rng r = cl_gen_stream(g->seed, 0x5AB, (uint64_t)s);
    char ref[16], suffix[200];
    snprintf(ref, sizeof ref, "SUP%04d", s + 1);
    snprintf(suffix, sizeof suffix, ",%s,USCC,%s,%s", o->name, o->uscc, o->phone);
    int64_t paid = o->owed * (int64_t)cl_gen_below(&r, 40) / 100;
    int k = 2 + (int)cl_gen_below(&r, 7);
    int64_t w8[8], part[8];
    for (int j = 0; j < k; j++)
        w8[j] = 20 + (int64_t)cl_gen_below(&r, 100);
    split_total(o->owed + paid, w8, k, part);
    for (int j = 0; j < k; j++) {
        cl_time t = day0(2017, 1, 1) + (cl_time)cl_gen_below(&r, 330) * 86400 + 10 * 3600;
        row_head(w, ref, CL_GEN_CAT_SUPPLIER, part[j], t, 1);
        cl_gen_puts(&w->out, suffix);
        cl_gen_row_end(&w->out);
        g->st->ledger_rows++;
    }
    if (paid) {
        cl_time t = day0(2017, 3, 1) + (cl_time)cl_gen_below(&r, 270) * 86400 + 15 * 3600 + 1800;
        row_head(w, ref, CL_GEN_CAT_SUPPLIER, -paid, t, 1);
        cl_gen_puts(&w->out, suffix);
        cl_gen_row_end(&w->out);
        g->st->ledger_rows++;
    }
}

static void write_employee(cl_gen_ctx *g, lw *w, int e)
{
    const cl_gen_emp *em = &g->emp[e];
    cl_gen_person p;
    cl_gen_person_make(g->seed, em->pidx, 0, &p);
    char ref[16], suffix[200];
    snprintf(ref, sizeof ref, "EMP%04d", e + 1);
    snprintf(suffix, sizeof suffix, ",%s,%s,%s,%s", p.name, p.is_hkmo ? "HKMO_PERMIT" : "PRC_ID", p.id,
             p.phone);
    if (em->owed == 0) {   /* a former employee, paid off */
        cl_time t = day0(2017, 10, 15);
        int32_t wage = 650000 + (int32_t)(e * 1237 % 300000);
        row_head(w, ref, CL_GEN_CAT_EMPLOYEE, wage, t, 1);
        cl_gen_puts(&w->out, suffix);
        cl_gen_row_end(&w->out);
        row_head(w, ref, CL_GEN_CAT_EMPLOYEE, -wage, day0(2017, 11, 20) + 11 * 3600, 1);
        cl_gen_puts(&w->out, suffix);
        cl_gen_row_end(&w->out);
        g->st->ledger_rows += 2;
        return;
    }
    int64_t monthly = em->owed / em->months;
    for (int m = 0; m < em->months; m++) {
        int64_t amt = m == em->months - 1 ? em->owed - monthly * (em->months - 1) : monthly;
        row_head(w, ref, CL_GEN_CAT_EMPLOYEE, amt, day0(2017, 9 + m, 15), 1);
        cl_gen_puts(&w->out, suffix);
        cl_gen_row_end(&w->out);
        g->st->ledger_rows++;
    }
}

cl_err cl_gen_write_ledger(cl_gen_ctx *g, const char *path, cl_diag *d)
{
    lw *w = malloc(sizeof *w);
    cl_gen_entry *ent = malloc(sizeof *ent * BLOCK * CL_GEN_MAX_ENTRIES);
    uint32_t *owner = malloc(sizeof *owner * BLOCK * CL_GEN_MAX_ENTRIES);
    char (*suffix)[128] = malloc(sizeof *suffix * BLOCK);
    int *real = malloc(sizeof *real * BLOCK);
    cl_err e = CL_OK;
    if (!w || !ent || !owner || !suffix || !real) {
        e = cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
        goto done;
    }
    w->next_id = 0;
    e = cl_gen_out_open(&w->out, path, 0, d);
    if (e != CL_OK)
        goto done;
    cl_gen_puts(&w->out, "entry_id,account_ref,category,amount,booked_at,name,id_type,id_number,phone");
    cl_gen_row_end(&w->out);
    for (uint32_t first = 0; first < g->naccounts; first += BLOCK) {
        uint32_t count = g->naccounts - first < BLOCK ? g->naccounts - first : BLOCK;
        write_block(g, w, first, count, ent, owner, suffix, real);
    }
    for (int s = 0; s < CL_GEN_NSUPPLIERS; s++)
        write_supplier(g, w, s);
    for (int k = 0; k < CL_GEN_NEMPLOYEES + CL_GEN_NEMP_PAID; k++)
        write_employee(g, w, k);
    g->st->accounts = g->naccounts;
    e = cl_gen_out_close(&w->out, d);
done:
    free(real);
    free(suffix);
    free(owner);
    free(ent);
    free(w);
    return e;
}
