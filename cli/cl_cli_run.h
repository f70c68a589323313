/* cl_cli_run.h - what `claims run` does around the library: the case key
 * kept in case.key (contract §1) and the workbooks written by child
 * processes. */
#ifndef CL_CLI_RUN_H
#define CL_CLI_RUN_H

#include "engine/cl_model.h"
#include "reports/cl_report.h"

/* When the case has no creditor_key: reads case.key beside case.conf, or
 * creates it (random, mode 0600) and says so on stderr. */
cl_err cl_cli_case_key(const char *conf_path, cl_case *c, cl_diag *d);

/* Reads a case.key file (32 to 128 hex digits) into the case's key. */
cl_err cl_cli_read_key(const char *path, cl_case *c, cl_diag *d);

/* cl_report_xlsx_many with one child process per workbook but the first. */
cl_err cl_cli_write_books(const char *const *paths, const cl_book *books,
                          const cl_audience *audiences, int n, cl_diag *d);

#endif
