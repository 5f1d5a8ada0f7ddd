/* api: helpers every handler shares (see api.h). */
#include "api.h"

#include "core/buf.h"
#include "core/text.h"
#include "store/branch_store.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

void api_store_failure(struct reply *rep, enum store_status st)
{
    if (st == STORE_SOFT_ERROR || store_error_is_unavailable()) {
        reply_problem(rep, 503, "database_unavailable", "the database is unavailable",
                      "Try again in a moment.");
        reply_header(rep, "Retry-After", "2");
        return;
    }
    reply_problem(rep, 500, "internal_error", "internal error",
                  "The error was logged on the server.");
}

bool api_branch_allowed(const struct req *req, int branch_id)
{
    return req->who && (req->who->branch_id == 0 || req->who->branch_id == branch_id);
}

bool api_query_int(const struct req *req, struct reply *rep, const char *name, long long min,
                   long long max, long long fallback, long long *out)
{
    const char *text = req_query(req, name);
    if (!text || !*text) {
        *out = fallback;
        return true;
    }
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max) {
        char *detail = xasprintf("The query argument %s must be a whole number from %lld to %lld.",
                                 name, min, max);
        api_bad_query(rep, detail);
        free(detail);
        return false;
    }
    *out = v;
    return true;
}

void api_bad_query(struct reply *rep, const char *detail)
{
    reply_problem(rep, 400, "invalid_query", "invalid query argument", detail);
}

/* Whether s is valid UTF-8 (jansson refuses anything else as a string). */
static bool valid_utf8(const char *s)
{
    json_t *probe = json_string(s);
    json_decref(probe);
    return probe != NULL;
}

bool api_query_item_match(const struct req *req, struct reply *rep, struct item_match *m)
{
    *m = (struct item_match){ 0 };
    m->q = req_query(req, "q");
    if (m->q && (!valid_utf8(m->q) || text_chars(m->q) > 200)) {
        api_bad_query(rep, "The search text q has at most 200 characters.");
        return false;
    }
    long long n;
    if (!api_query_int(req, rep, "category", 1, 2147483647, 0, &n))
        return false;
    m->category_id = (int)n;
    const char *kind = req_query(req, "size_kind");
    if (kind && *kind && (m->size_kind = size_kind_from_name(kind)) == SIZE_NONE) {
        api_bad_query(rep, "size_kind is one of length_cm, shoe_eu, clothing, head_cm, wheel_in, "
                           "other.");
        return false;
    }
    const char *min = req_query(req, "size_min"), *max = req_query(req, "size_max");
    if (min && *min && !(m->has_size_min = size_parse_bound(min, &m->size_min))) {
        api_bad_query(rep, "size_min must be a number.");
        return false;
    }
    if (max && *max && !(m->has_size_max = size_parse_bound(max, &m->size_max))) {
        api_bad_query(rep, "size_max must be a number.");
        return false;
    }
    return true;
}

bool api_query_branch(const struct req *req, struct reply *rep, bool scoped, int *branch_id)
{
    *branch_id = 0;
    const char *slug = req_query(req, "branch");
    if (!slug || !*slug)
        return true;
    enum store_status st = store_branch_id(slug, branch_id);
    if (st == STORE_NOT_FOUND) {
        api_bad_query(rep, "The query argument branch names no branch.");
        return false;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return false;
    }
    if (scoped && !api_branch_allowed(req, *branch_id)) {
        reply_problem(rep, 403, "branch_forbidden", "you may only see your own branch's data",
                      NULL);
        return false;
    }
    return true;
}
