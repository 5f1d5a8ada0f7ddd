/*
 * Unit tests of core/duedate: day numbers across month, leap-year and year boundaries, and dates
 * that do not exist. (When a branch is open is the calendar's, in SQL: tests/db/test_calendar.c.)
 */
#include "check_main.h"
#include "core/duedate.h"

static long day(const char *iso)
{
    long d = 0;
    ck_assert_msg(duedate_parse(iso, &d), "%s did not parse", iso);
    return d;
}

START_TEST(dates_are_day_numbers)
{
    ck_assert_int_eq(day("1970-01-01"), 0);
    ck_assert_int_eq(day("1969-12-31"), -1);
    ck_assert_int_eq(day("2024-03-01") - day("2024-02-28"), 2); /* leap year */
    ck_assert_int_eq(day("2100-03-01") - day("2100-02-28"), 1); /* not a leap year */
    ck_assert_int_eq(day("2000-03-01") - day("2000-02-28"), 2); /* a leap year after all */
    ck_assert_int_eq(day("2027-01-01") - day("2026-12-31"), 1);
    ck_assert_int_eq(day("2027-12-31") - day("2026-12-31"), 365);
    ck_assert_int_eq(day("2029-01-01") - day("2028-01-01"), 366);
    ck_assert_int_eq(day("2200-06-15") - day("1900-01-01"), 109738);
}
END_TEST

START_TEST(impossible_dates_are_refused)
{
    const char *bad[] = { "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                          "2026-1-1",   "20261201",   "2026-12-1x", "",           "2026-12-01 " };
    long d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!duedate_parse(bad[i], &d), "%s parsed", bad[i]);
    ck_assert(!duedate_parse(NULL, &d));
}
END_TEST

static Suite *duedate_suite(void)
{
    Suite *s = suite_create("duedate");
    TCase *tc = tcase_create("duedate");
    tcase_add_test(tc, dates_are_day_numbers);
    tcase_add_test(tc, impossible_dates_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(duedate_suite)
