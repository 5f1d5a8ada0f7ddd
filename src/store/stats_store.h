/*
 * stats_store: the figures of the statistics report, read from the rollups of migration
 * 0006_stats (never from a scan of the loans of a period), which the journal of 0017_hot_paths
 * feeds: every figure counts every change committed before the read. A branch id of 0 means
 * the whole network; from and to are ISO dates (YYYY-MM-DD), both included, days in
 * Europe/Stockholm.
 */
#ifndef HYLLA_STORE_STATS_STORE_H
#define HYLLA_STORE_STATS_STORE_H

#include "store/store.h"

#include <stddef.h>

struct stats_summary {
    long long loans;            /* checked out in the period */
    long long returns;          /* returned in the period */
    long long returns_late;     /* of those, returned after the due date */
    long long loan_seconds;     /* total length of those loans */
    long long unique_borrowers; /* distinct borrowers of the loans of the period */
    long long new_borrowers;    /* of those, borrowing here for the first time */
    long long items_donated;    /* items whose donation day is in the period */
    long long total_loans;      /* every loan ever, whatever the period */
    long long items;            /* items in the catalogue now (not retired) */
    long long items_never_lent; /* of those, never lent */
    double co2e_kg;             /* impact of the loans of the period */
    double sek;
};

/*
 * The summary of a period of the branch (0: the network) into *out. Once
 * store_stats_summary_cache_start ran, a summary read lately is answered again after one look that
 * finds the rollups unchanged since (stats_store.c).
 */
enum store_status store_stats_summary(int branch_id, const char *from, const char *to,
                                      struct stats_summary *out) STORE_MUST_CHECK;

/* Keep summaries for identical requests (`hylla serve`), before the threads start. */
void store_stats_summary_cache_start(void);

enum stats_group {
    STATS_BY_DAY,
    STATS_BY_WEEK, /* ISO weeks, from Monday */
    STATS_BY_MONTH,
    STATS_BY_YEAR,
    STATS_BY_BRANCH,
    STATS_BY_CATEGORY,
};

/* One row of the loans of a period grouped; which fields are set depends on the group. */
struct stats_row {
    char key[48];        /* day ... year: the ISO date that starts the period; branch: the slug */
    char *name;          /* branch: its name (owned); NULL otherwise */
    int category_id;     /* category: the category */
    long long loans;     /* every group */
    double co2e_kg, sek; /* category: the impact of its loans */
};

/*
 * Loans of a period grouped, as a new array of *n rows (free with store_stats_rows_free):
 *   day, week, month, year: every period that meets from..to, in order, keyed by the ISO date
 *     that starts it (which may be before from), with 0 loans for periods without loans;
 *   branch: every branch in scope, most loans first, keyed by slug, with its name;
 *   category: the categories with loans, most first, with the impact of those loans.
 */
enum store_status store_stats_loans(int branch_id, const char *from, const char *to,
                                    enum stats_group group, struct stats_row **rows,
                                    size_t *n) STORE_MUST_CHECK;
void store_stats_rows_free(struct stats_row *rows, size_t n);

/*
 * Loans and unique borrowers of a period by group of people (migration 0016_stats_people): the
 * age bands ("0-6", "7-12", "13-19", "20-64", "65+", "unknown"; age at the loan's date) or the
 * genders ("kvinna", "man", "annat", "ej_angivet", "unknown").
 */
enum stats_people_dimension { STATS_PEOPLE_AGE_BAND, STATS_PEOPLE_GENDER };

struct stats_people_row {
    char key[16];        /* the group */
    long long loans;     /* lent to the group in the period */
    long long borrowers; /* distinct borrowers of those loans */
};

/*
 * The groups of a dimension in their order, for the branch (0: the network) and the category (0:
 * every category), with every group present (zeros too), into a new array of *n rows (free it);
 * the loans and distinct borrowers of everyone into *total (key ""). A borrower whose loans of the
 * period fall in two age bands (around a new year) counts in both, and once in the total.
 */
enum store_status store_stats_people(int branch_id, int category_id, const char *from,
                                     const char *to, enum stats_people_dimension dimension,
                                     struct stats_people_row **rows, size_t *n,
                                     struct stats_people_row *total) STORE_MUST_CHECK;

/* Items of a category now: in the catalogue (not retired), of those never lent, and lost. */
struct stats_category_items {
    int category_id;
    long long items, never_lent, lost;
};

/* The catalogue now, and per category with items (most never-lent items first). */
struct stats_items {
    long long items, never_lent, lost;
    struct stats_category_items *categories; /* owned; free with store_stats_items_free */
    size_t ncategories;
};

/* The catalogue of the branch (0: the network) now into *out. */
enum store_status store_stats_items(int branch_id, struct stats_items *out) STORE_MUST_CHECK;
void store_stats_items_free(struct stats_items *s);

/* Fold the journal into the rollups now (waiting for a fold in progress); nothing is cheap. */
enum store_status store_stats_fold(void) STORE_MUST_CHECK;

/*
 * Fold on a thread of its own (`hylla serve`), many changes at a time: once a second, less often
 * (up to 10 s) while folds take long, so that folding takes at most about 1/20 of the thread's
 * time (stats_store.c). While it runs, transactions no longer fold at their commit, and the
 * rollups themselves are behind by that much (hylla's reads fold what they need first).
 */
void store_stats_folder_start(void);
void store_stats_folder_stop(void);

#endif
