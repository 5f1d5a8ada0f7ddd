/*
 * Database tests of the outbox: reminders are planned once per loan, kind and due date (again
 * after a renewal, never for the opted-out), overdue reminders take the latest day reached, a
 * claimed message is locked against every other connection until it is finished or its
 * connection dies (then another takes it over), the time window holds messages back, receipts
 * come with the checkout, erasing a borrower forgets their texts, and a child's messages go to
 * the guardian.
 */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "store/message_store.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL_DAY "00:00", "24:00"

/* A branch, two borrowers (1: Swedish, 2: English with an e-mail) and items I-1..I-4. */
static void setup(void)
{
    dbtest_setup();
    dbtest_exec(
        "INSERT INTO branches (slug, name, code_prefix) VALUES ('a', 'Fritidsbanken A', 'AA')");
    dbtest_exec("INSERT INTO borrowers (branch_id, name, phone, email, language) VALUES"
                " (1, 'Borrower 1', '+46701000001', NULL, 'sv'),"
                " (1, 'Borrower 2', '+46701000002', 'b2@example.org', 'en')");
    dbtest_exec(
        "INSERT INTO items (code, branch_id, category_id, name, status)"
        " SELECT 'I-' || n, 1, 121, 'Skridskor ' || n, 'on_loan' FROM generate_series(1, 4) n");
}

/* A loan of item I-n to a borrower, lent 20 days ago and due `days` days from today. */
static void lend(int item, int borrower, int days)
{
    char sql[600];
    snprintf(
        sql, sizeof sql,
        "WITH c AS (INSERT INTO checkouts (branch_id, borrower_id) VALUES (1, %d) RETURNING id)"
        " INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
        "                    borrower_ref, checked_out_at, due_date)"
        " SELECT c.id, (SELECT id FROM items WHERE code = 'I-%d'), 1, 121, %d, %d,"
        "        now() - interval '20 days', current_date + %d FROM c",
        borrower, item, borrower, borrower, days);
    dbtest_exec(sql);
}

/* Whether the rollup message_days says what a count of the messages says. */
static void assert_rollup_true(void)
{
    static const char recount[] =
        "SELECT branch_id, (finished_at AT TIME ZONE 'Europe/Stockholm')::date AS day,"
        "  count(*) FILTER (WHERE status = 'sent' AND kind <> 'phone_call')::int AS sent,"
        "  count(*) FILTER (WHERE status = 'failed')::int AS failed,"
        "  count(*) FILTER (WHERE status IN ('cancelled', 'expired'))::int AS cancelled,"
        "  count(*) FILTER (WHERE kind = 'phone_call')::int AS calls,"
        "  count(*) FILTER (WHERE status = 'sent' AND kind <> 'phone_call' AND channel = "
        "'sms')::int,"
        "  coalesce(sum(segments) FILTER (WHERE status = 'sent' AND kind <> 'phone_call'"
        "                                   AND channel = 'sms'), 0)::int,"
        "  count(*) FILTER (WHERE status = 'sent' AND kind <> 'phone_call' AND channel = "
        "'email')::int"
        "  FROM messages WHERE finished_at IS NOT NULL GROUP BY 1, 2";
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ((%s EXCEPT SELECT * FROM message_days)"
             " UNION ALL (SELECT * FROM message_days EXCEPT %s)) x",
             recount, recount);
    ck_assert_int_eq(dbtest_count(sql), 0);
}

static int plan(void)
{
    int planned = -1;
    ck_assert_int_eq(store_message_plan(&planned), STORE_OK);
    return planned;
}

START_TEST(due_soon_is_planned_once_per_due_date)
{
    lend(1, 1, 2);
    lend(2, 1, 2);
    lend(3, 2, 1);
    lend(4, 2, 5); /* not due soon yet */
    ck_assert_int_eq(plan(), 2);
    ck_assert_int_eq(plan(), 0);
    /* One message per borrower and due date, naming both loans. */
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM message_loans ml JOIN messages m"
                                  " ON m.id = ml.message_id WHERE m.borrower_id = 1"),
                     2);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE kind = 'due_soon'"
                                  " AND step = 2 AND status = 'pending'"),
                     2);
    /* A renewal makes a new due date, which is reminded of again when it comes near. */
    dbtest_exec("UPDATE loans SET due_date = due_date + 1 WHERE item_id ="
                " (SELECT id FROM items WHERE code = 'I-3')");
    ck_assert_int_eq(plan(), 1);
    ck_assert_int_eq(plan(), 0);
    /* Opted out: nothing more. */
    dbtest_exec("UPDATE borrowers SET messages_opt_out = true WHERE id = 2");
    dbtest_exec("UPDATE loans SET due_date = current_date + 2 WHERE borrower_id = 2");
    ck_assert_int_eq(plan(), 0);
    /* A branch that sends none. */
    dbtest_exec("UPDATE borrowers SET messages_opt_out = false");
    dbtest_exec("UPDATE message_settings SET due_soon = false");
    ck_assert_int_eq(plan(), 0);
}
END_TEST

START_TEST(overdue_takes_the_latest_day_reached)
{
    lend(1, 1, -8); /* day 8 after the due date: the day-7 reminder, not also day 1 */
    lend(2, 2, -1);
    ck_assert_int_eq(plan(), 2);
    char *steps = dbtest_value("SELECT string_agg(step::text, ',' ORDER BY step)"
                               " FROM messages WHERE kind = 'overdue'");
    ck_assert_str_eq(steps, "1,7");
    free(steps);
    ck_assert_int_eq(plan(), 0);
    /* Six days later borrower 2's loan reaches day 7; borrower 1 has had all there is. */
    dbtest_exec("UPDATE loans SET due_date = due_date - 6;"
                " UPDATE message_loans SET due_date = due_date - 6;"
                " UPDATE messages SET due_date = due_date - 6");
    ck_assert_int_eq(plan(), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE kind = 'overdue'"
                                  " AND step = 7 AND borrower_id = 2"),
                     1);
    ck_assert_int_eq(plan(), 0);
}
END_TEST

START_TEST(planning_waits_for_no_one)
{
    lend(1, 1, 2);
    /* Another process holds the planning lock: this one plans nothing and says so. */
    PGconn *other = PQconnectdb(dbtest_conninfo());
    PGresult *r = PQexec(other, "BEGIN; SELECT pg_advisory_xact_lock(22, 0)");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    int planned = -1;
    ck_assert_int_eq(store_message_plan(&planned), STORE_NOT_FOUND);
    ck_assert_int_eq(planned, 0);
    PQclear(PQexec(other, "COMMIT"));
    PQfinish(other);
    ck_assert_int_eq(plan(), 1);
}
END_TEST

/* The advisory locks held in this database, by any connection. */
static long long advisory_locks(void)
{
    return dbtest_count("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE l.locktype = 'advisory' AND d.datname = current_database()");
}

struct claimer {
    enum store_status st;
    long long id;
    int attempts;
};

static void *claim_elsewhere(void *p)
{
    struct claimer *c = p;
    struct store_outgoing m;
    c->st = store_message_claim(ALL_DAY, &m);
    if (c->st == STORE_OK) {
        c->id = m.id;
        c->attempts = m.attempts;
        struct store_message_result r = { .status = "sent", .channel = "sms", .body = "x" };
        ck_assert_int_eq(store_message_finish(m.id, &r), STORE_OK);
        store_outgoing_clear(&m);
    }
    store_thread_close();
    return NULL;
}

static struct claimer claim_in_thread(void)
{
    struct claimer c = { 0 };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, claim_elsewhere, &c), 0);
    pthread_join(t, NULL);
    return c;
}

START_TEST(a_claimed_message_is_locked_until_finished_or_its_connection_dies)
{
    lend(1, 2, 2);
    lend(2, 2, 2);
    ck_assert_int_eq(plan(), 1);
    struct store_outgoing m;
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    ck_assert_int_eq(m.attempts, 1);
    ck_assert_int_eq(m.kind, MESSAGE_DUE_SOON);
    ck_assert(m.english);
    ck_assert_str_eq(m.phone, "+46701000002");
    ck_assert_str_eq(m.email, "b2@example.org");
    ck_assert_str_eq(m.branch_name, "Fritidsbanken A");
    ck_assert_uint_eq(m.nitems, 2);
    ck_assert_str_eq(m.items[0].name, "Skridskor 1");
    ck_assert_int_eq(strlen(m.key), 36);
    long long id = m.id;
    store_outgoing_clear(&m);

    /* While this connection holds it, nobody else gets it. */
    struct claimer other = claim_in_thread();
    ck_assert_int_eq(other.st, STORE_NOT_FOUND);

    /*
     * This connection dies mid-send: another takes the message over at once. Its lock is gone
     * when the close returns, not a moment later when the server process has exited.
     */
    store_thread_close();
    ck_assert_int_eq(advisory_locks(), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE status = 'sending'"), 1);
    other = claim_in_thread();
    ck_assert_int_eq(other.st, STORE_OK);
    ck_assert_int_eq(other.id, id);
    ck_assert_int_eq(other.attempts, 2);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE status = 'sent'"
                                  " AND segments IS NULL AND finished_at IS NOT NULL"),
                     1);
    ck_assert_int_eq(advisory_locks(), 0);
}
END_TEST

START_TEST(a_retry_waits_and_the_window_holds_messages_back)
{
    lend(1, 1, 2);
    ck_assert_int_eq(plan(), 1);
    struct store_outgoing m;
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    struct store_message_result r = { .status = "pending", .error = "busy", .retry_in_s = 600 };
    ck_assert_int_eq(store_message_finish(m.id, &r), STORE_OK);
    store_outgoing_clear(&m);
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_NOT_FOUND);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE status = 'pending'"
                                  " AND attempts = 1 AND error = 'busy'"
                                  " AND next_attempt_at > now() + interval '590 seconds'"),
                     1);

    dbtest_exec("UPDATE messages SET next_attempt_at = now()");
    /* An hour that is not now in Stockholm, as the network's window or as the branch's. */
    char *hour = dbtest_value("SELECT CASE WHEN (now() AT TIME ZONE 'Europe/Stockholm')::time"
                              " < '12:00' THEN '13:00' ELSE '01:00' END");
    char end[6];
    snprintf(end, sizeof end, "%.2s:30", hour);
    ck_assert_int_eq(store_message_claim(hour, end, &m), STORE_NOT_FOUND);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE message_settings SET window_start = '%s', window_end = '%s'",
             hour, end);
    dbtest_exec(sql);
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_NOT_FOUND);
    free(hour);
    dbtest_exec("UPDATE message_settings SET window_start = NULL, window_end = NULL");
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    ck_assert_int_eq(m.attempts, 2);
    store_outgoing_clear(&m);
}
END_TEST

START_TEST(receipts_come_with_the_checkout_when_the_branch_wants_them)
{
    lend(1, 1, 14);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages"), 0);
    dbtest_exec("UPDATE message_settings SET receipt = true");
    /* Two loans of one checkout, in two statements: one receipt. */
    dbtest_exec("INSERT INTO checkouts (branch_id, borrower_id) VALUES (1, 2)");
    for (int item = 2; item <= 3; item++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO loans (checkout_id, item_id, branch_id, category_id, borrower_id,"
                 " borrower_ref, due_date) SELECT max(c.id), (SELECT id FROM items WHERE code ="
                 " 'I-%d'), 1, 121, 2, 2, current_date + 14 FROM checkouts c",
                 item);
        dbtest_exec(sql);
    }
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE kind = 'receipt'"
                                  " AND borrower_id = 2 AND due_date = current_date + 14"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM message_loans WHERE kind = 'receipt'"), 2);
}
END_TEST

START_TEST(erasing_a_borrower_forgets_their_texts)
{
    long long id = 0;
    bool opted_out = true;
    ck_assert_int_eq(store_message_free_text(0, 1, 1, "Hej Borrower 1, ring oss", &id, &opted_out),
                     STORE_OK);
    ck_assert(!opted_out);
    struct store_outgoing m;
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    ck_assert_int_eq(m.kind, MESSAGE_FREE_TEXT);
    ck_assert_str_eq(m.text, "Hej Borrower 1, ring oss");
    ck_assert_str_eq(m.channel, "sms");
    /* Erased while its message is being sent: what the sender writes back does not bring it back. */
    dbtest_exec("DELETE FROM borrowers WHERE id = 1");
    struct store_message_result r = { .status = "sent", .channel = "sms", .body = m.text };
    ck_assert_int_eq(store_message_finish(m.id, &r), STORE_OK);
    store_outgoing_clear(&m);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE body IS NULL"
                                  " AND borrower_id IS NULL AND status = 'cancelled'"),
                     1);
    ck_assert_int_eq(advisory_locks(), 0);
    ck_assert_int_eq(dbtest_count("SELECT cancelled FROM message_days"), 1);
    /* Every way a message ends is counted once, by the day it ended. */
    long long call;
    ck_assert_int_eq(store_message_phone_call(0, 0, 2, NULL, 0, &call), STORE_OK);
    lend(1, 2, 2);
    ck_assert_int_eq(plan(), 1);
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    struct store_message_result failed = { .status = "failed", .channel = "email", .error = "no" };
    ck_assert_int_eq(store_message_finish(m.id, &failed), STORE_OK);
    store_outgoing_clear(&m);
    lend(2, 2, -1);
    ck_assert_int_eq(plan(), 1);
    ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
    struct store_message_result sms = { .status = "sent", .channel = "sms", .segments = 2 };
    ck_assert_int_eq(store_message_finish(m.id, &sms), STORE_OK);
    store_outgoing_clear(&m);
    lend(3, 2, 1);
    ck_assert_int_eq(plan(), 1);
    dbtest_exec("UPDATE messages SET expires_at = now() WHERE status = 'pending'");
    ck_assert_int_eq(plan(), 0); /* expired now */
    assert_rollup_true();
    ck_assert_int_eq(dbtest_count("SELECT sum(segments) FROM message_days"), 2);
    ck_assert_int_eq(dbtest_count("SELECT sent + failed + cancelled + calls FROM message_days"), 5);
    ck_assert_int_eq(store_message_free_text(0, 1, 1, "x", &id, &opted_out), STORE_NOT_FOUND);
    ck_assert_int_eq(store_message_free_text(0, 7, 2, "x", &id, &opted_out), STORE_NOT_FOUND);
}
END_TEST

/* Messages about a child's loans go to the guardian, in the guardian's language, whatever phone
 * the child has; a child or guardian who opted out gets nothing. */
START_TEST(a_childs_messages_go_to_the_guardian)
{
    dbtest_exec("INSERT INTO borrowers (branch_id, name, phone, birth_year, guardian_id) VALUES"
                " (1, 'Elsa', NULL, 2015, 2), (1, 'Sixten', '+46701999999', 2010, 2)");
    int elsa = (int)dbtest_count("SELECT id FROM borrowers WHERE name = 'Elsa'");
    int sixten = (int)dbtest_count("SELECT id FROM borrowers WHERE name = 'Sixten'");
    lend(1, elsa, 2);
    lend(2, sixten, 2);
    ck_assert_int_eq(plan(), 2);
    for (int i = 0; i < 2; i++) {
        struct store_outgoing m;
        ck_assert_int_eq(store_message_claim(ALL_DAY, &m), STORE_OK);
        ck_assert(!m.stop);
        ck_assert(m.english);
        ck_assert_str_eq(m.phone, "+46701000002");
        ck_assert_str_eq(m.email, "b2@example.org");
        struct store_message_result r = { .status = "sent", .channel = "email", .body = "x" };
        ck_assert_int_eq(store_message_finish(m.id, &r), STORE_OK);
        store_outgoing_clear(&m);
    }
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM messages WHERE borrower_id IN"
                                  " (SELECT id FROM borrowers WHERE guardian_id = 2)"),
                     2);
    /* The guardian opts out: nothing more about the children. */
    dbtest_exec("UPDATE borrowers SET messages_opt_out = true WHERE id = 2");
    dbtest_exec("UPDATE loans SET due_date = current_date + 1");
    ck_assert_int_eq(plan(), 0);
    /* A child opted out is not reminded either, though the guardian is again. */
    dbtest_exec("UPDATE borrowers SET messages_opt_out = (name = 'Elsa')");
    ck_assert_int_eq(plan(), 1);
}
END_TEST

static Suite *message_suite(void)
{
    Suite *s = suite_create("message_store");
    TCase *tc = tcase_create("message_store");
    tcase_add_checked_fixture(tc, setup, dbtest_teardown);
    tcase_add_test(tc, due_soon_is_planned_once_per_due_date);
    tcase_add_test(tc, overdue_takes_the_latest_day_reached);
    tcase_add_test(tc, planning_waits_for_no_one);
    tcase_add_test(tc, a_claimed_message_is_locked_until_finished_or_its_connection_dies);
    tcase_add_test(tc, a_retry_waits_and_the_window_holds_messages_back);
    tcase_add_test(tc, receipts_come_with_the_checkout_when_the_branch_wants_them);
    tcase_add_test(tc, erasing_a_borrower_forgets_their_texts);
    tcase_add_test(tc, a_childs_messages_go_to_the_guardian);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(message_suite)
