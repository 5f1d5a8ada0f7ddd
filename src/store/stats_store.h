/*
 * stats_store: the figures of the statistics report, read from the rollups that migration
 * 0006_stats keeps current (never from a scan of the loans of a period). A branch id of 0 means
 * the whole network; from and to are ISO dates (YYYY-MM-DD), both included, days in
 * Europe/Stockholm.
 */
#ifndef HYLLA_STORE_STATS_STORE_H
#define HYLLA_STORE_STATS_STORE_H

#include "store/store.h"

#include <jansson.h>

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

/* The summary of a period. */
enum store_status store_stats_summary(int branch_id, const char *from, const char *to,
                                      struct stats_summary *out) STORE_MUST_CHECK;

enum stats_group {
    STATS_BY_DAY,
    STATS_BY_WEEK, /* ISO weeks, from Monday */
    STATS_BY_MONTH,
    STATS_BY_YEAR,
    STATS_BY_BRANCH,
    STATS_BY_CATEGORY,
};

/*
 * Loans of a period grouped, as a new JSON array the caller must json_decref:
 *   day, week, month, year: every period that meets from..to, in order, as {"key": the ISO date
 *     that starts it (which may be before from), "loans"}, with 0 for periods without loans;
 *   branch: every branch in scope, most loans first, as {"key": slug, "name", "loans"};
 *   category: the categories with loans, most first, as {"key": id, "loans", "co2e_kg", "sek"}.
 */
enum store_status store_stats_loans(int branch_id, const char *from, const char *to,
                                    enum stats_group group, json_t **rows) STORE_MUST_CHECK;

/*
 * The catalogue now, as a new JSON object the caller must json_decref: {"items", "never_lent",
 * "categories": [{"key": category id, "items", "never_lent"}]} (categories with items, most
 * never-lent items first).
 */
enum store_status store_stats_items(int branch_id, json_t **out) STORE_MUST_CHECK;

#endif
