/*
 * routes: the one table of API routes {method, pattern, handler, access, body, cors}, and the
 * one place where access is checked: who is asking (the session cookie), whether their role
 * reaches the route's level, and the CSRF token of state-changing requests. Handlers run only
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

/* The API: every route below /api/ and /healthz; any other path is a file of the web root. */
extern const struct router routes_api;

/* The name of an access level, as `hylla routes` prints it ("public", "volunteer", ...). */
const char *routes_access_name(int access);

#endif
