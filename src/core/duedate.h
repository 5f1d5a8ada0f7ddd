/*
 * duedate: calendar arithmetic for loans. A loan is due a number of days after it was made, on a
 * day the branch is open: when that day is one of the branch's closed dates, or a weekday without
 * opening hours, the due date moves forward to the next open day, so nobody is late because the
 * door was shut. Dates are whole days counted from 1970-01-01 (day 0, a Thursday), so that
 * adding days is plain addition and year boundaries need no care.
 */
#ifndef HYLLA_CORE_DUEDATE_H
#define HYLLA_CORE_DUEDATE_H

#include <stdbool.h>
#include <stddef.h>

#define DUEDATE_ISO_SIZE 11 /* "YYYY-MM-DD" and the NUL */

/* The day number of an ISO date YYYY-MM-DD that exists in the calendar; false otherwise. */
bool duedate_parse(const char *iso, long *day);

/* The ISO date of a day number. */
void duedate_format(long day, char out[DUEDATE_ISO_SIZE]);

/* The weekday of a day number: 0 Monday ... 6 Sunday. */
int duedate_weekday(long day);

/*
 * When a branch is open, as due dates need it: the weekdays with opening hours, and the single
 * closed dates. The store fills it from the branch's opening hours and closed dates.
 */
struct duedate_calendar {
    bool open[7]; /* Monday first: whether the weekday has opening hours */
    long *closed; /* the closed dates as day numbers, ascending; owned */
    size_t nclosed;
};

void duedate_calendar_free(struct duedate_calendar *cal);

/* Whether the branch is open on this day. */
bool duedate_is_open(const struct duedate_calendar *cal, long day);

enum duedate_status {
    DUEDATE_OK,
    DUEDATE_NEVER_OPEN, /* the branch has no weekday with opening hours */
};

/* The first open day on or after day into *out. */
enum duedate_status duedate_next_open(const struct duedate_calendar *cal, long day, long *out);

/* The due date of a loan of `days` days made on `start`: start + days, moved to an open day. */
enum duedate_status duedate_after(const struct duedate_calendar *cal, long start, int days,
                                  long *out);

#endif
