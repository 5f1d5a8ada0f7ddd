/*
 * Database tests of the staff, session and audit stores: a session lives while it is used and
 * not expired, dies with logout or a disabled account, and the audit log cannot be rewritten.
 */
#include "../unit/check_main.h"
#include "core/token.h"
#include "dbtest.h"
#include "store/audit_store.h"
#include "store/notify.h"
#include "store/session_store.h"
#include "store/staff_store.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long add_staff(const char *username, enum role role, const char *branch)
{
    long long id = 0;
    ck_assert_int_eq(store_staff_create(username, "Test Person", role, branch, "$argon2id$x", &id),
                     STORE_OK);
    return id;
}

START_TEST(staff_usernames_are_case_insensitive)
{
    long long id = add_staff("Anna.B", ROLE_VOLUNTEER, NULL);
    struct staff_identity who;
    char hash[PASSWORD_HASH_SIZE];
    bool disabled = true;
    ck_assert_int_eq(store_staff_for_login("ANNA.b", &who, hash, &disabled), STORE_OK);
    ck_assert_int_eq(who.id, id);
    ck_assert_str_eq(who.username, "anna.b");
    ck_assert_int_eq(who.role, ROLE_VOLUNTEER);
    ck_assert_int_eq(who.branch_id, 0);
    ck_assert(!disabled);
    long long other;
    ck_assert_int_eq(store_staff_create("anna.B", "x", ROLE_ADMIN, NULL, "h", &other),
                     STORE_HARD_ERROR);
    ck_assert(store_error_is_unique_violation());
    ck_assert_int_eq(store_staff_for_login("nobody", &who, hash, &disabled), STORE_NOT_FOUND);
}
END_TEST

START_TEST(staff_of_a_missing_branch_is_not_created)
{
    long long id = 0;
    ck_assert_int_eq(store_staff_create("bo", "Bo", ROLE_VOLUNTEER, "nowhere", "h", &id),
                     STORE_NOT_FOUND);
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix) VALUES ('deje', 'Deje', 'DEJ')");
    ck_assert_int_eq(store_staff_create("bo", "Bo", ROLE_VOLUNTEER, "deje", "h", &id), STORE_OK);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM staff s JOIN branches b ON b.id = "
                                  "s.branch_id WHERE s.username = 'bo' AND b.slug = 'deje'"),
                     1);
}
END_TEST

START_TEST(session_lives_until_logout)
{
    long long id = add_staff("cecilia", ROLE_MANAGER, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char hash[TOKEN_HASH_SIZE];
    token_new(token, hash);
    ck_assert_int_eq(store_session_create(hash, id, "csrf-value", 3600), STORE_OK);

    struct staff_identity who;
    ck_assert_int_eq(store_session_lookup(hash, 600, &who), STORE_OK);
    ck_assert_int_eq(who.id, id);
    ck_assert_int_eq(who.role, ROLE_MANAGER);
    ck_assert_str_eq(who.csrf_token, "csrf-value");

    /* The database holds the hash, never the token. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sessions WHERE token_hash::text LIKE '%%%s%%' "
             "OR csrf_token = '%s'",
             token, token);
    ck_assert_int_eq(dbtest_count(sql), 0);

    ck_assert_int_eq(store_session_delete(hash), STORE_OK);
    ck_assert_int_eq(store_session_lookup(hash, 600, &who), STORE_NOT_FOUND);
}
END_TEST

/* A lookup on a thread of its own that reads no cache (a background job's, a replica's). */
struct elsewhere {
    const unsigned char *hash;
    enum store_status st;
};

static void *lookup_elsewhere(void *arg)
{
    struct elsewhere *e = arg;
    struct staff_identity who;
    store_thread_without_caches();
    e->st = store_session_lookup(e->hash, 600, &who);
    store_thread_close();
    return NULL;
}

static enum store_status lookup_on_a_thread_without_caches(const unsigned char *hash)
{
    struct elsewhere e = { .hash = hash, .st = STORE_HARD_ERROR };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, lookup_elsewhere, &e), 0);
    pthread_join(t, NULL);
    return e.st;
}

/*
 * The cache of verified sessions (as in `hylla serve`) answers only on a thread whose connection
 * listens: there a session ended elsewhere is gone at the next lookup; elsewhere, where no
 * message arrives, every lookup reads the database.
 */
START_TEST(the_session_cache_answers_only_where_its_messages_arrive)
{
    long long here = add_staff("dag", ROLE_VOLUNTEER, NULL);
    long long there = add_staff("eva", ROLE_VOLUNTEER, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char a[TOKEN_HASH_SIZE], b[TOKEN_HASH_SIZE];
    token_new(token, a);
    token_new(token, b);
    ck_assert_int_eq(store_session_create(a, here, "csrf-a", 3600), STORE_OK);
    ck_assert_int_eq(store_session_create(b, there, "csrf-b", 3600), STORE_OK);
    store_session_cache_start();
    store_notify_enable();
    store_thread_close(); /* the next connection listens */

    struct staff_identity who;
    ck_assert_int_eq(store_session_lookup(a, 600, &who), STORE_OK);
    ck_assert_int_eq(store_session_lookup(a, 600, &who), STORE_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM sessions WHERE staff_id = %lld", here);
    dbtest_exec(sql);
    ck_assert_int_eq(store_session_lookup(a, 600, &who), STORE_NOT_FOUND);

    ck_assert_int_eq(lookup_on_a_thread_without_caches(b), STORE_OK);
    snprintf(sql, sizeof sql, "DELETE FROM sessions WHERE staff_id = %lld", there);
    dbtest_exec(sql);
    ck_assert_int_eq(lookup_on_a_thread_without_caches(b), STORE_NOT_FOUND);
}
END_TEST

START_TEST(idle_and_absolute_expiry_end_a_session)
{
    long long id = add_staff("dan", ROLE_VOLUNTEER, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char idle[TOKEN_HASH_SIZE], old[TOKEN_HASH_SIZE];
    token_new(token, idle);
    token_new(token, old);
    ck_assert_int_eq(store_session_create(idle, id, "a", 3600), STORE_OK);
    ck_assert_int_eq(store_session_create(old, id, "b", 3600), STORE_OK);
    dbtest_exec(
        "UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE csrf_token = 'a'");
    dbtest_exec(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE csrf_token = 'b'");
    struct staff_identity who;
    ck_assert_int_eq(store_session_lookup(idle, 3600, &who), STORE_NOT_FOUND);
    ck_assert_int_eq(store_session_lookup(idle, 3 * 3600, &who), STORE_OK);
    ck_assert_int_eq(store_session_lookup(old, 3600, &who), STORE_NOT_FOUND);
    /* Use is recorded, at most once a minute. */
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM sessions WHERE csrf_token = 'a' AND "
                                  "last_seen_at > now() - interval '1 minute'"),
                     1);
}
END_TEST

START_TEST(disabling_ends_every_session)
{
    long long id = add_staff("eva", ROLE_MANAGER, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char one[TOKEN_HASH_SIZE], two[TOKEN_HASH_SIZE];
    token_new(token, one);
    token_new(token, two);
    ck_assert_int_eq(store_session_create(one, id, "x", 3600), STORE_OK);
    ck_assert_int_eq(store_session_create(two, id, "y", 3600), STORE_OK);
    struct staff_change change = { .set_disabled = true, .disabled = true };
    struct staff_member after;
    /* Even the session of the one who asks ends: keep_session is for password changes only. */
    bool last_admin;
    ck_assert_int_eq(store_staff_update(id, 0, &change, id, one, "{}", &after, &last_admin),
                     STORE_OK);
    ck_assert(after.disabled);
    struct staff_identity who;
    ck_assert_int_eq(store_session_lookup(one, 600, &who), STORE_NOT_FOUND);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM sessions"), 0);
    ck_assert_int_eq(store_staff_update(id + 1000, 0, &change, id, NULL, "{}", &after, &last_admin),
                     STORE_NOT_FOUND);
}
END_TEST

START_TEST(audit_log_is_append_only)
{
    long long id = add_staff("frida", ROLE_ADMIN, NULL);
    ck_assert_int_eq(store_audit(id, "login", "staff", id, 0, "{\"client\":\"127.0.0.1\"}"),
                     STORE_OK);
    ck_assert_int_eq(store_audit(0, "login_failed", NULL, 0, 0, NULL), STORE_OK);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log"), 2);
    char *who = dbtest_value("SELECT staff_id FROM audit_log WHERE action = 'login'");
    ck_assert_int_eq(atoll(who), id);
    free(who);

    PGconn *c = PQconnectdb(dbtest_conninfo());
    PGresult *res = PQexec(c, "UPDATE audit_log SET action = 'nothing'");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_ptr_nonnull(strstr(PQresultErrorMessage(res), "append-only"));
    PQclear(res);
    res = PQexec(c, "DELETE FROM audit_log");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    res = PQexec(c, "TRUNCATE audit_log");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    PQfinish(c);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action <> 'nothing'"), 2);
}
END_TEST

static Suite *session_suite(void)
{
    Suite *s = suite_create("session_store");
    TCase *tc = tcase_create("sessions");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, dbtest_setup, dbtest_teardown);
    tcase_add_test(tc, staff_usernames_are_case_insensitive);
    tcase_add_test(tc, staff_of_a_missing_branch_is_not_created);
    tcase_add_test(tc, session_lives_until_logout);
    tcase_add_test(tc, the_session_cache_answers_only_where_its_messages_arrive);
    tcase_add_test(tc, idle_and_absolute_expiry_end_a_session);
    tcase_add_test(tc, disabling_ends_every_session);
    tcase_add_test(tc, audit_log_is_append_only);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(session_suite)
