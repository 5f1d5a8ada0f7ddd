/* check_store: invariants, rollups and counts for `hylla check` (see check_store.h). */
#include "check_store.h"

#include "core/buf.h"
#include "store/pool.h"

#include <stdlib.h>

/* Rows of name, two numbers and examples into findings. */
static enum store_status findings(struct store_stmt *stmt, bool rollups, struct check_finding **out,
                                  size_t *n)
{
    enum { C_NAME, C_BAD, C_OTHER };
    PGresult *res;
    *out = NULL;
    *n = 0;
    enum store_status st = store_exec(stmt, 0, NULL, &res);
    if (st < 0)
        return st;
    *n = (size_t)PQntuples(res);
    *out = xcalloc(*n ? *n : 1, sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        struct check_finding *f = &(*out)[i];
        store_get_copy(res, (int)i, C_NAME, f->name, sizeof f->name);
        f->bad = store_get_ll(res, (int)i, C_BAD);
        if (rollups)
            f->unexpected = store_get_ll(res, (int)i, C_OTHER);
        else
            store_get_copy(res, (int)i, C_OTHER, f->examples, sizeof f->examples);
    }
    PQclear(res);
    return STORE_OK;
}

enum store_status store_check_invariants(struct check_finding **out, size_t *n)
{
    static struct store_stmt invariants = STORE_STMT(
        "SELECT invariant, violations, array_to_string(examples, ', ') FROM check_invariants()");
    return findings(&invariants, false, out, n);
}

enum store_status store_check_rollups(struct check_finding **out, size_t *n)
{
    static struct store_stmt rollups =
        STORE_STMT("SELECT rollup, missing, unexpected FROM stats_verify()");
    return findings(&rollups, true, out, n);
}

enum store_status store_check_counts(struct check_counts *out)
{
    enum { C_BRANCHES, C_ITEMS, C_BORROWERS, C_LOANS, C_OPEN, C_STAFF };
    static struct store_stmt counts =
        STORE_STMT("SELECT (SELECT count(*) FROM branches), (SELECT count(*) FROM items),"
                   "       (SELECT count(*) FROM borrowers), (SELECT count(*) FROM loans),"
                   "       (SELECT count(*) FROM loans WHERE returned_at IS NULL),"
                   "       (SELECT count(*) FROM staff)");
    PGresult *res;
    enum store_status st = store_exec(&counts, 0, NULL, &res);
    if (st == STORE_OK) {
        out->branches = store_get_ll(res, 0, C_BRANCHES);
        out->items = store_get_ll(res, 0, C_ITEMS);
        out->borrowers = store_get_ll(res, 0, C_BORROWERS);
        out->loans = store_get_ll(res, 0, C_LOANS);
        out->open_loans = store_get_ll(res, 0, C_OPEN);
        out->staff = store_get_ll(res, 0, C_STAFF);
    }
    PQclear(res);
    return st;
}
