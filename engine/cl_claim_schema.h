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

/* The schema over a `cl_batch` (engine/cl_model.h) as record source. */
const cl_rule_schema *cl_claim_rule_schema(void);

#endif
