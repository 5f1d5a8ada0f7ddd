/*
 * metrics: counters of what the server does, kept with atomics so that any thread may add to them
 * without a lock, and written out in the Prometheus text format for GET /metrics. server.c counts
 * requests and connections, the store counts its database connections and retries; nothing here
 * knows HTTP or SQL.
 */
#ifndef HYLLA_CORE_METRICS_H
#define HYLLA_CORE_METRICS_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Name the routes whose requests are counted: route i of the table is methods[i] patterns[i].
 * Called once, before any request; the strings must live as long as the process.
 */
void metrics_init(size_t nroutes, const char *const *methods, const char *const *patterns);

/*
 * One request answered: route is the index of its route in the table, or -1 when no route
 * matched (then it counts as a file of the web root when status is below 400, else as
 * unmatched). seconds is the time from its first byte to its last.
 */
void metrics_request(long route, int status, double seconds);

/*
 * A route's batch handler answered n requests together (http/router.h): for the desk's lookup,
 * one statement for all of them.
 */
void metrics_batch(size_t n);

/*
 * n requests of a route that prefetches (http/server.h) whose statement a connection thread sent
 * itself: answered there (here), or handed to their lane after all (a session not in memory, a
 * lost connection).
 */
void metrics_prefetched(size_t n, bool here);

/* A client connection opened (+1) or closed (-1). */
void metrics_connection(int delta);

/* A login refused before its password was checked: the gate was full, or over_share. */
void metrics_login_refused(bool over_share);

/* A client connection shut down by the guard: past its deadline, or shed near the cap. */
void metrics_connection_shed(bool deadline);

/* Database connections: one opened (+1) or closed (-1); one became busy (+1) or idle (-1). */
void metrics_db_open(int delta);
void metrics_db_busy(int delta);

/* A database connection was opened again after it had been lost; an attempt failed. */
void metrics_db_reconnect(void);
void metrics_db_connect_failure(void);

/* A transaction ran again after a serialisation failure or a deadlock. */
void metrics_db_retry(void);

/*
 * A statement ran, on the primary or on a read replica (the per-pool counts, of the requests'
 * statements: a background thread's, the statistics folder's or a job's, are not counted); a
 * replica failed under a statement, which ran again on the primary.
 */
void metrics_db_statement(bool replica, bool background);
void metrics_db_replica_fallback(void);

/* Messages this process handed to a provider and how each attempt ended (jobs/remind). */
void metrics_messages(int sent, int retried, int failed, int cancelled);

/*
 * The outbox as the sender last saw it: messages due now and not sent yet (those held for the
 * time window too), and how long the oldest of them has waited. Until the first call, a process
 * that sends no messages, these are left out.
 */
void metrics_outbox(long long due, double oldest_s);

/* Append every metric in the Prometheus text format (version 0.0.4) to out. */
void metrics_render(struct buf *out, const char *version);

#endif
