/* cl_norm.h - normalizers of contract §3 (and the time forms of §0): text
 * folding, names, ID numbers (PRC_ID with 15->18 upgrade, USCC, others),
 * phones, amounts to int64 fen, times to court-local seconds.
 *
 * Every function writes into a caller buffer `out` that must hold at least
 * `len + 8` bytes (normalizing never grows text by more than that), and
 * returns the output length. Nothing allocates. */
#ifndef CL_NORM_H
#define CL_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_time.h"
#include "ingest/cl_enums.h"

/* Trim ASCII whitespace and U+3000 at both ends; fold full-width ASCII
 * U+FF01..U+FF5E to ASCII (and U+3000 inside to a space). */
size_t cl_norm_text(const char *in, size_t len, char *out);

/* cl_norm_text, then: CJK present -> remove all whitespace, else collapse
 * whitespace runs to one space; middle dots U+00B7, U+30FB, U+2022, U+2027,
 * U+FF65 -> U+00B7. */
size_t cl_norm_name(const char *in, size_t len, char *out);

/* cl_norm_text, remove all spaces, uppercase ASCII letters. For PRC_ID a
 * valid 15-digit legacy number (birth 19YY, real date) is upgraded to 18
 * characters. Does not validate otherwise. */
size_t cl_norm_id(cl_id_type type, const char *in, size_t len, char *out);

/* Validity of an already-normalized ID number (contract §3):
 * PRC_ID: 18 chars, MOD 11-2 check, real birth date <= max_birth_day
 * (days since 1970-01-01; pass INT64_MAX to skip the bound).
 * USCC: 18 chars of the GB 32100 alphabet, mod-31 check.
 * PASSPORT/permits: non-empty, ASCII letters and digits only.
 * CL_IDT_INVALID: false. */
bool cl_id_valid(cl_id_type type, const char *s, size_t len, int64_t max_birth_day);
bool cl_prc_id_valid(const char *s, size_t len, int64_t max_birth_day);
bool cl_uscc_valid(const char *s, size_t len);
bool cl_luhn_valid(const char *s, size_t len);   /* digits only, >= 2 */

/* Drops spaces, '-', parentheses (ASCII and full-width) and a leading +86,
 * 0086, or 86 (when 13 digits). Returns length; *valid per ^1[3-9][0-9]{9}$. */
size_t cl_norm_phone(const char *in, size_t len, char *out, bool *valid);

typedef enum cl_amount_status {
    CL_AMT_OK = 0,
    CL_AMT_EMPTY,      /* empty after trimming */
    CL_AMT_SYNTAX,     /* not an amount: letters, bad grouping, >2 decimals */
    CL_AMT_SIGNED,     /* a sign where none is allowed */
    CL_AMT_RANGE       /* over 10^11 yuan */
} cl_amount_status;

/* Parses yuan text to fen: optional ¥/￥/RMB prefix and/or 元 suffix,
 * full-width digits, thousands separators in groups of exactly three, at
 * most two decimals. allow_sign: ledger amounts may carry +/-; otherwise any
 * sign is CL_AMT_SIGNED. |value| over 10^11 yuan is CL_AMT_RANGE. */
cl_amount_status cl_parse_amount(const char *in, size_t len, bool allow_sign, int64_t *fen);

/* Parses the time forms of contract §0 to court-local seconds. Date-only
 * means 00:00:00. Offsets (Z, +08:00, others) are converted to local. out
 * may be NULL to only check the text. */
bool cl_parse_time(const char *in, size_t len, cl_time *out);
/* Parses a date-only value (YYYY-MM-DD or YYYY/M/D); *day = days since epoch. */
bool cl_parse_date(const char *in, size_t len, int64_t *day);

/* Non-negative decimal integer (full-width digits allowed); empty (after
 * trimming) -> *out = 0 and true. False on a sign, decimals, letters or
 * > INT32_MAX. */
bool cl_parse_count(const char *in, size_t len, int32_t *out);

/* True if s[0..len) is strict UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool cl_utf8_valid(const char *s, size_t len);

#endif
