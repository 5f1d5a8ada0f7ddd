/*
 * pool: the data layer's connection handling over libpq. Every thread owns one connection,
 * opened on first use and reopened after a failure, with its statements prepared once on it.
 * The aggregate stores (items_store.c, loans_store.c, ...) build on these calls; nothing above
 * the store includes libpq.
 *
 * Statements are declared next to their only caller:
 *     static struct store_stmt find_item = STORE_STMT("SELECT ... WHERE code = $1");
 * and run with store_exec(&find_item, 1, (const char *[]){ code }, &res).
 */
#ifndef HYLLA_STORE_POOL_H
#define HYLLA_STORE_POOL_H

#include "store/status.h"

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>

struct store_stmt {
    const char *sql;
    atomic_int id; /* assigned on first use; names the prepared statement */
};
#define STORE_STMT(text)                                                                           \
    {                                                                                              \
        .sql = (text), .id = 0                                                                     \
    }

/* Remember how to reach the database. Call once, before any thread uses the store. */
void store_init(const char *conninfo);

/* Close this thread's connection (threads that end close theirs by themselves). */
void store_thread_close(void);

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

/* Whether the database answers, reconnecting if needed. */
enum store_status store_ping(void) STORE_MUST_CHECK;

/* Declare char name[] holding value as a decimal parameter. */
#define STORE_NUM(name, value)                                                                     \
    char name[24];                                                                                 \
    snprintf(name, sizeof name, "%lld", (long long)(value))

/*
 * One page of a list as JSON, {"KEY":[...],"page":P,"per_page":N,"has_more":B}, from a result
 * whose column 0 holds each row's JSON and which was asked for per_page + 1 rows (one more says
 * there is a next page). The caller frees it.
 */
char *store_page_json(const PGresult *res, const char *key, int page, int per_page);

/* Read helpers for a result: the value as text (NULL for SQL NULL), as a long, as a bool. */
const char *store_get(const PGresult *res, int row, int col);
long long store_get_ll(const PGresult *res, int row, int col);
bool store_get_bool(const PGresult *res, int row, int col);

/* Run plain SQL (several statements allowed, no parameters): migrations and tests only. */
enum store_status store_exec_script(const char *sql, char **error_message) STORE_MUST_CHECK;

#endif
