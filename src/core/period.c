/* period: calendar arithmetic for report periods (see period.h). */
#include "period.h"

#include <ctype.h>
#include <string.h>

static bool leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool period_day_number(const char *t, long *out)
{
    if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i]))
            return false;
    long y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    int m = (t[5] - '0') * 10 + (t[6] - '0');
    int d = (t[8] - '0') * 10 + (t[9] - '0');
    static const int month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
        d > month_days[m - 1] + (m == 2 && leap(y)))
        return false;

    /* Days before the year, then before the month, counted from 1970. */
    long days = 0;
    for (long year = 1970; year < y; year++)
        days += leap(year) ? 366 : 365;
    for (long year = y; year < 1970; year++)
        days -= leap(year) ? 366 : 365;
    for (int month = 1; month < m; month++)
        days += month_days[month - 1] + (month == 2 && leap(y));
    *out = days + d - 1;
    return true;
}
