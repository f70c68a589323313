/* cl_tally.h - the creditors' meeting tally of contract §6: ballot validity
 * (first failing reason), supersession per (creditor, resolution, group),
 * present counts and the statutory headcount and amount tests of Art. 64
 * (general), Art. 97 (settlement) and Art. 82/84 (reorganization, per group).
 *
 * Pure arithmetic over arrays: no file is read here (engine/cl_meeting.h
 * turns roster.csv, ballots.csv and meeting.conf into these arrays). All
 * threshold products are computed in __int128; sums are checked. */
#ifndef CL_TALLY_H
#define CL_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_error.h"
#include "core/cl_time.h"
#include "ingest/cl_enums.h"

/* Reorganization voting groups (Art. 82; small_ordinary where the case sets
 * small_claim_threshold, §5). */
typedef enum cl_vote_group {
    CL_GROUP_SECURED = 0,
    CL_GROUP_EMPLOYEE,
    CL_GROUP_TAX,
    CL_GROUP_ORDINARY,
    CL_GROUP_SMALL_ORDINARY,
    CL_GROUP_COUNT
} cl_vote_group;
#define CL_GROUP_NONE (-1)     /* no group given (empty text) */
#define CL_GROUP_UNKNOWN (-2)  /* text that names no group */

/* English (any case, ASCII spaces trimmed) or Chinese (有财产担保债权组,
 * 职工债权组, 税款债权组, 普通债权组, 小额普通债权组, also without 债权组 /
 * 组). Returns a cl_vote_group, CL_GROUP_NONE for empty, CL_GROUP_UNKNOWN. */
int cl_vote_group_parse(const char *s, size_t len);
const char *cl_vote_group_name(int g);      /* "secured" ... ; "" otherwise */
const char *cl_vote_group_title(int g);     /* 有财产担保债权组 ... ; "" otherwise */

typedef enum cl_ballot_reason {
    CL_BR_COUNTED = 0,
    CL_BR_NOT_ON_ROSTER,
    CL_BR_UNKNOWN_RESOLUTION,
    CL_BR_OUTSIDE_WINDOW,
    CL_BR_INVALID_CHOICE,
    CL_BR_WRONG_GROUP,
    CL_BR_NO_VOTING_RIGHT,
    CL_BR_SUPERSEDED,
    CL_BR_COUNT
} cl_ballot_reason;
#define CL_BALLOT_OK CL_BR_COUNTED   /* cl_ballot_check: the ballot is valid */
const char *cl_ballot_reason_name(cl_ballot_reason r);   /* "NOT_ON_ROSTER" ... */

/* The roster as the tally sees it (struct of arrays, n creditors). */
typedef struct cl_tally_roster {
    size_t n;
    const int64_t *unsecured_voting;               /* fen */
    const int64_t *secured_voting;                 /* fen */
    const int64_t *group_amount[CL_GROUP_COUNT];   /* fen; a NULL array is all 0 */
    const uint8_t *groups;  /* bit (1u << g): listed as a member of group g;
                               NULL: none listed. A creditor with an amount
                               in g is a member of g too. */
} cl_tally_roster;

/* The meeting as ballot validation sees it (engine/cl_meeting.h
 * cl_meeting_view fills it from meeting.conf). */
typedef struct cl_tally_meeting {
    size_t nresolutions;
    const cl_resolution_type *types;   /* per resolution */
    cl_time opens_at, closes_at;       /* inclusive window */
} cl_tally_meeting;

/* Checks one ballot (contract §6, in this order) and returns the first
 * failing reason, CL_BALLOT_OK when valid: NOT_ON_ROSTER (creditor < 0 or
 * beyond the roster), UNKNOWN_RESOLUTION (resolution < 0 or beyond the
 * meeting), OUTSIDE_WINDOW (cast_at CL_TIME_NONE or outside [opens_at,
 * closes_at]), INVALID_CHOICE, WRONG_GROUP (reorganization: group not a
 * cl_vote_group, or the creditor has no amount in it), NO_VOTING_RIGHT.
 * creditor: the roster entry (index into roster, -1: not on it); resolution:
 * the index into meeting (-1: unknown); group: cl_vote_group, CL_GROUP_NONE
 * or CL_GROUP_UNKNOWN (ignored outside a reorganization); choice: cl_choice.
 * Supersession is the tally's (cl_tally_run), not a property of one ballot.
 * By text ids: cl_ballot_check_ids in engine/cl_meeting.h. */
cl_ballot_reason cl_ballot_check(const cl_tally_roster *roster, int64_t creditor,
                                 const cl_tally_meeting *meeting, int64_t resolution, int group,
                                 int choice, cl_time cast_at);

/* One ballot, already resolved against the roster and meeting.conf. */
typedef struct cl_ballot {
    const char *ballot_id;   /* bytes for the supersession tie-break */
    uint32_t ballot_id_len;
    int32_t creditor;        /* roster index, -1: not on the roster */
    int32_t resolution;      /* resolution index, -1: unknown meeting or resolution */
    int8_t choice;           /* cl_choice (CL_CHOICE_INVALID when unparseable) */
    int8_t group;            /* cl_vote_group, CL_GROUP_NONE or CL_GROUP_UNKNOWN */
    cl_time cast_at;         /* CL_TIME_NONE when unparseable */
} cl_ballot;

typedef struct cl_tally_input {
    cl_tally_roster roster;
    size_t nresolutions;
    const cl_resolution_type *types;   /* per resolution */
    cl_time opens_at, closes_at;       /* inclusive window */
    size_t nballots;
    const cl_ballot *ballots;
} cl_tally_input;

/* One line of tally.csv. For general and settlement resolutions one row
 * with group = CL_GROUP_NONE. For reorganization one row per group with
 * members (in cl_vote_group order), then the overall row (group =
 * CL_GROUP_NONE): present/for/against/abstain and the amounts are the sums
 * over the group rows, headcount_pass (amount_pass) = every group passed
 * its headcount (amount) test, passed = every group passed; a plan with no
 * group with members fails. */
typedef struct cl_tally_row {
    uint32_t resolution;
    cl_resolution_type type;
    int group;
    int64_t members;      /* roster creditors entitled to vote here */
    int64_t present, n_for, n_against, n_abstain;
    int64_t for_amount, against_amount, abstain_amount;   /* fen */
    int64_t base_amount;  /* fen: the roster total the amount test compares to */
    int64_t groups, groups_passed;   /* reorganization overall row only */
    bool headcount_pass, amount_pass, passed;
} cl_tally_row;

typedef struct cl_tally_result {
    uint8_t *reason;          /* per ballot: cl_ballot_reason */
    size_t counted;           /* ballots with CL_BR_COUNTED */
    size_t by_reason[CL_BR_COUNT];
    cl_tally_row *rows;
    size_t nrows;
    size_t *first_row;        /* per resolution: index of its first row */
} cl_tally_result;

/* Runs §6 over the input. out is overwritten; free it with
 * cl_tally_result_free. CL_ERR_OVERFLOW when a sum leaves int64,
 * CL_ERR_NOMEM, CL_ERR_INPUT for out-of-range indexes. */
cl_err cl_tally_run(const cl_tally_input *in, cl_tally_result *out, cl_diag *d);
void cl_tally_result_free(cl_tally_result *r);

/* The statutory tests, exactly (products in __int128):
 * headcount: n_for * 2 > present ("过半数", strictly more than half);
 * general amount: for_amount * 2 >= base ("二分之一以上");
 * two-thirds amount (settlement, reorganization group):
 * for_amount * 3 >= base * 2 ("三分之二以上"). */
bool cl_tally_headcount_pass(int64_t n_for, int64_t present);
bool cl_tally_amount_pass(cl_resolution_type type, int64_t for_amount, int64_t base);

#endif
