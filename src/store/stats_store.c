/*
 * stats_store: the statistics report from the rollups (see stats_store.h). Periods are read as
 * whole months from the month tables and the days around them from the day tables (SPANS), so a
 * period costs a bounded number of rollup rows whatever the number of loans.
 */
#include "stats_store.h"

#include "store/pool.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * The rows of a day table (alias d) and its month table (alias m) that make up the period $2..$3
 * for a branch: the days before the first whole month, the days after the last, and the whole
 * months (see stats_months_from in migrations/0006_stats.sql). Each part is one index range.
 */
#define DAY_RANGES(cols, table, branch)                                                            \
    "SELECT " cols " FROM " table " d WHERE d.branch_id = " branch                                 \
    "   AND d.day >= $2::date AND d.day < stats_months_from($2::date) AND d.day <= $3::date"       \
    " UNION ALL SELECT " cols " FROM " table " d WHERE d.branch_id = " branch                      \
    "   AND d.day >= stats_months_until($2::date, $3::date) AND d.day <= $3::date"
#define SPANS(day_cols, day_table, month_cols, month_table, branch)                                \
    DAY_RANGES(day_cols, day_table, branch)                                                        \
    " UNION ALL SELECT " month_cols " FROM " month_table " m WHERE m.branch_id = " branch          \
    "   AND m.month >= stats_months_from($2::date)"                                                \
    "   AND m.month < stats_months_until($2::date, $3::date)"

/* The parts of the statements below. */
#define TOTAL_SPANS                                                                                \
    SPANS("d.loans, d.returns, d.returns_late, d.loan_seconds, d.new_borrowers", "stats_day",      \
          "m.loans, m.returns, m.returns_late, m.loan_seconds, m.new_borrowers", "stats_month",    \
          "$1")
#define CATEGORY_SPANS                                                                             \
    SPANS("d.category_id, d.loans", "stats_day_category", "m.category_id, m.loans",                \
          "stats_month_category", "$1")
#define DAY_SPANS DAY_RANGES("d.day, d.loans", "stats_day", "$1")

enum store_status store_stats_summary(int branch_id, const char *from, const char *to,
                                      struct stats_summary *out)
{
    /*
     * One statement, so every figure comes from the same snapshot. Unique borrowers: those who
     * borrowed for the first time ever in the period, plus those who came back in it after a day
     * before it, counted per whole month and per day around them (see stats_borrower_gap in
     * migrations/0006_stats.sql).
     */
    static struct store_stmt summary = STORE_STMT(
        "WITH tot AS ("
        "  SELECT coalesce(sum(loans), 0) AS loans, coalesce(sum(returns), 0) AS returns,"
        "         coalesce(sum(returns_late), 0) AS late, coalesce(sum(loan_seconds), 0) AS secs,"
        "         coalesce(sum(new_borrowers), 0) AS first"
        "    FROM (" TOTAL_SPANS ") x),"
        " cat AS (SELECT category_id, sum(loans) AS loans FROM (" CATEGORY_SPANS ") x"
        "          GROUP BY category_id),"
        " impact AS ("
        "  SELECT coalesce(sum(c.loans * f.co2e_kg), 0) AS co2e,"
        "         coalesce(sum(c.loans * f.sek), 0) AS sek"
        "    FROM cat c JOIN stats_category_factors f USING (category_id)),"
        " back AS ("
        "  SELECT (SELECT g.running FROM stats_borrower_gap_month g"
        "           WHERE g.branch_id = $1 AND g.month = m.month AND g.prev_day < $2::date"
        "           ORDER BY g.prev_day DESC LIMIT 1) AS n"
        "    FROM stats_month m"
        "   WHERE m.branch_id = $1 AND m.loans > 0 AND m.month >= stats_months_from($2::date)"
        "     AND m.month < stats_months_until($2::date, $3::date)"
        "  UNION ALL"
        "  SELECT (SELECT g.running FROM stats_borrower_gap g"
        "           WHERE g.branch_id = $1 AND g.day = d.day AND g.prev_day < $2::date"
        "           ORDER BY g.prev_day DESC LIMIT 1)"
        "    FROM (" DAY_SPANS ") d"
        "   WHERE d.loans > 0)"
        " SELECT tot.loans, tot.returns, tot.late, tot.secs,"
        "        tot.first + (SELECT coalesce(sum(n), 0) FROM back), tot.first,"
        "        (SELECT coalesce(sum(items), 0) FROM stats_donations"
        "          WHERE branch_id = $1 AND day >= $2::date AND day <= $3::date),"
        "        (SELECT coalesce(sum(loans), 0) FROM stats_month WHERE branch_id = $1),"
        "        coalesce((SELECT items FROM stats_items"
        "                   WHERE branch_id = $1 AND category_id = 0), 0),"
        "        coalesce((SELECT never_lent FROM stats_items"
        "                   WHERE branch_id = $1 AND category_id = 0), 0),"
        "        impact.co2e, impact.sek"
        "   FROM tot, impact");
    char branch[16];
    snprintf(branch, sizeof branch, "%d", branch_id);
    PGresult *res;
    enum store_status st = store_exec(&summary, 3, (const char *[]){ branch, from, to }, &res);
    if (st == STORE_OK) {
        *out = (struct stats_summary){
            .loans = store_get_ll(res, 0, 0),
            .returns = store_get_ll(res, 0, 1),
            .returns_late = store_get_ll(res, 0, 2),
            .loan_seconds = store_get_ll(res, 0, 3),
            .unique_borrowers = store_get_ll(res, 0, 4),
            .new_borrowers = store_get_ll(res, 0, 5),
            .items_donated = store_get_ll(res, 0, 6),
            .total_loans = store_get_ll(res, 0, 7),
            .items = store_get_ll(res, 0, 8),
            .items_never_lent = store_get_ll(res, 0, 9),
            .co2e_kg = strtod(store_get(res, 0, 10), NULL),
            .sek = strtod(store_get(res, 0, 11), NULL),
        };
    }
    PQclear(res);
    return st;
}

/* Day and week series straight from the day rollup: at most a few thousand rows. */
static struct store_stmt by_days =
    STORE_STMT("SELECT k::date::text, coalesce(x.loans, 0)"
               "  FROM generate_series(date_trunc($4, $2::date::timestamp), $3::date::timestamp,"
               "                       ('1 ' || $4)::interval) k"
               "  LEFT JOIN (SELECT date_trunc($4, day::timestamp) AS k, sum(loans) AS loans"
               "               FROM stats_day"
               "              WHERE branch_id = $1 AND day >= $2::date AND day <= $3::date"
               "              GROUP BY 1) x USING (k)"
               " ORDER BY k");

/* Month and year series through the spans. */
#define SERIES_SPANS                                                                               \
    SPANS("date_trunc($4, d.day::timestamp) AS k, d.loans", "stats_day",                           \
          "date_trunc($4, m.month::timestamp), m.loans", "stats_month", "$1")
static struct store_stmt by_spans =
    STORE_STMT("WITH x AS (" SERIES_SPANS ")"
               " SELECT k::date::text, coalesce(sum(x.loans), 0)"
               "   FROM generate_series(date_trunc($4, $2::date::timestamp), $3::date::timestamp,"
               "                        ('1 ' || $4)::interval) k"
               "   LEFT JOIN x USING (k)"
               "  GROUP BY k ORDER BY k");

/* The ranking: one small probe of the rollups per branch in scope. */
#define BRANCH_SPANS SPANS("d.loans", "stats_day", "m.loans", "stats_month", "b.id")
static struct store_stmt by_branch =
    STORE_STMT("SELECT b.slug, coalesce(x.loans, 0), b.name"
               "  FROM branches b"
               " CROSS JOIN LATERAL (SELECT sum(y.loans) AS loans FROM (" BRANCH_SPANS ") y) x"
               " WHERE $1::integer = 0 OR b.id = $1::integer"
               " ORDER BY 2 DESC, b.slug");

static struct store_stmt by_category =
    STORE_STMT("WITH cat AS (SELECT category_id, sum(loans) AS loans FROM (" CATEGORY_SPANS ") x"
               "              GROUP BY category_id)"
               " SELECT c.category_id, c.loans, c.loans * f.co2e_kg, c.loans * f.sek"
               "   FROM cat c JOIN stats_category_factors f USING (category_id)"
               "  WHERE c.loans <> 0"
               "  ORDER BY c.loans DESC, c.category_id");

enum store_status store_stats_loans(int branch_id, const char *from, const char *to,
                                    enum stats_group group, json_t **rows)
{
    static const char *const unit[] = {
        [STATS_BY_DAY] = "day",   [STATS_BY_WEEK] = "week", [STATS_BY_MONTH] = "month",
        [STATS_BY_YEAR] = "year", [STATS_BY_BRANCH] = NULL, [STATS_BY_CATEGORY] = NULL,
    };
    struct store_stmt *stmt = group == STATS_BY_DAY || group == STATS_BY_WEEK ? &by_days
                              : group == STATS_BY_BRANCH                      ? &by_branch
                              : group == STATS_BY_CATEGORY                    ? &by_category
                                                                              : &by_spans;
    char branch[16];
    snprintf(branch, sizeof branch, "%d", branch_id);
    const char *params[] = { branch, from, to, unit[group] };
    int nparams = unit[group] ? 4 : 3;

    *rows = NULL;
    PGresult *res;
    enum store_status st = store_exec(stmt, nparams, params, &res);
    if (st < 0)
        return st;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *row;
        if (group == STATS_BY_CATEGORY)
            row = json_pack("{s:I, s:I, s:f, s:f}", "key", (json_int_t)store_get_ll(res, i, 0),
                            "loans", (json_int_t)store_get_ll(res, i, 1), "co2e_kg",
                            strtod(store_get(res, i, 2), NULL), "sek",
                            strtod(store_get(res, i, 3), NULL));
        else if (group == STATS_BY_BRANCH)
            row = json_pack("{s:s, s:s, s:I}", "key", store_get(res, i, 0), "name",
                            store_get(res, i, 2), "loans", (json_int_t)store_get_ll(res, i, 1));
        else
            row = json_pack("{s:s, s:I}", "key", store_get(res, i, 0), "loans",
                            (json_int_t)store_get_ll(res, i, 1));
        json_array_append_new(list, row);
    }
    PQclear(res);
    *rows = list;
    return STORE_OK;
}

enum store_status store_stats_items(int branch_id, json_t **out)
{
    static struct store_stmt items =
        STORE_STMT("SELECT category_id, items, never_lent FROM stats_items"
                   " WHERE branch_id = $1 AND (items <> 0 OR category_id = 0)"
                   " ORDER BY category_id <> 0, never_lent DESC, category_id");
    char branch[16];
    snprintf(branch, sizeof branch, "%d", branch_id);
    *out = NULL;
    PGresult *res;
    enum store_status st = store_exec(&items, 1, (const char *[]){ branch }, &res);
    if (st < 0)
        return st;
    json_t *categories = json_array();
    long long total = 0, never = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        long long category = store_get_ll(res, i, 0);
        if (category == 0) {
            total = store_get_ll(res, i, 1);
            never = store_get_ll(res, i, 2);
            continue;
        }
        json_array_append_new(categories,
                              json_pack("{s:I, s:I, s:I}", "key", (json_int_t)category, "items",
                                        (json_int_t)store_get_ll(res, i, 1), "never_lent",
                                        (json_int_t)store_get_ll(res, i, 2)));
    }
    PQclear(res);
    *out = json_pack("{s:I, s:I, s:o}", "items", (json_int_t)total, "never_lent", (json_int_t)never,
                     "categories", categories);
    return STORE_OK;
}
