/* deflate_level.c - the `claims` command's zlib level for its workbooks.
 * Lives in the command, not the library: an interposed zlib symbol changes
 * every deflate in the process, which a library linked into a service must
 * not do. */
#include <dlfcn.h>
#include <zlib.h>

/* libxlsxwriter (through minizip) deflates every part of the workbook at zlib's
 * default level 6 and offers no option to change it; for the large sheets of
 * a nightly run that compression is most of the time spent writing. This
 * definition interposes zlib's deflateInit2_ (the executable exports it, see
 * engine/CMakeLists.txt) and asks for level 1: about 3x faster, files ~30%
 * larger, and still deterministic. Nothing else in the process deflates. */
int deflateInit2_(z_streamp strm, int level, int method, int window_bits, int mem_level,
                  int strategy, const char *version, int stream_size)
{
    typedef int (*init_fn)(z_streamp, int, int, int, int, int, const char *, int);
    static init_fn real;
    if (!real)
        real = (init_fn)dlsym(RTLD_NEXT, "deflateInit2_");
    if (!real)
        return Z_VERSION_ERROR;
    (void)level;
    return real(strm, Z_BEST_SPEED, method, window_bits, mem_level, strategy, version,
                stream_size);
}

