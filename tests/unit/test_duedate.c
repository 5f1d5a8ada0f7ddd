/*
 * Unit tests of core/duedate: day numbers, weekdays, and due dates that move off closed days,
 * across month and year boundaries, and a branch that is never open.
 */
#include "check_main.h"
#include "core/duedate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long day(const char *iso)
{
    long d = 0;
    ck_assert_msg(duedate_parse(iso, &d), "%s did not parse", iso);
    return d;
}

static void assert_day(long d, const char *iso)
{
    char out[DUEDATE_ISO_SIZE];
    duedate_format(d, out);
    ck_assert_str_eq(out, iso);
}

/* Tuesday, Thursday and Saturday, as the demo branch Deje. */
static const char tue_thu_sat[] = "tue thu sat";
static const char every_day[] = "mon tue wed thu fri sat sun";

/*
 * A calendar open on the weekdays named in open and closed on the n days of closed (in order),
 * as the store would read it; free it with duedate_calendar_free.
 */
static void calendar(struct duedate_calendar *cal, const char *open, const long *closed, size_t n)
{
    static const char *const names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
    *cal = (struct duedate_calendar){ 0 };
    for (int i = 0; i < 7; i++)
        cal->open[i] = strstr(open, names[i]) != NULL;
    cal->closed = calloc(n + 1, sizeof *cal->closed);
    ck_assert_ptr_nonnull(cal->closed);
    for (size_t i = 0; i < n; i++)
        cal->closed[i] = closed[i];
    cal->nclosed = n;
}

START_TEST(dates_round_trip_and_know_their_weekday)
{
    ck_assert_int_eq(day("1970-01-01"), 0);
    ck_assert_int_eq(duedate_weekday(0), 3); /* a Thursday */
    ck_assert_int_eq(day("1969-12-31"), -1);
    ck_assert_int_eq(duedate_weekday(-1), 2);
    ck_assert_int_eq(duedate_weekday(day("2026-11-27")), 4);    /* a Friday */
    ck_assert_int_eq(duedate_weekday(day("2027-01-04")), 0);    /* a Monday */
    ck_assert_int_eq(day("2024-03-01") - day("2024-02-28"), 2); /* leap year */
    ck_assert_int_eq(day("2100-03-01") - day("2100-02-28"), 1); /* not a leap year */
    ck_assert_int_eq(day("2000-03-01") - day("2000-02-28"), 2); /* a leap year after all */
    ck_assert_int_eq(day("2027-01-01") - day("2026-12-31"), 1);
    const char *dates[] = { "2026-12-31", "2027-01-01", "2024-02-29",
                            "1999-12-31", "2200-06-15", "1900-01-01" };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        assert_day(day(dates[i]), dates[i]);
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

START_TEST(a_due_date_on_an_open_day_stays)
{
    struct duedate_calendar cal;
    calendar(&cal, tue_thu_sat, NULL, 0);
    long due;
    /* Tuesday 2026-11-10 + 14 days = Tuesday 2026-11-24, open. */
    ck_assert_int_eq(duedate_after(&cal, day("2026-11-10"), 14, &due), DUEDATE_OK);
    assert_day(due, "2026-11-24");
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(a_closed_weekday_moves_to_the_next_open_day)
{
    struct duedate_calendar cal;
    calendar(&cal, tue_thu_sat, NULL, 0);
    long due;
    /* Friday 2026-11-27 + 14 = Friday 2026-12-11, closed: Saturday the 12th. */
    ck_assert_int_eq(duedate_after(&cal, day("2026-11-27"), 14, &due), DUEDATE_OK);
    assert_day(due, "2026-12-12");
    /* Sunday + 14 = Sunday, then Monday closed: Tuesday. */
    ck_assert_int_eq(duedate_after(&cal, day("2026-11-29"), 14, &due), DUEDATE_OK);
    assert_day(due, "2026-12-15");
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(closed_dates_move_across_the_year_boundary)
{
    struct duedate_calendar cal;
    const long closed[] = { day("2026-12-24"), day("2026-12-26"), day("2026-12-29"),
                            day("2026-12-31"), day("2027-01-02") };
    calendar(&cal, tue_thu_sat, closed, 5);
    long due;
    /* Thursday 2026-12-10 + 14 = Thursday 24th (closed), Sat 26th closed, Tue 29th closed,
     * Thu 31st closed, Sat 2 January closed: Tuesday 5 January 2027. */
    ck_assert_int_eq(duedate_after(&cal, day("2026-12-10"), 14, &due), DUEDATE_OK);
    assert_day(due, "2027-01-05");
    ck_assert(!duedate_is_open(&cal, day("2026-12-24")));
    ck_assert(duedate_is_open(&cal, day("2027-01-05")));
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(a_loan_over_new_year_counts_days_right)
{
    struct duedate_calendar cal;
    calendar(&cal, every_day, NULL, 0);
    long due;
    ck_assert_int_eq(duedate_after(&cal, day("2026-12-20"), 14, &due), DUEDATE_OK);
    assert_day(due, "2027-01-03");
    ck_assert_int_eq(duedate_after(&cal, day("2028-02-20"), 14, &due), DUEDATE_OK);
    assert_day(due, "2028-03-05"); /* 2028 is a leap year */
    ck_assert_int_eq(duedate_after(&cal, day("2026-12-31"), 365, &due), DUEDATE_OK);
    assert_day(due, "2027-12-31");
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(a_branch_open_on_no_weekday_gives_no_due_date)
{
    struct duedate_calendar cal;
    long due = -7;
    calendar(&cal, "", NULL, 0);
    ck_assert_int_eq(duedate_after(&cal, day("2026-11-27"), 14, &due), DUEDATE_NEVER_OPEN);
    ck_assert_int_eq(due, -7);
    ck_assert_int_eq(duedate_next_open(&cal, day("2026-11-27"), &due), DUEDATE_NEVER_OPEN);
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(many_closed_dates_are_all_skipped)
{
    /* Open on Mondays only, and 110 Mondays in a row closed. */
    long closed[110];
    long monday = day("2027-01-04");
    for (int i = 0; i < 110; i++)
        closed[i] = monday + 7L * i;
    struct duedate_calendar cal;
    calendar(&cal, "mon", closed, 110);
    long due;
    ck_assert_int_eq(duedate_next_open(&cal, day("2027-01-01"), &due), DUEDATE_OK);
    assert_day(due, "2029-02-12"); /* the first Monday after the closed ones */
    duedate_calendar_free(&cal);
}
END_TEST

static Suite *duedate_suite(void)
{
    Suite *s = suite_create("duedate");
    TCase *tc = tcase_create("duedate");
    tcase_add_test(tc, dates_round_trip_and_know_their_weekday);
    tcase_add_test(tc, impossible_dates_are_refused);
    tcase_add_test(tc, a_due_date_on_an_open_day_stays);
    tcase_add_test(tc, a_closed_weekday_moves_to_the_next_open_day);
    tcase_add_test(tc, closed_dates_move_across_the_year_boundary);
    tcase_add_test(tc, a_loan_over_new_year_counts_days_right);
    tcase_add_test(tc, a_branch_open_on_no_weekday_gives_no_due_date);
    tcase_add_test(tc, many_closed_dates_are_all_skipped);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(duedate_suite)
