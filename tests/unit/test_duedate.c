/*
 * Unit tests of core/duedate: day numbers, weekdays, and due dates that move off closed days,
 * across month and year boundaries, and a branch that is never open.
 */
#include "check_main.h"
#include "core/duedate.h"

#include <stdio.h>
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
static const char tue_thu_sat[] =
    "{\"tue\": [[\"15:00\", \"18:00\"]], \"thu\": [[\"15:00\", \"19:00\"]],"
    " \"sat\": [[\"10:00\", \"13:00\"]]}";
static const char every_day[] = "{\"mon\":[[\"9\",\"5\"]],\"tue\":[[\"9\",\"5\"]],"
                                "\"wed\":[[\"9\",\"5\"]],\"thu\":[[\"9\",\"5\"]],"
                                "\"fri\":[[\"9\",\"5\"]],\"sat\":[[\"9\",\"5\"]],"
                                "\"sun\":[[\"9\",\"5\"]]}";

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
    ck_assert(duedate_calendar_parse(tue_thu_sat, "[]", &cal));
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
    ck_assert(duedate_calendar_parse(tue_thu_sat, "[]", &cal));
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
    ck_assert(duedate_calendar_parse(
        tue_thu_sat, "[\"2026-12-24\",\"2026-12-26\",\"2026-12-29\",\"2026-12-31\",\"2027-01-02\"]",
        &cal));
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
    ck_assert(duedate_calendar_parse(every_day, "[]", &cal));
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
    ck_assert(duedate_calendar_parse("{}", "[]", &cal));
    ck_assert_int_eq(duedate_after(&cal, day("2026-11-27"), 14, &due), DUEDATE_NEVER_OPEN);
    ck_assert_int_eq(due, -7);
    duedate_calendar_free(&cal);
    /* Weekdays listed with no hours are closed too. */
    ck_assert(duedate_calendar_parse("{\"mon\": [], \"tue\": null, \"sun\": {}}", "[]", &cal));
    ck_assert_int_eq(duedate_next_open(&cal, day("2026-11-27"), &due), DUEDATE_NEVER_OPEN);
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(many_closed_dates_are_all_skipped)
{
    /* Open on Mondays only, and 110 Mondays in a row closed. */
    char closed[8192] = "[";
    size_t len = 1;
    long monday = day("2027-01-04");
    for (int i = 0; i < 110; i++) {
        char iso[DUEDATE_ISO_SIZE];
        duedate_format(monday + 7L * i, iso);
        len += (size_t)snprintf(closed + len, sizeof closed - len, "%s\"%s\"", i ? "," : "", iso);
    }
    strcat(closed, "]");
    struct duedate_calendar cal;
    ck_assert(duedate_calendar_parse("{\"mon\": [[\"10:00\",\"12:00\"]]}", closed, &cal));
    long due;
    ck_assert_int_eq(duedate_next_open(&cal, day("2027-01-01"), &due), DUEDATE_OK);
    assert_day(due, "2029-02-12"); /* the first Monday after the closed ones */
    duedate_calendar_free(&cal);
}
END_TEST

START_TEST(bad_calendars_are_refused)
{
    struct duedate_calendar cal;
    ck_assert(!duedate_calendar_parse("[]", "[]", &cal));
    duedate_calendar_free(&cal);
    ck_assert(!duedate_calendar_parse("{", "[]", &cal));
    duedate_calendar_free(&cal);
    ck_assert(!duedate_calendar_parse("{}", "[\"2026-02-30\"]", &cal));
    duedate_calendar_free(&cal);
    ck_assert(!duedate_calendar_parse("{}", "[42]", &cal));
    duedate_calendar_free(&cal);
    ck_assert(!duedate_calendar_parse("{}", "{}", &cal));
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
    tcase_add_test(tc, bad_calendars_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(duedate_suite)
