/* duedate: dates as day numbers (see duedate.h). */
#include "duedate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * Day numbers and civil dates convert through the 400-year cycle of the Gregorian calendar
 * (146097 days), counting years from March so that the leap day is the last day of a year.
 * 719468 is the number of days from 0000-03-01 to 1970-01-01.
 */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;                                   /* year of the cycle, 0..399 */
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* day of the March year */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* day of the cycle */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

bool duedate_parse(const char *t, long *day)
{
    if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i]))
            return false;
    long y = strtol(t, NULL, 10), m = strtol(t + 5, NULL, 10), d = strtol(t + 8, NULL, 10);
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    long n = days_from_civil(y, m, d);
    long y2, m2, d2;
    civil_from_days(n, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d) /* the 31st of a 30-day month, 29 February ... */
        return false;
    *day = n;
    return true;
}
