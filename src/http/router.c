/* router: matching requests to the routes of a table and running them (see router.h). */
#include "router.h"

#include "core/buf.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "core/text.h"
#include "http/static.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool method_is(const char *method, const char *want)
{
    return strcmp(method, want) == 0 || (strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

/* Whether path fits pattern; on a match with params set, the {name} segments are copied there. */
static bool pattern_match(const char *pattern, const char *path, struct req *params)
{
    const char *p = pattern, *s = path;
    size_t n = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t len = strcspn(s, "/");
            if (!close || len == 0)
                return false;
            if (params && n < REQ_MAX_PARAMS)
                params->params[n] = s; /* fixed up below */
            n++;
            p = close + 1;
            s += len;
        } else if (*p++ != *s++) {
            return false;
        }
    }
    if (*p || *s)
        return false;
    if (params) {
        /* Copy the path once and cut it into NUL-terminated parameters. */
        params->param_storage = xstrdup(path);
        for (size_t i = 0; i < n && i < REQ_MAX_PARAMS; i++) {
            char *copy = params->param_storage + (params->params[i] - path);
            copy[strcspn(copy, "/")] = '\0';
            params->params[i] = copy;
        }
        params->nparams = n < REQ_MAX_PARAMS ? n : REQ_MAX_PARAMS;
    }
    return true;
}

/* The route for a request, or NULL; *path_known says whether another method has the path. */
static const struct route *find_route(const struct router *r, const char *method, const char *path,
                                      bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < r->nroutes; i++) {
        const struct route *route = &r->routes[i];
        if (!pattern_match(route->pattern, path, NULL))
            continue;
        if (method_is(method, route->method))
            return route;
        *path_known = true;
    }
    return NULL;
}

struct router_plan router_plan(const struct router *r, const char *method, const char *path)
{
    bool known;
    const struct route *route = find_route(r, method, path, &known);
    return (struct router_plan){
        .lane = route ? (int)route->lane : ROUTER_INLINE,
        .body_limit = route && route->max_body ? route->max_body : settings->body_limit,
        .batch_key = route && route->batch ? route : NULL,
        .gated = route && route->gated,
        .prefetch = route && route->batch && route->prefetch,
        .batch_free = route && route->batch && route->batch_free,
    };
}

static void allow_header(const struct router *r, const char *path, struct reply *rep)
{
    struct buf allow = BUF_INIT;
    for (size_t i = 0; i < r->nroutes; i++)
        if (pattern_match(r->routes[i].pattern, path, NULL))
            buf_printf(&allow, "%s%s", allow.len ? ", " : "", r->routes[i].method);
    reply_header(rep, "Allow", allow.data ? allow.data : "");
    buf_free(&allow);
}

/* Whether the Content-Type header names this media type (parameters such as charset allowed). */
static bool content_type_is(const struct req *req, const char *type)
{
    const char *ct = req_header(req, "Content-Type");
    size_t n = strlen(type);
    return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Check the body against what the route accepts; answers and returns false when it does not fit. */
static bool check_body(struct req *req, struct reply *rep)
{
    const struct route *r = req->route;
    if (r->body == BODY_NONE || req_method_is_safe(req))
        return true;
    bool type_ok = true;
    switch (r->body) {
    case BODY_JSON:
        type_ok = content_type_is(req, "application/json");
        break;
    case BODY_CSV:
        type_ok = content_type_is(req, "text/csv");
        break;
    case BODY_IMAGE:
    case BODY_NONE:
        break; /* images are judged by their bytes, in the handler */
    }
    if (!type_ok) {
        reply_problem(rep, PROBLEM_unsupported_media_type,
                      r->body == BODY_JSON ? "Send the body as application/json."
                                           : "Send the body as text/csv.");
        return false;
    }
    if (r->body != BODY_JSON)
        return true;

    json_error_t err;
    req->json =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err) : NULL;
    if (!req->json || !json_is_object(req->json)) {
        reply_problem(rep, PROBLEM_invalid_json,
                      req->json ? NULL : (req->body ? err.text : "The body is empty."));
        return false;
    }
    return true;
}

/* Headers that let pages of any origin read an answer of an open (cors) route. */
static void open_cors(struct reply *rep)
{
    reply_header(rep, "Access-Control-Allow-Origin", "*");
    reply_header(rep, "Access-Control-Expose-Headers", "ETag");
}

/*
 * OPTIONS on a known path: 204 with Allow; for an open route also what a browser's CORS
 * preflight asks (a page elsewhere that sends If-None-Match itself needs one).
 */
static void preflight(const struct router *r, const char *path, struct reply *rep)
{
    allow_header(r, path, rep);
    const struct route *get = find_route(r, "GET", path, &(bool){ false });
    if (get && get->cors) {
        open_cors(rep);
        reply_header(rep, "Access-Control-Allow-Methods", "GET, HEAD");
        reply_header(rep, "Access-Control-Allow-Headers", "If-None-Match");
        reply_header(rep, "Access-Control-Max-Age", "86400");
    }
    reply_empty(rep, 204);
}

/* Admit the request and check its body: whether its handler may run (if not, it is answered). */
static bool admitted(const struct router *r, struct req *req, struct reply *rep)
{
    return r->admit(req, rep) && check_body(req, rep);
}

/*
 * After the handler has answered, or admission refused: whether the answer stands (the table's
 * answered hook). When it does not, the reply is emptied for a second run, confirmed first.
 */
static bool answer_stands(const struct router *r, struct req *req, struct reply *rep)
{
    if (rep->status == 0)
        reply_problem(rep, PROBLEM_internal_error, NULL);
    bool stands = !r->answered || r->answered(req, rep);
    if (stands || req->again || !req_method_is_safe(req))
        return true;
    /* Once more, from nothing: the reads of a safe request can be made again. */
    reply_free(rep);
    reply_init(rep);
    req->who = NULL;
    req->again = true;
    return false;
}

/* Run the route's handler for an admitted request until its answer stands. */
static void run_alone(const struct router *r, struct req *req, struct reply *rep)
{
    do {
        if (admitted(r, req, rep))
            req->route->handler(req, rep);
    } while (!answer_stands(r, req, rep));
}

/* Answer a request to a path of the table (a route's, or one below the prefix). */
static void dispatch_route(const struct router *r, const struct route *route, bool path_known,
                           struct req *req, struct reply *rep)
{
    if (!route && path_known && strcmp(req->method, "OPTIONS") == 0) {
        preflight(r, req->path, rep);
        return;
    }
    if (!route) {
        if (path_known) {
            allow_header(r, req->path, rep);
            reply_problem(rep, PROBLEM_method_not_allowed, NULL);
        } else {
            reply_problem(rep, PROBLEM_not_found, NULL);
        }
        return;
    }
    req->route = route;
    pattern_match(route->pattern, req->path, req);
    run_alone(r, req, rep);
}

/*
 * What every answer of a path of the table gets once it stands: the CORS headers of an open route
 * and, unless the handler said otherwise, no-store (API answers are about live data).
 */
static void route_answered(const struct route *route, struct reply *rep)
{
    if (route && route->cors)
        open_cors(rep);
    if (!reply_get_header(rep, "Cache-Control"))
        reply_header(rep, "Cache-Control", "no-store");
}

/*
 * Whether the path and every query argument are text: valid UTF-8 without a NUL (server.c says
 * when decoding met %00). The one place they are checked, so that no handler, store query or log
 * line ever sees bytes PostgreSQL would refuse. Answers 400 invalid_query when they are not.
 */
static bool text_ok(const struct req *req)
{
    bool ok = !req->has_nul && text_is_utf8(req->path);
    for (size_t i = 0; ok && i < req->nquery; i++)
        ok = text_is_utf8(req->query[i].key) &&
             (!req->query[i].value || text_is_utf8(req->query[i].value));
    return ok;
}

static bool request_text_ok(const struct req *req, struct reply *rep)
{
    bool ok = text_ok(req);
    if (!ok)
        reply_problem(rep, PROBLEM_invalid_query,
                      "The path and the query arguments must be UTF-8 text without NUL bytes.");
    return ok;
}

void router_dispatch(const struct router *r, struct req *req, struct reply *rep)
{
    bool path_known;
    const struct route *route = find_route(r, req->method, req->path, &path_known);
    if (!request_text_ok(req, rep)) {
        if (route && route->cors)
            open_cors(rep); /* a page elsewhere may read why */
        return;
    }
    size_t n = strlen(r->prefix);
    bool below = strncmp(req->path, r->prefix, n) == 0 ||
                 (n > 1 && strncmp(req->path, r->prefix, n - 1) == 0 && req->path[n - 1] == '\0');
    if (route || path_known || below) {
        dispatch_route(r, route, path_known, req, rep);
        route_answered(route, rep);
        return;
    }
    if (!req_method_is_safe(req)) {
        reply_header(rep, "Allow", "GET, HEAD");
        reply_problem(rep, PROBLEM_method_not_allowed, NULL);
        return;
    }
    if (!static_serve(req, rep))
        reply_problem(rep, PROBLEM_not_found, NULL);
}

size_t router_dispatch_batch(const struct router *r, struct req **reqs, struct reply **reps,
                             size_t n)
{
    const struct route *route = NULL;
    struct req *run[ROUTER_BATCH_MAX];
    struct reply *run_rep[ROUTER_BATCH_MAX];
    bool alone[ROUTER_BATCH_MAX];
    size_t m = 0;
    n = n < ROUTER_BATCH_MAX ? n : ROUTER_BATCH_MAX;
    for (size_t i = 0; i < n; i++) {
        struct req *req = reqs[i];
        bool known;
        const struct route *found = find_route(r, req->method, req->path, &known);
        /* What is not plainly a request of the batch's route is answered the usual way. */
        alone[i] = !found || !found->batch || (route && found != route) || !text_ok(req);
        if (alone[i]) {
            router_dispatch(r, req, reps[i]);
            continue;
        }
        route = found;
        req->route = route;
        pattern_match(route->pattern, req->path, req);
        if (admitted(r, req, reps[i])) {
            run[m] = req;
            run_rep[m++] = reps[i];
        }
    }
    if (m > 0)
        route->batch(run, run_rep, m);
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        if (alone[i])
            continue;
        if (reps[i]->status == 0) {
            router_reset(reqs[i]);
            left++;
            continue;
        }
        if (!answer_stands(r, reqs[i], reps[i]))
            run_alone(r, reqs[i], reps[i]);
        route_answered(route, reps[i]);
    }
    if (m > left)
        metrics_batch(m - left); /* the requests the batch answered */
    return left;
}

bool router_prefetch(const struct router *r, struct req **reqs, size_t n)
{
    const struct route *route = NULL;
    bool ok = n > 0 && n <= ROUTER_BATCH_MAX;
    for (size_t i = 0; i < n && ok; i++) {
        bool known;
        const struct route *found = find_route(r, reqs[i]->method, reqs[i]->path, &known);
        ok = found && found->prefetch && (!route || found == route) &&
             pattern_match(found->pattern, reqs[i]->path, reqs[i]);
        route = found;
    }
    ok = ok && route->prefetch(reqs, n);
    /* router_dispatch_batch matches them again. */
    for (size_t i = 0; i < n; i++) {
        free(reqs[i]->param_storage);
        reqs[i]->param_storage = NULL;
        reqs[i]->nparams = 0;
    }
    return ok;
}

void router_release(struct req *req)
{
    json_decref(req->json);
    req->json = NULL;
    free(req->param_storage);
    req->param_storage = NULL;
}

void router_reset(struct req *req)
{
    router_release(req);
    req->route = NULL;
    req->nparams = 0;
    req->who = NULL;
    req->again = false;
}
