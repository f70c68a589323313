/* cl_utf8.c - UTF-8 validation 16 bytes at a time (SSSE3), after Keiser and
 * Lemire, "Validating UTF-8 in less than one instruction per byte" (2021).
 *
 * Every error of RFC 3629 shows in a pair of adjacent bytes: the first
 * byte's high and low nibbles and the second byte's high nibble each select
 * a set of possible errors (three 16-entry tables, one byte shuffle each);
 * an error is present where all three sets agree. The one pair that is not
 * decided by two bytes, a continuation after a continuation, is an error
 * unless the byte two or three back is a lead byte of a 3- or 4-byte
 * sequence. The tables below are derived from the byte ranges of RFC 3629,
 * table 3-7 of the Unicode standard:
 *
 *   U+0000..U+007F     00..7F
 *   U+0080..U+07FF     C2..DF  80..BF
 *   U+0800..U+0FFF     E0      A0..BF  80..BF
 *   U+1000..U+CFFF     E1..EC  80..BF  80..BF
 *   U+D000..U+D7FF     ED      80..9F  80..BF
 *   U+E000..U+FFFF     EE..EF  80..BF  80..BF
 *   U+10000..U+3FFFF   F0      90..BF  80..BF  80..BF
 *   U+40000..U+FFFFF   F1..F3  80..BF  80..BF  80..BF
 *   U+100000..U+10FFFF F4      80..8F  80..BF  80..BF */
#include "ingest/cl_utf8.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>

/* Errors of a byte pair (first byte, second byte). */
enum {
    E_SHORT = 1 << 0,      /* a lead byte not followed by a continuation */
    E_LONG = 1 << 1,       /* ASCII followed by a continuation */
    E_OVER3 = 1 << 2,      /* E0 80..9F */
    E_LARGE = 1 << 3,      /* F4 90..BF, F5..FF 90..BF */
    E_SURROGATE = 1 << 4,  /* ED A0..BF */
    E_OVER2 = 1 << 5,      /* C0..C1 80..BF */
    E_LARGE8_OVER4 = 1 << 6, /* F5..FF 80..8F, and F0 80..8F (never both) */
    E_TWO_CONT = 1 << 7,   /* a continuation after a continuation */
    E_ANY_LOW = E_SHORT | E_LONG | E_TWO_CONT   /* whatever the low nibble */
};

#define B(x) ((char)(x))

__attribute__((target("ssse3"))) static __m128i pair_errors(__m128i in, __m128i prev)
{
    /* by the first byte's high nibble */
    const __m128i first_high = _mm_setr_epi8(
        E_LONG, E_LONG, E_LONG, E_LONG, E_LONG, E_LONG, E_LONG, E_LONG,   /* 0..7: ASCII */
        B(E_TWO_CONT), B(E_TWO_CONT), B(E_TWO_CONT), B(E_TWO_CONT),       /* 8..B: continuation */
        B(E_SHORT | E_OVER2),                                             /* C */
        E_SHORT,                                                          /* D */
        B(E_SHORT | E_OVER3 | E_SURROGATE),                               /* E */
        B(E_SHORT | E_LARGE | E_LARGE8_OVER4));                           /* F */
    /* by the first byte's low nibble */
    const __m128i first_low = _mm_setr_epi8(
        B(E_ANY_LOW | E_OVER3 | E_OVER2 | E_LARGE8_OVER4),               /* x0 */
        B(E_ANY_LOW | E_OVER2),                                           /* x1 */
        B(E_ANY_LOW), B(E_ANY_LOW),                                       /* x2, x3 */
        B(E_ANY_LOW | E_LARGE),                                           /* x4 */
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4),                          /* x5 */
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4), B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4),
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4), B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4),
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4), B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4),
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4),                          /* xC */
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4 | E_SURROGATE),            /* xD */
        B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4), B(E_ANY_LOW | E_LARGE | E_LARGE8_OVER4));
    /* by the second byte's high nibble */
    const __m128i second_high = _mm_setr_epi8(
        E_SHORT, E_SHORT, E_SHORT, E_SHORT, E_SHORT, E_SHORT, E_SHORT, E_SHORT, /* ASCII */
        B(E_LONG | E_TWO_CONT | E_OVER2 | E_OVER3 | E_LARGE8_OVER4),      /* 80..8F */
        B(E_LONG | E_TWO_CONT | E_OVER2 | E_OVER3 | E_LARGE),             /* 90..9F */
        B(E_LONG | E_TWO_CONT | E_OVER2 | E_SURROGATE | E_LARGE),         /* A0..AF */
        B(E_LONG | E_TWO_CONT | E_OVER2 | E_SURROGATE | E_LARGE),         /* B0..BF */
        E_SHORT, E_SHORT, E_SHORT, E_SHORT);                              /* leads */
    const __m128i nib = _mm_set1_epi8(0x0F);
    __m128i prev1 = _mm_alignr_epi8(in, prev, 15);
    __m128i e = _mm_and_si128(
        _mm_and_si128(_mm_shuffle_epi8(first_high, _mm_and_si128(_mm_srli_epi16(prev1, 4), nib)),
                      _mm_shuffle_epi8(first_low, _mm_and_si128(prev1, nib))),
        _mm_shuffle_epi8(second_high, _mm_and_si128(_mm_srli_epi16(in, 4), nib)));
    /* a second continuation is right only as the 3rd byte of E0..FF or the
     * 3rd/4th of F0..FF: bit 7 of the saturating difference says so */
    __m128i prev2 = _mm_alignr_epi8(in, prev, 14), prev3 = _mm_alignr_epi8(in, prev, 13);
    __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8(B(0xE0 - 0x80)));
    __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8(B(0xF0 - 0x80)));
    __m128i must = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8(B(0x80)));
    return _mm_xor_si128(must, e);
}

/* Lanes of a block whose last bytes start a sequence the block does not
 * finish (a lead in the last lane, a 3/4-byte lead in the last two, a
 * 4-byte lead in the last three). */
__attribute__((target("ssse3"))) static __m128i unfinished(__m128i in)
{
    const __m128i max = _mm_setr_epi8(B(0xFF), B(0xFF), B(0xFF), B(0xFF), B(0xFF), B(0xFF),
                                      B(0xFF), B(0xFF), B(0xFF), B(0xFF), B(0xFF), B(0xFF),
                                      B(0xFF), B(0xF0 - 1), B(0xE0 - 1), B(0xC0 - 1));
    return _mm_subs_epu8(in, max);
}

__attribute__((target("ssse3"))) static bool valid_ssse3(const unsigned char *s, size_t n)
{
    __m128i prev = _mm_setzero_si128(), err = _mm_setzero_si128();
    __m128i pending = _mm_setzero_si128();   /* the previous block left a sequence open */
    size_t i = 0;
    unsigned char tail[16];
    for (;;) {
        __m128i in;
        if (i + 16 <= n) {
            in = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        } else {
            /* the rest, padded with NULs: ASCII after the end shows a cut
             * sequence as an error */
            memset(tail, 0, sizeof tail);
            memcpy(tail, s + i, n - i);
            in = _mm_loadu_si128((const __m128i *)(const void *)tail);
        }
        if (_mm_movemask_epi8(in) == 0) {
            err = _mm_or_si128(err, pending);
            pending = _mm_setzero_si128();
        } else {
            err = _mm_or_si128(err, pair_errors(in, prev));
            pending = unfinished(in);
        }
        prev = in;
        if (i + 16 > n)
            break;
        i += 16;
    }
    err = _mm_or_si128(err, pending);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) == 0xFFFF;
}

bool cl_utf8_valid_simd(const unsigned char *s, size_t n)
{
    return __builtin_cpu_supports("ssse3") && valid_ssse3(s, n);
}

#else

bool cl_utf8_valid_simd(const unsigned char *s, size_t n)
{
    (void)s;
    (void)n;
    return false;
}

#endif
