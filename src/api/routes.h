/*
 * routes: the one table of API routes {method, pattern, handler, access, body, cors}, and the
 * one place where access is checked: who is asking (the session cookie), whether their role
 * reaches the route's level, whether their branch reaches the route's scope, whether they must
 * choose a new password first, and the CSRF token of state-changing requests. Handlers run only
 * when all of that holds, so none of them repeats it. The generic matching and the checks of the
 * body are http/router's; `hylla serve` hands routes_api to the server.
 */
#ifndef HYLLA_API_ROUTES_H
#define HYLLA_API_ROUTES_H

#include "core/identity.h"
#include "http/router.h"

/* Who may use a route: nobody logged in, or staff of at least this role. */
enum access {
    ACCESS_PUBLIC = ROLE_NONE,
    ACCESS_VOLUNTEER = ROLE_VOLUNTEER,
    ACCESS_MANAGER = ROLE_MANAGER,
    ACCESS_ADMIN = ROLE_ADMIN,
};

/*
 * The lanes requests run on (see http/lanes.h): the desk's, for the staff's work, and the reads',
 * for the public API and the statistics, whose slower statements must never hold up a loan at
 * the desk (and which may one day read from a replica).
 */
enum lane { LANE_DESK, LANE_READS, LANE_COUNT };

/*
 * The branch axis of access: how far staff bound to a branch reach with a route. Network-wide
 * staff reach every branch with every route their role opens. The default, SCOPE_DATA, makes a
 * new route declare nothing and still be tested: tests/api/security.test.mjs requires a row of
 * another branch's data for every staff route of that kind.
 */
enum scope {
    /* The handler limits what it reads and changes to the asker's branch (api_scope), and
     * answers 403 or 404 for another branch's data. */
    SCOPE_DATA = 0,
    /* Nothing of one branch's that another may not see: the asker's own session and account,
     * the shared category tree, items (which the public site shows too). */
    SCOPE_ANY,
    /* The first path parameter is a branch slug, which must be the asker's own branch: 403
     * branch_forbidden before the handler runs. */
    SCOPE_PATH,
    /* Only network-wide staff may use it (new branches, the category tree): 403 network_only. */
    SCOPE_NETWORK,
};

/* The API: every route below /api/ and /healthz; any other path is a file of the web root. */
extern const struct router routes_api;

/* The name of an access level, as `hylla routes` prints it ("public", "volunteer", ...). */
const char *routes_access_name(int access);

/* The name of a scope, as `hylla routes` prints it ("data", "any", "path", "network"). */
const char *routes_scope_name(int scope);

#endif
