/*
 * Database tests of the loan store: a checkout is all or nothing, its loans carry the borrower's
 * birth year and gender, parallel checkouts of one item lend it once (the invariant at the store
 * level, without HTTP), the unique index's refusal is a refusal and not an error, returns and undo
 * restore the item, the rules give due dates on the days the branch calendar opens, erasure keeps
 * the loans, and a checkout and a return lock no row that every desk of a branch shares.
 */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "store/borrower_store.h"
#include "store/loan_store.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 16

static long long staff_id;

/* A branch open every weekday, a staff member, THREADS borrowers and items A-1..A-5. */
static void setup(void)
{
    dbtest_setup();
    dbtest_exec(
        "INSERT INTO branches (slug, name, code_prefix, opening_hours) VALUES ('a', 'A', 'AA',"
        " '{\"mon\":[[\"1\",\"2\"]],\"tue\":[[\"1\",\"2\"]],\"wed\":[[\"1\",\"2\"]],"
        "   \"thu\":[[\"1\",\"2\"]],\"fri\":[[\"1\",\"2\"]],\"sat\":[[\"1\",\"2\"]],"
        "   \"sun\":[[\"1\",\"2\"]]}'),"
        " ('b', 'B', 'BB', '{}')");
    dbtest_exec("INSERT INTO staff (username, display_name, role, branch_id, password_hash)"
                " VALUES ('vera', 'Vera', 'volunteer', 1, 'x')");
    staff_id = dbtest_count("SELECT id FROM staff WHERE username = 'vera'");
    dbtest_exec("INSERT INTO borrowers (branch_id, name, phone)"
                " SELECT 1, 'Borrower ' || n, '+467010000' || lpad(n::text, 2, '0')"
                "   FROM generate_series(1, 16) n");
    dbtest_exec("INSERT INTO items (code, branch_id, category_id, name, status)"
                " SELECT 'A-' || n, 1, 121, 'Hockeyskridskor', 'available'"
                "   FROM generate_series(1, 5) n");
    dbtest_exec("INSERT INTO items (code, branch_id, category_id, name, status)"
                " VALUES ('B-1', 2, 121, 'Skridskor', 'available')");
}

static long long borrower(int n)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM borrowers WHERE name = 'Borrower %d'", n);
    return dbtest_count(sql);
}

/* Run a checkout of codes for a borrower; the caller frees c->response and c->problems. */
static enum store_status checkout(struct store_checkout *c, long long borrower_id,
                                  const char *const *codes, size_t n)
{
    *c = (struct store_checkout){
        .staff_id = staff_id,
        .borrower_id = borrower_id,
        .scope = 1,
        .codes = codes,
        .ncodes = n,
        .due_date = "2030-01-10",
        .problems = calloc(n, sizeof *c->problems),
    };
    return store_loan_checkout(c);
}

START_TEST(a_checkout_with_one_bad_item_writes_nothing)
{
    dbtest_exec("UPDATE items SET status = 'repair' WHERE code = 'A-2'");
    struct store_checkout c;
    const char *codes[] = { "A-1", "A-2", "A-3", "NOPE", "B-1" };
    ck_assert_int_eq(checkout(&c, borrower(1), codes, 5), STORE_NOT_FOUND);
    ck_assert_int_eq(c.outcome, STORE_CHECKOUT_REFUSED);
    ck_assert_int_eq(c.problems[0], STORE_CHECKOUT_ITEM_OK);
    ck_assert_int_eq(c.problems[1], STORE_CHECKOUT_ITEM_NOT_AVAILABLE);
    ck_assert_int_eq(c.problems[2], STORE_CHECKOUT_ITEM_OK);
    ck_assert_int_eq(c.problems[3], STORE_CHECKOUT_ITEM_UNKNOWN);
    ck_assert_int_eq(c.problems[4], STORE_CHECKOUT_ITEM_OTHER_BRANCH);
    ck_assert_ptr_null(c.response);
    free(c.problems);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans"), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM checkouts"), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE status = 'on_loan'"), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log"), 0);
}
END_TEST

START_TEST(a_checkout_writes_loans_items_and_the_stored_answer)
{
    struct store_checkout c;
    const char *codes[] = { "A-3", "A-1" };
    ck_assert_int_eq(checkout(&c, borrower(2), codes, 2), STORE_OK);
    ck_assert_int_eq(c.outcome, STORE_CHECKOUT_DONE);
    ck_assert_ptr_nonnull(strstr(c.response, "\"2030-01-10\""));
    /* The answer lists the loans in the order the items were scanned. */
    ck_assert(strstr(c.response, "A-3") < strstr(c.response, "A-1"));
    free(c.response);
    free(c.problems);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans l JOIN items i ON i.id = l.item_id"
                                  " WHERE l.returned_at IS NULL AND i.status = 'on_loan'"
                                  "   AND l.borrower_ref = l.borrower_id AND l.category_id = 121"
                                  "   AND l.due_date = '2030-01-10'"),
                     2);
    ck_assert_int_eq(
        dbtest_count(
            "SELECT count(*) FROM audit_log WHERE action = 'checkout'"
            " AND details->>'borrower_id' IS NOT NULL AND details::text NOT LIKE '%Borr%'"),
        1);
}
END_TEST

/* Fails the test unless the loan of the item with this code says "birth year|gender". */
static void assert_people(const char *code, const char *people)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT format('%%s|%%s', l.borrower_birth_year, l.borrower_gender)"
             "  FROM loans l JOIN items i ON i.id = l.item_id WHERE i.code = '%s'",
             code);
    char *said = dbtest_value(sql);
    ck_assert_msg(said && strcmp(said, people) == 0, "%s: %s, not %s", code, said, people);
    free(said);
}

/*
 * A loan counts in the statistics under its borrower's birth year and gender as they were at its
 * checkout: loan_checkout writes them from the borrower's row it locks (migration 0031), and the
 * trigger of loans reads them for a loan written without them.
 */
START_TEST(a_loan_carries_the_borrowers_birth_year_and_gender)
{
    dbtest_exec("UPDATE borrowers SET birth_year = 2016, gender = 'kvinna'"
                " WHERE name = 'Borrower 3'");
    /* The checkout writes them itself: without the trigger, they are still there. */
    dbtest_exec("ALTER TABLE loans DISABLE TRIGGER loans_borrower_people");
    struct store_checkout c;
    const char *codes[] = { "A-1" };
    ck_assert_int_eq(checkout(&c, borrower(3), codes, 1), STORE_OK);
    ck_assert_int_eq(c.outcome, STORE_CHECKOUT_DONE);
    free(c.response);
    free(c.problems);
    dbtest_exec("ALTER TABLE loans ENABLE TRIGGER loans_borrower_people");
    assert_people("A-1", "2016|kvinna");
    /* Another insert: read by the trigger when it gives neither, kept when it gives them. */
    long long id = borrower(3);
    char sql[640];
    snprintf(sql, sizeof sql,
             "WITH c AS (INSERT INTO checkouts (branch_id, borrower_id) VALUES (1, %lld)"
             "           RETURNING id)"
             " INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
             "                    borrower_ref, due_date, borrower_birth_year, borrower_gender)"
             " SELECT c.id, i.id, 1, 121, %lld, %lld, '2030-01-10',"
             "        CASE i.code WHEN 'A-3' THEN 1990 END, NULL"
             "   FROM c, items i WHERE i.code IN ('A-2', 'A-3')",
             id, id, id);
    dbtest_exec(sql);
    assert_people("A-2", "2016|kvinna");
    assert_people("A-3", "1990|");
}
END_TEST

struct racer {
    long long borrower_id;
    enum store_status st;
    enum store_checkout_outcome outcome;
    enum store_checkout_problem problem;
};

static void *race(void *p)
{
    struct racer *r = p;
    const char *codes[] = { "A-4" };
    struct store_checkout c;
    r->st = checkout(&c, r->borrower_id, codes, 1);
    r->outcome = c.outcome;
    r->problem = c.problems[0];
    free(c.response);
    free(c.problems);
    store_thread_close();
    return NULL;
}

START_TEST(parallel_checkouts_of_one_item_lend_it_once)
{
    struct racer racers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        racers[i] = (struct racer){ .borrower_id = borrower(i + 1) };
        ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
    }
    int done = 0, on_loan = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_int_ge(racers[i].st, 0);
        done += racers[i].outcome == STORE_CHECKOUT_DONE;
        on_loan += racers[i].outcome == STORE_CHECKOUT_REFUSED &&
                   racers[i].problem == STORE_CHECKOUT_ITEM_ON_LOAN;
    }
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(on_loan, THREADS - 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans"), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM checkouts"), 1);
}
END_TEST

START_TEST(the_unique_index_refusal_is_a_conflict_not_an_error)
{
    /* An item whose status says available while an open loan exists (data fixed by hand, say):
     * the checks pass, and the partial unique index must still refuse the second loan. */
    dbtest_exec("INSERT INTO checkouts (branch_id, borrower_id) VALUES (1, 1)");
    dbtest_exec("INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
                " borrower_ref, due_date) SELECT 1, id, 1, 121, 1, 1, '2030-01-01'"
                " FROM items WHERE code = 'A-5'");
    struct store_checkout c;
    const char *codes[] = { "A-5" };
    ck_assert_int_eq(checkout(&c, borrower(3), codes, 1), STORE_NOT_FOUND);
    ck_assert_int_eq(c.outcome, STORE_CHECKOUT_CONFLICT);
    free(c.problems);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans"), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM checkouts"), 1);
}
END_TEST

START_TEST(return_and_undo_put_the_item_back)
{
    struct store_checkout c;
    const char *codes[] = { "A-1", "A-2" };
    ck_assert_int_eq(checkout(&c, borrower(4), codes, 2), STORE_OK);
    free(c.response);
    free(c.problems);

    struct store_return r = { .staff_id = staff_id, .scope = 1, .code = "A-1", .repair = true };
    ck_assert_int_eq(store_loan_return(&r), STORE_OK);
    ck_assert_int_eq(r.outcome, STORE_RETURN_DONE);
    ck_assert_str_eq(r.item_status, "repair");
    store_return_clear(&r);
    ck_assert_int_eq(store_loan_return(&r), STORE_NOT_FOUND);
    ck_assert_int_eq(r.outcome, STORE_RETURN_NOT_ON_LOAN);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE code = 'A-1'"
                                  " AND status = 'repair'"),
                     1);

    long long loan = dbtest_count("SELECT l.id FROM loans l JOIN items i ON i.id = l.item_id"
                                  " WHERE i.code = 'A-2'");
    struct store_undo u = { .staff_id = staff_id, .scope = 2, .loan_id = loan };
    ck_assert_int_eq(store_loan_undo(&u), STORE_NOT_FOUND);
    ck_assert_int_eq(u.outcome, STORE_UNDO_NOT_FOUND); /* another branch's staff */
    u = (struct store_undo){ .staff_id = staff_id, .scope = 1, .loan_id = loan };
    ck_assert_int_eq(store_loan_undo(&u), STORE_OK);
    ck_assert_int_eq(u.outcome, STORE_UNDO_DONE);
    store_undo_clear(&u);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM items WHERE code = 'A-2'"
                                  " AND status = 'available'"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans"), 1);
    /* The stored answer no longer lists the undone loan. */
    ck_assert_int_eq(dbtest_count("SELECT jsonb_array_length(response->'loans') FROM checkouts"),
                     1);
}
END_TEST

START_TEST(the_rules_give_a_due_date_on_an_open_day)
{
    /* Open every day: today plus the loan period, in Stockholm. */
    struct store_loan_rules rules;
    ck_assert_int_eq(store_loan_rules_for_borrower(borrower(1), 1, NULL, &rules), STORE_OK);
    char *today = dbtest_value("SELECT (now() AT TIME ZONE 'Europe/Stockholm')::date::text");
    char *due = dbtest_value("SELECT ((now() AT TIME ZONE 'Europe/Stockholm')::date + 14)::text");
    ck_assert_str_eq(rules.today, today);
    ck_assert_str_eq(rules.due_date, due);
    ck_assert_int_eq(rules.loan_days, 14);
    free(today);
    free(due);

    /* Thursday the 24th and Saturday the 26th are closed, Friday is no weekday with hours (nor
     * Monday, listed without hours): an asked-for 24 December moves to Sunday the 27th. */
    dbtest_exec("UPDATE branches SET closed_periods = '[{\"from\": \"2026-12-24\", \"to\":"
                " \"2026-12-24\", \"reason\": null}, {\"from\": \"2026-12-26\", \"to\":"
                " \"2026-12-26\", \"reason\": \"Annandag\"}]',"
                " opening_hours = '{\"mon\": [], \"thu\": [[\"15:00\", \"19:00\"]],"
                "   \"sat\": [[\"10:00\", \"13:00\"]], \"sun\": [[\"10:00\", \"13:00\"]]}'"
                " WHERE slug = 'a'");
    ck_assert_int_eq(store_loan_rules_for_borrower(borrower(1), 0, "2026-12-24", &rules), STORE_OK);
    ck_assert_str_eq(rules.due_date, "2026-12-27");

    /* No weekday with hours: no due date at all. */
    dbtest_exec("UPDATE branches SET opening_hours = '{\"mon\": []}' WHERE slug = 'a'");
    ck_assert_int_eq(store_loan_rules_for_borrower(borrower(1), 0, "2026-12-24", &rules), STORE_OK);
    ck_assert_str_eq(rules.due_date, "");

    /* A borrower of another branch than the scope is not there. */
    ck_assert_int_eq(store_loan_rules_for_borrower(borrower(1), 2, NULL, &rules), STORE_NOT_FOUND);
}
END_TEST

START_TEST(a_renewal_falls_due_on_an_open_day)
{
    /* Lent until Thursday 10 January 2030; a renewal adds 14 days, to the 24th, which a closed
     * period covers to the 27th. */
    struct store_checkout c;
    const char *codes[] = { "A-1" };
    ck_assert_int_eq(checkout(&c, borrower(2), codes, 1), STORE_OK);
    free(c.response);
    free(c.problems);
    dbtest_exec("UPDATE branches SET closed_periods = '[{\"from\": \"2030-01-24\", \"to\":"
                " \"2030-01-27\", \"reason\": \"Inventering\"}]' WHERE slug = 'a'");
    long long loan = dbtest_count("SELECT id FROM loans");
    struct store_loan_renewal r;
    ck_assert_int_eq(store_loan_for_renewal(loan, 1, &r), STORE_OK);
    ck_assert_str_eq(r.due_date, "2030-01-10");
    ck_assert_str_eq(r.rules.due_date, "2030-01-28");
    ck_assert_int_eq(store_loan_for_renewal(loan, 2, &r), STORE_NOT_FOUND);
}
END_TEST

START_TEST(erasure_keeps_loans_and_waits_for_open_ones)
{
    struct store_checkout c;
    const char *codes[] = { "A-3" };
    long long b = borrower(5);
    ck_assert_int_eq(checkout(&c, b, codes, 1), STORE_OK);
    free(c.response);
    free(c.problems);
    enum store_erase_refusal refusal;
    ck_assert_int_eq(store_borrower_erase(staff_id, 1, b, 0, "request", &refusal), STORE_NOT_FOUND);
    ck_assert_int_eq(refusal, STORE_ERASE_OPEN_LOANS);
    struct store_return r = {
        .staff_id = staff_id, .scope = 1, .code = "A-3", .note = "Borrower 5 tappade snöret"
    };
    ck_assert_int_eq(store_loan_return(&r), STORE_OK);
    store_return_clear(&r);
    ck_assert_int_eq(store_borrower_erase(staff_id, 2, b, 0, "request", &refusal), STORE_NOT_FOUND);
    ck_assert_int_eq(refusal, STORE_ERASE_ALLOWED);
    ck_assert_int_eq(store_borrower_erase(staff_id, 1, b, 0, "request", &refusal), STORE_OK);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM loans WHERE borrower_ref = %lld AND borrower_id IS NULL"
             " AND return_note IS NULL AND returned_at IS NOT NULL",
             b);
    ck_assert_int_eq(dbtest_count(sql), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM borrowers WHERE name = 'Borrower 5'"), 0);
}
END_TEST

/* Whether another transaction holds a lock on the row of table with this id (a foreign key's
 * FOR KEY SHARE among them). */
static bool row_locked(const char *table, long long id)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT FROM %s WHERE id = %lld FOR UPDATE SKIP LOCKED) r",
             table, id);
    return dbtest_count(sql) == 0;
}

/* A checkout and a return, each in a transaction still open, lock neither the staff member's
 * row nor the branch's, which every desk of the branch shares (migration 0030). */
START_TEST(a_checkout_and_a_return_leave_staff_and_branch_unlocked)
{
    long long item = dbtest_count("SELECT id FROM items WHERE code = 'A-1'");
    PGconn *desk = PQconnectdb(dbtest_conninfo());
    ck_assert_int_eq(PQstatus(desk), CONNECTION_OK);
    char sql[320];
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT outcome FROM loan_checkout(%lld, 1, %lld, ARRAY['A-1'], NULL,"
             " '2030-01-10', 'k-1', 'r', 15)",
             staff_id, borrower(1));
    for (int step = 0; step < 2; step++) {
        PGresult *res = PQexec(desk, sql);
        ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
        ck_assert_str_eq(PQgetvalue(res, 0, 0), "done");
        PQclear(res);
        ck_assert(row_locked("items", item)); /* what the desk does lock */
        ck_assert(!row_locked("staff", staff_id));
        ck_assert(!row_locked("branches", 1));
        PQclear(PQexec(desk, "COMMIT"));
        snprintf(sql, sizeof sql,
                 "BEGIN; SELECT outcome FROM loan_return(%lld, 1, 'A-1', false, NULL, NULL)",
                 staff_id);
    }
    PQfinish(desk);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM loans WHERE returned_by IS NOT NULL"), 1);
}
END_TEST

/*
 * A borrower's last activity moves to the first checkout or return of a new day and stays there
 * the rest of that day (migration 0019): later loans that day write no borrower row.
 */
START_TEST(the_last_activity_moves_once_a_day)
{
    long long b = borrower(6);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE borrowers SET last_activity_at = current_date - interval '1 day'"
             " WHERE id = %lld",
             b);
    dbtest_exec(sql);
    struct store_checkout c;
    const char *codes[] = { "A-4" };
    ck_assert_int_eq(checkout(&c, b, codes, 1), STORE_OK);
    free(c.response);
    free(c.problems);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM borrowers WHERE id = %lld AND last_activity_at >= current_date",
             b);
    ck_assert_int_eq(dbtest_count(sql), 1);

    /* Earlier today: neither a return nor a checkout moves it again. */
    snprintf(sql, sizeof sql,
             "UPDATE borrowers SET last_activity_at = current_date::timestamptz WHERE id = %lld",
             b);
    dbtest_exec(sql);
    snprintf(sql, sizeof sql, "SELECT xmin::text::bigint FROM borrowers WHERE id = %lld", b);
    long long version = dbtest_count(sql);
    struct store_return r = { .staff_id = staff_id, .scope = 1, .code = "A-4" };
    ck_assert_int_eq(store_loan_return(&r), STORE_OK);
    ck_assert_int_eq(r.outcome, STORE_RETURN_DONE);
    store_return_clear(&r);
    ck_assert_int_eq(checkout(&c, b, codes, 1), STORE_OK);
    free(c.response);
    free(c.problems);
    ck_assert_int_eq(dbtest_count(sql), version);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM borrowers WHERE id = %lld"
             " AND last_activity_at = current_date::timestamptz",
             b);
    ck_assert_int_eq(dbtest_count(sql), 1);
}
END_TEST

static Suite *loan_suite(void)
{
    Suite *s = suite_create("loan_store");
    TCase *tc = tcase_create("loans");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, dbtest_teardown);
    tcase_add_test(tc, a_checkout_with_one_bad_item_writes_nothing);
    tcase_add_test(tc, a_checkout_writes_loans_items_and_the_stored_answer);
    tcase_add_test(tc, a_loan_carries_the_borrowers_birth_year_and_gender);
    tcase_add_test(tc, parallel_checkouts_of_one_item_lend_it_once);
    tcase_add_test(tc, the_unique_index_refusal_is_a_conflict_not_an_error);
    tcase_add_test(tc, return_and_undo_put_the_item_back);
    tcase_add_test(tc, the_rules_give_a_due_date_on_an_open_day);
    tcase_add_test(tc, a_renewal_falls_due_on_an_open_day);
    tcase_add_test(tc, erasure_keeps_loans_and_waits_for_open_ones);
    tcase_add_test(tc, the_last_activity_moves_once_a_day);
    tcase_add_test(tc, a_checkout_and_a_return_leave_staff_and_branch_unlocked);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(loan_suite)
