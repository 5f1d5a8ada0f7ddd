/* server: libmicrohttpd in, struct req / struct reply out (see server.h). */
#include "server.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/guard.h"
#include "http/lanes.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct exchange;

/*
 * A connection thread: a libmicrohttpd daemon of its own, run from its own epoll set (the
 * daemon's epoll descriptor, the socket of the statement sent ahead while it runs, an event to
 * wake it), and the requests of a prefetching route it answers itself.
 */
struct loop {
    struct server *srv;
    struct MHD_Daemon *daemon;
    pthread_t thread;
    /*
     * wake_fd: an event that wakes the loop when a lane has resumed one of its connections
     * (libmicrohttpd has no wake-up of its own for a daemon run from outside) or it is to stop.
     * db_fd: the socket in epfd while a statement runs, else -1.
     */
    int epfd, wake_fd, db_fd;
    atomic_bool quiescing, stopping;             /* to take no new connection; to end */
    struct exchange *gathered[ROUTER_BATCH_MAX]; /* waiting for the next statement */
    size_t ngathered;
    struct exchange *sent[ROUTER_BATCH_MAX]; /* answered by the statement running */
    size_t nsent;
};

struct server {
    struct loop *loops;
    unsigned nloops;
    const struct router *router;
    struct lanes *lanes;
    struct guard *guard;
    struct server_prefetch prefetch;
    uint16_t port;
    bool access_log;
    /* The cap on an address's connections, over every loop's daemon (see admit_connection). */
    unsigned max_per_address;
    pthread_mutex_t count_lock;
    struct address_count *per_address[256];
};

/* How many connections an address holds (struct server's per_address, a hash of lists). */
struct address_count {
    char addr[INET6_ADDRSTRLEN];
    unsigned n;
    struct address_count *next;
};

static _Thread_local struct loop *tl_loop; /* the connection thread's own */

/* What a connection keeps while it is open: its deadlines, and its peer's address as text. */
struct connection {
    struct guard_conn *guard;
    char peer[INET6_ADDRSTRLEN];
};

/*
 * Where a request stands: being received; handed to a lane (its connection suspended) and being
 * answered there; answered by the lane, its reply waiting for the connection's thread to send
 * it; sent.
 */
enum exchange_state { EX_RECEIVING, EX_IN_LANE, EX_REPLIED, EX_SENT };

/* One request from its first byte to its completion. */
struct exchange {
    struct lane_job job; /* first, so that a job is its exchange */
    struct server *srv;
    struct MHD_Connection *conn;
    struct loop *loop;                   /* the connection thread's */
    const struct connection *connection; /* NULL only if libmicrohttpd did not say */
    struct guard_conn *guard;            /* the connection's deadlines */
    enum exchange_state state;
    struct reply rep; /* a lane's answer, while EX_REPLIED */
    struct timespec start;
    char *uri; /* raw request target, for the query string */
    struct req req;
    struct kv *headers;
    size_t nheaders, headers_cap;
    struct kv *query;
    size_t nquery;
    char *query_storage;
    struct buf body;
    struct router_plan plan; /* its route's lane, body limit and batch key */
    bool too_large;
    int status;
    char method[16];
    char path[256];
};

static atomic_int in_flight;

/* What every response carries. A reply may set its own value for any of them. */
static const struct kv security_headers[] = {
    { "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "connect-src 'self'; font-src 'self'; media-src 'self' data:; object-src 'none'; "
      "base-uri 'none'; frame-ancestors 'none'; form-action 'self'" },
    { "X-Content-Type-Options", "nosniff" },
    { "Referrer-Policy", "same-origin" },
    { "X-Frame-Options", "DENY" },
    { "Cross-Origin-Opener-Policy", "same-origin" },
    { "Permissions-Policy", "camera=(self), microphone=(), geolocation=(self)" },
};

/* libmicrohttpd's own MHD_queue_response, which send_reply calls (see the interposer below). */
typedef enum MHD_Result (*queue_response_fn)(struct MHD_Connection *, unsigned int,
                                             struct MHD_Response *);
static queue_response_fn real_queue_response;

/* The public URL is https: browsers are told to use nothing else. Set before the daemon starts. */
static bool https_only;

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode one query component in place: '+' is a space, %XX a byte. False when it held %00. */
static bool query_unescape(char *s)
{
    char *out = s;
    bool ok = true;
    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        } else if (*s == '%' && hex_value(s[1]) >= 0 && hex_value(s[2]) >= 0) {
            *out++ = (char)(hex_value(s[1]) * 16 + hex_value(s[2]));
            ok = ok && out[-1] != '\0';
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return ok;
}

/*
 * Split the query string of the raw URI into decoded key/value pairs, and note a NUL byte (%00)
 * decoded in the path or the query: the router refuses such a request.
 */
static void parse_query(struct exchange *ex)
{
    const char *q = ex->uri ? strchr(ex->uri, '?') : NULL;
    size_t path_len = q ? (size_t)(q - ex->uri) : strlen(ex->uri);
    for (size_t i = 0; i + 2 < path_len && !ex->req.has_nul; i++)
        ex->req.has_nul = ex->uri[i] == '%' && ex->uri[i + 1] == '0' && ex->uri[i + 2] == '0';
    if (!q || !q[1])
        return;
    ex->query_storage = xstrdup(q + 1);
    size_t cap = 1;
    for (const char *p = ex->query_storage; *p; p++)
        cap += *p == '&';
    ex->query = xcalloc(cap, sizeof *ex->query);
    char *save = NULL;
    for (char *part = strtok_r(ex->query_storage, "&", &save); part;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq)
            *eq++ = '\0';
        if (!query_unescape(part) || (eq && !query_unescape(eq)))
            ex->req.has_nul = true;
        if (strlen(part) > 0)
            ex->query[ex->nquery++] = (struct kv){ part, eq ? eq : "" };
    }
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct exchange *ex = cls;
    if (ex->nheaders == ex->headers_cap) {
        ex->headers_cap = ex->headers_cap ? 2 * ex->headers_cap : 16;
        ex->headers = xrealloc(ex->headers, ex->headers_cap * sizeof *ex->headers);
    }
    ex->headers[ex->nheaders++] = (struct kv){ key, value ? value : "" };
    return MHD_YES;
}

/* Called by libmicrohttpd with the raw request target before anything else. */
static void *begin_request(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct exchange *ex = xcalloc(1, sizeof *ex);
    ex->srv = cls;
    ex->conn = conn;
    ex->loop = tl_loop;
    reply_init(&ex->rep);
    clock_gettime(CLOCK_MONOTONIC, &ex->start);
    ex->uri = xstrdup(uri ? uri : "/");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    ex->connection = ci ? ci->socket_context : NULL;
    ex->guard = ex->connection ? ex->connection->guard : NULL;
    guard_receiving(ex->guard);
    atomic_fetch_add(&in_flight, 1);
    return ex;
}

static void end_request(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    struct exchange *ex = *con_cls;
    if (!ex)
        return;
    double ms = elapsed_ms(&ex->start);
    const struct route *route = ex->req.route;
    if (ex->method[0])
        metrics_request(route ? route - ex->srv->router->routes : -1, ex->status, ms / 1e3);
    if (ex->srv->access_log && ex->method[0])
        log_access(&(struct log_access){ .method = ex->method,
                                         .path = ex->path,
                                         .route = route ? route->pattern : NULL,
                                         .client = ex->req.client_addr,
                                         .status = ex->status,
                                         .ms = ms,
                                         .aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK });
    guard_answered(ex->guard);
    router_release(&ex->req);
    reply_free(&ex->rep);
    free(ex->uri);
    free(ex->headers);
    free(ex->query);
    free(ex->query_storage);
    buf_free(&ex->body);
    free(ex);
    *con_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

/* A reply's content type and headers, and the security headers it does not set itself. */
static void add_headers(struct MHD_Response *resp, const struct reply *rep)
{
    if (rep->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    for (size_t i = 0; i < rep->nheaders; i++)
        MHD_add_response_header(resp, rep->headers[i].key, rep->headers[i].value);
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        if (!reply_get_header(rep, security_headers[i].key))
            MHD_add_response_header(resp, security_headers[i].key, security_headers[i].value);
    if (https_only)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct exchange *ex,
                                  struct reply *rep)
{
    struct MHD_Response *resp;
    if (rep->fd >= 0) {
        resp = MHD_create_response_from_fd_at_offset64(rep->fd_size, rep->fd, rep->fd_offset);
        if (resp)
            rep->fd = -1; /* libmicrohttpd closes it */
    } else {
        resp = MHD_create_response_from_buffer(rep->body_len, rep->body ? rep->body : (char *)"",
                                               rep->body ? MHD_RESPMEM_MUST_FREE
                                                         : MHD_RESPMEM_PERSISTENT);
        if (resp)
            rep->body = NULL;
    }
    if (!resp)
        return MHD_NO;
    add_headers(resp, rep);
    ex->status = rep->status;
    enum MHD_Result ret = real_queue_response(conn, (unsigned)rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The problem for a status libmicrohttpd answers on its own; false for one it has no entry. */
static bool own_error_problem(unsigned int status, enum problem *p)
{
    switch (status) {
    case MHD_HTTP_BAD_REQUEST:
        *p = PROBLEM_bad_request;
        return true;
    case MHD_HTTP_CONTENT_TOO_LARGE:
        *p = PROBLEM_body_too_large;
        return true;
    case MHD_HTTP_URI_TOO_LONG:
        *p = PROBLEM_uri_too_long;
        return true;
    case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
        *p = PROBLEM_headers_too_large;
        return true;
    case MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED:
        *p = PROBLEM_http_version_not_supported;
        return true;
    case MHD_HTTP_INTERNAL_SERVER_ERROR:
        *p = PROBLEM_internal_error;
        return true;
    default:
        return false;
    }
}

/*
 * libmicrohttpd answers a request it cannot parse (a malformed request line or header, a request
 * line or headers beyond its memory, an HTTP version it does not speak, a bad Content-Length or
 * chunk) itself, before any callback of ours, with an HTML page and none of our headers, and it
 * has no option to change that. It queues that answer through its exported MHD_queue_response,
 * called through the PLT, so this definition in the executable is the one it reaches (ELF symbol
 * interposition), while send_reply calls the library's own through real_queue_response. An answer
 * of ours instead: problem+json with the security headers, the connection closed after it, as
 * libmicrohttpd closes it. tests/api/server.test.mjs checks every such status on the wire, so a
 * libmicrohttpd that stops calling through the PLT fails the suite instead of going unnoticed.
 */
enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    enum problem p;
    if (!own_error_problem(status_code, &p))
        return real_queue_response(connection, status_code, response);
    struct reply rep;
    reply_init(&rep);
    reply_problem(&rep, p, NULL);
    reply_header(&rep, "Connection", "close");
    reply_header(&rep, "Cache-Control", "no-store");
    struct MHD_Response *ours =
        MHD_create_response_from_buffer(rep.body_len, rep.body, MHD_RESPMEM_MUST_FREE);
    if (!ours) {
        reply_free(&rep);
        return real_queue_response(connection, status_code, response);
    }
    rep.body = NULL;
    add_headers(ours, &rep);
    enum MHD_Result ret = real_queue_response(connection, status_code, ours);
    MHD_destroy_response(ours);
    reply_free(&rep);
    return ret;
}

static enum MHD_Result too_large(struct MHD_Connection *conn, struct exchange *ex)
{
    struct reply rep;
    reply_init(&rep);
    guard_serving(ex->guard);
    char detail[96];
    snprintf(detail, sizeof detail, "This request may send at most %zu bytes.",
             ex->plan.body_limit);
    reply_problem(&rep, PROBLEM_body_too_large, detail);
    reply_header(&rep, "Connection", "close");
    enum MHD_Result ret = send_reply(conn, ex, &rep);
    reply_free(&rep);
    ex->state = EX_SENT;
    return ret;
}

/* Wake a connection thread (from another thread), to resume its connections or stop. */
static void wake(struct loop *lp)
{
    if (lp && eventfd_write(lp->wake_fd, 1) != 0)
        log_error("cannot wake a connection thread");
}

static void to_lane(struct exchange *ex)
{
    lanes_submit(ex->srv->lanes, (unsigned)ex->plan.lane, &ex->job);
}

/* On a lane thread: answer the request, then give the connection back to its thread. */
static void run_in_lane(struct lane_job *job)
{
    struct exchange *ex = (struct exchange *)job;
    router_dispatch(ex->srv->router, &ex->req, &ex->rep);
    ex->state = EX_REPLIED;
    struct loop *lp = ex->loop; /* once resumed, the exchange is its thread's to free */
    MHD_resume_connection(ex->conn);
    wake(lp);
}

/*
 * On a lane thread: answer requests of one route together, then give each connection back to its
 * thread. A request the batch left unanswered goes back to the lane, alone: the thread that takes
 * it may wait for it (a row lock) while this one and the others go on.
 */
static void run_batch_in_lane(struct lane_job **jobs, size_t n)
{
    struct req *reqs[LANES_BATCH_MAX];
    struct reply *reps[LANES_BATCH_MAX];
    struct exchange *ex = (struct exchange *)jobs[0];
    for (size_t i = 0; i < n; i++) {
        struct exchange *e = (struct exchange *)jobs[i];
        reqs[i] = &e->req;
        reps[i] = &e->rep;
    }
    size_t left = router_dispatch_batch(ex->srv->router, reqs, reps, n);
    /*
     * Each loop woken once, after all its connections are resumed (the batch's are of a few
     * loops); once resumed, an exchange is its thread's to free, so the loops are noted before.
     */
    struct loop *loops[LANES_BATCH_MAX];
    size_t nloops = 0;
    for (size_t i = 0; i < n; i++) {
        struct exchange *e = (struct exchange *)jobs[i];
        if (left && e->rep.status == 0) {
            e->job.batch_key = NULL;
            to_lane(e);
            continue;
        }
        size_t j = 0;
        while (j < nloops && loops[j] != e->loop)
            j++;
        if (j == nloops)
            loops[nloops++] = e->loop;
        e->state = EX_REPLIED;
        MHD_resume_connection(e->conn);
    }
    for (size_t j = 0; j < nloops; j++)
        wake(loops[j]);
}

_Static_assert(LANES_BATCH_MAX <= ROUTER_BATCH_MAX, "a lane's batch fits the router's");

/*
 * Keep a request of a prefetching route for the connection thread's next statement (suspended);
 * false when it goes to its lane instead.
 */
static bool gather(struct exchange *ex)
{
    struct loop *lp = tl_loop;
    if (!lp || !ex->plan.prefetch || !ex->srv->prefetch.socket ||
        lp->ngathered == ROUTER_BATCH_MAX || atomic_load(&lp->stopping) ||
        (lp->ngathered && lp->gathered[0]->plan.batch_key != ex->plan.batch_key))
        return false;
    lp->gathered[lp->ngathered++] = ex;
    /* Desk work, though on no desk thread: the reads' lane yields to it (lanes.h). */
    lanes_note(ex->srv->lanes, (unsigned)ex->plan.lane, 1);
    return true;
}

/* The requests gathered become those the statement running answers. */
static void gathered_to_sent(struct loop *lp)
{
    memcpy(lp->sent, lp->gathered, lp->ngathered * sizeof lp->sent[0]);
    lp->nsent = lp->ngathered;
    lp->ngathered = 0;
}

/* Send the statement of the requests gathered, unless one runs: else they go to their lane. */
static void send_gathered(struct loop *lp)
{
    if (lp->nsent || !lp->ngathered)
        return;
    struct req *reqs[ROUTER_BATCH_MAX];
    for (size_t i = 0; i < lp->ngathered; i++)
        reqs[i] = &lp->gathered[i]->req;
    int fd = -1;
    if (router_prefetch(lp->srv->router, reqs, lp->ngathered) &&
        (fd = lp->srv->prefetch.socket()) >= 0) {
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
        if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
            lp->db_fd = fd;
            gathered_to_sent(lp);
            return;
        }
    }
    if (fd >= 0)
        lp->srv->prefetch.drop();
    for (size_t i = 0; i < lp->ngathered; i++)
        to_lane(lp->gathered[i]);
    lanes_note(lp->srv->lanes, (unsigned)lp->gathered[0]->plan.lane, -(int)lp->ngathered);
    lp->ngathered = 0;
}

/*
 * Once the statement's answer is in (or at the end, wait): answer its requests here, waiting for
 * nothing more; if any would have waited, all of them go to their lane instead, as if they had
 * never been here. True when it answered them here.
 */
static bool answer_sent(struct loop *lp, bool wait)
{
    const struct server_prefetch *pf = &lp->srv->prefetch;
    if (!lp->nsent || (!wait && !pf->poll()))
        return false;
    if (lp->db_fd >= 0)
        epoll_ctl(lp->epfd, EPOLL_CTL_DEL, lp->db_fd, NULL);
    lp->db_fd = -1;
    unsigned lane = (unsigned)lp->sent[0]->plan.lane;
    struct req *reqs[ROUTER_BATCH_MAX];
    struct reply *reps[ROUTER_BATCH_MAX];
    for (size_t i = 0; i < lp->nsent; i++) {
        reqs[i] = &lp->sent[i]->req;
        reps[i] = &lp->sent[i]->rep;
    }
    pf->no_wait(!wait);
    /* One alone is run as a lane runs one alone: the route's handler reads the same. */
    size_t left = 0;
    if (lp->nsent == 1)
        router_dispatch(lp->srv->router, reqs[0], reps[0]);
    else
        left = router_dispatch_batch(lp->srv->router, reqs, reps, lp->nsent);
    pf->no_wait(false);
    bool again = !wait && pf->would_have_waited();
    pf->drop();
    metrics_prefetched(lp->nsent, !again);
    for (size_t i = 0; i < lp->nsent; i++) {
        struct exchange *ex = lp->sent[i];
        if (again || (left && ex->rep.status == 0)) {
            router_reset(&ex->req);
            reply_free(&ex->rep);
            reply_init(&ex->rep);
            to_lane(ex);
        } else {
            ex->state = EX_REPLIED;
            MHD_resume_connection(ex->conn);
        }
    }
    if (!wait) /* at the end, the lanes are gone */
        lanes_note(lp->srv->lanes, lane, -(int)lp->nsent);
    lp->nsent = 0;
    return !again;
}

/* A connection thread: its daemon's work, and its statements' answers, as they come. */
static void *loop_main(void *arg)
{
    struct loop *lp = arg;
    tl_loop = lp;
    const struct server_prefetch *pf = &lp->srv->prefetch;
    if (pf->thread_start)
        pf->thread_start();
    for (;;) {
        MHD_UNSIGNED_LONG_LONG ms;
        int timeout = MHD_get_timeout(lp->daemon, &ms) != MHD_YES ? -1
                      : ms > INT_MAX                              ? INT_MAX
                                                                  : (int)ms;
        struct epoll_event ev[8];
        int n = epoll_wait(lp->epfd, ev, 8, timeout);
        for (int i = 0; i < n; i++) {
            eventfd_t count;
            if (ev[i].data.fd == lp->wake_fd)
                (void)eventfd_read(lp->wake_fd, &count);
        }
        if (atomic_exchange(&lp->quiescing, false)) {
            MHD_socket listen_fd = MHD_quiesce_daemon(lp->daemon);
            if (listen_fd != MHD_INVALID_SOCKET)
                close(listen_fd);
        }
        bool stop = atomic_load(&lp->stopping);
        MHD_run(lp->daemon);
        if (answer_sent(lp, false))
            MHD_run(lp->daemon); /* their answers out now */
        if (stop)
            break;
        send_gathered(lp);
    }
    /* The lanes are stopped: what is left here is answered here, waiting as long as it takes. */
    answer_sent(lp, true);
    gathered_to_sent(lp);
    answer_sent(lp, true);
    for (int i = 0; i < 100 && atomic_load(&in_flight) > 0; i++) {
        MHD_run(lp->daemon);
        usleep(1000);
    }
    if (pf->thread_stop)
        pf->thread_stop();
    return NULL;
}

/* A socket address's host as text ("" when it is neither IPv4 nor IPv6). */
static void sockaddr_text(const struct sockaddr *sa, char out[INET6_ADDRSTRLEN])
{
    out[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  INET6_ADDRSTRLEN);
}

/* The TCP peer's address as text ("" when unknown). */
static void peer_address(struct MHD_Connection *conn, char peer[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    sockaddr_text(ci ? ci->client_addr : NULL, peer);
}

/* The list of an address's count in srv->per_address. */
static struct address_count **address_list(struct server *srv, const char *addr)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &srv->per_address[h % (sizeof srv->per_address / sizeof srv->per_address[0])];
}

/*
 * libmicrohttpd's accept policy, one for every loop's daemon: a new connection is taken while its
 * address holds fewer than --max-per-address, and counted until release_connection. (The cap on
 * all connections is each daemon's share of it: at its share, a daemon takes no new connection
 * and they wait in the listening socket's queue, as with libmicrohttpd's own thread pool.)
 */
static enum MHD_Result admit_connection(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct server *srv = cls;
    char peer[INET6_ADDRSTRLEN];
    sockaddr_text(addr, peer);
    pthread_mutex_lock(&srv->count_lock);
    struct address_count **list = address_list(srv, peer), *a = *list;
    while (a && strcmp(a->addr, peer) != 0)
        a = a->next;
    bool ok = !a || a->n < srv->max_per_address;
    if (ok) {
        if (!a) {
            a = xcalloc(1, sizeof *a);
            memcpy(a->addr, peer, sizeof a->addr);
            a->next = *list;
            *list = a;
        }
        a->n++;
    }
    pthread_mutex_unlock(&srv->count_lock);
    return ok ? MHD_YES : MHD_NO;
}

/* A connection admit_connection counted has closed. */
static void release_connection(struct server *srv, const char *peer)
{
    pthread_mutex_lock(&srv->count_lock);
    struct address_count **p = address_list(srv, peer);
    while (*p && strcmp((*p)->addr, peer) != 0)
        p = &(*p)->next;
    if (*p) {
        if (--(*p)->n == 0) {
            struct address_count *gone = *p;
            *p = gone->next;
            free(gone);
        }
    }
    pthread_mutex_unlock(&srv->count_lock);
}

/*
 * The client's address: the TCP peer's, or behind a trusted proxy the one its X-Forwarded-For
 * names (every such header, in order, as one list).
 */
static void client_address(const struct exchange *ex, char *out, size_t outlen)
{
    char peer[INET6_ADDRSTRLEN];
    if (ex->connection)
        memcpy(peer, ex->connection->peer, sizeof peer);
    else
        peer_address(ex->conn, peer);
    struct buf xff = BUF_INIT;
    for (size_t i = 0; settings->trusted_proxies.n && i < ex->nheaders; i++)
        if (strcasecmp(ex->headers[i].key, "X-Forwarded-For") == 0)
            buf_printf(&xff, "%s%s", xff.len ? "," : "", ex->headers[i].value);
    cidr_client_address(&settings->trusted_proxies, peer, xff.data, out, outlen);
    buf_free(&xff);
}

/* src copied into dst of size bytes, cut to fit (snprintf's "%s" without its cost). */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct exchange *ex = *con_cls;
    if (!ex)
        return MHD_NO;

    if (!ex->method[0]) {
        /* First call: headers are in, the body (if any) is not. */
        copy_cut(ex->method, sizeof ex->method, method);
        copy_cut(ex->path, sizeof ex->path, url);
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, ex);
        ex->req.method = method;
        ex->req.path = url;
        ex->plan = router_plan(ex->srv->router, method, url);
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > ex->plan.body_limit)
            return too_large(conn, ex);
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (ex->state == EX_RECEIVING && !ex->too_large) {
            if (ex->body.len + *upload_data_size > ex->plan.body_limit)
                ex->too_large = true;
            else
                buf_append(&ex->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ex->state == EX_REPLIED) {
        /* Resumed: the lane's answer goes out on this, the connection's own thread. */
        enum MHD_Result ret = send_reply(conn, ex, &ex->rep);
        ex->state = EX_SENT;
        return ret;
    }
    if (ex->state != EX_RECEIVING)
        return MHD_YES;
    if (ex->too_large)
        return too_large(conn, ex);

    struct req *req = &ex->req;
    req->headers = ex->headers;
    req->nheaders = ex->nheaders;
    parse_query(ex);
    req->query = ex->query;
    req->nquery = ex->nquery;
    req->body = ex->body.data;
    req->body_len = ex->body.len;
    client_address(ex, req->client_addr, sizeof req->client_addr);
    req->received_s = monotonic_s();

    guard_serving(ex->guard);
    int lane = ex->plan.lane;
    if (lane != ROUTER_INLINE) {
        /* The lane answers; until then this thread serves the other connections. */
        ex->state = EX_IN_LANE;
        ex->job.run = run_in_lane;
        ex->job.batch_key = ex->plan.batch_key;
        ex->job.gated = ex->plan.gated;
        ex->job.batch_free = ex->plan.batch_free;
        ex->job.run_batch = run_batch_in_lane;
        MHD_suspend_connection(conn);
        if (!gather(ex))
            to_lane(ex);
        return MHD_YES;
    }
    struct reply rep;
    reply_init(&rep);
    router_dispatch(ex->srv->router, req, &rep);
    enum MHD_Result ret = send_reply(conn, ex, &rep);
    reply_free(&rep);
    ex->state = EX_SENT;
    return ret;
}

/* A connection opens or closes (on its thread, before libmicrohttpd closes its socket). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        metrics_connection(1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct connection *c = xcalloc(1, sizeof *c);
        peer_address(conn, c->peer);
        c->guard = ci ? guard_open(srv->guard, ci->connect_fd, c->peer) : NULL;
        *socket_context = c;
    } else {
        metrics_connection(-1);
        struct connection *c = *socket_context;
        if (c) {
            guard_close(srv->guard, c->guard);
            release_connection(srv, c->peer);
            free(c);
        }
        *socket_context = NULL;
    }
}

/* libmicrohttpd's messages, into the log; the attribute tells clang fmt is a format. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    while (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    log_warn("http: %s", b.data ? b.data : "");
    buf_free(&b);
}

static void stop_loops(struct server *srv, unsigned running);
static void free_server(struct server *srv);

/*
 * Each connection's memory (the request line and headers as they come, the head of the answer):
 * libmicrohttpd's default is 32 KiB, malloc'd and zeroed at every request, so all of it is
 * resident, 8 MiB at 256 connections. 16 KiB still takes 12 kB of request headers
 * (tests/api/server.test.mjs), more than browsers send; bodies stream through it.
 */
#define CONNECTION_MEMORY (16 * 1024)

/*
 * A loop's daemon, for at most limit connections, listening on addr with a socket of its own
 * (SO_REUSEPORT: the kernel spreads new connections over the loops' sockets evenly; with one
 * socket for all, the loop that woke first took them, and at times one thread served every
 * connection while the other idled).
 */
static struct MHD_Daemon *start_daemon(struct server *srv, const struct settings *s, unsigned flags,
                                       unsigned limit, const struct sockaddr_storage *addr)
{
    return MHD_start_daemon(
        flags, 0, admit_connection, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr, MHD_OPTION_LISTENING_ADDRESS_REUSE,
        (unsigned int)1, MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)s->connection_timeout_s, MHD_OPTION_URI_LOG_CALLBACK, begin_request, srv,
        MHD_OPTION_NOTIFY_COMPLETED, end_request, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
}

/*
 * Whether another process listens on addr already: a plain bind (no SO_REUSEPORT) fails then,
 * though the loops' own sockets, which share the port, may bind. Port 0 is always free.
 */
static bool address_taken(const struct sockaddr_storage *addr, socklen_t addrlen)
{
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)addr;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)addr;
    if ((addr->ss_family == AF_INET ? in4->sin_port : in6->sin6_port) == 0)
        return false;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    bool taken = bind(fd, (const struct sockaddr *)addr, addrlen) != 0 && errno == EADDRINUSE;
    close(fd);
    return taken;
}

struct server *server_start(const struct settings *s, const struct server_config *config,
                            const char **why)
{
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (!settings_parse_listen(s->listen, &addr, &addrlen, why))
        return NULL;

    struct server *srv = xcalloc(1, sizeof *srv);
    srv->router = config->router;
    srv->access_log = s->access_log;
    https_only = s->public_url && strncmp(s->public_url, "https://", 8) == 0;
    real_queue_response = (queue_response_fn)(uintptr_t)dlsym(RTLD_NEXT, "MHD_queue_response");
    if (!real_queue_response) {
        free(srv);
        *why = "libmicrohttpd's MHD_queue_response was not found";
        return NULL;
    }
    srv->lanes = lanes_start(config->lanes, config->nlanes, &config->hooks);
    /* An eighth of the cap stays free for new clients and health checks (see guard.h). */
    unsigned reserve = s->connection_limit / 8 ? s->connection_limit / 8 : 1;
    srv->guard = guard_start(&(struct guard_config){ .max_connections = s->connection_limit,
                                                     .reserve = reserve,
                                                     .request_timeout_s = s->request_timeout_s,
                                                     .idle_timeout_s = s->connection_timeout_s });
    srv->prefetch = config->prefetch;
    srv->max_per_address = s->per_address_limit;
    pthread_mutex_init(&srv->count_lock, NULL);
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Each daemon its own socket on the address; the others on the port the first one got. */
    srv->nloops = s->http_threads ? s->http_threads : 1;
    srv->loops = xcalloc(srv->nloops, sizeof *srv->loops);
    for (unsigned i = 0; i < srv->nloops; i++) {
        srv->loops[i].srv = srv;
        srv->loops[i].db_fd = srv->loops[i].epfd = srv->loops[i].wake_fd = -1;
    }
    unsigned running = 0; /* loops whose thread started */
    bool failed = address_taken(&addr, addrlen);
    for (unsigned i = 0; i < srv->nloops && !failed; i++) {
        struct loop *lp = &srv->loops[i];
        /* Each its share of the cap, as libmicrohttpd shares it among a pool's threads. */
        unsigned limit =
            s->connection_limit / srv->nloops + (i < s->connection_limit % srv->nloops);
        lp->daemon = start_daemon(srv, s, flags, limit, &addr);
        const union MHD_DaemonInfo *ep =
            lp->daemon ? MHD_get_daemon_info(lp->daemon, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
        const union MHD_DaemonInfo *bound =
            i == 0 && lp->daemon ? MHD_get_daemon_info(lp->daemon, MHD_DAEMON_INFO_BIND_PORT)
                                 : NULL;
        if (bound && addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&addr)->sin6_port = htons(bound->port);
        else if (bound)
            ((struct sockaddr_in *)&addr)->sin_port = htons(bound->port);
        lp->epfd = epoll_create1(EPOLL_CLOEXEC);
        lp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        struct epoll_event in = { .events = EPOLLIN, .data.fd = ep ? ep->epoll_fd : -1 };
        struct epoll_event woken = { .events = EPOLLIN, .data.fd = lp->wake_fd };
        failed = !lp->daemon || !ep || lp->epfd < 0 || lp->wake_fd < 0 ||
                 epoll_ctl(lp->epfd, EPOLL_CTL_ADD, ep->epoll_fd, &in) != 0 ||
                 epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->wake_fd, &woken) != 0 ||
                 pthread_create(&lp->thread, NULL, loop_main, lp) != 0;
        running += !failed;
    }
    if (failed) {
        stop_loops(srv, running);
        lanes_stop(srv->lanes);
        guard_stop(srv->guard);
        free_server(srv);
        *why = "cannot listen there (address in use, or not an address of this machine)";
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->loops[0].daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;

    char host[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, host, sizeof host);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, host, sizeof host);
    if (addr.ss_family == AF_INET6)
        fprintf(stderr, "hylla listening on http://[%s]:%u\n", host, srv->port);
    else
        fprintf(stderr, "hylla listening on http://%s:%u\n", host, srv->port);
    return srv;
}

/*
 * End the first `running` loops' threads (each answers what it still holds), then stop every
 * loop's daemon and close its descriptors (those not made are NULL and -1).
 */
static void stop_loops(struct server *srv, unsigned running)
{
    for (unsigned i = 0; i < running; i++) {
        atomic_store(&srv->loops[i].stopping, true);
        wake(&srv->loops[i]);
    }
    for (unsigned i = 0; i < running; i++)
        pthread_join(srv->loops[i].thread, NULL);
    for (unsigned i = 0; i < srv->nloops; i++) {
        struct loop *lp = &srv->loops[i];
        if (lp->daemon)
            MHD_stop_daemon(lp->daemon);
        if (lp->epfd >= 0)
            close(lp->epfd);
        if (lp->wake_fd >= 0)
            close(lp->wake_fd);
    }
}

static void free_server(struct server *srv)
{
    for (size_t i = 0; i < sizeof srv->per_address / sizeof srv->per_address[0]; i++)
        while (srv->per_address[i]) {
            struct address_count *a = srv->per_address[i];
            srv->per_address[i] = a->next;
            free(a);
        }
    pthread_mutex_destroy(&srv->count_lock);
    free(srv->loops);
    free(srv);
}

void server_stop(struct server *srv, unsigned grace_seconds)
{
    if (!srv)
        return;
    /* Each connection thread stops listening (libmicrohttpd wants that done on its thread). */
    for (unsigned i = 0; i < srv->nloops; i++) {
        atomic_store(&srv->loops[i].quiescing, true);
        wake(&srv->loops[i]);
    }
    /* Requests already received finish and get their answer. */
    for (unsigned i = 0; i < grace_seconds * 100 && atomic_load(&in_flight) > 0; i++)
        usleep(10000);
    /*
     * Whatever a lane still runs finishes (libmicrohttpd must not stop with a connection
     * suspended): the database's statement timeout bounds the wait. The connection threads run
     * on meanwhile, to send what the lanes answer.
     */
    lanes_stop(srv->lanes);
    stop_loops(srv, srv->nloops);
    guard_stop(srv->guard);
    free_server(srv);
}
