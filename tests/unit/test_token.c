/* Unit tests of core/token and core/password: session tokens and password rules. */
#include "check_main.h"
#include "core/password.h"
#include "core/token.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

START_TEST(token_hash_matches_only_its_token)
{
    char text[TOKEN_TEXT_SIZE], other[TOKEN_TEXT_SIZE];
    unsigned char hash[TOKEN_HASH_SIZE], again[TOKEN_HASH_SIZE], other_hash[TOKEN_HASH_SIZE];
    token_new(text, hash);
    token_new(other, other_hash);
    ck_assert_uint_eq(strlen(text), 43);
    ck_assert_str_ne(text, other);
    ck_assert(token_hash(text, again));
    ck_assert_mem_eq(hash, again, sizeof hash);
    ck_assert(memcmp(hash, other_hash, sizeof hash) != 0);
    /* The hash is not the token: what is stored cannot be sent back as a cookie. */
    ck_assert(!token_hash("", again));
    ck_assert(!token_hash("short", again));
    char bad[TOKEN_TEXT_SIZE];
    memcpy(bad, text, sizeof bad);
    bad[5] = '*';
    ck_assert(!token_hash(bad, again));
}
END_TEST

/*
 * token_hash gives each token its own hash whatever it hashed before: the same token again,
 * another one, one a character away, and a non-token right after a token (the memo in token.c
 * answers only for the very text; that it answers at all is for contrib/bench/README.md to show).
 */
START_TEST(token_hash_gives_each_token_its_own_hash_in_any_order)
{
    char a[TOKEN_TEXT_SIZE], b[TOKEN_TEXT_SIZE], near[TOKEN_TEXT_SIZE];
    unsigned char ha[TOKEN_HASH_SIZE], hb[TOKEN_HASH_SIZE], got[TOKEN_HASH_SIZE];
    token_new(a, ha);
    token_new(b, hb);
    ck_assert(token_hash(a, got));
    ck_assert_mem_eq(got, ha, sizeof got);
    ck_assert(token_hash(a, got)); /* from memory */
    ck_assert_mem_eq(got, ha, sizeof got);
    ck_assert(token_hash(b, got));
    ck_assert_mem_eq(got, hb, sizeof got);
    ck_assert(token_hash(a, got));
    ck_assert_mem_eq(got, ha, sizeof got);
    /* One character changed, still a token: its own hash, not the remembered one. */
    memcpy(near, a, sizeof near);
    near[10] = near[10] == 'A' ? 'B' : 'A';
    ck_assert(token_hash(near, got));
    ck_assert(memcmp(got, ha, sizeof got) != 0);
    unsigned char raw[32], want[TOKEN_HASH_SIZE];
    size_t len;
    ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, near, strlen(near), NULL, &len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    crypto_hash_sha256(want, raw, len);
    ck_assert_mem_eq(got, want, sizeof got);
    /* Not a token right after one: still refused. */
    ck_assert(token_hash(a, got));
    near[10] = '*';
    ck_assert(!token_hash(near, got));
}
END_TEST

START_TEST(passwords_need_ten_characters)
{
    const char *why = NULL;
    ck_assert(!password_acceptable("kort", &why));
    ck_assert_str_eq(why, "the password must have at least 10 characters");
    ck_assert(!password_acceptable("123456789", &why));
    ck_assert(password_acceptable("4312567890", &why));
    /* Ten letters, twelve bytes. */
    ck_assert(password_acceptable("lösenordär", &why));
    ck_assert(!password_acceptable("lösenordä", &why));
}
END_TEST

START_TEST(hash_and_verify)
{
    char hash[PASSWORD_HASH_SIZE];
    ck_assert_int_eq(password_hash("correct horse battery", hash), PASSWORD_MATCH);
    ck_assert(strncmp(hash, "$argon2id$", 10) == 0);
    ck_assert_int_eq(password_verify(hash, "correct horse battery", NULL), PASSWORD_MATCH);
    ck_assert_int_eq(password_verify(hash, "wrong horse battery", NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_verify_dummy("correct horse battery", NULL), PASSWORD_MISMATCH);
}
END_TEST

START_TEST(generated_passwords_are_long_and_differ)
{
    char a[21], b[21];
    password_generate(a, 20);
    password_generate(b, 20);
    ck_assert_uint_eq(strlen(a), 20);
    ck_assert_str_ne(a, b);
    const char *why;
    ck_assert(password_acceptable(a, &why));
    ck_assert(strpbrk(a, "0O1lI") == NULL);
}
END_TEST

START_TEST(common_passwords_are_refused_in_any_case)
{
    const char *why = NULL;
    /* The first, a middle one and the last of the list, and their neighbours that are not on it. */
    ck_assert(password_is_common("123456"));
    ck_assert(password_is_common("1234567890"));
    ck_assert(password_is_common("Password123"));
    ck_assert(password_is_common("24081990"));
    ck_assert(!password_is_common("4312567890"));
    ck_assert(!password_is_common("24081991"));
    ck_assert(!password_is_common(""));
    ck_assert(!password_is_common("correct horse battery"));
    ck_assert(!password_acceptable("QWERTYUIOP", &why));
    ck_assert_str_eq(why, "the password is one of the 10,000 most common: choose another");
    ck_assert(!password_acceptable("basketball", &why));
    ck_assert(password_acceptable("basketball!", &why));
}
END_TEST

static Suite *token_suite(void)
{
    if (sodium_init() < 0)
        abort();
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("tokens");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, token_hash_matches_only_its_token);
    tcase_add_test(tc, token_hash_gives_each_token_its_own_hash_in_any_order);
    tcase_add_test(tc, passwords_need_ten_characters);
    tcase_add_test(tc, hash_and_verify);
    tcase_add_test(tc, generated_passwords_are_long_and_differ);
    tcase_add_test(tc, common_passwords_are_refused_in_any_case);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(token_suite)
