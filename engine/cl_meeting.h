/* cl_meeting.h - the inputs of a creditors' meeting (contract §9, §5, §2):
 * meeting.conf, the voting roster (roster.csv as `claims run` writes it, or
 * a hand-made one), and ballots.csv, turned into the arrays cl_tally_run
 * takes (engine/cl_tally.h). Errors name path:line (and the column). */
#ifndef CL_MEETING_H
#define CL_MEETING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cl_arena.h"
#include "core/cl_error.h"
#include "core/cl_hash.h"
#include "core/cl_time.h"
#include "engine/cl_tally.h"
#include "ingest/cl_csv.h"
#include "ingest/cl_enums.h"

/* ---- meeting.conf ------------------------------------------------------
 * meeting_id = ...; opens_at = <time>; closes_at = <time>;
 * resolution.<id> = general | settlement | reorganization (English, any
 * case, or 一般 / 和解 / 重整). Resolutions keep file order. An unknown key,
 * a bad value, a missing key, no resolution, or opens_at after closes_at is
 * CL_ERR_CONFIG naming path:line. */
typedef struct cl_resolution {
    char *id;
    cl_resolution_type type;
    int line;
} cl_resolution;

typedef struct cl_meeting {
    char *path;
    char *meeting_id;
    cl_time opens_at, closes_at;
    size_t nresolutions;
    cl_resolution *resolutions;
    cl_resolution_type *types;   /* per resolution, for cl_tally_input */
} cl_meeting;

/* Each reader also takes a byte source (core/cl_source.h: a file, memory, a
 * stream); messages name its label. The path versions use the path. */
cl_err cl_meeting_load(const char *path, cl_meeting **out, cl_diag *d);
cl_err cl_meeting_load_src(const cl_source *src, cl_meeting **out, cl_diag *d);
void cl_meeting_free(cl_meeting *m);
/* Index of the resolution with that id, or -1. */
int cl_meeting_find(const cl_meeting *m, const char *id, size_t len);
/* The ballot checker's view of the meeting (borrows m's arrays). */
void cl_meeting_view(const cl_meeting *m, cl_tally_meeting *view);

/* ---- roster.csv ---------------------------------------------------------
 * Required: creditor_id, unsecured_voting, secured_voting. Optional: name,
 * ordinary, secured, employee, tax, temporary, voting_amount, groups
 * (`;`-separated group names) and group_secured, group_employee, group_tax,
 * group_ordinary, group_small_ordinary (the amount voted with in each
 * reorganization group). Amounts are unsigned yuan (cl_parse_amount); empty
 * is 0. Where a group_<g> column is absent, the amount of g follows from the
 * contract's columns (§6): t_sec = secured_voting - secured, t_unsec =
 * unsecured_voting - ordinary - tax, t_emp = temporary - t_sec - t_unsec
 * (each >= 0; voting_amount, where given, = unsecured_voting); secured =
 * secured + t_sec, employee = employee + t_emp, t_unsec goes to tax or to
 * the ordinary group `groups` names (not both: an error unless group_tax
 * and that group's column are given), for creditors `groups` names. A tier
 * amount in a group `groups` does not name, ordinary and small_ordinary
 * both named, or a duplicate creditor_id is an error naming path:line.
 * Without a groups column, membership is the tiers with an amount, and a
 * t_unsec with no tax or ordinary amount beside it is kept in
 * unplaced_line: cl_roster_fits refuses it for a reorganization. */
typedef struct cl_roster {
    size_t n;
    char **creditor_id;
    int64_t *unsecured_voting, *secured_voting;
    int64_t *group_amount[CL_GROUP_COUNT];
    uint8_t *groups;            /* bit (1u << g): listed in `groups` */
    bool has_group_columns;     /* at least one group_<g> column present */
    uint64_t unplaced_line;     /* first line whose t_unsec has no group, 0: none */
    const char *label;          /* the source's label where unplaced_line */
    cl_strmap *index;           /* creditor_id -> row */
    cl_arena *arena;
} cl_roster;

cl_err cl_roster_load(const char *path, cl_encoding enc, cl_roster **out, cl_diag *d);
cl_err cl_roster_load_src(const cl_source *src, cl_encoding enc, cl_roster **out, cl_diag *d);
void cl_roster_free(cl_roster *r);
/* CL_ERR_INPUT naming the roster's line when m has a reorganization
 * resolution and a row's temporary unsecured amount has no group. */
cl_err cl_roster_fits(const cl_roster *r, const cl_meeting *m, cl_diag *d);
/* The tally's view of the roster (borrows r's arrays). */
void cl_roster_view(const cl_roster *r, cl_tally_roster *view);

/* ---- ballots.csv --------------------------------------------------------
 * Columns of §2 (English or Chinese headers): ballot_id, meeting_id,
 * resolution_id, creditor_id, choice, cast_at required; group, channel
 * optional. Each row is resolved against the roster and meeting (a
 * mismatched meeting_id makes the resolution unknown); values that do not
 * parse become the tally's "invalid" markers, so the tally rejects the
 * ballot with its reason. A row with the wrong field count or an empty
 * ballot_id is a bad input (path:line). */
/* Text of a ballot for reports: the canonical form where the value parsed
 * (roster creditor_id, resolution id, group/choice/channel English names),
 * the trimmed text as given where it did not. cast_at is "" when it parsed
 * (format cl_ballot.cast_at instead). */
typedef struct cl_ballot_text {
    uint64_t line;            /* physical line in ballots.csv */
    const char *creditor_id;
    const char *resolution_id;
    const char *group;
    const char *choice;
    const char *cast_at;
    const char *channel;
} cl_ballot_text;

typedef struct cl_ballots {
    size_t n;
    cl_ballot *ballots;       /* for cl_tally_input */
    cl_ballot_text *text;     /* per ballot, for ballots_rejected.csv */
    cl_arena **arenas;
    int narenas;
} cl_ballots;

cl_err cl_ballots_load(const char *path, cl_encoding enc, const cl_meeting *m,
                       const cl_roster *r, int nthreads, cl_ballots **out, cl_diag *d);
cl_err cl_ballots_load_src(const cl_source *src, cl_encoding enc, const cl_meeting *m,
                           const cl_roster *r, int nthreads, cl_ballots **out, cl_diag *d);
void cl_ballots_free(cl_ballots *b);

/* cl_ballot_check (engine/cl_tally.h) by the ballot's text: meeting_id
 * (another meeting's ballot is UNKNOWN_RESOLUTION), resolution_id and
 * creditor_id as in ballots.csv; group and choice as parsed by
 * cl_vote_group_parse and cl_choice_parse; cast_at CL_TIME_NONE when it did
 * not parse. Returns CL_BALLOT_OK or the first failing reason. */
cl_ballot_reason cl_ballot_check_ids(const cl_roster *r, const cl_meeting *m,
                                     const char *meeting_id, const char *resolution_id,
                                     const char *creditor_id, int group, int choice,
                                     cl_time cast_at);

#endif
