/*
 * check_store: what `hylla check` asks of a database: its invariants and whether the statistics
 * rollups equal a recount, both through functions of the schema (check_invariants() and
 * stats_verify(), migration 0007), and a few counts that say what it holds.
 */
#ifndef HYLLA_STORE_CHECK_STORE_H
#define HYLLA_STORE_CHECK_STORE_H

#include "store/store.h"

#include <stddef.h>

/* One finding: a rule (or a rollup) and how many things break it. */
struct check_finding {
    char name[128];
    long long bad; /* things that break the invariant; rows of the recount not in the rollup */
    long long unexpected; /* rollups only: rows of the rollup not in the recount */
    char examples[256];   /* invariants only: up to five item codes, comma separated */
};

/* Every invariant into *out (the caller frees it), their number into *n. */
enum store_status store_check_invariants(struct check_finding **out, size_t *n) STORE_MUST_CHECK;

/*
 * Every rollup compared with a recount into *out (the caller frees it), their number into *n.
 * Changes nothing, but holds back changes to loans and items while it runs.
 */
enum store_status store_check_rollups(struct check_finding **out, size_t *n) STORE_MUST_CHECK;

/* What the database holds, for the summary (and for comparing a restored copy with its source). */
struct check_counts {
    long long branches, items, borrowers, loans, open_loans, staff;
};
enum store_status store_check_counts(struct check_counts *out) STORE_MUST_CHECK;

#endif
