/*
 * router: the one table of routes {method, pattern, handler, access, body}, and the one place
 * where access is checked: who is asking (the session), whether their role reaches the route's
 * level, the CSRF token of state-changing requests, and the body's type. Handlers run only when
 * all of that holds, so none of them repeats it. Paths outside /api are files of the web root.
 */
#ifndef HYLLA_HTTP_ROUTER_H
#define HYLLA_HTTP_ROUTER_H

#include "http/reply.h"
#include "http/req.h"

#include <stddef.h>

/* Who may use a route: nobody logged in, or staff of at least this role. */
enum access {
    ACCESS_PUBLIC = ROLE_NONE,
    ACCESS_VOLUNTEER = ROLE_VOLUNTEER,
    ACCESS_MANAGER = ROLE_MANAGER,
    ACCESS_ADMIN = ROLE_ADMIN,
};

/* What a route accepts as request body; anything else gets 415. */
enum body_kind { BODY_NONE, BODY_JSON, BODY_CSV, BODY_IMAGE };

typedef void route_handler(struct req *req, struct reply *rep);

struct route {
    const char *method;  /* "GET" also answers HEAD */
    const char *pattern; /* "/api/items/{code}": {name} matches one path segment */
    route_handler *handler;
    enum access access;
    enum body_kind body;
    size_t max_body; /* 0: the configured default (1 MiB) */
    bool cors;       /* open to every origin: CORS headers on each answer, preflights answered */
};

extern const struct route router_routes[];
extern const size_t router_route_count;

/* The largest body a request to this method and path may send. */
size_t router_body_limit(const char *method, const char *path);

/* Answer a request: match a route, check access, run the handler (or serve a file). */
void router_dispatch(struct req *req, struct reply *rep);

/* Release what the router attached to the request (path parameters, parsed body). */
void router_release(struct req *req);

/* The name of an access level, as `hylla routes` prints it ("public", "volunteer", ...). */
const char *router_access_name(enum access access);

#endif
