/* cmd_serve.c - `claims serve`: the HTTP API of one case (docs/API.md). The
 * command owns the process-wide parts: signals (SIGTERM/SIGINT drain and
 * exit 0), stdout (the bound port, first line) and stderr (access log). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cl_api.h"
#include "cli/cl_cli.h"

static const char help[] =
    "usage: claims serve --db CONNINFO --case-id ID --listen ADDR:PORT [--threads N]\n"
    "                    [--max-body BYTES] [--max-header BYTES] [--timeout SECONDS]\n"
    "                    [--max-connections N] [--drain SECONDS]\n"
    "       claims serve --routes\n"
    "\n"
    "Serves one case of the PostgreSQL store over HTTP (docs/API.md): versioned JSON\n"
    "routes, bearer tokens ('claims token'), one error shape\n"
    "{\"error\":{\"code\":...,\"message\":...}}. Prints the bound port as the first line of\n"
    "stdout, then writes one JSON line per request to stderr (request id, route\n"
    "template, status, latency; never a URL, a token or personal data). SIGTERM or\n"
    "SIGINT stops accepting connections, answers the requests in flight, exits 0.\n"
    "\n"
    "options:\n"
    "  --db CONNINFO        libpq connection string; must connect as a member of the API\n"
    "                       role (claims_api), never the owner or a superuser (refused).\n"
    "                       No password here: use ~/.pgpass or PGPASSFILE\n"
    "  --case-id ID         the case served (several cases: several processes)\n"
    "  --listen ADDR:PORT   IPv4 address and port; port 0 picks a free one\n"
    "  --threads N          server threads and database connections (default 2)\n"
    "  --max-body BYTES     largest request body (default 65536; larger: 413)\n"
    "  --max-header BYTES   memory per connection for URL and headers (default 16384)\n"
    "  --timeout SECONDS    idle connection timeout (default 30)\n"
    "  --max-connections N  concurrent connections (default 512)\n"
    "  --drain SECONDS      how long a stop waits for requests in flight (default 10)\n"
    "  --routes             print the route table (method, path, roles) and exit\n"
    "  -h, --help           this help\n"
    "\n"
    "exit codes: 0 stopped by a signal; 1 bad configuration (unknown case, wrong\n"
    "            role, old schema); 2 usage; 3 database or network failure\n";

enum { O_DB = 256, O_CASE, O_LISTEN, O_THREADS, O_BODY, O_HEADER, O_TIMEOUT, O_CONNS, O_DRAIN,
       O_ROUTES };

static const struct option longopts[] = {
    {"db", required_argument, NULL, O_DB},
    {"case-id", required_argument, NULL, O_CASE},
    {"listen", required_argument, NULL, O_LISTEN},
    {"threads", required_argument, NULL, O_THREADS},
    {"max-body", required_argument, NULL, O_BODY},
    {"max-header", required_argument, NULL, O_HEADER},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"max-connections", required_argument, NULL, O_CONNS},
    {"drain", required_argument, NULL, O_DRAIN},
    {"routes", no_argument, NULL, O_ROUTES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int number(const char *opt, const char *s, unsigned long lo, unsigned long hi,
                  unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v < lo || v > hi) {
        cl_cli_error("serve: %s must be a number from %lu to %lu", opt, lo, hi);
        return CL_EXIT_USAGE;
    }
    *out = v;
    return 0;
}

static int parse_listen(const char *s, char *host, size_t cap, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    unsigned long p;
    if (!colon || colon == s || (size_t)(colon - s) >= cap) {
        cl_cli_error("serve: --listen takes ADDR:PORT, e.g. 127.0.0.1:8080");
        return CL_EXIT_USAGE;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    if (number("--listen's port", colon + 1, 0, 65535, &p))
        return CL_EXIT_USAGE;
    *port = (unsigned)p;
    return 0;
}

static void print_route(void *user, const char *method, const char *path, const char *roles)
{
    printf("%s %s %s\n", method, path, roles);
}

static int parse(int argc, char **argv, cl_api_conf *c, char *host, size_t cap, unsigned *drain)
{
    int o, have_listen = 0;
    unsigned long v;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (o) {
        case 'h': fputs(help, stdout); return -1;
        case O_ROUTES: cl_api_routes(print_route, NULL); return -1;
        case O_DB: c->conninfo = optarg; break;
        case O_CASE: c->case_id = optarg; break;
        case O_LISTEN: bad = parse_listen(optarg, host, cap, &c->port); have_listen = 1; break;
        case O_THREADS: bad = number("--threads", optarg, 1, 256, &v); c->threads = v; break;
        case O_BODY: bad = number("--max-body", optarg, 1, 64 << 20, &v); c->max_body = v; break;
        case O_HEADER: bad = number("--max-header", optarg, 4096, 1 << 20, &v); c->max_header = v; break;
        case O_TIMEOUT: bad = number("--timeout", optarg, 1, 3600, &v); c->timeout_s = v; break;
        case O_CONNS: bad = number("--max-connections", optarg, 1, 100000, &v); c->max_connections = v; break;
        case O_DRAIN: bad = number("--drain", optarg, 0, 3600, &v); *drain = v; break;
        default:
            cl_cli_error("serve: unknown or incomplete option '%s' (see 'claims serve --help')",
                         argv[optind - 1]);
            return CL_EXIT_USAGE;
        }
        if (bad)
            return CL_EXIT_USAGE;
    }
    if (optind < argc || !c->case_id || !have_listen) {
        cl_cli_error("serve: --case-id and --listen are required (see 'claims serve --help')");
        return CL_EXIT_USAGE;
    }
    if (!c->conninfo)
        c->conninfo = "";
    return 0;
}

int cl_cmd_serve(int argc, char **argv)
{
    cl_api_conf conf = {0};
    char host[64] = "";
    unsigned drain = 10;
    int rc = parse(argc, argv, &conf, host, sizeof host, &drain);
    if (rc)
        return rc < 0 ? CL_EXIT_OK : rc;
    conf.host = host;
    conf.access_log = stderr;
    /* Block the stop signals before the server's threads exist, so that
     * they inherit the mask and only sigwait below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    cl_api *api = NULL;
    cl_diag d;
    cl_diag_clear(&d);
    cl_err err = cl_api_start(&conf, &api, &d);
    if (err) {
        cl_cli_error("serve: %s", d.msg);
        return cl_exit_code(err);
    }
    printf("%u\n", cl_api_port(api));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    cl_api_stop(api, drain * 1000);
    return CL_EXIT_OK;
}
