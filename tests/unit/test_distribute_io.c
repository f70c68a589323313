/* test_distribute_io.c - unit tests of engine/distribute_io.c: the creditor
 * list and payees.csv read from memory sources (English and Chinese
 * headers, GB18030), and their errors naming label:line. */
#include <string.h>

#include "engine/cl_distribute_io.h"
#include "tests/cl_test.h"

static void test_creditors_and_payees(void)
{
    /* Chinese headers, only the columns the distribution needs. */
    static const char text[] = "债权人编号,职工债权,税款债权,普通债权,债权人名称\n"
                               "a,100.00,0,\"1,050.00\",甲\n"
                               "b,,10.00,150.00,\n";
    cl_source s = cl_source_memory("db:creditors", text, sizeof text - 1);
    cl_dist_creditors *c = NULL;
    cl_diag d = {0};
    CHECK_EQ_INT(cl_dist_creditors_load_src(&s, CL_ENC_AUTO, &c, &d), CL_OK);
    CHECK_MSG(c != NULL, "%s", d.msg);
    if (!c)
        return;
    CHECK_EQ_INT(c->n, 2);
    CHECK_EQ_STR(c->id[1], "b");
    CHECK_EQ_INT(c->claim[CL_TIER_EMPLOYEE][0], 10000);
    CHECK_EQ_INT(c->claim[CL_TIER_ORDINARY][0], 105000);
    CHECK_EQ_INT(c->claim[CL_TIER_EMPLOYEE][1], 0);
    CHECK_EQ_STR(c->payee[CL_PAYEE_NAME][0], "甲");
    CHECK(c->payee[CL_PAYEE_NAME][1] == NULL);
    static const char payees[] = "creditor_id,bank_name,bank_account\nb,某银行,6222000011112222\n";
    s = cl_source_memory("payees", payees, sizeof payees - 1);
    CHECK_EQ_INT(cl_dist_payees_load_src(&s, CL_ENC_AUTO, c, &d), CL_OK);
    CHECK_EQ_STR(c->payee[CL_PAYEE_BANK_ACCOUNT][1], "6222000011112222");
    static const char stranger[] = "creditor_id,bank_name,bank_account\nz,某银行,1\n";
    s = cl_source_memory("payees", stranger, sizeof stranger - 1);
    CHECK_EQ_INT(cl_dist_payees_load_src(&s, CL_ENC_AUTO, c, &d), CL_ERR_INPUT);
    CHECK(strstr(d.msg, "payees:2: column 'creditor_id': 'z' is not in creditors.csv") != NULL);
    cl_dist_creditors_free(c);
    cl_dist_creditors_free(NULL);

    /* GB18030 bytes of "债权人编号,职工债权,税款债权,普通债权\nb,0,0,1.00\n" */
    static const char gb[] = "\xd5\xae\xc8\xa8\xc8\xcb\xb1\xe0\xba\xc5,\xd6\xb0\xb9\xa4\xd5\xae"
                             "\xc8\xa8,\xcb\xb0\xbf\xee\xd5\xae\xc8\xa8,\xc6\xd5\xcd\xa8\xd5\xae"
                             "\xc8\xa8\nb,0,0,1.00\n";
    s = cl_source_memory("gb", gb, sizeof gb - 1);
    CHECK_EQ_INT(cl_dist_creditors_load_src(&s, CL_ENC_AUTO, &c, &d), CL_OK);
    CHECK_MSG(c && c->n == 1 && c->claim[CL_TIER_ORDINARY][0] == 100, "%s", d.msg);
    cl_dist_creditors_free(c);

    static const struct { const char *text, *msg; } bad[] = {
        {"creditor_id,employee,tax,ordinary\na,1,0,0\na,2,0,0\n",
         "list:3: column 'creditor_id': duplicate 'a' (first on line 2)"},
        {"creditor_id,employee,tax,ordinary\na,1,x,0\n", "list:2: column 'tax': invalid amount 'x'"},
        {"creditor_id,employee,tax\na,1,0\n", "ordinary"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = NULL;
        cl_diag_clear(&d);
        s = cl_source_memory("list", bad[i].text, strlen(bad[i].text));
        CHECK(cl_dist_creditors_load_src(&s, CL_ENC_AUTO, &c, &d) != CL_OK && c == NULL);
        CHECK_MSG(strstr(d.msg, bad[i].msg) != NULL, "case %zu: '%s'", i, d.msg);
    }
}

int main(void)
{
    test_creditors_and_payees();
    return cl_test_summary("test_distribute_io");
}
