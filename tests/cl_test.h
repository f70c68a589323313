/* cl_test.h - a tiny unit-test harness: CHECK macros that report file:line
 * and keep going, and a summary that sets the exit status for CTest. */
#ifndef CL_TEST_H
#define CL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int cl_test_failures;
static int cl_test_checks;

#define CHECK(cond)                                                              \
    do {                                                                         \
        cl_test_checks++;                                                        \
        if (!(cond)) {                                                           \
            cl_test_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        cl_test_checks++;                                                        \
        if (!(cond)) {                                                           \
            cl_test_failures++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                       \
    do {                                                                         \
        long long cl_a_ = (long long)(a), cl_b_ = (long long)(b);               \
        CHECK_MSG(cl_a_ == cl_b_, "%s = %lld, expected %lld", #a, cl_a_, cl_b_); \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                       \
    do {                                                                         \
        const char *cl_a_ = (a), *cl_b_ = (b);                                   \
        CHECK_MSG(cl_a_ && cl_b_ && strcmp(cl_a_, cl_b_) == 0,                   \
                  "%s = \"%s\", expected \"%s\"", #a, cl_a_ ? cl_a_ : "(null)",  \
                  cl_b_ ? cl_b_ : "(null)");                                     \
    } while (0)

#define CHECK_EQ_MEM(p, n, str)                                                  \
    do {                                                                         \
        const char *cl_s_ = (str);                                               \
        size_t cl_n_ = (n);                                                      \
        CHECK_MSG(cl_n_ == strlen(cl_s_) && memcmp((p), cl_s_, cl_n_) == 0,      \
                  "%s = \"%.*s\", expected \"%s\"", #p, (int)cl_n_, (const char *)(p), cl_s_); \
    } while (0)

static inline int cl_test_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, cl_test_checks, cl_test_failures);
    return cl_test_failures ? 1 : 0;
}

#endif
