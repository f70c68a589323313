/* cl_draw.h - the verifiable draw (issue 18): a deterministic selection of
 * `count` creditors from a roster, seeded by the roster's digest and a public
 * beacon that only became known after the roster and the parameters were
 * committed to. Algorithm "claims-draw" version 1 (docs/DRAW.md):
 *   seed  = SHA-256(roster_sha256 (32 raw bytes) || beacon (its UTF-8 bytes))
 *   score = HMAC-SHA-256(key = seed, message = creditor_id (UTF-8 bytes))
 *   creditors in ascending score order (bytewise; tie: creditor_id bytewise)
 *   are taken while their stratum has seats left, until `count` are taken.
 * Seats per stratum: cl_draw_seats (largest remainder). Pure functions of
 * their arguments; no process-wide state. */
#ifndef CL_DRAW_H
#define CL_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"

#define CL_DRAW_ALGORITHM "claims-draw"
#define CL_DRAW_VERSION 1

/* seed = SHA-256(roster_sha256 || beacon). */
cl_err cl_draw_seed(const unsigned char roster_sha256[32], const char *beacon, size_t len,
                    unsigned char seed[32], cl_diag *d);
/* score = HMAC-SHA-256(seed, id). */
cl_err cl_draw_score(const unsigned char seed[32], const char *id, size_t len,
                     unsigned char score[32], cl_diag *d);

/* A stratum: its members (creditors on the roster in it) and its weight (the
 * members, or the sum of their voting amounts in fen: whatever seats are
 * proportional to). cl_draw_seats fills `seats`. */
typedef struct cl_draw_stratum {
    const char *name;
    size_t members;
    int64_t weight;
    size_t seats;
} cl_draw_stratum;

/* Apportions `count` seats over the strata in proportion to their weights by
 * largest remainder: each gets floor(count x weight / total); the seats left
 * go one each to the largest remainders (tie: more members, then the stratum
 * listed first). A stratum never gets more seats than members: one that
 * would is given all its members and the rest are apportioned again among
 * the others. When the strata left all weigh 0, members are the weights.
 * CL_ERR_INPUT when count exceeds the members of all strata. */
cl_err cl_draw_seats(cl_draw_stratum *strata, size_t n, size_t count, cl_diag *d);

/* The draw: ids[i] is creditor i's id, stratum[i] its stratum index (NULL:
 * every creditor in stratum 0), strata[] with seats set (cl_draw_seats).
 * Writes the selected creditors' indexes in rank order into selected[] (room
 * for the sum of seats) and, when scores is not NULL, every creditor's score
 * into scores[i]. Returns the number selected in *nselected. */
cl_err cl_draw_select(const unsigned char seed[32], const char *const *ids, size_t n,
                      const uint32_t *stratum, const cl_draw_stratum *strata, size_t nstrata,
                      size_t *selected, size_t *nselected, unsigned char (*scores)[32],
                      cl_diag *d);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void cl_draw_hex(const unsigned char *p, size_t n, char *out);

#endif
