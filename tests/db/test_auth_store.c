/*
 * Database tests of login throttling and of the staff changes admins make: lockouts start at the
 * limit and hold the key, a success forgets the username's failures, and a change, its audit
 * entry and the sessions it ends move together.
 */
#include "../unit/check_main.h"
#include "core/token.h"
#include "dbtest.h"
#include "store/audit_store.h"
#include "store/session_store.h"
#include "store/staff_store.h"
#include "store/store.h"
#include "store/throttle_store.h"

#include <stdlib.h>
#include <string.h>

static void keys(const char *username, const char *address, unsigned char user[32],
                 unsigned char addr[32])
{
    throttle_username_key(username, user);
    throttle_address_key(address, addr);
}

START_TEST(the_fifth_failure_locks_the_username)
{
    unsigned char user[32], addr[32], other_addr[32], other_user[32];
    keys("Greta", "192.0.2.1", user, addr);
    keys("greta", "192.0.2.2", other_user, other_addr);
    unsigned seconds = 0;
    bool lu, la;
    for (int i = 1; i <= 4; i++) {
        ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
        ck_assert(!lu && !la);
        ck_assert_int_eq(store_throttle_check(user, addr, &seconds), STORE_NOT_FOUND);
    }
    ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
    ck_assert(lu && !la);
    /* Any case of the name, from any address. */
    ck_assert_int_eq(store_throttle_check(other_user, other_addr, &seconds), STORE_OK);
    ck_assert_uint_gt(seconds, THROTTLE_LOCK_S - 60);
    ck_assert_uint_le(seconds, THROTTLE_LOCK_S);
    /* A failure during the lockout does not start it again. */
    ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
    ck_assert(!lu);
    /* Neither the name nor anything like it is stored. */
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM login_failures"
                                  " WHERE position('greta'::bytea IN key) > 0"),
                     0);
    /* When the lockout is over, the key may try again. */
    dbtest_exec("UPDATE login_lockouts SET locked_until = now() - interval '1 second'");
    ck_assert_int_eq(store_throttle_check(user, addr, &seconds), STORE_NOT_FOUND);
}
END_TEST

START_TEST(fifty_failures_lock_the_address)
{
    unsigned char user[32], addr[32], other[32];
    keys("x", "2001:db8::1", user, addr);
    throttle_address_key("2001:db8::2", other); /* the same /64 */
    bool lu, la, any_address_lock = false;
    char name[16];
    for (int i = 0; i < THROTTLE_ADDRESS_MAX; i++) {
        snprintf(name, sizeof name, "user%d", i);
        throttle_username_key(name, user);
        ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
        ck_assert(!lu);
        ck_assert(!any_address_lock);
        any_address_lock = la;
    }
    ck_assert(any_address_lock);
    unsigned seconds;
    throttle_username_key("someone-else", user);
    ck_assert_int_eq(store_throttle_check(user, other, &seconds), STORE_OK);
    throttle_address_key("2001:db8:0:1::1", other);
    ck_assert_int_eq(store_throttle_check(user, other, &seconds), STORE_NOT_FOUND);
}
END_TEST

START_TEST(success_forgets_the_username_failures_and_old_ones_go)
{
    unsigned char user[32], addr[32];
    keys("hugo", "198.51.100.1", user, addr);
    bool lu, la;
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
    ck_assert_int_eq(store_throttle_clear(user), STORE_OK);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM login_failures WHERE scope = 'username'"),
                     0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM login_failures WHERE scope = 'address'"),
                     4);
    /* Four more are not the fifth. */
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
        ck_assert(!lu);
    }
    /* Failures older than the window are forgotten when the next one comes. */
    dbtest_exec("UPDATE login_failures SET at = now() - interval '16 minutes'");
    ck_assert_int_eq(store_throttle_fail(user, addr, &lu, &la), STORE_OK);
    ck_assert(!lu);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM login_failures"), 2);
}
END_TEST

static long long add_staff(const char *username, enum role role, const char *branch)
{
    struct staff_member m;
    ck_assert_int_eq(
        store_staff_add(username, "Test Person", role, branch, "$argon2id$x", false, 0, "{}", &m),
        STORE_OK);
    return m.who.id;
}

START_TEST(staff_lists_and_reads_are_scoped_by_branch)
{
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix) VALUES ('north', 'N', 'NOR'),"
                " ('south', 'S', 'SOU')");
    int north = (int)dbtest_count("SELECT id FROM branches WHERE slug = 'north'");
    long long a = add_staff("anna", ROLE_ADMIN, NULL);
    long long b = add_staff("bo", ROLE_VOLUNTEER, "north");
    add_staff("cia", ROLE_MANAGER, "south");
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'staff_created'"),
                     3);

    struct staff_member *list;
    size_t n;
    ck_assert_int_eq(store_staff_list(0, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(list[0].who.username, "anna");
    ck_assert_str_eq(list[1].who.branch_slug, "north");
    free(list);
    ck_assert_int_eq(store_staff_list(north, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(list[0].who.id, b);
    free(list);

    struct staff_member m;
    ck_assert_int_eq(store_staff_get(b, north, &m), STORE_OK);
    ck_assert_int_eq(store_staff_get(a, north, &m), STORE_NOT_FOUND);
    ck_assert_int_eq(store_staff_get(a, 0, &m), STORE_OK);
    ck_assert_int_eq(m.who.role, ROLE_ADMIN);

    /* An account outside the scope does not change, and nothing is audited. */
    struct staff_change ch = { .role = ROLE_VOLUNTEER };
    bool last_admin;
    ck_assert_int_eq(store_staff_update(a, north, &ch, b, NULL, "{}", &m, &last_admin),
                     STORE_NOT_FOUND);
    ck_assert(!last_admin);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'staff_changed'"),
                     0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM staff WHERE role = 'admin'"), 1);
}
END_TEST

START_TEST(a_new_password_ends_every_session_but_the_setters)
{
    long long id = add_staff("dora", ROLE_ADMIN, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char mine[TOKEN_HASH_SIZE], other[TOKEN_HASH_SIZE];
    token_new(token, mine);
    token_new(token, other);
    ck_assert_int_eq(store_session_create(mine, id, "a", 3600), STORE_OK);
    ck_assert_int_eq(store_session_create(other, id, "b", 3600), STORE_OK);
    struct staff_change ch = { .password_hash = "$argon2id$new", .display_name = "Dora D" };
    struct staff_member m;
    bool last_admin;
    ck_assert_int_eq(
        store_staff_update(id, 0, &ch, id, mine, "{\"fields\":[\"password\"]}", &m, &last_admin),
        STORE_OK);
    ck_assert(!m.who.must_change_password);
    ck_assert_str_eq(m.who.display_name, "Dora D");
    struct staff_identity who;
    ck_assert_int_eq(store_session_lookup(mine, 600, &who), STORE_OK);
    ck_assert_int_eq(store_session_lookup(other, 600, &who), STORE_NOT_FOUND);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM staff WHERE password_hash = "
                                  "'$argon2id$new'"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = "
                                  "'staff_changed' AND details->'fields' ? 'password'"),
                     1);
}
END_TEST

START_TEST(a_change_that_fails_leaves_no_trace)
{
    long long id = add_staff("erik", ROLE_VOLUNTEER, NULL);
    char token[TOKEN_TEXT_SIZE];
    unsigned char hash[TOKEN_HASH_SIZE];
    token_new(token, hash);
    ck_assert_int_eq(store_session_create(hash, id, "a", 3600), STORE_OK);
    /* Audit details that are no JSON fail the last statement, after the sessions went. */
    struct staff_change ch = { .set_disabled = true, .disabled = true };
    struct staff_member m;
    bool last_admin;
    ck_assert_int_eq(store_staff_update(id, 0, &ch, 0, NULL, "not json", &m, &last_admin),
                     STORE_HARD_ERROR);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM sessions"), 1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM staff WHERE disabled"), 0);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'staff_changed'"),
                     0);
}
END_TEST

/* Disable (or demote, or bind to a branch) account id; last_admin says what the store said. */
static enum store_status change(long long id, struct staff_change ch, bool *last_admin)
{
    struct staff_member m;
    return store_staff_update(id, 0, &ch, 0, NULL, "{}", &m, last_admin);
}

START_TEST(the_last_active_network_admin_stays)
{
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix) VALUES ('north', 'N', 'NOR')");
    int north = (int)dbtest_count("SELECT id FROM branches WHERE slug = 'north'");
    long long a = add_staff("anna", ROLE_ADMIN, NULL);
    long long b = add_staff("bo", ROLE_ADMIN, NULL);
    long long c = add_staff("cia", ROLE_ADMIN, "north");
    long long d = add_staff("dan", ROLE_VOLUNTEER, NULL);
    bool last;
    ck_assert_int_eq(
        change(b, (struct staff_change){ .set_disabled = true, .disabled = true }, &last),
        STORE_OK);
    ck_assert(!last);
    /* Anna is the last active admin of the network now: no way out, and nothing changes. */
    const struct staff_change ways_out[] = {
        { .set_disabled = true, .disabled = true },
        { .role = ROLE_MANAGER },
        { .set_branch = true, .branch_id = north },
    };
    for (size_t i = 0; i < sizeof ways_out / sizeof ways_out[0]; i++) {
        ck_assert_int_eq(change(a, ways_out[i], &last), STORE_NOT_FOUND);
        ck_assert(last);
    }
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM staff WHERE role = 'admin' AND NOT disabled"
                                  " AND branch_id IS NULL"),
                     1);
    ck_assert_int_eq(dbtest_count("SELECT count(*) FROM audit_log WHERE action = 'staff_changed'"),
                     1);
    /* Admins of a branch do not count, and changes of other accounts go on as before. */
    ck_assert_int_eq(
        change(c, (struct staff_change){ .set_disabled = true, .disabled = true }, &last),
        STORE_OK);
    ck_assert_int_eq(change(d, (struct staff_change){ .role = ROLE_MANAGER }, &last), STORE_OK);
    ck_assert(!last);
    /* With a second admin back, Anna may go. */
    ck_assert_int_eq(
        change(b, (struct staff_change){ .set_disabled = true, .disabled = false }, &last),
        STORE_OK);
    ck_assert_int_eq(change(a, (struct staff_change){ .role = ROLE_MANAGER }, &last), STORE_OK);
}
END_TEST

static Suite *auth_store_suite(void)
{
    Suite *s = suite_create("auth_store");
    TCase *tc = tcase_create("auth_store");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, dbtest_setup, dbtest_teardown);
    tcase_add_test(tc, the_fifth_failure_locks_the_username);
    tcase_add_test(tc, fifty_failures_lock_the_address);
    tcase_add_test(tc, success_forgets_the_username_failures_and_old_ones_go);
    tcase_add_test(tc, staff_lists_and_reads_are_scoped_by_branch);
    tcase_add_test(tc, a_new_password_ends_every_session_but_the_setters);
    tcase_add_test(tc, a_change_that_fails_leaves_no_trace);
    tcase_add_test(tc, the_last_active_network_admin_stays);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(auth_store_suite)
