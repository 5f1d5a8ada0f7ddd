/*
 * period: calendar arithmetic for report periods, free of SQL and HTTP: the day number of an ISO
 * date, so that the API can bound the length of a period before asking the database.
 */
#ifndef HYLLA_CORE_PERIOD_H
#define HYLLA_CORE_PERIOD_H

#include <stdbool.h>

/*
 * The number of days from 1970-01-01 to the date written YYYY-MM-DD (negative before it) into
 * *out; false, leaving *out alone, when text is not a real date of the years 1900 to 2200.
 */
bool period_day_number(const char *text, long *out);

#endif
