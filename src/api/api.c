/* api: helpers every handler shares (see api.h). */
#include "api.h"

#include "core/buf.h"

#include <errno.h>
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
        reply_problem(rep, 400, "invalid_query", "invalid query argument", detail);
        free(detail);
        return false;
    }
    *out = v;
    return true;
}
