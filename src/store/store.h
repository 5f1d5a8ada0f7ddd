/*
 * store: what the layers above the data layer see of it. The store is the only part of hylla
 * that talks to PostgreSQL; libpq stays below this header (store/pool.h, which only src/store
 * includes), and jansson stays above it.
 *
 * How results come up, in every store header:
 *   The store hands typed results up: structs of C values (numbers as numbers, dates as
 *   YYYY-MM-DD in DUEDATE_ISO_SIZE buffers, strings the caller frees as each function says), and
 *   the layer above builds the API's JSON from them. The one exception is answer JSON that SQL
 *   builds for pages whose only use is to be sent to the client: list pages (a borrower search,
 *   a loan list) come up through store_page_json, read-only documents (a borrower with their
 *   loans, the stored answer of a checkout replayed for an Idempotency-Key), values kept as the
 *   client wrote them (a branch's opening hours, seasons and closed periods) and what the SQL
 *   calendar makes of them (a branch's days ahead) through store_get_json.
 *   That JSON comes up as opaque text (char *, the caller frees it), never as json_t: the layer
 *   above sends it, or embeds it whole in its answer, and never reads inside it. JSON written
 *   for the database itself (audit details) never comes up, and JSON goes down only as text that
 *   SQL reads as jsonb (a branch's calendar, a borrower's changed fields).
 *
 * Branch scope: a call about things that belong to a branch takes `int scope`, the asking staff
 * member's branch id, 0 for the whole network. What lies outside the scope is answered as if it
 * did not exist (STORE_NOT_FOUND), unless the function says otherwise.
 */
#ifndef HYLLA_STORE_STORE_H
#define HYLLA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* What every store call answers; one function of the api maps it to an HTTP status. */
enum store_status {
    STORE_HARD_ERROR = -2, /* the database failed or refused: do not retry */
    STORE_SOFT_ERROR = -1, /* serialisation failure or deadlock: retry the whole transaction */
    STORE_NOT_FOUND = 0,   /* the query ran and found nothing */
    STORE_OK = 1,
};

#define STORE_MUST_CHECK __attribute__((warn_unused_result))

/*
 * Remember how to reach the database (a libpq connection string). Call once, before any thread
 * uses the store.
 */
void store_init(const char *conninfo);

/*
 * Read replicas (serve only). list holds libpq connection strings separated by ';'; reads that
 * a thread marks with store_read_from_replica go to one that is up (threads choose in turn and
 * keep to theirs while it is up), and to the primary while none is: a replica counts as up
 * while it answers and its replay lags the primary by at most max_lag_s seconds, measured once
 * a second. A replica connection is read-only (default_transaction_read_only), so a write sent
 * there fails instead of going astray. Returns false (logged) when an entry is not a
 * connection string.
 */
bool store_replicas_init(const char *list, unsigned max_lag_s);

/* Measure each replica once, then keep measuring on a thread of its own until stop. */
void store_replicas_start(void);
void store_replicas_stop(void);

/*
 * Whether this thread's next statements may read from a replica: true for the requests of the
 * public routes (photos too) and the statistics, whose readers accept answers a few seconds
 * old; false (the primary) for everything else, above all what staff have just written. A
 * statement that finds its replica gone runs again on the primary at once.
 */
void store_read_from_replica(bool yes);

enum store_replica_state { STORE_REPLICA_UP, STORE_REPLICA_LAGGING, STORE_REPLICA_DOWN };
struct store_replica_info {
    enum store_replica_state state;
    double lag_seconds; /* as last measured */
};

/* The state of up to max replicas into out; returns how many are configured. */
size_t store_replicas(struct store_replica_info *out, size_t max);

/* "up", "lagging" or "down". */
const char *store_replica_state_name(enum store_replica_state s);

/*
 * Close this thread's connections (threads that end close theirs by themselves). Returns once
 * the server has ended the session (at most a second), so the session's locks are free then.
 */
void store_thread_close(void);

/*
 * Say, before its first statement, that this thread never answers from what the caches keep
 * (a background job): its connection does not listen for their messages (store/notify.h), so
 * opening it late does not empty the caches under the threads that answer requests, and the
 * caches read the database on this thread instead of answering. A thread whose connection is to
 * a hot standby (a replica, which refuses LISTEN) is such a thread by itself.
 */
void store_thread_without_caches(void);

/* Whether the database answers, reconnecting if needed. */
enum store_status store_ping(void) STORE_MUST_CHECK;

/*
 * A statement sent ahead on this thread's connection by a store function that prefetches
 * (store_item_prefetch; pool.h's store_prefetch), for a thread that must not wait on the
 * database: the socket whose reading brings its answer (-1: none in flight).
 */
int store_prefetch_socket(void);

/* Read what has come without waiting; true when the whole answer is in (or none is awaited). */
bool store_prefetch_poll(void);

/* Drop a prefetch nobody took (waiting for its answer if it is not in yet). */
void store_prefetch_drop(void);

/*
 * While on, no call of this thread waits for the database: one that would (any but the one
 * taking a prefetch that is in) fails at once as if the connection were lost, and
 * store_would_have_waited says so until store_no_wait(true) again. For work that can be done
 * again elsewhere when it would wait: a request that only reads.
 */
void store_no_wait(bool on);
bool store_would_have_waited(void);

/*
 * Take the session-level advisory lock key on this thread's connection if nobody holds it
 * (STORE_OK), or say that another holds it (STORE_NOT_FOUND); release it again with
 * store_unlock. For work that one of several hylla processes should do at a time. A lost
 * connection loses the lock with it.
 */
enum store_status store_try_lock(long long key) STORE_MUST_CHECK;
void store_unlock(long long key);

/* The SQLSTATE and constraint name of this thread's last failure ("" when none). */
const char *store_error_sqlstate(void);
const char *store_error_constraint(void);
/* Whether the last failure was a unique constraint's refusal (23505). */
bool store_error_is_unique_violation(void);
/* Whether the last failure was that the database could not be reached. */
bool store_error_is_unavailable(void);

#endif
