/*
 * stats: the statistics report (see stats.h). Validates the period and the branch, then reads
 * the rollups through stats_store; nothing here depends on how many loans there are.
 */
#include "stats.h"

#include "api/api.h"
#include "api/input.h"
#include "store/branch_store.h"
#include "store/stats_store.h"

#include <string.h>

/* Longest periods, in days: a chart by day stays readable, and any period stays quick. */
#define MAX_DAYS_BY_DAY  732
#define MAX_DAYS_BY_WEEK (20 * 366)
#define MAX_DAYS         (50 * 366)

static void query_problems(struct input *in, struct reply *rep)
{
    reply_problem_errors(rep, PROBLEM_invalid_query, in->errors);
    in->errors = NULL;
}

/*
 * The branch asked about into *branch_id (0: the network) and its slug into *slug (NULL for the
 * network); answers and returns false when it may not be read. Staff bound to a branch get 403
 * for any other slug, existing or not, so they learn nothing about other branches; network-wide
 * staff get 404 for a slug that names no branch.
 */
static bool branch_scope(struct req *req, struct reply *rep, int *branch_id, const char **slug)
{
    const char *asked = req_query(req, "branch");
    if (!asked || !*asked) {
        *branch_id = api_scope(req);
        *slug = *branch_id ? req->who->branch_slug : NULL;
        return true;
    }
    enum store_status st = store_branch_id(asked, branch_id);
    if (st < 0) {
        api_store_failure(rep, st);
        return false;
    }
    if (api_scope(req) != 0 && (st == STORE_NOT_FOUND || !api_scope_allows(req, *branch_id))) {
        api_branch_forbidden(rep, "Staff of a branch see only their own branch's statistics.");
        return false;
    }
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, PROBLEM_branch_not_found, NULL);
        return false;
    }
    *slug = asked;
    return true;
}

/*
 * Finish reading the query of a report: the period (problems so far are in in, which this ends),
 * then the branch. Answers and returns false when either is not good.
 */
static bool period_and_branch(struct req *req, struct reply *rep, struct input *in, long max_days,
                              const char **from, const char **to, int *branch_id, const char **slug)
{
    api_query_period(req, in, max_days, from, to);
    if (input_failed(in)) {
        query_problems(in, rep);
        return false;
    }
    input_end(in);
    return branch_scope(req, rep, branch_id, slug);
}

static json_t *slug_json(const char *slug)
{
    return slug ? json_string(slug) : json_null();
}

json_t *stats_rows_json(enum stats_group group, const struct stats_row *rows, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct stats_row *r = &rows[i];
        json_t *row;
        if (group == STATS_BY_CATEGORY)
            row = json_pack("{s:i, s:I, s:f, s:f}", "key", r->category_id, "loans",
                            (json_int_t)r->loans, "co2e_kg", r->co2e_kg, "sek", r->sek);
        else if (group == STATS_BY_BRANCH)
            row = json_pack("{s:s, s:s, s:I}", "key", r->key, "name", r->name, "loans",
                            (json_int_t)r->loans);
        else
            row = json_pack("{s:s, s:I}", "key", r->key, "loans", (json_int_t)r->loans);
        api_append(&list, row);
    }
    return list;
}

json_t *stats_items_json(const struct stats_items *s)
{
    json_t *categories = json_array();
    for (size_t i = 0; i < s->ncategories; i++) {
        const struct stats_category_items *c = &s->categories[i];
        api_append(&categories, json_pack("{s:i, s:I, s:I, s:I}", "key", c->category_id, "items",
                                          (json_int_t)c->items, "never_lent",
                                          (json_int_t)c->never_lent, "lost", (json_int_t)c->lost));
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "items", (json_int_t)s->items, "never_lent",
                     (json_int_t)s->never_lent, "lost", (json_int_t)s->lost, "categories",
                     categories);
}

void stats_summary(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, NULL, NULL);
    const char *from, *to, *slug;
    int branch_id;
    if (!period_and_branch(req, rep, &in, MAX_DAYS, &from, &to, &branch_id, &slug))
        return;
    struct stats_summary s;
    enum store_status st = store_stats_summary(branch_id, from, to, &s);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *body = json_pack(
        "{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I}", "from", from,
        "to", to, "branch", slug_json(slug), "loans", (json_int_t)s.loans, "returns",
        (json_int_t)s.returns, "unique_borrowers", (json_int_t)s.unique_borrowers, "new_borrowers",
        (json_int_t)s.new_borrowers, "items_donated", (json_int_t)s.items_donated, "co2e_kg",
        s.co2e_kg, "sek", s.sek, "total_loans_since_start", (json_int_t)s.total_loans,
        "returns_late", (json_int_t)s.returns_late, "items", (json_int_t)s.items,
        "items_never_lent", (json_int_t)s.items_never_lent);
    json_object_set_new(body, "late_share",
                        s.returns ? json_real((double)s.returns_late / (double)s.returns)
                                  : json_null());
    json_object_set_new(body, "average_loan_days",
                        s.returns ? json_real((double)s.loan_seconds / (double)s.returns / 86400.0)
                                  : json_null());
    reply_json(rep, 200, body);
}

void stats_loans(struct req *req, struct reply *rep)
{
    static const char *const names[] = {
        [STATS_BY_DAY] = "day",   [STATS_BY_WEEK] = "week",     [STATS_BY_MONTH] = "month",
        [STATS_BY_YEAR] = "year", [STATS_BY_BRANCH] = "branch", [STATS_BY_CATEGORY] = "category",
    };
    const size_t ngroups = sizeof names / sizeof names[0];

    struct input in;
    input_begin(&in, NULL, NULL);
    const char *group_by = req_query(req, "group_by");
    size_t group = ngroups;
    for (size_t i = 0; group_by && i < ngroups; i++)
        if (strcmp(group_by, names[i]) == 0)
            group = i;
    if (!group_by || !*group_by)
        input_error(&in, "group_by", "required", "this query argument is required");
    else if (group == ngroups)
        input_error(&in, "group_by", "invalid",
                    "must be one of: day, week, month, year, branch, category");
    long max_days = group == STATS_BY_DAY    ? MAX_DAYS_BY_DAY
                    : group == STATS_BY_WEEK ? MAX_DAYS_BY_WEEK
                                             : MAX_DAYS;
    const char *from, *to, *slug;
    int branch_id;
    if (!period_and_branch(req, rep, &in, max_days, &from, &to, &branch_id, &slug))
        return;
    struct stats_row *rows;
    size_t n;
    enum store_status st =
        store_stats_loans(branch_id, from, to, (enum stats_group)group, &rows, &n);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *list = stats_rows_json((enum stats_group)group, rows, n);
    store_stats_rows_free(rows, n);
    reply_json(rep, 200,
               json_pack("{s:s, s:s, s:o, s:s, s:o}", "from", from, "to", to, "branch",
                         slug_json(slug), "group_by", names[group], "rows", list));
}

void stats_items(struct req *req, struct reply *rep)
{
    int branch_id;
    const char *slug;
    if (!branch_scope(req, rep, &branch_id, &slug))
        return;
    struct stats_items items;
    enum store_status st = store_stats_items(branch_id, &items);
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    json_t *body = stats_items_json(&items);
    store_stats_items_free(&items);
    json_object_set_new(body, "branch", slug_json(slug));
    reply_json(rep, 200, body);
}
