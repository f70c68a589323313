/* test_api_parse.c - the API's request parsing without a server: the route
 * table's matching (templates, wrong method, no path) and the strict JSON
 * body parser (malformed, duplicate keys, unknown fields, wrong types,
 * numbers out of range, required fields). */
#include <string.h>

#include "api/cl_api.h"
#include "tests/cl_test.h"

static const cl_api_field fields[] = {
    {"name", CL_JF_STRING, 1, 0, 8},
    {"n", CL_JF_INT, 0, 1, 100},
    {"ids", CL_JF_STRINGS, 0, 0, 2},
};

static cl_err parse(const char *body, cl_diag *d, cl_api_body *b)
{
    cl_diag_clear(d);
    return cl_api_body_parse(body, strlen(body), fields, 3, b, d);
}

static void expect_bad(const char *body, const char *words)
{
    cl_diag d;
    cl_api_body b;
    cl_err err = parse(body, &d, &b);
    CHECK_MSG(err == CL_ERR_INPUT, "%s: accepted", body);
    CHECK_MSG(strstr(d.msg, words) != NULL, "%s: message '%s' lacks '%s'", body, d.msg, words);
}

static void test_bodies(void)
{
    cl_diag d;
    cl_api_body b;
    CHECK_EQ_INT(parse("{\"name\":\"ab\",\"n\":7,\"ids\":[\"x\",\"y\"]}", &d, &b), CL_OK);
    CHECK_EQ_STR(b.vals[0].s, "ab");
    CHECK_EQ_INT(b.vals[1].i, 7);
    CHECK_EQ_INT(b.vals[2].n, 2);
    CHECK_EQ_STR(b.vals[2].strs[1], "y");
    cl_api_body_free(&b);
    CHECK_EQ_INT(parse("{\"name\":\"ab\"}", &d, &b), CL_OK);
    CHECK(!b.vals[1].present && !b.vals[2].present);
    cl_api_body_free(&b);
    expect_bad("{\"name\":", "malformed JSON at line 1");
    expect_bad("", "malformed JSON");
    expect_bad("[1]", "must be a JSON object");
    expect_bad("{\"name\":\"a\",\"name\":\"b\"}", "duplicate");
    expect_bad("{\"name\":\"a\",\"extra\":1}", "unknown field 'extra'");
    expect_bad("{\"name\":1}", "field 'name' must be a string");
    expect_bad("{\"name\":\"a\",\"n\":\"7\"}", "field 'n' must be an integer");
    expect_bad("{\"name\":\"a\",\"n\":7.5}", "field 'n' must be an integer");
    expect_bad("{\"name\":\"a\",\"n\":1000}", "field 'n' must be between 1 and 100");
    expect_bad("{\"name\":\"a\",\"n\":123456789012345678901234567890}", "too big");
    expect_bad("{\"name\":\"abcdefghi\"}", "longer than 8 bytes");
    expect_bad("{\"name\":\"\"}", "must not be empty");
    expect_bad("{\"n\":5}", "field 'name' is required");
    expect_bad("{\"name\":\"a\",\"ids\":[\"x\",\"y\",\"z\"]}", "more than 2 items");
    expect_bad("{\"name\":\"a\",\"ids\":[1]}", "item 1 must be a string");
    expect_bad("{\"name\":\"a\\u0000b\"}", "malformed JSON");
}

static void test_routes(void)
{
    char p[16];
    int h = cl_api_route_find("GET", "/v1/health", p, sizeof p);
    CHECK(h >= 0);
    CHECK_EQ_INT(cl_api_route_find("POST", "/v1/health", p, sizeof p), -2);
    CHECK_EQ_INT(cl_api_route_find("GET", "/v1/health/", p, sizeof p), -1);
    CHECK_EQ_INT(cl_api_route_find("GET", "/v1/healthz", p, sizeof p), -1);
    CHECK_EQ_INT(cl_api_route_find("GET", "", p, sizeof p), -1);
    CHECK_EQ_INT(cl_api_route_find("GET", "/", p, sizeof p), -1);
    CHECK_EQ_INT(cl_api_route_find("GET", "//v1/health", p, sizeof p), -1);
    CHECK(cl_api_route_find("POST", "/v1/tokens", p, sizeof p) >= 0);
    CHECK_EQ_INT(cl_api_role_parse("judge"), CL_ROLE_JUDGE);
    CHECK_EQ_INT(cl_api_role_parse("root"), 0);
    CHECK_EQ_STR(cl_api_role_name(CL_ROLE_PLATFORM), "platform");
}

int main(void)
{
    test_bodies();
    test_routes();
    return cl_test_summary("test_api_parse");
}
