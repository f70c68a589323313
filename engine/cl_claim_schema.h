/* cl_claim_schema.h - how the engine's submissions look to the rule language:
 * pass names, outcome statuses, field names/types, and the getter. */
#ifndef CL_CLAIM_SCHEMA_H
#define CL_CLAIM_SCHEMA_H

#include "rules/cl_rules.h"

enum { CL_PASS_FIELDS = 0, CL_PASS_MATCHED = 1 };
enum {
    CL_RULE_NEEDS_CORRECTION = 0,
    CL_RULE_PENDING_REVIEW = 1,
    CL_RULE_REJECTED = 2,
    CL_RULE_FLAG = 3
};

/* The fields rules read, in schema order (the field number a getter gets). */
enum {
    /* pass fields */
    CL_F_SUBMISSION_ID, CL_F_SUBMITTED_AT, CL_F_CREDITOR_KIND, CL_F_NAME, CL_F_ID_TYPE,
    CL_F_ID_NUMBER, CL_F_PHONE, CL_F_ACCOUNT_REF, CL_F_CATEGORY, CL_F_PRINCIPAL, CL_F_INTEREST,
    CL_F_OTHER_AMOUNT, CL_F_DECLARED_TOTAL, CL_F_SECURED, CL_F_BANK_NAME, CL_F_BANK_ACCOUNT,
    CL_F_AMENDS, CL_F_EVIDENCE_COUNT, CL_F_NOTE,
    /* pass matched */
    CL_F_MATCHED_ACCOUNT, CL_F_OWED, CL_F_BOOK_NAME, CL_F_BOOK_ID_NUMBER, CL_F_BOOK_PHONE,
    CL_F_STATUS, CL_F_CONFIRMED_TOTAL, CL_F_LATE, CL_F_COUNT
};

/* The schema over a `cl_batch` (engine/cl_model.h) as record source. Its
 * names, types, passes and statuses (not its getter) also serve the rule
 * language's tests and benchmark over records of their own. */
const cl_rule_schema *cl_claim_rule_schema(void);

#endif
