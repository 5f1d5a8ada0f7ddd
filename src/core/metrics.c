/* metrics: lock-free counters and their Prometheus text (see metrics.h). */
#include "metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Latency bucket bounds in seconds; the last bucket (+Inf) is the count. */
static const double bounds[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

/* Status classes 1xx to 5xx. */
#define NCLASSES 5

struct slot {
    atomic_ullong by_class[NCLASSES];
    atomic_ullong buckets[NBOUNDS]; /* not cumulative: a request adds to its own bucket only */
    atomic_ullong count;
    atomic_ullong micros; /* the sum of the latencies, in microseconds */
};

/* The routes of the table, then files of the web root, then requests no route matched. */
static struct slot *slots;
static size_t nroutes;
static const char *const *route_methods, *const *route_patterns;

static atomic_llong connections, db_open, db_busy;
static atomic_ullong db_reconnects, db_connect_failures, db_retries;
static atomic_ullong db_statements[2], db_replica_fallbacks; /* [0] primary, [1] replica */
static atomic_ullong batches, batched_requests;
static atomic_ullong prefetched_here, prefetched_lane;
static atomic_ullong shed_deadline, shed_cap, login_busy, login_over_share;
static atomic_ullong messages_sent, messages_retried, messages_failed, messages_cancelled;
static atomic_bool outbox_known;
static atomic_llong outbox_due, outbox_oldest_ms;

void metrics_init(size_t n, const char *const *methods, const char *const *patterns)
{
    free(slots);
    slots = xcalloc(n + 2, sizeof *slots);
    nroutes = n;
    route_methods = methods;
    route_patterns = patterns;
}

void metrics_request(long route, int status, double seconds)
{
    if (!slots)
        return;
    size_t i = route >= 0 && (size_t)route < nroutes ? (size_t)route
               : status < 400                        ? nroutes
                                                     : nroutes + 1;
    struct slot *s = &slots[i];
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < NCLASSES)
        atomic_fetch_add_explicit(&s->by_class[cls], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBOUNDS && seconds > bounds[b])
        b++;
    if (b < NBOUNDS)
        atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->micros, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void metrics_prefetched(size_t n, bool here)
{
    atomic_fetch_add_explicit(here ? &prefetched_here : &prefetched_lane, n, memory_order_relaxed);
}

void metrics_batch(size_t n)
{
    atomic_fetch_add_explicit(&batches, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&batched_requests, n, memory_order_relaxed);
}

void metrics_connection(int delta)
{
    atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

void metrics_login_refused(bool over_share)
{
    atomic_fetch_add_explicit(over_share ? &login_over_share : &login_busy, 1,
                              memory_order_relaxed);
}

void metrics_connection_shed(bool deadline)
{
    atomic_fetch_add_explicit(deadline ? &shed_deadline : &shed_cap, 1, memory_order_relaxed);
}

void metrics_db_open(int delta)
{
    atomic_fetch_add_explicit(&db_open, delta, memory_order_relaxed);
}

void metrics_db_busy(int delta)
{
    atomic_fetch_add_explicit(&db_busy, delta, memory_order_relaxed);
}

void metrics_db_reconnect(void)
{
    atomic_fetch_add_explicit(&db_reconnects, 1, memory_order_relaxed);
}

void metrics_db_connect_failure(void)
{
    atomic_fetch_add_explicit(&db_connect_failures, 1, memory_order_relaxed);
}

void metrics_db_retry(void)
{
    atomic_fetch_add_explicit(&db_retries, 1, memory_order_relaxed);
}

void metrics_db_statement(bool replica, bool background)
{
    if (!background)
        atomic_fetch_add_explicit(&db_statements[replica], 1, memory_order_relaxed);
}

void metrics_db_replica_fallback(void)
{
    atomic_fetch_add_explicit(&db_replica_fallbacks, 1, memory_order_relaxed);
}

void metrics_messages(int sent, int retried, int failed, int cancelled)
{
    atomic_fetch_add_explicit(&messages_sent, (unsigned)sent, memory_order_relaxed);
    atomic_fetch_add_explicit(&messages_retried, (unsigned)retried, memory_order_relaxed);
    atomic_fetch_add_explicit(&messages_failed, (unsigned)failed, memory_order_relaxed);
    atomic_fetch_add_explicit(&messages_cancelled, (unsigned)cancelled, memory_order_relaxed);
}

void metrics_outbox(long long due, double oldest_s)
{
    atomic_store_explicit(&outbox_due, due, memory_order_relaxed);
    atomic_store_explicit(&outbox_oldest_ms, (long long)(oldest_s * 1000), memory_order_relaxed);
    atomic_store_explicit(&outbox_known, true, memory_order_relaxed);
}

/* A label value with \, " and newlines escaped, as the text format wants. */
static void label(struct buf *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            buf_putc(out, '\\');
        if (*p == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, *p);
    }
}

static void route_labels(struct buf *out, size_t i)
{
    buf_puts(out, "method=\"");
    label(out, i < nroutes ? route_methods[i] : "");
    buf_puts(out, "\",route=\"");
    label(out, i < nroutes ? route_patterns[i] : i == nroutes ? "(file)" : "(unmatched)");
    buf_putc(out, '"');
}

static void header(struct buf *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void metrics_render(struct buf *out, const char *version)
{
    header(out, "hylla_build_info", "gauge", "The version of this hylla (always 1).");
    buf_puts(out, "hylla_build_info{version=\"");
    label(out, version);
    buf_puts(out, "\"} 1\n");

    header(out, "hylla_http_requests_total", "counter",
           "Requests answered, by route pattern and status class.");
    for (size_t i = 0; slots && i < nroutes + 2; i++) {
        for (int c = 0; c < NCLASSES; c++) {
            unsigned long long n = LOAD(slots[i].by_class[c]);
            if (!n)
                continue;
            buf_puts(out, "hylla_http_requests_total{");
            route_labels(out, i);
            buf_printf(out, ",status=\"%dxx\"} %llu\n", c + 1, n);
        }
    }

    header(out, "hylla_http_request_duration_seconds", "histogram",
           "Time from the first byte of a request to the last byte of its answer.");
    for (size_t i = 0; slots && i < nroutes + 2; i++) {
        unsigned long long count = LOAD(slots[i].count), cumulative = 0;
        if (!count)
            continue;
        for (size_t b = 0; b <= NBOUNDS; b++) {
            cumulative += b < NBOUNDS ? LOAD(slots[i].buckets[b]) : 0;
            buf_puts(out, "hylla_http_request_duration_seconds_bucket{");
            route_labels(out, i);
            if (b < NBOUNDS)
                buf_printf(out, ",le=\"%g\"} %llu\n", bounds[b], cumulative);
            else
                buf_printf(out, ",le=\"+Inf\"} %llu\n", count);
        }
        buf_puts(out, "hylla_http_request_duration_seconds_sum{");
        route_labels(out, i);
        buf_printf(out, "} %.6f\n", (double)LOAD(slots[i].micros) / 1e6);
        buf_puts(out, "hylla_http_request_duration_seconds_count{");
        route_labels(out, i);
        buf_printf(out, "} %llu\n", count);
    }

    long long open = LOAD(db_open), busy = LOAD(db_busy);
    header(out, "hylla_http_connections", "gauge", "Client connections open now.");
    buf_printf(out, "hylla_http_connections %lld\n", LOAD(connections));
    header(out, "hylla_http_connections_shed_total", "counter",
           "Client connections shut down: past their deadline, or shed near the cap.");
    buf_printf(out, "hylla_http_connections_shed_total{reason=\"deadline\"} %llu\n",
               LOAD(shed_deadline));
    buf_printf(out, "hylla_http_connections_shed_total{reason=\"cap\"} %llu\n", LOAD(shed_cap));
    header(out, "hylla_http_batches_total", "counter",
           "Runs of a route's batch handler: requests queued together answered at once "
           "(the desk's lookups, one statement each run; its checkouts and returns, their "
           "statements sent in one go).");
    buf_printf(out, "hylla_http_batches_total %llu\n", LOAD(batches));
    header(out, "hylla_http_batched_requests_total", "counter", "Requests answered by those runs.");
    buf_printf(out, "hylla_http_batched_requests_total %llu\n", LOAD(batched_requests));
    header(out, "hylla_http_prefetched_requests_total", "counter",
           "Requests whose statement a connection thread sent ahead itself (the desk's lookups): "
           "answered on that thread, or handed to their lane after all.");
    buf_printf(out, "hylla_http_prefetched_requests_total{answered=\"here\"} %llu\n",
               LOAD(prefetched_here));
    buf_printf(out, "hylla_http_prefetched_requests_total{answered=\"lane\"} %llu\n",
               LOAD(prefetched_lane));
    header(out, "hylla_login_refused_total", "counter",
           "Logins refused before their password was checked: the password queue was full "
           "(busy), or the address held its share of it (share).");
    buf_printf(out, "hylla_login_refused_total{reason=\"busy\"} %llu\n", LOAD(login_busy));
    buf_printf(out, "hylla_login_refused_total{reason=\"share\"} %llu\n", LOAD(login_over_share));
    header(out, "hylla_db_connections", "gauge", "Database connections open now, by state.");
    buf_printf(out, "hylla_db_connections{state=\"busy\"} %lld\n", busy);
    buf_printf(out, "hylla_db_connections{state=\"idle\"} %lld\n", open > busy ? open - busy : 0);
    header(out, "hylla_db_reconnects_total", "counter",
           "Database connections opened again after one was lost.");
    buf_printf(out, "hylla_db_reconnects_total %llu\n", LOAD(db_reconnects));
    header(out, "hylla_db_connect_failures_total", "counter",
           "Attempts to open a database connection that failed.");
    buf_printf(out, "hylla_db_connect_failures_total %llu\n", LOAD(db_connect_failures));
    header(out, "hylla_db_retried_transactions_total", "counter",
           "Transactions or statements run again after a serialisation failure, a deadlock or a "
           "lost connection.");
    buf_printf(out, "hylla_db_retried_transactions_total %llu\n", LOAD(db_retries));
    header(out, "hylla_db_statements_total", "counter",
           "Statements that ran for requests, by pool: the primary, or the read replicas.");
    buf_printf(out, "hylla_db_statements_total{pool=\"primary\"} %llu\n", LOAD(db_statements[0]));
    buf_printf(out, "hylla_db_statements_total{pool=\"replica\"} %llu\n", LOAD(db_statements[1]));
    header(out, "hylla_db_replica_fallbacks_total", "counter",
           "Statements run again on the primary because their read replica had gone.");
    buf_printf(out, "hylla_db_replica_fallbacks_total %llu\n", LOAD(db_replica_fallbacks));

    header(out, "hylla_messages_total", "counter",
           "Attempts to send a message by this process, by how they ended (retried: to be tried "
           "again).");
    buf_printf(out, "hylla_messages_total{outcome=\"sent\"} %llu\n", LOAD(messages_sent));
    buf_printf(out, "hylla_messages_total{outcome=\"retried\"} %llu\n", LOAD(messages_retried));
    buf_printf(out, "hylla_messages_total{outcome=\"failed\"} %llu\n", LOAD(messages_failed));
    buf_printf(out, "hylla_messages_total{outcome=\"cancelled\"} %llu\n", LOAD(messages_cancelled));
    if (LOAD(outbox_known)) {
        header(out, "hylla_outbox_due_messages", "gauge",
               "Messages of the whole outbox due now and not sent yet, held for the time window "
               "too, as this process last counted.");
        buf_printf(out, "hylla_outbox_due_messages %lld\n", LOAD(outbox_due));
        header(out, "hylla_outbox_oldest_due_seconds", "gauge",
               "How long the oldest of those messages has waited.");
        buf_printf(out, "hylla_outbox_oldest_due_seconds %.3f\n",
                   (double)LOAD(outbox_oldest_ms) / 1000);
    }
}
