/*
 * stats: the statistics report (see stats.h). Validates the period and the branch, then reads
 * the rollups through stats_store; nothing here depends on how many loans there are.
 */
#include "stats.h"

#include "api/api.h"
#include "api/input.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/period.h"
#include "core/suppress.h"
#include "store/branch_store.h"
#include "store/category_store.h"
#include "store/stats_store.h"

#include <stdio.h>
#include <stdlib.h>
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

/* What /api/stats/loans groups by: the groups of store_stats_loans, then the groups of people. */
enum loans_group {
    LOANS_BY_AGE_BAND = STATS_BY_CATEGORY + 1,
    LOANS_BY_GENDER,
    LOANS_GROUPS,
};
static const char *const group_names[LOANS_GROUPS] = {
    [STATS_BY_DAY] = "day",           [STATS_BY_WEEK] = "week",
    [STATS_BY_MONTH] = "month",       [STATS_BY_YEAR] = "year",
    [STATS_BY_BRANCH] = "branch",     [STATS_BY_CATEGORY] = "category",
    [LOANS_BY_AGE_BAND] = "age_band", [LOANS_BY_GENDER] = "gender",
};

/* Whether a group_by is about people (and answers unique borrowers, hidden where it must). */
static bool by_people(size_t group)
{
    return group == LOANS_BY_AGE_BAND || group == LOANS_BY_GENDER;
}

/* A /api/stats/loans question, read and checked. */
struct loans_query {
    int group; /* an enum stats_group, or an enum loans_group of people */
    const char *from, *to, *slug;
    int branch_id;
    int category_id; /* age_band and gender: 0 for every category */
};

/* Read the query of /api/stats/loans; answers and returns false when it is not good. */
static bool loans_query(struct req *req, struct reply *rep, struct loans_query *q)
{
    struct input in;
    input_begin(&in, NULL, NULL);
    const char *group_by = req_query(req, "group_by");
    size_t group = LOANS_GROUPS;
    for (size_t i = 0; group_by && i < LOANS_GROUPS; i++)
        if (strcmp(group_by, group_names[i]) == 0)
            group = i;
    if (!group_by || !*group_by)
        input_error(&in, "group_by", "required", "this query argument is required");
    else if (group == LOANS_GROUPS)
        input_error(&in, "group_by", "invalid",
                    "must be one of: day, week, month, year, branch, category, age_band, gender");
    q->group = (int)group;
    const char *category = req_query(req, "category");
    char *end = NULL;
    long id = category && *category ? strtol(category, &end, 10) : 0;
    q->category_id = 0;
    if (category && *category && !by_people(group))
        input_error(&in, "category", "invalid",
                    "only group_by age_band and gender take a category");
    else if (category && *category && (*end || id < 1 || id > API_MAX_INT_ID))
        input_error(&in, "category", "invalid", "must be a category id");
    else
        q->category_id = (int)id;
    long max_days = group == STATS_BY_DAY    ? MAX_DAYS_BY_DAY
                    : group == STATS_BY_WEEK ? MAX_DAYS_BY_WEEK
                                             : MAX_DAYS;
    if (!period_and_branch(req, rep, &in, max_days, &q->from, &q->to, &q->branch_id, &q->slug))
        return false;
    if (q->category_id) {
        struct category c;
        enum store_status st = store_category_get(q->category_id, &c);
        if (st == STORE_OK)
            store_category_clear(&c);
        else if (st == STORE_NOT_FOUND)
            reply_problem(rep, PROBLEM_category_not_found, NULL);
        else
            api_store_failure(rep, st);
        return st == STORE_OK;
    }
    return true;
}

/* The groups of people of a period and what the report may show of them. */
#define PEOPLE_MAX_GROUPS 8
struct people_figures {
    struct stats_people_row *rows; /* owned */
    size_t n;
    struct stats_people_row total;
    enum suppress_mark marks[PEOPLE_MAX_GROUPS]; /* what suppress_cells decided for each row */
    enum suppress_mark total_mark;               /* and for the total */
};

/* Read the groups of people of a question and apply the one rule of what may be shown. */
static enum store_status people_figures(const struct loans_query *q, struct people_figures *f)
{
    *f = (struct people_figures){ 0 };
    enum store_status st = store_stats_people(q->branch_id, q->category_id, q->from, q->to,
                                              q->group == LOANS_BY_GENDER ? STATS_PEOPLE_GENDER
                                                                          : STATS_PEOPLE_AGE_BAND,
                                              &f->rows, &f->n, &f->total);
    if (st < 0 || f->n > PEOPLE_MAX_GROUPS) {
        free(f->rows);
        f->rows = NULL;
        return st < 0 ? st : STORE_HARD_ERROR;
    }
    long long borrowers[PEOPLE_MAX_GROUPS];
    for (size_t i = 0; i < f->n; i++)
        borrowers[i] = f->rows[i].borrowers;
    bool hidden = suppress_cells(borrowers, f->n, f->total.borrowers, f->marks);
    f->total_mark = !hidden                             ? SUPPRESS_SHOWN
                    : f->total.borrowers < SUPPRESS_MIN ? SUPPRESS_SMALL
                                                        : SUPPRESS_COMPLEMENT;
    return STORE_OK;
}

/* One group of people (or the total) as JSON: its figures, or nulls and why they are hidden. */
static json_t *people_row_json(const struct stats_people_row *r, enum suppress_mark mark)
{
    json_t *row = r->key[0] ? json_pack("{s:s}", "key", r->key) : json_object();
    if (mark == SUPPRESS_SHOWN) {
        json_object_update_new(row,
                               json_pack("{s:I, s:I, s:b}", "loans", (json_int_t)r->loans,
                                         "borrowers", (json_int_t)r->borrowers, "suppressed", 0));
    } else {
        json_object_update_new(
            row, json_pack("{s:n, s:n, s:b, s:s}", "loans", "borrowers", "suppressed", 1, "reason",
                           mark == SUPPRESS_SMALL ? "under_5" : "complementary"));
    }
    return row;
}

void stats_loans(struct req *req, struct reply *rep)
{
    struct loans_query q;
    if (!loans_query(req, rep, &q))
        return;
    json_t *body = json_pack("{s:s, s:s, s:o, s:s}", "from", q.from, "to", q.to, "branch",
                             slug_json(q.slug), "group_by", group_names[q.group]);
    enum store_status st;
    if (by_people((size_t)q.group)) {
        struct people_figures f;
        st = people_figures(&q, &f);
        if (st >= 0) {
            json_t *list = json_array();
            for (size_t i = 0; i < f.n; i++)
                api_append(&list, people_row_json(&f.rows[i], f.marks[i]));
            json_object_set_new(body, "category",
                                q.category_id ? json_integer(q.category_id) : json_null());
            json_object_set_new(body, "rows", list);
            json_object_set_new(body, "total", people_row_json(&f.total, f.total_mark));
            free(f.rows);
        }
    } else {
        struct stats_row *rows;
        size_t n;
        st = store_stats_loans(q.branch_id, q.from, q.to, (enum stats_group)q.group, &rows, &n);
        if (st >= 0) {
            json_object_set_new(body, "rows", stats_rows_json((enum stats_group)q.group, rows, n));
            store_stats_rows_free(rows, n);
        }
    }
    if (st < 0) {
        json_decref(body);
        api_store_failure(rep, st);
        return;
    }
    reply_json(rep, 200, body);
}

/* A line of a statistics CSV file: its fields, the first is the line's start. */
static void csv_line(struct buf *out, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_write_field(out, fields[i], ';', i == 0);
    csv_write_end(out);
}

/* A figure of a group of people in a CSV file: the number, or what hides it ("< 5", ".."). */
static const char *people_cell(long long value, enum suppress_mark mark, char *text, size_t size)
{
    if (mark == SUPPRESS_SMALL)
        return "< 5";
    if (mark == SUPPRESS_COMPLEMENT)
        return "..";
    snprintf(text, size, "%lld", value);
    return text;
}

void stats_loans_csv(struct req *req, struct reply *rep)
{
    struct loans_query q;
    if (!loans_query(req, rep, &q))
        return;
    struct buf out = BUF_INIT;
    csv_write_bom(&out);
    char a[32], b[32], c[32];
    enum store_status st;
    if (by_people((size_t)q.group)) {
        struct people_figures f;
        st = people_figures(&q, &f);
        if (st >= 0) {
            csv_line(&out, (const char *[]){ group_names[q.group], "loans", "borrowers" }, 3);
            for (size_t i = 0; i < f.n; i++) {
                const struct stats_people_row *r = &f.rows[i];
                csv_line(&out,
                         (const char *[]){ r->key, people_cell(r->loans, f.marks[i], a, sizeof a),
                                           people_cell(r->borrowers, f.marks[i], b, sizeof b) },
                         3);
            }
            csv_line(&out,
                     (const char *[]){ "total",
                                       people_cell(f.total.loans, f.total_mark, a, sizeof a),
                                       people_cell(f.total.borrowers, f.total_mark, b, sizeof b) },
                     3);
            free(f.rows);
        }
    } else {
        struct stats_row *rows;
        size_t n;
        st = store_stats_loans(q.branch_id, q.from, q.to, (enum stats_group)q.group, &rows, &n);
        if (st >= 0) {
            if (q.group == STATS_BY_BRANCH)
                csv_line(&out, (const char *[]){ "branch", "name", "loans" }, 3);
            else if (q.group == STATS_BY_CATEGORY)
                csv_line(&out, (const char *[]){ "category", "loans", "co2e_kg", "sek" }, 4);
            else
                csv_line(&out, (const char *[]){ group_names[q.group], "loans" }, 2);
            for (size_t i = 0; i < n; i++) {
                const struct stats_row *r = &rows[i];
                snprintf(a, sizeof a, "%lld", r->loans);
                if (q.group == STATS_BY_BRANCH) {
                    csv_line(&out, (const char *[]){ r->key, r->name, a }, 3);
                } else if (q.group == STATS_BY_CATEGORY) {
                    snprintf(b, sizeof b, "%.2f", r->co2e_kg);
                    snprintf(c, sizeof c, "%.2f", r->sek);
                    char id[16];
                    snprintf(id, sizeof id, "%d", r->category_id);
                    csv_line(&out, (const char *[]){ id, a, b, c }, 4);
                } else {
                    csv_line(&out, (const char *[]){ r->key, a }, 2);
                }
            }
            store_stats_rows_free(rows, n);
        }
    }
    if (st < 0) {
        buf_free(&out);
        api_store_failure(rep, st);
        return;
    }
    size_t len;
    char *body = buf_steal(&out, &len);
    reply_bytes(rep, 200, "text/csv; charset=utf-8", body, len);
    reply_headerf(rep, "Content-Disposition",
                  "attachment; filename=\"hylla-loans-by-%s-%s-%s-%s.csv\"", group_names[q.group],
                  q.slug ? q.slug : "network", q.from, q.to);
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
