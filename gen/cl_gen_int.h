/* cl_gen_int.h - internals shared by the generator's files: the PRNG, the
 * row buffer writer, identities (people, companies) and the fixed lists. */
#ifndef CL_GEN_INT_H
#define CL_GEN_INT_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gen/cl_gen.h"
#include "core/cl_progress.h"
#include "core/cl_time.h"
#include "core/cl_wbuf.h"

/* ---- PRNG: splitmix64 streams, keyed by (seed, stream, index) ---------- */

typedef struct { uint64_t s; } cl_gen_rng;

static inline uint64_t cl_gen_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t cl_gen_next(cl_gen_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return cl_gen_mix(r->s);
}

static inline cl_gen_rng cl_gen_stream(uint64_t seed, uint64_t stream, uint64_t index)
{
    cl_gen_rng r = { cl_gen_mix(cl_gen_mix(seed ^ 0x5851f42d4c957f2dULL) + stream * 0x9e3779b97f4a7c15ULL)
                     ^ cl_gen_mix(index + 0x632be59bd9b4e019ULL) };
    return r;
}

/* Uniform in [0, n), n > 0 (multiply-shift, exact and portable). */
static inline uint64_t cl_gen_below(cl_gen_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)cl_gen_next(r) * n) >> 64);
}

/* True with probability num/den. */
static inline int cl_gen_chance(cl_gen_rng *r, uint64_t num, uint64_t den)
{
    return cl_gen_below(r, den) < num;
}

/* Index into integer weights w[0..n). */
int cl_gen_pick(cl_gen_rng *r, const uint16_t *w, int n);

/* ---- output: rows built in memory, flushed to a cl_wbuf (opt. GB18030) -- */

typedef struct cl_gen_out {
    cl_wbuf *w;
    iconv_t cd;          /* (iconv_t)-1 when writing UTF-8 */
    size_t n;
    char buf[1 << 16];
    char conv[(1 << 16) * 2 + 64];
    int err;
} cl_gen_out;

cl_err cl_gen_out_open(cl_gen_out *o, const char *path, int gb18030, cl_diag *d);
void cl_gen_out_flush(cl_gen_out *o);          /* at row boundaries only */
cl_err cl_gen_out_close(cl_gen_out *o, cl_diag *d);
void cl_gen_out_discard(cl_gen_out *o);

static inline void cl_gen_row_end(cl_gen_out *o)
{
    o->buf[o->n++] = '\n';
    if (o->n > sizeof o->buf - 8192)
        cl_gen_out_flush(o);
}

static inline void cl_gen_put(cl_gen_out *o, const char *s, size_t n)
{
    /* rows are far below 8 KiB; fields are bounded by their builders */
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

void cl_gen_puts(cl_gen_out *o, const char *s);
void cl_gen_putc(cl_gen_out *o, char c);
void cl_gen_field(cl_gen_out *o, const char *s);   /* CSV-quoted when needed */
void cl_gen_u64(cl_gen_out *o, uint64_t v, int width);  /* zero-padded to width */
void cl_gen_money(cl_gen_out *o, int64_t fen);          /* -1234.56 */
void cl_gen_time(cl_gen_out *o, cl_time t);             /* YYYY-MM-DD HH:MM:SS */

/* Into a small string: */
int cl_gen_fmt_money(char *buf, int64_t fen, int grouped);   /* 1,234.56 */
int cl_gen_fmt_u64(char *buf, uint64_t v, int width);

/* ---- identities -------------------------------------------------------- */

/* Person index ranges (all below the ID bijection's modulus). */
#define CL_GEN_P_HOLDER   0u
#define CL_GEN_P_STRANGER 300000000u
#define CL_GEN_P_FAMILY   400000000u
#define CL_GEN_P_EMPLOYEE 500000000u
#define CL_GEN_P_OTHER    600000000u

typedef struct cl_gen_person {
    char name[40];
    char id[24];         /* 18-character PRC ID (or permit number) */
    char phone[16];      /* 11 digits */
    char phone2[16];     /* another number of the same person */
    int birth_y;
    int is_hkmo;         /* HKMO permit instead of PRC ID */
} cl_gen_person;

void cl_gen_person_make(uint64_t seed, uint32_t pidx, int stranger_phone, cl_gen_person *p);
void cl_gen_uscc_make(cl_gen_rng *r, char reg, char type, const char *area6, char out[19]);
void cl_gen_bank(cl_gen_rng *r, char *bank_name, size_t bn, char *account, size_t an);

/* fixed lists */
extern const char *const cl_gen_banks[];
extern const int cl_gen_nbanks;
extern const char *const cl_gen_branches[];
extern const int cl_gen_nbranches;

/* ---- the case: accounts, suppliers, employees -------------------------- */

#define CL_GEN_NSUPPLIERS 28
#define CL_GEN_NEMPLOYEES 115
#define CL_GEN_NEMP_PAID 2            /* extra former employees, fully paid */
#define CL_GEN_SUPPLIER_TOTAL_FEN 3003508147LL   /* 30,035,081.47 yuan */
#define CL_GEN_EMPLOYEE_TOTAL_FEN 161936551LL    /*  1,619,365.51 yuan */
#define CL_GEN_MAX_ENTRIES 64

enum { CL_GEN_CAT_DEPOSIT, CL_GEN_CAT_BALANCE, CL_GEN_CAT_SUPPLIER, CL_GEN_CAT_EMPLOYEE };

typedef struct cl_gen_entry {
    cl_time t;
    int32_t fen;
    uint8_t cat;
} cl_gen_entry;

typedef struct cl_gen_acct {
    int32_t deposit;        /* fen paid */
    int32_t deposit_owed;   /* 0 when refunded */
    int64_t balance;        /* fen owed on balance (>= 0) */
    int real_name;          /* entries carry name/ID/phone */
    int has_balance;        /* at least one balance entry */
} cl_gen_acct;

typedef struct cl_gen_org {
    char name[96];
    char uscc[19];
    char phone[24];
    char area[8];
    int64_t owed;
    int secured;
} cl_gen_org;

typedef struct cl_gen_emp {
    uint32_t pidx;
    int months;
    int64_t owed;
} cl_gen_emp;

/* A creditor likely on the voting roster (an on-time claim meant valid), as
 * its submission row wrote the identity; the meeting's ballots name them. */
typedef struct cl_gen_voter {
    char idtype[24];
    char id[96];
} cl_gen_voter;

typedef struct cl_gen_ctx {
    uint64_t seed;
    char key[64];              /* creditor_key written into case.conf */
    cl_gen_voter *voters;
    size_t nvoters, capvoters;
    int oom;
    int64_t ppm;
    int gb18030;
    uint32_t naccounts;
    cl_gen_stats *st;
    cl_progress *progress;
    cl_gen_org sup[CL_GEN_NSUPPLIERS];
    cl_gen_emp emp[CL_GEN_NEMPLOYEES + CL_GEN_NEMP_PAID];
} cl_gen_ctx;

/* base * scale, rounded; at least `min`. */
int64_t cl_gen_scaled(const cl_gen_ctx *g, int64_t base, int64_t min);

void cl_gen_acct_ref(uint32_t i, char out[16]);    /* XM1xxxxxxx */
/* One user account, re-derivable from (seed, i) alone: fills a, and the
 * entries into e (may be NULL); returns the number of entries. */
int cl_gen_account(uint64_t seed, uint32_t i, cl_gen_acct *a, cl_gen_entry *e);
void cl_gen_setup_orgs(cl_gen_ctx *g);

/* Remembers a likely voter (sets g->oom when out of memory). */
void cl_gen_voter_add(cl_gen_ctx *g, const char *idtype, const char *id);
/* meeting.conf and ballots.csv for the voters (cl_gen_meeting.c). */
cl_err cl_gen_write_meeting(cl_gen_ctx *g, const char *conf_path, const char *ballots_path,
                            cl_diag *d);

cl_err cl_gen_write_ledger(cl_gen_ctx *g, const char *path, cl_diag *d);
cl_err cl_gen_write_submissions(cl_gen_ctx *g, const char *subs_path, const char *ovr_path,
                                const char *truth_path, cl_diag *d);
/* Planted probable duplicates appended to submissions.csv, and their ground
 * truth (linkage_truth.csv) at truth_path (cl_gen_linkage.c). */
cl_err cl_gen_plant_linkage(cl_gen_ctx *g, cl_gen_out *subs, const char *truth_path, cl_diag *d);

#endif
