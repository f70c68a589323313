/* cl_reasons.h - why a claim has its codes, and why an override was
 * refused, in words a creditor or a reviewer can act on (Chinese, English):
 * each fired rule's own message with the row's values filled in, and the
 * built-in codes naming the field, the value and the account involved. One
 * function per claim, shared by the review queue, notices and the API. */
#ifndef CL_REASONS_H
#define CL_REASONS_H

#include <stddef.h>

#include "engine/cl_model.h"

typedef enum cl_lang { CL_LANG_ZH = 0, CL_LANG_EN = 1 } cl_lang;

/* The reasons of claim `claim` (index into b->claims), one per fired rule or
 * built-in code, codes in name order, rules of one code in file order,
 * joined by "；" (zh) or "; " (en), into buf (NUL-ended; cut at a UTF-8
 * boundary when cap is short). Returns the length. Needs the batch after
 * the stages ran (rule hits still allocated). */
size_t cl_claim_reasons(const cl_batch *b, size_t claim, cl_lang lang, char *buf, size_t cap);

/* Why override k (index into b->overrides) was refused, naming the rows
 * involved; "" when it was not. */
size_t cl_override_refusal(const cl_batch *b, size_t k, cl_lang lang, char *buf, size_t cap);

/* The submission_id an override refusal points to: the submission that
 * superseded the target (NOT_OPERATIVE); "" otherwise. */
const char *cl_override_related(const cl_batch *b, size_t k);

#endif
