/* Unit tests of core/item: label codes, branch code prefixes, photo types by their bytes. */
#include "check_main.h"
#include "core/item.h"

#include <string.h>

START_TEST(codes_are_normalised_or_refused)
{
    char code[ITEM_CODE_MAX + 1];
    ck_assert(item_code_normalize(" dej-00042\r\n", code));
    ck_assert_str_eq(code, "DEJ-00042");
    ck_assert(item_code_normalize("A", code));
    ck_assert(item_code_normalize("x1.y_z-2", code));
    ck_assert_str_eq(code, "X1.Y_Z-2");
    ck_assert(!item_code_normalize("", code));
    ck_assert(!item_code_normalize("-DEJ", code));
    ck_assert(!item_code_normalize("DEJ 42", code));
    ck_assert(!item_code_normalize("DÅJ-1", code));
    ck_assert(!item_code_normalize("DEJ/1", code));
    char long_code[64];
    memset(long_code, 'A', 41);
    long_code[41] = '\0';
    ck_assert(!item_code_normalize(long_code, code));
    long_code[40] = '\0';
    ck_assert(item_code_normalize(long_code, code));
}
END_TEST

START_TEST(codes_are_made_and_read_back)
{
    char code[ITEM_CODE_MAX + 1];
    item_code_make("DEJ", 42, code);
    ck_assert_str_eq(code, "DEJ-00042");
    item_code_make("DEJ", 123456, code);
    ck_assert_str_eq(code, "DEJ-123456");
    long long n = 0;
    ck_assert(item_code_number("DEJ", "DEJ-00042", &n));
    ck_assert_int_eq(n, 42);
    ck_assert(!item_code_number("DEJ", "DEJE-00042", &n));
    ck_assert(!item_code_number("DEJ", "DEJ-", &n));
    ck_assert(!item_code_number("DEJ", "DEJ-4A", &n));
    ck_assert(!item_code_number("DE", "DEJ-1", &n));
}
END_TEST

START_TEST(prefixes_come_from_the_slug)
{
    char p[CODE_PREFIX_MAX + 1];
    ck_assert(item_code_prefix_candidate("deje", 0, p));
    ck_assert_str_eq(p, "DEJ");
    ck_assert(item_code_prefix_candidate("deje", 1, p));
    ck_assert_str_eq(p, "DEJE");
    ck_assert(item_code_prefix_candidate("deje", 2, p));
    ck_assert_str_eq(p, "DEJ2");
    ck_assert(item_code_prefix_candidate("deje", 3, p));
    ck_assert_str_eq(p, "DEJ3");
    ck_assert(item_code_prefix_candidate("karl-stad-city", 0, p));
    ck_assert_str_eq(p, "KAR");
    ck_assert(item_code_prefix_candidate("karl-stad-city", 5, p));
    ck_assert_str_eq(p, "KARLSTAD"); /* at most eight */
    ck_assert(item_code_prefix_candidate("karl-stad-city", 6, p));
    ck_assert_str_eq(p, "KAR2");
    ck_assert(item_code_prefix_candidate("a", 0, p));
    ck_assert_str_eq(p, "AX");
    ck_assert(item_code_prefix_candidate("a", 1, p));
    ck_assert_str_eq(p, "AX2");
    ck_assert(item_code_prefix_candidate("x", 99990, p));
    ck_assert_str_eq(p, "XX99991");
    ck_assert_uint_le(strlen(p), 8);
    for (int i = 0; i < 2000; i++) {
        ck_assert(item_code_prefix_candidate("lysekil", i, p));
        ck_assert_msg(item_code_prefix_valid(p), "attempt %d made %s", i, p);
    }
    ck_assert(!item_code_prefix_candidate("lysekil", -1, p));
    ck_assert(!item_code_prefix_candidate("lysekil", 200000, p));
}
END_TEST

START_TEST(prefixes_are_checked)
{
    ck_assert(item_code_prefix_valid("DEJ"));
    ck_assert(item_code_prefix_valid("F1"));
    ck_assert(!item_code_prefix_valid("D"));
    ck_assert(!item_code_prefix_valid("dej"));
    ck_assert(!item_code_prefix_valid("DEJ-"));
    ck_assert(!item_code_prefix_valid("ABCDEFGHI"));
}
END_TEST

START_TEST(photos_are_judged_by_their_bytes)
{
    static const unsigned char jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 };
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0 };
    static const char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    ck_assert_str_eq(item_photo_type(jpeg, sizeof jpeg), "image/jpeg");
    ck_assert_str_eq(item_photo_type(png, sizeof png), "image/png");
    ck_assert_str_eq(item_photo_type(webp, sizeof webp - 1), "image/webp");
    ck_assert_ptr_null(item_photo_type("RIFF\x10\0\0\0WAVEfmt ", 16));
    ck_assert_ptr_null(item_photo_type("GIF89a......", 12));
    ck_assert_ptr_null(item_photo_type("<svg xmlns=", 11));
    ck_assert_ptr_null(item_photo_type(jpeg, 2));
    ck_assert_ptr_null(item_photo_type("", 0));
}
END_TEST

START_TEST(words_are_looked_up)
{
    ck_assert_str_eq(item_word(item_conditions, "worn"), "worn");
    ck_assert_ptr_null(item_word(item_conditions, "broken"));
    ck_assert_str_eq(item_word(item_statuses, "on_loan"), "on_loan");
    ck_assert_str_eq(item_word(item_statuses, "lost"), "lost");
    ck_assert_ptr_null(item_word(item_statuses, NULL));
    ck_assert_str_eq(item_word(item_retire_reasons, "given_away"), "given_away");
    ck_assert_ptr_null(item_word(item_retire_reasons, "stolen"));
}
END_TEST

/* Every pair of statuses, and what the one table of transitions says of it. */
START_TEST(transitions_follow_the_table)
{
    static const char *const allowed[][2] = {
        { "intake", "available" }, { "intake", "repair" },  { "intake", "retired" },
        { "available", "repair" }, { "available", "lost" }, { "available", "retired" },
        { "repair", "available" }, { "repair", "retired" }, { "lost", "available" },
        { "lost", "repair" },      { "lost", "retired" },   { "on_loan", "lost" },
    };
    const size_t nallowed = sizeof allowed / sizeof allowed[0];
    int seen = 0;
    for (size_t f = 0; item_statuses[f]; f++) {
        for (size_t t = 0; item_statuses[t]; t++) {
            bool expect = false;
            for (size_t i = 0; i < nallowed; i++)
                expect = expect || (strcmp(allowed[i][0], item_statuses[f]) == 0 &&
                                    strcmp(allowed[i][1], item_statuses[t]) == 0);
            ck_assert_msg(item_transition_allowed(item_statuses[f], item_statuses[t]) == expect,
                          "%s -> %s", item_statuses[f], item_statuses[t]);
            seen += expect;
        }
    }
    ck_assert_int_eq(seen, (int)nallowed);
    /* The desk offers them in the table's order; a retired or unknown status offers nothing. */
    const char *const *from_intake = item_transitions("intake");
    ck_assert_str_eq(from_intake[0], "available");
    ck_assert_str_eq(from_intake[2], "retired");
    ck_assert_ptr_null(from_intake[3]);
    ck_assert_ptr_null(item_transitions("retired")[0]);
    ck_assert_ptr_null(item_transitions("sold")[0]);
    ck_assert_ptr_null(item_transitions(NULL)[0]);
    ck_assert(!item_transition_allowed("intake", NULL));
}
END_TEST

static Suite *item_suite(void)
{
    Suite *s = suite_create("item");
    TCase *tc = tcase_create("item");
    tcase_add_test(tc, codes_are_normalised_or_refused);
    tcase_add_test(tc, codes_are_made_and_read_back);
    tcase_add_test(tc, prefixes_come_from_the_slug);
    tcase_add_test(tc, prefixes_are_checked);
    tcase_add_test(tc, photos_are_judged_by_their_bytes);
    tcase_add_test(tc, words_are_looked_up);
    tcase_add_test(tc, transitions_follow_the_table);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(item_suite)
