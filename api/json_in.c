/* json_in.c - strict parsing of JSON request bodies (jansson): one object,
 * no duplicate keys, only the fields a route names, each of its type and
 * within its limits. Every refusal says which field and why. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/cl_api.h"

void cl_api_body_free(cl_api_body *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nvals && b->vals; i++)
        free(b->vals[i].strs);
    free(b->vals);
    if (b->doc)
        json_decref((json_t *)b->doc);
    memset(b, 0, sizeof *b);
}

static const char *type_name(cl_api_ftype t)
{
    return t == CL_JF_STRING ? "a string" : t == CL_JF_INT ? "an integer" : "an array of strings";
}

static cl_err bad(cl_diag *d, const cl_api_field *f, const char *why)
{
    return cl_diag_set(d, CL_ERR_INPUT, "field '%s' %s", f->name, why);
}

static cl_err take_string(const cl_api_field *f, json_t *v, cl_api_value *out, cl_diag *d)
{
    size_t n = json_string_length(v);
    if (n == 0)
        return bad(d, f, "must not be empty");
    if ((int64_t)n > f->max)
        return cl_diag_set(d, CL_ERR_INPUT, "field '%s' is longer than %lld bytes", f->name,
                           (long long)f->max);
    out->s = json_string_value(v);
    return CL_OK;
}

static cl_err take_int(const cl_api_field *f, json_t *v, cl_api_value *out, cl_diag *d)
{
    json_int_t i = json_integer_value(v);
    if (i < f->min || i > f->max)
        return cl_diag_set(d, CL_ERR_INPUT, "field '%s' must be between %lld and %lld",
                           f->name, (long long)f->min, (long long)f->max);
    out->i = i;
    return CL_OK;
}

static cl_err take_strings(const cl_api_field *f, json_t *v, cl_api_value *out, cl_diag *d)
{
    size_t n = json_array_size(v);
    if ((int64_t)n > f->max)
        return cl_diag_set(d, CL_ERR_INPUT, "field '%s' has more than %lld items", f->name,
                           (long long)f->max);
    out->strs = calloc(n ? n : 1, sizeof *out->strs);
    if (!out->strs)
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        json_t *e = json_array_get(v, k);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 64)
            return cl_diag_set(d, CL_ERR_INPUT,
                               "field '%s' item %zu must be a string of 1 to 64 bytes",
                               f->name, k + 1);
        out->strs[k] = json_string_value(e);
    }
    out->n = n;
    return CL_OK;
}

static cl_err take(const cl_api_field *f, json_t *v, cl_api_value *out, cl_diag *d)
{
    int ok = f->type == CL_JF_STRING ? json_is_string(v)
           : f->type == CL_JF_INT ? json_is_integer(v) : json_is_array(v);
    if (!ok) {
        char why[64];
        snprintf(why, sizeof why, "must be %s", type_name(f->type));
        return bad(d, f, why);
    }
    out->present = 1;
    if (f->type == CL_JF_STRING)
        return take_string(f, v, out, d);
    if (f->type == CL_JF_INT)
        return take_int(f, v, out, d);
    return take_strings(f, v, out, d);
}

static const cl_api_field *field_of(const cl_api_field *fields, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(fields[i].name, key))
            return &fields[i];
    return NULL;
}

static cl_err check_fields(json_t *doc, const cl_api_field *fields, size_t nfields,
                           cl_api_value *vals, cl_diag *d)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        const cl_api_field *f = field_of(fields, nfields, key);
        if (!f)
            return cl_diag_set(d, CL_ERR_INPUT, "unknown field '%.64s'", key);
        cl_err err = take(f, v, &vals[f - fields], d);
        if (err)
            return err;
    }
    for (size_t i = 0; i < nfields; i++)
        if (fields[i].required && !vals[i].present)
            return cl_diag_set(d, CL_ERR_INPUT, "field '%s' is required", fields[i].name);
    return CL_OK;
}

cl_err cl_api_body_parse(const char *body, size_t len, const cl_api_field *fields,
                         size_t nfields, cl_api_body *out, cl_diag *d)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return cl_diag_set(d, CL_ERR_INPUT, "malformed JSON at line %d, column %d: %s",
                           je.line, je.column, je.text);
    out->doc = doc;
    if (!json_is_object(doc)) {
        cl_api_body_free(out);
        return cl_diag_set(d, CL_ERR_INPUT, "the body must be a JSON object");
    }
    out->vals = calloc(nfields ? nfields : 1, sizeof *out->vals);
    if (!out->vals) {
        cl_api_body_free(out);
        return cl_diag_set(d, CL_ERR_NOMEM, "out of memory");
    }
    out->nvals = nfields;
    cl_err err = check_fields(doc, fields, nfields, out->vals, d);
    if (err)
        cl_api_body_free(out);
    return err;
}
