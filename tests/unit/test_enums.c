/* test_enums.c - the enumerated vocabulary of contract §2: English in any
 * letter case, Chinese aliases, folding and trimming, unknown words, names. */
#include <string.h>

#include "ingest/cl_enums.h"
#include "tests/cl_test.h"

typedef struct enum_case {
    const char *in;
    int want;
} enum_case;

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RUN(fn, cases)                                                          \
    for (size_t i_ = 0; i_ < N(cases); i_++) {                                  \
        int got_ = (int)fn(cases[i_].in, strlen(cases[i_].in));                 \
        CHECK_MSG(got_ == cases[i_].want, #fn "(\"%s\") = %d, expected %d",     \
                  cases[i_].in, got_, cases[i_].want);                          \
    }

static void test_category(void)
{
    static const enum_case cases[] = {
        {"deposit", CL_CAT_DEPOSIT}, {"DEPOSIT", CL_CAT_DEPOSIT}, {"Deposit", CL_CAT_DEPOSIT},
        {"押金", CL_CAT_DEPOSIT}, {" 押金\xE3\x80\x80", CL_CAT_DEPOSIT},
        {"balance", CL_CAT_BALANCE}, {"余额", CL_CAT_BALANCE},
        {"supplier", CL_CAT_SUPPLIER}, {"货款", CL_CAT_SUPPLIER},
        {"employee", CL_CAT_EMPLOYEE}, {"职工债权", CL_CAT_EMPLOYEE}, {"职工", CL_CAT_EMPLOYEE},
        {"tax", CL_CAT_TAX}, {"TaX", CL_CAT_TAX}, {"税款", CL_CAT_TAX},
        {"other", CL_CAT_OTHER}, {"其他", CL_CAT_OTHER},
        /* full-width ｄｅｐｏｓｉｔ */
        {"\xEF\xBD\x84\xEF\xBD\x85\xEF\xBD\x90\xEF\xBD\x8F\xEF\xBD\x93\xEF\xBD\x89\xEF\xBD\x94",
         CL_CAT_DEPOSIT},
        {"押金+余额", CL_CAT_INVALID}, {"", CL_CAT_INVALID}, {"deposits", CL_CAT_INVALID},
        {"depo", CL_CAT_INVALID}, {"de posit", CL_CAT_INVALID}, {"其它", CL_CAT_INVALID},
    };
    RUN(cl_category_parse, cases);
}

static void test_id_type(void)
{
    static const enum_case cases[] = {
        {"PRC_ID", CL_IDT_PRC_ID}, {"prc_id", CL_IDT_PRC_ID}, {"居民身份证", CL_IDT_PRC_ID},
        {"身份证", CL_IDT_PRC_ID},
        {"PASSPORT", CL_IDT_PASSPORT}, {"passport", CL_IDT_PASSPORT}, {"护照", CL_IDT_PASSPORT},
        {"HKMO_PERMIT", CL_IDT_HKMO_PERMIT}, {"港澳居民来往内地通行证", CL_IDT_HKMO_PERMIT},
        {"TW_PERMIT", CL_IDT_TW_PERMIT}, {"台湾居民来往大陆通行证", CL_IDT_TW_PERMIT},
        {"USCC", CL_IDT_USCC}, {"uscc", CL_IDT_USCC}, {"统一社会信用代码", CL_IDT_USCC},
        {"PRC ID", CL_IDT_INVALID}, {"ID", CL_IDT_INVALID}, {"", CL_IDT_INVALID},
    };
    RUN(cl_id_type_parse, cases);
}

static void test_kind_yesno(void)
{
    static const enum_case kinds[] = {
        {"individual", CL_KIND_INDIVIDUAL}, {"INDIVIDUAL", CL_KIND_INDIVIDUAL},
        {"个人", CL_KIND_INDIVIDUAL}, {"organization", CL_KIND_ORGANIZATION},
        {"Organization", CL_KIND_ORGANIZATION}, {"单位", CL_KIND_ORGANIZATION},
        {"organisation", CL_KIND_INVALID}, {"", CL_KIND_INVALID},
    };
    RUN(cl_kind_parse, kinds);
    static const enum_case yn[] = {
        {"Y", CL_YN_YES}, {"y", CL_YN_YES}, {"YES", CL_YN_YES}, {"yes", CL_YN_YES},
        {"是", CL_YN_YES}, {"N", CL_YN_NO}, {"n", CL_YN_NO}, {"NO", CL_YN_NO}, {"No", CL_YN_NO},
        {"否", CL_YN_NO}, {"", CL_YN_NO}, {"  ", CL_YN_NO}, {"\xE3\x80\x80", CL_YN_NO},
        {"\xEF\xBC\xB9", CL_YN_YES},   /* Ｙ */
        {"不确定", CL_YN_INVALID}, {"maybe", CL_YN_INVALID}, {"1", CL_YN_INVALID},
    };
    RUN(cl_yesno_parse, yn);
}

static void test_meeting_words(void)
{
    static const enum_case dec[] = {
        {"confirm", CL_DEC_CONFIRM}, {"CONFIRM", CL_DEC_CONFIRM}, {"确认", CL_DEC_CONFIRM},
        {"reject", CL_DEC_REJECT}, {"不予确认", CL_DEC_REJECT},
        {"temporary", CL_DEC_TEMPORARY}, {"临时确定", CL_DEC_TEMPORARY},
        {"confirmed", CL_DEC_INVALID}, {"", CL_DEC_INVALID},
    };
    RUN(cl_decision_parse, dec);
    static const enum_case ch[] = {
        {"for", CL_CHOICE_FOR}, {"FOR", CL_CHOICE_FOR}, {"同意", CL_CHOICE_FOR},
        {"against", CL_CHOICE_AGAINST}, {"反对", CL_CHOICE_AGAINST},
        {"abstain", CL_CHOICE_ABSTAIN}, {"Abstain", CL_CHOICE_ABSTAIN}, {"弃权", CL_CHOICE_ABSTAIN},
        {"yes", CL_CHOICE_INVALID}, {"", CL_CHOICE_INVALID},
    };
    RUN(cl_choice_parse, ch);
    static const enum_case chan[] = {
        {"online", CL_CHAN_ONLINE}, {"ONLINE", CL_CHAN_ONLINE}, {"线上", CL_CHAN_ONLINE},
        {"网络", CL_CHAN_ONLINE}, {"onsite", CL_CHAN_ONSITE}, {"OnSite", CL_CHAN_ONSITE},
        {"现场", CL_CHAN_ONSITE}, {"on-site", CL_CHAN_INVALID}, {"", CL_CHAN_INVALID},
    };
    RUN(cl_channel_parse, chan);
    static const enum_case res[] = {
        {"general", CL_RES_GENERAL}, {"GENERAL", CL_RES_GENERAL}, {"一般", CL_RES_GENERAL},
        {"settlement", CL_RES_SETTLEMENT}, {"和解", CL_RES_SETTLEMENT},
        {"reorganization", CL_RES_REORGANIZATION}, {"重整", CL_RES_REORGANIZATION},
        {" reorganization ", CL_RES_REORGANIZATION},
        {"liquidation", CL_RES_INVALID}, {"", CL_RES_INVALID},
    };
    RUN(cl_resolution_type_parse, res);
}

static void test_long_input(void)
{
    char big[400];
    memset(big, ' ', sizeof big);
    memcpy(big + 200, "deposit", 7);
    /* long input is rejected without overflowing the parser's buffer */
    CHECK_EQ_INT(cl_category_parse(big, sizeof big), CL_CAT_INVALID);
    CHECK_EQ_INT(cl_category_parse("deposit!", 7), CL_CAT_DEPOSIT);   /* len bounds */
}

static void test_names(void)
{
    CHECK_EQ_STR(cl_category_name(CL_CAT_DEPOSIT), "deposit");
    CHECK_EQ_STR(cl_category_name(CL_CAT_EMPLOYEE), "employee");
    CHECK_EQ_STR(cl_category_name(CL_CAT_OTHER), "other");
    CHECK_EQ_STR(cl_category_name(CL_CAT_INVALID), "");
    CHECK_EQ_STR(cl_category_name(CL_CAT_COUNT), "");
    CHECK_EQ_STR(cl_id_type_name(CL_IDT_PRC_ID), "PRC_ID");
    CHECK_EQ_STR(cl_id_type_name(CL_IDT_HKMO_PERMIT), "HKMO_PERMIT");
    CHECK_EQ_STR(cl_id_type_name(CL_IDT_USCC), "USCC");
    CHECK_EQ_STR(cl_id_type_name(CL_IDT_INVALID), "");
    CHECK_EQ_STR(cl_kind_name(CL_KIND_ORGANIZATION), "organization");
    CHECK_EQ_STR(cl_decision_name(CL_DEC_TEMPORARY), "temporary");
    CHECK_EQ_STR(cl_choice_name(CL_CHOICE_AGAINST), "against");
    CHECK_EQ_STR(cl_channel_name(CL_CHAN_ONSITE), "onsite");
    CHECK_EQ_STR(cl_resolution_type_name(CL_RES_REORGANIZATION), "reorganization");
    CHECK_EQ_STR(cl_resolution_type_name((cl_resolution_type)-1), "");
    /* every name parses back to its value */
    for (int v = 1; v < CL_CAT_COUNT; v++) {
        const char *n = cl_category_name((cl_category)v);
        CHECK_EQ_INT(cl_category_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_IDT_COUNT; v++) {
        const char *n = cl_id_type_name((cl_id_type)v);
        CHECK_EQ_INT(cl_id_type_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_KIND_COUNT; v++) {
        const char *n = cl_kind_name((cl_kind)v);
        CHECK_EQ_INT(cl_kind_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_DEC_COUNT; v++) {
        const char *n = cl_decision_name((cl_decision)v);
        CHECK_EQ_INT(cl_decision_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_CHOICE_COUNT; v++) {
        const char *n = cl_choice_name((cl_choice)v);
        CHECK_EQ_INT(cl_choice_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_CHAN_COUNT; v++) {
        const char *n = cl_channel_name((cl_channel)v);
        CHECK_EQ_INT(cl_channel_parse(n, strlen(n)), v);
    }
    for (int v = 1; v < CL_RES_COUNT; v++) {
        const char *n = cl_resolution_type_name((cl_resolution_type)v);
        CHECK_EQ_INT(cl_resolution_type_parse(n, strlen(n)), v);
    }
}

int main(void)
{
    test_category();
    test_id_type();
    test_kind_yesno();
    test_meeting_words();
    test_long_input();
    test_names();
    return cl_test_summary("test_enums");
}
