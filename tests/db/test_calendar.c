/*
 * Database tests of the branch calendar (migrations/0008_calendar.sql), the one place that says
 * when a branch is open: seasons inside the year and over the new year, overlapping seasons (the
 * first listed wins), closed periods over the new year and of a single day, a branch that is
 * never open; the first open day from a date, the next opening after a moment through the store,
 * and the closed dates of before 0008 kept as closed periods.
 */
#include "../unit/check_main.h"
#include "dbtest.h"
#include "embedded.h"
#include "store/branch_store.h"
#include "store/migrate.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weekdays 10-18, Thursdays also 19-24 (2026-12-17 is a Thursday). */
#define WEEKDAYS                                                                                   \
    "{\"mon\": [[\"10:00\", \"18:00\"]], \"tue\": [[\"10:00\", \"18:00\"]],"                       \
    " \"wed\": [[\"10:00\", \"18:00\"]], \"thu\": [[\"10:00\", \"18:00\"], [\"19:00\", "           \
    "\"24:00\"]],"                                                                                 \
    " \"fri\": [[\"10:00\", \"18:00\"]]}"
#define SUMMER                                                                                     \
    "{\"name\": \"Sommar\", \"from\": \"06-15\", \"to\": \"08-15\", \"opening_hours\":"            \
    " {\"tue\": [[\"16:00\", \"19:00\"]], \"thu\": [[\"16:00\", \"19:00\"]]}}"
#define AUGUST                                                                                     \
    "{\"name\": \"Augusti\", \"from\": \"08-01\", \"to\": \"08-31\", \"opening_hours\":"           \
    " {\"mon\": [[\"09:00\", \"10:00\"]]}}"
#define WINTER                                                                                     \
    "{\"name\": \"Vinter\", \"from\": \"12-20\", \"to\": \"01-10\", \"opening_hours\":"            \
    " {\"sat\": [[\"10:00\", \"14:00\"]]}}"
#define CLOSED                                                                                     \
    "[{\"from\": \"2026-12-30\", \"to\": \"2027-01-02\", \"reason\": \"Nyår\"},"                  \
    " {\"from\": \"2026-07-14\", \"to\": \"2026-07-14\", \"reason\": null}]"

/* Branch 1 "a": weekdays, summer then August then winter, the closed periods. Branch 2 "b": the
 * same with August listed first. Branch 3 "never": no hours at all. */
static void setup(void)
{
    dbtest_setup();
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix, opening_hours, seasons,"
                "                      closed_periods) VALUES"
                " ('a', 'A', 'AA', '" WEEKDAYS "', '[" SUMMER ", " AUGUST ", " WINTER "]',"
                "  '" CLOSED "'),"
                " ('b', 'B', 'BB', '" WEEKDAYS "', '[" AUGUST ", " SUMMER "]', '[]'),"
                " ('never', 'N', 'NN', '{}', '[]', '[]')");
}

/* The spans of a branch on a day, as JSON text. */
static char *spans(const char *slug, const char *day)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT calendar_spans(opening_hours, seasons, closed_periods, '%s')::text"
             "  FROM branches WHERE slug = '%s'",
             day, slug);
    return dbtest_value(sql);
}

static void assert_spans(const char *slug, const char *day, const char *want)
{
    char *got = spans(slug, day);
    ck_assert_msg(got && strcmp(got, want) == 0, "%s on %s: %s, not %s", slug, day,
                  got ? got : "NULL", want);
    free(got);
}

/* The first open day of a branch on or after a day ("" when none). */
static void assert_open_day(const char *slug, const char *day, const char *want)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(calendar_open_day(opening_hours, seasons, closed_periods,"
             "                                  '%s')::text, '')"
             "  FROM branches WHERE slug = '%s'",
             day, slug);
    char *got = dbtest_value(sql);
    ck_assert_msg(strcmp(got, want) == 0, "%s from %s: %s, not %s", slug, day, got, want);
    free(got);
}

#define CLOSED_DAY "[]"
#define REGULAR    "[[\"10:00\", \"18:00\"]]"
#define SUMMER_DAY "[[\"16:00\", \"19:00\"]]"

START_TEST(a_season_inside_the_year_has_its_own_week)
{
    assert_spans("a", "2026-06-12", REGULAR);    /* Friday before the season */
    assert_spans("a", "2026-06-14", CLOSED_DAY); /* Sunday */
    assert_spans("a", "2026-06-15", CLOSED_DAY); /* Monday, the first day: no Mondays in summer */
    assert_spans("a", "2026-06-16", SUMMER_DAY); /* Tuesday */
    assert_spans("a", "2026-06-17", CLOSED_DAY); /* Wednesday */
    assert_spans("a", "2026-06-18", SUMMER_DAY); /* Thursday: the summer's, not both spans */
    assert_spans("a", "2026-08-13", SUMMER_DAY); /* the last Thursday */
    assert_spans("a", "2026-08-18", CLOSED_DAY); /* Tuesday after: August's week */
    assert_spans("a", "2026-09-01", REGULAR);    /* and after August the regular one */
}
END_TEST

START_TEST(a_season_wraps_the_new_year)
{
    assert_spans("a", "2026-12-18", REGULAR);                    /* Friday before */
    assert_spans("a", "2026-12-19", CLOSED_DAY);                 /* Saturday before */
    assert_spans("a", "2026-12-21", CLOSED_DAY);                 /* Monday in the winter */
    assert_spans("a", "2026-12-26", "[[\"10:00\", \"14:00\"]]"); /* Saturday in the winter */
    assert_spans("a", "2027-01-09", "[[\"10:00\", \"14:00\"]]"); /* and on the other side */
    assert_spans("a", "2027-01-10", CLOSED_DAY);                 /* the last day, a Sunday */
    assert_spans("a", "2027-01-11", REGULAR);                    /* Monday after */
    assert_spans("a", "2027-01-16", CLOSED_DAY);                 /* Saturday after */
}
END_TEST

START_TEST(where_seasons_overlap_the_first_listed_wins)
{
    /* Monday 3 August is in both: "a" lists summer first (no Mondays), "b" August first. */
    assert_spans("a", "2026-08-03", CLOSED_DAY);
    assert_spans("b", "2026-08-03", "[[\"09:00\", \"10:00\"]]");
    /* Tuesday 4 August: summer's hours in "a"; August has no Tuesdays, and it wins in "b". */
    assert_spans("a", "2026-08-04", SUMMER_DAY);
    assert_spans("b", "2026-08-04", CLOSED_DAY);
    /* Where only one season covers the day, it applies in both orders. */
    assert_spans("a", "2026-08-24", "[[\"09:00\", \"10:00\"]]");
    assert_spans("b", "2026-07-16", SUMMER_DAY);
}
END_TEST

START_TEST(closed_periods_close_whatever_the_hours_say)
{
    /* Over the new year: Wednesday 30 December to Saturday 2 January, a winter Saturday. */
    assert_spans("a", "2026-12-29", CLOSED_DAY); /* a winter Tuesday, closed anyway */
    assert_spans("a", "2026-12-30", CLOSED_DAY);
    assert_spans("a", "2027-01-02", CLOSED_DAY);
    assert_spans("b", "2027-01-02", CLOSED_DAY); /* "b" has no winter: a Saturday */
    assert_spans("b", "2026-12-30", REGULAR);    /* nor the closed periods */
    /* A single day: Tuesday 14 July, in the summer. */
    assert_spans("a", "2026-07-14", CLOSED_DAY);
    assert_spans("b", "2026-07-14", SUMMER_DAY);
    assert_spans("a", "2026-07-16", SUMMER_DAY);
}
END_TEST

START_TEST(the_days_ahead_come_in_order)
{
    char *days = dbtest_value(
        "SELECT string_agg(day::text || ' ' || spans::text, ', ')"
        "  FROM branches b,"
        "       calendar_days(b.opening_hours, b.seasons, b.closed_periods, '2027-01-01',"
        "                     '2027-01-11')"
        " WHERE b.slug = 'a'");
    ck_assert_str_eq(days, "2027-01-01 [], 2027-01-02 [], 2027-01-03 [], 2027-01-04 [],"
                           " 2027-01-05 [], 2027-01-06 [], 2027-01-07 [], 2027-01-08 [],"
                           " 2027-01-09 [[\"10:00\", \"14:00\"]], 2027-01-10 [],"
                           " 2027-01-11 [[\"10:00\", \"18:00\"]]");
    free(days);
}
END_TEST

START_TEST(the_first_open_day_skips_seasons_and_closed_periods)
{
    assert_open_day("a", "2026-12-18", "2026-12-18");
    assert_open_day("a", "2026-12-19", "2026-12-26"); /* the winter opens on Saturdays only */
    assert_open_day("a", "2026-12-27", "2027-01-09"); /* Saturday 2 January is closed */
    assert_open_day("a", "2026-06-13", "2026-06-16");
    assert_open_day("a", "2026-07-14", "2026-07-16");
    assert_open_day("b", "2026-12-24", "2026-12-24");
    assert_open_day("never", "2026-12-24", "");
    /* Open on Mondays only, and every Monday for 60 weeks closed. */
    dbtest_exec("UPDATE branches SET opening_hours = '{\"mon\": [[\"10:00\", \"12:00\"]]}',"
                "  seasons = '[]',"
                "  closed_periods = (SELECT jsonb_agg(jsonb_build_object('from', d::date,"
                "                                                          'to', d::date))"
                "                      FROM generate_series(date '2027-01-04', date '2028-02-21',"
                "                                           interval '7 days') d)"
                " WHERE slug = 'b'");
    assert_open_day("b", "2027-01-01", "2028-02-28");
    /* A branch closed for longer than two years is as good as never open. */
    dbtest_exec("UPDATE branches SET closed_periods = '[{\"from\": \"2027-01-01\","
                " \"to\": \"2029-12-31\"}]' WHERE slug = 'b'");
    assert_open_day("b", "2027-01-01", "");
    /* Weekdays listed without hours are no hours. */
    dbtest_exec("UPDATE branches SET opening_hours = '{\"mon\": [], \"tue\": []}',"
                " closed_periods = '[]', seasons = '[" AUGUST "]' WHERE slug = 'never'");
    assert_open_day("never", "2026-12-24", "2027-08-02");
}
END_TEST

START_TEST(the_next_opening_after_a_moment)
{
    int a = (int)dbtest_count("SELECT id FROM branches WHERE slug = 'a'");
    struct branch_opening o;
    /* Thursday 24 December 2026 in the winter, at 17:00 in Stockholm: closed (Thursday), so
     * Saturday the 26th. */
    ck_assert_int_eq(store_branch_next_opening(a, "2026-12-24T17:00:00+01:00", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-12-26");
    ck_assert_uint_eq(o.nspans, 1);
    ck_assert_str_eq(o.spans[0].open, "10:00");
    ck_assert_str_eq(o.spans[0].close, "14:00");
    /* Thursday 17 December, regular hours of two spans, between them: still today. */
    ck_assert_int_eq(store_branch_next_opening(a, "2026-12-17T17:30:00Z", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-12-17");
    ck_assert_uint_eq(o.nspans, 2);
    ck_assert_str_eq(o.spans[0].open, "10:00");
    ck_assert_str_eq(o.spans[1].open, "19:00");
    ck_assert_str_eq(o.spans[1].close, "24:00");
    /* The moment is read in Stockholm: 17:00 UTC is 18:00 there, closing time on Wednesday the
     * 16th, so Thursday; and 23:30 UTC on Thursday is half past midnight on Friday. */
    ck_assert_int_eq(store_branch_next_opening(a, "2026-12-16T17:00:00Z", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-12-17");
    ck_assert_int_eq(store_branch_next_opening(a, "2026-12-17T23:30:00Z", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-12-18");
    /* In summer time 16:30 UTC is 18:30, within the summer's Tuesday hours; 17:00 closes them. */
    ck_assert_int_eq(store_branch_next_opening(a, "2026-06-16T16:30:00Z", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-06-16");
    ck_assert_int_eq(store_branch_next_opening(a, "2026-06-16T17:00:00Z", &o), STORE_OK);
    ck_assert_str_eq(o.date, "2026-06-18");
    /* Now: some day. */
    ck_assert_int_eq(store_branch_next_opening(a, NULL, &o), STORE_OK);
    ck_assert_uint_gt(strlen(o.date), 0);

    int never = (int)dbtest_count("SELECT id FROM branches WHERE slug = 'never'");
    ck_assert_int_eq(store_branch_next_opening(never, NULL, &o), STORE_NOT_FOUND);
    ck_assert_int_eq(store_branch_next_opening(424242, NULL, &o), STORE_NOT_FOUND);
}
END_TEST

/* The migrations before the calendar's, as a list of its own (the caller frees it). */
static struct embedded_file *migrations_before_calendar(void)
{
    size_t n = 0;
    while (hylla_migrations[n].name && strncmp(hylla_migrations[n].name, "0008", 4) < 0)
        n++;
    struct embedded_file *files = calloc(n + 1, sizeof *files);
    ck_assert_ptr_nonnull(files);
    memcpy(files, hylla_migrations, n * sizeof *files);
    return files;
}

static void migrate_quietly(const struct embedded_file *files)
{
    char *why = NULL;
    FILE *out = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(store_migrate(files, out, &why) == STORE_OK, "%s", why ? why : "");
    fclose(out);
}

START_TEST(closed_dates_become_closed_periods_of_one_day)
{
    struct embedded_file *before = migrations_before_calendar();
    migrate_quietly(before);
    free(before);
    dbtest_exec("INSERT INTO branches (slug, name, code_prefix, opening_hours, closed_dates)"
                " VALUES ('a', 'A', 'AA', '" WEEKDAYS "', '{2026-12-25, 2026-12-24, 2026-12-25}'),"
                "        ('b', 'B', 'BB', '{}', '{}')");
    migrate_quietly(hylla_migrations);
    char *a = dbtest_value("SELECT closed_periods::text FROM branches WHERE slug = 'a'");
    ck_assert_str_eq(a, "[{\"to\": \"2026-12-24\", \"from\": \"2026-12-24\", \"reason\": null},"
                        " {\"to\": \"2026-12-25\", \"from\": \"2026-12-25\", \"reason\": null}]");
    free(a);
    char *b = dbtest_value("SELECT closed_periods::text || seasons::text FROM branches"
                           " WHERE slug = 'b'");
    ck_assert_str_eq(b, "[][]");
    free(b);
    /* Closed on the same days as before: Thursday the 24th and Friday the 25th. */
    assert_spans("a", "2026-12-23", REGULAR);
    assert_spans("a", "2026-12-24", CLOSED_DAY);
    assert_spans("a", "2026-12-25", CLOSED_DAY);
    assert_spans("a", "2026-12-28", REGULAR);
}
END_TEST

static Suite *calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("calendar");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, dbtest_teardown);
    tcase_add_test(tc, a_season_inside_the_year_has_its_own_week);
    tcase_add_test(tc, a_season_wraps_the_new_year);
    tcase_add_test(tc, where_seasons_overlap_the_first_listed_wins);
    tcase_add_test(tc, closed_periods_close_whatever_the_hours_say);
    tcase_add_test(tc, the_days_ahead_come_in_order);
    tcase_add_test(tc, the_first_open_day_skips_seasons_and_closed_periods);
    tcase_add_test(tc, the_next_opening_after_a_moment);
    suite_add_tcase(s, tc);
    TCase *migration = tcase_create("migration");
    tcase_set_timeout(migration, 120);
    tcase_add_checked_fixture(migration, dbtest_setup_empty, dbtest_teardown);
    tcase_add_test(migration, closed_dates_become_closed_periods_of_one_day);
    suite_add_tcase(s, migration);
    return s;
}

CHECK_MAIN(calendar_suite)
