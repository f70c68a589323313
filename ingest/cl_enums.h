/* cl_enums.h - the enumerated vocabulary of the input files (contract §2):
 * categories, ID types, creditor kinds, secured flag, override decisions,
 * ballot choices and channels, resolution types. Each parses English (any
 * letter case) or Chinese, after cl_norm_text-style trimming; unknown text
 * parses to the *_INVALID value (0). Names print in canonical English. */
#ifndef CL_ENUMS_H
#define CL_ENUMS_H

#include <stddef.h>

typedef enum cl_category {
    CL_CAT_INVALID = 0, CL_CAT_DEPOSIT, CL_CAT_BALANCE, CL_CAT_SUPPLIER,
    CL_CAT_EMPLOYEE, CL_CAT_TAX, CL_CAT_OTHER, CL_CAT_COUNT
} cl_category;

typedef enum cl_id_type {
    CL_IDT_INVALID = 0, CL_IDT_PRC_ID, CL_IDT_PASSPORT, CL_IDT_HKMO_PERMIT,
    CL_IDT_TW_PERMIT, CL_IDT_USCC, CL_IDT_COUNT
} cl_id_type;

typedef enum cl_kind {
    CL_KIND_INVALID = 0, CL_KIND_INDIVIDUAL, CL_KIND_ORGANIZATION, CL_KIND_COUNT
} cl_kind;

typedef enum cl_yesno {
    CL_YN_INVALID = 0, CL_YN_NO, CL_YN_YES   /* empty parses to NO for `secured` */
} cl_yesno;

typedef enum cl_decision {
    CL_DEC_INVALID = 0, CL_DEC_CONFIRM, CL_DEC_REJECT, CL_DEC_TEMPORARY, CL_DEC_COUNT
} cl_decision;

typedef enum cl_choice {
    CL_CHOICE_INVALID = 0, CL_CHOICE_FOR, CL_CHOICE_AGAINST, CL_CHOICE_ABSTAIN, CL_CHOICE_COUNT
} cl_choice;

typedef enum cl_channel {
    CL_CHAN_INVALID = 0, CL_CHAN_ONLINE, CL_CHAN_ONSITE, CL_CHAN_COUNT
} cl_channel;

typedef enum cl_resolution_type {
    CL_RES_INVALID = 0, CL_RES_GENERAL, CL_RES_SETTLEMENT, CL_RES_REORGANIZATION, CL_RES_COUNT
} cl_resolution_type;

cl_category cl_category_parse(const char *s, size_t len);
cl_id_type cl_id_type_parse(const char *s, size_t len);
cl_kind cl_kind_parse(const char *s, size_t len);
cl_yesno cl_yesno_parse(const char *s, size_t len);      /* Y/N/YES/NO/是/否; empty -> NO */
cl_decision cl_decision_parse(const char *s, size_t len);
cl_choice cl_choice_parse(const char *s, size_t len);
cl_channel cl_channel_parse(const char *s, size_t len);  /* online/线上/网络, onsite/现场 */
cl_resolution_type cl_resolution_type_parse(const char *s, size_t len);

/* Canonical English names ("deposit", "PRC_ID", "individual", "confirm",
 * "for", "online", "general"); "" for *_INVALID. */
const char *cl_category_name(cl_category c);
const char *cl_id_type_name(cl_id_type t);
const char *cl_kind_name(cl_kind k);
const char *cl_decision_name(cl_decision d);
const char *cl_choice_name(cl_choice c);
const char *cl_channel_name(cl_channel c);
const char *cl_resolution_type_name(cl_resolution_type r);

#endif
