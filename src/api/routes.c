/*
 * routes: the route table of the API and who may use each route (see routes.h).
 */
#include "routes.h"

#include "api/api.h"
#include "api/borrowers.h"
#include "api/branches.h"
#include "api/categories.h"
#include "api/health.h"
#include "api/items.h"
#include "api/labels.h"
#include "api/loans.h"
#include "api/messages.h"
#include "api/photos.h"
#include "api/public.h"
#include "api/session.h"
#include "api/site.h"
#include "api/staff.h"
#include "api/stats.h"
#include "core/settings.h"
#include "core/token.h"
#include "store/session_store.h"

#include <sodium.h>
#include <string.h>

#define MiB (1024u * 1024u)

/* Literal routes come before patterned ones that could also match their path. */
static const struct route table[] = {
    { .method = "GET", .pattern = "/healthz", .handler = health_get, .access = ACCESS_PUBLIC },
    { .method = "GET", .pattern = "/metrics", .handler = health_metrics, .access = ACCESS_PUBLIC },

    { .method = "POST",
      .pattern = "/api/session",
      .handler = session_login,
      .access = ACCESS_PUBLIC,
      .body = BODY_JSON,
      .gated = true },
    { .method = "GET",
      .pattern = "/api/session",
      .handler = session_get,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "DELETE",
      .pattern = "/api/session",
      .handler = session_logout,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "POST",
      .pattern = "/api/account/password",
      .handler = session_change_password,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY,
      .body = BODY_JSON,
      .gated = true },

    { .method = "GET", .pattern = "/api/staff", .handler = staff_list, .access = ACCESS_ADMIN },
    { .method = "POST",
      .pattern = "/api/staff",
      .handler = staff_create,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON,
      .gated = true },
    { .method = "GET", .pattern = "/api/staff/{id}", .handler = staff_get, .access = ACCESS_ADMIN },
    { .method = "PATCH",
      .pattern = "/api/staff/{id}",
      .handler = staff_update,
      .access = ACCESS_ADMIN,
      .body = BODY_JSON,
      .gated = true },
    { .method = "GET",
      .pattern = "/api/branches",
      .handler = branches_list,
      .access = ACCESS_PUBLIC },
    { .method = "POST",
      .pattern = "/api/branches",
      .handler = branches_create,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/branches/{slug}",
      .handler = branches_get,
      .access = ACCESS_PUBLIC },
    { .method = "PATCH",
      .pattern = "/api/branches/{slug}",
      .handler = branches_update,
      .access = ACCESS_MANAGER,
      .scope = SCOPE_PATH,
      .body = BODY_JSON },
    { .method = "PATCH",
      .pattern = "/api/branches/{slug}/printing",
      .handler = labels_set_printing,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_PATH,
      .body = BODY_JSON },
    { .method = "POST",
      .pattern = "/api/branches/{slug}/calendar/preview",
      .handler = branches_preview,
      .access = ACCESS_MANAGER,
      .scope = SCOPE_PATH,
      .body = BODY_JSON },
    { .method = "POST",
      .pattern = "/api/branches/{slug}/due-dates/move",
      .handler = branches_move_due_dates,
      .access = ACCESS_MANAGER,
      .scope = SCOPE_PATH },
    { .method = "PUT",
      .pattern = "/api/branches/{slug}/message-settings",
      .handler = messages_settings_update,
      .access = ACCESS_MANAGER,
      .scope = SCOPE_PATH,
      .body = BODY_JSON },

    { .method = "GET",
      .pattern = "/api/categories",
      .handler = categories_list,
      .access = ACCESS_PUBLIC },
    { .method = "POST",
      .pattern = "/api/categories",
      .handler = categories_create,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK,
      .body = BODY_JSON },
    { .method = "PATCH",
      .pattern = "/api/categories/{id}",
      .handler = categories_update,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK,
      .body = BODY_JSON },
    { .method = "DELETE",
      .pattern = "/api/categories/{id}",
      .handler = categories_delete,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK },
    { .method = "POST",
      .pattern = "/api/categories/{id}/merge",
      .handler = categories_merge,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK,
      .body = BODY_JSON },

    { .method = "GET",
      .pattern = "/api/items",
      .handler = items_list,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "POST",
      .pattern = "/api/items",
      .handler = items_create,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/items.csv",
      .handler = items_export,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "POST",
      .pattern = "/api/items/import",
      .handler = items_import,
      .access = ACCESS_MANAGER,
      .body = BODY_CSV,
      .max_body = 32 * MiB },
    { .method = "GET",
      .pattern = "/api/items/{code}",
      .handler = items_get,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY,
      .batch = items_get_batch,
      .prefetch = items_get_prefetch },
    { .method = "PATCH",
      .pattern = "/api/items/{code}",
      .handler = items_update,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "POST",
      .pattern = "/api/items/{code}/status",
      .handler = items_set_status,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/repairs",
      .handler = items_repairs,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "GET",
      .pattern = "/api/items/{code}/label.svg",
      .handler = labels_item,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "POST",
      .pattern = "/api/labels/printed",
      .handler = labels_printed,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/items/{code}/history",
      .handler = items_history,
      .access = ACCESS_VOLUNTEER,
      .scope = SCOPE_ANY },
    { .method = "GET",
      .pattern = "/api/items/{code}/photo",
      .handler = photos_get,
      .access = ACCESS_PUBLIC,
      .lane = LANE_READS },
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
    { .method = "GET",
      .pattern = "/api/borrowers/{id}/messages",
      .handler = messages_of_borrower,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/borrowers/{id}/messages",
      .handler = messages_write,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "POST",
      .pattern = "/api/borrowers/{id}/calls",
      .handler = messages_call,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/borrowers/{id}/export",
      .handler = borrowers_export,
      .access = ACCESS_MANAGER },
    { .method = "POST",
      .pattern = "/api/borrowers/{id}/card",
      .handler = borrowers_new_card,
      .access = ACCESS_VOLUNTEER },
    { .method = "GET",
      .pattern = "/api/borrowers/{id}/card.svg",
      .handler = labels_card,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/checkouts",
      .handler = loans_checkout,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON,
      .batch = loans_checkout_batch,
      .batch_free = true },
    { .method = "POST",
      .pattern = "/api/checkouts/{id}/undo",
      .handler = loans_undo_checkout,
      .access = ACCESS_VOLUNTEER },
    { .method = "POST",
      .pattern = "/api/returns",
      .handler = loans_return,
      .access = ACCESS_VOLUNTEER,
      .body = BODY_JSON,
      .batch = loans_return_batch,
      .batch_free = true },
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
      .access = ACCESS_MANAGER,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/stats/loans",
      .handler = stats_loans,
      .access = ACCESS_MANAGER,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/stats/loans.csv",
      .handler = stats_loans_csv,
      .access = ACCESS_MANAGER },
    { .method = "GET",
      .pattern = "/api/stats/items",
      .handler = stats_items,
      .access = ACCESS_MANAGER,
      .lane = LANE_READS },

    { .method = "GET",
      .pattern = "/api/messages",
      .handler = messages_list,
      .access = ACCESS_VOLUNTEER },
    { .method = "GET",
      .pattern = "/api/messages/stats",
      .handler = messages_stats,
      .access = ACCESS_MANAGER },
    { .method = "GET",
      .pattern = "/api/message-settings",
      .handler = messages_settings_list,
      .access = ACCESS_MANAGER },

    { .method = "GET",
      .pattern = "/api/public/branches",
      .handler = public_branches,
      .access = ACCESS_PUBLIC,
      .cors = true,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/public/branches/{slug}",
      .handler = public_branch,
      .access = ACCESS_PUBLIC,
      .cors = true,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/public/categories",
      .handler = public_categories,
      .access = ACCESS_PUBLIC,
      .cors = true,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/public/items",
      .handler = public_items,
      .access = ACCESS_PUBLIC,
      .cors = true,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/public/items/{code}",
      .handler = public_item,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "GET",
      .pattern = "/api/public/texts/{key}",
      .handler = public_text,
      .access = ACCESS_PUBLIC,
      .cors = true },
    { .method = "PUT",
      .pattern = "/api/texts/{key}",
      .handler = site_text_put,
      .access = ACCESS_ADMIN,
      .scope = SCOPE_NETWORK,
      .body = BODY_JSON },
    { .method = "GET",
      .pattern = "/api/public/stats",
      .handler = public_stats,
      .access = ACCESS_PUBLIC,
      .cors = true,
      .lane = LANE_READS },
    { .method = "GET",
      .pattern = "/api/openapi.json",
      .handler = public_openapi,
      .access = ACCESS_PUBLIC,
      .cors = true },
};

const char *routes_scope_name(int scope)
{
    switch ((enum scope)scope) {
    case SCOPE_DATA:
        return "data";
    case SCOPE_ANY:
        return "any";
    case SCOPE_PATH:
        return "path";
    case SCOPE_NETWORK:
        return "network";
    }
    return "unknown";
}

const char *routes_access_name(int access)
{
    switch ((enum access)access) {
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

/*
 * What the sessions of requests that only read still have to confirm (store_session_check): their
 * own round trips confirm them, and answered() checks. A lane thread runs a request, or a batch of
 * requests of one route (router_dispatch_batch), from admit to answered: each request admitted
 * keeps its check here until its answered().
 */
static _Thread_local struct unconfirmed {
    const struct req *req; /* NULL: a free slot */
    struct store_session_check check;
} unconfirmed[ROUTER_BATCH_MAX];

/* The slot of a request admitted on this thread, else (take) a free one; NULL if there is none. */
static struct unconfirmed *unconfirmed_slot(const struct req *req, bool take)
{
    struct unconfirmed *free_slot = NULL;
    for (size_t i = 0; i < ROUTER_BATCH_MAX; i++) {
        if (unconfirmed[i].req == req)
            return &unconfirmed[i];
        if (!free_slot && !unconfirmed[i].req)
            free_slot = &unconfirmed[i];
    }
    if (take && free_slot)
        free_slot->req = req;
    return take ? free_slot : NULL;
}

/*
 * Who holds the request's session cookie: STORE_OK with *who filled, STORE_NOT_FOUND if nobody.
 * A request that changes something runs only on a session confirmed first; one that only reads,
 * the first time, runs at once and is confirmed when it has answered.
 */
static enum store_status authenticate(const struct req *req, struct staff_identity *who)
{
    char token[TOKEN_TEXT_SIZE + 1];
    unsigned char hash[TOKEN_HASH_SIZE];
    if (!req_cookie(req, API_SESSION_COOKIE, token, sizeof token) || !token_hash(token, hash))
        return STORE_NOT_FOUND;
    struct unconfirmed *later = NULL;
    if (req_method_is_safe(req) && !req->again)
        later = unconfirmed_slot(req, true);
    if (!later)
        return store_session_lookup_since(hash, settings->session_idle_s, req->received_s, who);
    return store_session_lookup_unconfirmed(hash, settings->session_idle_s, who, &later->check);
}

/* Whether the asker's branch reaches the route's scope; answers 403 and returns false if not. */
static bool admit_branch(const struct req *req, struct reply *rep)
{
    const struct staff_identity *who = req->who;
    if (who->branch_id == 0)
        return true;
    if (req->route->scope == SCOPE_NETWORK) {
        reply_problem(rep, PROBLEM_network_only, "Ask an admin of the whole network.");
        return false;
    }
    if (req->route->scope == SCOPE_PATH &&
        (req->nparams == 0 || strcmp(req->params[0], who->branch_slug) != 0)) {
        api_branch_forbidden(rep, "Staff of a branch change only their own branch.");
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
static bool admit_who(struct req *req, struct reply *rep)
{
    const struct route *r = req->route;
    bool safe = req_method_is_safe(req);
    if (r->access == ACCESS_PUBLIC && safe)
        return true;

    enum store_status st = authenticate(req, &req->identity);
    if (st < 0) {
        reply_problem(rep, PROBLEM_database_unavailable, "Try again in a moment.");
        reply_header(rep, "Retry-After", "2");
        return false;
    }
    if (st == STORE_NOT_FOUND) {
        if (r->access == ACCESS_PUBLIC)
            return true;
        reply_problem(rep, PROBLEM_unauthenticated, NULL);
        return false;
    }
    struct staff_identity *who = &req->identity;
    req->who = who;
    if (!safe) {
        const char *sent = req_header(req, "X-CSRF-Token");
        size_t n = strlen(who->csrf_token);
        if (!sent || strlen(sent) != n || sodium_memcmp(sent, who->csrf_token, n) != 0) {
            reply_problem(rep, PROBLEM_csrf_failed,
                          "Send the session's csrf_token in the X-CSRF-Token header.");
            return false;
        }
    }
    if ((int)who->role < r->access) {
        reply_problem(rep, PROBLEM_forbidden, NULL);
        return false;
    }
    /* A one-time password opens only the way to a password of one's own (and out again). */
    if (who->must_change_password && r->handler != session_get && r->handler != session_logout &&
        r->handler != session_change_password) {
        reply_problem(rep, PROBLEM_password_change_required,
                      "Choose a new password first (POST /api/account/password).");
        return false;
    }
    return admit_branch(req, rep);
}

/*
 * Whether a route only reads what may be a few seconds old, so that a read replica may answer
 * it (store_read_from_replica): the public API, which any visitor reads, item photos (a photo
 * staff have just put up is asked for by its new version, which photos_get then reads from the
 * primary), and the statistics. Everything else, above all the desk's reads of what staff have
 * just written, reads the primary. Not the route's lane: lanes sort requests by what they cost
 * (LANE_READS keeps long statements away from the desk), replicas by what they may miss, and a
 * public item or text is a short read that may still be a few seconds old.
 */
static bool reads_replica(const struct route *r)
{
    return strcmp(r->method, "GET") == 0 &&
           (strncmp(r->pattern, "/api/public/", 12) == 0 ||
            strncmp(r->pattern, "/api/stats/", 11) == 0 || r->handler == photos_get);
}

/*
 * Admit the request (admit_who), then say where its reads go: the session is read from the
 * primary before, whatever the route.
 */
static bool admit(struct req *req, struct reply *rep)
{
    store_read_from_replica(false);
    if (!admit_who(req, rep))
        return false;
    store_read_from_replica(reads_replica(req->route));
    return true;
}

/*
 * After the handler: a read answered on a session not yet confirmed goes out only when nothing
 * about staff changed before the request (else the router runs it again, confirmed first). And
 * after a change made here, the public answers kept in memory go, so that what this server says
 * next shows it. Changes to the catalogue reach every server's answers as "public" from the
 * database as well; loans do not (migration 0017 says why), so another server's answers show a
 * loan made here within their cache's five seconds.
 */
static bool answered(const struct req *req, const struct reply *rep)
{
    store_read_from_replica(false); /* the session is confirmed on the primary */
    struct unconfirmed *u = unconfirmed_slot(req, false);
    if (u) {
        u->req = NULL;
        if (u->check.pending)
            return store_session_confirm(&u->check);
    }
    if (!req_method_is_safe(req) && rep->status < 400)
        public_cache_forget();
    return true;
}

const struct router routes_api = {
    .routes = table,
    .nroutes = sizeof table / sizeof table[0],
    .prefix = "/api/",
    .admit = admit,
    .answered = answered,
};
