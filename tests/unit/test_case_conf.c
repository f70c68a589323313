/* test_case_conf.c - case.conf checked as a whole (engine/case_conf.c):
 * contradictory or absurd settings are errors naming the file and the
 * line, and a good file still loads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cl_time.h"
#include "engine/cl_model.h"
#include "tests/cl_test.h"

static char dir[] = "/tmp/cl_test_case_conf_XXXXXX";

static const char *write_conf(const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/case.conf", dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

#define HEAD "case_no = (2018)粤01破12号\ncreditor_key = test-key-0123456789\n"

static void test_good(void)
{
    cl_case c;
    cl_diag d = {0};
    const char *p = write_conf(HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
                                    "small_claim_threshold = 100\ninterest_allowed = supplier,tax\n");
    CHECK_MSG(cl_case_load(p, &c, &d) == CL_OK, "%s", d.msg);
    CHECK_EQ_INT(c.small_claim_threshold, 10000);
    CHECK_EQ_INT(c.deadline_day - c.acceptance_day, 92);
    cl_case_release(&c);
    /* an unusually short or long declaration period, or a case accepted in
     * the future, is the court's business, not a contradiction: it loads */
    static const char *const odd[] = {
        HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-03-27\n",
        HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2019-06-27\n",
        HEAD "acceptance_date = 2090-03-27\ndeclaration_deadline = 2090-06-27\n",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        cl_diag d2 = {0};
        CHECK_MSG(cl_case_load(write_conf(odd[i]), &c, &d2) == CL_OK, "odd %zu: %s", i, d2.msg);
        cl_case_release(&c);
    }
}

static void test_bad(void)
{
    static const struct { const char *text, *msg; } bad[] = {
        {HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-02-27\n",
         "case.conf:4: declaration_deadline 2018-02-27 is before acceptance_date 2018-03-27 "
         "(line 3): every claim would be LATE"},
        {HEAD "acceptance_date = 1018-03-27\ndeclaration_deadline = 1018-06-27\n",
         "case.conf:3: acceptance_date 1018-03-27 is before the first PRC bankruptcy law"},
        {HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
              "small_claim_threshold = 0\n",
         "case.conf:5: bad value '0' for small_claim_threshold: expected an amount above 0"},
        {HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
              "small_claim_threshold = -5\n",
         "case.conf:5: bad value '-5' for small_claim_threshold"},
        {HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
              "interest_allowed = supplier,利息\n",
         "case.conf:5: bad value 'supplier,利息' for interest_allowed"},
        {HEAD "acceptance_date = 2018-03-27\ndeclaration_deadline = 2018-06-27\n"
              "acceptance_date = 2018-03-28\n",
         "case.conf:5: duplicate key 'acceptance_date' (first on line 3)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cl_case c;
        cl_diag d = {0};
        const char *p = write_conf(bad[i].text);
        CHECK_EQ_INT(cl_case_load(p, &c, &d), CL_ERR_CONFIG);
        CHECK_MSG(strstr(d.msg, bad[i].msg) && strstr(d.msg, dir), "case %zu: '%s' lacks '%s'", i,
                  d.msg, bad[i].msg);
        cl_case_release(&c);
    }
}


int main(void)
{
    if (!mkdtemp(dir))
        return 3;
    test_good();
    test_bad();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return cl_test_summary("test_case_conf");
}
