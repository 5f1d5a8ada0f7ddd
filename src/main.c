/*
 * main: the `hylla` command. `hylla serve` runs the HTTP server; `hylla migrate` brings the
 * database schema up to date; `hylla user ...` manages staff accounts; `hylla routes` prints the
 * route table; `hylla version` says which hylla this is. Every subcommand has --help.
 *
 * Exit status: 0 done, 1 failed while working, 2 bad usage or settings.
 */
#include "api/public.h"
#include "api/routes.h"
#include "cli/cli.h"
#include "config.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/password.h"
#include "core/sdnotify.h"
#include "core/settings.h"
#include "embedded.h"
#include "http/server.h"
#include "http/static.h"
#include "jobs/gateway.h"
#include "jobs/remind.h"
#include "jobs/retention.h"
#include "jobs/scheduler.h"
#include "store/item_store.h"
#include "store/migrate.h"
#include "store/notify.h"
#include "store/session_store.h"
#include "store/stats_store.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Say what is wrong with the command line or the settings in one line; exit status 2. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hylla: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* A flag's value, else the environment's, else the fallback. */
static const char *setting(const char *flag, const char *env, const char *fallback)
{
    if (flag)
        return flag;
    const char *e = getenv(env);
    return e && *e ? e : fallback;
}

/*
 * The lanes' default sizes, per core. The desk's requests are short statements that keep a core
 * of PostgreSQL's busy while they run: more of them at once than there are cores only take turns
 * on the cores, and each then costs PostgreSQL more. The lend-and-return cycle through hylla at
 * 64 connections on 2 cores (contrib/bench's data, 30 s runs alternating, 2 December 2026): 2
 * threads made 627-830 cycles a second at 0.90-1.21 ms of PostgreSQL's CPU per request, 3 made
 * 613-717 at 1.09-1.24, 4 made 558-686 at 1.16-1.45, and 6 (3 per core, the default before)
 * made 490-654 at 1.26-1.71. At least two, so that a request waiting for a row lock or a long
 * import leaves a thread to the desk. A database on another machine, whose round trips leave its
 * cores idle between statements, may want more (--workers). The logins wait at the password gate
 * (core/password.c), one hashing per core and as many waiting their turn, on threads of the
 * desk's lane kept for them (gate_threads, http/lanes.h): one for each of the gate's places and
 * one more, on which a login that comes when the gate is full is refused at once, so that a login
 * flood never holds the desk's threads (tests/api/overload.test.mjs). The reads' lane runs
 * statements that keep a core busy for milliseconds, so about one per core is what the machine
 * can run at once without starving the desk. Measured with contrib/bench/run.
 */
#define WORKERS_PER_CORE      1
#define WORKERS_MIN           2
#define READ_WORKERS_PER_CORE 1
#define STR(x)                #x
#define XSTR(x)               STR(x)
#define DEFAULT_WORKERS       XSTR(WORKERS_PER_CORE) " per core, at least " XSTR(WORKERS_MIN)
#define DEFAULT_READ_WORKERS  XSTR(READ_WORKERS_PER_CORE) " per core"

/*
 * How many desk threads run a batch of lookups at once (http/lanes.h): one per two cores. A
 * batch is a round trip and then the answers, about one core's work at a time, and the fewer
 * batches run at once, the more lookups each takes to PostgreSQL in its one statement. On two
 * cores, 64 connections: 41,000 lookups a second with one, 39,000 with two, 34,000 with three,
 * 28,000 with no limit (load average 8, shared machine). --batch-threads sets it.
 */
#define DESK_BATCH_THREADS(cores) (((cores) + 1) / 2)

static const char serve_help[] =
    "usage: hylla serve [options]\n"
    "\n"
    "Serve the web app and the JSON API. Each option can also come from the environment.\n"
    "\n"
    "  --listen HOST:PORT        HYLLA_LISTEN        address to listen on (127.0.0.1:8080;\n"
    "                                                port 0 picks a free port)\n"
    "  --database URL            HYLLA_DATABASE_URL  libpq connection string or URI\n"
    "                                                (default: libpq's PG* environment)\n"
    "  --read-database URL       HYLLA_READ_DATABASE_URL  a read replica for the public and\n"
    "                                                statistics reads; may come more than\n"
    "                                                once (the variable: a list split by ';')\n"
    "  --max-replica-lag SEC     HYLLA_MAX_REPLICA_LAG  read from the primary while a replica\n"
    "                                                lags more than this (10)\n"
    "  --web-root DIR            HYLLA_WEB_ROOT      the web/ folder (" HYLLA_DEFAULT_WEB_ROOT ")\n"
    "  --workers N               HYLLA_WORKERS       threads that run the staff's requests, each\n"
    "                                                with one database connection (" DEFAULT_WORKERS
    ")\n"
    "  --read-workers N          HYLLA_READ_WORKERS  threads that run public and statistics\n"
    "                                                reads, the same (" DEFAULT_READ_WORKERS ");\n"
    "                                                half of them while the desk has work\n"
    "  --batch-threads N         HYLLA_BATCH_THREADS  desk threads that read lookups queued\n"
    "                                                together at once (1 per two cores)\n"
    "  --http-threads N          HYLLA_HTTP_THREADS  threads that read and write the\n"
    "                                                connections and answer the desk's\n"
    "                                                lookups (1 per core)\n"
    "  --public-url URL          HYLLA_PUBLIC_URL    how users reach hylla; https:// makes\n"
    "                                                cookies Secure; labels' QR codes point\n"
    "                                                there (else where the browser asked)\n"
    "  --body-limit SIZE         HYLLA_BODY_LIMIT    largest request body (1M)\n"
    "  --connection-timeout SEC  HYLLA_CONNECTION_TIMEOUT  idle connection timeout (30)\n"
    "  --request-timeout SEC     HYLLA_REQUEST_TIMEOUT  a request's headers and body must\n"
    "                                                arrive within this (30)\n"
    "  --max-per-address N       HYLLA_MAX_PER_ADDRESS  connections per client address (512)\n"
    "  --max-connections N       HYLLA_MAX_CONNECTIONS  connections in all (4096)\n"
    "  --session-idle DURATION   HYLLA_SESSION_IDLE  log out after this long unused (12h)\n"
    "  --session-max DURATION    HYLLA_SESSION_MAX   log out after this long in any case (7d)\n"
    "  --no-access-log           HYLLA_ACCESS_LOG=off  no line per request\n"
    "  --log-level LEVEL         HYLLA_LOG_LEVEL     debug, info, warning or error (info)\n"
    "  --log-format FORMAT       HYLLA_LOG_FORMAT    text, or json: one JSON object a line,\n"
    "                                                for log shippers (text)\n"
    "  --trusted-proxy CIDR...   HYLLA_TRUSTED_PROXY  proxies whose X-Forwarded-For names the\n"
    "                                                client (none: the header is ignored)\n"
    "  --metrics-allow CIDR...   HYLLA_METRICS_ALLOW  who may read /metrics (loopback)\n"
    "  --retention-months N      HYLLA_RETENTION_MONTHS  erase borrowers inactive this long,\n"
    "                                                checked daily; 0 never (24)\n"
    "\n"
    "Reminders and receipts, sent when an SMS gateway or an SMTP server is set up (secrets only\n"
    "from files; a relative name is a systemd credential):\n";

static const char serve_help_end[] =
    "\n"
    "CIDR lists are addresses or blocks (10.0.0.0/8, fd00::/8, loopback) separated by commas\n"
    "or spaces. Tells systemd when it is ready (Type=notify). Stops gracefully on SIGINT or\n"
    "SIGTERM: requests in progress finish first.\n";

/* Name the routes of the table for the request counters of /metrics (kept for the process). */
static void count_routes(void)
{
    static const char **methods, **patterns;
    methods = xcalloc(routes_api.nroutes, sizeof *methods);
    patterns = xcalloc(routes_api.nroutes, sizeof *patterns);
    for (size_t i = 0; i < routes_api.nroutes; i++) {
        methods[i] = routes_api.routes[i].method;
        patterns[i] = routes_api.routes[i].pattern;
    }
    metrics_init(routes_api.nroutes, methods, patterns);
}

/*
 * A lane thread's database connection opens with the thread, so that the caches are forgotten
 * (a new connection has missed earlier messages: store/notify.h) at the start and not in the
 * middle of the day; it closes with the thread.
 */
static void lane_thread_start(unsigned lane)
{
    (void)lane;
    if (store_ping() < 0)
        log_warn("a worker could not reach the database yet; it will try again");
}

/* A connection thread's own database connection, for the lookups it answers itself (server.h). */
static void connection_thread_start(void)
{
    lane_thread_start(0);
}

static void lane_thread_stop(unsigned lane)
{
    (void)lane;
    store_thread_close();
}

static int cmd_serve(int argc, char **argv)
{
    enum {
        O_LISTEN = 1,
        O_DB,
        O_WEB,
        O_WORKERS,
        O_READ_WORKERS,
        O_BATCH_THREADS,
        O_HTTP_THREADS,
        O_PUBLIC,
        O_BODY,
        O_TIMEOUT,
        O_REQTIMEOUT,
        O_PERADDR,
        O_MAXCONN,
        O_IDLE,
        O_MAX,
        O_LOGLEVEL,
        O_LOGFORMAT,
        O_METRICS,
        O_RETENTION,
        O_PROXY,
        O_READDB,
        O_MAXLAG,
        O_MSG,
        O_NOLOG = O_MSG + CLI_MESSAGING_COUNT
    };
    static const struct option opts[] = {
        { "listen", required_argument, 0, O_LISTEN },
        { "database", required_argument, 0, O_DB },
        { "web-root", required_argument, 0, O_WEB },
        { "workers", required_argument, 0, O_WORKERS },
        { "read-workers", required_argument, 0, O_READ_WORKERS },
        { "batch-threads", required_argument, 0, O_BATCH_THREADS },
        { "http-threads", required_argument, 0, O_HTTP_THREADS },
        { "public-url", required_argument, 0, O_PUBLIC },
        { "body-limit", required_argument, 0, O_BODY },
        { "connection-timeout", required_argument, 0, O_TIMEOUT },
        { "request-timeout", required_argument, 0, O_REQTIMEOUT },
        { "max-per-address", required_argument, 0, O_PERADDR },
        { "max-connections", required_argument, 0, O_MAXCONN },
        { "session-idle", required_argument, 0, O_IDLE },
        { "session-max", required_argument, 0, O_MAX },
        { "log-level", required_argument, 0, O_LOGLEVEL },
        { "log-format", required_argument, 0, O_LOGFORMAT },
        { "metrics-allow", required_argument, 0, O_METRICS },
        { "retention-months", required_argument, 0, O_RETENTION },
        { "trusted-proxy", required_argument, 0, O_PROXY },
        { "read-database", required_argument, 0, O_READDB },
        { "max-replica-lag", required_argument, 0, O_MAXLAG },
        CLI_MESSAGING_OPTIONS(O_MSG),
        { "no-access-log", no_argument, 0, O_NOLOG },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *flag[O_NOLOG + 1] = { 0 };
    struct settings_messaging_args margs = { 0 };
    bool no_log = false;
    static struct buf proxies;  /* --trusted-proxy may come more than once */
    static struct buf replicas; /* so may --read-database */
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(serve_help, stdout);
            fputs(cli_messaging_help, stdout);
            fputs(serve_help_end, stdout);
            return 0;
        }
        if (c == '?')
            return 2;
        if (c == O_NOLOG)
            no_log = true;
        else if (c == O_PROXY)
            buf_printf(&proxies, "%s%s", proxies.len ? "," : "", optarg);
        else if (c == O_READDB)
            buf_printf(&replicas, "%s%s", replicas.len ? ";" : "", optarg);
        else if (c >= O_MSG && c < O_MSG + CLI_MESSAGING_COUNT)
            cli_messaging_flag(&margs, c - O_MSG, optarg);
        else
            flag[c] = optarg;
    }
    flag[O_PROXY] = proxies.data;
    flag[O_READDB] = replicas.data;
    if (optind < argc)
        return usage_error("serve takes no arguments (got \"%s\")", argv[optind]);

    static struct settings s;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cores = cores > 0 ? cores : 1;
    char default_workers[24], default_read_workers[24], default_http_threads[24],
        default_batch_threads[24];
    long workers = WORKERS_PER_CORE * cores;
    snprintf(default_workers, sizeof default_workers, "%ld",
             workers > WORKERS_MIN ? workers : WORKERS_MIN);
    snprintf(default_read_workers, sizeof default_read_workers, "%ld",
             READ_WORKERS_PER_CORE * cores);
    snprintf(default_http_threads, sizeof default_http_threads, "%ld", cores);
    snprintf(default_batch_threads, sizeof default_batch_threads, "%ld", DESK_BATCH_THREADS(cores));

    s.listen = setting(flag[O_LISTEN], "HYLLA_LISTEN", "127.0.0.1:8080");
    s.database_url = setting(flag[O_DB], "HYLLA_DATABASE_URL", "");
    s.read_database = setting(flag[O_READDB], "HYLLA_READ_DATABASE_URL", "");
    s.web_root = setting(flag[O_WEB], "HYLLA_WEB_ROOT", HYLLA_DEFAULT_WEB_ROOT);
    s.public_url = setting(flag[O_PUBLIC], "HYLLA_PUBLIC_URL", NULL);
    const char *access_log = getenv("HYLLA_ACCESS_LOG");
    s.access_log = !no_log && !(access_log && strcmp(access_log, "off") == 0);

    unsigned long n;
    const char *why;
    const char *v = setting(flag[O_LOGLEVEL], "HYLLA_LOG_LEVEL", "info");
    enum log_level level;
    if (!log_level_from_name(v, &level))
        return usage_error("--log-level must be debug, info, warning or error (got \"%s\")", v);
    log_set_level(level);
    v = setting(flag[O_LOGFORMAT], "HYLLA_LOG_FORMAT", "text");
    if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
        return usage_error("--log-format must be text or json (got \"%s\")", v);
    log_set_json(strcmp(v, "json") == 0);
    v = setting(flag[O_PROXY], "HYLLA_TRUSTED_PROXY", "");
    if (!cidr_list_parse(v, &s.trusted_proxies, &why))
        return usage_error("--trusted-proxy %s: %s", v, why);
    v = setting(flag[O_METRICS], "HYLLA_METRICS_ALLOW", "loopback");
    if (!cidr_list_parse(v, &s.metrics_allow, &why))
        return usage_error("--metrics-allow %s: %s", v, why);
    v = setting(flag[O_RETENTION], "HYLLA_RETENTION_MONTHS", "24");
    if (!settings_parse_uint(v, 0, 600, &n))
        return usage_error("--retention-months must be a number from 0 to 600 (got \"%s\")", v);
    s.retention_months = (unsigned)n;
    v = setting(flag[O_MAXLAG], "HYLLA_MAX_REPLICA_LAG", "10");
    if (!settings_parse_uint(v, 1, 86400, &n))
        return usage_error("--max-replica-lag must be seconds from 1 to 86400 (got \"%s\")", v);
    s.max_replica_lag_s = (unsigned)n;
    v = setting(flag[O_WORKERS], "HYLLA_WORKERS", default_workers);
    if (!settings_parse_uint(v, 1, 256, &n))
        return usage_error("--workers must be a number from 1 to 256 (got \"%s\")", v);
    s.workers = (unsigned)n;
    v = setting(flag[O_READ_WORKERS], "HYLLA_READ_WORKERS", default_read_workers);
    if (!settings_parse_uint(v, 1, 256, &n))
        return usage_error("--read-workers must be a number from 1 to 256 (got \"%s\")", v);
    s.read_workers = (unsigned)n;
    v = setting(flag[O_BATCH_THREADS], "HYLLA_BATCH_THREADS", default_batch_threads);
    if (!settings_parse_uint(v, 1, 256, &n))
        return usage_error("--batch-threads must be a number from 1 to 256 (got \"%s\")", v);
    s.batch_threads = (unsigned)n;
    v = setting(flag[O_HTTP_THREADS], "HYLLA_HTTP_THREADS", default_http_threads);
    if (!settings_parse_uint(v, 1, 64, &n))
        return usage_error("--http-threads must be a number from 1 to 64 (got \"%s\")", v);
    s.http_threads = (unsigned)n;
    v = setting(flag[O_BODY], "HYLLA_BODY_LIMIT", "1M");
    if (!settings_parse_size(v, 1024UL * 1024 * 1024, &s.body_limit) || s.body_limit < 1024)
        return usage_error("--body-limit must be a size from 1K to 1G, such as 1M (got \"%s\")", v);
    v = setting(flag[O_TIMEOUT], "HYLLA_CONNECTION_TIMEOUT", "30");
    if (!settings_parse_uint(v, 1, 3600, &n))
        return usage_error("--connection-timeout must be seconds from 1 to 3600 (got \"%s\")", v);
    s.connection_timeout_s = (unsigned)n;
    v = setting(flag[O_REQTIMEOUT], "HYLLA_REQUEST_TIMEOUT", "30");
    if (!settings_parse_uint(v, 1, 3600, &n))
        return usage_error("--request-timeout must be seconds from 1 to 3600 (got \"%s\")", v);
    s.request_timeout_s = (unsigned)n;
    v = setting(flag[O_PERADDR], "HYLLA_MAX_PER_ADDRESS", "512");
    if (!settings_parse_uint(v, 1, 100000, &n))
        return usage_error("--max-per-address must be a number from 1 to 100000 (got \"%s\")", v);
    s.per_address_limit = (unsigned)n;
    v = setting(flag[O_MAXCONN], "HYLLA_MAX_CONNECTIONS", "4096");
    if (!settings_parse_uint(v, 1, 100000, &n))
        return usage_error("--max-connections must be a number from 1 to 100000 (got \"%s\")", v);
    s.connection_limit = (unsigned)n;
    v = setting(flag[O_IDLE], "HYLLA_SESSION_IDLE", "12h");
    if (!settings_parse_duration(v, &s.session_idle_s))
        return usage_error("--session-idle must be a duration such as 30m or 12h (got \"%s\")", v);
    v = setting(flag[O_MAX], "HYLLA_SESSION_MAX", "7d");
    if (!settings_parse_duration(v, &s.session_max_s))
        return usage_error("--session-max must be a duration such as 12h or 7d (got \"%s\")", v);
    if (s.public_url && strncmp(s.public_url, "http://", 7) != 0 &&
        strncmp(s.public_url, "https://", 8) != 0)
        return usage_error("--public-url must start with http:// or https:// (got \"%s\")",
                           s.public_url);
    for (const char *p = s.public_url; p && *p; p++)
        if (*p <= ' ' || *p > '~') /* it goes into QR codes, which scanners read as ASCII */
            return usage_error("--public-url must be plain ASCII without spaces (write an "
                               "international domain name in its xn-- form)");
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (!settings_parse_listen(s.listen, &addr, &addrlen, &why))
        return usage_error("--listen %s: %s", s.listen, why);
    char *message_why = NULL;
    if (!settings_messaging(&s, &margs, &message_why)) {
        fprintf(stderr, "hylla: %s\n", message_why);
        free(message_why);
        return 2;
    }
    if (!static_init(s.web_root))
        return usage_error("--web-root %s is not a readable directory", s.web_root);
    settings = &s;

    store_init(s.database_url);
    if (!store_replicas_init(s.read_database, s.max_replica_lag_s))
        return usage_error("--read-database must be libpq connection strings or URIs");
    int pending = store_migrations_pending(hylla_migrations);
    if (pending < 0)
        log_warn("the database cannot be read yet; /healthz will say so until it can");
    else if (pending > 0)
        log_warn("%d migration(s) not applied to this database: run `hylla migrate`", pending);
    store_thread_close();

    /* Signals go to sigwait below, not to whichever thread happens to run. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The password gate's places: one hashing per core, as many waiting (gate_threads below). */
    password_gate_configure((unsigned)cores, (unsigned)cores);
    const struct lane_config lanes[LANE_COUNT] = {
        [LANE_DESK] = { .name = "desk",
                        .threads = s.workers,
                        .batch_threads = s.batch_threads,
                        .gate_threads = 2 * (unsigned)cores + 1 },
        /* While the desk has work, the reads run on half their threads, rounded up. */
        [LANE_READS] = { .name = "reads",
                         .threads = s.read_workers,
                         .yield_to = LANE_DESK,
                         .yield_threads = (s.read_workers + 1) / 2 },
    };
    const struct server_config config = {
        .router = &routes_api,
        .lanes = lanes,
        .nlanes = LANE_COUNT,
        .hooks = { .thread_start = lane_thread_start, .thread_stop = lane_thread_stop },
        .prefetch = { .thread_start = connection_thread_start,
                      .thread_stop = store_thread_close,
                      .socket = store_prefetch_socket,
                      .poll = store_prefetch_poll,
                      .drop = store_prefetch_drop,
                      .no_wait = store_no_wait,
                      .would_have_waited = store_would_have_waited },
    };
    /*
     * No cap on glibc's malloc arenas: with its default (eight per core) every thread has one of
     * its own. Capped at two, the connection threads shared one in about a third of the starts, and
     * there the desk's lookups made a quarter fewer answers a second, waiting on the arena's lock
     * (contrib/bench/README.md); the peak memory was the same.
     */
    count_routes();
    store_replicas_start(); /* measures each read replica once before the first request */
    store_session_cache_start();
    store_item_names_start();
    public_cache_start();
    store_stats_summary_cache_start();
    store_notify_enable();
    store_stats_folder_start();
    gateway_init();
    struct server *srv = server_start(&s, &config, &why);
    if (!srv) {
        gateway_cleanup();
        store_replicas_stop();
        store_stats_folder_stop();
        return usage_error("--listen %s: %s", s.listen, why);
    }
    /* What hylla does by itself: the retention pass, and reminders when they can go anywhere. */
    static struct scheduler_job jobs[3];
    size_t njobs = 0;
    if (s.retention_months)
        jobs[njobs++] = retention_job;
    if (remind_configured()) {
        jobs[njobs++] = remind_jobs[0];
        jobs[njobs++] = remind_jobs[1];
    } else {
        log_info("reminders are off: no --sms-url or --smtp-url");
    }
    struct scheduler *scheduler = scheduler_start(jobs, njobs);
    sdnotify("READY=1");
    int sig = 0;
    sigwait(&stop, &sig);
    sdnotify("STOPPING=1");
    log_info("received %s: finishing requests in progress", sig == SIGINT ? "SIGINT" : "SIGTERM");
    scheduler_stop(scheduler);
    server_stop(srv, 10);
    gateway_cleanup();
    store_replicas_stop();
    store_stats_folder_stop();
    static_shutdown();
    log_info("stopped");
    return 0;
}

static const char migrate_help[] =
    "usage: hylla migrate [--database URL] [--dir DIR]\n"
    "\n"
    "Apply the migrations this hylla carries (or the NNNN_*.sql files of DIR) that the database\n"
    "has not seen, in order, each in its own transaction. Running it again does nothing.\n"
    "A migration that was edited after it was applied stops everything with an error.\n"
    "\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n"
    "  --dir DIR        read migrations from DIR instead of the built-in ones\n";

static int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "database", required_argument, 0, 'd' },
        { "dir", required_argument, 0, 'D' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *db = NULL, *dir = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'D':
            dir = optarg;
            break;
        case 'h':
            fputs(migrate_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind < argc)
        return usage_error("migrate takes no arguments (got \"%s\")", argv[optind]);

    char *why = NULL;
    struct embedded_file *from_dir = NULL;
    if (dir && !(from_dir = migrate_files_from_dir(dir, &why))) {
        fprintf(stderr, "hylla: %s\n", why);
        free(why);
        return 2;
    }
    store_init(setting(db, "HYLLA_DATABASE_URL", ""));
    enum store_status st = store_migrate(from_dir ? from_dir : hylla_migrations, stdout, &why);
    store_thread_close();
    migrate_files_free(from_dir);
    if (st != STORE_OK) {
        fprintf(stderr, "hylla: %s\n", why ? why : "migration failed");
        free(why);
        return 1;
    }
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: hylla version\n\nPrint the version of this hylla.");
        return 0;
    }
    printf("hylla %s\n", HYLLA_VERSION);
    return 0;
}

static int cmd_routes(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: hylla routes\n\n"
             "Print the API route table as JSON: method, pattern, who may use each route\n"
             "(access: a role) and how far staff bound to a branch reach with it (branch:\n"
             "data, any, path or network).");
        return 0;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < routes_api.nroutes; i++) {
        const struct route *r = &routes_api.routes[i];
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s}", "method", r->method, "pattern", r->pattern,
                            "access", routes_access_name(r->access), "branch",
                            r->access == ACCESS_PUBLIC ? "any" : routes_scope_name(r->scope)));
    }
    json_dumpf(list, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(list);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "serve", cmd_serve, "serve the web app and the API" },
    { "setup", cli_setup, "prepare a new installation: migrate, first admin, configuration" },
    { "migrate", cmd_migrate, "bring the database schema up to date" },
    { "check", cli_check, "verify migrations, invariants and statistics of a database" },
    { "user", cli_user, "add a staff account, set its password, disable it" },
    { "import", cli_import, "add items to a branch from a CSV file" },
    { "anonymize", cli_anonymize, "erase borrowers inactive for a long time" },
    { "remind", cli_remind, "plan reminders and send the messages due" },
    { "routes", cmd_routes, "print the API route table" },
    { "version", cmd_version, "print the version" },
};

/*
 * Settings from the configuration file into the environment, and the database password from a
 * secret (HYLLA_DATABASE_PASSWORD, or the file HYLLA_DATABASE_PASSWORD_FILE names) into libpq's
 * PGPASSWORD. False after saying what is wrong.
 */
static bool load_configuration(void)
{
    const char *path = getenv("HYLLA_CONFIG");
    bool named = path && *path;
    char *why = NULL;
    if (!config_load(named ? path : HYLLA_DEFAULT_CONFIG, named, &why)) {
        fprintf(stderr, "hylla: %s\n", why);
        free(why);
        return false;
    }
    char *password = config_secret("HYLLA_DATABASE_PASSWORD", &why);
    if (why) {
        fprintf(stderr, "hylla: %s\n", why);
        free(why);
        return false;
    }
    if (password)
        setenv("PGPASSWORD", password, 1);
    free(password);
    return true;
}

static void main_usage(FILE *out)
{
    fprintf(out, "usage: hylla COMMAND [options]\n\n"
                 "hylla is a lending library for sport and outdoor equipment.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nRun `hylla COMMAND --help` for the options of a command. Settings come from\n"
            "flags, then the environment, then the configuration file (HYLLA_CONFIG, or\n"
            "%s when it exists).\n",
            HYLLA_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "hylla: libsodium could not be initialised\n");
        return 1;
    }
    if (argc < 2) {
        main_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        main_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv);
    if (!load_configuration())
        return 2;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hylla: unknown command \"%s\"\n\n", argv[1]);
    main_usage(stderr);
    return 2;
}
