/* router: the route table and the access checks every API request passes (see router.h). */
#include "router.h"

#include "api/borrowers.h"
#include "api/branches.h"
#include "api/categories.h"
#include "api/health.h"
#include "api/items.h"
#include "api/loans.h"
#include "api/photos.h"
#include "api/public.h"
#include "api/session.h"
#include "api/staff.h"
#include "api/stats.h"
#include "core/buf.h"
#include "core/settings.h"
#include "http/static.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MiB (1024u * 1024u)

/* Literal routes come before patterned ones that could also match their path. */
const struct route router_routes[] = {
    { .method = "GET", .pattern = "/healthz", .handler = health_get, .access = ACCESS_PUBLIC },

    { .method = "POST",
      .pattern = "/api/session",
      .handler = session_login,
      .access = ACCESS_PUBLIC,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/session",
      .handler = session_get,
      .access = ACCESS_VOLUNTEER },
    { .method = "DELETE",
      .pattern = "/api/session",
      .handler = session_logout,
      .access = ACCESS_VOLUNTEER },

    { .method = "GET", .pattern = "/api/staff", .handler = staff_list, .access = ACCESS_ADMIN },
    { .method = "POST",
      .pattern = "/api/staff",
      .handler = staff_create,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },
    { .method = "GET", .pattern = "/api/staff/{id}", .handler = staff_get, .access = ACCESS_ADMIN },
    { .method = "PATCH",
      .pattern = "/api/staff/{id}",
      .handler = staff_update,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/branches",
      .handler = branches_list,
      .access = ACCESS_PUBLIC },
    { .method = "POST",
      .pattern = "/api/branches",
      .handler = branches_create,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/branches/{slug}",
      .handler = branches_get,
      .access = ACCESS_PUBLIC },
    { .method = "PATCH",
      .pattern = "/api/branches/{slug}",
      .handler = branches_update,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },

    { .method = "GET",
      .pattern = "/api/categories",
      .handler = categories_list,
      .access = ACCESS_PUBLIC },
    { .method = "POST",
      .pattern = "/api/categories",
      .handler = categories_create,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },
    { .method = "PATCH",
      .pattern = "/api/categories/{id}",
      .handler = categories_update,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON },

    { .method = "GET", .pattern = "/api/items", .handler = items_list, .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/items",
      .handler = items_create,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/items.csv",
      .handler = items_export,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/items/import",
      .handler = items_import,
      .access = ACCESS_MANAGER,
      .body = BODY_CSV,
      .max_body = 32 * MiB },
    { .method = "GET",
      .pattern = "/api/items/{code}",
      .handler = items_get,
      .access = ACCESS_VOLUNTEER },
    { .method = "PATCH",
      .pattern = "/api/items/{code}",
      .handler = items_update,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/items/{code}/history",
      .handler = items_history,
      .access = ACCESS_VOLUNTEER },
    { .method = "GET",
      .pattern = "/api/items/{code}/photo",
      .handler = photos_get,
      .access = ACCESS_PUBLIC },
    { .method = "PUT",
      .pattern = "/api/items/{code}/photo",
      .handler = photos_put,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_IMAGE,
      .max_body = PHOTO_MAX_BYTES },
    { .method = "DELETE",
      .pattern = "/api/items/{code}/photo",
      .handler = photos_delete,
      .access = ACCESS_VOLUNTEER },

    { .method = "GET",
      .pattern = "/api/borrowers",
      .handler = borrowers_list,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/borrowers",
      .handler = borrowers_create,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/borrowers/{id}",
      .handler = borrowers_get,
      .access = ACCESS_VOLUNTEER },
    { .method = "PATCH",
      .pattern = "/api/borrowers/{id}",
      .handler = borrowers_update,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "DELETE",
      .pattern = "/api/borrowers/{id}",
      .handler = borrowers_erase,
      .access = ACCESS_MANAGER },
    { .method = "POST",
      .pattern = "/api/checkouts",
      .handler = loans_checkout,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "POST",
      .pattern = "/api/checkouts/{id}/undo",
      .handler = loans_undo_checkout,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/returns",
      .handler = loans_return,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET", .pattern = "/api/loans", .handler = loans_list, .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/loans/{id}/renew",
      .handler = loans_renew,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/loans/{id}/undo",
      .handler = loans_undo,
      .access = ACCESS_VOLUNTEER },

    { .method = "GET",
      .pattern = "/api/stats/summary",
      .handler = stats_summary,
      .access = ACCESS_MANAGER },
    { .method = "GET",
      .pattern = "/api/stats/loans",
      .handler = stats_loans,
      .access = ACCESS_MANAGER },
    { .method = "GET",
      .pattern = "/api/stats/items",
      .handler = stats_items,
      .access = ACCESS_MANAGER },

    { .method = "GET",
      .pattern = "/api/public/branches",
      .handler = public_branches,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/public/branches/{slug}",
      .handler = public_branch,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/public/categories",
      .handler = public_categories,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/public/items",
      .handler = public_items,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/public/stats",
      .handler = public_stats,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/openapi.json",
      .handler = public_openapi,
      .access = ACCESS_PUBLIC,
      .cors = true },
};
const size_t router_route_count = sizeof router_routes / sizeof router_routes[0];

const char *router_access_name(enum access access)
{
    switch (access) {
    case ACCESS_PUBLIC:
        return "public";
    case ACCESS_VOLUNTEER:
        return "volunteer";
    case ACCESS_MANAGER:
        return "manager";
    case ACCESS_ADMIN:
        return "admin";
    }
    return "unknown";
}

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
static const struct route *find_route(const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < router_route_count; i++) {
        const struct route *r = &router_routes[i];
        if (!pattern_match(r->pattern, path, NULL))
            continue;
        if (method_is(method, r->method))
            return r;
        *path_known = true;
    }
    return NULL;
}

size_t router_body_limit(const char *method, const char *path)
{
    bool known;
    const struct route *r = find_route(method, path, &known);
    return r && r->max_body ? r->max_body : settings->body_limit;
}

static void allow_header(const char *path, struct reply *rep)
{
    struct buf allow = BUF_INIT;
    for (size_t i = 0; i < router_route_count; i++)
        if (pattern_match(router_routes[i].pattern, path, NULL))
            buf_printf(&allow, "%s%s", allow.len ? ", " : "", router_routes[i].method);
    reply_header(rep, "Allow", allow.data ? allow.data : "");
    buf_free(&allow);
}

static bool is_safe_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "OPTIONS") == 0;
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
    if (r->body == BODY_NONE || is_safe_method(req->method))
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
        reply_problem(rep, 415, "unsupported_media_type", "unsupported content type",
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
        reply_problem(rep, 400, "invalid_json", "the body is not a JSON object",
                      req->json ? NULL : (req->body ? err.text : "The body is empty."));
        return false;
    }
    return true;
}

/*
 * Find who is asking and whether they may; answers and returns false when they may not.
 * A state-changing request that carries a live session cookie needs the session's CSRF token
 * even on a public route (a login over a live session, say): the cookie alone proves nothing,
 * since the browser sends it whoever made the page that asks.
 */
static bool check_access(struct req *req, struct reply *rep, struct staff_identity *who)
{
    const struct route *r = req->route;
    if (r->access == ACCESS_PUBLIC && is_safe_method(req->method))
        return true;

    enum store_status st = session_authenticate(req, who);
    if (st < 0) {
        reply_problem(rep, 503, "database_unavailable", "the database is unavailable",
                      "Try again in a moment.");
        reply_header(rep, "Retry-After", "2");
        return false;
    }
    if (st == STORE_NOT_FOUND) {
        if (r->access == ACCESS_PUBLIC)
            return true;
        reply_problem(rep, 401, "unauthenticated", "you need to log in", NULL);
        return false;
    }
    req->who = who;
    if (!is_safe_method(req->method)) {
        const char *sent = req_header(req, "X-CSRF-Token");
        size_t n = strlen(who->csrf_token);
        if (!sent || strlen(sent) != n || sodium_memcmp(sent, who->csrf_token, n) != 0) {
            reply_problem(rep, 403, "csrf_failed", "missing or wrong CSRF token",
                          "Send the session's csrf_token in the X-CSRF-Token header.");
            return false;
        }
    }
    if ((int)who->role < (int)r->access) {
        reply_problem(rep, 403, "forbidden", "your role may not do this", NULL);
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
static void preflight(const char *path, struct reply *rep)
{
    allow_header(path, rep);
    const struct route *get = find_route("GET", path, &(bool){ false });
    if (get && get->cors) {
        open_cors(rep);
        reply_header(rep, "Access-Control-Allow-Methods", "GET, HEAD");
        reply_header(rep, "Access-Control-Allow-Headers", "If-None-Match");
        reply_header(rep, "Access-Control-Max-Age", "86400");
    }
    reply_empty(rep, 204);
}

static void dispatch_api(struct req *req, struct reply *rep)
{
    bool path_known;
    const struct route *r = find_route(req->method, req->path, &path_known);
    if (!r && path_known && strcmp(req->method, "OPTIONS") == 0) {
        preflight(req->path, rep);
        return;
    }
    if (!r) {
        if (path_known) {
            allow_header(req->path, rep);
            reply_problem(rep, 405, "method_not_allowed", "method not allowed", NULL);
        } else {
            reply_problem(rep, 404, "not_found", "no such resource", NULL);
        }
        return;
    }
    req->route = r;
    pattern_match(r->pattern, req->path, req);

    struct staff_identity who;
    if (!check_access(req, rep, &who) || !check_body(req, rep))
        return;
    r->handler(req, rep);
    if (rep->status == 0)
        reply_problem(rep, 500, "internal_error", "internal error", NULL);
    if (r->cors)
        open_cors(rep);
    req->who = NULL; /* `who` lives on this stack frame only */
}

void router_dispatch(struct req *req, struct reply *rep)
{
    bool api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0 ||
               strcmp(req->path, "/healthz") == 0;
    if (api) {
        dispatch_api(req, rep);
        /* API answers are about live data: no cache keeps them unless the handler says so. */
        if (!reply_get_header(rep, "Cache-Control"))
            reply_header(rep, "Cache-Control", "no-store");
        return;
    }
    if (!is_safe_method(req->method)) {
        reply_header(rep, "Allow", "GET, HEAD");
        reply_problem(rep, 405, "method_not_allowed", "method not allowed", NULL);
        return;
    }
    if (!static_serve(req, rep))
        reply_problem(rep, 404, "not_found", "no such page", NULL);
}

void router_release(struct req *req)
{
    json_decref(req->json);
    req->json = NULL;
    free(req->param_storage);
    req->param_storage = NULL;
}
