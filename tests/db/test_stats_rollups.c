/*
 * Database tests of the statistics rollups (migration 0006) and stats_store: the triggers keep
 * exactly what stats_rebuild() computes from scratch, whatever writes loans and items, and the
 * store's figures match counts made directly over loans and items.
 */
#include "../unit/check_main.h"
#include "api/stats.h"
#include "dbtest.h"
#include "store/stats_store.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Two branches; items 1-12 at Deje and 13-24 at Forshaga, in categories 111, 112, 21 in turn;
 * four borrowers.
 */
static void fixture(void)
{
    dbtest_exec(
        "INSERT INTO branches (slug, name, code_prefix) VALUES ('deje', 'Deje', 'DEJ'),"
        " ('forshaga', 'Forshaga', 'FOR');"
        "INSERT INTO items (code, branch_id, category_id, name, donated_on)"
        " SELECT b.code_prefix || '-' || g, b.id, (ARRAY[111, 112, 21])[1 + (g - 1) % 3], 'thing',"
        "        date '2023-12-20' + g * 3"
        "   FROM branches b, generate_series(1, 12) g ORDER BY b.id, g;"
        "INSERT INTO borrowers (branch_id, name, phone)"
        " SELECT 1 + g % 2, 'Person ' || g, '+4670174060' || g FROM generate_series(1, 4) g;");
}

/* Lend an item to a borrower at a Stockholm local time; returns nothing, changes loans. */
static void lend(int item, int borrower, const char *local_time)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH c AS (INSERT INTO checkouts (branch_id, borrower_id, created_at)"
             "           SELECT branch_id, %d, timestamp '%s' AT TIME ZONE 'Europe/Stockholm'"
             "             FROM items WHERE id = %d RETURNING id, branch_id, created_at)"
             " INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
             "                    borrower_ref, checked_out_at, due_date)"
             " SELECT c.id, i.id, c.branch_id, i.category_id, %d, %d, c.created_at,"
             "        (timestamp '%s')::date + 14"
             "   FROM c, items i WHERE i.id = %d",
             borrower, local_time, item, borrower, borrower, local_time, item);
    dbtest_exec(sql);
}

static void give_back(int item, const char *local_time)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE loans SET returned_at = timestamp '%s' AT TIME ZONE 'Europe/Stockholm'"
             " WHERE item_id = %d AND returned_at IS NULL",
             local_time, item);
    dbtest_exec(sql);
}

/*
 * Compare every rollup whose name starts with prefix ("stats_" for all) with what
 * stats_rebuild() computes (rows of zeros do not count).
 */
static void assert_rollups_like_match_rebuild(const char *prefix)
{
    static const char *const tables[][2] = {
        { "stats_day",
          "(loans, returns, returns_late, loan_seconds, new_borrowers) <> (0, 0, 0, 0, 0)" },
        { "stats_month",
          "(loans, returns, returns_late, loan_seconds, new_borrowers) <> (0, 0, 0, 0, 0)" },
        { "stats_day_category", "loans <> 0" },
        { "stats_month_category", "loans <> 0" },
        { "stats_borrower_day", "true" },
        { "stats_borrower_gap", "true" },
        { "stats_borrower_gap_month", "true" },
        { "stats_item_loans", "true" },
        { "stats_donations", "items <> 0" },
        { "stats_items", "(items, never_lent) <> (0, 0)" },
        { "stats_people_day", "(loans, firsts) <> (0, 0)" },
        { "stats_people_month", "(loans, firsts) <> (0, 0)" },
        { "stats_people_gap", "true" },
        { "stats_people_gap_month", "true" },
    };
    const size_t n = sizeof tables / sizeof tables[0];
    char sql[512];
    bool compared[sizeof tables / sizeof tables[0]];
    for (size_t i = 0; i < n; i++) {
        compared[i] = strncmp(tables[i][0], prefix, strlen(prefix)) == 0;
        if (!compared[i])
            continue;
        snprintf(sql, sizeof sql, "CREATE TEMP TABLE kept_%s AS SELECT * FROM %s WHERE %s",
                 tables[i][0], tables[i][0], tables[i][1]);
        dbtest_exec(sql);
    }
    dbtest_exec("SELECT stats_rebuild()");
    for (size_t i = 0; i < n; i++) {
        const char *t = tables[i][0];
        if (!compared[i])
            continue;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ((SELECT * FROM kept_%s EXCEPT ALL SELECT * FROM %s)"
                 " UNION ALL (SELECT * FROM %s EXCEPT ALL SELECT * FROM kept_%s)) x",
                 t, t, t, t);
        ck_assert_msg(dbtest_count(sql) == 0, "%s differs from stats_rebuild()", t);
        snprintf(sql, sizeof sql, "DROP TABLE kept_%s", t);
        dbtest_exec(sql);
    }
}

static void assert_rollups_match_rebuild(void)
{
    assert_rollups_like_match_rebuild("stats_");
}

START_TEST(triggers_keep_what_rebuild_computes)
{
    fixture();
    /* Checkouts on both sides of the spring DST change and over a year end. */
    lend(1, 1, "2023-12-31 23:30:00");
    lend(2, 1, "2024-01-01 00:10:00");
    lend(3, 2, "2024-03-31 01:30:00");
    lend(4, 2, "2024-03-31 03:30:00");
    lend(13, 3, "2024-03-30 12:00:00");
    give_back(1, "2024-01-20 10:00:00");
    give_back(3, "2024-04-01 09:00:00");
    lend(1, 4, "2024-02-01 10:00:00"); /* a second loan of item 1 */
    lend(5, 1, "2024-01-15 12:00:00"); /* between borrower 1's days */
    lend(6, 1, "2023-06-01 12:00:00"); /* before all of them */
    assert_rollups_match_rebuild();

    /* A several-item checkout in one statement, then an undo of part of it. */
    dbtest_exec("WITH c AS (INSERT INTO checkouts (branch_id, borrower_id) VALUES (2, 3)"
                "           RETURNING id)"
                " INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
                "                    borrower_ref, checked_out_at, due_date)"
                " SELECT c.id, i.id, 2, i.category_id, 3, 3,"
                "        timestamptz '2024-05-05 10:00+02', date '2024-05-19'"
                "   FROM c, items i WHERE i.id IN (14, 15, 16)");
    dbtest_exec("DELETE FROM loans WHERE item_id = 15");
    /* Undo a borrower's only loan of a day, in the middle of their days. */
    dbtest_exec("DELETE FROM loans WHERE item_id = 5");
    /* A return, then its undo (returned_at back to NULL). */
    give_back(2, "2024-02-10 10:00:00");
    dbtest_exec("UPDATE loans SET returned_at = NULL WHERE item_id = 2");
    /* Birth years and genders, given and corrected: past loans move to the new groups. */
    dbtest_exec("UPDATE borrowers SET birth_year = 2018, gender = 'kvinna' WHERE id IN (1, 2)");
    assert_rollups_match_rebuild();
    dbtest_exec("UPDATE borrowers SET birth_year = 2017 WHERE id = 1"); /* 6 in 2023, 7 in 2024 */
    dbtest_exec("UPDATE borrowers SET gender = NULL WHERE id = 2");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans WHERE borrower_id = 1"
                                  " AND borrower_birth_year = 2017 AND borrower_gender = 'kvinna'"),
                     dbtest_count("SELECT count(*) FROM loans WHERE borrower_id = 1"));
    assert_rollups_match_rebuild();
    /* Erasure: the borrower goes, loans keep borrower_ref, birth year and gender. */
    dbtest_exec("DELETE FROM borrowers WHERE id = 1");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans WHERE borrower_ref = 1"
                                  " AND borrower_birth_year IS DISTINCT FROM 2017"),
                     0);
    /* A renewal changes nothing counted. */
    dbtest_exec("UPDATE loans SET due_date = due_date + 14, renewals = 1 WHERE item_id = 4");
    /* Items move, change category, retire, arrive and leave. */
    dbtest_exec("UPDATE items SET branch_id = 2 WHERE id = 7");
    dbtest_exec("UPDATE items SET category_id = 112 WHERE id IN (8, 2)");
    dbtest_exec("UPDATE items SET status = 'retired', retired_reason = 'worn out'"
                " WHERE id IN (9, 3)");
    dbtest_exec("INSERT INTO items (code, branch_id, category_id, name, donated_on)"
                " VALUES ('DEJ-99', 1, 21, 'tent', '2024-03-31')");
    dbtest_exec("DELETE FROM item_status_history"
                " WHERE item_id = (SELECT id FROM items WHERE code = 'DEJ-12')");
    dbtest_exec("DELETE FROM items WHERE code = 'DEJ-12'");
    assert_rollups_match_rebuild();

    /* Statements about many borrowers at once (a bulk import, then its undo). */
    dbtest_exec("INSERT INTO checkouts (branch_id) VALUES (2)");
    dbtest_exec(
        "INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_ref,"
        "                   checked_out_at, due_date, returned_at)"
        " SELECT currval('checkouts_id_seq'), 18 + g % 5, 2, 21, 1000 + g % 70,"
        "        timestamptz '2022-01-01 12:00+01' + g * interval '1 day',"
        "        date '2022-01-15' + g, timestamptz '2022-01-01 18:00+01' + g * interval '1 day'"
        "   FROM generate_series(0, 199) g");
    assert_rollups_match_rebuild();
    dbtest_exec("DELETE FROM loans WHERE borrower_ref >= 1000 AND borrower_ref % 2 = 0");
    assert_rollups_match_rebuild();

    /* The session's time zone does not move a loan to another day. */
    dbtest_exec("SET TimeZone = 'UTC'");
    lend(17, 4, "2024-10-27 00:30:00");
    dbtest_exec("RESET TimeZone");
    ck_assert_int_eq(dbtest_count("SELECT loans FROM stats_day"
                                  " WHERE branch_id = 0 AND day = '2024-10-27'"),
                     1);
    assert_rollups_match_rebuild();
}
END_TEST

/*
 * Play a server's folder (0017's FOLDER_LOCK) until the connection returned is closed: changes
 * meanwhile wait in the journal, to be folded together by the next stats_fold().
 */
static PGconn *hold_folds(void)
{
    PGconn *folder = PQconnectdb(dbtest_conninfo());
    ck_assert_int_eq(PQstatus(folder), CONNECTION_OK);
    PGresult *res = PQexec(folder, "SELECT pg_advisory_lock(1752787053, 1)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    return folder;
}

/* Fold what the journal holds, as one batch, once the folder is gone. */
static void fold_held(PGconn *folder)
{
    PQfinish(folder);
    dbtest_exec("SELECT stats_fold()");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 0);
}

/*
 * A fold reads the days of its batch's borrowers from their loans (migration 0020). A change that
 * commits while a fold runs is in those loans but not in the fold's batch: the fold must count
 * the days as its batch left them, and the next fold the rest. Here a fold takes the first of
 * two journaled loans of a borrower while the second, between their days, is already there.
 */
START_TEST(a_fold_counts_days_as_its_batch_left_them)
{
    fixture();
    lend(1, 1, "2024-01-10 12:00:00");
    PGconn *folder = hold_folds();
    lend(2, 1, "2024-03-10 12:00:00");
    lend(3, 1, "2024-02-10 12:00:00"); /* between the borrower's two days */
    dbtest_exec("UPDATE borrowers SET birth_year = 2015, gender = 'man' WHERE id = 1");
    PQfinish(folder);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 3);

    dbtest_exec("BEGIN;"
                "CREATE TEMP TABLE taken AS WITH j AS (DELETE FROM rollup_journal WHERE id ="
                " (SELECT min(id) FROM rollup_journal) RETURNING loans) SELECT loans FROM j;"
                "SELECT stats_apply_loans(loans) FROM taken;"
                "DROP TABLE taken;"
                "COMMIT");
    dbtest_exec("SELECT stats_fold()");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 0);
    /* The people and unique-borrower rollups: "never lent" is the fold's own, skipped here. */
    assert_rollups_like_match_rebuild("stats_people_");
    assert_rollups_like_match_rebuild("stats_borrower_");
}
END_TEST

/*
 * loan_return writes its loan's journal row itself, and tells the triggers so for its own
 * statement only (migration 0028): a change to loans after it in the same transaction is
 * journaled by the triggers, and the folds count both.
 */
START_TEST(a_return_journals_its_loan_and_leaves_the_rest_to_the_triggers)
{
    fixture();
    dbtest_exec("INSERT INTO staff (username, display_name, role, password_hash)"
                " VALUES ('desk', 'Desk', 'admin', 'x')");
    lend(1, 1, "2024-01-10 12:00:00");
    lend(2, 1, "2024-01-11 12:00:00");
    PGconn *folder = hold_folds();
    dbtest_exec("BEGIN;"
                "SELECT outcome FROM loan_return((SELECT id FROM staff), 0, 'DEJ-1', false, NULL,"
                "                                NULL);"
                "UPDATE loans SET returned_at = now() WHERE item_id = 2 AND returned_at IS NULL;"
                "COMMIT");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans WHERE returned_at IS NULL"), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 2);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal, unnest(loans) c"
                                  " WHERE c.ret_day IS NOT NULL AND c.sign = 1"),
                     2);
    fold_held(folder);
    assert_rollups_match_rebuild();
}
END_TEST

/*
 * A fold counts a borrower's people points anew only in the scopes where a day of the batch came
 * or went (migration 0022). Borrower 1's loans at Deje (items 1, 4, 7, 10: category 111; item 2:
 * 112) and Forshaga (item 13: 111), each batch folded at once: a day between two others; a second
 * loan of that day in its category (nothing comes), one in another category and one at another
 * branch (days come in those scopes only), a return; then the loans of that day go one by one.
 */
START_TEST(a_fold_recounts_only_the_scopes_whose_days_move)
{
    fixture();
    dbtest_exec("UPDATE borrowers SET birth_year = 2012, gender = 'kvinna' WHERE id = 1");
    lend(1, 1, "2024-01-10 12:00:00");
    lend(4, 1, "2024-01-20 12:00:00");
    assert_rollups_like_match_rebuild("stats_people_");

    PGconn *folder = hold_folds();
    lend(7, 1, "2024-01-15 10:00:00");
    fold_held(folder);
    assert_rollups_like_match_rebuild("stats_people_");

    folder = hold_folds();
    lend(10, 1, "2024-01-15 11:00:00");
    lend(2, 1, "2024-01-15 12:00:00");
    lend(13, 1, "2024-01-15 13:00:00");
    give_back(7, "2024-01-16 10:00:00");
    fold_held(folder);
    assert_rollups_like_match_rebuild("stats_people_");
    /* Category 112 and Forshaga count the 15th as a first day; the network in 111 does not. */
    ck_assert_int_eq(dbtest_count("SELECT firsts FROM stats_people_day WHERE branch_id = 0"
                                  " AND category_id = 112 AND code = 0 AND day = '2024-01-15'"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT firsts FROM stats_people_day WHERE branch_id = 2"
                                  " AND category_id = 0 AND code > 0 AND day = '2024-01-15'"
                                  " LIMIT 1"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM stats_people_day WHERE branch_id = 0"
                                  " AND category_id = 111 AND code = 0 AND day = '2024-01-15'"
                                  " AND firsts <> 0"),
                     0);

    const char *gone[] = { "2", "7", "13", "10" };
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        folder = hold_folds();
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM loans WHERE item_id = %s", gone[i]);
        dbtest_exec(sql);
        fold_held(folder);
        assert_rollups_like_match_rebuild("stats_people_");
    }
    assert_rollups_match_rebuild();
}
END_TEST

START_TEST(summary_counts_by_stockholm_day)
{
    fixture();
    lend(1, 1, "2024-03-31 00:30:00"); /* 2024-03-30 23:30 UTC */
    lend(2, 1, "2024-03-31 12:00:00");
    lend(3, 2, "2024-04-01 12:00:00");
    lend(13, 3, "2024-03-30 12:00:00");
    give_back(1, "2024-04-20 12:00:00"); /* late: due 2024-04-14 */
    give_back(2, "2024-04-10 12:00:00");

    struct stats_summary s;
    ck_assert_int_eq(store_stats_summary(0, "2024-03-31", "2024-04-30", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 3);
    ck_assert_int_eq(s.returns, 2);
    ck_assert_int_eq(s.returns_late, 1);
    ck_assert_int_eq(s.unique_borrowers, 2);
    ck_assert_int_eq(s.new_borrowers, 2);
    ck_assert_int_eq(s.total_loans, 4);
    /* 00:30 to 12:00 twenty days later, less the hour lost to summer time; then ten days. */
    ck_assert_int_eq(s.loan_seconds, 20 * 86400 + 41400 - 3600 + 10 * 86400);
    ck_assert_int_eq(s.items, 24);
    ck_assert_int_eq(s.items_never_lent, 20);
    /* Items 1..12 at Deje, 13..24 at Forshaga, donated 2023-12-20 + 3 days each. */
    ck_assert_int_eq(s.items_donated, dbtest_count("SELECT count(*) FROM items WHERE donated_on"
                                                   " BETWEEN '2024-03-31' AND '2024-04-30'"));
    /* Item 1 is cross-country skis (111, no factor), item 2 downhill skis (112: 29 kg). */
    ck_assert(fabs(s.co2e_kg - 29.0) < 1e-9);

    ck_assert_int_eq(store_stats_summary(2, "2024-03-30", "2024-03-30", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 1);
    ck_assert_int_eq(s.unique_borrowers, 1);
    ck_assert_int_eq(store_stats_summary(1, "2024-03-30", "2024-03-30", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 0);
    ck_assert_int_eq(s.unique_borrowers, 0);
}
END_TEST

/*
 * On a read-only connection (a replica) the reads never fold: they count what the last fold on
 * the primary counted, and leave the journal as it is.
 */
START_TEST(a_read_only_connection_reads_without_folding)
{
    fixture();
    lend(1, 1, "2024-03-31 12:00:00");
    /* A server's folder holds FOLDER_LOCK: commits leave what they journal to it. */
    PGconn *folder = PQconnectdb(dbtest_conninfo());
    ck_assert_int_eq(PQstatus(folder), CONNECTION_OK);
    PGresult *res = PQexec(folder, "SELECT pg_advisory_lock(1752787053, 1)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    lend(2, 1, "2024-03-31 13:00:00");
    PQfinish(folder);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 1);

    char read_only[600];
    snprintf(read_only, sizeof read_only, "%s options='-c default_transaction_read_only=on'",
             dbtest_conninfo());
    store_thread_close();
    store_init(read_only);
    struct stats_summary s;
    ck_assert_int_eq(store_stats_summary(0, "2024-03-31", "2024-03-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 1);

    store_thread_close();
    store_init(dbtest_conninfo());
    ck_assert_int_eq(store_stats_summary(0, "2024-03-31", "2024-03-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 2);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 0);
}
END_TEST

START_TEST(unique_borrowers_survive_erasure)
{
    fixture();
    lend(1, 1, "2024-01-10 12:00:00");
    lend(2, 1, "2024-02-10 12:00:00");
    lend(3, 2, "2024-02-11 12:00:00");
    struct stats_summary before, after;
    ck_assert_int_eq(store_stats_summary(0, "2024-01-01", "2024-12-31", &before), STORE_OK);
    ck_assert_int_eq(before.unique_borrowers, 2);
    ck_assert_int_eq(store_stats_summary(0, "2024-02-01", "2024-02-29", &before), STORE_OK);
    ck_assert_int_eq(before.unique_borrowers, 2);
    ck_assert_int_eq(before.new_borrowers, 1);
    dbtest_exec("DELETE FROM borrowers WHERE id IN (1, 2)");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans WHERE borrower_id IS NOT NULL"), 0);
    ck_assert_int_eq(store_stats_summary(0, "2024-02-01", "2024-02-29", &after), STORE_OK);
    ck_assert_int_eq(after.unique_borrowers, 2);
    ck_assert_int_eq(after.new_borrowers, 1);
    ck_assert_int_eq(after.loans, before.loans);
}
END_TEST

/* The rows as the API answers them, as compact JSON text (the caller frees it); frees rows. */
static char *rows_text(enum stats_group group, struct stats_row *rows, size_t n, size_t flags)
{
    json_t *json = stats_rows_json(group, rows, n);
    store_stats_rows_free(rows, n);
    char *text = json_dumps(json, JSON_COMPACT | flags);
    json_decref(json);
    return text;
}

/* The people rows of a question as "key:loans/borrowers" joined by spaces, total first. */
static void people(int branch, int category, const char *from, const char *to,
                   enum stats_people_dimension dim, char *out, size_t size)
{
    struct stats_people_row *rows, total;
    size_t n;
    ck_assert_int_eq(store_stats_people(branch, category, from, to, dim, &rows, &n, &total),
                     STORE_OK);
    int len = snprintf(out, size, "total:%lld/%lld", total.loans, total.borrowers);
    for (size_t i = 0; i < n; i++)
        len += snprintf(out + len, size - (size_t)len, " %s:%lld/%lld", rows[i].key, rows[i].loans,
                        rows[i].borrowers);
    free(rows);
}

START_TEST(people_by_age_at_the_loan_and_by_gender)
{
    fixture();
    dbtest_exec("UPDATE borrowers SET birth_year = 2017, gender = 'kvinna' WHERE id = 1;"
                "UPDATE borrowers SET birth_year = 1950 WHERE id = 3;");
    lend(1, 1, "2023-12-31 12:00:00"); /* 6 years old that year */
    lend(2, 1, "2024-01-01 12:00:00"); /* 7 */
    lend(3, 1, "2024-01-20 12:00:00");
    lend(13, 3, "2024-01-02 12:00:00"); /* 74, no gender */
    lend(14, 2, "2024-01-03 12:00:00"); /* nothing known */
    char got[512];
    people(0, 0, "2023-12-01", "2024-01-31", STATS_PEOPLE_AGE_BAND, got, sizeof got);
    ck_assert_str_eq(got, "total:5/3 0-6:1/1 7-12:2/1 13-19:0/0 20-64:0/0 65+:1/1 unknown:1/1");
    people(0, 0, "2023-12-01", "2024-01-31", STATS_PEOPLE_GENDER, got, sizeof got);
    ck_assert_str_eq(got, "total:5/3 kvinna:3/1 man:0/0 annat:0/0 ej_angivet:0/0 unknown:2/2");
    /* A branch, a category (items 1-3 are 111, 112, 21; 13 is 111), part of a month. */
    people(1, 0, "2024-01-01", "2024-01-31", STATS_PEOPLE_AGE_BAND, got, sizeof got);
    ck_assert_str_eq(got, "total:2/1 0-6:0/0 7-12:2/1 13-19:0/0 20-64:0/0 65+:0/0 unknown:0/0");
    people(0, 111, "2023-12-01", "2024-01-31", STATS_PEOPLE_AGE_BAND, got, sizeof got);
    ck_assert_str_eq(got, "total:2/2 0-6:1/1 7-12:0/0 13-19:0/0 20-64:0/0 65+:1/1 unknown:0/0");
    /* A correction moves past loans; an erasure moves nothing. */
    dbtest_exec("UPDATE borrowers SET birth_year = 2011, gender = 'annat' WHERE id = 1");
    people(0, 0, "2023-12-01", "2024-01-31", STATS_PEOPLE_AGE_BAND, got, sizeof got);
    ck_assert_str_eq(got, "total:5/3 0-6:0/0 7-12:1/1 13-19:2/1 20-64:0/0 65+:1/1 unknown:1/1");
    dbtest_exec("DELETE FROM borrowers WHERE id IN (1, 3)");
    people(0, 0, "2023-12-01", "2024-01-31", STATS_PEOPLE_AGE_BAND, got, sizeof got);
    ck_assert_str_eq(got, "total:5/3 0-6:0/0 7-12:1/1 13-19:2/1 20-64:0/0 65+:1/1 unknown:1/1");
    people(0, 0, "2023-12-01", "2024-01-31", STATS_PEOPLE_GENDER, got, sizeof got);
    ck_assert_str_eq(got, "total:5/3 kvinna:0/0 man:0/0 annat:3/1 ej_angivet:0/0 unknown:2/2");
    /* Everyone of the people rollups is everyone of the summary. */
    struct stats_summary s;
    ck_assert_int_eq(store_stats_summary(0, "2023-12-01", "2024-01-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 5);
    ck_assert_int_eq(s.unique_borrowers, 3);
    assert_rollups_match_rebuild();
}
END_TEST

START_TEST(factors_come_from_the_nearest_ancestor)
{
    fixture();
    lend(1, 1, "2024-01-10 12:00:00");  /* 111 cross-country skis */
    lend(2, 1, "2024-01-10 12:00:00");  /* 112 downhill skis: 29 kg of its own */
    lend(3, 2, "2024-01-11 12:00:00");  /* 21 tents */
    lend(13, 3, "2024-01-11 12:00:00"); /* 111 */
    dbtest_exec("UPDATE categories SET co2e_kg = 10, sek = 150.50 WHERE id = 11"); /* Skidor */
    dbtest_exec("UPDATE categories SET sek = 200 WHERE id = 2");                   /* Outdoor */

    struct stats_summary s;
    ck_assert_int_eq(store_stats_summary(0, "2024-01-01", "2024-01-31", &s), STORE_OK);
    ck_assert(fabs(s.co2e_kg - (10 + 29 + 0 + 10)) < 1e-9);
    ck_assert(fabs(s.sek - (150.5 + 150.5 + 200 + 150.5)) < 1e-9);

    struct stats_row *rows = NULL;
    size_t n;
    ck_assert_int_eq(store_stats_loans(0, "2024-01-01", "2024-01-31", STATS_BY_CATEGORY, &rows, &n),
                     STORE_OK);
    char *text = rows_text(STATS_BY_CATEGORY, rows, n, JSON_REAL_PRECISION(10));
    ck_assert_str_eq(text, "[{\"key\":111,\"loans\":2,\"co2e_kg\":20.0,\"sek\":301.0},"
                           "{\"key\":21,\"loans\":1,\"co2e_kg\":0.0,\"sek\":200.0},"
                           "{\"key\":112,\"loans\":1,\"co2e_kg\":29.0,\"sek\":150.5}]");
    free(text);
}
END_TEST

START_TEST(each_factor_comes_from_its_own_nearest_ancestor)
{
    /* Vinter (1) > Skidor (11) > Längdskidor (111), Utförsskidor (112): each of the two factors
     * walks up the line on its own, through a parent that has only the other one. */
    fixture();
    dbtest_exec("UPDATE categories SET co2e_kg = NULL, sek = 7 WHERE id = 1");
    dbtest_exec("UPDATE categories SET co2e_kg = 10, sek = NULL WHERE id = 11");
    dbtest_exec("UPDATE categories SET co2e_kg = 29, sek = NULL WHERE id = 112");
    dbtest_exec("UPDATE categories SET co2e_kg = NULL, sek = NULL WHERE id IN (2, 21, 111)");
    char *got = dbtest_value(
        "SELECT string_agg(category_id || ':' || co2e_kg::float8 || '/' || sek::float8, ' '"
        "                  ORDER BY category_id)"
        "  FROM stats_category_factors WHERE category_id IN (1, 2, 11, 21, 111, 112)");
    ck_assert_str_eq(got, "1:0/7 2:0/0 11:10/7 21:0/0 111:10/7 112:29/7");
    free(got);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM stats_category_factors"),
                     dbtest_count("SELECT count(*) FROM categories"));
}
END_TEST

START_TEST(series_are_dense_and_keyed_by_period_start)
{
    fixture();
    lend(1, 1, "2024-01-31 12:00:00");
    lend(2, 1, "2024-02-01 12:00:00");
    lend(13, 2, "2024-03-15 12:00:00");
    struct stats_row *rows = NULL;
    size_t n;
    ck_assert_int_eq(store_stats_loans(0, "2024-01-15", "2024-03-20", STATS_BY_MONTH, &rows, &n),
                     STORE_OK);
    char *text = rows_text(STATS_BY_MONTH, rows, n, 0);
    ck_assert_str_eq(text, "[{\"key\":\"2024-01-01\",\"loans\":1},"
                           "{\"key\":\"2024-02-01\",\"loans\":1},"
                           "{\"key\":\"2024-03-01\",\"loans\":1}]");
    free(text);

    ck_assert_int_eq(store_stats_loans(0, "2024-01-31", "2024-02-05", STATS_BY_WEEK, &rows, &n),
                     STORE_OK);
    text = rows_text(STATS_BY_WEEK, rows, n, 0);
    ck_assert_str_eq(text, "[{\"key\":\"2024-01-29\",\"loans\":2},"
                           "{\"key\":\"2024-02-05\",\"loans\":0}]");
    free(text);

    ck_assert_int_eq(store_stats_loans(1, "2024-01-01", "2024-12-31", STATS_BY_BRANCH, &rows, &n),
                     STORE_OK);
    text = rows_text(STATS_BY_BRANCH, rows, n, 0);
    ck_assert_str_eq(text, "[{\"key\":\"deje\",\"name\":\"Deje\",\"loans\":2}]");
    free(text);

    ck_assert_int_eq(store_stats_loans(0, "2024-01-01", "2024-12-31", STATS_BY_BRANCH, &rows, &n),
                     STORE_OK);
    text = rows_text(STATS_BY_BRANCH, rows, n, 0);
    ck_assert_str_eq(text, "[{\"key\":\"deje\",\"name\":\"Deje\",\"loans\":2},"
                           "{\"key\":\"forshaga\",\"name\":\"Forshaga\",\"loans\":1}]");
    free(text);

    struct stats_items figures;
    ck_assert_int_eq(store_stats_items(2, &figures), STORE_OK);
    json_t *items = stats_items_json(&figures);
    store_stats_items_free(&figures);
    ck_assert_int_eq(json_integer_value(json_object_get(items, "items")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(items, "never_lent")), 11);
    ck_assert_int_eq(json_array_size(json_object_get(items, "categories")), 3);
    json_decref(items);
}
END_TEST

/*
 * A server keeps the summaries it read (migration 0033): an identical request is answered from
 * what it kept while the rollups are unchanged, and read again after any change: one committed
 * and folded, one still in the journal, the categories' factors, a rebuild. What is kept is seen
 * by changing a rollup behind the folds' back, which only a read of the rollups would see.
 */
START_TEST(a_kept_summary_lasts_until_the_rollups_change)
{
    fixture();
    store_stats_summary_cache_start();
    lend(1, 1, "2024-05-02 12:00:00"); /* 111 */
    struct stats_summary s;
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 1);

    /* The day's and the month's rows, so that every period over the day would read it. */
    dbtest_exec(
        "UPDATE stats_day SET loans = loans + 100 WHERE branch_id = 0 AND day = '2024-05-02';"
        "UPDATE stats_month SET loans = loans + 100"
        " WHERE branch_id = 0 AND month = '2024-05-01'");
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 1); /* kept */
    ck_assert_int_eq(store_stats_summary(0, "2024-04-30", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 101); /* another period: read */
    ck_assert_int_eq(store_stats_summary(0, "2024-05-02", "2024-05-02", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 101);
    ck_assert_int_eq(store_stats_summary(1, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 1); /* another branch: read (its rows were not changed) */
    dbtest_exec(
        "UPDATE stats_day SET loans = loans - 100 WHERE branch_id = 0 AND day = '2024-05-02';"
        "UPDATE stats_month SET loans = loans - 100"
        " WHERE branch_id = 0 AND month = '2024-05-01'");

    /* Committed and folded at its commit (no folder here): the version moved. */
    lend(2, 2, "2024-05-03 12:00:00"); /* 112: 29 kg */
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 2);
    ck_assert(fabs(s.co2e_kg - 29) < 1e-9);

    /* Committed and left in the journal: read and folded. */
    PGconn *folder = hold_folds();
    lend(3, 3, "2024-05-04 12:00:00"); /* 21 */
    PQfinish(folder);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 1);
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 3);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM rollup_journal"), 0);

    /* The factors. */
    dbtest_exec("UPDATE categories SET co2e_kg = 10 WHERE id = 11"); /* Skidor: 111's */
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert(fabs(s.co2e_kg - (10 + 29)) < 1e-9);

    /* A rebuild counts a loan whose journal row was lost; the kept summary did not. */
    folder = hold_folds();
    lend(4, 4, "2024-05-05 12:00:00");
    PQfinish(folder);
    dbtest_exec("DELETE FROM rollup_journal");
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 3);
    dbtest_exec("SELECT stats_rebuild()");
    ck_assert_int_eq(store_stats_summary(0, "2024-05-01", "2024-05-31", &s), STORE_OK);
    ck_assert_int_eq(s.loans, 4);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("stats_rollups");
    TCase *tc = tcase_create("stats_rollups");
    tcase_add_checked_fixture(tc, dbtest_setup, dbtest_teardown);
    tcase_add_test(tc, triggers_keep_what_rebuild_computes);
    tcase_add_test(tc, a_fold_counts_days_as_its_batch_left_them);
    tcase_add_test(tc, a_fold_recounts_only_the_scopes_whose_days_move);
    tcase_add_test(tc, a_return_journals_its_loan_and_leaves_the_rest_to_the_triggers);
    tcase_add_test(tc, summary_counts_by_stockholm_day);
    tcase_add_test(tc, a_read_only_connection_reads_without_folding);
    tcase_add_test(tc, unique_borrowers_survive_erasure);
    tcase_add_test(tc, people_by_age_at_the_loan_and_by_gender);
    tcase_add_test(tc, factors_come_from_the_nearest_ancestor);
    tcase_add_test(tc, each_factor_comes_from_its_own_nearest_ancestor);
    tcase_add_test(tc, series_are_dense_and_keyed_by_period_start);
    tcase_add_test(tc, a_kept_summary_lasts_until_the_rollups_change);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
