/* test_meeting.c - unit tests of engine/meeting.c: meeting.conf (keys,
 * Chinese types, errors naming path:line), roster.csv (group_* columns and
 * the fallback from tiers and `groups`), ballots.csv (Chinese headers,
 * resolution against roster and meeting, unparseable values), and a tally
 * run over the loaded files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cl_meeting.h"
#include "engine/cl_tally.h"
#include "ingest/cl_norm.h"
#include "tests/cl_test.h"

static char dir[] = "/tmp/cl_test_meeting_XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static cl_err load_conf(const char *text, cl_meeting **m, cl_diag *d)
{
    return cl_meeting_load(write_file("meeting.conf", text), m, d);
}

static void test_conf(void)
{
    cl_meeting *m = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(load_conf("# 第一次债权人会议\n"
                           "meeting_id = M1\n"
                           "opens_at = 2018-05-03 09:00\n"
                           "closes_at = 2018/5/10 18:00:00\n"
                           "resolution.R1 = General\n"
                           "resolution.分配方案 = 和解\n"
                           "resolution.R3 = 重整\n",
                           &m, &d),
                 CL_OK);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_STR(m->meeting_id, "M1");
        CHECK_EQ_INT(m->nresolutions, 3);
        CHECK_EQ_INT(m->opens_at, cl_time_make(2018, 5, 3, 9, 0, 0));
        CHECK_EQ_INT(m->closes_at, cl_time_make(2018, 5, 10, 18, 0, 0));
        CHECK_EQ_INT(m->types[0], CL_RES_GENERAL);
        CHECK_EQ_INT(m->types[1], CL_RES_SETTLEMENT);
        CHECK_EQ_INT(m->types[2], CL_RES_REORGANIZATION);
        CHECK_EQ_INT(cl_meeting_find(m, "分配方案", strlen("分配方案")), 1);
        CHECK_EQ_INT(cl_meeting_find(m, "R9", 2), -1);
    }
    cl_meeting_free(m);

    static const struct { const char *text, *msg; } bad[] = {
        {"meeting_id = M1\nopens_at = 2018-05-03\nclosing = 2018-05-04\nresolution.R1 = general\n",
         "meeting.conf:3: unknown key 'closing'"},
        {"meeting_id = M1\nopens_at = 2018-05-03\ncloses_at = 2018-05-04\nresolution.R1 = vote\n",
         "meeting.conf:4: resolution.R1: 'vote'"},
        {"meeting_id = M1\nopens_at = 2018-13-03\ncloses_at = 2018-05-04\nresolution.R1 = general\n",
         "meeting.conf:2: opens_at"},
        {"meeting_id = M1\nopens_at = 2018-05-05\ncloses_at = 2018-05-04\nresolution.R1 = general\n",
         "meeting.conf:3: closes_at is before opens_at"},
        {"opens_at = 2018-05-03\ncloses_at = 2018-05-04\nresolution.R1 = general\n",
         "missing key 'meeting_id'"},
        {"meeting_id = M1\nopens_at = 2018-05-03\ncloses_at = 2018-05-04\n", "no 'resolution."},
        {"meeting_id = M1\nopens_at = 2018-05-03\ncloses_at = 2018-05-04\nresolution. = general\n",
         "meeting.conf:4: resolution id missing"},
        {"meeting_id = M1\nopens_at = 2018-05-03 09:00\ncloses_at = 2018-05-03 09:00:00\n"
         "resolution.R1 = general\n",
         "meeting.conf:3: closes_at is the same time as opens_at (line 2)"},
        {"meeting_id = M1\nopens_at = 2018-05-03\ncloses_at = 2018-05-04\nresolution.R1 = general\n"
         "resolution.R2 = settlement\nresolution.R1 = reorganization\n",
         "meeting.conf:6: duplicate key 'resolution.R1' (first on line 4)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = NULL;
        cl_diag_clear(&d);
        CHECK_EQ_INT(load_conf(bad[i].text, &m, &d), CL_ERR_CONFIG);
        CHECK(m == NULL);
        CHECK_MSG(strstr(d.msg, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, d.msg,
                  bad[i].msg);
    }
}

static void test_roster_with_group_columns(void)
{
    const char *p = write_file(
        "roster.csv",
        "creditor_id,name,ordinary,secured,employee,tax,temporary,unsecured_voting,secured_voting,"
        "voting_amount,groups,group_secured,group_employee,group_tax,group_ordinary,"
        "group_small_ordinary\n"
        "c1,张三,299.00,0.00,0.00,0.00,0.00,299.00,0.00,299.00,small_ordinary,0.00,0.00,0.00,0.00,"
        "299.00\n"
        "c2,某公司,\"1,000,000.00\",500.00,0.00,10.00,5.00,\"1,000,015.00\",500.00,1000015.00,"
        "secured;tax;ordinary,500.00,0.00,10.00,1000005.00,0.00\n"
        "c3,李四,0.00,0.00,8000.00,0.00,0.00,0.00,0.00,0.00,employee,0.00,8000.00,0.00,0.00,0.00\n");
    cl_roster *r = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_roster_load(p, CL_ENC_AUTO, &r, &d), CL_OK);
    CHECK_MSG(r != NULL, "%s", d.msg);
    if (!r)
        return;
    CHECK_EQ_INT(r->n, 3);
    CHECK(r->has_group_columns);
    CHECK_EQ_STR(r->creditor_id[1], "c2");
    CHECK_EQ_INT(r->unsecured_voting[1], 100001500);
    CHECK_EQ_INT(r->secured_voting[1], 50000);
    CHECK_EQ_INT(r->group_amount[CL_GROUP_ORDINARY][1], 100000500);   /* with temporary */
    CHECK_EQ_INT(r->group_amount[CL_GROUP_SMALL_ORDINARY][0], 29900);
    CHECK_EQ_INT(r->group_amount[CL_GROUP_EMPLOYEE][2], 800000);
    CHECK_EQ_INT(r->groups[1], (1 << CL_GROUP_SECURED) | (1 << CL_GROUP_TAX) |
                                   (1 << CL_GROUP_ORDINARY));
    uint32_t v = 9;
    CHECK(cl_strmap_get(r->index, "c3", 2, &v) && v == 2);
    cl_roster_free(r);
}

static void test_roster_fallback_and_errors(void)
{
    const char *p = write_file("roster.csv",
                               "creditor_id,ordinary,secured,employee,tax,unsecured_voting,"
                               "secured_voting,groups\n"
                               "a,100.00,0,0,0,100.00,0,small_ordinary\n"
                               "b,2000.00,300.00,0,5.00,2005.00,300.00,ordinary;secured;tax\n"
                               "c,0,0,50.00,0,0,0,employee\n");
    cl_roster *r = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_roster_load(p, CL_ENC_AUTO, &r, &d), CL_OK);
    CHECK_MSG(r != NULL, "%s", d.msg);
    if (r) {
        CHECK(!r->has_group_columns);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_SMALL_ORDINARY][0], 10000);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_ORDINARY][0], 0);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_ORDINARY][1], 200000);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_SECURED][1], 30000);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_TAX][1], 500);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_EMPLOYEE][2], 5000);
        CHECK_EQ_INT(r->group_amount[CL_GROUP_EMPLOYEE][1], 0);
    }
    cl_roster_free(r);

    static const struct { const char *text, *msg; } bad[] = {
        {"creditor_id,unsecured_voting,secured_voting\na,1.00,0\na,2.00,0\n",
         "roster.csv:3: column 'creditor_id': duplicate 'a' (first on line 2)"},
        {"creditor_id,unsecured_voting,secured_voting\na,-1.00,0\n",
         "roster.csv:2: column 'unsecured_voting': invalid amount '-1.00'"},
        {"creditor_id,unsecured_voting,secured_voting,groups\na,1.00,0,ordinary;bonds\n",
         "roster.csv:2: column 'groups': unknown group 'bonds'"},
        {"creditor_id,unsecured_voting\na,1.00\n", "secured_voting"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = NULL;
        cl_diag_clear(&d);
        cl_err e = cl_roster_load(write_file("roster.csv", bad[i].text), CL_ENC_AUTO, &r, &d);
        CHECK(e != CL_OK && r == NULL);
        CHECK_MSG(strstr(d.msg, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, d.msg,
                  bad[i].msg);
    }
}

static void test_ballots_and_tally(void)
{
    cl_meeting *m = NULL;
    cl_roster *r = NULL;
    cl_ballots *b = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(load_conf("meeting_id = M1\nopens_at = 2018-05-03 09:00\n"
                           "closes_at = 2018-05-03 18:00\nresolution.R1 = general\n",
                           &m, &d),
                 CL_OK);
    CHECK_EQ_INT(cl_roster_load(write_file("roster.csv",
                                           "creditor_id,unsecured_voting,secured_voting\n"
                                           "a,100.00,0\nb,100.00,0\nc,300.00,0\n"),
                                CL_ENC_AUTO, &r, &d),
                 CL_OK);
    /* Chinese headers, columns in another order, Chinese choices. */
    const char *bp = write_file("ballots.csv",
                                "选票编号,债权人编号,会议编号,议案编号,表决意见,投票时间,渠道\n"
                                "1,a,M1,R1,同意,2018-05-03 09:00,online\n"
                                "2,b,M1,R1,FOR,2018/5/3 12:00,现场\n"
                                "3,c,M1,R1,反对,2018-05-03T10:00:00+08:00,online\n"
                                "4,x,M1,R1,同意,2018-05-03 10:00,online\n"
                                "5,c,M2,R1,同意,2018-05-03 10:00,online\n"
                                "6,c,M1,R2,同意,2018-05-03 10:00,online\n"
                                "7,c,M1,R1,同意,2018-05-03 18:00:01,online\n"
                                "8,c,M1,R1,maybe,2018-05-03 11:00,online\n"
                                "9,c,M1,R1,同意,yesterday,online\n"
                                "10,a,M1,R1,反对,2018-05-03T01:00:00Z,online\n");
    CHECK_EQ_INT(cl_ballots_load(bp, CL_ENC_AUTO, m, r, 2, &b, &d), CL_OK);
    CHECK_MSG(b != NULL, "%s", d.msg);
    if (m && r && b) {
        CHECK_EQ_INT(b->n, 10);
        CHECK_EQ_INT(b->ballots[0].creditor, 0);
        CHECK_EQ_INT(b->ballots[0].choice, CL_CHOICE_FOR);
        CHECK_EQ_INT(b->ballots[3].creditor, -1);
        CHECK_EQ_INT(b->ballots[4].resolution, -1);
        CHECK_EQ_INT(b->ballots[5].resolution, -1);
        CHECK_EQ_INT(b->ballots[8].cast_at, CL_TIME_NONE);
        CHECK_EQ_INT(b->text[3].line, 5);
        CHECK_EQ_STR(b->text[3].creditor_id, "x");
        CHECK_EQ_STR(b->text[7].choice, "maybe");
        CHECK_EQ_STR(b->text[0].choice, "for");
        CHECK_EQ_STR(b->text[8].cast_at, "yesterday");
        CHECK_EQ_STR(b->text[1].channel, "onsite");
        cl_tally_input in = {.nresolutions = m->nresolutions, .types = m->types,
                             .opens_at = m->opens_at, .closes_at = m->closes_at,
                             .nballots = b->n, .ballots = b->ballots};
        cl_roster_view(r, &in.roster);
        cl_tally_result t;
        CHECK_EQ_INT(cl_tally_run(&in, &t, &d), CL_OK);
        static const int expect[] = {CL_BR_SUPERSEDED,   CL_BR_COUNTED,
                                     CL_BR_COUNTED,      CL_BR_NOT_ON_ROSTER,
                                     CL_BR_UNKNOWN_RESOLUTION, CL_BR_UNKNOWN_RESOLUTION,
                                     CL_BR_OUTSIDE_WINDOW, CL_BR_INVALID_CHOICE,
                                     CL_BR_OUTSIDE_WINDOW, CL_BR_COUNTED};
        for (int i = 0; i < 10; i++)
            CHECK_MSG(t.reason[i] == expect[i], "ballot %d: %s", i + 1,
                      cl_ballot_reason_name((cl_ballot_reason)t.reason[i]));
        /* a against (01:00Z = 09:00 local, same time as ballot 1, id "10" >
         * "1"), b for, c against: 1 of 3, 100 of 500. */
        CHECK(t.nrows == 1 && t.rows[0].present == 3 && t.rows[0].n_for == 1);
        CHECK(t.rows[0].for_amount == 10000 && t.rows[0].base_amount == 50000);
        CHECK(!t.rows[0].passed);
        cl_tally_result_free(&t);
    }
    cl_ballots_free(b);
    b = NULL;
    cl_diag_clear(&d);
    CHECK(cl_ballots_load(write_file("ballots.csv",
                                     "ballot_id,meeting_id,resolution_id,creditor_id,choice,cast_at\n"
                                     "1,M1,R1,a,for,2018-05-03 10:00\n"
                                     ",M1,R1,a,for,2018-05-03 10:00\n"),
                          CL_ENC_AUTO, m, r, 1, &b, &d) != CL_OK);
    CHECK_MSG(strstr(d.msg, "ballots.csv:3: column 'ballot_id'") != NULL, "%s", d.msg);
    cl_diag_clear(&d);
    CHECK(cl_ballots_load(write_file("ballots.csv",
                                     "ballot_id,meeting_id,resolution_id,creditor_id,cast_at\n"),
                          CL_ENC_AUTO, m, r, 1, &b, &d) == CL_ERR_COLUMN);
    CHECK_MSG(strstr(d.msg, "choice") != NULL, "%s", d.msg);
    cl_ballots_free(b);
    cl_roster_free(r);
    cl_meeting_free(m);
}

/* meeting.conf and the roster from memory: the same result, messages naming
 * the label; a missing file is bad input. */
static void test_sources(void)
{
    static const char conf[] = "meeting_id = M1\nopens_at = 2018-05-03 09:00\n"
                               "closes_at = 2018-05-10 18:00\nresolution.R1 = 一般\n";
    cl_source s = cl_source_memory("db:meeting", conf, sizeof conf - 1);
    cl_meeting *m = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_meeting_load_src(&s, &m, &d), CL_OK);
    CHECK(m && m->nresolutions == 1 && !strcmp(m->meeting_id, "M1"));
    cl_meeting_free(m);
    static const char bad[] = "meeting_id = M1\nopens_at\n";
    s = cl_source_memory("request body", bad, sizeof bad - 1);
    CHECK_EQ_INT(cl_meeting_load_src(&s, &m, &d), CL_ERR_CONFIG);
    CHECK_EQ_STR(d.msg, "request body:2: expected 'key = value'");

    static const char roster[] = "creditor_id,ordinary,secured,employee,tax,unsecured_voting,"
                                 "secured_voting,groups\na,100.00,0,0,0,100.00,0,small_ordinary\n";
    s = cl_source_memory("db:roster", roster, sizeof roster - 1);
    cl_roster *r = NULL;
    CHECK_EQ_INT(cl_roster_load_src(&s, CL_ENC_AUTO, &r, &d), CL_OK);
    CHECK(r && r->n == 1 && r->unsecured_voting[0] == 10000);
    cl_roster_free(r);
    r = NULL;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-roster.csv", dir);
    CHECK_EQ_INT(cl_roster_load(missing, CL_ENC_AUTO, &r, &d), CL_ERR_INPUT);
    CHECK(strstr(d.msg, missing) != NULL);
}

/* A roster with only the contract's columns, from memory: group amounts
 * derived per §6, and cl_ballot_check_ids / cl_ballot_check on them. */
static void test_plain_roster_ballot_check(void)
{
    static const char roster[] =
        "creditor_id,ordinary,secured,employee,tax,temporary,unsecured_voting,secured_voting,"
        "voting_amount,groups\n"
        "t1,0,0,0,0,500.00,500.00,0,500.00,small_ordinary\n"
        "t2,0,0,0,0,300.00,300.00,0,300.00,tax\n"
        "t3,0,0,0,0,700.00,0,700.00,0,secured\n"
        "t4,0,0,10.00,0,400.00,0,0,0,employee\n";
    static const char conf[] = "meeting_id = M1\nopens_at = 2024-03-01 09:00\n"
                               "closes_at = 2024-03-01 18:00\nresolution.P = reorganization\n"
                               "resolution.S = settlement\n";
    cl_source s = cl_source_memory("db:roster", roster, sizeof roster - 1);
    cl_roster *r = NULL;
    cl_meeting *m = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_roster_load_src(&s, CL_ENC_AUTO, &r, &d), CL_OK);
    s = cl_source_memory("meeting", conf, sizeof conf - 1);
    CHECK_EQ_INT(cl_meeting_load_src(&s, &m, &d), CL_OK);
    if (!r || !m)
        goto done;
    CHECK_EQ_INT(r->group_amount[CL_GROUP_SMALL_ORDINARY][0], 50000);
    CHECK_EQ_INT(r->group_amount[CL_GROUP_TAX][1], 30000);
    CHECK_EQ_INT(r->group_amount[CL_GROUP_SECURED][2], 70000);
    CHECK_EQ_INT(r->group_amount[CL_GROUP_EMPLOYEE][3], 41000);
    cl_time at;
    CHECK(cl_parse_time("2024-03-01 10:00", 16, &at));
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "P", "t1", CL_GROUP_SMALL_ORDINARY,
                                     CL_CHOICE_FOR, at), CL_BALLOT_OK);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "P", "t1", CL_GROUP_ORDINARY, CL_CHOICE_FOR, at),
                 CL_BR_WRONG_GROUP);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "P", "t2", CL_GROUP_TAX, CL_CHOICE_FOR, at),
                 CL_BALLOT_OK);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "P", "t3", CL_GROUP_SECURED, CL_CHOICE_AGAINST,
                                     at), CL_BALLOT_OK);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "P", "t4", CL_GROUP_EMPLOYEE, CL_CHOICE_ABSTAIN,
                                     at), CL_BALLOT_OK);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "S", "t3", CL_GROUP_NONE, CL_CHOICE_FOR, at),
                 CL_BR_NO_VOTING_RIGHT);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "S", "zz", CL_GROUP_NONE, CL_CHOICE_FOR, at),
                 CL_BR_NOT_ON_ROSTER);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M2", "S", "t1", CL_GROUP_NONE, CL_CHOICE_FOR, at),
                 CL_BR_UNKNOWN_RESOLUTION);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "S", "t1", CL_GROUP_NONE, CL_CHOICE_FOR,
                                     CL_TIME_NONE), CL_BR_OUTSIDE_WINDOW);
    CHECK_EQ_INT(cl_ballot_check_ids(r, m, "M1", "S", "t1", CL_GROUP_NONE, CL_CHOICE_INVALID, at),
                 CL_BR_INVALID_CHOICE);
    cl_tally_roster rv;
    cl_tally_meeting mv;
    cl_roster_view(r, &rv);
    cl_meeting_view(m, &mv);
    CHECK_EQ_INT(cl_ballot_check(&rv, 4, &mv, 0, CL_GROUP_TAX, CL_CHOICE_FOR, at),
                 CL_BR_NOT_ON_ROSTER);
    CHECK_EQ_INT(cl_ballot_check(&rv, 1, &mv, 2, CL_GROUP_TAX, CL_CHOICE_FOR, at),
                 CL_BR_UNKNOWN_RESOLUTION);
done:
    cl_roster_free(r);
    cl_meeting_free(m);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_conf();
    test_roster_with_group_columns();
    test_roster_fallback_and_errors();
    test_ballots_and_tally();
    test_sources();
    test_plain_roster_ballot_check();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return cl_test_summary("test_meeting");
}
