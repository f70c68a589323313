/* cl_utf8.h - internal to ingest/: a vectorized UTF-8 check for the load
 * pass over whole files. */
#ifndef CL_UTF8_H
#define CL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is whole, valid UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF, no sequence cut off at the end).
 * False when it is not, or when the CPU lacks SSSE3: the caller then runs
 * the byte-by-byte validator, which also finds where the error is. */
bool cl_utf8_valid_simd(const unsigned char *s, size_t n);

#endif
