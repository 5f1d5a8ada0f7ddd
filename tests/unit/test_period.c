/* Unit tests of period: day numbers of ISO dates across leap years and bad dates. */
#include "check_main.h"
#include "core/period.h"

START_TEST(day_numbers)
{
    long n = 1;
    ck_assert(period_day_number("1970-01-01", &n));
    ck_assert_int_eq(n, 0);
    ck_assert(period_day_number("1969-12-31", &n));
    ck_assert_int_eq(n, -1);
    ck_assert(period_day_number("2000-03-01", &n));
    ck_assert_int_eq(n, 11017);
    ck_assert(period_day_number("2024-12-31", &n));
    ck_assert_int_eq(n, 20088);
    long a, b;
    ck_assert(period_day_number("2024-02-28", &a));
    ck_assert(period_day_number("2024-03-01", &b));
    ck_assert_int_eq(b - a, 2); /* 2024 is a leap year */
    ck_assert(period_day_number("2100-02-28", &a));
    ck_assert(period_day_number("2100-03-01", &b));
    ck_assert_int_eq(b - a, 1); /* 2100 is not */
    ck_assert(period_day_number("1900-01-01", &n));
    ck_assert_int_eq(n, -25567);
}
END_TEST

START_TEST(bad_dates)
{
    long n = 42;
    const char *bad[] = { "2023-02-29", "2024-13-01", "2024-00-10",  "2024-01-32",
                          "24-01-01",   "2024-1-01",  "2024/01/01",  "1899-12-31",
                          "2201-01-01", "",           "2024-01-01x", NULL };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(!period_day_number(bad[i], &n), "%s", bad[i]);
    ck_assert(!period_day_number(NULL, &n));
    ck_assert_int_eq(n, 42);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("period");
    TCase *tc = tcase_create("period");
    tcase_add_test(tc, day_numbers);
    tcase_add_test(tc, bad_dates);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
