/*
 * router: a generic matcher over a route table it is handed. It finds the route of a request
 * (patterns with {name} segments), answers what needs no handler (404, 405 with Allow, OPTIONS
 * and CORS preflights, 415 for a body of the wrong type, 400 for a JSON body that does not
 * parse), asks the table's owner whether the request may run the route, and runs the handler.
 * Paths below the table's prefix that match no route are 404 problems; every other path is a
 * file of the web root. The router knows nothing of who may do what: the owner's admit function
 * decides (src/api/routes.c).
 */
#ifndef HYLLA_HTTP_ROUTER_H
#define HYLLA_HTTP_ROUTER_H

#include "http/reply.h"
#include "http/req.h"

#include <stddef.h>

/* What a route accepts as request body; anything else gets 415. */
enum body_kind { BODY_NONE, BODY_JSON, BODY_CSV, BODY_IMAGE };

typedef void route_handler(struct req *req, struct reply *rep);

/*
 * Answer n requests of one route together (1 <= n <= ROUTER_BATCH_MAX), each admitted as for its
 * handler: every reps[i] exactly as the route's handler would answer reqs[i] alone, or left
 * unanswered (status 0) when reqs[i] did nothing and must run alone (its statement would have
 * waited for a lock, say).
 */
typedef void route_batch_handler(struct req **reqs, struct reply **reps, size_t n);

#define ROUTER_BATCH_MAX 64

/*
 * Send the statement that the route's batch handler would make for these n requests (each
 * matched, its path parameters set, all admitted, in this order) and return without waiting for
 * its answer (store_prefetch_socket); false when it was not sent.
 */
typedef bool route_prefetch(struct req **reqs, size_t n);

struct route {
    const char *method;  /* "GET" also answers HEAD */
    const char *pattern; /* "/api/items/{code}": {name} matches one path segment */
    route_handler *handler;
    int access; /* who may use it: the table owner's levels, read by its admit */
    int scope; /* how far staff bound to a branch reach with it: the owner's kinds, read by admit */
    enum body_kind body;
    size_t max_body; /* 0: the configured default (settings->body_limit) */
    bool cors;       /* open to every origin: CORS headers on each answer, preflights answered */
    unsigned lane;   /* the lane whose threads run it (see lanes.h): 0 unless the table says */
    /*
     * It waits its turn at the password gate (a login, a new password): its lane runs it on the
     * threads it keeps for such jobs (lane_config.gate_threads in lanes.h).
     */
    bool gated;
    /*
     * Optional: answers many requests of the route at once (one statement for all, say), so that
     * the lane may run the requests queued together (router_plan, router_dispatch_batch).
     */
    route_batch_handler *batch;
    /*
     * With batch: its batches run on any free thread of the lane, never waiting for another
     * batch of the route to end (lane_config.batch_threads holds back the others). For a batch
     * handler that runs each request as alone, one after another, sent in one go: several such
     * batches at once keep PostgreSQL's cores busy, where one statement for many would not.
     */
    bool batch_free;
    /*
     * Optional, with batch: its statement sent ahead (router_prefetch), so that a thread that
     * must not wait may serve other connections until the answer is in.
     */
    route_prefetch *prefetch;
};

struct router {
    const struct route *routes; /* literal routes before patterned ones that could match them */
    size_t nroutes;
    const char *prefix; /* "/api/": unmatched paths below it are 404 problems, not files */
    /*
     * Whether the request may run req->route: answers (401, 403, ...) and returns false when
     * not. Runs before the body is parsed. May set req->who.
     */
    bool (*admit)(struct req *req, struct reply *rep);
    /*
     * Called after a route's handler has answered, when not NULL. For a request that only reads
     * (GET, HEAD, OPTIONS), false says that the answer must not go out: the router admits and
     * runs it once more (admit then knows it is the second time: req->again).
     */
    bool (*answered)(const struct req *req, const struct reply *rep);
};

/* The lane of a request that needs none: a file, a 404, a preflight. */
#define ROUTER_INLINE (-1)

/* What the server needs to know of a request before it is answered, from one match of its route. */
struct router_plan {
    /*
     * The lane whose threads should answer it (its route's), or ROUTER_INLINE when the router
     * answers it without a handler, which never waits: the server's own thread may do that.
     */
    int lane;
    size_t body_limit; /* the largest body it may send */
    /* What the lane should batch it by (lanes.h): its route when that has a batch handler. */
    const void *batch_key;
    bool gated;      /* its route's */
    bool prefetch;   /* its route has a prefetch (router_prefetch) */
    bool batch_free; /* its route's batches run on any free thread (struct route) */
};

struct router_plan router_plan(const struct router *r, const char *method, const char *path);

/* Answer a request: match a route, admit it, check its body, run its handler (or serve a file). */
void router_dispatch(const struct router *r, struct req *req, struct reply *rep);

/*
 * Answer n requests (at most ROUTER_BATCH_MAX) whose router_plan had the same batch_key (their
 * route), each as router_dispatch would: each is matched, admitted and its body checked on its
 * own, the admitted ones are answered by the route's batch handler together, and the table's
 * answered hook judges each answer; an answer it refuses is made again for that request alone.
 * A request the batch handler left unanswered is left so (reps[i]->status 0), as it came, for
 * the caller to answer with router_dispatch, on a thread that may wait for it; returns how many.
 */
size_t router_dispatch_batch(const struct router *r, struct req **reqs, struct reply **reps,
                             size_t n);

/*
 * For n requests whose router_plan said prefetch, with the same batch_key: send what
 * router_dispatch_batch of them will read, if all were admitted (the route's prefetch), and
 * return without waiting. False when nothing was sent.
 */
bool router_prefetch(const struct router *r, struct req **reqs, size_t n);

/* Release what the router attached to the request (path parameters, parsed body). */
void router_release(struct req *req);

/* router_release, and forget the request's match and admission: as it came, to answer anew. */
void router_reset(struct req *req);

#endif
