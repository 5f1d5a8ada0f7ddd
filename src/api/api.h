/*
 * api: what every handler shares: turning store failures into answers, branch scoping, the
 * audit trail of the asking staff member, and query-string numbers.
 */
#ifndef HYLLA_API_API_H
#define HYLLA_API_API_H

#include "core/item.h"
#include "http/reply.h"
#include "http/req.h"
#include "store/store.h"

#include <stdbool.h>

/*
 * Answer for a store call that failed: 503 with Retry-After when the database cannot be reached
 * or stayed too busy to serialise, 500 otherwise. Never shows SQL or database messages.
 */
void api_store_failure(struct reply *rep, enum store_status st);

/* Whether the asking staff member may act on this branch: network-wide staff on any branch. */
bool api_branch_allowed(const struct req *req, int branch_id);

/*
 * A number from the query string into *out: absent gives fallback; not a number in [min, max]
 * answers 400 naming the argument and returns false.
 */
bool api_query_int(const struct req *req, struct reply *rep, const char *name, long long min,
                   long long max, long long fallback, long long *out);

/*
 * The branch the query argument branch names into *branch_id, 0 when it is absent; a slug that
 * names no branch answers 400. With scoped, staff bound to another branch get 403
 * branch_forbidden (not 404: branches are public, only their borrowers and loans are not).
 */
bool api_query_branch(const struct req *req, struct reply *rep, bool scoped, int *branch_id);

/* Answer 400 invalid_query with detail, the sentence that says what the argument must be. */
void api_bad_query(struct reply *rep, const char *detail);

/*
 * The item search of the query string (q, category, size_kind, size_min, size_max) into *m; a
 * bad argument answers 400 naming it and returns false. m->q points into the request.
 */
bool api_query_item_match(const struct req *req, struct reply *rep, struct item_match *m);

#endif
