/*
 * Unit tests of the rules behind logging in: throttle keys, usernames, the rehash of passwords
 * stored with old parameters, and the gate that refuses hashes beyond its queue.
 */
#include "check_main.h"
#include "core/identity.h"
#include "core/password.h"
#include "core/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

START_TEST(username_keys_ignore_case_and_are_not_the_text)
{
    unsigned char a[THROTTLE_KEY_SIZE], b[THROTTLE_KEY_SIZE], c[THROTTLE_KEY_SIZE];
    throttle_username_key("Anna.B", a);
    throttle_username_key("anna.b", b);
    throttle_username_key("anna.c", c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);
    unsigned char plain[THROTTLE_KEY_SIZE];
    crypto_hash_sha256(plain, (const unsigned char *)"anna.b", 6);
    ck_assert_mem_eq(a, plain, sizeof a);
}
END_TEST

START_TEST(address_keys_group_an_ipv6_64)
{
    unsigned char a[THROTTLE_KEY_SIZE], b[THROTTLE_KEY_SIZE], c[THROTTLE_KEY_SIZE];
    throttle_address_key("2001:db8:1:2::1", a);
    throttle_address_key("2001:db8:1:2:ffff:1:2:3", b);
    throttle_address_key("2001:db8:1:3::1", c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);

    throttle_address_key("192.0.2.7", a);
    throttle_address_key("::ffff:192.0.2.7", b);
    throttle_address_key("192.0.2.8", c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);
    /* An IPv4 address and an IPv6 /64 with the same leading bytes stay apart. */
    throttle_address_key("c000:207::", b);
    ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

START_TEST(usernames)
{
    ck_assert(identity_username_valid("anna"));
    ck_assert(identity_username_valid("Anna.B_2@fritidsbanken-se"));
    ck_assert(identity_username_valid("a"));
    ck_assert(!identity_username_valid(""));
    ck_assert(!identity_username_valid(".anna"));
    ck_assert(!identity_username_valid("anna b"));
    ck_assert(!identity_username_valid("åsa"));
    char long_name[65];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    ck_assert(!identity_username_valid(long_name));
    long_name[63] = '\0';
    ck_assert(identity_username_valid(long_name));
}
END_TEST

START_TEST(old_parameters_ask_for_a_rehash)
{
    /* "correct horse battery" with 8 MiB and 3 passes, not the INTERACTIVE limits. */
    const char *old = "$argon2id$v=19$m=8192,t=3,p=1$hIpw2Fw1OU7/i+yIQz+zRw$"
                      "p0DawwKJLL/kzNSrF0WCYdMsNvz+8aw5sV2jSDmkl9A";
    ck_assert_int_eq(password_verify(old, "correct horse battery", NULL), PASSWORD_MATCH_REHASH);
    ck_assert_int_eq(password_verify(old, "correct horse batter", NULL), PASSWORD_MISMATCH);
}
END_TEST

static atomic_bool hasher_done;

static void *keep_hashing(void *arg)
{
    (void)arg;
    char hash[PASSWORD_HASH_SIZE];
    for (int done = 0; done < 3;)
        done += password_hash("correct horse battery", hash) == PASSWORD_MATCH;
    atomic_store(&hasher_done, true);
    return NULL;
}

START_TEST(the_gate_refuses_beyond_its_queue)
{
    /* One hash at a time and no queue: while another thread hashes, a verify is refused. */
    password_gate_configure(1, 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, keep_hashing, NULL), 0);
    bool refused = false;
    while (!refused && !atomic_load(&hasher_done)) {
        refused = password_verify_dummy("correct horse battery", NULL) == PASSWORD_BUSY;
        if (!refused)
            nanosleep(&(struct timespec){ 0, 1000000 }, NULL); /* let the other thread in */
    }
    pthread_join(t, NULL);
    ck_assert(refused);
    /* With the gate free again, the same call does its work. */
    ck_assert_int_eq(password_verify_dummy("correct horse battery", NULL), PASSWORD_MISMATCH);
}
END_TEST

static atomic_bool address_a_done;

static void *keep_verifying_for_a(void *arg)
{
    (void)arg;
    for (int done = 0; done < 3;)
        done += password_verify_dummy("correct horse battery", "192.0.2.1") == PASSWORD_MISMATCH;
    atomic_store(&address_a_done, true);
    return NULL;
}

START_TEST(an_address_holds_its_share_of_the_gate_and_no_more)
{
    /* Two places (one running, one waiting): an address's share is one. */
    password_gate_configure(1, 1);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, keep_verifying_for_a, NULL), 0);
    bool over_share = false;
    while (!over_share && !atomic_load(&address_a_done)) {
        /* Refused at once while the address's one place is taken; never made to wait. */
        over_share = password_verify_dummy("x", "192.0.2.1") == PASSWORD_OVER_SHARE;
        if (!over_share)
            nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    /* Another address waits for the place and gets it. */
    ck_assert_int_eq(password_verify_dummy("x", "192.0.2.2"), PASSWORD_MISMATCH);
    pthread_join(t, NULL);
    ck_assert(over_share);
    /* Without an address (the command line), nobody's share applies. */
    char hash[PASSWORD_HASH_SIZE];
    ck_assert_int_eq(password_hash("correct horse battery", hash), PASSWORD_MATCH);
}
END_TEST

static Suite *auth_suite(void)
{
    if (sodium_init() < 0)
        abort();
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("auth");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, username_keys_ignore_case_and_are_not_the_text);
    tcase_add_test(tc, address_keys_group_an_ipv6_64);
    tcase_add_test(tc, usernames);
    tcase_add_test(tc, old_parameters_ask_for_a_rehash);
    tcase_add_test(tc, the_gate_refuses_beyond_its_queue);
    tcase_add_test(tc, an_address_holds_its_share_of_the_gate_and_no_more);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(auth_suite)
