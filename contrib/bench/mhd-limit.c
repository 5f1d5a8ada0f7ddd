/*
 * mhd-limit: the HTTP limit of contrib/bench/run. A libmicrohttpd server in hylla's threading
 * mode until 3 December 2026 (an internal polling thread, epoll, a pool of threads as many as
 * hylla's --http-threads, the same connection limits as `hylla serve`; hylla now runs a daemon
 * per thread from loops of its own, src/http/server.c) that answers every request
 * at once with a fixed JSON body of a given size and does nothing else: no routing, no lanes, no
 * database, no headers beyond Content-Type.
 * What it serves per second is what HTTP alone allows on this machine for answers of that size,
 * so hylla's requests per second divided by its own is the share HTTP leaves to hylla's work.
 *
 *   mhd-limit [--lanes N] THREADS SIZE [PREFIX SIZE]...
 *
 * With --lanes N, every request is handed off as hylla hands a request to a lane
 * (src/http/server.c, src/http/lanes.c), and nothing else is done: its connection suspended, the
 * request queued, one of N threads woken to take every request queued and resume each connection,
 * the answer queued on the connection's own thread. What that serves is the limit of the
 * hand-off itself, before any routing, session, database or JSON (contrib/bench/README.md).
 *
 * listens on a free port of 127.0.0.1, prints "mhd-limit listening on http://127.0.0.1:PORT" on
 * standard error, and stops on SIGTERM or SIGINT. A request whose path starts with PREFIX gets a
 * body of that SIZE instead (the lend-and-return cycle answers checkouts and returns in two
 * sizes). Request bodies are read and dropped.
 */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODIES 8

struct body {
    const char *prefix; /* NULL: every other path */
    char *json;
    size_t size;
};

static struct body bodies[MAX_BODIES];
static size_t nbodies;

/* --lanes: a request handed off (suspended, queued) and given back (resumed). */
struct handoff {
    struct MHD_Connection *conn;
    bool handed, back;
    struct handoff *next;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_filled = PTHREAD_COND_INITIALIZER;
static struct handoff *queue_head, **queue_tail = &queue_head;

/* A lane thread: take every request queued, give each back, wait for more. */
static void *lane(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&queue_lock);
        while (!queue_head)
            pthread_cond_wait(&queue_filled, &queue_lock);
        struct handoff *h = queue_head;
        queue_head = NULL;
        queue_tail = &queue_head;
        pthread_mutex_unlock(&queue_lock);
        while (h) {
            struct handoff *next = h->next;
            h->back = true;
            MHD_resume_connection(h->conn);
            h = next;
        }
    }
    return NULL;
}

static void hand_off(struct handoff *h)
{
    h->handed = true;
    MHD_suspend_connection(h->conn);
    pthread_mutex_lock(&queue_lock);
    h->next = NULL;
    *queue_tail = h;
    queue_tail = &h->next;
    pthread_cond_signal(&queue_filled);
    pthread_mutex_unlock(&queue_lock);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

/* A JSON object of exactly size bytes (at least 12): {"pad":"xxx...x"}. */
static char *json_of_size(size_t size)
{
    static const char head[] = "{\"pad\":\"", tail[] = "\"}";
    char *s = malloc(size + 1);
    if (!s)
        return NULL;
    size_t pad = size - (sizeof head - 1) - (sizeof tail - 1);
    memcpy(s, head, sizeof head - 1);
    memset(s + sizeof head - 1, 'x', pad);
    memcpy(s + sizeof head - 1 + pad, tail, sizeof tail);
    return s;
}

static const struct body *body_for(const char *url)
{
    for (size_t i = 1; i < nbodies; i++)
        if (strncmp(url, bodies[i].prefix, strlen(bodies[i].prefix)) == 0)
            return &bodies[i];
    return &bodies[0];
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    static int started;
    bool lanes = cls != NULL;
    (void)method;
    (void)version;
    (void)upload_data;
    if (!*con_cls) {
        /* Headers are in; a body, if any, comes next. */
        *con_cls = lanes ? calloc(1, sizeof(struct handoff)) : &started;
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct handoff *h = lanes ? *con_cls : NULL; /* else *con_cls is &started */
    if (h && !h->back) {
        if (!h->handed) {
            h->conn = conn;
            hand_off(h);
        }
        return MHD_YES;
    }
    const struct body *b = body_for(url);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(b->size, b->json, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int usage(void)
{
    fputs("usage: mhd-limit [--lanes N] THREADS SIZE [PREFIX SIZE]...\n", stderr);
    return 2;
}

static int parse_count(const char *text, unsigned long min, unsigned long max, size_t *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

int main(int argc, char **argv)
{
    size_t threads, lanes = 0;
    if (argc > 2 && strcmp(argv[1], "--lanes") == 0) {
        if (!parse_count(argv[2], 1, 256, &lanes))
            return usage();
        argv += 2;
        argc -= 2;
    }
    if (argc < 3 || argc % 2 != 1 || (size_t)(argc - 1) / 2 > MAX_BODIES ||
        !parse_count(argv[1], 1, 256, &threads))
        return usage();
    /* argv[2] is the size for every path, then come PREFIX SIZE pairs. */
    for (int i = 1; i < argc; i += 2) {
        struct body *b = &bodies[nbodies++];
        b->prefix = i == 1 ? NULL : argv[i];
        if (!parse_count(argv[i + 1], 12, 64 * 1024 * 1024, &b->size))
            return usage();
        if (!(b->json = json_of_size(b->size)))
            return 1;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < lanes; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, lane, NULL) != 0)
            return 1;
    }

    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_port = 0,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            (lanes ? MHD_ALLOW_SUSPEND_RESUME : MHD_USE_ITC),
        0, NULL, NULL, answer, lanes ? &lanes : NULL, MHD_OPTION_NOTIFY_COMPLETED,
        lanes ? completed : NULL, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)4096, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)512,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)1024, MHD_OPTION_END);
    if (!d) {
        fputs("mhd-limit: cannot start the daemon\n", stderr);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "mhd-limit listening on http://127.0.0.1:%u\n", info ? info->port : 0);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    for (size_t i = 0; i < nbodies; i++)
        free(bodies[i].json);
    return 0;
}
