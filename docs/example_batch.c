/* example_batch.c - the claims engine used as a library, without the CLI:
 * read a case, add the rules, load the books and the submissions, decide,
 * print the totals, and stream the creditor list to stdout through a write
 * callback (the way a COPY FROM STDIN or an HTTP response would take it).
 *
 *   example_batch CASE.conf RULES.rules LEDGER.csv SUBMISSIONS.csv
 *
 * Built and run by CTest (tests/examples/), so it keeps compiling. */
#include <stdio.h>

#include "core/cl_sink.h"
#include "engine/cl_batch.h"
#include "engine/cl_outputs.h"

static size_t to_stdout(void *user, const void *data, size_t n)
{
    return fwrite(data, 1, n, (FILE *)user);
}

static cl_err run(char **argv, cl_diag *d)
{
    cl_batch_opts opts = {.nthreads = 2};
    cl_source conf = cl_source_path(argv[1]);
    cl_err err = cl_case_parse(&conf, &opts.cfg, d);   /* a service may fill opts.cfg itself */
    if (!err && opts.cfg.key_len == 0)
        err = cl_diag_set(d, CL_ERR_CONFIG, "%s: this example wants creditor_key", argv[1]);
    cl_batch *b = NULL;
    if (!err)
        err = cl_batch_create(&opts, &b, d);
    cl_case_release(&opts.cfg);                        /* the batch keeps its own copy */
    cl_source rules = cl_source_path(argv[2]);
    cl_source ledger = cl_source_path(argv[3]);
    cl_source subs = cl_source_path(argv[4]);
    if (!err)
        err = cl_batch_add_rules(b, &rules, d);
    if (!err)
        err = cl_batch_load_ledger(b, &ledger, CL_ENC_AUTO, NULL, d);
    if (!err)
        err = cl_batch_load_submissions(b, &subs, CL_ENC_AUTO, NULL, d);
    if (!err)
        err = cl_batch_decide(b, d);
    if (!err) {
        const cl_totals *t = cl_batch_totals(b);
        printf("%zu claims, %lld confirmed, %zu creditors, %zu on the roster\n", t->claims,
               (long long)t->claims_by_status[CL_ST_CONFIRMED], t->creditors, t->roster);
        cl_sink *out = NULL;
        err = cl_sink_callback("stdout", to_stdout, stdout, &out, d);
        if (!err)
            err = cl_write_table(b, "creditors", CL_AUDIENCE_PUBLIC, out, d);
        if (!err)
            err = cl_sink_finish(out, NULL, d);
        cl_sink_free(out);
    }
    cl_batch_free(b);
    return err;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: example_batch CASE.conf RULES.rules LEDGER.csv SUBMISSIONS.csv\n");
        return 2;
    }
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = run(argv, &d);
    if (err) {
        fprintf(stderr, "example_batch: %s\n", d.msg[0] ? d.msg : cl_strerror(err));
        return 1;
    }
    return 0;
}
