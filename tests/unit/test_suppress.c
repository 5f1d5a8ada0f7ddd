/*
 * Unit tests of suppress: small cells hidden, a second cell hidden where the total would give a
 * hidden one away, and, over thousands of random tables, an attacker who knows the total, every
 * cell shown and what "< 5" and ".." mean never pins down a hidden cell with borrowers in it.
 */
#include "check_main.h"
#include "core/suppress.h"

#include <stdio.h>
#include <stdlib.h>

#define S SUPPRESS_SHOWN
#define M SUPPRESS_SMALL
#define C SUPPRESS_COMPLEMENT

static long long sum(const long long *v, size_t n)
{
    long long s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* suppress_cells over cells adding up to their total; the marks and the total's fate checked. */
static void expect(const long long *cells, size_t n, const enum suppress_mark *want,
                   bool want_total_hidden)
{
    enum suppress_mark got[16];
    bool hidden = suppress_cells(cells, n, sum(cells, n), got);
    ck_assert_int_eq(hidden, want_total_hidden);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "cell %zu (%lld): got %d, want %d", i, cells[i],
                      (int)got[i], (int)want[i]);
}

START_TEST(cells_and_complements)
{
    /* Nothing small: all shown. */
    expect((long long[]){ 5, 12, 40 }, 3, (enum suppress_mark[]){ S, S, S }, false);
    /* One small cell: the smallest other is hidden too, so the total gives neither away. */
    expect((long long[]){ 30, 3, 9, 7 }, 4, (enum suppress_mark[]){ S, M, S, C }, false);
    /* Two small cells cover each other. */
    expect((long long[]){ 30, 3, 2, 7 }, 4, (enum suppress_mark[]){ S, M, M, S }, false);
    /* A small cell and an empty one: "< 5" twice, neither pinned (3 = a + b, each 0 to 4). */
    expect((long long[]){ 20, 3, 0 }, 3, (enum suppress_mark[]){ S, M, M }, false);
    /* Two cells of 4 sum to 8, which only 4 + 4 makes: a complement is needed. */
    expect((long long[]){ 4, 4, 50, 6 }, 4, (enum suppress_mark[]){ M, M, S, C }, false);
    /* Empty cells only, with the rest shown: zeros name nobody, nothing more is hidden. */
    expect((long long[]){ 0, 0, 9 }, 3, (enum suppress_mark[]){ M, M, S }, false);
    /* Equal candidates: the first of them is the complement. */
    expect((long long[]){ 2, 8, 8 }, 3, (enum suppress_mark[]){ M, C, S }, false);
    /* A total under 5 hides everything, the total too. */
    expect((long long[]){ 1, 2, 0 }, 3, (enum suppress_mark[]){ M, M, M }, true);
    /* One small cell and nothing else to hide: the total goes instead. */
    expect((long long[]){ 3, 40 }, 2, (enum suppress_mark[]){ M, C }, false);
    expect((long long[]){ 3 }, 1, (enum suppress_mark[]){ M }, true);
    expect((long long[]){ 4, 4 }, 2, (enum suppress_mark[]){ M, M }, true);

    /*
     * Cells that add up to more than the total (borrowers in two age bands): the total less the
     * cells shown is what one who looks sees, and 2 + 40 + 9 of a total of 49 tells them the
     * hidden small ones hold 0 to 4 together, which pins neither 2 nor 1.
     */
    enum suppress_mark got[4];
    ck_assert(!suppress_cells((long long[]){ 2, 40, 1, 9 }, 4, 49, got));
    ck_assert_int_eq(got[0], M);
    ck_assert_int_eq(got[1], S);
    ck_assert_int_eq(got[2], M);
    ck_assert_int_eq(got[3], S);
}
END_TEST

/*
 * Every value a hidden cell i can hold for one who knows the total, the cells shown, that a
 * small cell holds 0 to 4 and a complement at least 5, by trying every combination; *values
 * gets how many distinct ones fit.
 */
static void values_of(const long long *cells, size_t n, const enum suppress_mark *marks,
                      long long total, size_t i, int *values)
{
    size_t hidden[16], k = 0;
    long long shown = 0;
    for (size_t j = 0; j < n; j++) {
        if (marks[j] == S)
            shown += cells[j];
        else
            hidden[k++] = j;
    }
    long long left = total - shown;
    bool fits[64] = { false };
    long long try[16] = { 0 };
    /* An odometer over the hidden cells, each from its lowest to left. */
    for (size_t j = 0; j < k; j++)
        try[j] = marks[hidden[j]] == C ? SUPPRESS_MIN : 0;
    for (;;) {
        long long s = 0;
        for (size_t j = 0; j < k; j++)
            s += try[j];
        if (s == left)
            for (size_t j = 0; j < k; j++)
                if (hidden[j] == i && try[j] < 64)
                    fits[try[j]] = true;
        size_t j = 0;
        for (; j < k; j++) {
            long long top = marks[hidden[j]] == C ? left : SUPPRESS_MIN - 1;
            if (++try[j] <= top)
                break;
            try[j] = marks[hidden[j]] == C ? SUPPRESS_MIN : 0;
        }
        if (j == k)
            break;
    }
    *values = 0;
    for (int v = 0; v < 64; v++)
        *values += fits[v];
}

START_TEST(no_hidden_cell_can_be_worked_out)
{
    srand(20251130);
    int tables = 0, with_complement = 0;
    for (int round = 0; round < 4000; round++) {
        size_t n = 2 + (size_t)(rand() % 5);
        long long cells[8];
        for (size_t i = 0; i < n; i++)
            cells[i] = rand() % 3 == 0 ? rand() % 5 : rand() % 14;
        long long total = sum(cells, n);
        enum suppress_mark marks[8];
        bool total_hidden = suppress_cells(cells, n, total, marks);
        size_t hidden = 0;
        bool complement = false;
        for (size_t i = 0; i < n; i++) {
            /* Small cells are always hidden, and hidden only when they are small or complements. */
            ck_assert_int_eq(cells[i] < SUPPRESS_MIN || total < SUPPRESS_MIN, marks[i] == M);
            hidden += marks[i] != S;
            complement = complement || marks[i] == C;
        }
        with_complement += complement;
        if (total_hidden)
            continue;
        tables++;
        ck_assert_msg(hidden != 1, "round %d: exactly one hidden cell", round);
        for (size_t i = 0; i < n; i++) {
            if (marks[i] != M || cells[i] == 0)
                continue;
            int values;
            values_of(cells, n, marks, total, i, &values);
            ck_assert_msg(values > 1, "round %d: cell %zu (%lld) can be worked out", round, i,
                          cells[i]);
        }
    }
    /* The random tables must have exercised the rule. */
    ck_assert_int_gt(tables, 2000);
    ck_assert_int_gt(with_complement, 200);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("suppress");
    TCase *tc = tcase_create("suppress");
    tcase_add_test(tc, cells_and_complements);
    tcase_add_test(tc, no_hidden_cell_can_be_worked_out);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
