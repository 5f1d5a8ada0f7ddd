/* Unit tests of core/text: characters, blanks, control characters and dates. */
#include "check_main.h"
#include "core/text.h"

START_TEST(text_checks)
{
    ck_assert_uint_eq(text_chars("Längdskidor"), 11);
    ck_assert_uint_eq(text_chars(""), 0);
    ck_assert(text_is_blank(" \t\r\n"));
    ck_assert(text_is_blank(""));
    ck_assert(!text_is_blank(" x "));
    ck_assert(text_has_control("a\nb", false));
    ck_assert(!text_has_control("a\r\nb\tc", true));
    ck_assert(text_has_control("a\x01", true));
    ck_assert(text_has_control("a\x7F", true));
    ck_assert(!text_has_control("åäö", false));
}
END_TEST

START_TEST(dates_must_exist)
{
    ck_assert(text_is_iso_date("2026-12-24"));
    ck_assert(text_is_iso_date("2024-02-29"));
    ck_assert(!text_is_iso_date("2026-02-29"));
    ck_assert(!text_is_iso_date("2026-13-01"));
    ck_assert(!text_is_iso_date("2026-1-01"));
    ck_assert(!text_is_iso_date("24/12/2026"));
    ck_assert(!text_is_iso_date(NULL));
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, text_checks);
    tcase_add_test(tc, dates_must_exist);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(text_suite)
