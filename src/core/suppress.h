/*
 * suppress: the privacy rule of the statistics about people (loans and borrowers by age band and
 * by gender). A cell that counts fewer than SUPPRESS_MIN distinct borrowers is not shown: it says
 * "< 5" on screen and in CSV files, and null with a suppressed flag in JSON. A table whose total
 * is shown must not let a hidden cell be worked out from that total and the cells shown, so more
 * cells are hidden where needed (complementary suppression): never exactly one hidden cell, and
 * never hidden cells whose sum pins a small one down (two cells of 4 whose sum is 8, say). A
 * hidden cell of 0 may be pinned: it names nobody.
 *
 * This is the one place the rule lives: the API's JSON and CSV answers and, through them, the
 * statistics page all show what suppress_cells decides.
 */
#ifndef HYLLA_CORE_SUPPRESS_H
#define HYLLA_CORE_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Cells counting fewer distinct borrowers than this are hidden. */
#define SUPPRESS_MIN 5

enum suppress_mark {
    SUPPRESS_SHOWN,
    SUPPRESS_SMALL,      /* fewer than SUPPRESS_MIN borrowers: shown as "< 5" */
    SUPPRESS_COMPLEMENT, /* hidden so that no small cell can be worked out from the total */
};

/*
 * Decide which of n cells to hide, into marks (n entries). borrowers[i] is the number of
 * distinct borrowers cell i counts, and total the distinct borrowers of the whole table, which
 * the table shows unless this returns true. Cells add up to the total when every borrower is in
 * one cell (a gender; an age band within one calendar year); a borrower in two age bands makes
 * them add up to more. Complements are the smallest cells shown (the first of equal ones), added
 * one at a time until no small cell with borrowers can be worked out: to one who sees the total
 * and the cells shown, the hidden cells hold the difference, each small one 0 to SUPPRESS_MIN - 1
 * and each complement at least SUPPRESS_MIN, and a small cell is given away when only its true
 * value fits. Returns true when the total must be hidden too: it counts fewer than SUPPRESS_MIN
 * (then every cell is small), or no complement is left to hide.
 */
bool suppress_cells(const long long *borrowers, size_t n, long long total,
                    enum suppress_mark *marks);

#endif
