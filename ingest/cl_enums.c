/* cl_enums.c - parsing and naming of the enumerated vocabulary of contract §2.
 * A value is folded like any text field (trim ASCII and U+3000 spaces,
 * full-width ASCII to ASCII), then matched against a small table of English
 * words (any letter case) and Chinese aliases. */
#include "ingest/cl_enums.h"

#include <string.h>

#include "ingest/cl_norm.h"

typedef struct word {
    const char *text;
    int value;
} word;

/* The longest alias is 33 bytes; anything much longer cannot match. */
#define WORD_MAX 96

static bool ascii_caseeq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Folds s and looks it up; empty text gives empty_value, unknown text 0. */
static int lookup(const word *tab, const char *s, size_t len, int empty_value)
{
    char buf[WORD_MAX + 8];
    if (len > WORD_MAX)
        return 0;
    /* fast path: the exact text of a table entry (as machine exports write it) */
    for (const word *w = tab; w->text; w++)
        if (len && strlen(w->text) == len && memcmp(s, w->text, len) == 0)
            return w->value;
    size_t n = cl_norm_text(s, len, buf);
    if (n == 0)
        return empty_value;
    for (const word *w = tab; w->text; w++)
        if (ascii_caseeq(buf, n, w->text))
            return w->value;
    return 0;
}

static const word category_words[] = {
    {"deposit", CL_CAT_DEPOSIT},   {"押金", CL_CAT_DEPOSIT},
    {"balance", CL_CAT_BALANCE},   {"余额", CL_CAT_BALANCE},
    {"supplier", CL_CAT_SUPPLIER}, {"货款", CL_CAT_SUPPLIER},
    {"employee", CL_CAT_EMPLOYEE}, {"职工债权", CL_CAT_EMPLOYEE}, {"职工", CL_CAT_EMPLOYEE},
    {"tax", CL_CAT_TAX},           {"税款", CL_CAT_TAX},
    {"other", CL_CAT_OTHER},       {"其他", CL_CAT_OTHER},
    {NULL, 0},
};

static const word id_type_words[] = {
    {"PRC_ID", CL_IDT_PRC_ID},           {"居民身份证", CL_IDT_PRC_ID}, {"身份证", CL_IDT_PRC_ID},
    {"PASSPORT", CL_IDT_PASSPORT},       {"护照", CL_IDT_PASSPORT},
    {"HKMO_PERMIT", CL_IDT_HKMO_PERMIT}, {"港澳居民来往内地通行证", CL_IDT_HKMO_PERMIT},
    {"TW_PERMIT", CL_IDT_TW_PERMIT},     {"台湾居民来往大陆通行证", CL_IDT_TW_PERMIT},
    {"USCC", CL_IDT_USCC},               {"统一社会信用代码", CL_IDT_USCC},
    {NULL, 0},
};

static const word kind_words[] = {
    {"individual", CL_KIND_INDIVIDUAL},     {"个人", CL_KIND_INDIVIDUAL},
    {"organization", CL_KIND_ORGANIZATION}, {"单位", CL_KIND_ORGANIZATION},
    {NULL, 0},
};

static const word yesno_words[] = {
    {"Y", CL_YN_YES}, {"YES", CL_YN_YES}, {"是", CL_YN_YES},
    {"N", CL_YN_NO},  {"NO", CL_YN_NO},   {"否", CL_YN_NO},
    {NULL, 0},
};

static const word decision_words[] = {
    {"confirm", CL_DEC_CONFIRM},     {"确认", CL_DEC_CONFIRM},
    {"reject", CL_DEC_REJECT},       {"不予确认", CL_DEC_REJECT},
    {"temporary", CL_DEC_TEMPORARY}, {"临时确定", CL_DEC_TEMPORARY},
    {NULL, 0},
};

static const word choice_words[] = {
    {"for", CL_CHOICE_FOR},         {"同意", CL_CHOICE_FOR},
    {"against", CL_CHOICE_AGAINST}, {"反对", CL_CHOICE_AGAINST},
    {"abstain", CL_CHOICE_ABSTAIN}, {"弃权", CL_CHOICE_ABSTAIN},
    {NULL, 0},
};

static const word channel_words[] = {
    {"online", CL_CHAN_ONLINE}, {"线上", CL_CHAN_ONLINE}, {"网络", CL_CHAN_ONLINE},
    {"onsite", CL_CHAN_ONSITE}, {"现场", CL_CHAN_ONSITE},
    {NULL, 0},
};

static const word resolution_words[] = {
    {"general", CL_RES_GENERAL},               {"一般", CL_RES_GENERAL},
    {"settlement", CL_RES_SETTLEMENT},         {"和解", CL_RES_SETTLEMENT},
    {"reorganization", CL_RES_REORGANIZATION}, {"重整", CL_RES_REORGANIZATION},
    {NULL, 0},
};

cl_category cl_category_parse(const char *s, size_t len)
{
    return (cl_category)lookup(category_words, s, len, CL_CAT_INVALID);
}

cl_id_type cl_id_type_parse(const char *s, size_t len)
{
    return (cl_id_type)lookup(id_type_words, s, len, CL_IDT_INVALID);
}

cl_kind cl_kind_parse(const char *s, size_t len)
{
    return (cl_kind)lookup(kind_words, s, len, CL_KIND_INVALID);
}

cl_yesno cl_yesno_parse(const char *s, size_t len)
{
    return (cl_yesno)lookup(yesno_words, s, len, CL_YN_NO);
}

cl_decision cl_decision_parse(const char *s, size_t len)
{
    return (cl_decision)lookup(decision_words, s, len, CL_DEC_INVALID);
}

cl_choice cl_choice_parse(const char *s, size_t len)
{
    return (cl_choice)lookup(choice_words, s, len, CL_CHOICE_INVALID);
}

cl_channel cl_channel_parse(const char *s, size_t len)
{
    return (cl_channel)lookup(channel_words, s, len, CL_CHAN_INVALID);
}

cl_resolution_type cl_resolution_type_parse(const char *s, size_t len)
{
    return (cl_resolution_type)lookup(resolution_words, s, len, CL_RES_INVALID);
}

/* Names: index by enum value; slot 0 (INVALID) is "". */
static const char *name_at(const char *const *names, int count, int v)
{
    return v > 0 && v < count ? names[v] : "";
}

const char *cl_category_name(cl_category c)
{
    static const char *const n[] = {"", "deposit", "balance", "supplier", "employee", "tax", "other"};
    return name_at(n, CL_CAT_COUNT, (int)c);
}

const char *cl_id_type_name(cl_id_type t)
{
    static const char *const n[] = {"", "PRC_ID", "PASSPORT", "HKMO_PERMIT", "TW_PERMIT", "USCC"};
    return name_at(n, CL_IDT_COUNT, (int)t);
}

const char *cl_kind_name(cl_kind k)
{
    static const char *const n[] = {"", "individual", "organization"};
    return name_at(n, CL_KIND_COUNT, (int)k);
}

const char *cl_decision_name(cl_decision d)
{
    static const char *const n[] = {"", "confirm", "reject", "temporary"};
    return name_at(n, CL_DEC_COUNT, (int)d);
}

const char *cl_choice_name(cl_choice c)
{
    static const char *const n[] = {"", "for", "against", "abstain"};
    return name_at(n, CL_CHOICE_COUNT, (int)c);
}

const char *cl_channel_name(cl_channel c)
{
    static const char *const n[] = {"", "online", "onsite"};
    return name_at(n, CL_CHAN_COUNT, (int)c);
}

const char *cl_resolution_type_name(cl_resolution_type r)
{
    static const char *const n[] = {"", "general", "settlement", "reorganization"};
    return name_at(n, CL_RES_COUNT, (int)r);
}
