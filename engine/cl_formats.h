/* cl_formats.h - one definition of the column names of the formats the
 * engine both writes and reads: roster.csv (read by `claims tally`),
 * creditors.csv (read by `claims distribute`) and ballots.csv (read by the
 * tally, written by `claims gen`). Each macro expands to the English name
 * and the Chinese header, so the writer's tables (engine/outputs.c:
 * `{CL_FMT_ROSTER_TEMPORARY, CL_COL_MONEY}`) and the readers' tables
 * (engine/meeting.c, engine/distribute_io.c: `{CL_FMT_ROSTER_TEMPORARY, 0}`)
 * cannot drift apart. */
#ifndef CL_FORMATS_H
#define CL_FORMATS_H

/* roster.csv (contract §10) */
#define CL_FMT_ROSTER_CREDITOR_ID "creditor_id", "债权人编号"
#define CL_FMT_ROSTER_NAME "name", "债权人名称"
#define CL_FMT_ROSTER_ORDINARY "ordinary", "普通债权"
#define CL_FMT_ROSTER_SECURED "secured", "有财产担保债权"
#define CL_FMT_ROSTER_EMPLOYEE "employee", "职工债权"
#define CL_FMT_ROSTER_TAX "tax", "税款债权"
#define CL_FMT_ROSTER_TEMPORARY "temporary", "临时确定额"
#define CL_FMT_ROSTER_UNSECURED_VOTING "unsecured_voting", "无财产担保表决额"
#define CL_FMT_ROSTER_SECURED_VOTING "secured_voting", "有财产担保表决额"

/* creditors.csv (contract §10), as far as `claims distribute` reads it */
#define CL_FMT_CREDITORS_CREDITOR_ID "creditor_id", "债权人编号"
#define CL_FMT_CREDITORS_NAME "name", "债权人名称"
#define CL_FMT_CREDITORS_ID_NUMBER "id_number", "证件号码"
#define CL_FMT_CREDITORS_EMPLOYEE "employee", "职工债权"
#define CL_FMT_CREDITORS_TAX "tax", "税款债权"
#define CL_FMT_CREDITORS_ORDINARY "ordinary", "普通债权"

/* ballots.csv (contract §2), in file order */
#define CL_FMT_BALLOT_ID "ballot_id", "选票编号"
#define CL_FMT_BALLOT_MEETING_ID "meeting_id", "会议编号"
#define CL_FMT_BALLOT_RESOLUTION_ID "resolution_id", "议案编号"
#define CL_FMT_BALLOT_CREDITOR_ID "creditor_id", "债权人编号"
#define CL_FMT_BALLOT_GROUP "group", "表决组"
#define CL_FMT_BALLOT_CHOICE "choice", "表决意见"
#define CL_FMT_BALLOT_CAST_AT "cast_at", "投票时间"
#define CL_FMT_BALLOT_CHANNEL "channel", "渠道"

#endif
