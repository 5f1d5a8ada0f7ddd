/*
 * stats_store: the statistics report from the rollups (see stats_store.h). Periods are read as
 * whole months from the month tables and the days around them from the day tables (SPANS), so a
 * period costs a bounded number of rollup rows whatever the number of loans. Every statement
 * also says whether the journal holds changes not folded in yet (store/rollup.h).
 */
#include "stats_store.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/rollup.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum store_status store_stats_fold(void)
{
    static struct store_stmt fold = STORE_STMT("SELECT stats_fold()");
    return store_run(&fold, 0, NULL);
}

enum store_status store_rollup_exec(struct store_stmt *stmt, int nparams, const char *const *params,
                                    int pending_col, PGresult **res)
{
    enum store_status st = store_exec(stmt, nparams, params, res);
    if (st < 0 || (st == STORE_OK && !store_get_bool(*res, 0, pending_col)) || store_read_only())
        return st;
    PQclear(*res);
    *res = NULL;
    if ((st = store_stats_fold()) < 0)
        return st;
    return store_exec(stmt, nparams, params, res);
}

/*
 * The folder: a thread that folds the journal on a connection that holds the lock saying so, so
 * that transactions leave their changes to it instead of folding at commit. It folds once a
 * second, or less often while folds take long: it waits FOLD_PACE times what the last fold took,
 * up to FOLD_WAIT_MAX seconds, so that it spends at most about 1/FOLD_PACE of its time folding.
 * A fold's cost is mostly per key of the rollups (an item, a borrower's day, a group of a day),
 * so a larger batch costs less per change: folding contrib/bench's cycles cost 83-147 us a change
 * in batches of 1 s, 34 us in 5 s, 25-26 us in 10 s. A quiet network's fold takes a few
 * milliseconds, so it is folded every second; reads fold what they need first whatever the pace
 * (store/rollup.h). The time a fold takes includes waiting for another fold (a read's).
 */
#define FOLD_PACE     20
#define FOLD_WAIT_MAX 10.0

static pthread_t folder;
static atomic_bool folder_stopping;
static bool folder_started;

/*
 * Sleeps for seconds, in steps of at most one, so that a stop waits no longer than a second;
 * false once the folder is stopping.
 */
static bool rest(double seconds)
{
    double until = monotonic_s() + seconds, left;
    while (!atomic_load(&folder_stopping) && (left = until - monotonic_s()) > 0) {
        double step = left < 1.0 ? left : 1.0;
        struct timespec ts = { (time_t)step, (long)((step - (double)(time_t)step) * 1e9) };
        nanosleep(&ts, NULL);
    }
    return !atomic_load(&folder_stopping);
}

/*
 * After a fold, the folder vacuums the journal once it has grown past JOURNAL_VACUUM_BYTES. Each
 * fold deletes what the journal held, and every read of the statistics asks whether it holds
 * anything (store/rollup.h), which reads every page the table has, dead rows and all, until a
 * vacuum gives the empty pages back. Autovacuum comes a minute later at the soonest; after
 * contrib/bench's lend-and-return rows the empty journal had 787-817 pages, and that question took
 * 0.9-4.2 ms instead of a few microseconds. A quiet network's journal never grows so large.
 */
#define JOURNAL_VACUUM_BYTES (256 * 1024)

static enum store_status fold_tick(void)
{
    /* Folds, and tells committing transactions that a folder runs (see stats_fold_tick). */
    static struct store_stmt tick = STORE_STMT("SELECT stats_fold_tick()");
    static struct store_stmt size = STORE_STMT("SELECT pg_relation_size('rollup_journal')");
    static struct store_stmt vacuum = STORE_STMT("VACUUM rollup_journal");
    enum store_status st = store_run(&tick, 0, NULL);
    PGresult *res;
    if (st < 0 || (st = store_exec(&size, 0, NULL, &res)) < 0)
        return st;
    bool grown = st == STORE_OK && store_get_ll(res, 0, 0) > JOURNAL_VACUUM_BYTES;
    PQclear(res);
    return grown ? store_run(&vacuum, 0, NULL) : st;
}

static void *folder_main(void *arg)
{
    (void)arg;
    store_thread_without_caches();
    double wait = 1.0;
    while (rest(wait)) {
        double started = monotonic_s();
        if (fold_tick() < 0)
            log_warn("stats: could not fold or vacuum the journal (%s); the next tick tries again",
                     store_error_sqlstate());
        wait = FOLD_PACE * (monotonic_s() - started);
        wait = wait < 1.0 ? 1.0 : wait > FOLD_WAIT_MAX ? FOLD_WAIT_MAX : wait;
    }
    store_thread_close();
    return NULL;
}

void store_stats_folder_start(void)
{
    folder_started = pthread_create(&folder, NULL, folder_main, NULL) == 0;
    if (!folder_started)
        log_error("stats: cannot start the folder; reads still fold what they need");
}

void store_stats_folder_stop(void)
{
    if (!folder_started)
        return;
    atomic_store(&folder_stopping, true);
    pthread_join(folder, NULL);
    folder_started = false;
}

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

/* The columns of the summary statement, in order. */
enum {
    SUMMARY_LOANS,
    SUMMARY_RETURNS,
    SUMMARY_RETURNS_LATE,
    SUMMARY_LOAN_SECONDS,
    SUMMARY_UNIQUE_BORROWERS,
    SUMMARY_NEW_BORROWERS,
    SUMMARY_ITEMS_DONATED,
    SUMMARY_TOTAL_LOANS,
    SUMMARY_ITEMS,
    SUMMARY_ITEMS_NEVER_LENT,
    SUMMARY_CO2E_KG,
    SUMMARY_SEK,
    SUMMARY_PENDING,
    SUMMARY_VERSION,
};

/*
 * The summaries read lately, kept in `hylla serve` (store_stats_summary_cache_start) for identical
 * requests: a manager's report opened again, the same figures on many screens. A kept summary
 * holds the rollup_version it was read at, in the same snapshot, with the journal empty
 * (migrations/0033_rollup_version.sql); it is the answer again while one look (a statement that
 * reads the version's row and asks whether the journal holds anything: 0.09 ms a round trip by
 * pgbench, where a ten-year summary costs PostgreSQL milliseconds) finds the same version and an
 * empty journal. Otherwise, and for a period not kept, the summary is read and kept anew. Exact
 * as every read is: a change committed anywhere before the request is in the journal or has
 * moved the version. At most KEPT_SUMMARIES, the oldest read going first; a few kB in all.
 */
#define KEPT_SUMMARIES 32

struct kept_summary {
    bool used;
    int branch_id;
    char from[16], to[16];
    long long version;
    double at; /* monotonic_s when read */
    struct stats_summary summary;
};

static struct kept_summary kept[KEPT_SUMMARIES];
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool keep_summaries;

void store_stats_summary_cache_start(void)
{
    atomic_store(&keep_summaries, true);
}

/* The place of a period, or NULL. Under kept_lock. */
static struct kept_summary *kept_find(int branch_id, const char *from, const char *to)
{
    for (size_t i = 0; i < KEPT_SUMMARIES; i++)
        if (kept[i].used && kept[i].branch_id == branch_id && strcmp(kept[i].from, from) == 0 &&
            strcmp(kept[i].to, to) == 0)
            return &kept[i];
    return NULL;
}

/* Whether summaries are kept, and a period's key fits a place (ISO dates do). */
static bool keepable(const char *from, const char *to)
{
    return atomic_load(&keep_summaries) && strlen(from) < sizeof kept[0].from &&
           strlen(to) < sizeof kept[0].to;
}

/* The summary kept for a period and its version into *out and *version; false when none is. */
static bool kept_get(int branch_id, const char *from, const char *to, struct stats_summary *out,
                     long long *version)
{
    pthread_mutex_lock(&kept_lock);
    struct kept_summary *k = kept_find(branch_id, from, to);
    if (k) {
        *out = k->summary;
        *version = k->version;
    }
    pthread_mutex_unlock(&kept_lock);
    return k != NULL;
}

static void kept_put(int branch_id, const char *from, const char *to, long long version,
                     const struct stats_summary *s)
{
    pthread_mutex_lock(&kept_lock);
    struct kept_summary *k = kept_find(branch_id, from, to);
    if (k && k->version > version) { /* another thread kept a later read */
        pthread_mutex_unlock(&kept_lock);
        return;
    }
    for (size_t i = 0; !k && i < KEPT_SUMMARIES; i++)
        if (!kept[i].used)
            k = &kept[i];
    if (!k) {
        k = &kept[0];
        for (size_t i = 1; i < KEPT_SUMMARIES; i++)
            if (kept[i].at < k->at)
                k = &kept[i];
    }
    *k = (struct kept_summary){
        .used = true, .branch_id = branch_id, .version = version, .at = monotonic_s(), .summary = *s
    };
    strcpy(k->from, from);
    strcpy(k->to, to);
    pthread_mutex_unlock(&kept_lock);
}

/* Whether the rollups are still at version, with nothing in the journal: one round trip. */
static enum store_status rollups_at(long long version, bool *same)
{
    static struct store_stmt look = STORE_STMT("SELECT n, " ROLLUP_PENDING " FROM rollup_version");
    PGresult *res;
    enum store_status st = store_exec(&look, 0, NULL, &res);
    *same = st == STORE_OK && store_get_ll(res, 0, 0) == version && !store_get_bool(res, 0, 1);
    PQclear(res);
    return st == STORE_NOT_FOUND ? STORE_OK : st;
}

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
        "        impact.co2e, impact.sek, " ROLLUP_PENDING ","
        "        (SELECT n FROM rollup_version)   FROM tot, impact");
    bool keep = keepable(from, to);
    struct stats_summary was;
    long long version;
    if (keep && kept_get(branch_id, from, to, &was, &version)) {
        bool same;
        enum store_status st = rollups_at(version, &same);
        if (st < 0)
            return st;
        if (same) {
            *out = was;
            return STORE_OK;
        }
    }
    STORE_NUM(branch, branch_id);
    PGresult *res;
    enum store_status st =
        store_rollup_exec(&summary, 3, (const char *[]){ branch, from, to }, SUMMARY_PENDING, &res);
    if (st == STORE_OK) {
        *out = (struct stats_summary){
            .loans = store_get_ll(res, 0, SUMMARY_LOANS),
            .returns = store_get_ll(res, 0, SUMMARY_RETURNS),
            .returns_late = store_get_ll(res, 0, SUMMARY_RETURNS_LATE),
            .loan_seconds = store_get_ll(res, 0, SUMMARY_LOAN_SECONDS),
            .unique_borrowers = store_get_ll(res, 0, SUMMARY_UNIQUE_BORROWERS),
            .new_borrowers = store_get_ll(res, 0, SUMMARY_NEW_BORROWERS),
            .items_donated = store_get_ll(res, 0, SUMMARY_ITEMS_DONATED),
            .total_loans = store_get_ll(res, 0, SUMMARY_TOTAL_LOANS),
            .items = store_get_ll(res, 0, SUMMARY_ITEMS),
            .items_never_lent = store_get_ll(res, 0, SUMMARY_ITEMS_NEVER_LENT),
            .co2e_kg = store_get_double(res, 0, SUMMARY_CO2E_KG),
            .sek = store_get_double(res, 0, SUMMARY_SEK),
        };
        if (keep && !store_get_bool(res, 0, SUMMARY_PENDING))
            kept_put(branch_id, from, to, store_get_ll(res, 0, SUMMARY_VERSION), out);
    }
    PQclear(res);
    return st;
}

/* The columns of the series statements (by_days, by_spans), of by_branch and of by_category. */
enum { SERIES_KEY, SERIES_LOANS, SERIES_PENDING };
enum { BRANCH_SLUG, BRANCH_LOANS, BRANCH_NAME, BRANCH_PENDING };
enum { CATEGORY_ID, CATEGORY_LOANS, CATEGORY_CO2E_KG, CATEGORY_SEK, CATEGORY_PENDING };

/* Day and week series straight from the day rollup: at most a few thousand rows. */
static struct store_stmt by_days =
    STORE_STMT("SELECT k::date::text, coalesce(x.loans, 0), " ROLLUP_PENDING
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
               " SELECT k::date::text, coalesce(sum(x.loans), 0), " ROLLUP_PENDING
               "   FROM generate_series(date_trunc($4, $2::date::timestamp), $3::date::timestamp,"
               "                        ('1 ' || $4)::interval) k"
               "   LEFT JOIN x USING (k)"
               "  GROUP BY k ORDER BY k");

/* The ranking: one small probe of the rollups per branch in scope. */
#define BRANCH_SPANS SPANS("d.loans", "stats_day", "m.loans", "stats_month", "b.id")
static struct store_stmt by_branch =
    STORE_STMT("SELECT b.slug, coalesce(x.loans, 0), b.name, " ROLLUP_PENDING "  FROM branches b"
               " CROSS JOIN LATERAL (SELECT sum(y.loans) AS loans FROM (" BRANCH_SPANS ") y) x"
               " WHERE $1::integer = 0 OR b.id = $1::integer"
               " ORDER BY 2 DESC, b.slug");

static struct store_stmt by_category = STORE_STMT(
    "WITH cat AS (SELECT category_id, sum(loans) AS loans FROM (" CATEGORY_SPANS ") x"
    "              GROUP BY category_id)"
    " SELECT c.category_id, c.loans, c.loans * f.co2e_kg, c.loans * f.sek, " ROLLUP_PENDING
    "   FROM cat c JOIN stats_category_factors f USING (category_id)"
    "  WHERE c.loans <> 0"
    "  ORDER BY c.loans DESC, c.category_id");

enum store_status store_stats_loans(int branch_id, const char *from, const char *to,
                                    enum stats_group group, struct stats_row **rows, size_t *n)
{
    static const char *const unit[] = {
        [STATS_BY_DAY] = "day",   [STATS_BY_WEEK] = "week", [STATS_BY_MONTH] = "month",
        [STATS_BY_YEAR] = "year", [STATS_BY_BRANCH] = NULL, [STATS_BY_CATEGORY] = NULL,
    };
    struct store_stmt *stmt = group == STATS_BY_DAY || group == STATS_BY_WEEK ? &by_days
                              : group == STATS_BY_BRANCH                      ? &by_branch
                              : group == STATS_BY_CATEGORY                    ? &by_category
                                                                              : &by_spans;
    int pending = group == STATS_BY_BRANCH     ? BRANCH_PENDING
                  : group == STATS_BY_CATEGORY ? CATEGORY_PENDING
                                               : SERIES_PENDING;
    STORE_NUM(branch, branch_id);
    const char *params[] = { branch, from, to, unit[group] };
    int nparams = unit[group] ? 4 : 3;

    *rows = NULL;
    *n = 0;
    PGresult *res;
    enum store_status st = store_rollup_exec(stmt, nparams, params, pending, &res);
    if (st < 0)
        return st;
    int count = PQntuples(res);
    struct stats_row *list = xcalloc(count ? (size_t)count : 1, sizeof *list);
    for (int i = 0; i < count; i++) {
        struct stats_row *r = &list[i];
        if (group == STATS_BY_CATEGORY) {
            r->category_id = (int)store_get_ll(res, i, CATEGORY_ID);
            r->loans = store_get_ll(res, i, CATEGORY_LOANS);
            r->co2e_kg = store_get_double(res, i, CATEGORY_CO2E_KG);
            r->sek = store_get_double(res, i, CATEGORY_SEK);
        } else if (group == STATS_BY_BRANCH) {
            store_get_copy(res, i, BRANCH_SLUG, r->key, sizeof r->key);
            r->name = store_get_dup(res, i, BRANCH_NAME);
            r->loans = store_get_ll(res, i, BRANCH_LOANS);
        } else {
            store_get_copy(res, i, SERIES_KEY, r->key, sizeof r->key);
            r->loans = store_get_ll(res, i, SERIES_LOANS);
        }
    }
    PQclear(res);
    *rows = list;
    *n = (size_t)count;
    return STORE_OK;
}

void store_stats_rows_free(struct stats_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].name);
    free(rows);
}

enum store_status store_stats_people(int branch_id, int category_id, const char *from,
                                     const char *to, enum stats_people_dimension dimension,
                                     struct stats_people_row **rows, size_t *n,
                                     struct stats_people_row *total)
{
    enum { PEOPLE_KEY, PEOPLE_LOANS, PEOPLE_BORROWERS, PEOPLE_PENDING };
    /* Everyone (code 0) first, then the groups in order (see migrations/0020_people_lean.sql). */
    static struct store_stmt people = STORE_STMT(
        "SELECT coalesce(p.group_key, ''), p.group_loans, p.group_borrowers, " ROLLUP_PENDING
        "  FROM stats_people_figures($1, $2, $3, $4, $5) p");
    STORE_NUM(branch, branch_id);
    STORE_NUM(category, category_id);
    const char *dim = dimension == STATS_PEOPLE_GENDER ? "gender" : "age_band";
    *rows = NULL;
    *n = 0;
    *total = (struct stats_people_row){ 0 };
    PGresult *res;
    enum store_status st = store_rollup_exec(
        &people, 5, (const char *[]){ branch, from, to, category, dim }, PEOPLE_PENDING, &res);
    if (st < 0)
        return st;
    int count = PQntuples(res);
    struct stats_people_row *list = xcalloc(count ? (size_t)count : 1, sizeof *list);
    for (int i = 0; i < count; i++) {
        struct stats_people_row *r = i == 0 ? total : &list[i - 1];
        store_get_copy(res, i, PEOPLE_KEY, r->key, sizeof r->key);
        r->loans = store_get_ll(res, i, PEOPLE_LOANS);
        r->borrowers = store_get_ll(res, i, PEOPLE_BORROWERS);
    }
    PQclear(res);
    *rows = list;
    *n = count ? (size_t)count - 1 : 0;
    return STORE_OK;
}

enum store_status store_stats_items(int branch_id, struct stats_items *out)
{
    enum { ITEMS_CATEGORY, ITEMS_ITEMS, ITEMS_NEVER_LENT, ITEMS_LOST, ITEMS_PENDING };
    /*
     * Lost items are counted from the items themselves (the partial index items_lost, of
     * migration 0025: they are few), per category and in all (category 0); every lost item is
     * also in the catalogue's count, so each of its categories has a row of stats_items.
     */
    static struct store_stmt items = STORE_STMT(
        "WITH lost AS (SELECT coalesce(category_id, 0) AS category_id, count(*) AS n FROM items"
        "               WHERE stock_status = 'lost' AND ($1::int = 0 OR branch_id = $1)"
        "               GROUP BY ROLLUP (category_id))"
        " SELECT s.category_id, s.items, s.never_lent, coalesce(lost.n, 0), " ROLLUP_PENDING
        "   FROM stats_items s LEFT JOIN lost ON lost.category_id = s.category_id"
        "  WHERE s.branch_id = $1 AND (s.items <> 0 OR s.category_id = 0)"
        "  ORDER BY s.category_id <> 0, s.never_lent DESC, s.category_id");
    STORE_NUM(branch, branch_id);
    *out = (struct stats_items){ 0 };
    PGresult *res;
    enum store_status st =
        store_rollup_exec(&items, 1, (const char *[]){ branch }, ITEMS_PENDING, &res);
    if (st < 0)
        return st;
    int rows = PQntuples(res);
    out->categories = xcalloc(rows ? (size_t)rows : 1, sizeof *out->categories);
    for (int i = 0; i < rows; i++) {
        int category = (int)store_get_ll(res, i, ITEMS_CATEGORY);
        long long n = store_get_ll(res, i, ITEMS_ITEMS),
                  never = store_get_ll(res, i, ITEMS_NEVER_LENT),
                  lost = store_get_ll(res, i, ITEMS_LOST);
        if (category == 0) { /* the whole catalogue */
            out->items = n;
            out->never_lent = never;
            out->lost = lost;
        } else {
            out->categories[out->ncategories++] = (struct stats_category_items){
                .category_id = category, .items = n, .never_lent = never, .lost = lost
            };
        }
    }
    PQclear(res);
    return STORE_OK;
}

void store_stats_items_free(struct stats_items *s)
{
    free(s->categories);
    *s = (struct stats_items){ 0 };
}
