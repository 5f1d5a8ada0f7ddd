/*
 * pool: the data layer's connection handling over libpq, internal to src/store (the layers above
 * include store/store.h). Every thread owns one connection, opened on first use and reopened
 * after a failure, with its statements prepared once on it. The aggregate stores
 * (loan_store.c, item_store.c, ...) build on these calls.
 *
 * Statements are declared next to their only caller:
 *     static struct store_stmt find_item = STORE_STMT("SELECT ... WHERE code = $1");
 * and run with store_exec(&find_item, 1, (const char *[]){ code }, &res). Numbers go in as
 * STORE_NUM (or store_dec_text) parameters and come out through the store_get_* helpers below, the
 * only code that converts our numbers from text. A query of one column reads column 0; a query of
 * more names its columns in an enum next to it, so that no store_get call holds a bare position.
 */
#ifndef HYLLA_STORE_POOL_H
#define HYLLA_STORE_POOL_H

#include "store/store.h"

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct store_stmt {
    const char *sql;
    atomic_int id; /* assigned on first use; names the prepared statement */
};
#define STORE_STMT(text)                                                                           \
    {                                                                                              \
        .sql = (text), .id = 0                                                                     \
    }

/*
 * Run a statement with text parameters (NULL is SQL NULL) on this thread's connection.
 * On STORE_OK or STORE_NOT_FOUND (no rows), *res holds the result and the caller must PQclear
 * it; on an error *res is NULL and store_error_sqlstate() tells why.
 */
enum store_status store_exec(struct store_stmt *stmt, int nparams, const char *const *params,
                             PGresult **res) STORE_MUST_CHECK;

/* Like store_exec for statements whose result is not needed. */
enum store_status store_run(struct store_stmt *stmt, int nparams,
                            const char *const *params) STORE_MUST_CHECK;

enum store_isolation { STORE_READ_COMMITTED, STORE_REPEATABLE_READ, STORE_SERIALIZABLE };

/*
 * Run fn(ctx) in one transaction at the given isolation. It commits only when fn returns STORE_OK, rolls back otherwise, and runs fn
 * again (up to a few times) after a serialisation failure or deadlock, so fn must keep its
 * results in ctx and reset them at its start.
 */
enum store_status store_tx(enum store_isolation isolation, enum store_status (*fn)(void *ctx),
                           void *ctx) STORE_MUST_CHECK;

/*
 * store_exec for a statement that is a whole transaction of its own (an SQL function that writes):
 * run again, a few times, after a serialisation failure or deadlock. One round trip when it
 * succeeds.
 */
enum store_status store_call(struct store_stmt *stmt, int nparams, const char *const *params,
                             PGresult **res) STORE_MUST_CHECK;

/*
 * store_call of one statement with n sets of parameters, each a transaction of its own, sent
 * together (libpq's pipeline mode) and answered in order: PostgreSQL reads them as one stream
 * and runs them one after another, woken once rather than n times. A statement that would wait
 * more than a moment for a row lock gives up, so that those behind it do not wait with it. For
 * each i, st[i] is STORE_OK or STORE_NOT_FOUND with res[i] (the caller clears it);
 * STORE_SOFT_ERROR when it did nothing (it failed, and its transaction with it, or it was never
 * sent): run it alone (store_call, which waits for locks, retries, and reports an error through
 * store_error_*); STORE_HARD_ERROR when the connection was lost with it sent and unanswered
 * (whether it committed cannot be known, so it must not run again). Outside any transaction.
 */
void store_call_pipelined(struct store_stmt *stmt, int nparams, const char *const *const *params,
                          size_t n, PGresult **res, enum store_status *st);

/*
 * How many round trips of this thread's connection to the primary (never a read replica's)
 * began outside a transaction block: on a connection that listens (store_notify_enable), each
 * brought every message of hylla_changed committed before it. A count that moved past an
 * earlier reading of it is such a round trip.
 */
unsigned long store_syncs(void);

/*
 * Prefetch, for a thread that serves many requests and must not wait on one (http/server.c's
 * loops): send a statement on this thread's connection to the primary and return at once. The
 * first store_exec of the same statement with the same parameters takes its answer instead of
 * making a round trip (its messages are handed over and its sync counted then, as if the round
 * trip began there, which it did: before the call and after what asked for it). Only one at a
 * time, outside any call; false, with nothing sent, when one is in flight, the connection is
 * not open (it is opened here again at most every few seconds after a loss) or the statement
 * could not be prepared. Any other statement on the thread first waits for it and drops it.
 */
bool store_prefetch(struct store_stmt *stmt, int nparams, const char *const *params);

/* One such round trip, with nothing else to do (an empty query). */
enum store_status store_sync(void) STORE_MUST_CHECK;

/*
 * store_sync, unless such a round trip that began after since_s (monotonic_s) has ended
 * already: it brought every message committed before since_s. A request that waited in a queue
 * while its thread served others needs no round trip of its own to learn what came before it.
 */
enum store_status store_sync_since(double since_s) STORE_MUST_CHECK;

/*
 * Whether this thread's connection listens, or will when it opens (store_notify_enable was
 * called, and neither store_thread_without_caches nor a hot standby says otherwise), and the
 * thread's next statement runs on it, not on a read replica's (store_read_from_replica): a
 * cache answers on no other thread or request, whose syncs bring no message.
 */
bool store_listens(void);

/*
 * Whether the connection of this thread's next statement writes nothing: a read replica's
 * (store_read_from_replica), a hot standby, or a session whose transactions are read-only by
 * default. For the primary's, as PostgreSQL (14 or later) reported it; false when it is not open.
 */
bool store_read_only(void);

/* Declare char name[] holding an integer value as a parameter. */
#define STORE_NUM_SIZE 24
#define STORE_NUM(name, value)                                                                     \
    char name[STORE_NUM_SIZE];                                                                     \
    store_num_text(name, (long long)(value))
void store_num_text(char out[STORE_NUM_SIZE], long long value);

/* A PostgreSQL array literal of numbers, {1,2,3}, as a parameter. The caller frees it. */
char *store_id_array(const long long *v, size_t n);

/* bytea as a text parameter: \x and the n bytes in hex, into out of 2 * n + 3 bytes. */
void store_bytea_text(char *out, const void *bytes, size_t n);

/*
 * A PostgreSQL array literal of the n texts, each quoted, NULL for a NULL pointer:
 * {"A",NULL,"B"}. The caller frees it.
 */
char *store_text_array(const char *const *v, size_t n);

/* value with two decimals, as numeric columns keep sizes and factors, into out. */
#define STORE_DEC_SIZE 32
void store_dec_text(char out[STORE_DEC_SIZE], double value);

/*
 * Read helpers for a result: the value as text (NULL for SQL NULL), as a number (0 for NULL), as
 * a bool (false for NULL).
 */
const char *store_get(const PGresult *res, int row, int col);
long long store_get_ll(const PGresult *res, int row, int col);
double store_get_double(const PGresult *res, int row, int col);
bool store_get_bool(const PGresult *res, int row, int col);

/* The value copied into dst of size bytes ("" for NULL), cut to fit. */
void store_get_copy(const PGresult *res, int row, int col, char *dst, size_t size);

/* A copy of the value that the caller frees; NULL for NULL. */
char *store_get_dup(const PGresult *res, int row, int col);

/*
 * Answer JSON that SQL built for a read-only document or value (see the rule in store.h): a copy
 * of its text that the caller frees; NULL for NULL.
 */
char *store_get_json(const PGresult *res, int row, int col);

/*
 * One page of a list as JSON (see the rule in store.h), {"KEY":[...],"page":P,"per_page":N,
 * "has_more":B}, from a result whose column 0 holds each row's JSON and which was asked for
 * per_page + 1 rows (one more says there is a next page). The caller frees it.
 */
char *store_page_json(const PGresult *res, const char *key, int page, int per_page);

/* Run plain SQL (several statements allowed, no parameters): migrations and tests only. */
enum store_status store_exec_script(const char *sql, char **error_message) STORE_MUST_CHECK;

#endif
