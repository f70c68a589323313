/* case_key.c - the creditor_id key of a case without creditor_key (contract
 * §1): kept in case.key beside case.conf, created on first use by `claims
 * run`. The library only reads a key it is given; making a file is the
 * command's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cli/cl_cli_run.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void key_file_path(const char *conf_path, char *out, size_t cap)
{
    const char *slash = strrchr(conf_path, '/');
    if (slash)
        snprintf(out, cap, "%.*s/case.key", (int)(slash - conf_path), conf_path);
    else
        snprintf(out, cap, "case.key");
}

static cl_err read_key_file(const char *path, cl_case *c, cl_diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cl_diag_set(d, CL_ERR_IO, "%s: %s", path, strerror(errno));
    char hex[256] = {0};
    size_t n = fread(hex, 1, sizeof hex - 1, f);
    fclose(f);
    while (n && (hex[n - 1] == '\n' || hex[n - 1] == '\r' || hex[n - 1] == ' '))
        n--;
    if (n < 32 || n % 2 || n / 2 > sizeof c->key)
        return cl_diag_set(d, CL_ERR_CONFIG, "%s: expected 32 to 128 hex digits", path);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return cl_diag_set(d, CL_ERR_CONFIG, "%s: not a hex key", path);
        c->key[i] = (unsigned char)(hi * 16 + lo);
    }
    c->key_len = n / 2;
    return CL_OK;
}

static cl_err create_key_file(const char *path, cl_case *c, cl_diag *d)
{
    unsigned char key[32];
    if (RAND_bytes(key, sizeof key) != 1)
        return cl_diag_set(d, CL_ERR_INTERNAL, "cannot draw a random case key");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    char hex[65];
    for (size_t i = 0; i < sizeof key; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    hex[64] = '\n';
    int ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
    close(fd);
    if (!ok)
        return cl_diag_set(d, CL_ERR_IO, "%s: cannot write the case key", path);
    memcpy(c->key, key, sizeof key);
    c->key_len = sizeof key;
    c->key_created = 1;
    return CL_OK;
}

cl_err cl_cli_read_key(const char *path, cl_case *c, cl_diag *d)
{
    c->key_from_file = 1;
    return read_key_file(path, c, d);
}

cl_err cl_cli_case_key(const char *conf_path, cl_case *c, cl_diag *d)
{
    if (c->key_len > 0)
        return CL_OK;
    char path[4096];
    key_file_path(conf_path, path, sizeof path);
    c->key_from_file = 1;
    if (access(path, F_OK) == 0)
        return read_key_file(path, c, d);
    cl_err err = create_key_file(path, c, d);
    if (!err)
        fprintf(stderr, "claims: note: no creditor_key in %s; created a random case key in "
                        "case.key beside it (keep it: creditor_id depends on it)\n", conf_path);
    return err;
}
