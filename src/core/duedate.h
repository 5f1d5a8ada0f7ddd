/*
 * duedate: the dates of loans as day numbers, so that "no more than a year from today" is plain
 * arithmetic. Dates are whole days counted from 1970-01-01 (day 0), so year boundaries need no
 * care. When a branch is open, and so on which day a loan falls due, is not decided here: the
 * branch calendar is one set of SQL functions (migrations/0008_calendar.sql) that the store calls.
 */
#ifndef HYLLA_CORE_DUEDATE_H
#define HYLLA_CORE_DUEDATE_H

#include <stdbool.h>

#define DUEDATE_ISO_SIZE 11 /* "YYYY-MM-DD" and the NUL */

/* The day number of an ISO date YYYY-MM-DD that exists in the calendar; false otherwise. */
bool duedate_parse(const char *iso, long *day);

#endif
