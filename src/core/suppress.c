/* suppress: hiding small cells of the statistics about people (see suppress.h). */
#include "suppress.h"

/* The fewest and most borrowers a hidden cell may hold, as one who sees "< 5" or ".." knows. */
static long long lowest(enum suppress_mark m)
{
    return m == SUPPRESS_COMPLEMENT ? SUPPRESS_MIN : 0;
}

static long long highest(enum suppress_mark m, long long total)
{
    return m == SUPPRESS_COMPLEMENT ? total : SUPPRESS_MIN - 1;
}

/*
 * Whether the hidden cells keep their secrets: none hidden, or at least two and none of the
 * small ones with borrowers worked out by one who sees the total and the cells shown. To them the
 * hidden cells hold the total less the cells shown, each small one 0 to SUPPRESS_MIN - 1 and each
 * complement SUPPRESS_MIN or more; a small cell is given away when only its true value fits.
 */
static bool safe(const long long *borrowers, size_t n, long long total,
                 const enum suppress_mark *marks)
{
    size_t hidden = 0;
    long long sum = total, low = 0, high = 0;
    for (size_t i = 0; i < n; i++) {
        if (marks[i] == SUPPRESS_SHOWN) {
            sum -= borrowers[i];
            continue;
        }
        hidden++;
        low += lowest(marks[i]);
        high += highest(marks[i], total);
    }
    if (hidden == 0)
        return true;
    if (hidden == 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (marks[i] != SUPPRESS_SMALL || borrowers[i] == 0)
            continue;
        long long others_low = low - lowest(marks[i]);
        long long others_high = high - highest(marks[i], total);
        long long from = sum - others_high > 0 ? sum - others_high : 0;
        long long to = sum - others_low < SUPPRESS_MIN - 1 ? sum - others_low : SUPPRESS_MIN - 1;
        if (from == to && from == borrowers[i])
            return false;
    }
    return true;
}

bool suppress_cells(const long long *borrowers, size_t n, long long total,
                    enum suppress_mark *marks)
{
    for (size_t i = 0; i < n; i++)
        marks[i] =
            borrowers[i] < SUPPRESS_MIN || total < SUPPRESS_MIN ? SUPPRESS_SMALL : SUPPRESS_SHOWN;
    if (total < SUPPRESS_MIN)
        return true;
    while (!safe(borrowers, n, total, marks)) {
        size_t pick = n;
        for (size_t i = 0; i < n; i++)
            if (marks[i] == SUPPRESS_SHOWN && (pick == n || borrowers[i] < borrowers[pick]))
                pick = i;
        if (pick == n)
            return true;
        marks[pick] = SUPPRESS_COMPLEMENT;
    }
    return false;
}
